/// <reference lib="dom" />
/**
 * The detections table: the detections kept in full (the report's data says how many of how many), filtered by
 * level, host, rule and free text, sorted by any column, a page at a time so the page stays light whatever the
 * count; a click (or Enter) on a row shows the whole event and the rule below the table.
 */
import type { FieldValues, ReportData, ReportRow, ReportValue } from "../data.js";
import { button, clear, clip, el, logText } from "./dom.js";
import { count, LEVEL_COLORS, LEVEL_NAMES, time } from "./format.js";

const PAGE_ROWS = 100;
const LEVEL_RANK = new Map<string, number>(LEVEL_NAMES.map((l, i) => [l, i]));

type SortKey = "time" | "level" | "rule" | "host" | "eventId";

export interface DetectionsTable {
  readonly element: HTMLElement;
  /** Shows only this rule's detections (-1: every rule) and scrolls to the table. */
  showRule(rule: number): void;
  /** Shows only this host's detections and scrolls to the table. */
  showHost(host: string): void;
}

export function renderDetections(data: ReportData): DetectionsTable {
  const d = data.detections;
  const rows = d.rows;
  const levelOf = (r: ReportRow): number => LEVEL_RANK.get(data.rules[r.rule]?.level ?? "") ?? 0;
  const hostName = (r: ReportRow): string => (r.host < 0 ? "" : (data.hosts[r.host]?.name ?? ""));
  const searchText: (string | undefined)[] = new Array(rows.length);
  const searchOf = (i: number): string => {
    let s = searchText[i];
    if (s === undefined) {
      const r = rows[i];
      const parts = [
        data.rules[r.rule]?.title ?? "",
        hostName(r),
        String(r.eventId ?? ""),
        valueText(d.values[r.channel]),
      ];
      parts.push(valueText(d.values[r.recordId]), valueText(d.values[r.source]));
      for (let k = 1; k < r.event.length; k++) parts.push(valueText(d.values[r.event[k]]));
      for (let k = 1; k < r.details.length; k++) parts.push(valueText(d.values[r.details[k]]));
      s = parts.join("\u0000").toLowerCase();
      searchText[i] = s;
    }
    return s;
  };

  const state = {
    levels: new Set(LEVEL_NAMES.map((_, i) => i)),
    host: -1,
    rule: -1,
    text: "",
    sort: "time" as SortKey,
    descending: false,
    page: 0,
  };
  let shown: number[] = [];
  let selected = -1;

  // Filters.
  const levelBoxes = el("fieldset", { className: "level-filter" }, el("legend", null, "Levels"));
  for (let rank = LEVEL_NAMES.length - 1; rank >= 0; rank--) {
    const box = el("input", { data: { level: LEVEL_NAMES[rank] } });
    box.type = "checkbox";
    box.checked = true;
    box.addEventListener("change", () => {
      if (box.checked) state.levels.add(rank);
      else state.levels.delete(rank);
      update(true);
    });
    const dot = el("span", { className: "dot" });
    dot.style.backgroundColor = LEVEL_COLORS[LEVEL_NAMES[rank]];
    levelBoxes.append(el("label", null, box, dot, LEVEL_NAMES[rank]));
  }
  const hostSelect = el("select", { id: "filter-host", attrs: { "aria-label": "host" } });
  hostSelect.append(option("-1", `all hosts (${count(data.hosts.length)})`));
  for (const [i, h] of data.hosts.entries())
    hostSelect.append(option(String(i), `${clip(h.name, 60)} (${count(h.count)})`));
  hostSelect.addEventListener("change", () => {
    state.host = Number(hostSelect.value);
    update(true);
  });
  const ruleSelect = el("select", { id: "filter-rule", attrs: { "aria-label": "rule" } });
  ruleSelect.append(option("-1", `all rules (${count(data.rules.length)})`));
  for (const [i, r] of data.rules.entries()) {
    ruleSelect.append(option(String(i), `${r.level}: ${clip(r.title, 80)} (${count(r.count)})`));
  }
  ruleSelect.addEventListener("change", () => {
    state.rule = Number(ruleSelect.value);
    update(true);
  });
  const textInput = el("input", {
    id: "filter-text",
    attrs: { "aria-label": "text", placeholder: "search any field" },
  });
  textInput.type = "search";
  let typing: ReturnType<typeof setTimeout> | undefined;
  textInput.addEventListener("input", () => {
    clearTimeout(typing);
    typing = setTimeout(() => {
      state.text = textInput.value.trim().toLowerCase();
      update(true);
    }, 120);
  });

  // Table.
  const headRow = el("tr");
  const headers: [SortKey | null, string][] = [
    ["time", "Time (UTC)"],
    ["level", "Level"],
    ["rule", "Rule"],
    ["host", "Host"],
    ["eventId", "Event"],
    [null, "Details"],
  ];
  const sortButtons = new Map<SortKey, HTMLButtonElement>();
  for (const [key, label] of headers) {
    const th = el("th", { attrs: { scope: "col" } });
    if (key === null) th.append(label);
    else {
      const b = button(
        label,
        () => {
          state.descending = state.sort === key ? !state.descending : key === "level";
          state.sort = key;
          update(true);
        },
        { className: "sort", data: { sort: key } },
      );
      sortButtons.set(key, b);
      th.append(b);
    }
    headRow.append(th);
  }
  const body = el("tbody");
  const table = el("table", { className: "data detections", id: "detections-table" }, el("thead", null, headRow), body);
  const status = el("p", { className: "status", id: "detections-status" });
  const prev = button("← previous", () => {
    state.page--;
    update(false);
  });
  const next = button("next →", () => {
    state.page++;
    update(false);
  });
  const pageLabel = el("span", { className: "page" });
  const detail = el("section", { id: "detail", className: "detail", attrs: { "aria-live": "polite" } });
  detail.hidden = true;

  const kept =
    d.kept < d.total
      ? `The ${count(d.kept)} most severe of ${count(d.total)} detections are kept in full ` +
        "(the earliest of each level first); the counts, the timeline and the matrix include all of them."
      : null;
  const section = el(
    "section",
    { id: "detections", className: "panel" },
    el("h2", null, "Detections"),
    kept === null ? null : el("p", { className: "note", id: "detections-kept" }, kept),
    el("div", { className: "filters" }, levelBoxes, hostSelect, ruleSelect, textInput),
    status,
    el("div", { className: "table-scroll" }, table),
    el("div", { className: "pager" }, prev, pageLabel, next),
    detail,
  );

  function update(resetPage: boolean): void {
    if (resetPage) state.page = 0;
    shown = [];
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i];
      if (!state.levels.has(levelOf(r))) continue;
      if (state.host >= 0 && r.host !== state.host) continue;
      if (state.rule >= 0 && r.rule !== state.rule) continue;
      if (state.text !== "" && !searchOf(i).includes(state.text)) continue;
      shown.push(i);
    }
    const sign = state.descending ? -1 : 1;
    const key = state.sort;
    const compare = (a: number, b: number): number => {
      const x = rows[a];
      const y = rows[b];
      let c = 0;
      if (key === "level") c = levelOf(x) - levelOf(y);
      else if (key === "rule") c = (data.rules[x.rule]?.title ?? "").localeCompare(data.rules[y.rule]?.title ?? "");
      else if (key === "host") c = hostName(x).localeCompare(hostName(y));
      else if (key === "eventId") c = (x.eventId ?? -1) - (y.eventId ?? -1);
      return c * sign || ((x.time ?? Infinity) - (y.time ?? Infinity) || a - b) * (key === "time" ? sign : 1);
    };
    shown.sort(compare);
    for (const [k, b] of sortButtons) {
      const th = b.parentElement;
      if (th === null) continue;
      if (k === key) th.setAttribute("aria-sort", state.descending ? "descending" : "ascending");
      else th.removeAttribute("aria-sort");
    }
    const pages = Math.max(1, Math.ceil(shown.length / PAGE_ROWS));
    state.page = Math.min(Math.max(0, state.page), pages - 1);
    const from = state.page * PAGE_ROWS;
    const to = Math.min(shown.length, from + PAGE_ROWS);
    clear(body);
    for (const i of shown.slice(from, to)) body.append(rowElement(i));
    status.textContent =
      shown.length === rows.length
        ? `${count(rows.length)} detections`
        : `${count(shown.length)} of ${count(rows.length)} detections match the filters`;
    status.dataset.shown = String(shown.length);
    pageLabel.textContent = shown.length === 0 ? "" : `${count(from + 1)}–${count(to)} of ${count(shown.length)}`;
    prev.disabled = state.page === 0;
    next.disabled = state.page >= pages - 1;
  }

  function rowElement(i: number): HTMLTableRowElement {
    const r = rows[i];
    const rule = data.rules[r.rule];
    const level = rule?.level ?? "medium";
    const dot = el("span", { className: "dot" });
    dot.style.backgroundColor = LEVEL_COLORS[level];
    const tr = el(
      "tr",
      { data: { row: i, level }, className: i === selected ? "selected" : "" },
      el("td", { className: "nowrap" }, time(r.time)),
      el("td", { className: "nowrap" }, dot, level),
      el("td", null, logText(clip(rule?.title ?? "", 120))),
      el("td", null, logText(clip(hostName(r), 60))),
      el("td", { className: "num" }, r.eventId === null ? "" : String(r.eventId)),
      el("td", { className: "details-cell" }, logText(clip(detailsText(r.details, data), 240))),
    );
    tr.tabIndex = 0;
    tr.addEventListener("click", () => select(i));
    tr.addEventListener("keydown", (e) => {
      if (e.key === "Enter") select(i);
    });
    return tr;
  }

  function select(i: number): void {
    selected = i;
    for (const tr of body.querySelectorAll("tr")) tr.classList.toggle("selected", tr.dataset.row === String(i));
    showDetail(detail, data, rows[i]);
    detail.hidden = false;
    detail.scrollIntoView({ block: "nearest" });
  }

  update(true);
  return {
    element: section,
    showRule(rule: number): void {
      state.rule = rule;
      ruleSelect.value = String(rule);
      update(true);
      section.scrollIntoView();
    },
    showHost(host: string): void {
      const index = data.hosts.findIndex((h) => h.name === host);
      state.host = index;
      hostSelect.value = String(index);
      update(true);
      section.scrollIntoView();
    },
  };
}

