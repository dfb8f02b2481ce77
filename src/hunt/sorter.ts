/**
 * Sorting a hunt's matches by time without holding them all: matches are kept in memory up to a count and a size;
 * past either, they are sorted and written to a temporary file (a run), and at the end the runs are merged. Matches
 * arrive in whatever order the workers finish files; outputs want time order. A merge reads every run it merges at
 * once, a block of each: past `fanIn` runs, runs are first merged into fewer, so that what the merge holds stays
 * bounded however many matches a hunt finds.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { type FileHandle, open, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DetectionDigest } from "../scope/incidents.js";
import type { Detection } from "./detection.js";
import { encodeDetection, encodedLengthBound, writeEncoding } from "./detection-codec.js";
import { compareQueued, type MatchKey, type QueuedMatch, withDetection } from "./match-batch.js";

const REPORT = 1;
const CONSUMED = 2;
/**
 * Timestamp and offset (f64, NaN for none), rule index (u32), flags (u8), then the byte lengths of the file, the
 * member and the digest's JSON text, which follow in that order.
 */
const KEY_FIXED = 8 + 8 + 4 + 1 + 4 + 4 + 4;

/** The most bytes a match's key takes in a sorted run, its digest's JSON text given (UTF-8: three bytes a unit at most). */
function keyLengthBound(key: MatchKey, digest: string): number {
  return KEY_FIXED + Buffer.byteLength(key.file) + Buffer.byteLength(key.member) + 3 * digest.length;
}

/**
 * A match's key written into `out` at `at`, by hand (a V8 serialization of a small object cost more than the
 * detection's own: two calls per match instead of one); `keyLengthBound` bytes are free there. Returns where it ends.
 */
function writeKey(key: MatchKey, digest: string, out: Buffer, at: number): number {
  out.writeDoubleLE(key.timestamp ?? Number.NaN, at);
  out.writeDoubleLE(key.offset ?? Number.NaN, at + 8);
  out.writeUInt32LE(key.ruleIndex, at + 16);
  out.writeUInt8((key.report ? REPORT : 0) | (key.consumed ? CONSUMED : 0), at + 20);
  const fileLength = out.write(key.file, at + KEY_FIXED, "utf8");
  const memberLength = out.write(key.member, at + KEY_FIXED + fileLength, "utf8");
  const digestLength = out.write(digest, at + KEY_FIXED + fileLength + memberLength, "utf8");
  out.writeUInt32LE(fileLength, at + 21);
  out.writeUInt32LE(memberLength, at + 25);
  out.writeUInt32LE(digestLength, at + 29);
  return at + KEY_FIXED + fileLength + memberLength + digestLength;
}

/** A match's key as bytes, as a sorted run holds it. */
export function encodeKey(key: MatchKey): Buffer {
  const digest = JSON.stringify(key.digest);
  const out = Buffer.allocUnsafe(keyLengthBound(key, digest));
  return out.subarray(0, writeKey(key, digest, out, 0));
}

export function decodeKey(bytes: Buffer): MatchKey {
  const timestamp = bytes.readDoubleLE(0);
  const offset = bytes.readDoubleLE(8);
  const flags = bytes.readUInt8(20);
  const fileEnd = KEY_FIXED + bytes.readUInt32LE(21);
  const memberEnd = fileEnd + bytes.readUInt32LE(25);
  const digestEnd = memberEnd + bytes.readUInt32LE(29);
  if (digestEnd !== bytes.length) throw new Error("a sorted run's key is damaged");
  return {
    timestamp: Number.isNaN(timestamp) ? null : timestamp,
    file: bytes.toString("utf8", KEY_FIXED, fileEnd),
    member: bytes.toString("utf8", fileEnd, memberEnd),
    offset: Number.isNaN(offset) ? null : offset,
    ruleIndex: bytes.readUInt32LE(16),
    report: (flags & REPORT) !== 0,
    consumed: (flags & CONSUMED) !== 0,
    digest: JSON.parse(bytes.toString("utf8", memberEnd, digestEnd)) as DetectionDigest,
  };
}

/**
 * About what a detection holds in memory: its bytes when it came from a worker; for one made in this thread, a share
 * for every field of its event and a byte for every character of its texts (log text is nearly all one-byte in V8;
 * text outside Latin-1 takes up to twice the estimate). The corpus's 6,009 detections are estimated at 1,861 bytes
 * each; dropped, they gave back 8.5 MiB of heap (1,483 bytes each): field names and rule details are shared.
 */
export function heldBytes(detection: Detection | Uint8Array | null): number {
  if (detection === null) return 0;
  if (detection instanceof Uint8Array) return detection.byteLength;
  let bytes = 256;
  const { event } = detection;
  for (const name in event) {
    const value = event[name];
    bytes += 16;
    if (typeof value === "string") bytes += 16 + value.length;
    else if (Array.isArray(value)) for (const v of value) bytes += 16 + (typeof v === "string" ? v.length : 0);
  }
  return bytes;
}

