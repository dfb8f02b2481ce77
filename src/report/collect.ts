/**
 * Gathers a hunt's detections for the report as they stream by, in bounded memory: counts for everything (per level
 * and time bucket, per rule, per host, per ATT&CK cell) and at most `maxDetections` detections in full, the most
 * severe first and, within a level, the earliest. Detections arrive in time order, so keeping the earliest of a
 * level means dropping the latest of the lowest level held: one pop per detection, no sorting.
 */
import { type Detection, LEVELS, levelRank, type PlainValue } from "../hunt/detection.js";
import { splitTags, TACTICS } from "../output/attack.js";
import type { HuntSummary, RulesLoaded } from "../output/summary.js";
import {
  type FieldValues,
  type LevelCounts,
  REPORT_DATA_VERSION,
  type ReportCorrelation,
  type ReportData,
  type ReportHost,
  type ReportMatrix,
  type ReportMatrixCell,
  type ReportRow,
  type ReportRule,
  type ReportTimeline,
  type ReportValue,
} from "./data.js";
import { normalizeScope, type ReportScope } from "./scope.js";

export interface CollectOptions {
  /** Detections kept in full (default 10,000). */
  readonly maxDetections?: number;
  /** Longer field values are cut to this many characters (default 4,096). */
  readonly maxValueLength?: number;
}

export interface ReportInput {
  readonly summary: HuntSummary;
  readonly scope?: ReportScope;
  readonly rulesLoaded?: RulesLoaded;
  readonly title?: string;
  /** Default: now. */
  readonly generatedAt?: number;
  /** Default: `Vigil`. */
  readonly generator?: string;
}

export const DEFAULT_MAX_DETECTIONS = 10_000;
export const DEFAULT_MAX_VALUE_LENGTH = 4096;

/** Bucket widths of the timeline, finest first; the collector moves to the next when buckets exceed MAX_BUCKETS. */
const BUCKET_WIDTHS = [1, 10, 60, 600, 3600, 6 * 3600, 86_400, 7 * 86_400].map((s) => s * 1000);
const MAX_BUCKETS = 2000;
/** Bars the timeline shows over the whole span at most: enough to see bursts, few enough to draw at once. */
const DISPLAY_BUCKETS = 600;
/** Hosts listed per rule. */
const RULE_HOSTS = 20;

interface RuleTally {
  readonly info: Detection["rule"];
  count: number;
  firstSeen: number | null;
  lastSeen: number | null;
  readonly hosts: Set<string>;
}

interface Kept {
  readonly seq: number;
  readonly detection: Detection;
}

type Counts = [number, number, number, number, number];

const zeroCounts = (): Counts => [0, 0, 0, 0, 0];

export class ReportCollector {
  readonly maxDetections: number;
  readonly maxValueLength: number;
  private total = 0;
  private readonly byLevel = zeroCounts();
  private readonly rules = new Map<string, RuleTally>();
  private readonly hosts = new Map<string, Counts>();
  private bucketIndex = 0;
  private buckets = new Map<number, Counts>();
  private untimed = 0;
  private firstDetection: number | null = null;
  private lastDetection: number | null = null;
  /** Kept detections per level rank, each list in arrival (time) order. */
  private readonly kept: Kept[][] = LEVELS.map(() => []);
  private keptCount = 0;
  private seq = 0;

  constructor(options: CollectOptions = {}) {
    this.maxDetections = Math.max(0, options.maxDetections ?? DEFAULT_MAX_DETECTIONS);
    this.maxValueLength = Math.max(16, options.maxValueLength ?? DEFAULT_MAX_VALUE_LENGTH);
  }

  get detections(): number {
    return this.total;
  }

