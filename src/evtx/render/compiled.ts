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
import type { BinXmlNode, SubstitutionValues, TemplateDefinition } from "../binxml/model.js";
import type { ChunkContext } from "../binxml/tokens.js";
import { decodeValue, ValueType, valueText } from "../binxml/values.js";
import type { FieldValue, JsonValue } from "../types.js";
import { FieldSink } from "./fields.js";
import { JsonSink, stringifyJson } from "./json.js";
import { parseNestedBinXml, type Placeholders, RecordWalker } from "./walk.js";

/** Placeholders: NUL, the substitution index, then SOH for element content or STX for an attribute value. */
const TEXT_END = "\u0001";
const ATTRIBUTE_END = "\u0002";

interface Slot {
  /** Which values: "" for the record's own, "17" for those of the BinXML in value 17, and so on. */
  readonly scope: string;
  readonly index: number;
  /** Part of a longer string: the value's escaped text without quotes. */
  readonly inner: boolean;
  /** An attribute value: an empty or null value would remove the attribute, so it cannot be slotted. */
  readonly attribute: boolean;
}

interface CompiledJson {
  /** Static text around the slots; `pieces.length === slots.length + 1`. */
  readonly pieces: string[];
  readonly slots: Slot[];
}

export interface CompiledFields {
  readonly paths: string[];
  /** A substitution index (number) or a static value. */
  readonly sources: ({ readonly scope: string; readonly index: number; readonly attribute: boolean } | { readonly value: FieldValue })[];
  readonly byPath: Map<string, number>;
}

/**
 * Compiled shapes by template content and value shape. Keyed by content rather than by the per-chunk definition
 * object, because the same template is defined again in every chunk (names are chunk offsets) and compiling it once
 * per chunk cost more than it saved. Bounded: cleared when it grows past MAX_SHAPES.
 */
const jsonShapes = new Map<string, CompiledJson | null>();
const fieldShapes = new Map<string, CompiledFields | null>();
const MAX_SHAPES = 20000;

const fingerprints = new WeakMap<TemplateDefinition, number>();
/** Content of every definition seen, numbered: shape keys hold the short number, not the long content. */
const contentIds = new Map<string, number>();

