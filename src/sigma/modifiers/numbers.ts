/** Numeric modifiers lt, lte, gt, gte: numbers, bigints and numeric strings compare as numbers. */
import type { FieldValue } from "../../evtx/types.js";

export type CompareOp = "lt" | "lte" | "gt" | "gte";

const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** A parsed number: integers as bigint (exact at any size), others as float. */
export type Num = bigint | number;

export function parseNumber(text: string): Num | null {
  const t = text.trim();
  if (INTEGER.test(t)) return BigInt(t);
  if (DECIMAL.test(t)) {
    const n = Number(t);
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

export function numberOf(v: FieldValue): Num | null {
  if (typeof v === "number") return Number.isFinite(v) ? (Number.isInteger(v) ? BigInt(v) : v) : null;
  if (typeof v === "bigint") return v;
  if (typeof v === "string") return parseNumber(v);
  return null;
}

/** -1, 0 or 1. Mixed bigint/float compares as float (exact enough for log values). */
export function compareNum(a: Num, b: Num): number {
  if (typeof a === "bigint" && typeof b === "bigint") return a < b ? -1 : a > b ? 1 : 0;
  const x = Number(a);
  const y = Number(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

export function compareWith(op: CompareOp | "eq", field: Num, value: Num): boolean {
  const c = compareNum(field, value);
  switch (op) {
    case "lt":
      return c < 0;
    case "lte":
      return c <= 0;
    case "gt":
      return c > 0;
    case "gte":
      return c >= 0;
    case "eq":
      return c === 0;
  }
}