  add(d: Detection): void {
    const rank = levelRank(d.rule.level);
    this.total++;
    this.byLevel[rank]++;
    const ruleKey = keyOfRule(d.rule);
    let rule = this.rules.get(ruleKey);
    if (rule === undefined) {
      rule = { info: d.rule, count: 0, firstSeen: null, lastSeen: null, hosts: new Set() };
      this.rules.set(ruleKey, rule);
    }
    rule.count++;
    if (d.computer !== null) {
      if (rule.hosts.size < RULE_HOSTS) rule.hosts.add(d.computer);
      let host = this.hosts.get(d.computer);
      if (host === undefined) {
        host = zeroCounts();
        this.hosts.set(d.computer, host);
      }
      host[rank]++;
    }
    const t = d.timestamp;
    if (t === null || !Number.isFinite(t)) {
      this.untimed++;
    } else {
      if (rule.firstSeen === null || t < rule.firstSeen) rule.firstSeen = t;
      if (rule.lastSeen === null || t > rule.lastSeen) rule.lastSeen = t;
      if (this.firstDetection === null || t < this.firstDetection) this.firstDetection = t;
      if (this.lastDetection === null || t > this.lastDetection) this.lastDetection = t;
      this.countInBucket(t, rank);
    }
    this.keep(d, rank);
  }

  private countInBucket(t: number, rank: number): void {
    const width = BUCKET_WIDTHS[this.bucketIndex];
    const start = Math.floor(t / width) * width;
    let counts = this.buckets.get(start);
    if (counts === undefined) {
      counts = zeroCounts();
      this.buckets.set(start, counts);
    }
    counts[rank]++;
    while (this.buckets.size > MAX_BUCKETS && this.bucketIndex < BUCKET_WIDTHS.length - 1) this.coarsen();
  }

  private coarsen(): void {
    this.bucketIndex++;
    this.buckets = rebucket(this.buckets, BUCKET_WIDTHS[this.bucketIndex]);
  }

  private keep(d: Detection, rank: number): void {
    if (this.maxDetections === 0) return;
    const entry = { seq: this.seq++, detection: d };
    if (this.keptCount < this.maxDetections) {
      this.kept[rank].push(entry);
      this.keptCount++;
      return;
    }
    const lowest = this.kept.findIndex((list) => list.length > 0);
    if (lowest >= rank) return;
    this.kept[lowest].pop();
    this.kept[rank].push(entry);
  }

  /** The report's data: the aggregates, the kept detections encoded against value tables, and the scope. */
  data(input: ReportInput): ReportData {
    const rules = this.ruleList();
    const ruleIndex = new Map(rules.map((r, i) => [keyOfRule(r.info), i]));
    const hosts: ReportHost[] = [...this.hosts]
      .map(([name, counts]) => ({ name, count: sum(counts), byLevel: counts as LevelCounts }))
      .sort((a, b) => b.count - a.count || compareText(a.name, b.name));
    const hostIndex = new Map(hosts.map((h, i) => [h.name, i]));
    const s = input.summary;
    return {
      version: REPORT_DATA_VERSION,
      title: input.title ?? "Vigil hunt report",
      generatedAt: input.generatedAt ?? Date.now(),
      generator: input.generator ?? "Vigil",
      summary: {
        filesRead: s.filesRead,
        filesDamaged: s.filesDamaged,
        filesUnreadable: s.filesUnreadable,
        eventsRead: s.eventsRead,
        eventsRecovered: s.eventsRecovered,
        recordsSkipped: s.recordsSkipped,
        bytes: s.bytes,
        elapsedSeconds: s.elapsedSeconds,
        firstEvent: s.firstEvent,
        lastEvent: s.lastEvent,
        detections: this.total,
        byLevel: [...this.byLevel] as Counts,
        firstDetection: this.firstDetection,
        lastDetection: this.lastDetection,
        rulesLoaded: input.rulesLoaded ?? null,
        problemCount: s.problemCount,
        problems: s.problems.map((p) => ({
          file: p.file,
          member: p.member ?? null,
          offset: p.offset,
          reason: p.reason,
        })),
        correlationWarnings: [...s.correlationWarnings],
      },
      rules: rules.map((r) => r.data),
      hosts,
      timeline: this.timeline(),
      matrix: matrixOf(rules.map((r) => r.data)),
      detections: this.encodeDetections(ruleIndex, hostIndex),
      scope: input.scope === undefined ? null : normalizeScope(input.scope),
    };
  }

