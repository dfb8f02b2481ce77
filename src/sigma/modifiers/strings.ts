/**
 * Sigma string values: wildcard parsing with backslash escaping (spec "String Wildcard", "Escape Character"),
 * contains/startswith/endswith wrapping, windash, and matching of a parsed pattern against a field's text.
 */
import type { FieldValue } from "../../evtx/types.js";

/** `*`: any run of characters. */
export const STAR = Symbol("*");
/** `?`: exactly one character. */
export const ONE = Symbol("?");
/** windash: one of `-`, `/`, en dash, em dash, horizontal bar. */
export const DASH = Symbol("dash");

export type Token = string | typeof STAR | typeof ONE | typeof DASH;
/** A pattern: literal runs and wildcard tokens; adjacent literals are merged. */
export type Pattern = readonly Token[];

export const DASHES = ["-", "/", "\u2013", "\u2014", "\u2015"] as const;

/**
 * Parses Sigma's wildcard syntax: `*` and `?` are wildcards; `\*`, `\?` and `\\` are the plain characters; a
 * backslash before anything else is a plain backslash.
 */
export function parseWildcards(text: string): Pattern {
  const out: Token[] = [];
  let lit = "";
  const flush = (): void => {
    if (lit !== "") out.push(lit);
    lit = "";
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "\\") {
      const n = text[i + 1];
      if (n === "*" || n === "?" || n === "\\") {
        lit += n;
        i++;
      } else {
        lit += "\\";
      }
    } else if (c === "*") {
      flush();
      if (out[out.length - 1] !== STAR) out.push(STAR);
    } else if (c === "?") {
      flush();
      out.push(ONE);
    } else {
      lit += c;
    }
  }
  flush();
  return out;
}

/** A pattern that matches exactly `text` (no wildcards). */
export function literal(text: string): Pattern {
  return text === "" ? [] : [text];
}

export function hasWildcards(p: Pattern): boolean {
  return p.some((t) => typeof t !== "string");
}

/** The literal text of a wildcard-free pattern. */
export function literalText(p: Pattern): string | null {
  if (hasWildcards(p)) return null;
  return p.join("");
}

export function wrap(p: Pattern, before: boolean, after: boolean): Pattern {
  const out: Token[] = [...p];
  if (before && out[0] !== STAR) out.unshift(STAR);
  if (after && out[out.length - 1] !== STAR) out.push(STAR);
  return out;
}

/** windash: every dash-like character (spec list) in literal parts matches any of them. */
export function windash(p: Pattern): Pattern {
  const out: Token[] = [];
  for (const t of p) {
    if (typeof t !== "string") {
      out.push(t);
      continue;
    }
    let lit = "";
    for (const c of t) {
      if ((DASHES as readonly string[]).includes(c)) {
        if (lit !== "") out.push(lit);
        lit = "";
        out.push(DASH);
      } else {
        lit += c;
      }
    }
    if (lit !== "") out.push(lit);
  }
  return out;
}

/**
 * The text form of a field value that string patterns compare against: strings as they are, numbers and bigints as
 * their decimal string, booleans as `true`/`false`; null and arrays have none (arrays are handled element-wise).
 */
export function textOf(v: FieldValue): string | null {
  switch (typeof v) {
    case "string":
      return v;
    case "number":
    case "bigint":
      return String(v);
    case "boolean":
      return v ? "true" : "false";
    default:
      return null;
  }
}

type Unit = string | typeof STAR | typeof ONE | typeof DASH;

/**
 * Lower-cased texts, remembered: the same field value is lower-cased once however many rules compare against it (a
 * process-creation event meets about a thousand rules). Bounded: cleared when full.
 */
const lowered = new Map<string, string>();
const MAX_LOWERED = 8192;

export function lowerCase(text: string): string {
  let low = lowered.get(text);
  if (low === undefined) {
    low = text.toLowerCase();
    if (lowered.size >= MAX_LOWERED) lowered.clear();
    lowered.set(text, low);
  }
  return low;
}

/** The literal shapes of a pattern: `lit`, `*lit*`, `*lit`, `lit*` (`*` alone is `*` around an empty literal). */
export interface LiteralShape {
  readonly kind: "exact" | "contains" | "endswith" | "startswith";
  readonly text: string;
}

/** The pattern's literal shape, or null when it has other wildcards (inner `*`, `?`, windash). */
export function literalShape(p: Pattern): LiteralShape | null {
  const starStart = p[0] === STAR;
  const starEnd = p.length > 0 && p[p.length - 1] === STAR;
  const inner = p.slice(starStart ? 1 : 0, starEnd ? p.length - 1 : p.length);
  if (inner.length > 1 || (inner.length === 1 && typeof inner[0] !== "string")) return null;
  const text = (inner[0] as string | undefined) ?? "";
  return { kind: starStart && starEnd ? "contains" : starStart ? "endswith" : starEnd ? "startswith" : "exact", text };
}

