/**
 * The evtx_dump JSON convention (shared/docs/sigma-census.md §4.4): attributes under "#attributes", text beside
 * attributes under "#text", `<Data Name="X">` becomes key X, unnamed Data values gather in `Data.#text`, repeated
 * sibling names get `_1`, `_2`… suffixes, empty elements are null, empty or null attributes are left out.
 */
import { valueText } from "../binxml/values.js";
import type { FieldValue, JsonValue } from "../types.js";
import { type ResolvedAttribute, XML_ENTITIES, type XmlSink } from "./walk.js";

type JsonObject = { [key: string]: JsonValue };

/** How an element is keyed in its parent: by name, by its Data Name attribute, or gathered as unnamed Data. */
export type ElementKey = { key: string; unnamedData: false } | { key: "Data"; unnamedData: true };

export function elementKey(name: string, attributes: readonly ResolvedAttribute[]): ElementKey {
  if (name === "Data") {
    for (const a of attributes) {
      if (a.name === "Name") {
        if (a.value === null || a.value === "") break;
        return { key: valueText(a.value), unnamedData: false };
      }
    }
    return { key: "Data", unnamedData: true };
  }
  return { key: name, unnamedData: false };
}

/** The key under which a new child goes: `name`, or `name_1`, `name_2`… when taken. */
export function uniqueKey(taken: { has(key: string): boolean }, key: string): string {
  if (!taken.has(key)) return key;
  for (let i = 1; ; i++) {
    const candidate = `${key}_${i}`;
    if (!taken.has(candidate)) return candidate;
  }
}

/** Text content accumulates: one typed value stays typed; several parts join as a string. */
export function appendText(current: FieldValue | undefined, value: FieldValue): FieldValue | undefined {
  if (value === null) return current;
  if (current === undefined || current === null) return value;
  return valueText(current) + valueText(value);
}

interface Frame {
  readonly key: ElementKey;
  readonly namedData: boolean;
  attributes: JsonObject | null;
  children: Map<string, JsonValue> | null;
  text: FieldValue | undefined;
  unnamedData: FieldValue[] | null;
}

function newFrame(key: ElementKey, namedData: boolean): Frame {
  return { key, namedData, attributes: null, children: null, text: undefined, unnamedData: null };
}

export class JsonSink implements XmlSink {
  private readonly stack: Frame[] = [newFrame({ key: "", unnamedData: false }, false)];

  startElement(name: string, attributes: ResolvedAttribute[]): void {
    const key = elementKey(name, attributes);
    const namedData = name === "Data" && !key.unnamedData;
    const frame = newFrame(key, namedData);
    for (const a of attributes) {
      if (a.value === null || a.value === "" || (namedData && a.name === "Name")) continue;
      frame.attributes ??= {};
      const attrs = frame.attributes;
      attrs[uniqueKey({ has: (k) => Object.hasOwn(attrs, k) }, a.name)] = a.value as JsonValue;
    }
    this.stack.push(frame);
  }

  text(value: FieldValue): void {
    const top = this.stack[this.stack.length - 1];
    top.text = appendText(top.text, value);
  }

  entityRef(name: string): void {
    this.text(XML_ENTITIES[name] ?? `&${name};`);
  }

  charRef(code: number): void {
    this.text(String.fromCharCode(code));
  }

  cdata(text: string): void {
    this.text(text);
  }

  processingInstruction(): void {
    // Processing instructions have no place in the JSON convention.
  }

  endElement(): void {
    const frame = this.stack.pop();
    const parent = this.stack[this.stack.length - 1];
    if (frame === undefined || parent === undefined) return;
    if (frame.key.unnamedData) {
      parent.unnamedData ??= [];
      parent.unnamedData.push(frame.text ?? "");
      return;
    }
    const value = this.valueOf(frame);
    parent.children ??= new Map();
    parent.children.set(uniqueKey(parent.children, frame.key.key), value);
  }

  private valueOf(frame: Frame): JsonValue {
    if (frame.unnamedData !== null) {
      frame.children ??= new Map();
      frame.children.set(uniqueKey(frame.children, "Data"), { "#text": frame.unnamedData as JsonValue[] });
    }
    if (frame.attributes === null && frame.children === null) {
      if (frame.text !== undefined) return frame.text as JsonValue;
      return frame.namedData ? "" : null;
    }
    const out: JsonObject = {};
    if (frame.attributes !== null) out["#attributes"] = frame.attributes;
    if (frame.children !== null) for (const [k, v] of frame.children) out[k] = v;
    if (frame.text !== undefined && frame.text !== null) out["#text"] = frame.text as JsonValue;
    return out;
  }

  /** The finished document: `{ "Event": … }`. */
  result(): JsonValue {
    const root = this.stack[0];
    const out: JsonObject = {};
    if (root.children !== null) for (const [k, v] of root.children) out[k] = v;
    return out;
  }
}

/** JSON text of a tree that may hold bigints (unsigned 64-bit values above 2^53), which JSON.stringify rejects. */
export function stringifyJson(value: JsonValue, indent = 0): string {
  try {
    return indent > 0 ? JSON.stringify(value, null, indent) : JSON.stringify(value);
  } catch {
    return stringifyWithBigInt(value, indent, "");
  }
}

function stringifyWithBigInt(value: JsonValue, indent: number, pad: string): string {
  if (typeof value === "bigint") return value.toString();
  if (value === null || typeof value !== "object") return JSON.stringify(value);
  const inner = indent > 0 ? pad + " ".repeat(indent) : "";
  const nl = indent > 0 ? "\n" : "";
  const sep = indent > 0 ? ": " : ":";
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    return `[${nl}${value.map((v) => inner + stringifyWithBigInt(v, indent, inner)).join(`,${nl}`)}${nl}${pad}]`;
  }
  const entries = Object.entries(value);
  if (entries.length === 0) return "{}";
  const body = entries.map(([k, v]) => `${inner}${JSON.stringify(k)}${sep}${stringifyWithBigInt(v, indent, inner)}`);
  return `{${nl}${body.join(`,${nl}`)}${nl}${pad}}`;
}
