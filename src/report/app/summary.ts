/// <reference lib="dom" />
/** The summary: evidence read and damage found, detections by level, time range, rules used, problems. */
import type { ReportData } from "../data.js";
import { el, logText } from "./dom.js";
import { bytes, count, LEVEL_COLORS, LEVEL_NAMES, plural, timeRange } from "./format.js";

export function renderSummary(data: ReportData): HTMLElement {
  const s = data.summary;
  const figure = (key: string, label: string, value: string, note?: string): HTMLElement =>
    el(
      "div",
      { className: "figure" },
      el("div", { className: "figure-value", data: { figure: key } }, value),
      el("div", { className: "figure-label" }, label),
      note === undefined ? null : el("div", { className: "figure-note" }, note),
    );

  const levels = el("div", { className: "levels" });
  for (let rank = LEVEL_NAMES.length - 1; rank >= 0; rank--) {
    const level = LEVEL_NAMES[rank];
    const chip = el(
      "div",
      { className: "level-chip", data: { level } },
      el("span", { className: "level-name" }, level),
      el("span", { className: "level-count", data: { levelCount: level } }, count(s.byLevel[rank])),
    );
    chip.style.borderLeftColor = LEVEL_COLORS[level];
    levels.append(chip);
  }

  const rules = s.rulesLoaded;
  const rulesText =
    rules === null
      ? `${count(data.rules.length)} matched`
      : `${count(data.rules.length)} of ${count(rules.detection + rules.correlation)} matched`;
  const rulesNote =
    rules === null
      ? undefined
      : `${plural(rules.correlation, "correlation")}, ${plural(rules.filter, "filter")}, ` +
        `${plural(rules.files, "file")}${rules.unusable > 0 ? `, ${count(rules.unusable)} unusable` : ""}`;

  const figures = el(
    "div",
    { className: "figures" },
    figure(
      "detections",
      "detections",
      count(s.detections),
      `${plural(data.hosts.length, "host")}, ${plural(data.scope?.incidents.length ?? 0, "incident")}`,
    ),
    figure(
      "files",
      "evidence files read",
      count(s.filesRead),
      `${bytes(s.bytes)}; ${count(s.filesDamaged)} damaged, ${count(s.filesUnreadable)} unreadable`,
    ),
    figure(
      "events",
      "events read",
      count(s.eventsRead),
      `${count(s.eventsRecovered)} recovered, ${count(s.recordsSkipped)} records skipped`,
    ),
    figure("rules", "rules", rulesText, rulesNote),
  );

  const section = el(
    "section",
    { id: "summary", className: "panel" },
    el("h2", null, "Summary"),
    figures,
    levels,
    el(
      "dl",
      { className: "facts" },
      el("dt", null, "Detections"),
      el("dd", { data: { fact: "detection-range" } }, timeRange(s.firstDetection, s.lastDetection)),
      el("dt", null, "Evidence"),
      el("dd", { data: { fact: "event-range" } }, timeRange(s.firstEvent, s.lastEvent)),
      el("dt", null, "Hunt"),
      el("dd", null, `${s.elapsedSeconds.toFixed(1)} s`),
    ),
  );

  if (s.problemCount > 0 || s.correlationWarnings.length > 0) {
    const list = el("ul", { className: "problems" });
    for (const p of s.problems.slice(0, 20)) {
      const where = p.member === null ? p.file : `${p.file}!/${p.member}`;
      const offset = p.offset === null ? "" : ` at offset 0x${p.offset.toString(16)}`;
      list.append(el("li", null, logText(where), `${offset}: `, logText(p.reason)));
    }
    if (s.problemCount > s.problems.slice(0, 20).length) {
      list.append(el("li", null, `… and ${count(s.problemCount - s.problems.slice(0, 20).length)} more`));
    }
    for (const w of s.correlationWarnings) list.append(el("li", { className: "warning" }, logText(w)));
    section.append(el("h3", null, `Damage and problems: ${count(s.problemCount)}`), list);
  }
  return section;
}
