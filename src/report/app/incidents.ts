/// <reference lib="dom" />
/** Incidents from scoping, each with hosts, accounts, tactics and key evidence; then what the intrusion reached. */
import { tacticOf } from "../../output/attack.js";
import type { ReportData, ReportFact, ReportTable } from "../data.js";
import { button, el, logText } from "./dom.js";
import { count, duration, LEVEL_COLORS, shortTime } from "./format.js";

/** A tactic's name from its id (`credential-access`), old spelling (`defense_evasion`) or tag. */
function tacticName(tactic: string): string {
  return tacticOf(tactic.toLowerCase().startsWith("attack.") ? tactic : `attack.${tactic}`)?.name ?? tactic;
}

export function renderIncidents(data: ReportData, onHost: (host: string) => void): HTMLElement | null {
  const scope = data.scope;
  if (scope === null) return null;
  const section = el("section", { id: "incidents", className: "panel" }, el("h2", null, "Incidents"));
  if (scope.incidents.length === 0) section.append(el("p", { className: "note" }, "Scoping found no incident."));
  for (const [i, incident] of scope.incidents.entries()) {
    const severity = incident.severity ?? "";
    const badge = el("span", { className: "severity" }, severity === "" ? "unrated" : logText(severity));
    const color = LEVEL_COLORS[severity as keyof typeof LEVEL_COLORS];
    if (color !== undefined) badge.style.backgroundColor = color;
    const span =
      incident.firstSeen !== null && incident.lastSeen !== null
        ? ` (${duration(incident.lastSeen - incident.firstSeen)})`
        : "";
    const hosts = el("ul", { className: "chips" });
    for (const h of incident.hosts) {
      const b = button("", () => onHost(h), { className: "chip link", title: "show its detections" });
      b.append(logText(h));
      hosts.append(el("li", null, b));
    }
    const evidence = el("ol", { className: "evidence" });
    for (const item of incident.evidence.slice(0, 50)) evidence.append(el("li", null, ...factNodes(item)));
    if (incident.evidence.length > 50)
      evidence.append(el("li", null, `… and ${count(incident.evidence.length - 50)} more`));
    section.append(
      el(
        "article",
        { className: "incident", data: { incident: i + 1 } },
        el("h3", null, el("span", { className: "incident-mark" }, `#${i + 1}`), " ", logText(incident.id), " ", badge),
        el(
          "dl",
          { className: "facts" },
          el("dt", null, "time"),
          el("dd", null, `${shortTime(incident.firstSeen)} – ${shortTime(incident.lastSeen)}${span}`),
          el("dt", null, `hosts (${incident.hosts.length})`),
          el("dd", null, hosts),
          el("dt", null, `accounts (${incident.accounts.length})`),
          el("dd", null, chips(incident.accounts)),
          el("dt", null, "tactics"),
          el("dd", null, chips(incident.tactics.map(tacticName))),
        ),
        incident.evidence.length > 0 ? el("h4", null, "Key evidence") : null,
        incident.evidence.length > 0 ? evidence : null,
      ),
    );
  }
  if (scope.reach.length > 0) {
    const facts = el("dl", { className: "facts", id: "reach" });
    for (const f of scope.reach) facts.append(el("dt", null, logText(f.label)), el("dd", null, ...factValue(f)));
    section.append(el("h3", null, "Reach"), facts);
  }
  if (scope.reachTable !== null) section.append(tableSection("Reach", scope.reachTable, "reach-table"));
  if (scope.logonSummary !== null) section.append(tableSection("Logons", scope.logonSummary, "logon-table"));
  return section;
}

function tableSection(title: string, table: ReportTable, id: string): HTMLElement {
  const head = el("tr");
  for (const c of table.columns) head.append(el("th", null, logText(c)));
  const body = el("tbody");
  for (const row of table.rows) {
    const tr = el("tr");
    for (const cell of row) tr.append(el("td", null, logText(cell)));
    body.append(tr);
  }
  const shown =
    table.rows.length < table.total ? `${count(table.rows.length)} of ${count(table.total)}` : count(table.total);
  return el(
    "details",
    null,
    el("summary", null, `${title} (${shown})`),
    el("div", { className: "table-scroll" }, el("table", { className: "data", id }, el("thead", null, head), body)),
  );
}

function chips(items: readonly string[]): HTMLElement {
  const list = el("ul", { className: "chips" });
  for (const item of items) list.append(el("li", { className: "chip" }, logText(item)));
  return list;
}

function factNodes(facts: readonly ReportFact[]): (Node | string)[] {
  const out: (Node | string)[] = [];
  for (const [i, f] of facts.entries()) {
    if (i > 0) out.push(" · ");
    if (f.label !== "") out.push(el("span", { className: "fact-label" }, logText(f.label), ": "));
    out.push(...factValue(f));
  }
  return out;
}

function factValue(f: ReportFact): (Node | string)[] {
  return [f.time === undefined ? logText(f.text) : shortTime(f.time)];
}
