/**
 * One evidence file through the rules: its events read (whatever the format), matched, and every match a
 * detection record. Runs in a hunt worker, or in the main thread for a single-threaded hunt.
 */
import type { HuntEvent } from "../events/event.js";
import { ReadBuffers } from "../evtx/read-buffers.js";
import type { ChunkRange, FieldValue } from "../evtx/types.js";
import { detailsFor } from "../output/details.js";
import { type DetectionDigest, detectionDigest, type EventHeader, eventDigest } from "../scope/incidents.js";
import { ScopeCollector, type ScopeFacts, ScopeFactsMerger } from "../scope/index.js";
import type { DetectionRule } from "../sigma/model.js";
import { openEvidenceFile } from "../sources/open.js";
import { keptProblems, type SourceStats } from "../sources/types.js";
import { type Detection, type Level, levelRank, type PlainValue } from "./detection.js";
import type { OrderKey } from "./match-batch.js";
import { type HuntRules, levelOf, ruleInfo } from "./rules.js";

export interface ScanSettings {
  readonly minLevel: Level;
  /** Only events from this time on (ms since the epoch); events without a time are left out when set. */
  readonly from: number | null;
  readonly to: number | null;
  readonly recover: boolean;
}

/** What a scan is told: the hunt's settings, and what follows from its outputs. */
export interface ScanPlan extends ScanSettings {
  /**
   * Whether reported detections are kept whole: the hunt has an output. Without one, its summary and incidents need
   * only each detection's digest.
   */
  readonly keepDetections: boolean;
}

/** A rule's match on one event, as the main thread needs it. */
export interface MatchRecord {
  /** Where the match falls in the output's order. */
  readonly order: OrderKey;
  /** The detection, when an output or a correlation wants it; else null, and only its digest goes on. */
  readonly detection: Detection | null;
  readonly digest: DetectionDigest;
  /** Index of the rule in `HuntRules.detections`. */
  readonly ruleIndex: number;
  /** Goes to the outputs (level at least --min-level, and not silenced by a correlation without `generate`). */
  readonly report: boolean;
  /** A correlation names the rule: the match feeds it. */
  readonly consumed: boolean;
}

export interface FileResult {
  readonly sources: readonly SourceStats[];
  /** Events read, in or out of the time window. */
  readonly events: number;
  /** Events inside the time window (all of them without --from/--to), the ones matched. */
  readonly matched: number;
  readonly first: number | null;
  readonly last: number | null;
  /** What scoping gathered from every event in the time window (hosts, logons, movement). */
  readonly scope: ScopeFacts;
}

function mergedFacts(parts: readonly FileResult[]): ScopeFacts {
  const merger = new ScopeFactsMerger();
  for (const part of parts) merger.add(part.scope);
  return merger.facts();
}

/** The results of the parts of one file, as one: counts added, each source's parts merged into one source. */
export function mergeFileResults(parts: readonly FileResult[]): FileResult {
  const sources = new Map<string, SourceStats>();
  for (const part of parts) {
    for (const s of part.sources) {
      const key = `${s.file}\0${s.member ?? ""}`;
      const seen = sources.get(key);
      sources.set(
        key,
        seen === undefined
          ? s
          : {
              ...seen,
              bytes: seen.bytes + s.bytes,
              events: seen.events + s.events,
              recovered: seen.recovered + s.recovered,
              skipped: seen.skipped + s.skipped,
              problemCount: seen.problemCount + s.problemCount,
              problems: keptProblems(seen.problems, s.problems),
            },
      );
    }
  }
  const times = (pick: (r: FileResult) => number | null, better: (a: number, b: number) => boolean): number | null =>
    parts.reduce<number | null>((t, r) => {
      const v = pick(r);
      return v !== null && (t === null || better(v, t)) ? v : t;
    }, null);
  return {
    sources: [...sources.values()],
    events: parts.reduce((n, r) => n + r.events, 0),
    matched: parts.reduce((n, r) => n + r.matched, 0),
    first: times(
      (r) => r.first,
      (a, b) => a < b,
    ),
    last: times(
      (r) => r.last,
      (a, b) => a > b,
    ),
    scope: mergedFacts(parts),
  };
}

