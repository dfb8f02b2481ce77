/**
 * Substitution values of a template instance (libyal "Template instance data" and "Value types"): what a value
 * is, how it is written, and the type byte of its descriptor. Strings are written without a terminator, as
 * Windows writes them; array forms set bit 0x80 and concatenate their items, string items each ending in NUL.
 */

import { ARRAY_FLAG, ValueType } from "../binxml/values.js";
import type { BinXmlBuilder } from "./binxml-builder.js";
import type { ByteSink } from "./byte-sink.js";

// The type codes are the reader's: one table for both directions.
export { ARRAY_FLAG, ValueType } from "../binxml/values.js";

/** Seconds from 1601-01-01 (FILETIME epoch) to 1970-01-01. */
const FILETIME_UNIX_OFFSET_SECONDS = 11644473600n;
const TICKS_PER_SECOND = 10_000_000n;

/** A point in time: a Date (millisecond precision), an ISO-8601 UTC string (up to 7 fraction digits), or raw FILETIME ticks. */
export type TimeInput = Date | string | bigint;

/** SYSTEMTIME fields as stored (month 1-12, dayOfWeek 0 = Sunday). */
export interface SystemTimeFields {
  readonly year: number;
  readonly month: number;
  readonly dayOfWeek: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  readonly milliseconds: number;
}

/** The JavaScript input of each value kind. */
export interface ValueInputs {
  string: string;
  ansiString: string;
  int8: number;
  uint8: number;
  int16: number;
  uint16: number;
  int32: number;
  uint32: number;
  int64: bigint | number;
  uint64: bigint | number;
  real32: number;
  real64: number;
  /** A number writes that raw 32-bit value (Windows only writes 0 and 1; other values occur in the wild). */
  bool: boolean | number;
  binary: Uint8Array;
  /** `{XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX}`, braces optional, any case. */
  guid: string;
  sizeT: bigint | number;
  filetime: TimeInput;
  systemtime: TimeInput | SystemTimeFields;
  /** `S-1-5-21-…` */
  sid: string;
  hex32: number;
  hex64: bigint | number;
  evtHandle: bigint | number;
}

export type ScalarKind = keyof ValueInputs;

/** Kinds that have an array form. Binary, EvtHandle and BinXML have none (MS-EVEN6 "Array Types"). */
export type ArrayItemKind = Exclude<ScalarKind, "binary" | "evtHandle">;

const TYPE_CODE: Readonly<Record<ScalarKind, number>> = {
  string: ValueType.String,
  ansiString: ValueType.AnsiString,
  int8: ValueType.Int8,
  uint8: ValueType.UInt8,
  int16: ValueType.Int16,
  uint16: ValueType.UInt16,
  int32: ValueType.Int32,
  uint32: ValueType.UInt32,
  int64: ValueType.Int64,
  uint64: ValueType.UInt64,
  real32: ValueType.Real32,
  real64: ValueType.Real64,
  bool: ValueType.Bool,
  binary: ValueType.Binary,
  guid: ValueType.Guid,
  sizeT: ValueType.SizeT,
  filetime: ValueType.FileTime,
  systemtime: ValueType.SystemTime,
  sid: ValueType.Sid,
  hex32: ValueType.HexInt32,
  hex64: ValueType.HexInt64,
  evtHandle: ValueType.EvtHandle,
};

/** Kind of a template slot: a scalar, an array (`"uint32[]"`), nested BinXML, or null. */
export type SlotKind = ScalarKind | `${ArrayItemKind}[]` | "binxml" | "null";

export type ScalarValue = {
  [K in ScalarKind]: {
    readonly kind: "scalar";
    readonly type: K;
    readonly value: ValueInputs[K];
    /** Byte width of size_t and EvtHandle values: 4 or 8. */
    readonly width?: 4 | 8;
  };
}[ScalarKind];

export type ArrayValue = {
  [K in ArrayItemKind]: {
    readonly kind: "array";
    readonly type: K;
    readonly items: readonly ValueInputs[K][];
    readonly width?: 4 | 8;
  };
}[ArrayItemKind];

/** BinXML carried as a value (type 0x21): tokens emitted by `build` at the value's place in the chunk. */
export interface BinXmlValue {
  readonly kind: "binxml";
  readonly build: (b: BinXmlBuilder) => void;
  /**
   * Whether open-start-element tokens outside template definitions carry the dependency identifier. Windows
   * omits it in BinXML values (CAPI2 logs, MS-EVEN6); template definitions inside always carry it.
   */
  readonly dependencyIds: boolean;
}

