/** `vigil simulate`: writes a simulated network's event logs with an intrusion and its ground truth. */
import { type Command, InvalidArgumentError } from "commander";
import { sanitizeForTerminal } from "../output/terminal.js";
import {
  DEFAULT_DAYS,
  DEFAULT_HOSTS,
  DEFAULT_SEED,
  MAX_DAYS,
  MAX_HOSTS,
  MIN_HOSTS,
  SCENARIOS,
  type Scenario,
  SimulationError,
  simulate,
} from "../simulate/index.js";

interface SimulateCliOptions {
  out: string;
  seed: number;
  hosts: number;
  days: number;
  quiet: boolean;
}

function wholeNumber(min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}`);
    }
    return n;
  };
}

function parseScenario(value: string): Scenario {
  const scenario = SCENARIOS.find((s) => s === value);
  if (scenario === undefined) throw new InvalidArgumentError(`expected one of ${SCENARIOS.join(", ")}`);
  return scenario;
}

export function registerSimulate(program: Command): void {
  program
    .command("simulate")
    .description(
      "Write a simulated critical-infrastructure network's event logs (EVTX) with an intrusion and its ground truth",
    )
    .argument("<scenario>", `the intrusion to play: ${SCENARIOS.join(", ")}`, parseScenario)
    .requiredOption("-o, --out <dir>", "folder to write to (new or empty)")
    .option(
      "--seed <n>",
      "random seed: the same seed writes the same files",
      wholeNumber(0, Number.MAX_SAFE_INTEGER),
      DEFAULT_SEED,
    )
    .option(
      "--hosts <n>",
      `hosts with logs (${MIN_HOSTS}-${MAX_HOSTS})`,
      wholeNumber(MIN_HOSTS, MAX_HOSTS),
      DEFAULT_HOSTS,
    )
    .option("--days <n>", `days of logs (1-${MAX_DAYS})`, wholeNumber(1, MAX_DAYS), DEFAULT_DAYS)
    .option("-q, --quiet", "no summary", false)
    .action(async (scenario: Scenario, options: SimulateCliOptions) => {
      process.exitCode = await runSimulate(scenario, options);
    });
}

async function runSimulate(scenario: Scenario, options: SimulateCliOptions): Promise<number> {
  try {
    const s = await simulate({
      outDir: options.out,
      scenario,
      seed: options.seed,
      hosts: options.hosts,
      days: options.days,
    });
    if (!options.quiet) {
      const mb = (s.bytes / 1e6).toFixed(1);
      process.stdout.write(
        `${sanitizeForTerminal(s.outDir)}: ${s.events} events in ${s.files} EVTX files (${mb} MB), ${s.hosts} hosts, ` +
          `${s.start} to ${s.end}, seed ${s.seed}\n` +
          `intrusion: ${s.steps} steps, ${s.intrusionEvents} records; compromised ${s.compromisedHosts.join(", ")} ` +
          `with ${s.compromisedAccounts.join(", ")}\n` +
          "ground truth: ground-truth.json, assets: assets.csv\n",
      );
    }
    return 0;
  } catch (e) {
    if (!(e instanceof SimulationError)) throw e;
    process.stderr.write(`vigil simulate: ${sanitizeForTerminal(e.message)}\n`);
    return 2;
  }
}