function option(value: string, label: string): HTMLOptionElement {
  const o = el("option", null, label);
  o.value = value;
  return o;
}

/** A value as one line of text: lists joined with commas. */
export function valueText(v: ReportValue | undefined): string {
  if (v === undefined || v === null) return "";
  if (Array.isArray(v)) return v.map(valueText).join(", ");
  return String(v);
}

/** The fields and values of an event or its details. */
export function fieldEntries(list: FieldValues, data: ReportData): [string, ReportValue | undefined][] {
  const d = data.detections;
  const shape = d.shapes[list[0]] ?? [];
  return shape.map((field, i) => [d.fields[field] ?? "", d.values[list[i + 1]]]);
}

function detailsText(list: FieldValues, data: ReportData): string {
  return fieldEntries(list, data)
    .map(([name, value]) => `${name}: ${valueText(value)}`)
    .join(" ¦ ");
}

function showDetail(detail: HTMLElement, data: ReportData, r: ReportRow): void {
  const d = data.detections;
  const rule = data.rules[r.rule];
  clear(detail);
  const close = button(
    "close",
    () => {
      detail.hidden = true;
    },
    { className: "close" },
  );
  const facts = (entries: [string, Node | string][]): HTMLElement => {
    const dl = el("dl", { className: "facts" });
    for (const [label, value] of entries) dl.append(el("dt", null, label), el("dd", null, value));
    return dl;
  };
  const value = (i: number): Node | string => (i < 0 ? "–" : logText(valueText(d.values[i]), "log value"));
  const offset = r.offset === null ? "" : ` at offset 0x${r.offset.toString(16)}`;
  detail.append(
    el("div", { className: "detail-head" }, el("h3", null, "Detection"), close),
    el(
      "div",
      { className: "detail-grid" },
      el(
        "div",
        null,
        el("h4", null, "Event"),
        facts([
          ["time", time(r.time)],
          ["host", r.host < 0 ? "–" : logText(data.hosts[r.host]?.name ?? "")],
          ["channel", value(r.channel)],
          ["event id", r.eventId === null ? "–" : String(r.eventId)],
          ["record id", value(r.recordId)],
          ["source", el("span", null, value(r.source), offset)],
        ]),
      ),
      rule === undefined
        ? null
        : el(
            "div",
            { id: "detail-rule" },
            el("h4", null, "Rule"),
            facts([
              ["title", logText(rule.title)],
              ["level", rule.level],
              ["id", logText(rule.id ?? "–")],
              ["kind", rule.kind],
              ["tags", logText(rule.tags.join(", "))],
              ["file", logText(rule.file)],
              ["detections", count(rule.count)],
            ]),
          ),
    ),
  );
  if (r.details.length > 1) detail.append(el("h4", null, "Details"), fieldTable(r.details, data, "detail-details"));
  const c = r.correlation;
  if (c !== undefined) {
    const evidence = el("ol", { className: "evidence" });
    for (const e of c.evidence) {
      evidence.append(
        el(
          "li",
          null,
          `${time(e.time)} `,
          logText(e.rule),
          " on ",
          logText(e.computer ?? "?"),
          e.file === null ? "" : " in ",
          e.file === null ? null : logText(e.file),
        ),
      );
    }
    detail.append(
      el("h4", null, "Correlation"),
      facts([
        ["type", c.type],
        ["group", logText(c.group.map(([k, v]) => `${k}=${v ?? ""}`).join(", "))],
        ["value", count(c.value)],
        ["matches", count(c.matchCount)],
        ["first", time(c.firstSeen)],
        ["values", logText(c.values.join(", "))],
      ]),
      evidence,
    );
  }
  if (r.event.length > 1) detail.append(el("h4", null, "All fields"), fieldTable(r.event, data, "detail-event"));
}

function fieldTable(list: FieldValues, data: ReportData, id: string): HTMLElement {
  const body = el("tbody");
  for (const [name, value] of fieldEntries(list, data)) {
    body.append(
      el(
        "tr",
        null,
        el("th", { attrs: { scope: "row" } }, logText(name)),
        el("td", null, logText(valueText(value), "log value")),
      ),
    );
  }
  return el("table", { className: "data fields", id }, body);
}
