/**
 * Compiled templates: most records of a chunk instantiate a few templates, and for one template and one "shape" of
 * values (which are null, which are empty, which types) the JSON text and the field paths are always the same; only
 * the values differ. So the generic walk runs once per shape with placeholder values, and its output is cut into
 * static text and value slots. Rendering a record then decodes its values into the slots; the flat field view
 * decodes only the fields asked for.
 *
 * Anything the shape cannot capture (BinXML inside values, names taken from values, several fragments in a record,
 * a value that fails to decode or is unexpectedly empty) falls back to the generic walk, which stays the reference.
 */
import type { BinXmlNode, SubstitutionValues, TemplateDefinition, TemplateInstanceNode } from "../binxml/model.js";
import { type ChunkContext, readSoleTemplateInstance } from "../binxml/tokens.js";
import { decodeValue, ValueType, valueText } from "../binxml/values.js";
import type { FieldValue } from "../types.js";
import { FieldSink } from "./fields.js";
import { JsonSink, stringifyJson } from "./json.js";
import type { JsonByteWriter } from "./json-bytes.js";
import { type Placeholders, RecordWalker } from "./walk.js";

/** Placeholders: NUL, the substitution index, then SOH for element content or STX for an attribute value. */
const TEXT_END = "\u0001";
const ATTRIBUTE_END = "\u0002";

interface Slot {
  /** Which values, as an index into ResolvedValues.scopes (0: the record's own). */
  readonly scope: number;
  readonly index: number;
  /** Part of a longer string: the value's escaped text without quotes. */
  readonly inner: boolean;
  /** An attribute value: an empty or null value would remove the attribute, so it cannot be slotted. */
  readonly attribute: boolean;
}

interface CompiledJson {
  /** Static text around the slots, as UTF-8; `pieces.length === slots.length + 1`. */
  readonly pieces: Buffer[];
  readonly slots: Slot[];
}

/** A substitution value of the record: the scope it is in (resolveValues' order) and its index there. */
export interface ValueSlot {
  readonly scope: number;
  readonly index: number;
  readonly attribute: boolean;
}

/** A substitution value, or a static value. */
export type FieldItem = ValueSlot | { readonly value: FieldValue };

/**
 * Where a field's value comes from: a substitution value, a static value, or the list of unnamed Data (classic
 * Application and System logs write their values as `<Data>` elements without names), each one or the other.
 */
export type FieldSource = FieldItem | { readonly items: readonly FieldItem[] };

export interface CompiledFields {
  readonly paths: string[];
  readonly sources: FieldSource[];
  readonly byPath: Map<string, number>;
}

/**
 * Compiled shapes by template content and value shape. Keyed by content rather than by the per-chunk definition
 * object, because the same template is defined again in every chunk (names are chunk offsets) and compiling it once
 * per chunk cost more than it saved. Bounded: cleared when it grows past MAX_SHAPES.
 */
const jsonShapes = new Map<number, Map<number, CompiledJson | null>>();
const fieldShapes = new Map<number, Map<number, CompiledFields | null>>();
// Real logs use a few hundred shapes; hostile or fuzzed input makes a new one per record, so keep the bound low.
const MAX_SHAPES = 4096;
let shapeCount = 0;

const fingerprints = new WeakMap<TemplateDefinition, number>();
/** Content hashes of the definitions seen, numbered, so shape keys stay short. */
const contentIds = new Map<string, number>();
let nextContentId = 1;

/**
 * Two independent 32-bit hashes over a stream of numbers: 64 bits in all. A collision between honest templates is
 * negligible; a crafted one can only make a hostile file render as another of its own templates, which its author
 * could have written directly.
 */
class Hash64 {
  a = 0x811c9dc5;
  b = 0x2545f491;
  add(n: number): void {
    this.a = Math.imul(this.a ^ n, 0x01000193);
    this.b = Math.imul(this.b ^ n, 0x5bd1e995) ^ (this.b >>> 15);
  }
  addString(s: string): void {
    this.add(s.length);
    for (let i = 0; i < s.length; i++) this.add(s.charCodeAt(i));
  }
  /** Start over (one instance serves every record's shape). */
  reset(): this {
    this.a = 0x811c9dc5;
    this.b = 0x2545f491;
    return this;
  }
  key(): string {
    return `${(this.a >>> 0).toString(36)}.${(this.b >>> 0).toString(36)}`;
  }
  /** 53 of the 64 bits, as a number usable as a Map key without building a string. */
  number(): number {
    return (this.a >>> 0) * 0x200000 + (this.b >>> 11);
  }
}

