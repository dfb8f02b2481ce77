/**
 * Sigma correlation rules (specification 2.1.0): event_count, value_count, temporal, temporal_ordered, value_sum,
 * value_avg and value_percentile over the matches of the rules they name, per group-by values, within a timespan.
 *
 * Windows. Conditions that can only become true as matches arrive (event_count, value_count and the temporal types
 * with gt/gte bounds, or none) are checked on every match over the sliding window that ends at it, and fire as soon
 * as they hold; the group then starts afresh, so one burst gives one alert. Every other condition (lt, lte, eq,
 * neq, ranges, sums, averages, percentiles) can only be judged once the window is over: such a window opens at a
 * group's first match, closes `timespan` later and is judged then (or at the end of input); the next window opens
 * at the next match.
 *
 * value_percentile: with `percentile: P` in the condition, the bounds apply to the P-th percentile (nearest rank) of
 * the field's numeric values; without it (the specification's example, "a process name seen in fewer than 1% of
 * the processes"), they apply to each distinct value's share of the window's matches, in percent, and the alert
 * names the values whose share holds.
 *
 * State is bounded: a group whose window has passed is closed and dropped (swept every SWEEP_EVERY matches), at most
 * `maxGroups` groups stay open per correlation (the least recently matched is closed first, and the cap is
 * reported), and a window keeps at most `maxWindowMatches` matches (the oldest go first, reported too).
 *
 * Correlations may name correlations (chaining): an alert is a match of its correlation rule, at its last match's
 * time, whose fields are its group-by values.
 */
import type { FieldValue } from "../evtx/types.js";
import type { CorrelationRule, DetectionRule, RuleProblem } from "./model.js";
import { numberOf } from "./modifiers/numbers.js";
import { textOf } from "./modifiers/strings.js";

/** A match of a detection rule (or a correlation alert) as correlations see it. */
export interface RuleMatch {
  readonly rule: DetectionRule | CorrelationRule;
  /** Milliseconds since the epoch (UTC). */
  readonly timestamp: number;
  /** A Sigma field of the matched event, read the way the rule reads it (log source renames applied). */
  field(name: string): FieldValue | undefined;
}

export interface CorrelationAlert extends RuleMatch {
  readonly rule: CorrelationRule;
  readonly firstSeen: number;
  /** Group-by field (or alias) -> the group's value; null when the events lacked the field. */
  readonly group: ReadonlyMap<string, string | null>;
  /** The count, sum, average, percentile or share that met the condition. */
  readonly value: number;
  /** value_percentile by share: the field values whose share met the condition. */
  readonly values?: readonly string[];
  /** The matches in the window (at most `maxEvidence`, the first ones), in time order. */
  readonly matches: readonly RuleMatch[];
  /** How many matches the window held. */
  readonly matchCount: number;
}

export interface CorrelationOptions {
  /** Open groups per correlation before the least recently matched is closed early. */
  readonly maxGroups?: number;
  /** Matches kept per window. */
  readonly maxWindowMatches?: number;
  /** Matches an alert carries as evidence. */
  readonly maxEvidence?: number;
}

export interface CorrelationStats {
  /** Groups closed early because a correlation had `maxGroups` open. */
  groupsEvicted: number;
  /** Matches dropped from full windows. */
  matchesDropped: number;
  /** Correlations whose group cap was hit, by title. */
  readonly capped: Set<string>;
}

const SWEEP_EVERY = 4096;

interface Entry {
  readonly t: number;
  /** Index of the referenced rule in the correlation's `rules`. */
  readonly ruleIndex: number;
  readonly value: FieldValue | undefined;
  readonly match: RuleMatch;
}

interface Group {
  readonly key: string;
  readonly values: ReadonlyMap<string, string | null>;
  entries: Entry[];
  latest: number;
}

/** One correlation rule's state. */
class Correlator {
  readonly groups = new Map<string, Group>();
  /** Judged on every match over a sliding window (rising conditions), or when a window closes. */
  readonly eager: boolean;

  constructor(
    readonly rule: CorrelationRule,
    private readonly options: Required<CorrelationOptions>,
    private readonly stats: CorrelationStats,
  ) {
    const bounds = rule.condition?.bounds ?? [];
    const rising = bounds.every((b) => b.operator === "gt" || b.operator === "gte");
    this.eager =
      rising &&
      (rule.type === "event_count" ||
        rule.type === "value_count" ||
        rule.type === "temporal" ||
        rule.type === "temporal_ordered");
  }

