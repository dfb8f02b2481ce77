/**
 * Spreads evidence over hunt workers: each worker compiles the rules once and asks for the next task when it has
 * finished one. A task is a file, or a part of a large EVTX file (a run of its chunks), so that one big Security log
 * keeps every worker busy; tasks go largest first so that no worker is left with a big one at the end. The parts of
 * a file are reported as one file once all are done. A worker that dies takes only its current task with it
 * (reported as a problem of its file); a new worker takes its place. With one thread (or one task) the files are
 * scanned in the main thread.
 */
import { open, stat } from "node:fs/promises";
import type { Worker } from "node:worker_threads";
import { CHUNK_SIZE } from "../evtx/chunk.js";
import { FILE_HEADER_BLOCK_SIZE } from "../evtx/file-header.js";
import { layoutFromHeader } from "../evtx/layout.js";
import type { ChunkRange } from "../evtx/types.js";
import { startWorker } from "../parallel/start-worker.js";
import type { RuleProblem } from "../sigma/model.js";
import type { FromWorker, ToWorker } from "./messages.js";
import type { HuntRules } from "./rules.js";
import { type FileResult, type MatchRecord, mergeFileResults, type ScanSettings, scanFile } from "./scan-file.js";

export interface ScanCallbacks {
  /** A worker compiled the rules: those its matcher cannot run (the same in every worker). */
  onCompiled?(problems: readonly RuleProblem[]): void;
  onMatches(batch: readonly MatchRecord[]): void;
  /** A file is finished: its result, or why it could not be scanned. */
  onFile(path: string, outcome: { readonly result: FileResult } | { readonly failed: string }): void;
}

/**
 * A worker's heap: the compiled rules and their automata take under 100 MB even for all of SigmaHQ; the rest is
 * the garbage of decoding, which a bound makes V8 collect before resident memory grows with the corpus.
 */
const WORKER_HEAP = { maxOldGenerationSizeMb: 384, maxYoungGenerationSizeMb: 48 };

/**
 * How large EVTX files are split when there is more than one thread: from 48 MiB on, in parts of 256 chunks
 * (16 MiB, enough to amortise a part's start: opening, the header, the first templates).
 */
export interface SplitPolicy {
  readonly minBytes: number;
  readonly partChunks: number;
}

export const DEFAULT_SPLIT: SplitPolicy = { minBytes: 48 * 1024 * 1024, partChunks: 256 };

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

  done(task: ScanTask, outcome: { readonly result: FileResult } | { readonly failed: string }): void {
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
      first === undefined ? merged.sources : [{ ...first, problems: [...first.problems, ...lost] }, ...rest];
    this.onFile(task.path, { result: { ...merged, sources } });
  }
}

export async function scanFiles(
  files: readonly string[],
  threads: number,
  rules: HuntRules,
  settings: ScanSettings,
  callbacks: ScanCallbacks,
  split: SplitPolicy = DEFAULT_SPLIT,
): Promise<void> {
  // One thread: the files as given, nothing to plan (no sizes to read, no parts).
  const order = threads > 1 ? await planTasks(files, threads, split) : null;
  if (order === null || order.length <= 1) {
    for (const path of order === null ? files : order.map((t) => t.path)) {
      try {
        callbacks.onFile(path, { result: await scanFile(rules, settings, path, (b) => callbacks.onMatches(b)) });
      } catch (e) {
        callbacks.onFile(path, { failed: e instanceof Error ? e.message : String(e) });
      }
    }
    return;
  }
  const assembly = new FileAssembly(order, callbacks.onFile);
  let next = 0;
  let finished = 0;
  let fatal: string | null = null;
  await new Promise<void>((resolve, reject) => {
    const live = new Set<Worker>();
    const launch = (): void => {
      const worker = startWorker(new URL("./worker.js", import.meta.url), import.meta.url, WORKER_HEAP);
      live.add(worker);
      let current: number | null = null;
      const send = (m: ToWorker): void => worker.postMessage(m);
      const handOut = (): void => {
        if (next < order.length) {
          current = next++;
          const task = order[current] as ScanTask;
          send({
            type: "file",
            index: current,
            path: task.path,
            ...(task.chunks === undefined ? {} : { chunks: task.chunks }),
          });
        } else {
          current = null;
          send({ type: "done" });
        }
      };
      const settle = (): void => {
        if (live.size > 0) return;
        if (fatal !== null) reject(new Error(fatal));
        else if (finished === order.length) resolve();
      };
      const lose = (reason: string): void => {
        if (current === null) return;
        finished++;
        assembly.done(order[current] as ScanTask, { failed: reason });
        current = null;
      };
      worker.on("message", (m: FromWorker) => {
        switch (m.type) {
          case "ready":
            callbacks.onCompiled?.(m.problems);
            handOut();
            break;
          case "matches":
            callbacks.onMatches(m.batch);
            break;
          case "file-done":
          case "file-failed":
            finished++;
            current = null;
            assembly.done(
              order[m.index] as ScanTask,
              m.type === "file-done" ? { result: m.result } : { failed: m.reason },
            );
            handOut();
            break;
          case "fatal":
            // Rules that load in the main thread but not in a worker: nothing a new worker would do better.
            fatal = m.reason;
            current = null;
            for (const w of live) void w.terminate();
            break;
        }
      });
      worker.on("error", (e) => lose(`worker failed: ${e.message}`));
      worker.on("exit", () => {
        live.delete(worker);
        if (fatal === null) lose("worker exited");
        if (fatal === null && next < order.length) launch();
        settle();
      });
      send({ type: "init", rules: rules.set, settings });
    };
    for (let i = 0; i < Math.min(threads, order.length); i++) launch();
  });
}
