/**
 * Spreads evidence over hunt workers: each worker compiles the rules once and holds two tasks at a time, taking a new
 * one as it finishes one. A task is a file, or a part of a large EVTX file (a run of its chunks), so that one big
 * Security log keeps every worker busy; tasks go largest first so that no worker is left with a big one at the end.
 * The parts of a file are reported as one file once all are done. A worker that dies takes only its current task
 * with it (reported as a problem of its file); the task queued behind it and a new worker take its place. With one
 * thread, one task, or too little evidence to repay a worker's start (SplitPolicy), the files are scanned in the
 * main thread.
 */
import { open, stat } from "node:fs/promises";
import type { Worker } from "node:worker_threads";
import { CHUNK_SIZE } from "../evtx/chunk.js";
import { FILE_HEADER_BLOCK_SIZE } from "../evtx/file-header.js";
import { layoutFromHeader } from "../evtx/layout.js";
import type { ChunkRange } from "../evtx/types.js";
import { startWorker } from "../parallel/start-worker.js";
import type { RuleProblem } from "../sigma/model.js";
import { keptProblems } from "../sources/types.js";
import { type QueuedMatch, queuedMatch, unpackBatch } from "./match-batch.js";
import type { FromWorker, ToWorker } from "./messages.js";
import { type HuntRules, packRuleSet } from "./rules.js";
import { eventLoopTurn, type FileResult, mergeFileResults, type ScanPlan, scanFile } from "./scan-file.js";

/** What became of a file (or a part of one): its result, or why it could not be scanned. */
export type Outcome = { readonly result: FileResult } | { readonly failed: string };

export interface ScanCallbacks {
  /** A worker compiled the rules: those its matcher cannot run (the same in every worker). */
  onCompiled?(problems: readonly RuleProblem[]): void;
  onMatches(batch: readonly QueuedMatch[]): void;
  /** A file is finished: its result, or why it could not be scanned. */
  onFile(path: string, outcome: Outcome): void;
  /**
   * Why the hunt cannot go on (its matches can no longer be sorted), or null: no file is started after it says so,
   * and the scan fails with that reason once the files already started are done.
   */
  stopReason?(): string | null;
}

/**
 * A worker's heap: the compiled rules and their automata take under 100 MB even for all of SigmaHQ; the rest is
 * the garbage of decoding, which a bound makes V8 collect before resident memory grows with the corpus.
 */
const WORKER_HEAP = { maxOldGenerationSizeMb: 384, maxYoungGenerationSizeMb: 48 };

/**
 * How work is shared when there is more than one thread. Large EVTX files are split from `minBytes` on, in parts of
 * `partChunks` chunks (16 MiB, enough to amortise a part's start: opening, the header, the first templates). A worker
 * is started for every `minBytesPerWorker` of evidence at most: each first unpacks the rule set and reads back (or
 * builds) its own compiled matcher, which a smaller share does not repay; below two workers' worth the main thread
 * scans alone. 0: a worker per thread whatever the size.
 *
 * With at most `mainScansUpTo` scanning threads, the main thread is one of them, beside one worker fewer: on a small
 * machine a thread is a large share, and a worker's start (unpacking the rules, a second copy of the compiled
 * matcher) is saved. With more, the main thread only hands out tasks and sorts what every worker finds.
 */
export interface SplitPolicy {
  readonly minBytes: number;
  readonly partChunks: number;
  readonly minBytesPerWorker: number;
  readonly mainScansUpTo: number;
}

export const DEFAULT_SPLIT: SplitPolicy = {
  minBytes: 48 * 1024 * 1024,
  partChunks: 256,
  minBytesPerWorker: 64 * 1024 * 1024,
  mainScansUpTo: 4,
};

/** The workers worth starting for these tasks (1: scan in the main thread). */
export function workersFor(tasks: readonly ScanTask[], threads: number, policy: SplitPolicy): number {
  const bytes = tasks.reduce((n, t) => n + t.bytes, 0);
  const byWork = policy.minBytesPerWorker > 0 ? Math.floor(bytes / policy.minBytesPerWorker) : threads;
  return Math.max(1, Math.min(threads, tasks.length, byWork));
}

/** Tasks a worker holds at once: the one it scans and the next. */
const TASKS_AHEAD = 2;

/** One piece of work: a whole file, or a run of the chunks of a large EVTX file. */
export interface ScanTask {
  readonly path: string;
  readonly chunks?: ChunkRange;
  readonly bytes: number;
}