/** Any type byte and any bytes; `declaredSize` puts another size in the descriptor (for damaged data). */
export interface RawValue {
  readonly kind: "raw";
  readonly type: number;
  readonly bytes: Uint8Array;
  readonly declaredSize?: number;
}

export interface NullValue {
  readonly kind: "null";
}

export type EvtxValue = NullValue | ScalarValue | ArrayValue | BinXmlValue | RawValue;

const NULL_VALUE: NullValue = { kind: "null" };

function scalar<K extends ScalarKind>(type: K, value: ValueInputs[K], width?: 4 | 8): EvtxValue {
  return { kind: "scalar", type, value, width } as ScalarValue;
}

/** Constructors of typed values: `val.uint32(4688)`, `val.array("string", ["a", "b"])`, `val.binxml(b => …)`. */
export const val = {
  null: (): EvtxValue => NULL_VALUE,
  string: (v: string) => scalar("string", v),
  ansiString: (v: string) => scalar("ansiString", v),
  int8: (v: number) => scalar("int8", v),
  uint8: (v: number) => scalar("uint8", v),
  int16: (v: number) => scalar("int16", v),
  uint16: (v: number) => scalar("uint16", v),
  int32: (v: number) => scalar("int32", v),
  uint32: (v: number) => scalar("uint32", v),
  int64: (v: bigint | number) => scalar("int64", v),
  uint64: (v: bigint | number) => scalar("uint64", v),
  real32: (v: number) => scalar("real32", v),
  real64: (v: number) => scalar("real64", v),
  bool: (v: boolean | number) => scalar("bool", v),
  binary: (v: Uint8Array) => scalar("binary", v),
  guid: (v: string) => scalar("guid", v),
  sizeT: (v: bigint | number, width: 4 | 8 = 8) => scalar("sizeT", v, width),
  filetime: (v: TimeInput) => scalar("filetime", v),
  systemtime: (v: TimeInput | SystemTimeFields) => scalar("systemtime", v),
  sid: (v: string) => scalar("sid", v),
  hex32: (v: number) => scalar("hex32", v),
  hex64: (v: bigint | number) => scalar("hex64", v),
  evtHandle: (v: bigint | number, width: 4 | 8 = 8) => scalar("evtHandle", v, width),
  /** A scalar of a kind chosen at run time. */
  of: <K extends ScalarKind>(type: K, v: ValueInputs[K], width?: 4 | 8): EvtxValue => scalar(type, v, width),
  /** Array form (type | 0x80). */
  array: <K extends ArrayItemKind>(type: K, items: readonly ValueInputs[K][], width?: 4 | 8): EvtxValue =>
    ({ kind: "array", type, items, width }) as ArrayValue,
  /**
   * BinXML value built token by token, in the form Windows writes: elements without dependency identifiers
   * (except inside template definitions). `dependencyIds: true` writes them everywhere.
   */
  binxml: (build: (b: BinXmlBuilder) => void, options: { dependencyIds?: boolean } = {}): EvtxValue => ({
    kind: "binxml",
    build,
    dependencyIds: options.dependencyIds ?? false,
  }),
  raw: (type: number, bytes: Uint8Array, declaredSize?: number): EvtxValue => ({
    kind: "raw",
    type,
    bytes,
    declaredSize,
  }),
};

export function isEvtxValue(x: unknown): x is EvtxValue {
  if (typeof x !== "object" || x === null || x instanceof Date || x instanceof Uint8Array || Array.isArray(x)) {
    return false;
  }
  const kind = (x as { kind?: unknown }).kind;
  return kind === "null" || kind === "scalar" || kind === "array" || kind === "binxml" || kind === "raw";
}

/** The descriptor type byte of a value. */
export function valueTypeCode(v: EvtxValue): number {
  switch (v.kind) {
    case "null":
      return ValueType.Null;
    case "scalar":
      return TYPE_CODE[v.type];
    case "array":
      return TYPE_CODE[v.type] | ARRAY_FLAG;
    case "binxml":
      return ValueType.BinXml;
    case "raw":
      return v.type;
  }
}

/** The type byte a template's substitution token declares for a slot kind. */
export function slotTypeCode(kind: SlotKind): number {
  if (kind === "null") return ValueType.Null;
  if (kind === "binxml") return ValueType.BinXml;
  if (kind.endsWith("[]")) return TYPE_CODE[kind.slice(0, -2) as ArrayItemKind] | ARRAY_FLAG;
  return TYPE_CODE[kind as ScalarKind];
}

