/**
 * Telling a piece of evidence's format from its first bytes, never its name: evidence is renamed, exported with the
 * wrong extension, or nested in archives whose member names say nothing.
 */
import type { SourceProblemKind } from "./types.js";

/** Bytes read before deciding: enough for every magic and for the first line of a JSONL file. */
export const HEAD_BYTES = 64 * 1024;

/**
 * Bytes read first from a file on disk: enough for the magics of EVTX, zip and gzip, which decide alone (see
 * `decidedByMagic`); only other content has the rest of HEAD_BYTES read.
 */
export const MAGIC_BYTES = 16;

export type Detected =
  | { readonly format: "evtx" | "zip" | "gzip" | "json" | "jsonl" | "empty" }
  | { readonly format: "unknown"; readonly kind: SourceProblemKind; readonly reason: string };

/** EVTX file header magic; a file that lost its header may still start with a chunk (the reader scans for them). */
const EVTX_FILE_MAGIC = Buffer.from("ElfFile\0", "latin1");
const EVTX_CHUNK_MAGIC = Buffer.from("ElfChnk\0", "latin1");
/** Zip local file header, empty archive (end of central directory first), spanned-archive marker (APPNOTE 8.5.3). */
const ZIP_MAGICS = [
  Buffer.from("PK\x03\x04", "latin1"),
  Buffer.from("PK\x05\x06", "latin1"),
  Buffer.from("PK\x07\x08", "latin1"),
];
/** gzip member header with the deflate method (RFC 1952 §2.3.1). */
const GZIP_MAGIC = Buffer.from([0x1f, 0x8b, 0x08]);

/** Formats met in evidence folders that Vigil does not read, named so the problem says what to do. */
const OTHER_FORMATS: readonly (readonly [Buffer, number, string])[] = [
  [Buffer.from("7z\xbc\xaf\x27\x1c", "latin1"), 0, "a 7-Zip archive: extract it first"],
  [Buffer.from("Rar!\x1a\x07", "latin1"), 0, "a RAR archive: extract it first"],
  [Buffer.from("BZh", "latin1"), 0, "bzip2-compressed: decompress it first"],
  [Buffer.from("\xfd7zXZ\0", "latin1"), 0, "xz-compressed: decompress it first"],
  [Buffer.from([0x28, 0xb5, 0x2f, 0xfd]), 0, "zstd-compressed: decompress it first"],
  [Buffer.from("ustar", "latin1"), 257, "a tar archive: extract it first"],
  [Buffer.from("LfLe", "latin1"), 4, "a legacy EVT log (Windows XP/2003): convert it to EVTX first"],
  [Buffer.from([0xff, 0xfe]), 0, "UTF-16 text (PowerShell's default encoding): convert it to UTF-8 first"],
  [Buffer.from([0xfe, 0xff]), 0, "UTF-16 text: convert it to UTF-8 first"],
];

const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf]);

function startsWith(head: Uint8Array, magic: Uint8Array, at = 0): boolean {
  if (head.length < at + magic.length) return false;
  for (let i = 0; i < magic.length; i++) if (head[at + i] !== magic[i]) return false;
  return true;
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/** The format `head`'s magic alone decides (EVTX, zip, gzip), or null when more of the content must be looked at. */
function magicFormat(head: Uint8Array): "evtx" | "zip" | "gzip" | null {
  if (startsWith(head, EVTX_FILE_MAGIC) || startsWith(head, EVTX_CHUNK_MAGIC)) return "evtx";
  if (ZIP_MAGICS.some((m) => startsWith(head, m))) return "zip";
  if (startsWith(head, GZIP_MAGIC)) return "gzip";
  return null;
}

/**
 * Whether `head` starts with the magic of a format `detectFormat` decides on from that magic alone, so that more of
 * the head would change nothing. Those readers read a file on disk from its path: the head is only looked at, and
 * most evidence files are EVTX logs of a chunk or two, read twice over when 64 KiB of each was read ahead as well.
 */
export function decidedByMagic(head: Uint8Array): boolean {
  return magicFormat(head) !== null;
}

/**
 * The format of content that starts with `head`. `complete` says whether `head` is the whole content (a JSONL file
 * shorter than one line has no newline to look for).
 */
export function detectFormat(head: Uint8Array, complete: boolean): Detected {
  const byMagic = magicFormat(head);
  if (byMagic !== null) return { format: byMagic };
  for (const [magic, at, what] of OTHER_FORMATS) {
    if (startsWith(head, magic, at)) return { format: "unknown", kind: "unsupported", reason: `${what}` };
  }
  let i = startsWith(head, UTF8_BOM) ? UTF8_BOM.length : 0;
  while (i < head.length && isSpace(head[i])) i++;
  if (i === head.length) return { format: "empty" };
  const first = head[i];
  if (first === 0x7b /* { */ || first === 0x5b /* [ */) {
    // JSON text has no NUL bytes; UTF-16 without a byte-order mark has one after every ASCII character.
    if (head.subarray(i, i + 1024).includes(0)) {
      return {
        format: "unknown",
        kind: "unsupported",
        reason: "JSON-like text with NUL bytes (UTF-16 without a byte-order mark?): convert it to UTF-8 first",
      };
    }
    if (first === 0x5b) return { format: "json" };
    return { format: isOneObjectLine(head, i, complete) ? "jsonl" : "json" };
  }
  return {
    format: "unknown",
    kind: "unknown-format",
    reason: `not EVTX, gzip, zip or JSON (starts with ${describe(head, i)})`,
  };
}

/**
 * JSONL when the first line holds one whole object; pretty-printed JSON opens with a line of `{` alone. A first
 * line longer than the head is read as JSON (the JSON reader handles one long line as well).
 */
function isOneObjectLine(head: Uint8Array, start: number, complete: boolean): boolean {
  let end = head.indexOf(0x0a, start);
  if (end === -1) {
    if (!complete) return false;
    end = head.length;
  }
  const line = Buffer.from(head.buffer, head.byteOffset + start, end - start)
    .toString("utf8")
    .trim();
  if (!line.endsWith("}")) return false;
  try {
    const value: unknown = JSON.parse(line);
    return value !== null && typeof value === "object" && !Array.isArray(value);
  } catch {
    return false;
  }
}

/** The first bytes, as text when they are printable, else as hex. */
function describe(head: Uint8Array, start: number): string {
  const bytes = head.subarray(start, start + 8);
  const printable = bytes.every((c) => c >= 0x20 && c < 0x7f);
  if (printable) return JSON.stringify(Buffer.from(bytes).toString("latin1"));
  return Array.from(bytes, (c) => c.toString(16).padStart(2, "0")).join(" ");
}
