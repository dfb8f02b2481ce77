/** The one way an output shows a time: ISO-8601 UTC with milliseconds, `2024-01-02T03:04:05.678Z`. */

/** Range of an ECMAScript Date: ±8.64e15 ms around the epoch. */
const MAX_DATE_MS = 8.64e15;

/** The time as ISO-8601 UTC, or null when there is none or it is out of Date's range. */
export function isoTime(ms: number | null): string | null {
  if (ms === null || !Number.isFinite(ms) || Math.abs(ms) > MAX_DATE_MS) return null;
  return new Date(ms).toISOString();
}