/**
 * A value for a slot of kind `kind` from plain input: null/undefined is a null value, an EvtxValue is taken as
 * it is, anything else is encoded as the slot's kind.
 */
export function coerceValue(kind: SlotKind, input: unknown): EvtxValue {
  if (input === null || input === undefined) return NULL_VALUE;
  if (isEvtxValue(input)) return input;
  if (kind === "null") throw new TypeError("a null slot takes no value");
  if (kind === "binxml") throw new TypeError("a binxml slot takes a val.binxml(…) value");
  if (kind.endsWith("[]")) {
    if (!Array.isArray(input)) throw new TypeError(`slot of kind ${kind} needs an array`);
    return { kind: "array", type: kind.slice(0, -2), items: input } as ArrayValue;
  }
  return { kind: "scalar", type: kind, value: input } as ScalarValue;
}

// ---- encoding -------------------------------------------------------------------------------------------------

/** FILETIME ticks (100 ns since 1601-01-01 UTC) of a time. */
export function toFileTime(t: TimeInput): bigint {
  if (typeof t === "bigint") return t;
  if (t instanceof Date) {
    const ms = t.getTime();
    if (Number.isNaN(ms)) throw new RangeError("invalid Date");
    return (BigInt(ms) + FILETIME_UNIX_OFFSET_SECONDS * 1000n) * 10000n;
  }
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,7}))?Z$/.exec(t);
  if (m === null) throw new RangeError(`not an ISO-8601 UTC time with up to 7 fraction digits: ${t}`);
  const seconds = Date.parse(`${m[1]}Z`);
  if (Number.isNaN(seconds)) throw new RangeError(`invalid time: ${t}`);
  const fraction = BigInt((m[2] ?? "").padEnd(7, "0"));
  return (BigInt(seconds / 1000) + FILETIME_UNIX_OFFSET_SECONDS) * TICKS_PER_SECOND + fraction;
}

function toSystemTime(t: TimeInput | SystemTimeFields): SystemTimeFields {
  if (typeof t === "object" && !(t instanceof Date)) return t;
  const ticks = toFileTime(t);
  const unixMs = Number(ticks / 10000n - FILETIME_UNIX_OFFSET_SECONDS * 1000n);
  const d = new Date(unixMs);
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    dayOfWeek: d.getUTCDay(),
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
    milliseconds: d.getUTCMilliseconds(),
  };
}

