/**
 * JSON written straight into a growing byte buffer. The jsonl path of `vigil dump` renders every record; building
 * JavaScript strings for each value and piece and encoding them again at the end was most of its cost.
 */
import type { FieldValue, JsonValue } from "../types.js";
import { stringifyJson } from "./json.js";

/** Characters JSON must escape, and lone surrogates (which JSON.stringify escapes and UTF-8 cannot carry). */
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

export class JsonByteWriter {
  private buf: Buffer;
  private pos = 0;

  constructor(initial = 1 << 16) {
    this.buf = Buffer.allocUnsafeSlow(initial);
  }

  get length(): number {
    return this.pos;
  }

  /** Forget everything written after `length` (a record that had to be rendered another way). */
  truncate(length: number): void {
    this.pos = length;
  }

  private ensure(extra: number): void {
    if (this.pos + extra <= this.buf.length) return;
    const next = Buffer.allocUnsafeSlow(Math.max(this.buf.length * 2, this.pos + extra));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  bytes(b: Uint8Array): void {
    const n = b.length;
    this.ensure(n);
    if (n < 48) {
      // Most pieces between values are a few bytes: a loop beats the native call's overhead.
      const buf = this.buf;
      const p = this.pos;
      for (let i = 0; i < n; i++) buf[p + i] = b[i];
    } else {
      this.buf.set(b, this.pos);
    }
    this.pos += n;
  }

  /** Raw text, already valid JSON. */
  text(s: string): void {
    this.ensure(3 * s.length);
    this.pos += this.buf.write(s, this.pos, "utf8");
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }

  /** Text known to be ASCII and to need no escaping (numbers, hex, GUIDs, times, SIDs). */
  ascii(s: string, quotes: boolean): void {
    this.ensure(s.length + 2);
    const buf = this.buf;
    let p = this.pos;
    if (quotes) buf[p++] = 0x22;
    for (let i = 0; i < s.length; i++) buf[p++] = s.charCodeAt(i);
    if (quotes) buf[p++] = 0x22;
    this.pos = p;
  }

  /** A JSON string literal. */
  string(s: string): void {
    if (NEEDS_ESCAPE.test(s)) {
      this.text(JSON.stringify(s));
      return;
    }
    this.ensure(3 * s.length + 2);
    this.buf[this.pos++] = 0x22;
    this.pos += this.buf.write(s, this.pos, "utf8");
    this.buf[this.pos++] = 0x22;
  }

  /**
   * A JSON string straight from UTF-16LE bytes (an EVTX string value), trailing NULs dropped: the same text
   * JSON.stringify would give for the decoded string, without decoding it into a JavaScript string first.
   */
  utf16String(src: Uint8Array, offset: number, units: number, quotes: boolean): void {
    while (units > 0 && src[offset + 2 * units - 2] === 0 && src[offset + 2 * units - 1] === 0) units--;
    this.ensure(6 * units + 2);
    const buf = this.buf;
    let p = this.pos;
    if (quotes) buf[p++] = 0x22;
    const end = offset + 2 * units;
    for (let i = offset; i < end; i += 2) {
      const c = src[i] | (src[i + 1] << 8);
      if (c < 0x80) {
        if (c >= 0x20 && c !== 0x22 && c !== 0x5c) buf[p++] = c;
        else p = writeEscape(buf, p, c);
      } else if (c < 0x800) {
        buf[p++] = 0xc0 | (c >> 6);
        buf[p++] = 0x80 | (c & 0x3f);
      } else if (c >= 0xd800 && c <= 0xdfff) {
        const next = i + 3 < end ? src[i + 2] | (src[i + 3] << 8) : 0;
        if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
          const cp = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
          buf[p++] = 0xf0 | (cp >> 18);
          buf[p++] = 0x80 | ((cp >> 12) & 0x3f);
          buf[p++] = 0x80 | ((cp >> 6) & 0x3f);
          buf[p++] = 0x80 | (cp & 0x3f);
          i += 2;
        } else {
          p = writeUnicodeEscape(buf, p, c); // a lone surrogate, escaped as JSON.stringify does
        }
      } else {
        buf[p++] = 0xe0 | (c >> 12);
        buf[p++] = 0x80 | ((c >> 6) & 0x3f);
        buf[p++] = 0x80 | (c & 0x3f);
      }
    }
    if (quotes) buf[p++] = 0x22;
    this.pos = p;
  }

  /** A string's escaped content without the quotes (a part of a longer string). */
  stringContent(s: string): void {
    if (NEEDS_ESCAPE.test(s)) this.text(JSON.stringify(s).slice(1, -1));
    else this.text(s);
  }

  value(v: FieldValue): void {
    switch (typeof v) {
      case "string":
        this.string(v);
        return;
      case "number":
        this.ascii(Number.isFinite(v) ? String(v) : "null", false);
        return;
      case "boolean":
        this.ascii(v ? "true" : "false", false);
        return;
      case "bigint":
        this.ascii(v.toString(), false);
        return;
      default:
        this.text(v === null ? "null" : stringifyJson(v as JsonValue));
    }
  }

  /** The text written, decoded from UTF-8. */
  toString(): string {
    return this.buf.toString("utf8", 0, this.pos);
  }

  /**
   * The bytes written, copied into pages of at most PAGE_SIZE bytes each in a buffer of its own; the writer keeps its
   * buffer and starts over. Large buffers are mapped and unmapped by the allocator each time, which serialises
   * threads on the kernel's memory lock (measured: two workers allocating 256 KiB buffers ran no faster than one),
   * so threads hand over small pages and keep one big buffer each.
   */
  takePages(): Buffer[] {
    const pages: Buffer[] = [];
    for (let at = 0; at < this.pos; at += PAGE_SIZE) {
      const end = Math.min(this.pos, at + PAGE_SIZE);
      const page = Buffer.allocUnsafeSlow(end - at);
      this.buf.copy(page, 0, at, end);
      pages.push(page);
    }
    this.pos = 0;
    return pages;
  }
}

/** Below glibc's default mmap threshold (128 KiB), so pages come from the thread's malloc arena. */
export const PAGE_SIZE = 0xfff0;

const HEX = "0123456789abcdef";

function writeUnicodeEscape(buf: Buffer, p: number, c: number): number {
  buf[p++] = 0x5c;
  buf[p++] = 0x75;
  buf[p++] = HEX.charCodeAt((c >> 12) & 15);
  buf[p++] = HEX.charCodeAt((c >> 8) & 15);
  buf[p++] = HEX.charCodeAt((c >> 4) & 15);
  buf[p++] = HEX.charCodeAt(c & 15);
  return p;
}

/** JSON.stringify's escapes for ASCII: the short forms where JSON has them, else \u00XX. */
function writeEscape(buf: Buffer, p: number, c: number): number {
  let short = 0;
  switch (c) {
    case 0x22:
      short = 0x22;
      break;
    case 0x5c:
      short = 0x5c;
      break;
    case 0x08:
      short = 0x62;
      break;
    case 0x0c:
      short = 0x66;
      break;
    case 0x0a:
      short = 0x6e;
      break;
    case 0x0d:
      short = 0x72;
      break;
    case 0x09:
      short = 0x74;
      break;
  }
  if (short === 0) return writeUnicodeEscape(buf, p, c);
  buf[p++] = 0x5c;
  buf[p++] = short;
  return p;
}
