/**
 * Sorting a hunt's matches by time without holding them all: up to `runSize` are kept in memory; when that fills,
 * they are sorted and written to a temporary file (a run), and at the end the runs are merged. Matches arrive in
 * whatever order the workers finish files; outputs want time order.
 */
import { once } from "node:events";
import { createReadStream, createWriteStream, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { Detection } from "./detection.js";
import type { MatchRecord } from "./scan-file.js";

/** Time order; events without a time last; then by file and offset, so the order is the same on every run. */
export function compareDetections(x: Detection, y: Detection): number {
  if (x.timestamp !== y.timestamp) {
    if (x.timestamp === null) return 1;
    if (y.timestamp === null) return -1;
    return x.timestamp - y.timestamp;
  }
  if (x.source.file !== y.source.file) return x.source.file < y.source.file ? -1 : 1;
  const m = x.source.member ?? "";
  const n = y.source.member ?? "";
  if (m !== n) return m < n ? -1 : 1;
  return (x.source.offset ?? 0) - (y.source.offset ?? 0);
}

export function compareMatches(a: MatchRecord, b: MatchRecord): number {
  return compareDetections(a.detection, b.detection) || a.ruleIndex - b.ruleIndex;
}

export class MatchSorter {
  private buffer: MatchRecord[] = [];
  private readonly runs: string[] = [];
  private dir: string | null = null;
  private pending: Promise<void> = Promise.resolve();
  count = 0;

  constructor(
    private readonly runSize = 10_000,
    private readonly tempDir = tmpdir(),
  ) {}

  add(m: MatchRecord): void {
    this.buffer.push(m);
    this.count++;
    if (this.buffer.length >= this.runSize) {
      const run = this.buffer;
      this.buffer = [];
      this.pending = this.pending.then(() => this.writeRun(run));
    }
  }

  private async writeRun(run: MatchRecord[]): Promise<void> {
    run.sort(compareMatches);
    this.dir ??= mkdtempSync(join(this.tempDir, "vigil-sort-"));
    const path = join(this.dir, `run-${this.runs.length}.jsonl`);
    this.runs.push(path);
    const out = createWriteStream(path);
    for (const m of run) if (!out.write(`${JSON.stringify(m)}\n`)) await once(out, "drain");
    out.end();
    await once(out, "finish");
  }

  /** Every match added, in order; may be iterated again (the hunt reads it twice: correlations, then outputs). */
  async *sorted(): AsyncGenerator<MatchRecord> {
    await this.pending;
    this.buffer.sort(compareMatches);
    if (this.runs.length === 0) {
      yield* this.buffer;
      return;
    }
    const sources: AsyncIterator<MatchRecord>[] = [
      ...this.runs.map((path) => readRun(path)),
      (async function* (buffer: MatchRecord[]) {
        yield* buffer;
      })(this.buffer),
    ];
    // A binary heap of the sources' current heads.
    const heap: { head: MatchRecord; source: AsyncIterator<MatchRecord> }[] = [];
    const push = (item: { head: MatchRecord; source: AsyncIterator<MatchRecord> }): void => {
      heap.push(item);
      let i = heap.length - 1;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (compareMatches((heap[p] as typeof item).head, item.head) <= 0) break;
        heap[i] = heap[p] as typeof item;
        i = p;
      }
      heap[i] = item;
    };
    const pop = (): { head: MatchRecord; source: AsyncIterator<MatchRecord> } => {
      const top = heap[0] as (typeof heap)[number];
      const last = heap.pop() as (typeof heap)[number];
      if (heap.length === 0) return top;
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && compareMatches((heap[l] as typeof last).head, (heap[m] as typeof last).head) < 0) m = l;
        if (r < heap.length && compareMatches((heap[r] as typeof last).head, (heap[m] as typeof last).head) < 0) m = r;
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

async function* readRun(path: string): AsyncGenerator<MatchRecord> {
  const lines = createInterface({ input: createReadStream(path), crlfDelay: Number.POSITIVE_INFINITY });
  for await (const line of lines) if (line !== "") yield JSON.parse(line) as MatchRecord;
}
