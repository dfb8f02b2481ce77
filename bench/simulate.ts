/**
 * `npm run bench:simulate`: how fast `vigil simulate volt-typhoon` writes evidence. Simulates about a million events
 * (80 hosts over 3 days by default) into a temporary folder, --runs times (default 3), and prints for each run and
 * as the median the events written per second and the EVTX megabytes written per second, with the peak RSS of the
 * process (the simulator holds one hour of records at a time, so it does not grow with --days).
 *
 *   npm run bench:simulate -- [--hosts N] [--days N] [--runs N] [--seed N]
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { simulate } from "../src/simulate/index.js";

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const n = Number(process.argv[i + 1]);
  if (!Number.isInteger(n) || n < 0) {
    console.error(`bench: --${name} takes a whole number`);
    process.exit(2);
  }
  return n;
}

const hosts = option("hosts", 80);
const days = option("days", 3);
const runs = option("runs", 3);
const seed = option("seed", 1);

interface Run {
  readonly events: number;
  readonly bytes: number;
  readonly seconds: number;
}

const results: Run[] = [];
for (let i = 0; i < runs; i++) {
  const parent = mkdtempSync(join(tmpdir(), "vigil-bench-sim-"));
  try {
    const started = performance.now();
    const summary = await simulate({ outDir: join(parent, "out"), hosts, days, seed });
    const seconds = (performance.now() - started) / 1000;
    results.push({ events: summary.events, bytes: summary.bytes, seconds });
    console.log(
      `run ${i + 1}: ${summary.events} events, ${(summary.bytes / 1e6).toFixed(0)} MB in ${summary.files} files, ` +
        `${seconds.toFixed(2)} s: ${Math.round(summary.events / seconds)} events/s, ${(summary.bytes / 1e6 / seconds).toFixed(1)} MB/s`,
    );
  } finally {
    rmSync(parent, { recursive: true, force: true });
  }
}
const median = [...results].sort((a, b) => a.seconds - b.seconds)[Math.floor(results.length / 2)];
console.log(
  `vigil simulate volt-typhoon --hosts ${hosts} --days ${days} --seed ${seed}: median of ${runs} runs ` +
    `${Math.round(median.events / median.seconds)} events/s, ${(median.bytes / 1e6 / median.seconds).toFixed(1)} MB/s ` +
    `(${median.events} events, ${(median.bytes / 1e6).toFixed(0)} MB, ${median.seconds.toFixed(2)} s); ` +
    `peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`,
);
