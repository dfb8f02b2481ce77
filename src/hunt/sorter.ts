/**
 * Sorting a hunt's matches by time without holding them all: up to `runSize` are kept in memory; when that fills,
 * they are sorted and written to a temporary file (a run), and at the end the runs are merged. Matches arrive in
 * whatever order the workers finish files; outputs want time order.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { open } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { deserialize, serialize } from "node:v8";
import { compareQueued, detectionBytes, type QueuedMatch } from "./match-batch.js";

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
   * A run on disk: each match as its key's V8 serialization and its detection's, behind their two 4-byte lengths,
   * written in blocks of about a MiB (a line of JSON per match, read back through readline, cost more than the sort).
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
        const { detection: _, ...key } = m;
        const head = serialize(key);
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
      const block = Buffer.allocUnsafe(RUN_BLOCK);
      const { bytesRead } = await handle.read(block, 0, RUN_BLOCK, position);
      if (bytesRead === 0) break;
      position += bytesRead;
      let data =
        pending.length === 0 ? block.subarray(0, bytesRead) : Buffer.concat([pending, block.subarray(0, bytesRead)]);
      let at = 0;
      while (at + 8 <= data.length) {
        const headLength = data.readUInt32LE(at);
        const bodyLength = data.readUInt32LE(at + 4);
        const end = at + 8 + headLength + bodyLength;
        if (end > data.length) break;
        const key = deserialize(data.subarray(at + 8, at + 8 + headLength)) as Omit<QueuedMatch, "detection">;
        yield { ...key, detection: data.subarray(at + 8 + headLength, end) };
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
