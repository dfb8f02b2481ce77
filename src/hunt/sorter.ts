/**
 * Sorting a hunt's matches by time without holding them all: up to `runSize` are kept in memory; when that fills,
 * they are sorted and written to a temporary file (a run), and at the end the runs are merged. Matches arrive in
 * whatever order the workers finish files; outputs want time order.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { open } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
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

export class MatchSorter {
  private buffer: QueuedMatch[] = [];
  private readonly runs: string[] = [];
  private dir: string | null = null;
  private pending: Promise<void> = Promise.resolve();
  count = 0;

  constructor(
    private readonly runSize = 10_000,
    private readonly tempDir = tmpdir(),
  ) {}

  add(m: QueuedMatch): void {
    this.buffer.push(m);
    this.count++;
    if (this.buffer.length >= this.runSize) {
      const run = this.buffer;
      this.buffer = [];
      this.pending = this.pending.then(() => this.writeRun(run));
    }
  }

  /**
   * A run on disk: each match as its key (encodeKey) and its detection's V8 serialization, behind their two 4-byte
   * lengths, written in blocks of about a MiB (a line of JSON per match, read back through readline, cost more than
   * the sort).
   */
  private async writeRun(run: QueuedMatch[]): Promise<void> {
    run.sort(compareQueued);
    this.dir ??= mkdtempSync(join(this.tempDir, "vigil-sort-"));
    const path = join(this.dir, `run-${this.runs.length}.bin`);
    this.runs.push(path);
    const out = await open(path, "w");
    try {
      let parts: Uint8Array[] = [];
      let size = 0;
      for (const m of run) {
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

  /** Every match added, in order; may be iterated again (the hunt reads it twice: correlations, then outputs). */
  async *sorted(): AsyncGenerator<QueuedMatch> {
    await this.pending;
    this.buffer.sort(compareQueued);
    if (this.runs.length === 0) {
      yield* this.buffer;
      return;
    }
    const sources: AsyncIterator<QueuedMatch>[] = [
      ...this.runs.map((path) => readRun(path)),
      (async function* (buffer: QueuedMatch[]) {
        yield* buffer;
      })(this.buffer),
    ];
    // A binary heap of the sources' current heads.
    const heap: { head: QueuedMatch; source: AsyncIterator<QueuedMatch> }[] = [];
    const push = (item: { head: QueuedMatch; source: AsyncIterator<QueuedMatch> }): void => {
      heap.push(item);
      let i = heap.length - 1;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (compareQueued((heap[p] as typeof item).head, item.head) <= 0) break;
        heap[i] = heap[p] as typeof item;
        i = p;
      }
      heap[i] = item;
    };
    const pop = (): { head: QueuedMatch; source: AsyncIterator<QueuedMatch> } => {
      const top = heap[0] as (typeof heap)[number];
      const last = heap.pop() as (typeof heap)[number];
      if (heap.length === 0) return top;
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && compareQueued((heap[l] as typeof last).head, (heap[m] as typeof last).head) < 0) m = l;
        if (r < heap.length && compareQueued((heap[r] as typeof last).head, (heap[m] as typeof last).head) < 0) m = r;
        if (m === i) break;
        [heap[i], heap[m]] = [heap[m] as typeof last, heap[i] as typeof last];
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

  /** Removes the temporary runs; call once done with `sorted()`. */
  cleanup(): void {
    if (this.dir !== null) rmSync(this.dir, { recursive: true, force: true });
    this.dir = null;
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
