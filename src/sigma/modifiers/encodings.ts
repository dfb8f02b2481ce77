/**
 * Encoding modifiers: base64, base64offset, utf16le/wide, utf16be, utf16. Values are encoded first (UTF-16 variants
 * give bytes), then base64 turns bytes (or the UTF-8 of a string) into text. Encoded values hold no wildcards.
 */
import { Buffer } from "node:buffer";

/** A value between modifiers: text, or bytes produced by a UTF-16 modifier and not yet base64-encoded. */
export type Encodable =
  | { readonly kind: "text"; readonly text: string }
  | { readonly kind: "bytes"; readonly bytes: Buffer };

export function toBytes(v: Encodable): Buffer {
  return v.kind === "bytes" ? v.bytes : Buffer.from(v.text, "utf8");
}

export function utf16le(text: string): Buffer {
  return Buffer.from(text, "utf16le");
}

export function utf16be(text: string): Buffer {
  const b = Buffer.from(text, "utf16le");
  b.swap16();
  return b;
}

/** UTF-16 with a byte order mark: little-endian, `FF FE` first (as the spec's example). */
export function utf16bom(text: string): Buffer {
  return Buffer.concat([Buffer.from([0xff, 0xfe]), utf16le(text)]);
}

export function base64(bytes: Buffer): string {
  return bytes.toString("base64");
}

/**
 * The three base64 forms of `bytes` when it sits at offset 0, 1 or 2 (mod 3) inside a longer encoded string: the
 * characters that depend on the unknown neighbouring bytes are cut off, leaving the stable middle.
 */
export function base64offset(bytes: Buffer): string[] {
  const startCut = [0, 2, 3];
  const endCut = [0, 3, 2];
  const out: string[] = [];
  for (let shift = 0; shift < 3; shift++) {
    const encoded = Buffer.concat([Buffer.alloc(shift, 0x20), bytes]).toString("base64");
    const cut = endCut[(bytes.length + shift) % 3];
    out.push(encoded.slice(startCut[shift], encoded.length - cut));
  }
  return out;
}

/** Bytes as a text of code units 0–255 (latin1), for comparing encoded-but-not-base64 values with field text. */
export function bytesAsText(bytes: Buffer): string {
  return bytes.toString("latin1");
}