  /** The field a group-by name (or the condition field) reads in a match: an alias resolves per rule. */
  private fieldFor(name: string, match: RuleMatch): string {
    const alias = this.rule.aliases.get(name);
    if (alias === undefined) return name;
    const r = match.rule;
    return (
      (r.name !== undefined ? alias.get(r.name) : undefined) ??
      (r.id !== undefined ? alias.get(r.id) : undefined) ??
      name
    );
  }

  observe(match: RuleMatch, ruleIndex: number, out: CorrelationAlert[]): void {
    const values = new Map<string, string | null>();
    for (const name of this.rule.groupBy) {
      const v = match.field(this.fieldFor(name, match));
      values.set(name, groupText(v));
    }
    const key = JSON.stringify([...values.values()]);
    let group = this.groups.get(key);
    if (group === undefined) {
      if (this.groups.size >= this.options.maxGroups) {
        const oldest = this.groups.values().next().value as Group;
        this.close(oldest, out);
        this.groups.delete(oldest.key);
        this.stats.groupsEvicted++;
        this.stats.capped.add(this.rule.title);
      }
      group = { key, values, entries: [], latest: match.timestamp };
    } else {
      // Re-inserted so that the map's order is least recently matched first.
      this.groups.delete(key);
    }
    this.groups.set(key, group);
    const field = this.rule.condition?.field;
    const entry: Entry = {
      t: match.timestamp,
      ruleIndex,
      value: field === undefined ? undefined : match.field(this.fieldFor(field, match)),
      match,
    };
    insertByTime(group.entries, entry);
    if (group.entries.length > this.options.maxWindowMatches) {
      group.entries.shift();
      this.stats.matchesDropped++;
    }
    group.latest = Math.max(group.latest, match.timestamp);
    const span = this.rule.timespanMs;
    if (this.eager) {
      // The sliding window ending at the latest match.
      const from = group.latest - span;
      while ((group.entries[0]?.t ?? from) < from) group.entries.shift();
      const verdict = this.judge(group.entries);
      if (verdict !== null) {
        out.push(this.alert(group, group.entries, verdict));
        group.entries = [];
      }
      return;
    }
    // Tumbling windows from a group's first match: close every window the latest match has passed.
    while (group.entries.length > 0 && group.latest > (group.entries[0] as Entry).t + span) {
      const end = (group.entries[0] as Entry).t + span;
      const cut = group.entries.findIndex((e) => e.t > end);
      const window = group.entries.slice(0, cut);
      group.entries = group.entries.slice(cut);
      const verdict = this.judge(window);
      if (verdict !== null) out.push(this.alert(group, window, verdict));
    }
  }

  /** Closes groups whose window ended before `now`. */
  sweep(now: number, out: CorrelationAlert[]): void {
    for (const group of [...this.groups.values()]) {
      const first = group.entries[0];
      if (first === undefined || now > first.t + this.rule.timespanMs) {
        this.close(group, out);
        this.groups.delete(group.key);
      }
    }
  }

  /** End of a group: a window still open is judged (eager ones were judged on every match already). */
  close(group: Group, out: CorrelationAlert[]): void {
    if (this.eager || group.entries.length === 0) return;
    while (group.entries.length > 0) {
      const end = (group.entries[0] as Entry).t + this.rule.timespanMs;
      let cut = group.entries.findIndex((e) => e.t > end);
      if (cut === -1) cut = group.entries.length;
      const window = group.entries.slice(0, cut);
      group.entries = group.entries.slice(cut);
      const verdict = this.judge(window);
      if (verdict !== null) out.push(this.alert(group, window, verdict));
    }
  }

  /** The condition over one window: the measured value when it holds, else null. */
  private judge(window: readonly Entry[]): { value: number; values?: string[] } | null {
    if (window.length === 0) return null;
    const rule = this.rule;
    const bounds = rule.condition?.bounds ?? [];
    const holds = (x: number): boolean => bounds.every((b) => compare(x, b.operator, b.value));
    switch (rule.type) {
      case "event_count":
        return holds(window.length) ? { value: window.length } : null;
      case "value_count": {
        const distinct = new Set<string>();
        for (const e of window) {
          const t = groupText(e.value);
          if (t !== null) distinct.add(t);
        }
        return holds(distinct.size) ? { value: distinct.size } : null;
      }
      case "temporal": {
        const seen = new Set(window.map((e) => e.ruleIndex)).size;
        const ok = bounds.length === 0 ? seen === rule.rules.length : holds(seen);
        return ok ? { value: seen } : null;
      }
      case "temporal_ordered": {
        // Greedy: the longest prefix of `rules` that occurs in order.
        let next = 0;
        for (const e of window) if (e.ruleIndex === next) next++;
        const ok = bounds.length === 0 ? next === rule.rules.length : holds(next);
        return ok ? { value: next } : null;
      }
      case "value_sum":
      case "value_avg":
      case "value_percentile": {
        if (rule.type === "value_percentile" && rule.condition?.percentile === undefined) return this.shares(window);
        const numbers: number[] = [];
        for (const e of window) {
          const n = numericValue(e.value);
          if (n !== null) numbers.push(n);
        }
        if (numbers.length === 0) return null;
        let value: number;
        if (rule.type === "value_sum") value = numbers.reduce((a, b) => a + b, 0);
        else if (rule.type === "value_avg") value = numbers.reduce((a, b) => a + b, 0) / numbers.length;
        else value = percentile(numbers, rule.condition?.percentile ?? 50);
        return holds(value) ? { value } : null;
      }
    }
  }

