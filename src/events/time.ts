/**
 * Reading an event's time from the text exports write: ISO-8601 with `T` or a space, any number of fraction digits
 * (EVTX renders microseconds, some tools nanoseconds), with `Z`, an offset, or no zone at all.
 */
import type { FieldValue } from "../evtx/types.js";

const ISO = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d+))?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

export interface ParsedTime {
  /** Milliseconds since the epoch, UTC (fraction digits past the millisecond are truncated). */
  readonly ms: number;
  /** False when the text names no zone: it was read as UTC, which it may not be (NXLog's EventTime is local). */
  readonly zoned: boolean;
}

export function parseTime(v: FieldValue | undefined): ParsedTime | null {
  if (typeof v !== "string") return null;
  const m = ISO.exec(v.trim());
  if (m === null) return null;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return null;
  const millis = m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, "0"));
  let ms = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  const zone = m[8];
  if (zone !== undefined && zone.toUpperCase() !== "Z") {
    const sign = zone[0] === "-" ? -1 : 1;
    const digits = zone.slice(1).replace(":", "");
    const offset = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || "0");
    ms -= sign * offset * 60_000;
  }
  return Number.isFinite(ms) ? { ms, zoned: zone !== undefined } : null;
}

/** Milliseconds since the epoch, UTC, or null when `v` is no timestamp. */
export function parseTimestamp(v: FieldValue | undefined): number | null {
  return parseTime(v)?.ms ?? null;
}
