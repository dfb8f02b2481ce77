/**
 * Compiles one Sigma field condition (field, modifier chain, values) into a predicate over an event. Modifier
 * families live in their own files; this module checks the chain, runs the value transformations in the order
 * written and combines the values (OR, or AND with `all`).
 *
 * Choices where the specification is silent (following pySigma/SigmaHQ where they decide):
 * - A field holding an array matches when any element matches (`neq`: when no element matches).
 * - Strings compare against a field's text form: numbers and bigints as their decimal string, booleans as
 *   `true`/`false`. So a rule's `4688` matches 4688 and "4688", and `00000429` does not match 429.
 * - `null` matches an absent or null field only; `''` matches an empty string only (the spec keeps them apart).
 * - `neq` negates the whole condition: the field differs from every value; an absent field differs.
 * - windash applies to every dash-like character of the value (the spec's wording), as a one-character class.
 * - Encoded values (base64 and friends) compare case-insensitively unless `cased`, like any string.
 */
import type { FieldValue } from "../../evtx/types.js";
import type { FieldCondition, SigmaValue } from "../model.js";
import { base64, base64offset, bytesAsText, type Encodable, toBytes, utf16be, utf16bom, utf16le } from "./encodings.js";
import { ModifierError } from "./errors.js";
import { compileCidr } from "./network.js";
import { type CompareOp, compareWith, type Num, numberOf, parseNumber } from "./numbers.js";
import { compareRef, expandPlaceholders, type RefMode, referencedTexts } from "./references.js";
import { compileRegex, type RegexFlag } from "./regex.js";
import {
  compilePattern,
  expandDashes,
  hasWildcards,
  literal,
  literalText,
  type Pattern,
  parseWildcards,
  STAR,
  textOf,
  windash,
  wrap,
} from "./strings.js";
import { type TimePart, timePart } from "./time.js";

export { ModifierError } from "./errors.js";

export interface EventAccess {
  get(field: string): FieldValue | undefined;
  values(): Iterable<FieldValue>;
}

export type ConditionMatcher = (event: EventAccess) => boolean;

export interface CompileOptions {
  /** Values of `expand` placeholders, by name without the percent signs. */
  readonly placeholders?: ReadonlyMap<string, readonly string[]>;
}

const WRAPS = new Set(["contains", "startswith", "endswith"]);
const ENCODINGS = new Set(["base64", "base64offset", "utf16le", "utf16be", "utf16", "wide"]);
const COMPARES = new Set<string>(["lt", "lte", "gt", "gte"]);
const TIME_PARTS = new Set<string>(["minute", "hour", "day", "week", "month", "year"]);
const REGEX_FLAGS = new Set<string>(["i", "m", "s"]);
const GENERIC = new Set(["all", "neq", "cased"]);
const KNOWN = new Set([
  ...WRAPS,
  ...ENCODINGS,
  ...COMPARES,
  ...TIME_PARTS,
  ...REGEX_FLAGS,
  ...GENERIC,
  "windash",
  "exists",
  "re",
  "cidr",
  "expand",
  "fieldref",
]);

/** A test of one (non-array) field value; the event is there for `fieldref`. */
type ValueTest = (v: FieldValue, event: EventAccess) => boolean;

function fail(cond: FieldCondition, reason: string): never {
  const where = cond.field === null ? "keywords" : cond.field;
  throw new ModifierError(`${where}|${cond.modifiers.join("|")}: ${reason}`);
}

function only(cond: FieldCondition, kind: string, allowed: ReadonlySet<string>): void {
  for (const m of cond.modifiers) {
    if (m !== kind && !allowed.has(m)) fail(cond, `modifier '${m}' cannot be combined with '${kind}'`);
  }
}

function valueText(cond: FieldCondition, v: SigmaValue): string {
  if (v.kind === "null") fail(cond, "null cannot be part of a list of values or take this modifier");
  return v.text;
}

export function compileFieldCondition(cond: FieldCondition, options: CompileOptions = {}): ConditionMatcher {
  const mods = new Set(cond.modifiers);
  for (const m of cond.modifiers) if (!KNOWN.has(m)) fail(cond, `unknown modifier '${m}'`);
  if (mods.size !== cond.modifiers.length) fail(cond, "a modifier is repeated");
  if (cond.field === null) return compileKeywords(cond, options);
  const field = cond.field;

  if (mods.has("exists")) {
    only(cond, "exists", new Set());
    const v = cond.values[0];
    if (cond.values.length !== 1 || v.kind !== "boolean") fail(cond, "exists takes one boolean value");
    const want = v.value;
    return (event) => (event.get(field) !== undefined) === want;
  }
  if (cond.values.length === 0) return () => false;

  const negate = mods.has("neq");
  if (cond.values.some((v) => v.kind === "null")) {
    if (cond.values.length !== 1) fail(cond, "null cannot be part of a list of values");
    only(cond, "null", new Set(["neq"]));
    return (event) => {
      const v = event.get(field);
      return (v === undefined || v === null) !== negate;
    };
  }

  const tests = valueTests(cond, mods, options);
  const all = mods.has("all");
  const fieldMatches = (test: ValueTest, event: EventAccess): boolean => {
    const v = event.get(field);
    return v !== undefined && anyElement(v, (e) => test(e, event));
  };
  const positive: ConditionMatcher = all
    ? (event) => tests.every((t) => fieldMatches(t, event))
    : (event) => tests.some((t) => fieldMatches(t, event));
  return negate ? (event) => !positive(event) : positive;
}

