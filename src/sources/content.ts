/**
 * The bytes of one piece of evidence, whichever layer they come out of: a file on disk (which the EVTX and zip
 * readers can also read with random access) or a stream out of a decompressor. Its first bytes are read ahead so
 * the format can be told before anything else is read; everything after streams.
 */
import { closeSync, createReadStream, readSync } from "node:fs";
import { type FileHandle, mkdtemp, open, rm } from "node:fs/promises";
import { join } from "node:path";
import { openRegularFile } from "../io/regular-file.js";
import { asSourceError, SourceError } from "./errors.js";
import { decidedByMagic, HEAD_BYTES, MAGIC_BYTES } from "./format.js";

const READ_CHUNK = 1024 * 1024;

export interface Content {
  /** A path to read with random access; null for a stream. */
  readonly path: string | null;
  /** The first bytes (at least HEAD_BYTES unless the content is shorter or `error` cut it). */
  readonly head: Buffer;
  /** True when `head` is the whole content. */
  readonly complete: boolean;
  /** The error that ended the content while its head was read; `chunks()` throws it after the head. */
  readonly error: SourceError | null;
  /** The whole content from its first byte, once. A failure below surfaces as a SourceError. */
  chunks(): AsyncGenerator<Buffer>;
  /** Let go of the content without reading it (closes the stream it comes from). */
  discard(): Promise<void>;
}

/** A regular file on disk. Throws a SourceError when it cannot be opened or is no regular file. */
export async function fileContent(path: string): Promise<Content> {
  // Synchronous: a few microseconds for the head of a local file, where each awaited call waited on the thread pool.
  let fd: number | null = null;
  try {
    const opened = openRegularFile(path);
    fd = opened.fd;
    const { info } = opened;
    // The magic first, in a small buffer (Node's pool), then the rest of the head when the magic does not decide:
    // a 64 KiB buffer per file made the collector run for the memory outside the heap. Neither is zero-filled: only
    // the bytes read are handed on.
    const magic = Buffer.allocUnsafe(Math.min(MAGIC_BYTES, info.size));
    let head = magic.subarray(0, readInto(fd, magic, 0, magic.length));
    if (head.length === magic.length && info.size > magic.length && !decidedByMagic(head)) {
      const longer = Buffer.allocUnsafe(Math.min(HEAD_BYTES, info.size));
      head.copy(longer);
      head = longer.subarray(0, readInto(fd, longer, head.length, longer.length));
    }
    return {
      path,
      head,
      complete: head.length >= info.size,
      error: null,
      chunks: () => fileChunks(path),
      discard: async () => undefined,
    };
  } catch (e) {
    throw asSourceError(e);
  } finally {
    if (fd !== null) closeSync(fd);
  }
}

/** Reads `head[from..to)` from the same place in the file, as far as the file goes; returns where the bytes end. */
function readInto(fd: number, head: Buffer, from: number, to: number): number {
  let filled = from;
  while (filled < to) {
    const bytesRead = readSync(fd, head, filled, to - filled, filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return filled;
}

async function* fileChunks(path: string): AsyncGenerator<Buffer> {
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: READ_CHUNK })) yield chunk as Buffer;
  } catch (e) {
    throw asSourceError(e);
  }
}

/** A stream (out of a decompressor), its head read ahead. An error while reading the head is kept, not thrown. */
export async function streamContent(source: AsyncIterable<Buffer>): Promise<Content> {
  const it = source[Symbol.asyncIterator]();
  const parts: Buffer[] = [];
  let length = 0;
  let ended = false;
  let error: SourceError | null = null;
  try {
    while (length < HEAD_BYTES) {
      const next = await it.next();
      if (next.done) {
        ended = true;
        break;
      }
      parts.push(next.value);
      length += next.value.length;
    }
  } catch (e) {
    error = asSourceError(e);
    ended = true;
  }
  const head = parts.length === 1 ? parts[0] : Buffer.concat(parts);
  let taken = false;
  return {
    path: null,
    head,
    complete: ended,
    error,
    async *chunks() {
      if (taken) throw new Error("content read twice");
      taken = true;
      let finished = ended;
      try {
        if (head.length > 0) yield head;
        if (error !== null) throw error;
        while (!finished) {
          const next = await it.next().catch((e: unknown) => {
            finished = true;
            throw asSourceError(e);
          });
          if (next.done) finished = true;
          else yield next.value;
        }
      } finally {
        if (!finished) await it.return?.();
      }
    },
    async discard() {
      if (!taken && !ended) {
        taken = true;
        await it.return?.();
      }
    },
  };
}

/** At most `max` bytes of `source`; past them a size-limit SourceError (the bytes before it are all yielded). */
export async function* limitBytes(source: AsyncIterable<Buffer>, max: number, what: string): AsyncGenerator<Buffer> {
  let total = 0;
  for await (const chunk of source) {
    if (total + chunk.length > max) {
      if (max > total) yield chunk.subarray(0, max - total);
      throw new SourceError("size-limit", `${what} decompresses to more than ${max} bytes: the rest is not read`);
    }
    total += chunk.length;
    yield chunk;
  }
}

/** Content made whole for a reader that needs random access: in memory, or in a temporary file. */
export interface WholeContent {
  readonly bytes: Buffer | null;
  readonly path: string | null;
  readonly length: number;
  /** The error that ended the content early; what came before it is in `bytes`/`path`. */
  readonly error: SourceError | null;
  /** Removes the temporary file, if any. */
  release(): Promise<void>;
}

/**
 * Read a stream to its end (or to its error): up to `inMemory` bytes in memory, past that into a file in a new
 * temporary folder under `tempDir`, written as it arrives so memory stays bounded.
 */
export async function makeWhole(content: Content, inMemory: number, tempDir: string): Promise<WholeContent> {
  const parts: Buffer[] = [];
  let length = 0;
  let spill: { readonly folder: string; readonly handle: FileHandle } | null = null;
  let error: SourceError | null = null;
  try {
    for await (const chunk of content.chunks()) {
      length += chunk.length;
      if (spill === null && length <= inMemory) {
        parts.push(chunk);
        continue;
      }
      if (spill === null) {
        const folder = await mkdtemp(join(tempDir, "vigil-"));
        const handle = await open(join(folder, "content"), "w").catch(async (e: unknown) => {
          await rm(folder, { recursive: true, force: true });
          throw e;
        });
        spill = { folder, handle };
        for (const part of parts.splice(0)) await spill.handle.write(part);
      }
      await spill.handle.write(chunk);
    }
  } catch (e) {
    // A failure to write the temporary file ends the content too.
    error = asSourceError(e);
  }
  if (spill === null) {
    return { bytes: Buffer.concat(parts), path: null, length, error, release: async () => undefined };
  }
  const { folder, handle } = spill;
  await handle.close().catch(() => undefined);
  return {
    bytes: null,
    path: join(folder, "content"),
    length,
    error,
    release: () => rm(folder, { recursive: true, force: true }),
  };
}
