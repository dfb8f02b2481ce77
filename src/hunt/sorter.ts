/**
 * Sorting a hunt's matches by time without holding them all: matches are kept in memory up to a count and a size;
 * past either, they are sorted and written to a temporary file (a run), and at the end the runs are merged. Matches
 * arrive in whatever order the workers finish files; outputs want time order. A merge reads every run it merges at
 * once, a block of each: past `fanIn` runs, runs are first merged into fewer, so that what the merge holds stays
 * bounded however many matches a hunt finds.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { open, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Detection } from "./detection.js";
import { compareQueued, detectionBytes, type MatchKey, type QueuedMatch, withDetection } from "./match-batch.js";

const REPORT = 1;
const CONSUMED = 2;
/** Timestamp and offset (f64, NaN for none), rule index (u32), flags (u8), then the two strings' byte lengths. */
const KEY_FIXED = 8 + 8 + 4 + 1 + 4 + 4;

/**
 * A match's key as bytes, for a sorted run: written by hand, as a V8 serialization of a small object cost more than
 * the detection's own (two calls per match instead of one).
 */
export function encodeKey(key: MatchKey): Buffer {
  const fileLength = Buffer.byteLength(key.file);
  const memberLength = Buffer.byteLength(key.member);
  const out = Buffer.allocUnsafe(KEY_FIXED + fileLength + memberLength);
  out.writeDoubleLE(key.timestamp ?? Number.NaN, 0);
  out.writeDoubleLE(key.offset ?? Number.NaN, 8);
  out.writeUInt32LE(key.ruleIndex, 16);
  out.writeUInt8((key.report ? REPORT : 0) | (key.consumed ? CONSUMED : 0), 20);
  out.writeUInt32LE(fileLength, 21);
  out.writeUInt32LE(memberLength, 25);
  out.write(key.file, KEY_FIXED, "utf8");
  out.write(key.member, KEY_FIXED + fileLength, "utf8");
  return out;
}

export function decodeKey(bytes: Buffer): MatchKey {
  const timestamp = bytes.readDoubleLE(0);
  const offset = bytes.readDoubleLE(8);
  const flags = bytes.readUInt8(20);
  const fileEnd = KEY_FIXED + bytes.readUInt32LE(21);
  const memberEnd = fileEnd + bytes.readUInt32LE(25);
  if (memberEnd !== bytes.length) throw new Error("a sorted run's key is damaged");
  return {
    timestamp: Number.isNaN(timestamp) ? null : timestamp,
    file: bytes.toString("utf8", KEY_FIXED, fileEnd),
    member: bytes.toString("utf8", fileEnd, memberEnd),
    offset: Number.isNaN(offset) ? null : offset,
    ruleIndex: bytes.readUInt32LE(16),
    report: (flags & REPORT) !== 0,
    consumed: (flags & CONSUMED) !== 0,
  };
}

/**
 * About what a detection holds in memory: its bytes when it came from a worker; for one made in this thread, a share
 * for every field of its event and a byte for every character of its texts (log text is nearly all one-byte in V8;
 * text outside Latin-1 takes up to twice the estimate). The corpus's 6,009 detections are estimated at 1,861 bytes
 * each; dropped, they gave back 8.5 MiB of heap (1,483 bytes each): field names and rule details are shared.
 */
export function heldBytes(detection: Detection | Uint8Array): number {
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

  /** Runs on disk now (after `sorted()`, those its merge reads). */
  get runCount(): number {
    return this.runs.length;
  }

  add(m: QueuedMatch): void {
    this.buffer.push(m);
    this.bufferBytes += heldBytes(m.detection);
    this.count++;
    if (this.buffer.length >= this.runSize || this.bufferBytes >= this.runBytes) {
      const run = this.buffer;
      this.buffer = [];
      this.bufferBytes = 0;
      this.pending = this.pending.then(() => {
        run.sort(compareQueued);
        return this.writeRun(run);
      });
    }
  }

  private newRunPath(): string {
    this.dir ??= mkdtempSync(join(this.tempDir, "vigil-sort-"));
    return join(this.dir, `run-${this.written++}.bin`);
  }

  /**
   * A run on disk: each match as its key (encodeKey) and its detection's V8 serialization, behind their two 4-byte
   * lengths, written in blocks of about a MiB (a line of JSON per match, read back through readline, cost more than
   * the sort). `matches` come in order.
   */
  private async writeRun(matches: Iterable<QueuedMatch> | AsyncIterable<QueuedMatch>): Promise<void> {
    const path = this.newRunPath();
    this.runs.push(path);
    const out = await open(path, "w");
    try {
      let parts: Uint8Array[] = [];
      let size = 0;
      for await (const m of matches) {
        const head = encodeKey(m);
        const body = detectionBytes(m);
        const lengths = Buffer.allocUnsafe(8);
        lengths.writeUInt32LE(head.length, 0);
        lengths.writeUInt32LE(body.length, 4);
        parts.push(lengths, head, body);
        size += 8 + head.length + body.length;
        if (size >= RUN_BLOCK) {
          await out.writev(parts);
          parts = [];
          size = 0;
        }
      }
      if (parts.length > 0) await out.writev(parts);
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

  /** Every match added, in order; may be iterated again (the hunt reads it twice: correlations, then outputs). */
  async *sorted(): AsyncGenerator<QueuedMatch> {
    await this.pending;
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

  /** Removes the temporary runs; call once done with `sorted()`. */
  cleanup(): void {
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

async function* readRun(path: string): AsyncGenerator<QueuedMatch> {
  const handle = await open(path, "r");
  try {
    let pending = Buffer.alloc(0);
    let position = 0;
    for (;;) {
      // The unread tail of the last block (part of one record) goes first, and the file is read in after it: joining
      // the two afterwards copied every block a second time (Buffer.concat: 98 ms in a profile of the last 1.6 s of
      // a corpus x10 hunt).
      const block = Buffer.allocUnsafe(pending.length + RUN_BLOCK);
      pending.copy(block, 0);
      const { bytesRead } = await handle.read(block, pending.length, RUN_BLOCK, position);
      if (bytesRead === 0) break;
      position += bytesRead;
      let data = block.subarray(0, pending.length + bytesRead);
      let at = 0;
      while (at + 8 <= data.length) {
        const headLength = data.readUInt32LE(at);
        const bodyLength = data.readUInt32LE(at + 4);
        const end = at + 8 + headLength + bodyLength;
        if (end > data.length) break;
        const key = decodeKey(data.subarray(at + 8, at + 8 + headLength));
        yield withDetection(key, data.subarray(at + 8 + headLength, end));
        at = end;
      }
      data = data.subarray(at);
      pending = data;
    }
    if (pending.length > 0) throw new Error(`${path}: a sorted run ends inside a record`);
  } finally {
    await handle.close();
  }
}
