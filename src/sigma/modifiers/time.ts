/**
 * Time modifiers minute, hour, day, week, month, year: the part of an ISO-8601 timestamp
 * (`2025-11-27T07:40:10.165324Z`, `2025-11-27 07:40:10.132`) as written, with no time zone conversion (the spec
 * warns it does none). `week` is the ISO-8601 week number.
 */
import type { FieldValue } from "../../evtx/types.js";

export type TimePart = "minute" | "hour" | "day" | "week" | "month" | "year";

const TIMESTAMP = /^\s*(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2}))?/;

export function timePart(v: FieldValue, part: TimePart): number | null {
  if (typeof v !== "string") return null;
  const m = TIMESTAMP.exec(v);
  if (m === null) return null;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (month < 1 || month > 12 || day < 1 || day > 31) return null;
  switch (part) {
    case "year":
      return year;
    case "month":
      return month;
    case "day":
      return day;
    case "week":
      return isoWeek(year, month, day);
    case "hour":
      return m[4] === undefined ? null : Number(m[4]);
    case "minute":
      return m[5] === undefined ? null : Number(m[5]);
  }
}

/** ISO-8601 week number (weeks start on Monday; week 1 holds the year's first Thursday). */
export function isoWeek(year: number, month: number, day: number): number {
  const date = new Date(Date.UTC(year, month - 1, day));
  const weekday = date.getUTCDay() || 7;
  // The Thursday of this week decides the week's year.
  date.setUTCDate(date.getUTCDate() + 4 - weekday);
  const yearStart = Date.UTC(date.getUTCFullYear(), 0, 1);
  return Math.ceil(((date.getTime() - yearStart) / 86_400_000 + 1) / 7);
}
