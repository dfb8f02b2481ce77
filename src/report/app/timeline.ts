/// <reference lib="dom" />
/**
 * The timeline: detections per time bucket, stacked by level, zoomable (wheel and drag in the plot, the slider
 * below), with incidents shaded. ECharts draws on a canvas; its tooltip is kept in `richText` mode (drawn on the
 * canvas too) because the default HTML tooltip would set innerHTML. Nothing from evidence reaches ECharts: the
 * tooltip shows times and counts, and incidents are labelled by number (their names are listed in DOM text).
 */
import { BarChart } from "echarts/charts";
import {
  DataZoomComponent,
  GridComponent,
  LegendComponent,
  MarkAreaComponent,
  TooltipComponent,
} from "echarts/components";
import * as echarts from "echarts/core";
import { CanvasRenderer } from "echarts/renderers";
import type { ReportData } from "../data.js";
import { el } from "./dom.js";
import { count, LEVEL_COLORS, LEVEL_NAMES, shortTime, time } from "./format.js";

echarts.use([
  BarChart,
  GridComponent,
  DataZoomComponent,
  LegendComponent,
  MarkAreaComponent,
  TooltipComponent,
  CanvasRenderer,
]);

/** Empty buckets are filled in (so that bars have their width and gaps show) up to this many buckets. */
const MAX_DENSE_BUCKETS = 20_000;

export interface Drawn {
  readonly element: HTMLElement;
  /** Draws the chart; call once the element is in the page (the chart measures its container). */
  readonly draw: () => void;
}

export function renderTimeline(data: ReportData): Drawn {
  const { bucketMs, buckets, untimed } = data.timeline;
  const chart = el("div", { className: "chart", id: "timeline-chart", data: { buckets: buckets.length } });
  const incidents = data.scope?.incidents ?? [];
  const legend = el("ol", { className: "incident-legend" });
  for (const [i, incident] of incidents.entries()) {
    legend.append(
      el(
        "li",
        null,
        el("span", { className: "incident-mark" }, `#${i + 1}`),
        " ",
        el("span", { className: "log", attrs: { dir: "auto" } }, incident.id),
        ` ${shortTime(incident.firstSeen)} – ${shortTime(incident.lastSeen)}`,
      ),
    );
  }
  const note = el(
    "p",
    { className: "note" },
    buckets.length === 0
      ? "No detection has a time."
      : `Bars of ${bucketLabel(bucketMs)}. Scroll or drag the slider to zoom.` +
          (untimed > 0 ? ` ${count(untimed)} detections without a time are not shown.` : ""),
  );
  const section = el(
    "section",
    { id: "timeline", className: "panel" },
    el("h2", null, "Timeline"),
    note,
    chart,
    incidents.length > 0 ? legend : null,
  );
  return { element: section, draw: () => (buckets.length === 0 ? undefined : drawChart(chart, data)) };
}

function drawChart(container: HTMLElement, data: ReportData): void {
  const { bucketMs, buckets } = data.timeline;
  const first = buckets[0][0];
  const last = buckets[buckets.length - 1][0];
  const dense = (last - first) / bucketMs + 1 <= MAX_DENSE_BUCKETS;
  const series = LEVEL_NAMES.map((level, rank) => {
    const points: [number, number][] = [];
    if (dense) {
      let i = 0;
      for (let t = first - bucketMs; t <= last + bucketMs; t += bucketMs) {
        const bucket = buckets[i]?.[0] === t ? buckets[i++] : null;
        points.push([t + bucketMs / 2, bucket === null ? 0 : bucket[rank + 1]]);
      }
    } else {
      for (const b of buckets) points.push([b[0] + bucketMs / 2, b[rank + 1]]);
    }
    return {
      name: level,
      type: "bar" as const,
      stack: "detections",
      barCategoryGap: "5%",
      large: points.length > 2000,
      itemStyle: { color: LEVEL_COLORS[level] },
      emphasis: { disabled: true },
      data: points,
    };
  });
  const incidents = data.scope?.incidents ?? [];
  const marked = incidents
    .map((incident, i) => ({ incident, i }))
    .filter(({ incident }) => incident.firstSeen !== null);
  if (marked.length > 0) {
    Object.assign(series[series.length - 1], {
      markArea: {
        silent: true,
        itemStyle: { color: "rgba(183, 28, 28, 0.08)", borderColor: "rgba(183, 28, 28, 0.5)", borderWidth: 1 },
        label: { position: "insideTop", color: "#b71c1c", fontWeight: "bold" },
        data: marked.map(({ incident, i }) => [
          { name: `#${i + 1}`, xAxis: incident.firstSeen },
          { xAxis: Math.max(incident.lastSeen ?? incident.firstSeen ?? 0, (incident.firstSeen ?? 0) + bucketMs) },
        ]),
      },
    });
  }
  const chart = echarts.init(container, null, { renderer: "canvas" });
  chart.setOption({
    animation: false,
    grid: { left: 56, right: 24, top: 36, bottom: 72 },
    legend: { top: 4, data: [...LEVEL_NAMES].reverse() },
    tooltip: {
      trigger: "axis",
      renderMode: "richText",
      axisPointer: { type: "shadow" },
      formatter: (params: unknown) => tooltipText(params, bucketMs),
    },
    xAxis: { type: "time", axisLabel: { hideOverlap: true } },
    yAxis: { type: "value", minInterval: 1, name: "detections", nameTextStyle: { align: "left" } },
    dataZoom: [
      { type: "inside", xAxisIndex: 0, filterMode: "weakFilter" },
      { type: "slider", xAxisIndex: 0, height: 24, bottom: 16, filterMode: "weakFilter", showDetail: false },
    ],
    series,
  });
  new ResizeObserver(() => chart.resize()).observe(container);
}

/** The tooltip as plain text: the bucket's time and the count per level (no evidence text). */
function tooltipText(params: unknown, bucketMs: number): string {
  const list = Array.isArray(params) ? params : [params];
  const lines: string[] = [];
  let start: number | null = null;
  for (const p of list as { seriesName?: unknown; value?: unknown }[]) {
    const value = Array.isArray(p.value) ? p.value : [];
    const t = typeof value[0] === "number" ? value[0] - bucketMs / 2 : null;
    const n = typeof value[1] === "number" ? value[1] : 0;
    if (start === null && t !== null) start = t;
    if (n > 0 && typeof p.seriesName === "string") lines.push(`${p.seriesName}: ${count(n)}`);
  }
  const head = start === null ? "" : `${time(start)} (+${bucketLabel(bucketMs)})`;
  return [head, ...(lines.length > 0 ? lines.reverse() : ["no detections"])].join("\n");
}

function bucketLabel(ms: number): string {
  const s = ms / 1000;
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${s / 60} min`;
  if (s < 86_400) return `${s / 3600} h`;
  return s === 86_400 ? "1 day" : `${s / 86_400} days`;
}
