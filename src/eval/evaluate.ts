/**
 * `vigil eval`: hunt a simulation folder and score the detections against its ground truth. The evidence is the
 * folder's `evidence/` (what `vigil simulate` writes); the truth is `ground-truth.json` beside it.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { Level } from "../hunt/detection.js";
import { type HuntResult, hunt } from "../hunt/hunt.js";
import type { RuleSpec } from "../hunt/rules.js";
import { readAssets } from "../scope/index.js";
import { readGroundTruth } from "./ground-truth.js";
import { type EvalScore, type ScopeScore, Scorer, scoreScope } from "./score.js";

export interface EvalOptions {
  readonly rules: RuleSpec;
  readonly minLevel: Level;
  readonly threads: number;
}

export interface Evaluation {
  readonly score: EvalScore;
  readonly scope: ScopeScore;
  readonly hunt: HuntResult;
}

/** The evidence folder of a simulation: `DIR/evidence`, or DIR itself for a folder laid out without one. */
export function evidenceFolder(dir: string): string {
  const evidence = join(dir, "evidence");
  return existsSync(evidence) ? evidence : dir;
}

export async function evaluate(dir: string, options: EvalOptions): Promise<Evaluation> {
  const truth = await readGroundTruth(join(dir, "ground-truth.json"));
  const evidence = evidenceFolder(dir);
  const scorer = new Scorer(truth, dir);
  // The simulation's own inventory, when there is one: scoping then knows the zones and the tier-0 hosts.
  const assetsFile = join(dir, "assets.csv");
  const assets = existsSync(assetsFile) ? (await readAssets(assetsFile)).inventory : undefined;
  const result = await hunt({
    paths: [evidence],
    rules: options.rules,
    settings: { minLevel: options.minLevel, from: null, to: null, recover: true },
    threads: options.threads,
    output: async (d) => scorer.add(d),
    ...(assets === undefined ? {} : { scope: { assets } }),
  });
  return { score: scorer.finish(result.events), scope: scoreScope(truth, result.scope), hunt: result };
}
