/**
 * A pool of chunk-decoding workers. Chunks go out in file order and results come back in file order; at most a few
 * chunks per worker are in flight, so memory stays bounded whatever the file size.
 */
import { availableParallelism } from "node:os";
import type { Worker } from "node:worker_threads";
import { startWorker } from "../../parallel/start-worker.js";
import type { ChunkPlacement } from "../chunk.js";
import { Chunk } from "../chunk.js";
import type { ChunkBlock } from "../layout.js";
import { readRecordAt } from "../record.js";
import { MapFieldView } from "../render/fields.js";
import type { Damage, EvtxRecord, FieldValue, FieldView, JsonValue, ReadStats } from "../types.js";
import type { ChunkOutput, ChunkTask, ChunkTaskResult, DecodedRecordData } from "./messages.js";

/** Chunks in flight per worker: enough to keep every worker busy while the main thread consumes results. */
const IN_FLIGHT_PER_WORKER = 6;

export function defaultThreads(): number {
  return availableParallelism();
}

function startChunkWorker(): Worker {
  return startWorker(new URL("./chunk-worker.js", import.meta.url), import.meta.url);
}

/** Tasks a worker holds at once: the one it decodes and the next, so it never waits for the main thread. */
const QUEUED_PER_WORKER = 2;

interface Job {
  readonly task: ChunkTask;
  readonly resolve: (r: ChunkTaskResult) => void;
  readonly reject: (e: Error) => void;
}

class ChunkWorkerPool {
  private readonly waiting: Job[] = [];
  /** Outstanding jobs of each worker, by task id. */
  private readonly jobs = new Map<Worker, Map<number, Job>>();

  constructor(size: number) {
    for (let i = 0; i < size; i++) this.add();
  }

  private add(): void {
    const worker = startChunkWorker();
    worker.on("message", (result: ChunkTaskResult) => this.done(worker, result));
    worker.on("error", (e) => this.failed(worker, e));
    worker.unref();
    this.jobs.set(worker, new Map());
  }

  run(task: ChunkTask): Promise<ChunkTaskResult> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ task, resolve, reject });
      this.dispatch();
    });
  }

  private dispatch(): void {
    while (this.waiting.length > 0) {
      let target: Worker | null = null;
      let least = QUEUED_PER_WORKER;
      for (const [worker, jobs] of this.jobs) {
        if (jobs.size < least) {
          least = jobs.size;
          target = worker;
        }
      }
      if (target === null) return;
      const job = this.waiting.shift() as Job;
      const jobs = this.jobs.get(target) as Map<number, Job>;
      jobs.set(job.task.id, job);
      // A busy worker keeps the process alive; an idle one must not.
      if (jobs.size === 1) target.ref();
      target.postMessage(job.task, job.task.bytes ? [job.task.bytes] : []);
    }
  }

  private done(worker: Worker, result: ChunkTaskResult): void {
    const jobs = this.jobs.get(worker);
    const job = jobs?.get(result.id);
    jobs?.delete(result.id);
    if (jobs?.size === 0) worker.unref();
    job?.resolve(result);
    this.dispatch();
  }

  /** A worker that died fails its outstanding jobs (the caller reports them) and is replaced. */
  private failed(worker: Worker, error: Error): void {
    const jobs = this.jobs.get(worker);
    this.jobs.delete(worker);
    for (const job of jobs?.values() ?? []) job.reject(error);
    void worker.terminate();
    this.add();
    this.dispatch();
  }

  async close(): Promise<void> {
    await Promise.all([...this.jobs.keys()].map((w) => w.terminate()));
  }
}

const pools = new Map<number, ChunkWorkerPool>();

function pool(threads: number): ChunkWorkerPool {
  let p = pools.get(threads);
  if (p === undefined) {
    p = new ChunkWorkerPool(threads);
    pools.set(threads, p);
  }
  return p;
}

/** Stop all worker pools (tests and benches call this to end cleanly). */
export async function closeWorkerPools(): Promise<void> {
  const all = [...pools.values()];
  pools.clear();
  await Promise.all(all.map((p) => p.close()));
}

let nextTaskId = 1;

function ownArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer) {
    return bytes.buffer;
  }
  // A copy: Buffer#slice shares memory, and transferring the shared buffer would detach the caller's read window.
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return copy.buffer;
}

interface PoolOptions {
  readonly file: string;
  readonly recover: boolean;
  readonly threads: number;
}

/** Run chunk tasks on the pool, yielding results in the order the blocks came. */
/** Start `begin(item)` for each item as it comes, at most `limit` at once, and yield the results in item order. */
async function* inOrder<I, R>(
  items: AsyncIterable<I>,
  limit: number,
  begin: (item: I) => Promise<R>,
): AsyncGenerator<R> {
  const inFlight: Promise<R>[] = [];
  for await (const item of items) {
    inFlight.push(begin(item));
    if (inFlight.length >= limit) yield await (inFlight.shift() as Promise<R>);
  }
  while (inFlight.length > 0) yield await (inFlight.shift() as Promise<R>);
}

/** Run a task; a worker that died answers with the error instead, so every chunk gets a result. */
function runTask(workers: ChunkWorkerPool, task: ChunkTask): Promise<ChunkTaskResult> {
  return workers.run(task).catch((e: Error) => ({
    id: task.id,
    bytes: null,
    damage: [],
    stats: lostChunkStats(),
    error: String(e.stack ?? e),
  }));
}

