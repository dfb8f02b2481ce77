/**
 * Spreads evidence files over hunt workers: each worker compiles the rules once and asks for the next file when it has
 * finished one, largest files first so that no worker is left with a big file at the end. A worker that dies takes
 * only its current file with it (reported as failed); a new worker takes its place. With one thread (or one file)
 * the files are scanned in the main thread.
 */
import { stat } from "node:fs/promises";
import type { Worker } from "node:worker_threads";
import { startWorker } from "../parallel/start-worker.js";
import type { FromWorker, ToWorker } from "./messages.js";
import type { HuntRules } from "./rules.js";
import { type FileResult, type MatchRecord, type ScanSettings, scanFile } from "./scan-file.js";

export interface ScanCallbacks {
  onMatches(batch: readonly MatchRecord[]): void;
  /** A file is finished: its result, or why it could not be scanned. */
  onFile(path: string, outcome: { readonly result: FileResult } | { readonly failed: string }): void;
}

async function bySizeDescending(files: readonly string[]): Promise<string[]> {
  const sized = await Promise.all(
    files.map(async (f) => ({
      f,
      size: await stat(f).then(
        (s) => s.size,
        () => 0,
      ),
    })),
  );
  return sized.sort((a, b) => b.size - a.size).map((x) => x.f);
}

export async function scanFiles(
  files: readonly string[],
  threads: number,
  rules: HuntRules,
  settings: ScanSettings,
  callbacks: ScanCallbacks,
): Promise<void> {
  if (threads <= 1 || files.length <= 1) {
    for (const path of files) {
      try {
        callbacks.onFile(path, { result: await scanFile(rules, settings, path, (b) => callbacks.onMatches(b)) });
      } catch (e) {
        callbacks.onFile(path, { failed: e instanceof Error ? e.message : String(e) });
      }
    }
    return;
  }
  const order = await bySizeDescending(files);
  let next = 0;
  let finished = 0;
  let fatal: string | null = null;
  await new Promise<void>((resolve, reject) => {
    const live = new Set<Worker>();
    const launch = (): void => {
      const worker = startWorker(new URL("./worker.js", import.meta.url), import.meta.url);
      live.add(worker);
      let current: number | null = null;
      const send = (m: ToWorker): void => worker.postMessage(m);
      const handOut = (): void => {
        if (next < order.length) {
          current = next++;
          send({ type: "file", index: current, path: order[current] as string });
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
      worker.on("message", (m: FromWorker) => {
        switch (m.type) {
          case "ready":
            handOut();
            break;
          case "matches":
            callbacks.onMatches(m.batch);
            break;
          case "file-done":
          case "file-failed":
            finished++;
            callbacks.onFile(
              order[m.index] as string,
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
      worker.on("error", (e) => {
        if (current !== null) {
          finished++;
          callbacks.onFile(order[current] as string, { failed: `worker failed: ${e.message}` });
          current = null;
        }
      });
      worker.on("exit", () => {
        live.delete(worker);
        if (current !== null && fatal === null) {
          finished++;
          callbacks.onFile(order[current] as string, { failed: "worker exited" });
          current = null;
        }
        if (fatal === null && next < order.length) launch();
        settle();
      });
      send({ type: "init", rules: rules.set, settings });
    };
    for (let i = 0; i < Math.min(threads, order.length); i++) launch();
  });
}
