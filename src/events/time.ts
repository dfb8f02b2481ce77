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
  const fast = canonicalUtc(v);
  if (fast !== null) return { ms: fast, zoned: true };
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

/** The value of the ASCII digits of `text` from `start` to `end`, or -1 when one is no digit. */
function digits(text: string, start: number, end: number): number {
  let n = 0;
  for (let i = start; i < end; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/**
 * The form the EVTX reader writes every SystemTime in, `YYYY-MM-DDTHH:MM:SS.ffffffZ` (any number of fraction
 * digits), read without a regular expression: a hunt reads one per event. Null for any other form (the general
 * parser then decides).
 */
function canonicalUtc(text: string): number | null {
  const n = text.length;
  if (n < 20 || text.charCodeAt(n - 1) !== 90 /* Z */ || text.charCodeAt(19) !== 46 /* . */) return null;
  if (text[4] !== "-" || text[7] !== "-" || text[10] !== "T" || text[13] !== ":" || text[16] !== ":") return null;
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 7);
  const day = digits(text, 8, 10);
  const hour = digits(text, 11, 13);
  const minute = digits(text, 14, 16);
  const second = digits(text, 17, 19);
  const fraction = digits(text, 20, n - 1);
  if (year < 0 || month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || hour > 23) return null;
  if (minute < 0 || minute > 59 || second < 0 || second > 60 || fraction < 0 || n === 21) return null;
  // Milliseconds: the first three fraction digits (truncated, as the general parser does).
  const fractionDigits = n - 21;
  const millis = fractionDigits >= 3 ? digits(text, 20, 23) : fraction * 10 ** (3 - fractionDigits);
  const ms = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  return Number.isFinite(ms) ? ms : null;
}
