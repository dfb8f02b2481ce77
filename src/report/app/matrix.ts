/// <reference lib="dom" />
/**
 * The ATT&CK matrix: a column per tactic with detections (kill-chain order), a cell per technique seen under it,
 * shaded by detections (log scale, so one noisy rule does not wash out the rest), each cell listing its rules; a
 * rule's button filters the detections table to it.
 */
import type { ReportData } from "../data.js";
import { button, el, logText } from "./dom.js";
import { count, LEVEL_COLORS } from "./format.js";

export function renderMatrix(data: ReportData, onRule: (rule: number) => void): HTMLElement {
  const { tactics, cells, untagged } = data.matrix;
  const section = el("section", { id: "attack", className: "panel" }, el("h2", null, "ATT&CK matrix"));
  if (tactics.length === 0) {
    section.append(el("p", { className: "note" }, "No rule that matched names an ATT&CK tactic or technique."));
    return section;
  }
  section.append(
    el(
      "p",
      { className: "note" },
      "Techniques under the tactics their rules name (a rule naming several tactics places its techniques under each). " +
        "Darker cells have more detections; a rule filters the detections table.",
    ),
  );
  const max = cells.reduce((m, c) => Math.max(m, c.count), 1);
  const table = el("table", { className: "matrix", id: "attack-matrix" });
  const headRow = el("tr");
  const columns = el("tr");
  for (const tactic of tactics) {
    headRow.append(
      el(
        "th",
        { data: { tactic: tactic.id }, attrs: { scope: "col" } },
        el("div", { className: "tactic-name" }, tactic.name),
        el("div", { className: "tactic-count" }, count(tactic.count)),
      ),
    );
    const column = el("td", { data: { tactic: tactic.id } });
    for (const cell of cells.filter((c) => c.tactic === tactic.id)) {
      const box = el(
        "div",
        {
          className: "cell",
          data: { tactic: cell.tactic, technique: cell.technique ?? "", count: cell.count },
        },
        el(
          "div",
          { className: "cell-head" },
          el("span", { className: "technique" }, cell.technique ?? "(no technique)"),
          el("span", { className: "cell-count" }, count(cell.count)),
        ),
      );
      const share = Math.log1p(cell.count) / Math.log1p(max);
      box.style.backgroundColor = `rgba(230, 74, 25, ${(0.08 + 0.72 * share).toFixed(3)})`;
      if (share > 0.6) box.classList.add("dark");
      const list = el("ul", { className: "cell-rules" });
      for (const index of cell.rules) {
        const rule = data.rules[index];
        const dot = el("span", { className: "dot" });
        dot.style.backgroundColor = LEVEL_COLORS[rule.level];
        const b = button("", () => onRule(index), { className: "link", title: rule.title, data: { rule: index } });
        b.append(dot, logText(rule.title), el("span", { className: "muted" }, ` ${count(rule.count)}`));
        list.append(el("li", null, b));
      }
      box.append(list);
      column.append(box);
    }
    columns.append(column);
  }
  table.append(el("thead", null, headRow), el("tbody", null, columns));
  section.append(el("div", { className: "matrix-scroll" }, table));
  if (untagged > 0) {
    section.append(
      el("p", { className: "note" }, `${count(untagged)} detections come from rules without ATT&CK tags.`),
    );
  }
  return section;
}
