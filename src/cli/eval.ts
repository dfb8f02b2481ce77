/** `vigil eval DIR`: hunt a simulation and score the hunt against its ground truth. */
import { writeFile } from "node:fs/promises";
import type { Command } from "commander";
import { evaluate } from "../eval/evaluate.js";
import { closeWorkerPools, defaultThreads } from "../evtx/index.js";
import type { Level } from "../hunt/detection.js";
import { renderEvalScore, renderScopeScore } from "../output/eval-report.js";
import { sanitizeForTerminal } from "../output/terminal.js";
import { defaultCacheDir } from "../sigma/rule-cache.js";
import { collect, parseLevel, parseThreads } from "./options.js";

interface EvalCliOptions {
  rules: string[];
  builtin: boolean;
  minLevel: Level;
  threads?: number;
  json?: string;
  color: boolean;
  ruleCache: boolean;
}

export function registerEval(program: Command): void {
  program
    .command("eval")
    .description("Hunt a simulated intrusion (vigil simulate) and score the detections against its ground truth")
    .argument("<dir>", "the folder vigil simulate wrote")
    .option("-r, --rules <path>", "Sigma rule file or folder to add (repeatable)", collect, [])
    .option("--no-builtin", "do not load Vigil's built-in rule pack")
    .option("--min-level <level>", "score detections at or above this level", parseLevel, "informational")
    .option("-t, --threads <n>", "worker threads (default: the number of cores)", parseThreads)
    .option("--json <file>", "also write the score as JSON")
    .option("--no-color", "no colour")
    .option("--no-rule-cache", "parse and compile every rule")
    .action(async (dir: string, options: EvalCliOptions) => {
      process.exitCode = await runEval(dir, options);
    });
}

async function runEval(dir: string, options: EvalCliOptions): Promise<number> {
  try {
    const { score, scope, hunt } = await evaluate(dir, {
      rules: {
        paths: options.rules,
        builtin: options.builtin,
        placeholders: [],
        ...(options.ruleCache ? { cacheDir: defaultCacheDir() } : {}),
      },
      minLevel: options.minLevel,
      threads: options.threads ?? defaultThreads(),
    });
    process.stdout.write(renderEvalScore(score, { color: options.color && process.stdout.isTTY === true }));
    process.stdout.write(renderScopeScore(scope));
    process.stdout.write(
      `Hunt:                  ${hunt.events} events in ${(hunt.elapsedMs / 1000).toFixed(1)} s, minimum level ${options.minLevel}\n`,
    );
    if (options.json !== undefined) {
      await writeFile(options.json, `${JSON.stringify({ minLevel: options.minLevel, ...score, scope }, null, 2)}\n`);
    }
    return 0;
  } catch (e) {
    process.stderr.write(`vigil eval: ${sanitizeForTerminal(e instanceof Error ? e.message : String(e))}\n`);
    return 2;
  } finally {
    await closeWorkerPools();
  }
}