const shapeHash = new Hash64();

function hashNodes(h: Hash64, nodes: readonly BinXmlNode[]): void {
  for (const n of nodes) {
    switch (n.kind) {
      case "element":
        h.add(1);
        h.addString(n.name);
        for (const a of n.attributes) {
          h.add(2);
          h.addString(a.name);
          hashNodes(h, a.parts);
        }
        h.add(3);
        hashNodes(h, n.children);
        h.add(4);
        break;
      case "substitution":
        h.add(n.optional ? 5 : 6);
        h.add(n.index);
        break;
      case "text":
        h.add(7);
        h.addString(valueText(n.value));
        break;
      case "charref":
        h.add(8);
        h.add(n.code);
        break;
      case "entityref":
        h.add(9);
        h.addString(n.name);
        break;
      case "cdata":
        h.add(10);
        h.addString(n.text);
        break;
      case "pi":
        h.add(11);
        h.addString(n.target);
        h.addString(n.data);
        break;
      case "template":
        h.add(12);
        h.add(fingerprint(n.definition));
        break;
    }
  }
}

/** A number for the definition's content: element and attribute names, text and substitution slots, in order. */
function fingerprint(definition: TemplateDefinition): number {
  let id = fingerprints.get(definition);
  if (id === undefined) {
    const h = new Hash64();
    hashNodes(h, definition.nodes);
    const content = `${definition.guid}:${h.key()}`;
    id = contentIds.get(content);
    if (id === undefined) {
      if (contentIds.size >= MAX_SHAPES) contentIds.clear();
      id = nextContentId++;
      contentIds.set(content, id);
    }
    fingerprints.set(definition, id);
  }
  return id;
}

function lookup<T>(cache: Map<number, Map<number, T>>, fp: number, shape: number): T | undefined {
  return cache.get(fp)?.get(shape);
}

function remember<T>(cache: Map<number, Map<number, T>>, fp: number, shape: number, value: T): T {
  if (shapeCount >= MAX_SHAPES) {
    jsonShapes.clear();
    fieldShapes.clear();
    shapeCount = 0;
  }
  let byShape = cache.get(fp);
  if (byShape === undefined) {
    byShape = new Map();
    cache.set(fp, byShape);
  }
  byShape.set(shape, value);
  shapeCount++;
  return value;
}

class NotCompilable {}

const placeholders: Placeholders = {
  value(scope: string, index: number, attribute: boolean): string {
    return `\u0000${scope === "" ? "" : `${scope}.`}${index}${attribute ? ATTRIBUTE_END : TEXT_END}`;
  },
  nested(_scope: string, nodes: readonly BinXmlNode[]) {
    const instance = soleTemplate(nodes);
    if (instance === null) throw new NotCompilable();
    return { definition: instance.definition.nodes, values: instance.values };
  },
};

/** A record's values by scope, and its shape: the types, null and empty values, and nested templates. */
export interface ResolvedValues {
  readonly shape: number;
  /** Values by scope: the record's own first, then those of BinXML inside values, in walk order. */
  readonly scopes: SubstitutionValues[];
  /** Scope names as the walk gives them: "" for the record's own, "17" for BinXML in value 17, "17.3" below it. */
  readonly names: string[];
}

const MAX_NESTING = 8;

function shapeOf(
  ctx: ChunkContext,
  values: SubstitutionValues,
  scope: string,
  out: { scopes: SubstitutionValues[]; names: string[] },
  depth: number,
  h: Hash64,
): boolean {
  const { types, sizes } = values;
  out.scopes.push(values);
  out.names.push(scope);
  h.add(types.length);
  for (let i = 0; i < types.length; i++) {
    const type = types[i];
    h.add(type | (sizes[i] === 0 ? 0x100 : 0));
    if (type === ValueType.BinXml) {
      if (depth >= MAX_NESTING) return false;
      let instance: TemplateInstanceNode | null;
      try {
        const at = values.offsets[i];
        instance = readSoleTemplateInstance(ctx, at, at + values.sizes[i], depth + 1);
      } catch {
        // BinXML that does not parse: the walk leaves it out (with a problem) through the same template-instance read,
        // whatever else the record holds, so a shape can stand for it. Most are records recovered from slack whose
        // nested template's definition has since been overwritten: 7,168 of the corpus's 41,539 records, which took
        // the generic walk.
        h.add(0x2000);
        continue;
      }
      if (instance === null) return false;
      h.add(0x1000);
      h.add(fingerprint(instance.definition));
      if (!shapeOf(ctx, instance.values, scope === "" ? String(i) : `${scope}.${i}`, out, depth + 1, h)) return false;
      h.add(0x1001);
    }
  }
  return true;
}

