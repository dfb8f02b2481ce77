/// <reference lib="dom" />
/**
 * The lateral-movement graph from scoping: hosts grouped by zone (IT, OT-DMZ, OT from left to right, so a move
 * toward the plant runs rightward), compromised hosts outlined in red, edges labelled with their method, and moves
 * toward OT drawn thick and red. Cytoscape draws labels on a canvas (never as markup); a click shows the host or
 * edge in DOM text beside it, and the same edges are listed in a table below for reading and searching.
 */
import cytoscape from "cytoscape";
import type { ReportData, ReportEdgeData, ReportNodeData } from "../data.js";
import { append, clear, clip, el, logText, shown } from "./dom.js";
import { count, shortTime } from "./format.js";
import type { Drawn } from "./timeline.js";

const ZONES = ["IT", "OT-DMZ", "OT"];
const ZONE_COLORS: Readonly<Record<string, string>> = { IT: "#1e88e5", "OT-DMZ": "#8e24aa", OT: "#2e7d32" };
const NO_ZONE_COLOR = "#607d8b";
/** Hosts per column inside a zone. */
const COLUMN_HOSTS = 8;

export function renderGraph(data: ReportData): Drawn | null {
  const scope = data.scope;
  if (scope === null || (scope.nodes.length === 0 && scope.edges.length === 0)) return null;
  const crossings = scope.edges.filter((e) => e.crossing).length;
  const container = el("div", {
    className: "graph",
    id: "movement-graph",
    data: { nodes: scope.nodes.length, edges: scope.edges.length, crossings },
  });
  const info = el("div", { className: "graph-info", id: "graph-info" }, "Click a host or a connection.");
  const section = el(
    "section",
    { id: "movement", className: "panel" },
    el("h2", null, "Lateral movement"),
    el(
      "p",
      { className: "note" },
      `${count(scope.nodes.length)} hosts, ${count(scope.edges.length)} connections` +
        (crossings > 0 ? `, ${count(crossings)} toward OT (red)` : "") +
        ". Hosts outlined in red are compromised.",
    ),
    legend(),
    el("div", { className: "graph-row" }, container, info),
    edgeTable(scope.edges, scope.nodes),
  );
  return { element: section, draw: () => drawGraph(container, info, scope.nodes, scope.edges) };
}

function legend(): HTMLElement {
  const items = el("div", { className: "graph-legend" });
  for (const zone of [...ZONES, "no zone"]) {
    const swatch = el("span", { className: "swatch" });
    swatch.style.backgroundColor = ZONE_COLORS[zone] ?? NO_ZONE_COLOR;
    items.append(el("span", { className: "legend-item" }, swatch, zone));
  }
  const compromised = el("span", { className: "swatch compromised" });
  const crossing = el("span", { className: "swatch crossing" });
  items.append(
    el("span", { className: "legend-item" }, compromised, "compromised"),
    el("span", { className: "legend-item" }, crossing, "move toward OT"),
  );
  return items;
}

function drawGraph(
  container: HTMLElement,
  info: HTMLElement,
  nodes: readonly ReportNodeData[],
  edges: readonly ReportEdgeData[],
): void {
  const zoned = nodes.some((n) => n.zone !== null);
  const zoneOrder = [
    ...ZONES,
    ...new Set(nodes.map((n) => n.zone ?? "").filter((z) => z !== "" && !ZONES.includes(z))),
  ];
  const elements: cytoscape.ElementDefinition[] = [];
  const positions = new Map<string, { x: number; y: number }>();
  if (zoned) {
    let x = 0;
    for (const zone of [...zoneOrder, ""]) {
      const members = nodes
        .filter((n) => (n.zone ?? "") === zone)
        .sort((a, b) => Number(b.compromised) - Number(a.compromised) || a.label.localeCompare(b.label));
      if (members.length === 0) continue;
      const parent = `zone:${zone}`;
      elements.push({ data: { id: parent, label: zone === "" ? "no zone" : shown(zone), zone: zone || "none" } });
      // Hosts zigzag down their column, so that a connection between two hosts of a zone does not run over a third.
      for (const [i, n] of members.entries()) {
        const row = i % COLUMN_HOSTS;
        positions.set(n.id, { x: x + Math.floor(i / COLUMN_HOSTS) * 260 + (row % 2) * 110, y: row * 80 });
      }
      x += Math.ceil(members.length / COLUMN_HOSTS) * 260 + 140;
    }
  }
  const nodeIds = new Map<string, string>();
  for (const [i, n] of nodes.entries()) {
    const id = `n${i}`;
    nodeIds.set(n.id, id);
    elements.push({
      group: "nodes",
      data: {
        id,
        label: clip(shown(n.label), 40),
        color: ZONE_COLORS[n.zone ?? ""] ?? NO_ZONE_COLOR,
        compromised: n.compromised ? 1 : 0,
        index: i,
        ...(zoned ? { parent: `zone:${n.zone ?? ""}` } : {}),
      },
      ...(positions.has(n.id) ? { position: positions.get(n.id) } : {}),
    });
  }
  for (const [i, e] of edges.entries()) {
    const source = nodeIds.get(e.source);
    const target = nodeIds.get(e.target);
    if (source === undefined || target === undefined) continue;
    elements.push({
      group: "edges",
      data: {
        id: `e${i}`,
        source,
        target,
        label: clip(shown(e.method ?? ""), 24),
        crossing: e.crossing ? 1 : 0,
        width: Math.min(6, 1.5 + Math.log2(Math.max(1, e.count))),
        index: i,
      },
    });
  }

  const cy = cytoscape({
    container,
    elements,
    layout: zoned ? { name: "preset", padding: 24 } : { name: "cose", animate: false, padding: 24 },
    minZoom: 0.2,
    maxZoom: 3,
    style: [
      {
        selector: "node",
        style: {
          "background-color": "data(color)",
          label: "data(label)",
          "font-size": 11,
          "text-valign": "bottom",
          "text-margin-y": 4,
          width: 28,
          height: 28,
          "border-width": 2,
          "border-color": "#ffffff",
        },
      },
      {
        selector: "node[compromised = 1]",
        style: { "border-width": 5, "border-color": "#d50000", shape: "round-diamond", width: 34, height: 34 },
      },
      {
        selector: ":parent",
        style: {
          "background-color": "#eceff1",
          "background-opacity": 0.6,
          "border-width": 1,
          "border-color": "#b0bec5",
          label: "data(label)",
          "text-valign": "top",
          "text-halign": "center",
          "font-size": 14,
          "font-weight": "bold",
          color: "#37474f",
          shape: "round-rectangle",
          padding: "24px",
        },
      },
      {
        selector: "edge",
        style: {
          width: "data(width)",
          "line-color": "#90a4ae",
          "target-arrow-color": "#90a4ae",
          "target-arrow-shape": "triangle",
          "curve-style": "bezier",
          label: "data(label)",
          "font-size": 9,
          color: "#37474f",
          "text-rotation": "autorotate",
          "text-background-color": "#ffffff",
          "text-background-opacity": 0.8,
          "text-background-padding": "1px",
        },
      },
      {
        selector: "edge[crossing = 1]",
        style: {
          width: 5,
          "line-color": "#d50000",
          "target-arrow-color": "#d50000",
          color: "#b71c1c",
          "font-weight": "bold",
          "font-size": 11,
          "z-index": 10,
        },
      },
      { selector: ":selected", style: { "overlay-color": "#ffab00", "overlay-opacity": 0.3 } },
    ],
  });
  cy.on("tap", "node", (event) => {
    const index = event.target.data("index");
    if (typeof index === "number") showNode(info, nodes[index]);
  });
  cy.on("tap", "edge", (event) => {
    const index = event.target.data("index");
    if (typeof index === "number") showEdge(info, edges[index]);
  });
  container.dataset.drawnHosts = String(cy.nodes().filter((n) => !n.isParent()).length);
  container.dataset.drawnEdges = String(cy.edges().length);
  container.dataset.drawnCrossings = String(cy.edges("[crossing = 1]").length);
}