  /** Rules with detections, most severe first, then most detections. */
  private ruleList(): { info: Detection["rule"]; data: ReportRule }[] {
    return [...this.rules.values()]
      .sort(
        (a, b) =>
          levelRank(b.info.level) - levelRank(a.info.level) ||
          b.count - a.count ||
          compareText(a.info.title, b.info.title),
      )
      .map((r) => {
        const { tactics, attackIds } = splitTags(r.info.tags);
        return {
          info: r.info,
          data: {
            id: r.info.id,
            title: r.info.title,
            level: r.info.level,
            tags: [...r.info.tags],
            file: r.info.file,
            kind: r.info.kind,
            count: r.count,
            firstSeen: r.firstSeen,
            lastSeen: r.lastSeen,
            tactics: tactics.map((t) => t.id),
            techniques: attackIds.filter((id) => id.startsWith("T")),
            hosts: [...r.hosts],
          },
        };
      });
  }

  /** The buckets, coarsened further where needed so that the span has at most DISPLAY_BUCKETS bars. */
  private timeline(): ReportTimeline {
    let buckets = [...this.buckets].sort((a, b) => a[0] - b[0]);
    let index = this.bucketIndex;
    if (buckets.length > 0) {
      const span = buckets[buckets.length - 1][0] - buckets[0][0];
      while (index < BUCKET_WIDTHS.length - 1 && span / BUCKET_WIDTHS[index] > DISPLAY_BUCKETS) index++;
    }
    const width = BUCKET_WIDTHS[index];
    if (index > this.bucketIndex) buckets = [...rebucket(buckets, width)];
    return {
      bucketMs: width,
      buckets: buckets.map(([start, c]) => [start, c[0], c[1], c[2], c[3], c[4]] as const),
      untimed: this.untimed,
    };
  }

  private encodeDetections(ruleIndex: ReadonlyMap<string, number>, hostIndex: ReadonlyMap<string, number>) {
    const kept = this.kept.flat().sort((a, b) => a.seq - b.seq);
    const fields = new Interner<string>((s) => s);
    const shapes = new Interner<number[]>((list) => list.join(","));
    const values = new Interner<ReportValue>((v) => (typeof v === "string" ? `s${v}` : `j${JSON.stringify(v)}`));
    let truncatedValues = 0;
    const limit = this.maxValueLength;
    const cut = (v: PlainValue): ReportValue => {
      if (typeof v === "string") {
        if (v.length <= limit) return v;
        truncatedValues++;
        return `${v.slice(0, limit)}… [${(v.length - limit).toLocaleString("en-US")} more characters not kept in the report]`;
      }
      return Array.isArray(v) ? v.map(cut) : (v as ReportValue);
    };
    const valueRef = (v: PlainValue | undefined): number => (v === undefined || v === null ? -1 : values.add(cut(v)));
    const fieldValues = (record: Readonly<Record<string, PlainValue>>): FieldValues => {
      const shape: number[] = [];
      const out: number[] = [0];
      for (const [name, value] of Object.entries(record)) {
        shape.push(fields.add(name));
        out.push(values.add(cut(value)));
      }
      out[0] = shapes.add(shape);
      return out;
    };
    const rows: ReportRow[] = kept.map(({ detection: d }) => {
      const file = d.source.member === undefined ? d.source.file : `${d.source.file}!/${d.source.member}`;
      const row: ReportRow = {
        time: d.timestamp !== null && Number.isFinite(d.timestamp) ? d.timestamp : null,
        rule: ruleIndex.get(keyOfRule(d.rule)) ?? 0,
        host: d.computer === null ? -1 : (hostIndex.get(d.computer) ?? -1),
        channel: valueRef(d.channel),
        eventId: d.eventId,
        recordId: valueRef(d.recordId),
        source: valueRef(file),
        offset: d.source.offset,
        details: fieldValues(d.details),
        event: fieldValues(d.event),
      };
      return d.correlation === undefined ? row : { ...row, correlation: correlationOf(d.correlation, cut) };
    });
    return {
      total: this.total,
      kept: rows.length,
      truncatedValues,
      maxValueLength: limit,
      fields: fields.list,
      shapes: shapes.list,
      values: values.list,
      rows,
    };
  }
}