export function resolveValues(ctx: ChunkContext, values: SubstitutionValues): ResolvedValues | null {
  const out = { shape: 0, scopes: [] as SubstitutionValues[], names: [] as string[] };
  const h = shapeHash.reset();
  if (!shapeOf(ctx, values, "", out, 0, h)) return null;
  out.shape = h.number();
  return out;
}

/** The single template instance of a record, when that is all it holds (the common case). */
export function soleTemplate(nodes: readonly BinXmlNode[]): Extract<BinXmlNode, { kind: "template" }> | null {
  if (nodes.length !== 1) return null;
  const node = nodes[0];
  return node.kind === "template" ? node : null;
}

const SLOT = /"\\u0000([\d.]+)\\u000([12])"|\\u0000([\d.]+)\\u000([12])/g;

/** A placeholder's "scope.index" as a scope number of `resolved` and a value index. */
function splitRef(ref: string, resolved: ResolvedValues): { scope: number; index: number } {
  const dot = ref.lastIndexOf(".");
  const name = dot < 0 ? "" : ref.slice(0, dot);
  const scope = resolved.names.indexOf(name);
  if (scope < 0) throw new NotCompilable();
  return { scope, index: Number(ref.slice(dot + 1)) };
}

/** The compiled shape, or null when the shape cannot be compiled (NotCompilable); other errors propagate. */
function unlessNotCompilable<T>(compile: () => T): T | null {
  try {
    return compile();
  } catch (e) {
    if (e instanceof NotCompilable) return null;
    throw e;
  }
}

function compileJsonText(ctx: ChunkContext, definition: TemplateDefinition, resolved: ResolvedValues): CompiledJson {
  const sink = new JsonSink();
  new RecordWalker(ctx, sink, placeholders).walk(definition.nodes, resolved.scopes[0]);
  const text = stringifyJson(sink.result());
  const pieces: Buffer[] = [];
  const slots: Slot[] = [];
  let last = 0;
  for (const m of text.matchAll(SLOT)) {
    pieces.push(Buffer.from(text.slice(last, m.index), "utf8"));
    const inner = m[1] === undefined;
    const { scope, index } = splitRef(inner ? m[3] : m[1], resolved);
    slots.push({ scope, index, inner, attribute: (inner ? m[4] : m[2]) === "2" });
    last = (m.index ?? 0) + m[0].length;
  }
  pieces.push(Buffer.from(text.slice(last), "utf8"));
  return { pieces, slots };
}

function compileFieldPaths(
  ctx: ChunkContext,
  definition: TemplateDefinition,
  resolved: ResolvedValues,
): CompiledFields | null {
  const sink = new FieldSink();
  new RecordWalker(ctx, sink, placeholders).walk(definition.nodes, resolved.scopes[0]);
  const paths: string[] = [];
  const sources: CompiledFields["sources"] = [];
  const byPath = new Map<string, number>();
  for (const [path, value] of sink.fields) {
    if (Array.isArray(value) && value.some(holdsPlaceholder)) {
      // Unnamed Data: a list of single slots and static texts (a slot joined with text, or in a list of its own,
      // keeps the record on the generic walk).
      const items: FieldItem[] = [];
      for (const item of value) {
        if (!holdsPlaceholder(item)) {
          items.push({ value: item });
          continue;
        }
        const slot = typeof item === "string" ? slotOf(item, resolved) : null;
        if (slot === null || slot.attribute) return null;
        items.push(slot);
      }
      sources.push({ items });
    } else if (holdsPlaceholder(value)) {
      // A value joined from several parts: not a single slot.
      const slot = slotOf(value as string, resolved);
      if (slot === null) return null;
      sources.push(slot);
    } else {
      sources.push({ value });
    }
    byPath.set(path, paths.length);
    paths.push(path);
  }
  return { paths, sources, byPath };
}