/** Run chunk tasks on the pool, yielding results in the order the blocks came. */
function ordered(blocks: AsyncIterable<ChunkBlock>, options: PoolOptions, output: ChunkOutput) {
  const workers = pool(options.threads);
  return inOrder(
    blocks,
    options.threads * IN_FLIGHT_PER_WORKER,
    async (block): Promise<[ChunkBlock, ChunkTaskResult]> => {
      const placement = { index: block.index, fileOffset: block.fileOffset, declared: block.declared };
      const task: ChunkTask = {
        id: nextTaskId++,
        bytes: ownArrayBuffer(block.bytes),
        path: null,
        ...placement,
        file: options.file,
        recover: options.recover,
        output,
      };
      const r = await runTask(workers, task);
      return [{ ...placement, bytes: r.bytes ? new Uint8Array(r.bytes) : new Uint8Array(0) }, r];
    },
  );
}

/** Counts for a chunk whose worker died: one chunk, damaged, nothing read. */
function lostChunkStats(): ReadStats {
  return { bytes: 0, chunks: 1, chunksDamaged: 1, records: 0, recovered: 0, skipped: 0, fragments: 0 };
}

function workerBug(file: string, block: ChunkPlacement, error: string): Damage {
  return {
    file,
    chunk: block.index,
    offset: block.fileOffset,
    kind: "chunk-data",
    reason: `internal error decoding chunk: ${error.split("\n")[0]}`,
  };
}

/** A record decoded on a worker: fields arrive ready; JSON and XML are rendered on demand from the chunk bytes. */
class DecodedRecord implements EvtxRecord {
  readonly fields: FieldView;
  readonly recordId: number;
  readonly timestamp: string;
  readonly offset: number;
  readonly recovered: boolean;

  constructor(
    data: DecodedRecordData,
    private readonly block: ChunkBlock,
    private readonly chunkCache: { chunk: Chunk | null },
  ) {
    this.recordId = data.recordId;
    this.timestamp = data.timestamp;
    this.offset = data.offset;
    this.recovered = data.recovered;
    this.fields = new MapFieldView(new Map<string, FieldValue>(data.fields));
  }

  get chunk(): number {
    return this.block.index;
  }

  private reread(): EvtxRecord {
    this.chunkCache.chunk ??= new Chunk(this.block.bytes, this.block);
    const result = readRecordAt(this.chunkCache.chunk, this.offset - this.block.fileOffset, this.recovered);
    if (result.kind !== "record") throw new Error(`record ${this.recordId} no longer decodes: ${result.reason}`);
    return result.record;
  }

  toJson(): JsonValue {
    return this.reread().toJson();
  }

  toJsonText(): string {
    return this.reread().toJsonText();
  }

  toXml(): string {
    return this.reread().toXml();
  }
}

export interface DecodedChunk {
  readonly records: EvtxRecord[];
  readonly damage: Damage[];
  readonly stats: ReadStats;
}

export async function* decodeChunksInWorkers(
  blocks: AsyncIterable<ChunkBlock>,
  options: PoolOptions,
): AsyncGenerator<DecodedChunk> {
  for await (const [block, result] of ordered(blocks, options, "fields")) {
    const cache = { chunk: null };
    const records = (result.records ?? []).map((d) => new DecodedRecord(d, block, cache));
    const damage = result.error ? [...result.damage, workerBug(options.file, block, result.error)] : result.damage;
    yield { records, damage, stats: result.stats };
  }
}

/** A chunk block whose bytes the worker may read itself (null). */
export type LazyBlock = ChunkPlacement & { readonly bytes: Uint8Array | null };

/** Items of a multi-file stream: a chunk block of a file, or the end of a file (with its last file-level damage). */
export type FileStreamItem =
  | { readonly kind: "block"; readonly file: string; readonly block: LazyBlock; readonly damage: Damage[] }
  | { readonly kind: "end"; readonly file: string; readonly damage: Damage[]; readonly error?: string };

export type RenderedItem =
  | {
      readonly kind: "chunk";
      readonly file: string;
      /** UTF-8 text, in pages. */
      readonly text: Uint8Array[];
      /** File-level damage found before this chunk, then the chunk's own. */
      readonly damage: Damage[];
      readonly stats: ReadStats;
    }
  | Extract<FileStreamItem, { kind: "end" }>;

/**
 * Render the chunks of a stream of files on the worker pool, in order. Chunks of the next file start while the
 * last of the previous file are still decoding, so many small files keep every worker busy too.
 */
export function renderInWorkers(
  items: AsyncIterable<FileStreamItem>,
  options: { readonly recover: boolean; readonly threads: number; readonly format: "jsonl" | "json" | "xml" },
): AsyncGenerator<RenderedItem> {
  const workers = pool(options.threads);
  return inOrder(items, options.threads * IN_FLIGHT_PER_WORKER, async (item): Promise<RenderedItem> => {
    if (item.kind === "end") return item;
    const { block, file } = item;
    const task: ChunkTask = {
      id: nextTaskId++,
      bytes: block.bytes ? ownArrayBuffer(block.bytes) : null,
      path: block.bytes ? null : file,
      index: block.index,
      fileOffset: block.fileOffset,
      declared: block.declared,
      file,
      recover: options.recover,
      output: options.format,
    };
    const r = await runTask(workers, task);
    const bug = r.error ? [workerBug(file, block, r.error)] : [];
    return { kind: "chunk", file, text: r.text ?? [], damage: [...item.damage, ...r.damage, ...bug], stats: r.stats };
  });
}
