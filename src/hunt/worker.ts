/** A hunt worker: compiles the rules the main thread loaded, then scans the files it hands out, one at a time. */
import { parentPort } from "node:worker_threads";
import { closeWorkerPools } from "../evtx/index.js";
import { packBatch } from "./match-batch.js";
import type { FromWorker, ToWorker } from "./messages.js";
import { compileRuleSet, type HuntRules, unpackRuleSet } from "./rules.js";
import { type ScanPlan, scanFile } from "./scan-file.js";

const port = parentPort;
if (port === null) throw new Error("hunt worker started outside a worker thread");
const post = (m: FromWorker, transfer: readonly ArrayBuffer[] = []): void => port.postMessage(m, transfer);

let rules: HuntRules | undefined;
let settings: ScanPlan | undefined;
// Files are scanned one after another; messages that arrive meanwhile wait their turn.
let queue: Promise<void> = Promise.resolve();

port.on("message", (m: ToWorker) => {
  queue = queue.then(async () => {
    try {
      if (m.type === "init") {
        rules = compileRuleSet(unpackRuleSet(m.rules));
        settings = m.settings;
        // The rules this thread's matcher cannot run, for the summary: the main thread compiles no matcher.
        post({ type: "ready", problems: rules.matcher.problems });
      } else if (m.type === "file") {
        if (rules === undefined || settings === undefined) throw new Error("file before init");
        try {
          const result = await scanFile(
            rules,
            settings,
            m.path,
            (batch) => {
              const packed = packBatch(batch);
              post({ type: "matches", batch: packed }, [packed.bytes]);
            },
            m.chunks,
          );
          post({ type: "file-done", index: m.index, result });
        } catch (e) {
          post({ type: "file-failed", index: m.index, reason: e instanceof Error ? e.message : String(e) });
        }
      } else {
        rules?.persistMatcher();
        await closeWorkerPools();
        port.close();
      }
    } catch (e) {
      post({ type: "fatal", reason: e instanceof Error ? (e.stack ?? e.message) : String(e) });
    }
  });
});