function anyElement(v: FieldValue, test: (v: FieldValue) => boolean): boolean {
  if (Array.isArray(v)) return v.some((e) => anyElement(e, test));
  return test(v as FieldValue);
}

function valueTests(cond: FieldCondition, mods: ReadonlySet<string>, options: CompileOptions): ValueTest[] {
  const cased = mods.has("cased");
  if (mods.has("re")) {
    only(cond, "re", new Set([...REGEX_FLAGS, "all", "neq", "cased"]));
    const flags = new Set([...mods].filter((m): m is RegexFlag => REGEX_FLAGS.has(m)));
    return cond.values.map((v) => {
      const re = compileRegex(valueText(cond, v), flags);
      return (fv) => {
        const t = textOf(fv);
        return t !== null && re(t);
      };
    });
  }
  for (const f of REGEX_FLAGS) if (mods.has(f)) fail(cond, `'${f}' is a sub-modifier of 're'`);

  if (mods.has("cidr")) {
    only(cond, "cidr", new Set(["all", "neq"]));
    return cond.values.map((v) => {
      const inNet = compileCidr(valueText(cond, v));
      return (fv) => typeof fv === "string" && inNet(fv);
    });
  }

  const compares = [...mods].filter((m) => COMPARES.has(m)) as CompareOp[];
  const parts = [...mods].filter((m) => TIME_PARTS.has(m)) as TimePart[];
  if (compares.length > 1) fail(cond, "only one of lt, lte, gt, gte may be used");
  if (parts.length > 1) fail(cond, "only one time modifier may be used");
  if (compares.length > 0 || parts.length > 0) {
    only(cond, compares[0] ?? parts[0], new Set([...compares, ...parts, "all", "neq"]));
    const op = compares[0] ?? "eq";
    const part = parts[0];
    return cond.values.map((v) => {
      const n = v.kind === "number" ? parseNumber(v.text) : null;
      if (n === null)
        fail(cond, `${compares[0] ?? parts[0]} needs a number, got ${JSON.stringify(valueText(cond, v))}`);
      if (part !== undefined) {
        return (fv) => {
          const p = timePart(fv, part);
          return p !== null && compareWith(op, BigInt(p), n);
        };
      }
      return (fv) => {
        const f: Num | null = numberOf(fv);
        return f !== null && compareWith(op, f, n);
      };
    });
  }

  if (mods.has("fieldref")) {
    only(cond, "fieldref", new Set([...WRAPS, "all", "neq", "cased"]));
    const wraps = [...mods].filter((m) => WRAPS.has(m));
    if (wraps.length > 1) fail(cond, "only one of contains, startswith, endswith may be used with fieldref");
    const mode = (wraps[0] ?? "exact") as RefMode;
    return cond.values.map((v) => {
      const ref = valueText(cond, v);
      return (fv, event) => {
        const t = textOf(fv);
        if (t === null) return false;
        return referencedTexts(event.get(ref)).some((r) => compareRef(t, r, mode, cased));
      };
    });
  }

  return stringPatterns(cond, options).map((alternatives) => {
    const preds = alternatives.map((p) => compilePattern(p, cased));
    return (fv) => {
      const t = textOf(fv);
      return t !== null && preds.some((p) => p(t));
    };
  });
}

/** Runs the string modifiers in order: for each rule value, the patterns it stands for (any of them matches). */
function stringPatterns(cond: FieldCondition, options: CompileOptions): Pattern[][] {
  const mods = cond.modifiers;
  const bad = mods.filter(
    (m) => !WRAPS.has(m) && !ENCODINGS.has(m) && !GENERIC.has(m) && m !== "windash" && m !== "expand",
  );
  if (bad.length > 0) fail(cond, `modifier '${bad[0]}' cannot be used here`);
  const wraps = mods.filter((m) => WRAPS.has(m));
  if (wraps.length > 1) fail(cond, `'${wraps[0]}' and '${wraps[1]}' cannot be combined`);
  const expand = mods.includes("expand");
  return cond.values.map((v) => {
    const text = valueText(cond, v);
    const texts = expand ? expandPlaceholders(text, options.placeholders) : [text];
    let current: (Pattern | Encodable)[] = texts.map((t) => (v.kind === "string" ? parseWildcards(t) : literal(t)));
    for (const m of mods) current = current.flatMap((x) => applyModifier(cond, m, x));
    return current.map(asPattern);
  });
}