/** Whether the file is EVTX with a sound header (chunks at their aligned places), read from its first block. */
async function alignedEvtx(path: string, size: number): Promise<boolean> {
  const handle = await open(path, "r");
  try {
    const head = Buffer.alloc(Math.min(FILE_HEADER_BLOCK_SIZE, size));
    await handle.read(head, 0, head.length, 0);
    return layoutFromHeader(head, size, path).mode === "aligned";
  } finally {
    await handle.close();
  }
}

/** The tasks for the files, largest first (the parts of a file keep their order). */
export async function planTasks(
  files: readonly string[],
  threads: number,
  policy: SplitPolicy = DEFAULT_SPLIT,
): Promise<ScanTask[]> {
  const { minBytes, partChunks } = policy;
  const sized = await Promise.all(
    files.map(async (path) => {
      const size = await stat(path).then(
        (s) => s.size,
        () => 0,
      );
      const split = threads > 1 && size >= minBytes && (await alignedEvtx(path, size).catch(() => false));
      return { path, size, split };
    }),
  );
  const tasks: ScanTask[] = [];
  for (const { path, size, split } of sized) {
    if (!split) {
      tasks.push({ path, bytes: size });
      continue;
    }
    const chunks = Math.ceil((size - FILE_HEADER_BLOCK_SIZE) / CHUNK_SIZE);
    for (let first = 0; first < chunks; first += partChunks) {
      const last = first + partChunks >= chunks;
      tasks.push({
        path,
        chunks: { first, end: last ? Number.POSITIVE_INFINITY : first + partChunks },
        bytes: Math.min(partChunks, chunks - first) * CHUNK_SIZE,
      });
    }
  }
  // Array.prototype.sort is stable: equal parts stay in file order.
  return tasks.sort((a, b) => b.bytes - a.bytes);
}

/** Collects the parts of each file and reports the file once all are in. */
class FileAssembly {
  private readonly pending = new Map<string, { left: number; parts: FileResult[]; failures: string[] }>();

  constructor(
    tasks: readonly ScanTask[],
    private readonly onFile: ScanCallbacks["onFile"],
  ) {
    for (const t of tasks) {
      const entry = this.pending.get(t.path);
      if (entry === undefined) this.pending.set(t.path, { left: 1, parts: [], failures: [] });
      else entry.left++;
    }
  }

  done(task: ScanTask, outcome: Outcome): void {
    const entry = this.pending.get(task.path);
    if (entry === undefined) return;
    if ("result" in outcome) entry.parts.push(outcome.result);
    else {
      const where = task.chunks === undefined ? "" : `chunks ${task.chunks.first} on: `;
      entry.failures.push(`${where}${outcome.failed}`);
    }
    if (--entry.left > 0) return;
    this.pending.delete(task.path);
    if (entry.parts.length === 0) {
      this.onFile(task.path, { failed: entry.failures.join("; ") });
      return;
    }
    const merged = mergeFileResults(entry.parts);
    if (entry.failures.length === 0) {
      this.onFile(task.path, { result: merged });
      return;
    }
    // Some parts were read, others lost with their worker: the file is reported with what was read and the loss.
    const [first, ...rest] = merged.sources;
    const lost = entry.failures.map((reason) => ({ kind: "unreadable" as const, offset: null, reason }));
    const sources =
      first === undefined
        ? merged.sources
        : [
            {
              ...first,
              problemCount: first.problemCount + lost.length,
              problems: keptProblems(first.problems, lost),
            },
            ...rest,
          ];
    this.onFile(task.path, { result: { ...merged, sources } });
  }
}

