/**
 * BinXML value types (libyal "Value types") and their decoding into the JSON conventions of evtx_dump:
 * integers and booleans bare, hex/size_t as unpadded lowercase "0x…", GUIDs uppercase without braces,
 * binary as uppercase hex, FILETIME/SYSTEMTIME as ISO-8601 with microseconds.
 */
import type { FieldValue } from "../types.js";

export const ValueType = {
  Null: 0x00,
  String: 0x01,
  AnsiString: 0x02,
  Int8: 0x03,
  UInt8: 0x04,
  Int16: 0x05,
  UInt16: 0x06,
  Int32: 0x07,
  UInt32: 0x08,
  Int64: 0x09,
  UInt64: 0x0a,
  Real32: 0x0b,
  Real64: 0x0c,
  Bool: 0x0d,
  Binary: 0x0e,
  Guid: 0x0f,
  SizeT: 0x10,
  FileTime: 0x11,
  SystemTime: 0x12,
  Sid: 0x13,
  HexInt32: 0x14,
  HexInt64: 0x15,
  EvtHandle: 0x20,
  BinXml: 0x21,
  EvtXml: 0x23,
} as const;

/** Array form of a type: the base type with this bit set. */
export const ARRAY_FLAG = 0x80;

const FIXED_SIZE: Readonly<Record<number, number>> = {
  [ValueType.Int8]: 1,
  [ValueType.UInt8]: 1,
  [ValueType.Int16]: 2,
  [ValueType.UInt16]: 2,
  [ValueType.Int32]: 4,
  [ValueType.UInt32]: 4,
  [ValueType.Int64]: 8,
  [ValueType.UInt64]: 8,
  [ValueType.Real32]: 4,
  [ValueType.Real64]: 8,
  [ValueType.Bool]: 4,
  [ValueType.Guid]: 16,
  [ValueType.FileTime]: 8,
  [ValueType.SystemTime]: 16,
  [ValueType.HexInt32]: 4,
  [ValueType.HexInt64]: 8,
};

/** Seconds between 1601-01-01 and 1970-01-01. */
const FILETIME_EPOCH_SECONDS = 11644473600;
const TWO_32 = 4294967296;

/**
 * Texts shorter than this are made from their code units in JavaScript, quicker than Buffer's native decoding for so
 * few. All at once, from one array per length used again: appended one by one, a text of 13 characters or more became
 * a rope of pieces (V8's cons strings), which the first reader of its characters (a hash, a scan) had to copy flat.
 */
const SHORT_TEXT = 24;
const SHORT_CODES: number[][] = Array.from({ length: SHORT_TEXT }, (_, n) => new Array<number>(n).fill(0));

/** A view of a chunk with the readers every layer needs. Little-endian throughout. */
export class ByteView {
  readonly bytes: Buffer;
  readonly view: DataView;

  constructor(bytes: Uint8Array) {
    this.bytes = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.view = new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength);
  }

  get length(): number {
    return this.bytes.length;
  }

  u8(o: number): number {
    return this.bytes[o];
  }
  u16(o: number): number {
    return this.view.getUint16(o, true);
  }
  u32(o: number): number {
    return this.view.getUint32(o, true);
  }
  /** Unsigned 64-bit as a number when exact, as a bigint above 2^53. */
  u64(o: number): number | bigint {
    const lo = this.view.getUint32(o, true);
    const hi = this.view.getUint32(o + 4, true);
    if (hi < 0x200000) return hi * TWO_32 + lo;
    return this.view.getBigUint64(o, true);
  }
  /** UTF-16LE text of `chars` code units; lone surrogates are kept as they are. */
  utf16(o: number, chars: number): string {
    if (chars <= 0) return "";
    if (chars < SHORT_TEXT) {
      const codes = SHORT_CODES[chars] as number[];
      const b = this.bytes;
      for (let i = 0; i < chars; i++) codes[i] = (b[o + 2 * i] as number) | ((b[o + 2 * i + 1] as number) << 8);
      return String.fromCharCode(...codes);
    }
    return this.bytes.toString("utf16le", o, o + 2 * chars);
  }
}

