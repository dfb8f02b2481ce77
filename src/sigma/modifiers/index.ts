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
import { compileRegex, type RegexFlag, requiredTexts } from "./regex.js";
import {
  compileAlternatives,
  expandDashes,
  hasWildcards,
  literal,
  literalShape,
  literalText,
  lowerCase,
  type Pattern,
  parseWildcards,
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

  const all = mods.has("all");
  const tests = valueTests(cond, mods, options, all);
  // The field is read once per event, whatever the number of values.
  const positive: ConditionMatcher = all
    ? (event) => {
        const v = event.get(field);
        if (v === undefined) return false;
        for (const t of tests) if (!anyElement(v, t, event)) return false;
        return true;
      }
    : (event) => {
        const v = event.get(field);
        if (v === undefined) return false;
        for (const t of tests) if (anyElement(v, t, event)) return true;
        return false;
      };
  return negate ? (event) => !positive(event) : positive;
}

/** Whether the value, or for an array any element (at any depth), passes the test. Plain loops: no closures. */
function anyElement(v: FieldValue, test: ValueTest, event: EventAccess): boolean {
  if (!Array.isArray(v)) return test(v, event);
  for (const e of v) if (anyElement(e as FieldValue, test, event)) return true;
  return false;
}

/**
 * One test per rule value; with `any` (no `all`: the values are ORed), string values may come back as one combined
 * test, which looks a text up in sets rather than comparing it with each value in turn.
 */
function valueTests(
  cond: FieldCondition,
  mods: ReadonlySet<string>,
  options: CompileOptions,
  all: boolean,
): ValueTest[] {
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

  const patterns = stringPatterns(cond, options);
  const compiled = all
    ? patterns.map((alternatives) => compileAlternatives(alternatives, cased))
    : [compileAlternatives(patterns.flat(), cased)];
  return compiled.map((test) => (fv) => {
    const t = textOf(fv);
    return t !== null && test(t);
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
  const tests = stringPatterns(cond, options).map((alternatives) =>
    compileAlternatives(
      alternatives.map((p) => wrap(p, true, true)),
      cased,
    ),
  );
  const valueTests: ValueTest[] = tests.map((test) => (v) => {
    const t = textOf(v);
    return t !== null && test(t);
  });
  const occurs = (test: ValueTest, event: EventAccess): boolean => {
    for (const v of event.values()) if (anyElement(v, test, event)) return true;
    return false;
  };
  return cond.modifiers.includes("all")
    ? (event) => {
        for (const t of valueTests) if (!occurs(t, event)) return false;
        return true;
      }
    : (event) => {
        for (const t of valueTests) if (occurs(t, event)) return true;
        return false;
      };
}

/** What a prefilter can look for: a field's lower-cased text equals, contains, starts or ends with `needle`. */
export interface Atom {
  readonly kind: "exact" | "contains" | "startswith" | "endswith";
  /** Lower-cased exactly as the matcher lower-cases pattern text, never empty for the substring kinds. */
  readonly needle: string;
}

/**
 * Literal texts a field condition cannot hold without (for the compiled matcher's prefilters). `perValue[i]`: the
 * condition's i-th value can only hold when one of its atoms holds on the field's lower-cased text. Without `all`
 * the condition needs one atom of any value; with `all`, one atom of every value. `field` null: keywords, which
 * look at every value of the event. A regex gives the plain texts every match contains (`requiredTexts`). Null
 * when no such atoms exist: numbers, cidr, fieldref, exists, null, neq, `cased` strings (their case-sensitive text
 * is left to the full evaluation), a value that matches any text (`*`), a regex without a required plain text.
 */
export interface ConditionAtoms {
  readonly field: string | null;
  readonly all: boolean;
  readonly perValue: readonly (readonly Atom[])[];
}

export function conditionAtoms(cond: FieldCondition, options: CompileOptions = {}): ConditionAtoms | null {
  if (cond.values.length === 0) return null;
  const mods = new Set(cond.modifiers);
  if (mods.has("re")) return regexAtoms(cond, mods);
  const plain = [...mods].every(
    (m) => WRAPS.has(m) || ENCODINGS.has(m) || m === "all" || m === "windash" || m === "expand",
  );
  if (!plain || cond.values.some((v) => v.kind === "null")) return null;
  let patterns: Pattern[][];
  try {
    patterns = stringPatterns(cond, options);
  } catch {
    return null;
  }
  const keywords = cond.field === null;
  const perValue: Atom[][] = [];
  for (const alternatives of patterns) {
    const atoms: Atom[] = [];
    for (const p of alternatives) {
      const pattern = keywords ? wrap(p, true, true) : p;
      for (const expanded of expandDashes(pattern) ?? [pattern]) {
        const atom = patternAtom(expanded);
        if (atom === null) return null;
        atoms.push(atom);
      }
    }
    perValue.push(atoms);
  }
  return { field: cond.field, all: mods.has("all"), perValue };
}

function regexAtoms(cond: FieldCondition, mods: ReadonlySet<string>): ConditionAtoms | null {
  if (mods.has("neq") || cond.field === null) return null;
  const flags = new Set([...mods].filter((m): m is RegexFlag => REGEX_FLAGS.has(m)));
  const perValue: Atom[][] = [];
  for (const v of cond.values) {
    if (v.kind === "null") return null;
    const texts = requiredTexts(v.text, flags);
    if (texts === null) return null;
    const atoms: Atom[] = [];
    for (const text of texts) {
      if (CONTEXT_CASED.test(text.toLowerCase())) return null;
      atoms.push({ kind: "contains", needle: lowerCase(text) });
    }
    perValue.push(atoms);
  }
  return { field: cond.field, all: mods.has("all"), perValue };
}

/** Greek capital sigma lower-cases by context (final or not), so a needle holding it may not be a substring. */
const CONTEXT_CASED = /[\u03a3\u03c2\u03c3]/;

/**
 * The atom a pattern implies: its exact text, its single literal between stars, or else the longest literal run
 * as a `contains` needle. Null when nothing literal remains (a pattern such as `*` or `?*`).
 */
function patternAtom(p: Pattern): Atom | null {
  const shape = literalShape(p);
  let atom: Atom | null = null;
  if (shape !== null) {
    atom = shape.kind !== "exact" && shape.text === "" ? null : { kind: shape.kind, needle: shape.text };
  } else {
    let longest = "";
    for (const t of p) if (typeof t === "string" && t.length > longest.length) longest = t;
    atom = longest === "" ? null : { kind: "contains", needle: longest };
  }
  if (atom === null || CONTEXT_CASED.test(atom.needle.toLowerCase())) return null;
  return { kind: atom.kind, needle: lowerCase(atom.needle) };
}