export async function scanFiles(
  files: readonly string[],
  threads: number,
  rules: HuntRules,
  settings: ScanPlan,
  callbacks: ScanCallbacks,
  split: SplitPolicy = DEFAULT_SPLIT,
  /** The worker's module (tests give one that fails on purpose). */
  workerModule: URL = new URL("./worker.js", import.meta.url),
): Promise<number> {
  // One thread: the files as given, nothing to plan (no sizes to read, no parts).
  const order = threads > 1 ? await planTasks(files, threads, split) : null;
  const scanners = order === null ? 1 : workersFor(order, threads, split);
  const failure = (e: unknown): string => (e instanceof Error ? e.message : String(e));
  /** A file (or a part) scanned in this thread. */
  const scanHere = async (path: string, chunks?: ChunkRange): Promise<Outcome> => {
    try {
      return { result: await scanFile(rules, settings, path, (b) => callbacks.onMatches(b.map(queuedMatch)), chunks) };
    } catch (e) {
      return { failed: failure(e) };
    }
  };
  if (order === null || scanners <= 1) {
    for (const path of files) {
      const reason = callbacks.stopReason?.() ?? null;
      if (reason !== null) throw new Error(reason);
      callbacks.onFile(path, await scanHere(path));
    }
    return 1;
  }
  const mainScans = scanners <= split.mainScansUpTo;
  const workers = mainScans ? scanners - 1 : scanners;
  const assembly = new FileAssembly(order, callbacks.onFile);
  // The rule set serialized once for all workers, in shared memory: cloning it per worker took the main thread half
  // a second per worker for SigmaHQ, and workers waited on it in turn.
  const packedRules = packRuleSet(rules.set);
  let next = 0;
  // Tasks handed to a worker that died before starting them, to hand out again first.
  const requeue: number[] = [];
  let fatal: string | null = null;
  const take = (): number | undefined => {
    const reason = callbacks.stopReason?.() ?? null;
    if (reason !== null) {
      fatal ??= reason;
      return undefined;
    }
    return requeue.pop() ?? (next < order.length ? next++ : undefined);
  };
  const tasksLeft = (): boolean => requeue.length > 0 || next < order.length;
  let finished = 0;
  await new Promise<void>((resolve, reject) => {
    const live = new Set<Worker>();
    let mainScanning = mainScans;
    const settle = (): void => {
      if (live.size > 0 || mainScanning) return;
      if (fatal !== null) reject(new Error(fatal));
      else if (finished === order.length) resolve();
    };
    // The main thread's share: tasks from the same queue, one after another. The scan gives the event loop a turn
    // after each batch, so the workers' messages (their matches, their requests for the next task) are not kept
    // waiting; one more turn before each task covers files that give no batch at all (unreadable, empty).
    const scanInMain = async (): Promise<void> => {
      for (;;) {
        await eventLoopTurn();
        const index = fatal === null ? take() : undefined;
        if (index === undefined) break;
        const task = order[index] as ScanTask;
        const outcome = await scanHere(task.path, task.chunks);
        finished++;
        assembly.done(task, outcome);
      }
      mainScanning = false;
      settle();
    };
    const launch = (): void => {
      const worker = startWorker(workerModule, import.meta.url, WORKER_HEAP);
      live.add(worker);
      // The tasks handed to this worker and not finished, in order: the one it scans and the one it takes next, so
      // that it never waits for the main thread between two small files.
      const assigned: number[] = [];
      let closed = false;
      const send = (m: ToWorker): void => worker.postMessage(m);
      const handOut = (): void => {
        while (assigned.length < TASKS_AHEAD) {
          const index = take();
          if (index === undefined) break;
          assigned.push(index);
          const task = order[index] as ScanTask;
          send({
            type: "file",
            index,
            path: task.path,
            ...(task.chunks === undefined ? {} : { chunks: task.chunks }),
          });
        }
        if (assigned.length === 0 && !closed) {
          closed = true;
          send({ type: "done" });
        }
      };
      // A worker lost: the task it was scanning fails; the ones queued behind it go to the next worker.
      const lose = (reason: string): void => {
        const current = assigned.shift();
        if (current === undefined) return;
        finished++;
        assembly.done(order[current] as ScanTask, { failed: reason });
        requeue.push(...assigned.splice(0));
      };
      worker.on("message", (m: FromWorker) => {
        switch (m.type) {
          case "ready":
            callbacks.onCompiled?.(m.problems);
            handOut();
            break;
          case "matches":
            callbacks.onMatches(unpackBatch(m.batch));
            break;
          case "file-done":
          case "file-failed":
            finished++;
            assigned.splice(assigned.indexOf(m.index), 1);
            assembly.done(
              order[m.index] as ScanTask,
              m.type === "file-done" ? { result: m.result } : { failed: m.reason },
            );
            handOut();
            break;
          case "fatal":
            // Rules that load in the main thread but not in a worker: nothing a new worker would do better.
            fatal = m.reason;
            assigned.length = 0;
            for (const w of live) void w.terminate();
            break;
        }
      });
      worker.on("error", (e) => lose(`worker failed: ${e.message}`));
      worker.on("exit", () => {
        live.delete(worker);
        if (fatal === null) lose("worker exited");
        if (fatal === null && tasksLeft()) launch();
        settle();
      });
      send({ type: "init", rules: packedRules, settings });
    };
    for (let i = 0; i < workers; i++) launch();
    if (mainScans) {
      scanInMain().catch((e: unknown) => {
        fatal = failure(e);
        mainScanning = false;
        for (const w of live) void w.terminate();
        settle();
      });
    }
  });
  return scanners;
}