  /** value_percentile without `percentile`: each distinct value's share of the window, in percent. */
  private shares(window: readonly Entry[]): { value: number; values: string[] } | null {
    const counts = new Map<string, number>();
    for (const e of window) {
      const t = groupText(e.value);
      if (t !== null) counts.set(t, (counts.get(t) ?? 0) + 1);
    }
    const bounds = this.rule.condition?.bounds ?? [];
    const values: string[] = [];
    let lowest = Number.POSITIVE_INFINITY;
    for (const [v, n] of counts) {
      const share = (100 * n) / window.length;
      if (bounds.every((b) => compare(share, b.operator, b.value))) {
        values.push(v);
        lowest = Math.min(lowest, share);
      }
    }
    return values.length === 0 ? null : { value: lowest, values };
  }

  private alert(
    group: Group,
    window: readonly Entry[],
    verdict: { value: number; values?: string[] },
  ): CorrelationAlert {
    const first = window[0] as Entry;
    const last = window[window.length - 1] as Entry;
    const values = group.values;
    return {
      rule: this.rule,
      timestamp: last.t,
      firstSeen: first.t,
      group: values,
      value: verdict.value,
      ...(verdict.values === undefined ? {} : { values: verdict.values }),
      matches: window.slice(0, this.options.maxEvidence).map((e) => e.match),
      matchCount: window.length,
      field: (name) => values.get(name) ?? undefined,
    };
  }
}

function compare(x: number, op: string, v: number): boolean {
  switch (op) {
    case "gt":
      return x > v;
    case "gte":
      return x >= v;
    case "lt":
      return x < v;
    case "lte":
      return x <= v;
    case "eq":
      return x === v;
    default:
      return x !== v;
  }
}

/** A field value as a group key or distinct value: its text (arrays joined), null when absent. */
function groupText(v: FieldValue | undefined): string | null {
  if (v === undefined || v === null) return null;
  if (Array.isArray(v)) return v.map((x) => groupText(x as FieldValue) ?? "").join(",");
  return textOf(v);
}

function numericValue(v: FieldValue | undefined): number | null {
  if (v === undefined) return null;
  const n = numberOf(v);
  if (n === null) return null;
  return typeof n === "bigint" ? Number(n) : (n as number);
}

/** Nearest-rank percentile. */
function percentile(numbers: number[], p: number): number {
  const sorted = [...numbers].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] as number;
}

/** Keeps entries in time order; matches usually arrive in order, so this is an append. */
function insertByTime(entries: Entry[], entry: Entry): void {
  let i = entries.length;
  while (i > 0 && (entries[i - 1] as Entry).t > entry.t) i--;
  entries.splice(i, 0, entry);
}

/**
 * All correlation rules of a rule set, fed with the matches of the rules they name, in (roughly) time order.
 */
export class CorrelationEngine {
  readonly problems: RuleProblem[] = [];
  readonly stats: CorrelationStats = { groupsEvicted: 0, matchesDropped: 0, capped: new Set() };
  private readonly correlators: Correlator[] = [];
  /** A rule (detection or correlation) -> the correlators that name it, with its index in their `rules`. */
  private readonly consumers = new Map<DetectionRule | CorrelationRule, { c: Correlator; index: number }[]>();
  /** The keys of `consumers`, as a set for callers. */
  private readonly named: ReadonlySet<DetectionRule | CorrelationRule>;
  /** Rules whose own matches are not reported: named by a correlation without `generate`. */
  private readonly quiet = new Set<DetectionRule | CorrelationRule>();
  private observed = 0;
  private now = Number.NEGATIVE_INFINITY;