function correlationOf(
  c: NonNullable<Detection["correlation"]>,
  cut: (v: PlainValue) => ReportValue,
): ReportCorrelation {
  const short = (v: string): string => cut(v) as string;
  return {
    type: c.type,
    group: Object.entries(c.group).map(([k, v]) => [k, v === null ? null : short(v)] as const),
    value: c.value,
    matchCount: c.matchCount,
    firstSeen: c.firstSeen,
    values: (c.values ?? []).slice(0, 100).map(short),
    evidence: c.evidence.map((e) => ({
      rule: e.rule,
      time: e.timestamp,
      recordId: e.recordId,
      computer: e.computer,
      file: e.file ?? null,
    })),
  };
}

/** The ATT&CK cells of the rules: each technique of a rule under each of its tactics. */
export function matrixOf(rules: readonly ReportRule[]): ReportMatrix {
  const cells = new Map<string, { tactic: string; technique: string | null; count: number; rules: number[] }>();
  const tacticCounts = new Map<string, number>();
  let untagged = 0;
  for (const [index, rule] of rules.entries()) {
    if (rule.tactics.length === 0 && rule.techniques.length === 0) {
      untagged += rule.count;
      continue;
    }
    const tactics = rule.tactics.length > 0 ? rule.tactics : ["other"];
    const techniques = rule.techniques.length > 0 ? rule.techniques : [null];
    for (const tactic of tactics) {
      tacticCounts.set(tactic, (tacticCounts.get(tactic) ?? 0) + rule.count);
      for (const technique of techniques) {
        const key = `${tactic}\u0000${technique ?? ""}`;
        let cell = cells.get(key);
        if (cell === undefined) {
          cell = { tactic, technique, count: 0, rules: [] };
          cells.set(key, cell);
        }
        cell.count += rule.count;
        cell.rules.push(index);
      }
    }
  }
  const columns = [...TACTICS.map((t) => ({ id: t.id, name: t.name })), { id: "other", name: "No tactic named" }]
    .filter((t) => tacticCounts.has(t.id))
    .map((t) => ({ ...t, count: tacticCounts.get(t.id) ?? 0 }));
  const sorted: ReportMatrixCell[] = [...cells.values()]
    .map((c) => ({ ...c, rules: [...c.rules].sort((a, b) => rules[b].count - rules[a].count || a - b) }))
    .sort((a, b) => b.count - a.count || compareText(a.technique ?? "", b.technique ?? ""));
  return { tactics: columns, cells: sorted, untagged };
}

/** Distinct values in first-seen order, each with its index. */
class Interner<T> {
  readonly list: T[] = [];
  private readonly index = new Map<string, number>();

  constructor(private readonly keyOf: (value: T) => string) {}

  add(value: T): number {
    const key = this.keyOf(value);
    let i = this.index.get(key);
    if (i === undefined) {
      i = this.list.length;
      this.list.push(value);
      this.index.set(key, i);
    }
    return i;
  }
}

/** Buckets merged into buckets of `width` (a multiple of theirs). */
function rebucket(buckets: Iterable<[number, Counts]>, width: number): Map<number, Counts> {
  const merged = new Map<number, Counts>();
  for (const [start, counts] of buckets) {
    const to = Math.floor(start / width) * width;
    const into = merged.get(to);
    if (into === undefined) merged.set(to, [...counts]);
    else for (let i = 0; i < counts.length; i++) into[i] += counts[i];
  }
  return merged;
}

/** Detections carry their own copy of the rule's info (they cross threads as JSON): a rule is told by these. */
function keyOfRule(rule: Detection["rule"]): string {
  return `${rule.file}\u0000${rule.id ?? ""}\u0000${rule.title}\u0000${rule.level}`;
}

function sum(counts: readonly number[]): number {
  return counts.reduce((a, b) => a + b, 0);
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