/** Decoding failure of a value: the caller turns it into record damage. */
export class ValueError extends Error {}

function trimNuls(s: string): string {
  let end = s.length;
  while (end > 0 && s.charCodeAt(end - 1) === 0) end--;
  return end === s.length ? s : s.slice(0, end);
}

function hex(n: number | bigint): string {
  return `0x${n.toString(16)}`;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, "0");
}

/** FILETIME (100 ns ticks since 1601) as `YYYY-MM-DDTHH:MM:SS.ffffffZ`, exact to the microsecond (truncated). */
export function formatFileTime(lo: number, hi: number): string {
  // ticks = hi * 2^32 + lo, and 2^32 = 429 * 1e7 + 4967296: split so every product stays below 2^53.
  const rest = hi * 4967296 + lo;
  let seconds: number;
  let ticks: number;
  if (rest <= Number.MAX_SAFE_INTEGER) {
    seconds = hi * 429 + Math.floor(rest / 1e7);
    ticks = rest % 1e7;
  } else {
    const big = (BigInt(hi) << 32n) | BigInt(lo);
    seconds = Number(big / 10000000n);
    ticks = Number(big % 10000000n);
  }
  return formatUnixSeconds(seconds - FILETIME_EPOCH_SECONDS, Math.floor(ticks / 10));
}

// Consecutive records mostly fall in the same second: keep the last second's formatted prefix, as character codes
// with room for the microseconds and the `Z`.
let cachedSecond = Number.NaN;
let cachedCodes: number[] = [];

/**
 * Made as one string from character codes: joined from the prefix and the microseconds, every event's time was a
 * chain of strings that reading it as a time (and the matcher's scan) then had to flatten into a copy.
 */
function formatUnixSeconds(unixSeconds: number, micros: number): string {
  if (unixSeconds !== cachedSecond) {
    const d = new Date(unixSeconds * 1000);
    if (Number.isNaN(d.getTime())) return `invalid-time(${unixSeconds})`;
    const iso = d.toISOString(); // YYYY-MM-DDTHH:MM:SS.000Z (or ±YYYYYY-… out of range)
    const prefix = iso.length - 4;
    cachedSecond = unixSeconds;
    // Written into the same array (most records of a sparse log are in a second of their own).
    if (cachedCodes.length !== prefix + 7) cachedCodes = new Array<number>(prefix + 7).fill(48);
    for (let i = 0; i < prefix; i++) cachedCodes[i] = iso.charCodeAt(i);
    cachedCodes[prefix + 6] = 90; // Z
  }
  const codes = cachedCodes;
  let rest = micros;
  for (let i = codes.length - 2; i >= codes.length - 7; i--) {
    codes[i] = 48 + (rest % 10);
    rest = Math.floor(rest / 10);
  }
  return String.fromCharCode.apply(null, codes);
}

