/// <reference lib="dom" />
/**
 * The report's page: reads the embedded data with JSON.parse (never as script) and builds every section with DOM
 * calls. When done it sets `data-ready` on the body (the browser tests and the benchmark wait for it); a failure is
 * shown on the page and sets `data-error`.
 */
import { REPORT_DATA_ID, REPORT_DATA_VERSION, type ReportData } from "../data.js";
import { append, el, logText } from "./dom.js";
import { count, time } from "./format.js";
import { renderGraph } from "./graph.js";
import { renderIncidents } from "./incidents.js";
import { renderMatrix } from "./matrix.js";
import { renderSummary } from "./summary.js";
import { renderDetections } from "./table.js";
import { renderTimeline } from "./timeline.js";

function readData(): ReportData {
  const node = document.getElementById(REPORT_DATA_ID);
  if (node === null || node.textContent === null) throw new Error("the report's data is missing");
  const data = JSON.parse(node.textContent) as ReportData;
  if (data.version !== REPORT_DATA_VERSION) throw new Error(`unknown report data version ${String(data.version)}`);
  return data;
}

function render(): void {
  const root = document.getElementById("app");
  if (root === null) return;
  const data = readData();
  const detections = renderDetections(data);
  const timeline = renderTimeline(data);
  const graph = renderGraph(data);
  const incidents = renderIncidents(data, (host) => detections.showHost(host));
  const nav = el("nav", { className: "nav" });
  const sections: [string, string, boolean][] = [
    ["summary", "Summary", true],
    ["timeline", "Timeline", true],
    ["attack", "ATT&CK", true],
    ["movement", "Lateral movement", graph !== null],
    ["incidents", "Incidents", incidents !== null],
    ["detections", "Detections", true],
  ];
  for (const [id, label, present] of sections) {
    if (!present) continue;
    const a = el("a", null, label);
    a.href = `#${id}`;
    nav.append(a);
  }
  append(
    root,
    el(
      "header",
      { className: "top" },
      el("h1", null, logText(data.title)),
      el(
        "p",
        { className: "generated" },
        `${data.generator}, ${time(data.generatedAt)} UTC · ${count(data.summary.detections)} detections`,
      ),
      nav,
    ),
    renderSummary(data),
    timeline.element,
    renderMatrix(data, (rule) => detections.showRule(rule)),
    graph?.element,
    incidents,
    detections.element,
  );
  // Charts measure their containers, so they are drawn once in the page; one failing leaves the rest.
  for (const part of [timeline, graph]) {
    if (part === null) continue;
    try {
      part.draw();
    } catch (e) {
      console.error(e);
      part.element.append(el("p", { className: "fatal" }, `This chart could not be drawn: ${String(e)}`));
    }
  }
}

try {
  render();
  performance.mark("vigil-ready");
  document.body.dataset.ready = "true";
} catch (e) {
  document.body.dataset.error = "true";
  document
    .getElementById("app")
    ?.append(
      el("p", { className: "fatal" }, `The report could not be shown: ${e instanceof Error ? e.message : String(e)}`),
    );
}
