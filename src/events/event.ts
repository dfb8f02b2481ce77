/**
 * The event every detector sees, whatever the evidence was: an EVTX record, an evtx_dump, Winlogbeat or NXLog JSON
 * object, read from a file or from inside an archive. Fields use the EVTX reader's flat paths in every case.
 */
import type { FieldView } from "../evtx/types.js";
import { parseTimestamp } from "./time.js";

export interface EventOrigin {
  /** The evidence file on disk. */
  readonly file: string;
  /** Path inside an archive; nested archives are joined with `!/` (`logs.zip!/host1/Security.evtx`). */
  readonly member?: string;
  /** Byte offset of the record (EVTX) or of the line or object (JSON) in the decompressed content; null if unknown. */
  readonly offset: number | null;
}

export interface HuntEvent {
  readonly fields: FieldView;
  /** Milliseconds since the epoch (UTC), from System.TimeCreated.SystemTime or @timestamp; null when neither parses. */
  readonly timestamp: number | null;
  readonly source: EventOrigin;
  /** Found by EVTX recovery (slack, damaged chunks, beyond the header's chunk count), not in the log as declared. */
  readonly recovered: boolean;
}

/**
 * Events as the readers hand them on: a chunk's records, or a few hundred JSON events, at a time. A hunt reads
 * hundreds of thousands of events; an event at a time through the readers' nested async generators cost a promise
 * and a turn of the microtask queue per event per level, half again the time of decoding it.
 */
export type EventBatch = readonly HuntEvent[];

/** An event's time: System.TimeCreated.SystemTime, else ECS `@timestamp`. */
export function eventTimestamp(fields: FieldView): number | null {
  return parseTimestamp(fields.get("System.TimeCreated.SystemTime")) ?? parseTimestamp(fields.get("@timestamp"));
}