/** Whether a value the placeholder walk gave holds a placeholder (at any depth of a list). */
function holdsPlaceholder(value: FieldValue): boolean {
  if (typeof value === "string") return value.includes("\u0000");
  return Array.isArray(value) && value.some((v) => holdsPlaceholder(v as FieldValue));
}

/** The slot a text that is exactly one placeholder stands for; null for anything else. */
function slotOf(text: string, resolved: ResolvedValues): ValueSlot | null {
  const m = /^\u0000([\d.]+)([\u0001\u0002])$/.exec(text);
  if (m === null) return null;
  // Written out rather than spread: an object spread and then given a property gets a hidden class of its own
  // (the corpus's compiled shapes held 19,000 of them).
  const { scope, index } = splitRef(m[1] as string, resolved);
  return { scope, index, attribute: m[2] === ATTRIBUTE_END };
}

/** The compiled field paths of a record's shape, or null when the generic walk must build its fields. */
export function compiledFieldsFor(
  ctx: ChunkContext,
  definition: TemplateDefinition,
  resolved: ResolvedValues,
): CompiledFields | null {
  const fp = fingerprint(definition);
  const compiled = lookup(fieldShapes, fp, resolved.shape);
  if (compiled !== undefined) return compiled;
  return remember(
    fieldShapes,
    fp,
    resolved.shape,
    unlessNotCompilable(() => compileFieldPaths(ctx, definition, resolved)),
  );
}

/** Types whose text form is ASCII needing no JSON escapes. */
const ASCII_TYPES = new Set<number>([
  ValueType.Guid,
  ValueType.SizeT,
  ValueType.FileTime,
  ValueType.SystemTime,
  ValueType.Sid,
  ValueType.HexInt32,
  ValueType.HexInt64,
  ValueType.Binary,
]);

/** Sentinel: the record must take the generic path. */
export const FALLBACK = Symbol("fallback");

export function decodeSlot(
  ctx: ChunkContext,
  scopes: readonly SubstitutionValues[],
  scope: number,
  index: number,
): FieldValue | typeof FALLBACK {
  const values = scopes[scope];
  if (values === undefined || index >= values.types.length) return FALLBACK;
  try {
    const type = values.types[index];
    if (type === ValueType.Null || type === ValueType.BinXml) return FALLBACK;
    return decodeValue(ctx.view, type, values.offsets[index], values.sizes[index]);
  } catch {
    return FALLBACK;
  }
}

/**
 * Write a record's compact JSON through its compiled shape. Returns false, having written nothing, when the record
 * must take the generic path.
 */
export function writeCompiledJson(ctx: ChunkContext, nodes: readonly BinXmlNode[], out: JsonByteWriter): boolean {
  const instance = soleTemplate(nodes);
  if (instance === null) return false;
  const resolved = resolveValues(ctx, instance.values);
  if (resolved === null) return false;
  const fp = fingerprint(instance.definition);
  let compiled = lookup(jsonShapes, fp, resolved.shape);
  if (compiled === undefined)
    compiled = remember(
      jsonShapes,
      fp,
      resolved.shape,
      unlessNotCompilable(() => compileJsonText(ctx, instance.definition, resolved)),
    );
  if (compiled === null) return false;
  const start = out.length;
  const { pieces, slots } = compiled;
  out.bytes(pieces[0]);
  for (let i = 0; i < slots.length; i++) {
    const slot = slots[i];
    const values = resolved.scopes[slot.scope];
    if (values !== undefined && values.types[slot.index] === ValueType.String && !slot.attribute) {
      // The bulk of the bytes: transcoded from UTF-16 straight into the output.
      out.utf16String(ctx.view.bytes, values.offsets[slot.index], values.sizes[slot.index] >>> 1, !slot.inner);
    } else {
      const value = decodeSlot(ctx, resolved.scopes, slot.scope, slot.index);
      if (value === FALLBACK || (slot.attribute && (value === "" || value === null))) {
        out.truncate(start);
        return false;
      }
      if (slot.inner) out.stringContent(valueText(value));
      else if (typeof value === "string" && ASCII_TYPES.has(values?.types[slot.index] ?? -1)) out.ascii(value, true);
      else out.value(value);
    }
    out.bytes(pieces[i + 1]);
  }
  return true;
}