  constructor(
    correlations: readonly CorrelationRule[],
    detections: readonly DetectionRule[],
    options: CorrelationOptions = {},
  ) {
    const full: Required<CorrelationOptions> = {
      maxGroups: options.maxGroups ?? 100_000,
      maxWindowMatches: options.maxWindowMatches ?? 10_000,
      maxEvidence: options.maxEvidence ?? 20,
    };
    const byRef = new Map<string, DetectionRule | CorrelationRule>();
    for (const r of [...detections, ...correlations]) {
      if (r.id !== undefined) byRef.set(r.id, r);
      if (r.name !== undefined) byRef.set(r.name, r);
    }
    const usable = correlations.filter((c) => {
      const missing = c.rules.filter((ref) => !byRef.has(ref));
      if (missing.length === 0) return true;
      this.problem(c, `names rules that are not loaded: ${missing.join(", ")}`);
      return false;
    });
    // A correlation that names itself, directly or through others, never completes.
    const cyclic = new Set<CorrelationRule>();
    const visit = (c: CorrelationRule, path: Set<CorrelationRule>): void => {
      if (path.has(c)) {
        for (const p of path) cyclic.add(p);
        return;
      }
      path.add(c);
      for (const ref of c.rules) {
        const r = byRef.get(ref);
        if (r?.kind === "correlation") visit(r, path);
      }
      path.delete(c);
    };
    for (const c of usable) visit(c, new Set());
    for (const c of usable) {
      if (cyclic.has(c)) {
        this.problem(c, "correlation rules name each other in a cycle");
        continue;
      }
      const correlator = new Correlator(c, full, this.stats);
      this.correlators.push(correlator);
      c.rules.forEach((ref, index) => {
        const r = byRef.get(ref) as DetectionRule | CorrelationRule;
        let list = this.consumers.get(r);
        if (list === undefined) {
          list = [];
          this.consumers.set(r, list);
        }
        list.push({ c: correlator, index });
        if (!c.generate) this.quiet.add(r);
      });
    }
    this.named = new Set(this.consumers.keys());
    // `generate: true` on any correlation naming a rule lets its matches through.
    for (const c of usable)
      if (c.generate) for (const ref of c.rules) this.quiet.delete(byRef.get(ref) as DetectionRule);
  }

  private problem(c: CorrelationRule, reason: string): void {
    this.problems.push({
      file: c.file,
      id: c.id,
      title: c.title,
      position: c.position,
      severity: "unsupported",
      reason,
    });
  }

  /** The detection and correlation rules some correlation consumes. */
  get consumed(): ReadonlySet<DetectionRule | CorrelationRule> {
    return this.named;
  }

  /** Whether a rule's own matches are reported: not when only correlations without `generate` name it. */
  reportsOwnMatches(rule: DetectionRule | CorrelationRule): boolean {
    return !this.quiet.has(rule);
  }

  /** Feeds one match; returns the alerts it completes (including alerts of chained correlations). */
  observe(match: RuleMatch): CorrelationAlert[] {
    const out: CorrelationAlert[] = [];
    this.feed(match, out);
    this.now = Math.max(this.now, match.timestamp);
    if (++this.observed % SWEEP_EVERY === 0) {
      const swept: CorrelationAlert[] = [];
      for (const c of this.correlators) c.sweep(this.now, swept);
      this.chain(swept, out);
    }
    return out;
  }

  /** End of input: every open window is judged. */
  flush(): CorrelationAlert[] {
    const out: CorrelationAlert[] = [];
    // Closing a window may complete alerts that open windows of chained correlations: repeat until all are closed
    // (at most one round per level of chaining).
    for (let round = 0; round <= this.correlators.length; round++) {
      let open = false;
      for (const c of this.correlators) {
        if (c.groups.size === 0) continue;
        open = true;
        const closed: CorrelationAlert[] = [];
        c.sweep(Number.POSITIVE_INFINITY, closed);
        this.chain(closed, out);
      }
      if (!open) break;
    }
    return out;
  }

  private feed(match: RuleMatch, out: CorrelationAlert[]): void {
    const consumers = this.consumers.get(match.rule);
    if (consumers === undefined) return;
    const produced: CorrelationAlert[] = [];
    for (const { c, index } of consumers) c.observe(match, index, produced);
    this.chain(produced, out);
  }

  private chain(alerts: readonly CorrelationAlert[], out: CorrelationAlert[]): void {
    for (const alert of alerts) {
      out.push(alert);
      this.feed(alert, out);
    }
  }
}