/** The 16 bytes of a GUID as stored: Data1-3 little-endian, Data4 as is. */
export function guidBytes(guid: string): Uint8Array {
  const m = /^\{?([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{12})\}?$/i.exec(guid);
  if (m === null) throw new RangeError(`not a GUID: ${guid}`);
  const out = new Uint8Array(16);
  const view = new DataView(out.buffer);
  view.setUint32(0, Number.parseInt(m[1], 16), true);
  view.setUint16(4, Number.parseInt(m[2], 16), true);
  view.setUint16(6, Number.parseInt(m[3], 16), true);
  out.set(Buffer.from(m[4] + m[5], "hex"), 8);
  return out;
}

/** SID bytes: revision, sub-authority count, 48-bit big-endian authority, little-endian 32-bit sub-authorities. */
export function sidBytes(sid: string): Uint8Array {
  const parts = sid.split("-");
  if (parts.length < 3 || parts[0].toUpperCase() !== "S") throw new RangeError(`not a SID: ${sid}`);
  const nums = parts.slice(1).map((p) => {
    if (!/^\d+$/.test(p)) throw new RangeError(`not a SID: ${sid}`);
    return BigInt(p);
  });
  const [revision, authority, ...subs] = nums;
  if (revision > 0xffn || authority >= 1n << 48n) throw new RangeError(`not a SID: ${sid}`);
  if (subs.length > 15) throw new RangeError(`SID with more than 15 sub-authorities: ${sid}`);
  const out = new Uint8Array(8 + 4 * subs.length);
  const view = new DataView(out.buffer);
  out[0] = Number(revision);
  out[1] = subs.length;
  for (let i = 0; i < 6; i++) out[2 + i] = Number((authority >> BigInt(8 * (5 - i))) & 0xffn);
  subs.forEach((s, i) => {
    if (s > 0xffffffffn) throw new RangeError(`SID sub-authority above 32 bits: ${sid}`);
    view.setUint32(8 + 4 * i, Number(s), true);
  });
  return out;
}

/** The JavaScript types each kind accepts; checked before writing, so a wrong input fails loudly. */
const ACCEPTS: Readonly<Record<ScalarKind, (v: unknown) => boolean>> = {
  string: (v) => typeof v === "string",
  ansiString: (v) => typeof v === "string",
  int8: Number.isInteger,
  uint8: Number.isInteger,
  int16: Number.isInteger,
  uint16: Number.isInteger,
  int32: Number.isInteger,
  uint32: Number.isInteger,
  int64: (v) => typeof v === "bigint" || Number.isInteger(v),
  uint64: (v) => typeof v === "bigint" || Number.isInteger(v),
  real32: (v) => typeof v === "number",
  real64: (v) => typeof v === "number",
  bool: (v) => typeof v === "boolean" || Number.isInteger(v),
  binary: (v) => v instanceof Uint8Array,
  guid: (v) => typeof v === "string",
  sizeT: (v) => typeof v === "bigint" || Number.isInteger(v),
  filetime: (v) => typeof v === "string" || typeof v === "bigint" || v instanceof Date,
  systemtime: (v) => typeof v === "string" || typeof v === "bigint" || (typeof v === "object" && v !== null),
  sid: (v) => typeof v === "string",
  hex32: Number.isInteger,
  hex64: (v) => typeof v === "bigint" || Number.isInteger(v),
  evtHandle: (v) => typeof v === "bigint" || Number.isInteger(v),
};

function writeScalar<K extends ScalarKind>(sink: ByteSink, type: K, value: ValueInputs[K], width: 4 | 8 = 8): void {
  const v = value as ValueInputs[ScalarKind];
  if (!ACCEPTS[type](v)) throw new TypeError(`${String(v)} (${typeof v}) is not a ${type} value`);
  switch (type as ScalarKind) {
    case "string":
      sink.utf16(v as string);
      return;
    case "ansiString":
      sink.bytes(Buffer.from(v as string, "latin1"));
      return;
    case "int8":
      sink.i8(v as number);
      return;
    case "uint8":
      sink.u8(v as number);
      return;
    case "int16":
      sink.i16(v as number);
      return;
    case "uint16":
      sink.u16(v as number);
      return;
    case "int32":
      sink.i32(v as number);
      return;
    case "uint32":
    case "hex32":
      sink.u32(v as number);
      return;
    case "int64":
      sink.i64(v as bigint | number);
      return;
    case "uint64":
    case "hex64":
      sink.u64(v as bigint | number);
      return;
    case "real32":
      sink.f32(v as number);
      return;
    case "real64":
      sink.f64(v as number);
      return;
    case "bool":
      if (typeof v === "boolean") sink.u32(v ? 1 : 0);
      else sink.u32(v as number);
      return;
    case "binary":
      sink.bytes(v as Uint8Array);
      return;
    case "guid":
      sink.bytes(guidBytes(v as string));
      return;
    case "sizeT":
    case "evtHandle":
      if (width === 4) sink.u32(Number(v));
      else sink.u64(v as bigint | number);
      return;
    case "filetime":
      sink.u64(toFileTime(v as TimeInput));
      return;
    case "systemtime": {
      const st = toSystemTime(v as TimeInput | SystemTimeFields);
      sink.u16(st.year).u16(st.month).u16(st.dayOfWeek).u16(st.day);
      sink.u16(st.hour).u16(st.minute).u16(st.second).u16(st.milliseconds);
      return;
    }
    case "sid":
      sink.bytes(sidBytes(v as string));
      return;
  }
}

/**
 * Write the data of a value at the sink's position. Nested BinXML is emitted by `nested`, which the BinXML
 * builder supplies (the value's names and templates are chunk offsets, known only at this point).
 */
export function writeValue(sink: ByteSink, value: EvtxValue, nested: (v: BinXmlValue, sink: ByteSink) => void): void {
  switch (value.kind) {
    case "null":
      return;
    case "scalar":
      writeScalar(sink, value.type, value.value, value.width);
      return;
    case "array":
      for (const item of value.items) {
        writeScalar(sink, value.type, item, value.width);
        // String array items each end with NUL (libyal "Value types", 0x81/0x82).
        if (value.type === "string") sink.u16(0);
        else if (value.type === "ansiString") sink.u8(0);
      }
      return;
    case "binxml":
      nested(value, sink);
      return;
    case "raw":
      sink.bytes(value.bytes);
      return;
  }
}