export function formatSystemTime(v: ByteView, o: number): string {
  const year = v.u16(o);
  const month = v.u16(o + 2);
  const day = v.u16(o + 6);
  const hour = v.u16(o + 8);
  const minute = v.u16(o + 10);
  const second = v.u16(o + 12);
  const ms = v.u16(o + 14);
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}T${pad(hour, 2)}:${pad(minute, 2)}:${pad(second, 2)}.${pad(ms * 1000, 6)}Z`;
}

const HEX_UPPER: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).toUpperCase().padStart(2, "0"));

/** Below this many bytes, hex is joined from the table; from it, Node's hex encoder (and an upper-casing) is quicker. */
const NATIVE_HEX_FROM = 8;

function hexBytes(v: ByteView, o: number, n: number): string {
  if (n >= NATIVE_HEX_FROM) return v.bytes.toString("hex", o, o + n).toUpperCase();
  let s = "";
  for (let i = 0; i < n; i++) s += HEX_UPPER[v.bytes[o + i] as number];
  return s;
}

/** The GUID's bytes in the order it is written (the first three groups little-endian); -1 for a hyphen. */
const GUID_ORDER = [3, 2, 1, 0, -1, 5, 4, -1, 7, 6, -1, 8, 9, -1, 10, 11, 12, 13, 14, 15];
const GUID_CODES = new Array<number>(36).fill(0);
/** The two character codes of each byte's upper-case hex, at 2 * byte. */
const HEX_CODES = Uint16Array.from(HEX_UPPER.flatMap((pair) => [pair.charCodeAt(0), pair.charCodeAt(1)]));

/**
 * GUID as evtx_dump prints it: `5770385F-C22A-43E0-BF4C-06F5698FFBD9` (the first three groups little-endian). Made
 * as one string from its character codes: joined from 20 pieces, it was a chain the matcher then had to flatten,
 * 89 MB of the 1.35 GB a read of the corpus three times over allocates.
 */
export function formatGuid(v: ByteView, o: number): string {
  const b = v.bytes;
  if (o < 0 || o + 16 > b.length) throw new ValueError(`GUID at ${o} runs past the chunk`);
  let k = 0;
  for (const i of GUID_ORDER) {
    if (i < 0) {
      GUID_CODES[k++] = 45; // -
      continue;
    }
    const x = b[o + i] as number;
    GUID_CODES[k++] = HEX_CODES[2 * x] as number;
    GUID_CODES[k++] = HEX_CODES[2 * x + 1] as number;
  }
  return String.fromCharCode.apply(null, GUID_CODES);
}

/** SID `S-R-A-S1-S2…`; a SID cut short keeps the sub-authorities that are complete. */
export function formatSid(v: ByteView, o: number, size: number): string {
  if (size < 8) throw new ValueError(`SID of ${size} bytes is too short`);
  const revision = v.u8(o);
  const count = v.u8(o + 1);
  // The identifier authority is a 48-bit big-endian number.
  let authority = 0;
  for (let i = 2; i < 8; i++) authority = authority * 256 + v.u8(o + i);
  let s = `S-${revision}-${authority}`;
  const available = Math.min(count, Math.floor((size - 8) / 4));
  for (let i = 0; i < available; i++) s += `-${v.u32(o + 8 + 4 * i)}`;
  return s;
}

function ansi(v: ByteView, o: number, size: number): string {
  return trimNuls(v.bytes.toString("latin1", o, o + size));
}

function real32(v: ByteView, o: number): number {
  return v.view.getFloat32(o, true);
}

/** Decode one non-array scalar of a fixed-size type at `o`. */
function scalar(v: ByteView, type: number, o: number, size: number): FieldValue {
  switch (type) {
    case ValueType.Int8:
      return v.view.getInt8(o);
    case ValueType.UInt8:
      return v.u8(o);
    case ValueType.Int16:
      return v.view.getInt16(o, true);
    case ValueType.UInt16:
      return v.u16(o);
    case ValueType.Int32:
      return v.view.getInt32(o, true);
    case ValueType.UInt32:
      return v.u32(o);
    case ValueType.Int64: {
      const n = v.view.getBigInt64(o, true);
      return n >= -9007199254740991n && n <= 9007199254740991n ? Number(n) : n;
    }
    case ValueType.UInt64:
      return v.u64(o);
    case ValueType.Real32:
      return real32(v, o);
    case ValueType.Real64:
      return v.view.getFloat64(o, true);
    case ValueType.Bool:
      // Any non-zero value is true (sample-with-irregular-bool-values.evtx has others than 1).
      return size >= 4 ? v.u32(o) !== 0 : size > 0 && v.u8(o) !== 0;
    case ValueType.Guid:
      return formatGuid(v, o);
    case ValueType.SizeT:
      return hex(size === 8 ? v.u64(o) : v.u32(o));
    case ValueType.FileTime:
      return formatFileTime(v.u32(o), v.u32(o + 4));
    case ValueType.SystemTime:
      return formatSystemTime(v, o);
    case ValueType.HexInt32:
      return hex(v.u32(o));
    case ValueType.HexInt64:
      return hex(v.u64(o));
    default:
      throw new ValueError(`value type 0x${type.toString(16)} has no scalar form`);
  }
}

function elementSize(type: number, size: number): number {
  if (type === ValueType.SizeT) return size % 8 === 0 && size > 0 ? 8 : 4;
  return FIXED_SIZE[type] ?? 0;
}

/**
 * Decode a substitution value of `type` occupying `size` bytes at `o`. BinXML (0x21) is not handled here: the
 * caller parses it as a fragment.
 */
export function decodeValue(v: ByteView, type: number, o: number, size: number): FieldValue {
  if (o < 0 || o + size > v.length) throw new ValueError(`value of ${size} bytes at ${o} runs past the chunk`);
  if (type & ARRAY_FLAG) return decodeArray(v, type & 0x7f, o, size);
  switch (type) {
    case ValueType.Null:
      return null;
    case ValueType.String:
      return trimNuls(v.utf16(o, size >>> 1));
    case ValueType.AnsiString:
      return ansi(v, o, size);
    case ValueType.Binary:
    case ValueType.EvtXml:
      return hexBytes(v, o, size);
    case ValueType.Sid:
      return formatSid(v, o, size);
    case ValueType.SizeT:
      if (size !== 4 && size !== 8) throw new ValueError(`size_t of ${size} bytes`);
      return scalar(v, type, o, size);
    case ValueType.EvtHandle:
      return size === 8 ? v.u64(o) : size === 4 ? v.u32(o) : hexBytes(v, o, size);
    case ValueType.Bool:
      return scalar(v, type, o, size);
    default: {
      const need = FIXED_SIZE[type];
      if (need === undefined) throw new ValueError(`unknown value type 0x${type.toString(16)}`);
      if (size < need) throw new ValueError(`value type 0x${type.toString(16)} needs ${need} bytes, has ${size}`);
      return scalar(v, type, o, size);
    }
  }
}

function decodeArray(v: ByteView, type: number, o: number, size: number): FieldValue[] {
  if (type === ValueType.String) {
    // NUL-separated UTF-16 strings; a final terminator does not start another element.
    const text = v.utf16(o, size >>> 1);
    const parts = text.split("\u0000");
    if (parts.length > 1 && parts[parts.length - 1] === "") parts.pop();
    return parts;
  }
  if (type === ValueType.AnsiString) {
    const parts = v.bytes.toString("latin1", o, o + size).split("\u0000");
    if (parts.length > 1 && parts[parts.length - 1] === "") parts.pop();
    return parts;
  }
  if (type === ValueType.Sid) {
    const out: FieldValue[] = [];
    let p = o;
    while (p + 8 <= o + size) {
      const n = 8 + 4 * v.u8(p + 1);
      out.push(formatSid(v, p, Math.min(n, o + size - p)));
      p += n;
    }
    return out;
  }
  const step = elementSize(type, size);
  if (step === 0) throw new ValueError(`array of value type 0x${type.toString(16)} is not supported`);
  const out: FieldValue[] = [];
  for (let p = o; p + step <= o + size; p += step) out.push(scalar(v, type, p, step));
  return out;
}

/** Size in bytes of a value that appears inline in a Value token (0x05): strings carry a length prefix. */
export function inlineValue(v: ByteView, type: number, o: number): { value: FieldValue; size: number } {
  if (type === ValueType.String) {
    const chars = v.u16(o);
    return { value: v.utf16(o + 2, chars), size: 2 + 2 * chars };
  }
  const fixed = FIXED_SIZE[type];
  if (fixed !== undefined) return { value: scalar(v, type, o, fixed), size: fixed };
  throw new ValueError(`value token of type 0x${type.toString(16)} is not supported`);
}

/** Text form of a value for XML and for concatenated element text. */
export function valueText(value: FieldValue): string {
  if (value === null) return "";
  if (Array.isArray(value)) return value.map(valueText).join(",");
  return String(value);
}
