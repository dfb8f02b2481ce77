/**
 * The hunt's summary on the terminal: what was read, how fast, what was found (by level, rule, computer, ATT&CK
 * tactic) and what went wrong. Every line fits in 100 columns. Rule titles, computer names, file names and reasons
 * come from evidence and rule files, so they pass through sanitizeForTerminal before they are measured or shown;
 * colour comes only from here, and only when asked for.
 */
import pc from "picocolors";
import { LEVELS, type Level, levelRank } from "../hunt/detection.js";
import { TACTICS, type Tactic, tacticOf } from "./attack.js";
import { isoTime } from "./iso-time.js";
import {
  displayWidth,
  fitToWidth,
  SUMMARY_INDENT,
  SUMMARY_WIDTH,
  sanitizeForTerminal,
  truncateToWidth,
} from "./terminal.js";

export interface RuleTally {
  readonly title: string;
  readonly level: Level;
  readonly count: number;
}

export interface SummaryProblem {
  readonly file: string;
  readonly member?: string;
  /** Byte offset in the file (or member content); null for a problem of the whole file. */
  readonly offset: number | null;
  readonly reason: string;
}

/** The rules a hunt ran with. */
export interface RulesLoaded {
  readonly detection: number;
  readonly correlation: number;
  readonly filter: number;
  /** Rule files read. */
  readonly files: number;
  /** Rules that could not be loaded or cannot run. */
  readonly unusable: number;
}

export interface HuntSummary {
  /** Evidence files read (archives count once, whatever their members). */
  readonly filesRead: number;
  /** Of them, files read only in part: damage, skipped records, a broken archive member. */
  readonly filesDamaged: number;
  /** Files of which nothing could be read (no such file, unknown format, I/O error). */
  readonly filesUnreadable: number;
  readonly eventsRead: number;
  /** Of `eventsRead`, those recovered from slack, damaged chunks or past the declared chunks. */
  readonly eventsRecovered: number;
  /** Records or JSON values found but not read (each is also a problem). */
  readonly recordsSkipped: number;
  readonly bytes: number;
  readonly elapsedSeconds: number;
  /** Threads that scanned, when known (the hunt may use fewer than --threads for a small corpus). */
  readonly scanThreads?: number;
  /** Times of the earliest and the latest event read (ms since the epoch, UTC). */
  readonly firstEvent: number | null;
  readonly lastEvent: number | null;
  readonly detectionsByLevel: Readonly<Record<Level, number>>;
  /** Detections per rule, any order: the summary shows the top ones by level, then count. */
  readonly rules: readonly RuleTally[];
  /** Detections per computer, any order: the summary shows the top ones by count. */
  readonly computers: ReadonlyMap<string, number>;
  /** Detections per ATT&CK tactic, by tag (`attack.execution`) or tactic name (`execution`, `defense_evasion`). */
  readonly tactics: ReadonlyMap<string, number>;
  readonly problemCount: number;
  /** The first problems (the summary shows up to `problemLines` of them). */
  readonly problems: readonly SummaryProblem[];
  /** Correlations that hit a state cap and may have missed alerts, one line each. */
  readonly correlationWarnings: readonly string[];
  /** The rules the hunt ran with: no detections means little when few rules were looked for. */
  readonly rulesLoaded?: RulesLoaded;
}

export interface SummaryOptions {
  readonly color: boolean;
  /** Rules and computers listed. Default 10. */
  readonly top?: number;
  /** Problems listed. Default 5. */
  readonly problemLines?: number;
}

const LABEL = 12;
const COUNT = 9;
const LEVEL = 13;

type Paint = (text: string) => string;

function rulesText(r: RulesLoaded): string {
  const loaded = `${count(r.detection)} detection, ${count(r.correlation)} correlation, ${count(r.filter)} filter`;
  return r.unusable > 0 ? `${loaded}; ${count(r.unusable)} unusable (vigil rules check)` : loaded;
}