/** Field values as JSON data: bigints (64-bit EVTX integers) become decimal strings. */
export function plainValue(v: FieldValue): PlainValue {
  if (typeof v === "bigint") return v.toString();
  if (Array.isArray(v)) return v.map((x) => plainValue(x as FieldValue));
  return v as PlainValue;
}

/**
 * An empty event object per record layout (its fields in order, every value null), for detections to copy:
 * see `eventObject`. Keyed by the layout array, which the EVTX reader keeps per compiled record shape.
 */
const eventTemplates = new WeakMap<readonly string[], Record<string, PlainValue>>();

/**
 * A detection's event as an object V8 keeps with fast properties. Built by adding the fields one by one, V8 made
 * nearly every event a dictionary (136 of the corpus's 6,009 detections stayed fast), and every output paid for it:
 * listing an event's fields took 4.2-6.0 µs instead of 1.4 µs, writing it as JSON 4.6 µs instead of 2.9 µs. A copy of
 * a template made once per layout (by JSON.parse, which builds fast objects) has the template's shape, and setting the
 * fields it already has keeps that shape.
 */
function eventObject(fields: HuntEvent["fields"]): Record<string, PlainValue> | null {
  const layout = fields.layout?.() ?? null;
  if (layout === null || fields.layoutValues === undefined) return null;
  let template = eventTemplates.get(layout);
  if (template === undefined) {
    const empty: Record<string, null> = {};
    for (const path of layout)
      Object.defineProperty(empty, path, { value: null, enumerable: true, writable: true, configurable: true });
    template = JSON.parse(JSON.stringify(empty)) as Record<string, PlainValue>;
    eventTemplates.set(layout, template);
  }
  const event = { ...template };
  const values = fields.layoutValues();
  // Own properties only, `__proto__` among them (JSON.parse makes it an own field): setting them never reaches a
  // prototype's setter.
  for (let i = 0; i < layout.length; i++) event[layout[i] as string] = plainValue(values[i] as FieldValue);
  return event;
}

