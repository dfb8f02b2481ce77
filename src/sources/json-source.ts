/** Events of JSON text (JSONL, or objects and arrays of them) in any of the event shapes fieldsFromJsonEvent knows. */
import { type EventBatch, eventTimestamp, type HuntEvent } from "../events/event.js";
import { fieldsFromJsonEvent } from "../events/json-event.js";
import type { JsonValue } from "../evtx/types.js";
import type { Content } from "./content.js";
import { asSourceError } from "./errors.js";
import { type JsonProgress, jsonLines, jsonValues } from "./json-records.js";
import { originIn, type ReadContext, type SourceTally } from "./read-context.js";

export async function* readJson(
  content: Content,
  format: "json" | "jsonl",
  source: SourceTally,
  ctx: ReadContext,
): AsyncGenerator<EventBatch> {
  const progress: JsonProgress = { bytes: 0 };
  let batch: HuntEvent[] = [];
  const split = format === "jsonl" ? jsonLines : jsonValues;
  try {
    for await (const record of split(content.chunks(), ctx.limits.maxRecordBytes, progress)) {
      const { offset, line } = record;
      if (record.kind === "truncated") {
        ctx.report(source, { kind: "truncated", offset, line, reason: record.reason });
        continue;
      }
      if (record.kind !== "value") {
        ctx.skip(source, { kind: record.kind, offset, line, reason: record.reason });
        continue;
      }
      if (nestedDeeperThan(record.value, MAX_JSON_DEPTH)) {
        const reason = `nested deeper than ${MAX_JSON_DEPTH} levels: not read as an event`;
        ctx.skip(source, { kind: "too-deep", offset, line, reason });
        continue;
      }
      const fields = fieldsFromJsonEvent(record.value);
      if (fields === null) {
        ctx.skip(source, { kind: "not-an-event", offset, line, reason: notAnEvent(record.value) });
        continue;
      }
      source.events++;
      source.bytes = progress.bytes;
      batch.push({ fields, timestamp: eventTimestamp(fields), source: originIn(source, offset), recovered: false });
      if (batch.length >= JSON_BATCH) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length > 0) yield batch;
  } catch (e) {
    if (batch.length > 0) yield batch;
    const error = asSourceError(e);
    ctx.report(source, { kind: error.kind, offset: progress.bytes, reason: error.message });
  } finally {
    source.bytes = progress.bytes;
  }
}

const JSON_BATCH = 256;

/**
 * The deepest nesting of objects and arrays an event may have. JSON.parse takes any depth, but flattening an event
 * and every later step (matching, writing, the sort's serialization) walk values recursively: a line of a hundred
 * thousand brackets overflowed the stack and ended the reading of its file. Real events nest a few levels.
 */
export const MAX_JSON_DEPTH = 100;

/**
 * Whether `value` nests objects or arrays `limit` levels deep or more below itself, stopping at the first that does.
 * Recursive, but never deeper than `limit` calls.
 */
export function nestedDeeperThan(value: JsonValue, limit: number): boolean {
  if (value === null || typeof value !== "object") return false;
  if (limit <= 0) return true;
  if (Array.isArray(value)) {
    for (const v of value) if (nestedDeeperThan(v, limit - 1)) return true;
    return false;
  }
  for (const key in value)
    if (nestedDeeperThan((value as Record<string, JsonValue>)[key] as JsonValue, limit - 1)) return true;
  return false;
}

function notAnEvent(value: JsonValue): string {
  if (value === null) return "null, not an event object";
  if (Array.isArray(value)) return "an array, not an event object";
  if (typeof value !== "object") return `a ${typeof value === "bigint" ? "number" : typeof value}, not an event object`;
  const keys = Object.keys(value);
  const shown = keys.slice(0, 5).join(", ") + (keys.length > 5 ? ", …" : "");
  return `an object with no Event, winlog or EventID (keys: ${shown || "none"}): not a Windows event of a known shape`;
}
