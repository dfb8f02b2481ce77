/**
 * JSON text split into records as it streams, with the byte offset and line of each, in bounded memory: JSONL by
 * lines (a line is a record, so one broken line never spoils the next), and everything else (one object, one array
 * of objects, objects one after another, pretty-printed or not) by tracking nesting and strings, the streaming
 * counterpart of parseConcatenatedJson. A record longer than the cap is skipped while its end is still tracked.
 */
import type { JsonValue } from "../evtx/types.js";

export type JsonRecord =
  | { readonly kind: "value"; readonly offset: number; readonly line: number; readonly value: JsonValue }
  | {
      /** bad-json and record-too-large stand for a skipped record; truncated for an unclosed top-level array. */
      readonly kind: "bad-json" | "record-too-large" | "truncated";
      readonly offset: number;
      readonly line: number;
      readonly reason: string;
    };

/** Bytes consumed so far, for the caller's counts and for the offset of an error that ends the stream. */
export interface JsonProgress {
  bytes: number;
}

const NEWLINE = 0x0a;
const UTF8_BOM = [0xef, 0xbb, 0xbf];

function parse(parts: readonly Buffer[], offset: number, line: number): JsonRecord {
  const text = (parts.length === 1 ? parts[0] : Buffer.concat(parts)).toString("utf8");
  try {
    return { kind: "value", offset, line, value: JSON.parse(text) as JsonValue };
  } catch (e) {
    return { kind: "bad-json", offset, line, reason: (e as Error).message };
  }
}

function tooLarge(offset: number, line: number, length: number, max: number, what: string): JsonRecord {
  return {
    kind: "record-too-large",
    offset,
    line,
    reason: `${what} of ${length} bytes is longer than ${max}: skipped`,
  };
}

/** Steps over a UTF-8 byte-order mark at the start of the text, even when chunks cut through it. */
class ByteOrderMark {
  private matched = 0;
  private done = false;

  /** Where the text proper starts in `chunk`. */
  skip(chunk: Buffer): number {
    if (this.done) return 0;
    let i = 0;
    while (i < chunk.length && this.matched < UTF8_BOM.length && chunk[i] === UTF8_BOM[this.matched]) {
      i++;
      this.matched++;
    }
    if (this.matched === UTF8_BOM.length || i < chunk.length) this.done = true;
    return i;
  }
}

/**
 * One record per line; blank lines are not records. A stream error is thrown after the line cut short by it has
 * been yielded (as bad JSON, unless it happens to parse).
 */
export async function* jsonLines(
  chunks: AsyncIterable<Buffer>,
  maxRecordBytes: number,
  progress: JsonProgress,
): AsyncGenerator<JsonRecord> {
  let parts: Buffer[] = [];
  let length = 0;
  let blank = true;
  let lineStart = 0;
  let line = 1;
  const bom = new ByteOrderMark();
  const finish = (): JsonRecord | null => {
    if (blank) return null;
    if (length > maxRecordBytes) return tooLarge(lineStart, line, length, maxRecordBytes, "line");
    return parse(parts, lineStart, line);
  };
  const reset = (): void => {
    parts = [];
    length = 0;
    blank = true;
  };
  const add = (piece: Buffer): void => {
    if (blank && piece.some((c) => c !== 0x20 && c !== 0x09 && c !== 0x0d)) blank = false;
    length += piece.length;
    if (length <= maxRecordBytes) parts.push(piece);
    else parts = [];
  };
  try {
    for await (const chunk of chunks) {
      const base = progress.bytes;
      let pos = bom.skip(chunk);
      if (pos > 0) lineStart = base + pos; // past the byte-order mark
      while (pos < chunk.length) {
        const nl = chunk.indexOf(NEWLINE, pos);
        if (nl === -1) {
          add(chunk.subarray(pos));
          break;
        }
        add(chunk.subarray(pos, nl));
        const record = finish();
        if (record !== null) yield record;
        reset();
        lineStart = base + nl + 1;
        line++;
        pos = nl + 1;
      }
      progress.bytes += chunk.length;
    }
  } catch (e) {
    const record = finish();
    if (record !== null) yield record;
    throw e;
  }
  const record = finish();
  if (record !== null) yield record;
}