/** The event object of a record without a layout (JSON input, or a record the generic view renders). */
function eventObjectOf(view: HuntEvent["fields"]): Record<string, PlainValue> {
  const fields: Record<string, PlainValue> = {};
  view.forEach((value, path) => {
    // A field named `__proto__` (a JSON export may carry one) is kept as a field: assigned, it would set the object's
    // prototype, or with a text value vanish.
    if (path === "__proto__") {
      Object.defineProperty(fields, path, {
        value: plainValue(value),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    } else {
      fields[path] = plainValue(value);
    }
  });
  return fields;
}

/** The header of the detection an event makes: its computer, channel, EventID and record id, as texts or null. */
export function eventHeader(fields: HuntEvent["fields"]): EventHeader {
  const text = (path: string): string | null => {
    const v = fields.get(path);
    return v === undefined || v === null ? null : String(plainValue(v));
  };
  const eventIdText = text("System.EventID");
  return {
    computer: text("System.Computer"),
    channel: text("System.Channel"),
    eventId: eventIdText === null || !Number.isFinite(Number(eventIdText)) ? null : Number(eventIdText),
    recordId: text("System.EventRecordID"),
  };
}

/** The digest of the detection an event makes (detectionDigest of detectionOf), read from the event itself. */
export function digestOf(event: HuntEvent): DetectionDigest {
  const fields = event.fields;
  return eventDigest(eventHeader(fields), {
    get: (path) => {
      const v = fields.get(path);
      return v === undefined ? undefined : plainValue(v);
    },
    forEach: (visit) => {
      fields.forEach((v, path) => {
        visit(plainValue(v), path);
      });
    },
  });
}

/** Where the detection of an event falls in the output's order (orderKeyOf of detectionOf). */
function orderOf(event: HuntEvent): OrderKey {
  const { source } = event;
  return { timestamp: event.timestamp, file: source.file, member: source.member ?? "", offset: source.offset };
}

export function detectionOf(rule: DetectionRule, event: HuntEvent): Detection {
  const fields = eventObject(event.fields) ?? eventObjectOf(event.fields);
  const { computer, channel, eventId, recordId } = eventHeader(event.fields);
  return {
    timestamp: event.timestamp,
    rule: ruleInfo(rule),
    computer,
    channel,
    eventId,
    recordId,
    source: {
      file: event.source.file,
      ...(event.source.member === undefined ? {} : { member: event.source.member }),
      offset: event.source.offset,
    },
    details: detailsFor(fields, channel, eventId),
    event: fields,
  };
}

const BATCH = 256;

/**
 * A turn of the event loop. V8 runs parts of its garbage collection (finishing incremental marking, young
 * collections it schedules, the memory reducer) as tasks on the event loop; files read whole and matched
 * synchronously gave it none, and the heap grew: a one-thread hunt of the corpus ten times over peaked at 610-671
 * MiB without a turn between batches, 401-435 MiB with one.
 */
export const eventLoopTurn = (): Promise<void> => new Promise((next) => setImmediate(next));

/**
 * This thread's read buffers, reused from file to file: a file's events are done with once its batch is matched
 * (detections and scope facts copy what they keep). Files are scanned one after another in a thread; a second scan
 * at the same time would read into buffers of its own.
 */
const readBuffers = new ReadBuffers();

/** `chunks`: only that part of an EVTX file (a large file split between workers). */
export async function scanFile(
  rules: HuntRules,
  settings: ScanPlan,
  path: string,
  emit: (batch: MatchRecord[]) => void,
  chunks?: ChunkRange,
): Promise<FileResult> {
  const minRank = levelRank(settings.minLevel);
  const consumed = rules.correlation.consumed;
  const evidence = openEvidenceFile(path, {
    recover: settings.recover,
    evtxBuffers: readBuffers,
    ...(chunks === undefined ? {} : { evtxChunks: chunks }),
  });
  let events = 0;
  let matched = 0;
  let first: number | null = null;
  let last: number | null = null;
  let batch: MatchRecord[] = [];
  const scope = new ScopeCollector();
  for await (const read of evidence.batches()) {
    for (const event of read) {
      events++;
      const t = event.timestamp;
      if (t !== null) {
        if (first === null || t < first) first = t;
        if (last === null || t > last) last = t;
      }
      if (settings.from !== null && (t === null || t < settings.from)) continue;
      if (settings.to !== null && (t === null || t > settings.to)) continue;
      matched++;
      scope.observe(event);
      let digest: DetectionDigest | null = null;
      for (const rule of rules.matcher.match(event.fields)) {
        const report = levelRank(levelOf(rule)) >= minRank && rules.correlation.reportsOwnMatches(rule);
        const feeds = consumed.has(rule);
        if (!report && !feeds) continue;
        const ruleIndex = rules.indexOf.get(rule) as number;
        const order = orderOf(event);
        if (feeds || (report && settings.keepDetections)) {
          const detection = detectionOf(rule, event);
          batch.push({ order, detection, digest: detectionDigest(detection), ruleIndex, report, consumed: feeds });
        } else {
          // The digest alone, made once for the event's matches: no detection, no copy of the event.
          digest ??= digestOf(event);
          batch.push({ order, detection: null, digest, ruleIndex, report, consumed: feeds });
        }
        if (batch.length >= BATCH) {
          emit(batch);
          batch = [];
        }
      }
    }
    await eventLoopTurn();
  }
  if (batch.length > 0) emit(batch);
  return { sources: [...evidence.sources], events, matched, first, last, scope: scope.facts() };
}