/** Compiles a pattern into a predicate on text. Case-insensitive patterns compare lower-cased text. */
export function compilePattern(p: Pattern, cased: boolean): (text: string) => boolean {
  const fold = cased ? (s: string) => s : lowerCase;
  const tokens = p.map((t) => (typeof t === "string" ? fold(t) : t));
  // Fast paths: literal, *lit*, lit*, *lit.
  const shape = literalShape(tokens);
  if (shape !== null) {
    const lit = shape.text;
    switch (shape.kind) {
      case "contains":
        return (s) => fold(s).includes(lit);
      case "endswith":
        return (s) => fold(s).endsWith(lit);
      case "startswith":
        return (s) => fold(s).startsWith(lit);
      case "exact":
        return (s) => fold(s) === lit;
    }
  }
  const units: Unit[] = [];
  for (const t of tokens) {
    if (typeof t === "string") units.push(...t.split(""));
    else units.push(t);
  }
  return (s) => globMatch(units, fold(s));
}

/**
 * Any of several patterns, as one predicate: literal shapes (exact, `lit*`, `*lit`, `*lit*`) are looked up in sets
 * (prefixes and suffixes by length), so a value list of hundreds of DLL names costs a few lookups, not hundreds of
 * comparisons; other shapes are compiled one by one.
 */
export function compileAlternatives(patterns: readonly Pattern[], cased: boolean): (text: string) => boolean {
  if (patterns.length === 1) return compilePattern(patterns[0] as Pattern, cased);
  const fold = cased ? (s: string) => s : lowerCase;
  const exact = new Set<string>();
  const prefixes = new Map<number, Set<string>>();
  const suffixes = new Map<number, Set<string>>();
  const infixes: string[] = [];
  const others: ((text: string) => boolean)[] = [];
  const add = (map: Map<number, Set<string>>, lit: string): void => {
    let set = map.get(lit.length);
    if (set === undefined) {
      set = new Set();
      map.set(lit.length, set);
    }
    set.add(lit);
  };
  for (const p of patterns) {
    const shape = literalShape(p);
    if (shape === null) {
      others.push(compilePattern(p, cased));
      continue;
    }
    const lit = fold(shape.text);
    if (shape.kind === "contains") infixes.push(lit);
    else if (shape.kind === "endswith") add(suffixes, lit);
    else if (shape.kind === "startswith") add(prefixes, lit);
    else exact.add(lit);
  }
  const prefixLengths = [...prefixes.entries()];
  const suffixLengths = [...suffixes.entries()];
  return (s) => {
    const t = fold(s);
    if (exact.has(t)) return true;
    for (const [length, set] of prefixLengths) if (length <= t.length && set.has(t.slice(0, length))) return true;
    for (const [length, set] of suffixLengths) {
      if (length <= t.length && set.has(t.slice(t.length - length))) return true;
    }
    for (const lit of infixes) if (t.includes(lit)) return true;
    for (const other of others) if (other(s)) return true;
    return false;
  };
}

function unitMatches(u: Unit, c: string): boolean {
  if (u === ONE) return true;
  if (u === DASH) return (DASHES as readonly string[]).includes(c);
  return u === c;
}

function isSurrogatePair(s: string, i: number): boolean {
  const high = s.charCodeAt(i);
  const low = s.charCodeAt(i + 1);
  return high >= 0xd800 && high <= 0xdbff && low >= 0xdc00 && low <= 0xdfff;
}

/** Iterative wildcard matching with single-star backtracking: O(pattern × text) worst case, no recursion. */
function globMatch(units: readonly Unit[], s: string): boolean {
  let p = 0;
  let i = 0;
  let starP = -1;
  let starI = 0;
  while (i < s.length) {
    const u = units[p];
    if (p < units.length && u !== STAR && unitMatches(u, s[i])) {
      p++;
      // R §String Wildcard: `?` is one character, so a surrogate pair (a character outside the BMP) as a whole.
      i += u === ONE && isSurrogatePair(s, i) ? 2 : 1;
    } else if (p < units.length && u === STAR) {
      starP = p++;
      starI = i;
    } else if (starP >= 0) {
      p = starP + 1;
      i = ++starI;
    } else {
      return false;
    }
  }
  while (p < units.length && units[p] === STAR) p++;
  return p === units.length;
}

/** All texts a windash pattern stands for, or null when there are too many. Used for prefilter needles. */
export function expandDashes(p: Pattern, limit = 64): Pattern[] | null {
  let acc: Token[][] = [[]];
  for (const t of p) {
    if (t === DASH) {
      if (acc.length * DASHES.length > limit) return null;
      acc = acc.flatMap((a) => DASHES.map((d) => [...a, d]));
    } else {
      for (const a of acc) a.push(t);
    }
  }
  return acc.map(mergeLiterals);
}

function mergeLiterals(p: readonly Token[]): Pattern {
  const out: Token[] = [];
  for (const t of p) {
    const last = out[out.length - 1];
    if (typeof t === "string" && typeof last === "string") out[out.length - 1] = last + t;
    else if (t !== "") out.push(t);
  }
  return out;
}
