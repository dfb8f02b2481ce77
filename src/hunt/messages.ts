/** Messages between the hunt's main thread and its workers (structured-clone data only). */

import type { ChunkRange } from "../evtx/types.js";
import type { RuleProblem } from "../sigma/model.js";
import type { PackedBatch } from "./match-batch.js";
import type { FileResult, ScanPlan } from "./scan-file.js";

export type ToWorker =
  /** `rules`: the LoadedRuleSet, packed (packRuleSet). */
  | { readonly type: "init"; readonly rules: SharedArrayBuffer; readonly settings: ScanPlan }
  | { readonly type: "file"; readonly index: number; readonly path: string; readonly chunks?: ChunkRange }
  | { readonly type: "done" };

export type FromWorker =
  | { readonly type: "ready"; readonly problems: readonly RuleProblem[] }
  | { readonly type: "matches"; readonly batch: PackedBatch }
  | { readonly type: "file-done"; readonly index: number; readonly result: FileResult }
  | { readonly type: "file-failed"; readonly index: number; readonly reason: string }
  | { readonly type: "fatal"; readonly reason: string };
