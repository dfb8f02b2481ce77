/**
 * Reading whole files: from a buffer (tests, small inputs) or streamed chunk by chunk from disk, in bounded memory,
 * optionally decoding chunks on worker threads.
 */
import { closeSync, readSync, statSync } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import { openRegularFile, openRegularFileHandle } from "../io/regular-file.js";
import { CHUNK_SIZE, Chunk, type ChunkReadResult } from "./chunk.js";
import { addStats, damage, emptyStats } from "./damage.js";
import { FILE_HEADER_BLOCK_SIZE } from "./file-header.js";
import { alignedPlacement, type ChunkBlock, findChunkMagic, layoutFromHeader, worthReading } from "./layout.js";
import type { LazyBlock } from "./parallel/pool.js";
import type { ReadBuffers } from "./read-buffers.js";
import type { ChunkRange, Damage, EvtxRecord, ReadOptions, ReadStats, StreamOptions } from "./types.js";

export interface BufferReadResult {
  readonly records: EvtxRecord[];
  readonly damage: Damage[];
  readonly stats: ReadStats;
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function notEvtx(file: string): Damage {
  return damage(file, null, 0, "not-evtx", "no EVTX file header or chunk found: not an EVTX file");
}

/** Every chunk block of an in-memory file, in file order. */
export function* bufferBlocks(
  bytes: Uint8Array,
  file: string,
  recover: boolean,
  problems: Damage[],
): Generator<ChunkBlock> {
  const buf = asBuffer(bytes);
  const layout = layoutFromHeader(buf.subarray(0, FILE_HEADER_BLOCK_SIZE), buf.length, file);
  problems.push(...layout.damage);
  let found = 0;
  if (layout.mode === "aligned") {
    for (let k = 0; FILE_HEADER_BLOCK_SIZE + k * CHUNK_SIZE < buf.length; k++) {
      const placement = alignedPlacement(k, layout, recover);
      if (placement === null) break;
      const block = { ...placement, bytes: buf.subarray(placement.fileOffset, placement.fileOffset + CHUNK_SIZE) };
      if (!worthReading(block)) continue;
      found++;
      yield block;
    }
    return;
  }
  if (recover) {
    for (const fileOffset of findChunkMagic(buf, 0)) {
      yield { index: found++, fileOffset, declared: false, bytes: buf.subarray(fileOffset, fileOffset + CHUNK_SIZE) };
    }
  }
  if (found === 0) problems.push(notEvtx(file));
}

/** Read a whole in-memory EVTX file. */
export function readEvtxBuffer(bytes: Uint8Array, options: ReadOptions = {}): BufferReadResult {
  const file = options.file ?? "<buffer>";
  const recover = options.recover ?? true;
  const problems: Damage[] = [];
  const records: EvtxRecord[] = [];
  const stats = emptyStats();
  for (const block of bufferBlocks(bytes, file, recover, problems)) {
    const result = new Chunk(block.bytes, block).read({ file, recover });
    records.push(...result.records);
    problems.push(...result.damage);
    addStats(stats, result.stats);
  }
  stats.bytes = bytes.length;
  for (const d of problems) options.onDamage?.(d);
  return { records, damage: problems, stats };
}

const SCAN_WINDOW = 4 * 1024 * 1024;
/**
 * Files up to this size are read whole, synchronously, in one call: most evidence files are small, and a hunt spent
 * more time waiting on the thread pool's round trips (open, stat, read, close, each awaited) than reading.
 */
const SMALL_FILE = 8 * 1024 * 1024;
const CHUNKS_PER_READ = 16;

/**
 * Every chunk block of a file on disk, read one at a time. File-level problems go to `problems` as they are found.
 */
export function fileBlocks(
  path: string,
  file: string,
  recover: boolean,
  problems: Damage[],
  range: ChunkRange = WHOLE_FILE,
  buffers?: ReadBuffers,
): AsyncGenerator<ChunkBlock> {
  return fileBlocksOf(path, file, recover, problems, false, range, buffers) as AsyncGenerator<ChunkBlock>;
}

const WHOLE_FILE: ChunkRange = { first: 0, end: Number.POSITIVE_INFINITY };

/** The bytes of a file a part covers: its chunks, and the file header block for the first part. */
function rangeBytes(range: ChunkRange, size: number): number {
  const from = range.first === 0 ? 0 : FILE_HEADER_BLOCK_SIZE + range.first * CHUNK_SIZE;
  const to = Math.min(size, FILE_HEADER_BLOCK_SIZE + range.end * CHUNK_SIZE);
  return Math.max(0, to - from);
}

/**
 * The blocks of a file; with `lazy`, aligned chunks come without their bytes (null) for a worker to read itself,
 * and the check for empty preallocated space is the worker's too. With `buffers` (not lazy), a block's bytes are
 * valid until the next block of another window is asked for.
 */
export async function* fileBlocksOf(
  path: string,
  file: string,
  recover: boolean,
  problems: Damage[],
  lazy: boolean,
  range: ChunkRange = WHOLE_FILE,
  buffers?: ReadBuffers,
): AsyncGenerator<LazyBlock> {
  const owner = {};
  const reuse = !lazy && buffers?.claim(owner) === true ? buffers : undefined;
  try {
    yield* blocksOf(path, file, recover, problems, lazy, range, reuse);
  } finally {
    reuse?.release(owner);
  }
}

async function* blocksOf(
  path: string,
  file: string,
  recover: boolean,
  problems: Damage[],
  lazy: boolean,
  range: ChunkRange,
  buffers: ReadBuffers | undefined,
): AsyncGenerator<LazyBlock> {
  if (!lazy && range.first === 0 && range.end === Number.POSITIVE_INFINITY) {
    const small = readSmallFile(path, buffers);
    if (small !== null) {
      yield* bufferBlocks(small, file, recover, problems);
      return;
    }
  }
  const { handle, info } = await openRegularFileHandle(path);
  const { size } = info;
  // A read-ahead still running when iteration stops early must settle before the handle closes.
  let readAhead: Promise<unknown> | null = null;
  try {
    const head = Buffer.alloc(Math.min(FILE_HEADER_BLOCK_SIZE, size));
    await handle.read(head, 0, head.length, 0);
    const layout = layoutFromHeader(head, size, file);
    if (range.first > 0 && layout.mode !== "aligned") return;
    if (range.first === 0) problems.push(...layout.damage);
    const readAt = async (offset: number, length: number): Promise<Buffer> => {
      const buf = Buffer.allocUnsafe(Math.max(0, Math.min(length, size - offset)));
      let done = 0;
      while (done < buf.length) {
        const { bytesRead } = await handle.read(buf, done, buf.length - done, offset + done);
        if (bytesRead === 0) break;
        done += bytesRead;
      }
      return done === buf.length ? buf : buf.subarray(0, done);
    };
    if (layout.mode === "aligned") {
      // Read several chunks per call (one 64 KiB read at a time spent more time waiting than decoding), each into a
      // buffer of its own so a worker can take it without a copy.
      let window: Buffer[] = [];
      let windowStart = 0;
      let next: Promise<Buffer[]> | null = null;
      let nextStart = -1;
      // With reused buffers, windows alternate between two: one decoded while the next is read into the other.
      let windowCount = 0;
      const into = (): Buffer | undefined => buffers?.window(windowCount++ % 2, CHUNKS_PER_READ * CHUNK_SIZE);
      for (let k = range.first; k < range.end && FILE_HEADER_BLOCK_SIZE + k * CHUNK_SIZE < size; k++) {
        const placement = alignedPlacement(k, layout, recover);
        if (placement === null) break;
        if (lazy) {
          yield { ...placement, bytes: null };
          continue;
        }
        let slot = (placement.fileOffset - windowStart) / CHUNK_SIZE;
        if (slot >= window.length) {
          windowStart = placement.fileOffset;
          // A read-ahead of another place is not used; it must end before its buffer is read into again.
          if (next !== null && nextStart !== windowStart) await next.catch(() => undefined);
          window = await (next !== null && nextStart === windowStart
            ? next
            : readChunksAt(handle, windowStart, size, into()));
          slot = 0;
          // Read ahead: the next window loads while this one is decoded. Two windows in memory at most.
          nextStart = windowStart + window.length * CHUNK_SIZE;
          next = nextStart < size && window.length > 0 ? readChunksAt(handle, nextStart, size, into()) : null;
          // Marked handled now; a failure still surfaces when the window is awaited.
          next?.catch(() => undefined);
          readAhead = next;
        }
        const block = { ...placement, bytes: window[slot] };
        if (worthReading(block)) yield block;
      }
      return;
    }
    let found = 0;
    if (recover) {
      // Search overlapping windows so a magic straddling two windows is still seen; chunks may overlap nothing.
      let nextFree = 0;
      for (let start = 0; start < size; start += SCAN_WINDOW) {
        const window = await readAt(start, SCAN_WINDOW + 7);
        for (const fileOffset of findChunkMagic(window, start)) {
          if (fileOffset < nextFree || fileOffset >= start + SCAN_WINDOW) continue;
          yield { index: found++, fileOffset, declared: false, bytes: await readAt(fileOffset, CHUNK_SIZE) };
          nextFree = fileOffset + 8;
        }
      }
    }
    if (found === 0) problems.push(notEvtx(file));
  } finally {
    await readAhead?.catch(() => undefined);
    await handle.close();
  }
}

/** The whole file when it is at most SMALL_FILE bytes, else null. */
function readSmallFile(path: string, buffers: ReadBuffers | undefined): Buffer | null {
  const { fd, info } = openRegularFile(path);
  try {
    const { size } = info;
    if (size > SMALL_FILE) return null;
    const buf = buffers === undefined ? Buffer.allocUnsafe(size) : buffers.forFile(size);
    let done = 0;
    while (done < size) {
      const n = readSync(fd, buf, done, size - done, done);
      if (n === 0) break;
      done += n;
    }
    return done === size ? buf : buf.subarray(0, done);
  } finally {
    closeSync(fd);
  }
}

/**
 * Up to CHUNKS_PER_READ chunk-sized blocks from `offset`, in one vectored read; the last may be short. Each block is
 * a buffer of its own (a worker can take it without a copy), or a slice of `into`.
 */
async function readChunksAt(handle: FileHandle, offset: number, size: number, into?: Buffer): Promise<Buffer[]> {
  const count = Math.min(CHUNKS_PER_READ, Math.ceil((size - offset) / CHUNK_SIZE));
  const buffers = Array.from({ length: count }, (_, i) =>
    into === undefined ? Buffer.allocUnsafeSlow(CHUNK_SIZE) : into.subarray(i * CHUNK_SIZE, (i + 1) * CHUNK_SIZE),
  );
  let done = 0;
  const want = Math.min(count * CHUNK_SIZE, size - offset);
  while (done < want) {
    const rest = buffers.flatMap((b, i) => {
      const start = i * CHUNK_SIZE;
      if (start + CHUNK_SIZE <= done) return [];
      return [b.subarray(Math.max(0, done - start))];
    });
    const { bytesRead } = await handle.readv(rest, offset + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  // Blocks past what was read are dropped; a short last block is cut to its length.
  const full = Math.floor(done / CHUNK_SIZE);
  const out = buffers.slice(0, full);
  if (done % CHUNK_SIZE > 0) out.push(buffers[full].subarray(0, done % CHUNK_SIZE));
  return out;
}

/**
 * Records of one file, streamed one by one or (`batches()`, a chunk's records at a time) faster; read once, either
 * way. `stats` and `damage` are complete once iteration ends; `damage` stays empty when `onDamage` is given.
 */
export interface EvtxFileReader extends AsyncIterable<EvtxRecord> {
  readonly stats: ReadStats;
  readonly damage: Damage[];
  batches(): AsyncIterable<readonly EvtxRecord[]>;
}

/**
 * Stream the records of an EVTX file in file order. With `threads` above 1 chunks are decoded on worker threads and
 * the records carry their fields already decoded.
 */
export function readEvtxFile(path: string, options: StreamOptions = {}): EvtxFileReader {
  const file = options.file ?? path;
  const recover = options.recover ?? true;
  const range = options.chunks ?? WHOLE_FILE;
  const stats = emptyStats();
  const problems: Damage[] = [];
  // With a callback, problems go to it as they are found and are not also kept: a file damaged throughout would keep
  // one for every record.
  const report =
    options.onDamage ??
    ((d: Damage): void => {
      problems.push(d);
    });
  return {
    stats,
    damage: problems,
    async *[Symbol.asyncIterator]() {
      for await (const records of batches()) yield* records;
    },
    batches,
  };

  async function* batches(): AsyncGenerator<readonly EvtxRecord[]> {
    const fileProblems: Damage[] = [];
    const flushFileProblems = (): void => {
      for (const d of fileProblems.splice(0)) report(d);
    };
    const threads = options.threads ?? 1;
    if (threads > 1) {
      const { decodeChunksInWorkers } = await import("./parallel/pool.js");
      for await (const result of decodeChunksInWorkers(fileBlocks(path, file, recover, fileProblems, range), {
        file,
        recover,
        threads,
      })) {
        flushFileProblems();
        yield take(result);
      }
    } else {
      for await (const block of fileBlocks(path, file, recover, fileProblems, range, options.buffers)) {
        flushFileProblems();
        yield take(new Chunk(block.bytes, block).read({ file, recover }));
      }
    }
    flushFileProblems();
    stats.bytes = rangeBytes(range, statSync(path).size);
  }

  function take(
    result: Pick<ChunkReadResult, "damage" | "stats"> & { records: readonly EvtxRecord[] },
  ): readonly EvtxRecord[] {
    for (const d of result.damage) report(d);
    const bytes = stats.bytes;
    addStats(stats, result.stats);
    stats.bytes = bytes;
    return result.records;
  }
}