/** About what a match's digest holds in memory (see heldBytes): a share for each entity, and its detail texts. */
function digestBytes(digest: DetectionDigest): number {
  const { entities } = digest;
  let bytes = 128 + 64 * (entities.accounts.length + entities.sources.length + entities.targets.length);
  for (const k in digest.details) bytes += 32 + (digest.details[k]?.length ?? 0);
  return bytes;
}

export interface SorterLimits {
  /** Matches kept in memory before they go to a run (default 10,000). */
  readonly runSize?: number;
  /** Bytes of detections kept in memory before they go to a run (default 32 MiB): a few large events (script blocks of tens of KB) fill it before the count does. */
  readonly runBytes?: number;
  /** Runs merged at once (default 16), each read a block (1 MiB) at a time. */
  readonly fanIn?: number;
  /** Where the runs' folder is made (default the system's temporary folder). */
  readonly tempDir?: string;
}

export class MatchSorter {
  private buffer: QueuedMatch[] = [];
  private bufferBytes = 0;
  private runs: string[] = [];
  private written = 0;
  private dir: string | null = null;
  private pending: Promise<void> = Promise.resolve();
  /**
   * Why a run could not be written (no temporary folder, a full disk), kept for `sorted()` to throw: a rejection
   * left on `pending` until then ended the process as unhandled, past the caller's error handling.
   */
  private failure: Error | null = null;
  /** Cleaned up: runs still queued are dropped (written now, they would make a folder nobody removes). */
  private closed = false;
  private readonly runSize: number;
  private readonly runBytes: number;
  private readonly fanIn: number;
  private readonly tempDir: string;
  count = 0;

  constructor(limits: SorterLimits = {}) {
    this.runSize = limits.runSize ?? 10_000;
    this.runBytes = limits.runBytes ?? 32 * 2 ** 20;
    this.fanIn = Math.max(2, limits.fanIn ?? 16);
    this.tempDir = limits.tempDir ?? tmpdir();
  }

  /** Why a run could not be written, once one could not (`sorted()` then throws it). */
  get failed(): Error | null {
    return this.failure;
  }

  /** Runs on disk now (after `sorted()`, those its merge reads). */
  get runCount(): number {
    return this.runs.length;
  }

  add(m: QueuedMatch): void {
    this.buffer.push(m);
    this.bufferBytes += heldBytes(m.detection) + digestBytes(m.digest);
    this.count++;
    if (this.buffer.length >= this.runSize || this.bufferBytes >= this.runBytes) {
      const run = this.buffer;
      this.buffer = [];
      this.bufferBytes = 0;
      // Once a run has failed the hunt cannot be sorted: later runs are dropped rather than written or kept.
      this.pending = this.pending
        .then(() => {
          if (this.failure !== null || this.closed) return;
          run.sort(compareQueued);
          return this.writeRun(run);
        })
        .catch((e: unknown) => {
          const reason = e instanceof Error ? e.message : String(e);
          this.failure ??= new Error(`cannot write detections to sort in ${this.tempDir}: ${reason}`, { cause: e });
        });
    }
  }

  private newRunPath(): string {
    this.dir ??= mkdtempSync(join(this.tempDir, "vigil-sort-"));
    return join(this.dir, `run-${this.written++}.bin`);
  }

  /**
   * A run on disk: each match as its key (writeKey) and its detection's bytes (detection-codec), behind their two
   * 4-byte lengths (a line of JSON per match, read back through readline, cost more than the sort). `matches` come in
   * order. They are written into one block, written out each time it fills: a buffer of their own for every match
   * and every block left the collector a run's worth of dead memory outside the heap.
   */
  private async writeRun(matches: Iterable<QueuedMatch> | AsyncIterable<QueuedMatch>): Promise<void> {
    const path = this.newRunPath();
    this.runs.push(path);
    const out = await open(path, "w");
    try {
      let block = Buffer.allocUnsafeSlow(RUN_BLOCK);
      let size = 0;
      for await (const m of matches) {
        // A detection not kept has no body (an encoded one is never empty).
        const body =
          m.detection === null ? "" : m.detection instanceof Uint8Array ? m.detection : encodeDetection(m.detection);
        const digest = JSON.stringify(m.digest);
        // Room for the most the texts can take is made before they are written.
        const need = 8 + keyLengthBound(m, digest) + encodedLengthBound(body);
        if (size + need > block.length) {
          await writeFully(out, block, size);
          size = 0;
          if (need > block.length) block = Buffer.allocUnsafeSlow(need);
        }
        const keyEnd = writeKey(m, digest, block, size + 8);
        const bodyLength = writeEncoding(body, block, keyEnd);
        block.writeUInt32LE(keyEnd - size - 8, size);
        block.writeUInt32LE(bodyLength, size + 4);
        size = keyEnd + bodyLength;
      }
      await writeFully(out, block, size);
    } finally {
      await out.close();
    }
  }