export function renderSummary(summary: HuntSummary, options: SummaryOptions): string {
  const c = pc.createColors(options.color);
  const level: Record<Level, Paint> = {
    critical: (t) => c.bold(c.red(t)),
    high: c.red,
    medium: c.yellow,
    low: c.green,
    informational: c.gray,
  };
  const top = options.top ?? 10;
  const lines: string[] = [];
  const heading = (text: string): void => {
    lines.push("", c.bold(text));
  };
  const row = (label: string, value: string): void => {
    lines.push(
      SUMMARY_INDENT + fitToWidth(label, LABEL) + truncateToWidth(value, SUMMARY_WIDTH - SUMMARY_INDENT.length - LABEL),
    );
  };

  const total = LEVELS.reduce((n, l) => n + summary.detectionsByLevel[l], 0);
  lines.push(c.bold(`Vigil hunt: ${count(total)} ${total === 1 ? "detection" : "detections"}`));
  row(
    "Files",
    `${count(summary.filesRead)} read, ${count(summary.filesDamaged)} damaged, ` +
      `${count(summary.filesUnreadable)} unreadable`,
  );
  row(
    "Events",
    `${count(summary.eventsRead)} read (${count(summary.eventsRecovered)} recovered), ` +
      `${count(summary.recordsSkipped)} records skipped`,
  );
  if (summary.rulesLoaded !== undefined) row("Rules", rulesText(summary.rulesLoaded));
  row("Time span", timeSpan(summary.firstEvent, summary.lastEvent));
  row("Speed", speed(summary));

  heading("Detections by level");
  for (const l of [...LEVELS].reverse()) {
    const n = summary.detectionsByLevel[l];
    lines.push(SUMMARY_INDENT + level[l](fitToWidth(l, LEVEL)) + fitToWidth(count(n), COUNT, "right"));
  }

  const rules = [...summary.rules]
    .filter((r) => r.count > 0)
    .sort((a, b) => levelRank(b.level) - levelRank(a.level) || b.count - a.count || a.title.localeCompare(b.title));
  if (rules.length > 0) {
    heading(`Top rules (${shown(top, rules.length)})`);
    const titleWidth = SUMMARY_WIDTH - SUMMARY_INDENT.length - LEVEL - COUNT - 2;
    lines.push(c.dim(`${SUMMARY_INDENT}${fitToWidth("LEVEL", LEVEL)}${fitToWidth("COUNT", COUNT, "right")}  RULE`));
    for (const r of rules.slice(0, top)) {
      const title = truncateToWidth(sanitizeForTerminal(r.title), titleWidth);
      lines.push(
        `${SUMMARY_INDENT}${level[r.level](fitToWidth(r.level, LEVEL))}${fitToWidth(count(r.count), COUNT, "right")}  ${title}`,
      );
    }
  }

  const computers = [...summary.computers].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  if (computers.length > 0) {
    heading(`Detections by computer (${shown(top, computers.length)})`);
    const nameWidth = SUMMARY_WIDTH - SUMMARY_INDENT.length - COUNT - 2;
    lines.push(c.dim(`${SUMMARY_INDENT}${fitToWidth("COUNT", COUNT, "right")}  COMPUTER`));
    for (const [name, n] of computers.slice(0, top)) {
      const computer = truncateToWidth(sanitizeForTerminal(name), nameWidth);
      lines.push(`${SUMMARY_INDENT}${fitToWidth(count(n), COUNT, "right")}  ${computer}`);
    }
  }

  const tactics = tacticCounts(summary.tactics);
  if (tactics.length > 0) {
    heading("ATT&CK tactics (kill-chain order)");
    for (const [tactic, n] of tactics) {
      lines.push(`${SUMMARY_INDENT}${fitToWidth(count(n), COUNT, "right")}  ${tactic.name}`);
    }
  }

  if (summary.problemCount > 0) {
    const listed = summary.problems.slice(0, options.problemLines ?? 5);
    heading(`Problems: ${count(summary.problemCount)}`);
    for (const p of listed)
      lines.push(SUMMARY_INDENT + c.yellow(problemLine(p, SUMMARY_WIDTH - SUMMARY_INDENT.length)));
    const more = summary.problemCount - listed.length;
    if (more > 0) lines.push(`${SUMMARY_INDENT}… and ${count(more)} more`);
  }

  if (summary.correlationWarnings.length > 0) {
    heading("Warnings");
    for (const w of summary.correlationWarnings) {
      for (const line of wrap(sanitizeForTerminal(w), SUMMARY_WIDTH - SUMMARY_INDENT.length)) {
        lines.push(SUMMARY_INDENT + c.yellow(line));
      }
    }
  }
  return `${lines.join("\n")}\n`;
}