/** Where the splitter is between records. */
enum At {
  Top, // between top-level values
  Array, // inside the top-level array, between its elements
}

/**
 * Records of JSON text: each top-level object, each element of a top-level array, and any other top-level text
 * (a number, a word, garbage) up to the next line or value, which then parses as a value that is no event, or
 * fails. A stream error is thrown after the record it cut short has been yielded as bad JSON.
 */
export async function* jsonValues(
  chunks: AsyncIterable<Buffer>,
  maxRecordBytes: number,
  progress: JsonProgress,
): AsyncGenerator<JsonRecord> {
  let at = At.Top;
  let arrayOffset = 0;
  let arrayLine = 0;
  // The record being read: structured (depth > 0) or loose text (inLoose).
  let depth = 0;
  let inLoose = false;
  let inString = false;
  let escaped = false;
  let start = 0;
  let startLine = 0;
  let line = 1;
  let parts: Buffer[] = [];
  let length = 0;
  const bom = new ByteOrderMark();
  const inRecord = (): boolean => depth > 0 || inLoose;
  const take = (chunk: Buffer, from: number, to: number): void => {
    length += to - from;
    if (length <= maxRecordBytes) parts.push(chunk.subarray(from, to));
    else parts = [];
  };
  const reset = (): void => {
    parts = [];
    length = 0;
    depth = 0;
    inLoose = false;
    inString = false;
    escaped = false;
  };
  const finish = (what: string): JsonRecord => {
    const record =
      length > maxRecordBytes
        ? tooLarge(start, startLine, length, maxRecordBytes, what)
        : parse(parts, start, startLine);
    reset();
    return record;
  };
  const cutShort = (): JsonRecord => {
    reset();
    return { kind: "bad-json", offset: start, line: startLine, reason: "the content ends inside this value" };
  };
  try {
    for await (const chunk of chunks) {
      const base = progress.bytes;
      let i = bom.skip(chunk);
      // Start of the part of the current record inside this chunk.
      let from = i;
      for (; i < chunk.length; i++) {
        const c = chunk[i];
        if (c === NEWLINE) line++;
        if (depth > 0) {
          if (inString) {
            if (escaped) escaped = false;
            else if (c === 0x5c) escaped = true;
            else if (c === 0x22) inString = false;
          } else if (c === 0x22) inString = true;
          else if (c === 0x7b || c === 0x5b) depth++;
          else if (c === 0x7d || c === 0x5d) {
            depth--;
            if (depth === 0) {
              take(chunk, from, i + 1);
              yield finish("value");
            }
          }
          continue;
        }
        if (inLoose) {
          // Loose text runs to a line end, a value, or (in the array) the next element; quoted text is one piece.
          if (inString) {
            if (escaped) escaped = false;
            else if (c === 0x5c) escaped = true;
            else if (c === 0x22) inString = false;
            continue;
          }
          if (c === 0x22) {
            inString = true;
            continue;
          }
          const ends = c === NEWLINE || c === 0x7b || c === 0x5b || (at === At.Array && (c === 0x2c || c === 0x5d));
          if (!ends) continue;
          take(chunk, from, i);
          yield finish("text");
          // The byte that ended it is looked at again, between records.
        }
        if (c === 0x20 || c === 0x09 || c === 0x0d || c === NEWLINE) continue;
        if (at === At.Top && c === 0x5b) {
          at = At.Array;
          arrayOffset = base + i;
          arrayLine = line;
          continue;
        }
        if (at === At.Array && c === 0x2c) continue;
        if (at === At.Array && c === 0x5d) {
          at = At.Top;
          continue;
        }
        start = base + i;
        startLine = line;
        from = i;
        if (c === 0x7b || c === 0x5b) depth = 1;
        else {
          inLoose = true;
          inString = c === 0x22;
        }
      }
      if (inRecord()) take(chunk, from, chunk.length);
      progress.bytes += chunk.length;
    }
  } catch (e) {
    if (depth > 0) yield cutShort();
    else if (inLoose) yield finish("text");
    throw e;
  }
  if (depth > 0) yield cutShort();
  else if (inLoose) yield finish("text");
  if (at === At.Array) {
    yield { kind: "truncated", offset: arrayOffset, line: arrayLine, reason: "the top-level array is never closed" };
  }
}