function showNode(info: HTMLElement, n: ReportNodeData): void {
  clear(info);
  const facts = el("dl", { className: "facts" });
  facts.append(el("dt", null, "zone"), el("dd", null, n.zone === null ? "unknown" : logText(n.zone)));
  facts.append(el("dt", null, "compromised"), el("dd", null, n.compromised ? "yes" : "no"));
  for (const f of n.facts) {
    facts.append(
      el("dt", null, logText(f.label)),
      el("dd", null, f.time === undefined ? logText(f.text) : shortTime(f.time)),
    );
  }
  info.append(el("h3", null, logText(n.label)), facts);
}

function showEdge(info: HTMLElement, e: ReportEdgeData): void {
  clear(info);
  append(
    info,
    el("h3", null, logText(e.source), " → ", logText(e.target)),
    el(
      "dl",
      { className: "facts" },
      el("dt", null, "method"),
      el("dd", null, logText(e.method ?? "unknown")),
      el("dt", null, "account"),
      el("dd", null, logText(e.account ?? "unknown")),
      el("dt", null, "first"),
      el("dd", null, shortTime(e.firstSeen)),
      el("dt", null, "last"),
      el("dd", null, shortTime(e.lastSeen)),
      el("dt", null, "times"),
      el("dd", null, count(e.count)),
    ),
    e.crossing ? el("p", { className: "crossing-note" }, "A move toward OT.") : null,
  );
}

function edgeTable(edges: readonly ReportEdgeData[], nodes: readonly ReportNodeData[]): HTMLElement {
  const zone = new Map(nodes.map((n) => [n.id, n.zone]));
  const body = el("tbody");
  const sorted = [...edges].sort(
    (a, b) => Number(b.crossing) - Number(a.crossing) || (a.firstSeen ?? Infinity) - (b.firstSeen ?? Infinity),
  );
  for (const e of sorted) {
    const from = zone.get(e.source) ?? null;
    const to = zone.get(e.target) ?? null;
    body.append(
      el(
        "tr",
        { className: e.crossing ? "crossing" : "", data: { crossing: e.crossing ? 1 : 0 } },
        el("td", null, logText(e.source), from === null ? null : el("span", { className: "zone" }, ` ${from}`)),
        el("td", null, logText(e.target), to === null ? null : el("span", { className: "zone" }, ` ${to}`)),
        el("td", null, logText(e.method ?? "")),
        el("td", null, logText(e.account ?? "")),
        el("td", { className: "nowrap" }, shortTime(e.firstSeen)),
        el("td", { className: "nowrap" }, shortTime(e.lastSeen)),
        el("td", { className: "num" }, count(e.count)),
        el("td", null, e.crossing ? "toward OT" : ""),
      ),
    );
  }
  const head = el("tr");
  for (const h of ["from", "to", "method", "account", "first", "last", "times", ""]) head.append(el("th", null, h));
  return el(
    "details",
    { className: "edges", attrs: { open: "" } },
    el("summary", null, `Connections (${count(edges.length)})`),
    el("table", { className: "data", id: "movement-edges" }, el("thead", null, head), body),
  );
}