function count(n: number): string {
  return n.toLocaleString("en-US");
}

function shown(top: number, total: number): string {
  return total > top ? `top ${count(top)} of ${count(total)}` : count(total);
}

function timeSpan(first: number | null, last: number | null): string {
  const from = isoTime(first);
  const to = isoTime(last);
  if (from === null || to === null) return "no event times";
  return `${from} .. ${to}`;
}

function speed(s: HuntSummary): string {
  const mb = s.bytes / 1e6;
  const read = `${mb.toFixed(1)} MB in ${s.elapsedSeconds.toFixed(1)} s`;
  if (!(s.elapsedSeconds > 0)) return read;
  const eventsPerSecond = Math.round(s.eventsRead / s.elapsedSeconds);
  const threads = s.scanThreads === undefined ? "" : ` on ${s.scanThreads} thread${s.scanThreads === 1 ? "" : "s"}`;
  return `${read}${threads}: ${(mb / s.elapsedSeconds).toFixed(1)} MB/s, ${count(eventsPerSecond)} events/s`;
}

/** Tactics with detections, in kill-chain order; `defense-evasion` and `stealth` count as one. */
function tacticCounts(tactics: ReadonlyMap<string, number>): [Tactic, number][] {
  const counts = new Map<Tactic, number>();
  for (const [key, n] of tactics) {
    const tactic = tacticOf(key.toLowerCase().startsWith("attack.") ? key : `attack.${key}`);
    if (tactic !== null && n > 0) counts.set(tactic, (counts.get(tactic) ?? 0) + n);
  }
  return TACTICS.filter((t) => counts.has(t)).map((t) => [t, counts.get(t) ?? 0]);
}

/** `file!/member at offset 0x1f000: reason`, the reason kept whole where the width allows and the file cut in the middle. */
function problemLine(p: SummaryProblem, width: number): string {
  const name = sanitizeForTerminal(p.member === undefined ? p.file : `${p.file}!/${p.member}`);
  const where = p.offset === null ? "" : ` at offset 0x${p.offset.toString(16)}`;
  const reason = truncateToWidth(sanitizeForTerminal(p.reason), Math.floor(width / 2));
  const room = width - displayWidth(where) - 2 - displayWidth(reason);
  return `${truncateMiddle(name, room)}${where}: ${reason}`;
}

function truncateMiddle(text: string, width: number): string {
  if (displayWidth(text) <= width) return text;
  const chars = [...text];
  const tailWidth = Math.floor((width - 1) / 2);
  let tail = "";
  let used = 0;
  for (let i = chars.length - 1; i >= 0; i--) {
    const w = displayWidth(chars[i]);
    if (used + w > tailWidth) break;
    tail = chars[i] + tail;
    used += w;
  }
  return truncateToWidth(text, width - used) + tail;
}

/** Lines of at most `width` columns, broken at spaces where possible. */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let rest = text;
  while (displayWidth(rest) > width) {
    const head = truncateToWidth(rest, width + 1).slice(0, -1);
    const space = head.lastIndexOf(" ");
    const cut = space > width / 2 ? space : head.length;
    lines.push(rest.slice(0, cut));
    rest = rest.slice(cut).trimStart();
  }
  lines.push(rest);
  return lines;
}