/** A number for the definition's content: element and attribute names, text and substitution slots, in order. */
function fingerprint(definition: TemplateDefinition): number {
  let id = fingerprints.get(definition);
  if (id === undefined) {
    const parts: string[] = [definition.guid];
    const visit = (nodes: readonly BinXmlNode[]): void => {
      for (const n of nodes) {
        switch (n.kind) {
          case "element":
            parts.push(`<${n.name}`);
            for (const a of n.attributes) {
              parts.push(`@${a.name}`);
              visit(a.parts);
            }
            parts.push(">");
            visit(n.children);
            parts.push("/>");
            break;
          case "substitution":
            parts.push(`%${n.index}${n.optional ? "?" : ""}`);
            break;
          case "text":
            parts.push(`"${JSON.stringify(valueText(n.value))}`);
            break;
          case "charref":
            parts.push(`&#${n.code}`);
            break;
          case "entityref":
            parts.push(`&${n.name}`);
            break;
          case "cdata":
            parts.push(`[${JSON.stringify(n.text)}`);
            break;
          case "pi":
            parts.push(`?${n.target} ${JSON.stringify(n.data)}`);
            break;
          case "template":
            parts.push(`T${fingerprint(n.definition)}`);
            break;
        }
      }
    };
    visit(definition.nodes);
    const content = parts.join("\u0000");
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
let nextContentId = 1;

function remember<T>(map: Map<string, T>, key: string, value: T): T {
  if (map.size >= MAX_SHAPES) map.clear();
  map.set(key, value);
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

/** A record's values by scope, and its shape key: the types, null and empty values, and nested templates. */
export interface ResolvedValues {
  readonly key: string;
  readonly scopes: Map<string, SubstitutionValues>;
}

const MAX_NESTING = 8;

function shapeOf(ctx: ChunkContext, values: SubstitutionValues, scope: string, scopes: Map<string, SubstitutionValues>, depth: number): string | null {
  const { types, sizes } = values;
  scopes.set(scope, values);
  let s = "";
  for (let i = 0; i < types.length; i++) {
    const type = types[i];
    s += String.fromCharCode(type | (sizes[i] === 0 ? 0x100 : 0));
    if (type === ValueType.BinXml) {
      if (depth >= MAX_NESTING) return null;
      let nodes: BinXmlNode[];
      try {
        nodes = parseNestedBinXml(ctx, values, i, depth);
      } catch {
        return null;
      }
      const instance = soleTemplate(nodes);
      if (instance === null) return null;
      const inner = shapeOf(ctx, instance.values, scope === "" ? String(i) : `${scope}.${i}`, scopes, depth + 1);
      if (inner === null) return null;
      s += `{${fingerprint(instance.definition)}:${inner}}`;
    }
  }
  return s;
}

export function resolveValues(ctx: ChunkContext, values: SubstitutionValues): ResolvedValues | null {
  const scopes = new Map<string, SubstitutionValues>();
  const key = shapeOf(ctx, values, "", scopes, 0);
  return key === null ? null : { key, scopes };
}

/** The single template instance of a record, when that is all it holds (the common case). */
export function soleTemplate(nodes: readonly BinXmlNode[]): Extract<BinXmlNode, { kind: "template" }> | null {
  if (nodes.length !== 1) return null;
  const node = nodes[0];
  return node.kind === "template" ? node : null;
}

const SLOT = /"\\u0000([\d.]+)\\u000([12])"|\\u0000([\d.]+)\\u000([12])/g;

function splitRef(ref: string): { scope: string; index: number } {
  const dot = ref.lastIndexOf(".");
  return dot < 0 ? { scope: "", index: Number(ref) } : { scope: ref.slice(0, dot), index: Number(ref.slice(dot + 1)) };
}

function compileJson(ctx: ChunkContext, definition: TemplateDefinition, values: SubstitutionValues): CompiledJson | null {
  const sink = new JsonSink();
  try {
    new RecordWalker(ctx, sink, placeholders).walk(definition.nodes, values);
  } catch (e) {
    if (e instanceof NotCompilable) return null;
    throw e;
  }
  const text = stringifyJson(sink.result());
  const pieces: string[] = [];
  const slots: Slot[] = [];
  let last = 0;
  for (const m of text.matchAll(SLOT)) {
    pieces.push(text.slice(last, m.index));
    const inner = m[1] === undefined;
    slots.push({ ...splitRef(inner ? m[3] : m[1]), inner, attribute: (inner ? m[4] : m[2]) === "2" });
    last = (m.index ?? 0) + m[0].length;
  }
  pieces.push(text.slice(last));
  return { pieces, slots };
}

function compileFields(
  ctx: ChunkContext,
  definition: TemplateDefinition,
  values: SubstitutionValues,
): CompiledFields | null {
  const sink = new FieldSink();
  try {
    new RecordWalker(ctx, sink, placeholders).walk(definition.nodes, values);
  } catch (e) {
    if (e instanceof NotCompilable) return null;
    throw e;
  }
  const paths: string[] = [];
  const sources: CompiledFields["sources"] = [];
  const byPath = new Map<string, number>();
  for (const [path, value] of sink.fields) {
    if (typeof value === "string" && value.includes("\u0000")) {
      const m = /^\u0000([\d.]+)([\u0001\u0002])$/.exec(value);
      // A value joined from several parts, or a placeholder inside an array: not a single slot.
      if (m === null) return null;
      sources.push({ ...splitRef(m[1]), attribute: m[2] === ATTRIBUTE_END });
    } else if (Array.isArray(value) && value.some((v) => typeof v === "string" && v.includes("\u0000"))) {
      return null;
    } else {
      sources.push({ value });
    }
    byPath.set(path, paths.length);
    paths.push(path);
  }
  return { paths, sources, byPath };
}

/** The compiled field paths of a record's shape, or null when the generic walk must build its fields. */
export function compiledFieldsFor(
  ctx: ChunkContext,
  definition: TemplateDefinition,
  resolved: ResolvedValues,
): CompiledFields | null {
  const key = `${fingerprint(definition)}\u0001${resolved.key}`;
  const compiled = fieldShapes.get(key);
  if (compiled !== undefined) return compiled;
  return remember(fieldShapes, key, compileFields(ctx, definition, resolved.scopes.get("") as SubstitutionValues));
}

/** Sentinel: the record must take the generic path. */
export const FALLBACK = Symbol("fallback");

export function decodeSlot(
  ctx: ChunkContext,
  scopes: ReadonlyMap<string, SubstitutionValues>,
  scope: string,
  index: number,
): FieldValue | typeof FALLBACK {
  const values = scopes.get(scope);
  if (values === undefined || index >= values.types.length) return FALLBACK;
  try {
    const type = values.types[index];
    if (type === ValueType.Null || type === ValueType.BinXml) return FALLBACK;
    return decodeValue(ctx.view, type, values.offsets[index], values.sizes[index]);
  } catch {
    return FALLBACK;
  }
}

function jsonOf(value: FieldValue): string {
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "object" && value !== null) return stringifyJson(value as JsonValue);
  return JSON.stringify(value);
}

/** Compact JSON text of a record through its compiled shape, or null when the generic path must render it. */
export function renderCompiledJson(ctx: ChunkContext, nodes: readonly BinXmlNode[]): string | null {
  const instance = soleTemplate(nodes);
  if (instance === null) return null;
  const resolved = resolveValues(ctx, instance.values);
  if (resolved === null) return null;
  const key = `${fingerprint(instance.definition)}\u0001${resolved.key}`;
  let compiled = jsonShapes.get(key);
  if (compiled === undefined) compiled = remember(jsonShapes, key, compileJson(ctx, instance.definition, instance.values));
  if (compiled === null) return null;
  const { pieces, slots } = compiled;
  let out = pieces[0];
  for (let i = 0; i < slots.length; i++) {
    const slot = slots[i];
    const value = decodeSlot(ctx, resolved.scopes, slot.scope, slot.index);
    if (value === FALLBACK || (slot.attribute && (value === "" || value === null))) return null;
    out += slot.inner ? JSON.stringify(valueText(value)).slice(1, -1) : jsonOf(value);
    out += pieces[i + 1];
  }
  return out;
}