function asPattern(x: Pattern | Encodable): Pattern {
  return Array.isArray(x) ? x : literal(bytesAsText(toBytes(x as Encodable)));
}

function asEncodable(cond: FieldCondition, m: string, x: Pattern | Encodable): Encodable {
  if (!Array.isArray(x)) return x as Encodable;
  const p = x as Pattern;
  const t = literalText(p);
  if (t === null || hasWildcards(p)) fail(cond, `'${m}' cannot encode a value with wildcards`);
  return { kind: "text", text: t };
}

function applyModifier(cond: FieldCondition, m: string, x: Pattern | Encodable): (Pattern | Encodable)[] {
  switch (m) {
    case "contains":
      return [wrap(asPattern(x), true, true)];
    case "startswith":
      return [wrap(asPattern(x), false, true)];
    case "endswith":
      return [wrap(asPattern(x), true, false)];
    case "windash":
      if (!Array.isArray(x)) fail(cond, "'windash' cannot follow an encoding");
      return [windash(x as Pattern)];
    case "base64":
      return [literal(base64(toBytes(asEncodable(cond, m, x))))];
    case "base64offset":
      return base64offset(toBytes(asEncodable(cond, m, x))).map(literal);
    case "utf16le":
    case "wide":
    case "utf16be":
    case "utf16": {
      const e = asEncodable(cond, m, x);
      if (e.kind === "bytes") fail(cond, `'${m}' cannot follow another UTF-16 encoding`);
      const bytes = m === "utf16be" ? utf16be(e.text) : m === "utf16" ? utf16bom(e.text) : utf16le(e.text);
      return [{ kind: "bytes", bytes }];
    }
    default:
      return [x];
  }
}

function compileKeywords(cond: FieldCondition, options: CompileOptions): ConditionMatcher {
  const allowed = new Set([...ENCODINGS, "all", "cased", "windash", "expand", "contains"]);
  for (const m of cond.modifiers) if (!allowed.has(m)) fail(cond, `modifier '${m}' cannot be used on keywords`);
  if (cond.values.length === 0) return () => false;
  const cased = cond.modifiers.includes("cased");
  const tests = stringPatterns(cond, options).map((alternatives) => {
    const preds = alternatives.map((p) => compilePattern(wrap(p, true, true), cased));
    return (t: string) => preds.some((p) => p(t));
  });
  const occurs = (test: (t: string) => boolean, event: EventAccess): boolean => {
    for (const v of event.values()) {
      if (
        anyElement(v, (e) => {
          const t = textOf(e);
          return t !== null && test(t);
        })
      )
        return true;
    }
    return false;
  };
  return cond.modifiers.includes("all")
    ? (event) => tests.every((t) => occurs(t, event))
    : (event) => tests.some((t) => occurs(t, event));
}

export interface Needles {
  readonly field: string;
  readonly kind: "exact" | "contains" | "startswith" | "endswith";
  readonly needles: string[];
}

/**
 * The literal strings one of which a matching field value must hold (lower-cased unless `cased`), for a prefilter;
 * null when the condition has no such form (regex, numbers, neq, null, mixed wildcard shapes, keywords…).
 */
export function describeNeedles(cond: FieldCondition, options: CompileOptions = {}): Needles | null {
  if (cond.field === null || cond.values.length === 0) return null;
  const mods = new Set(cond.modifiers);
  const plain = [...mods].every(
    (m) => WRAPS.has(m) || ENCODINGS.has(m) || m === "all" || m === "cased" || m === "windash" || m === "expand",
  );
  if (!plain || cond.values.some((v) => v.kind === "null")) return null;
  let patterns: Pattern[];
  try {
    patterns = stringPatterns(cond, options).flat();
  } catch {
    return null;
  }
  const cased = mods.has("cased");
  let kind: Needles["kind"] | null = null;
  const needles: string[] = [];
  for (const p0 of patterns) {
    const expanded = expandDashes(p0);
    if (expanded === null) return null;
    for (const p of expanded) {
      const start = p[0] === STAR;
      const end = p.length > 0 && p[p.length - 1] === STAR;
      const inner = p.slice(start ? 1 : 0, end ? p.length - 1 : p.length);
      if (inner.length > 1 || (inner.length === 1 && typeof inner[0] !== "string")) return null;
      if (inner.length === 0 && (start || end)) return null;
      const k = start && end ? "contains" : start ? "endswith" : end ? "startswith" : "exact";
      if (kind !== null && kind !== k) return null;
      kind = k;
      const lit = (inner[0] as string | undefined) ?? "";
      needles.push(cased ? lit : lit.toLowerCase());
    }
  }
  return kind === null ? null : { field: cond.field, kind, needles: [...new Set(needles)] };
}