  /**
   * Merges the oldest runs, `fanIn` at a time, into one each, until no more than `fanIn` are left: each pass reads
   * and writes every match once more, and only hunts with more than `fanIn` runs (160,000 matches and up) pay it.
   */
  private async compact(): Promise<void> {
    while (this.runs.length > this.fanIn) {
      const group = this.runs.slice(0, this.fanIn);
      this.runs = this.runs.slice(this.fanIn);
      await this.writeRun(mergeSorted(group.map((path) => readRun(path))));
      await Promise.all(group.map((path) => rm(path, { force: true })));
    }
  }

  /**
   * Every match added, in order; may be iterated again (the hunt reads it twice: correlations, then outputs). A
   * detection given as bytes may be a view of a read block: use it (detectionOfQueued) before asking for the next.
   */
  async *sorted(): AsyncGenerator<QueuedMatch> {
    await this.pending;
    if (this.failure !== null) throw this.failure;
    this.buffer.sort(compareQueued);
    if (this.runs.length === 0) {
      yield* this.buffer;
      return;
    }
    // The last batch stays in memory: one source more than `fanIn` at most.
    await this.compact();
    yield* mergeSorted([
      ...this.runs.map((path) => readRun(path)),
      (async function* (buffer: QueuedMatch[]) {
        yield* buffer;
      })(this.buffer),
    ]);
  }

  /** Removes the temporary runs; call once done with `sorted()`, or when the hunt fails. */
  cleanup(): void {
    this.closed = true;
    if (this.dir !== null) rmSync(this.dir, { recursive: true, force: true });
    this.dir = null;
  }
}

interface Head {
  readonly head: QueuedMatch;
  readonly source: AsyncIterator<QueuedMatch>;
}

/** Sources each in order, merged into one order through a binary heap of their current heads. */
async function* mergeSorted(sources: readonly AsyncIterator<QueuedMatch>[]): AsyncGenerator<QueuedMatch> {
  const heap: Head[] = [];
  const before = (i: number, j: number): boolean => compareQueued((heap[i] as Head).head, (heap[j] as Head).head) < 0;
  const push = (item: Head): void => {
    heap.push(item);
    let i = heap.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (compareQueued((heap[p] as Head).head, item.head) <= 0) break;
      heap[i] = heap[p] as Head;
      i = p;
    }
    heap[i] = item;
  };
  const pop = (): Head => {
    const top = heap[0] as Head;
    const last = heap.pop() as Head;
    if (heap.length === 0) return top;
    heap[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && before(l, m)) m = l;
      if (r < heap.length && before(r, m)) m = r;
      if (m === i) break;
      [heap[i], heap[m]] = [heap[m] as Head, heap[i] as Head];
      i = m;
    }
    return top;
  };
  for (const source of sources) {
    const first = await source.next();
    if (!first.done) push({ head: first.value, source });
  }
  while (heap.length > 0) {
    const top = pop();
    yield top.head;
    const next = await top.source.next();
    if (!next.done) push({ head: next.value, source: top.source });
  }
}

const RUN_BLOCK = 1 << 20;

async function writeFully(out: FileHandle, block: Buffer, size: number): Promise<void> {
  let done = 0;
  while (done < size) done += (await out.write(block, done, size - done)).bytesWritten;
}

/**
 * A run's matches in order. The file is read into one block, reused: a match's detection bytes are a view of it,
 * valid until the next match is asked for (the merge holds one match of each run, and takes the next only once the
 * last was used). A fresh block for every MiB read put 30-45 MiB of dead buffers outside the heap at the end of a
 * hunt of the corpus ten times over.
 */
async function* readRun(path: string): AsyncGenerator<QueuedMatch> {
  const handle = await open(path, "r");
  try {
    let block = Buffer.allocUnsafeSlow(RUN_BLOCK);
    let kept = 0;
    let position = 0;
    for (;;) {
      const { bytesRead } = await handle.read(block, kept, block.length - kept, position);
      if (bytesRead === 0) break;
      position += bytesRead;
      const length = kept + bytesRead;
      let at = 0;
      let next = 0;
      while (at + 8 <= length) {
        const headLength = block.readUInt32LE(at);
        next = at + 8 + headLength + block.readUInt32LE(at + 4);
        if (next > length) break;
        const key = decodeKey(block.subarray(at + 8, at + 8 + headLength));
        yield withDetection(key, next === at + 8 + headLength ? null : block.subarray(at + 8 + headLength, next));
        at = next;
      }
      // The start of a record the block ends in moves to the block's start; a record larger than the block, to a
      // block of its size.
      kept = length - at;
      if (next - at > block.length) {
        const larger = Buffer.allocUnsafeSlow(next - at);
        block.copy(larger, 0, at, length);
        block = larger;
      } else {
        block.copyWithin(0, at, length);
      }
    }
    if (kept > 0) throw new Error(`${path}: a sorted run ends inside a record`);
  } finally {
    await handle.close();
  }
}
