/// <reference lib="dom" />
/** Numbers, times, sizes and levels as the report shows them. Times are UTC, as in every Vigil output. */
import type { Level } from "../../hunt/detection.js";

export const LEVEL_NAMES: readonly Level[] = ["informational", "low", "medium", "high", "critical"];

/** Level colours: the same in the summary, the timeline, the table and the graph. */
export const LEVEL_COLORS: Readonly<Record<Level, string>> = {
  informational: "#90a4ae",
  low: "#7cb342",
  medium: "#f9a825",
  high: "#e64a19",
  critical: "#b71c1c",
};

export function count(n: number): string {
  return n.toLocaleString("en-US");
}

/** `2024-01-02 03:04:05.678Z`, or an en dash for no time. */
export function time(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || Math.abs(ms) > 8.64e15) return "–";
  return new Date(ms).toISOString().replace("T", " ");
}

/** `2024-01-02 03:04:05Z`. */
export function shortTime(ms: number | null | undefined): string {
  const t = time(ms);
  return t === "–" ? t : t.replace(/\.\d{3}Z$/, "Z");
}

export function timeRange(from: number | null, to: number | null): string {
  if (from === null || to === null) return "no times";
  return `${shortTime(from)} – ${shortTime(to)}`;
}

export function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.round(s / 60);
  if (m < 120) return `${m} min`;
  const h = Math.round(m / 60);
  if (h < 72) return `${h} h`;
  return `${Math.round(h / 24)} days`;
}

export function bytes(n: number): string {
  if (n < 1e3) return `${n} B`;
  if (n < 1e6) return `${(n / 1e3).toFixed(1)} kB`;
  if (n < 1e9) return `${(n / 1e6).toFixed(1)} MB`;
  return `${(n / 1e9).toFixed(2)} GB`;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${count(n)} ${n === 1 ? one : many}`;
}
