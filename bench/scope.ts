/**
 * `npm run bench:scope`: what scoping costs a hunt. Reads every file under ../shared/evtx with openEvidence (EVTX,
 * JSON, archives: as a hunt reads them), once touching only each event's EventID (the least any consumer does), once
 * also passing each event to a ScopeCollector, interleaved, nine times each. Timings on the 2-core test machine vary
 * by up to 50 % between runs, so two figures are printed: the median of the per-run ratios (observed pass over the
 * read pass just before it), and the time clocked around each observe call within the observed pass, against the
 * rest of that pass. The budget is 20 % of a hunt's time, and a hunt also matches every event against its
 * rules, so observe's time is then set against a single-threaded hunt of the corpus with the SigmaHQ rules (when
 * ../shared/sigma is there). Both figures are upper bounds: a hunt's matcher decodes many of the fields observe
 * reads, which the field view then has at hand.
 */
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ScopeCollector } from "../src/scope/collector.js";
import { openEvidence } from "../src/sources/open.js";

const shared = fileURLToPath(new URL("../../shared/", import.meta.url));
const corpus = join(shared, "evtx");
const sigma = join(shared, "sigma", "rules");
const RUNS = 9;

if (!existsSync(corpus)) {
  console.log(`skipped: ${corpus} not found`);
  process.exit(0);
}

interface Pass {
  readonly ms: number;
  readonly events: number;
  /** Time spent inside observe, clocked around each call (includes the clock's own cost, ~50 ns a call). */
  readonly inside: number;
}

async function pass(observe: boolean): Promise<Pass> {
  const collector = new ScopeCollector();
  let events = 0;
  let sink = 0;
  let inside = 0;
  const start = performance.now();
  for await (const event of openEvidence([corpus], { onProblem: () => {} })) {
    events++;
    if (event.fields.get("System.EventID") === 4624) sink++;
    if (observe) {
      const t = performance.now();
      collector.observe(event);
      inside += performance.now() - t;
    }
  }
  const ms = performance.now() - start;
  if (observe && collector.facts().eventsObserved === 0) throw new Error("the collector observed nothing");
  if (sink < 0) console.log(sink);
  return { ms, events, inside };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

// One warm-up of each, then interleaved runs: machine noise (up to 50 % between runs here) hits both alike.
await pass(false);
await pass(true);
const read: number[] = [];
const observed: number[] = [];
const inside: number[] = [];
let events = 0;
for (let i = 0; i < RUNS; i++) {
  const r = await pass(false);
  const o = await pass(true);
  read.push(r.ms);
  observed.push(o.ms);
  inside.push(o.inside / (o.ms - o.inside));
  events = r.events;
}
const readMs = median(read);
const observedMs = median(observed);
const ratio = median(observed.map((o, i) => o / read[i]));
const insideRatio = median(inside);
const observeMs = insideRatio * readMs;
console.log(`corpus ${corpus}: ${events.toLocaleString("en-US")} events, ${RUNS} interleaved runs`);
console.log(
  `read only                ${readMs.toFixed(0).padStart(7)} ms median  (${read.map((x) => x.toFixed(0)).join(", ")})`,
);
console.log(
  `read + ScopeCollector    ${observedMs.toFixed(0).padStart(7)} ms median  (${observed.map((x) => x.toFixed(0)).join(", ")})`,
);
console.log(
  `(read + observe) / read: median of the per-run ratios ${ratio.toFixed(3)} (${((ratio - 1) * 100).toFixed(1)} %)`,
);
console.log(
  `observe clocked inside the pass: ${(insideRatio * 100).toFixed(1)} % of reading, ` +
    `${((observeMs * 1e6) / events).toFixed(0)} ns per event`,
);

if (existsSync(sigma)) {
  const { hunt } = await import("../src/hunt/hunt.js");
  const cacheDir = mkdtempSync(join(tmpdir(), "vigil-bench-scope-"));
  const huntOnce = async (): Promise<number> => {
    const start = performance.now();
    await hunt({
      paths: [corpus],
      rules: { paths: [sigma], builtin: false, placeholders: [], cacheDir },
      settings: { minLevel: "informational", from: null, to: null, recover: true },
      threads: 1,
      output: async () => {},
    });
    return performance.now() - start;
  };
  await huntOnce(); // parses the rules into the cache
  const huntMs = median([await huntOnce(), await huntOnce(), await huntOnce()]);
  console.log(
    `hunt, 1 thread, SigmaHQ rules ${huntMs.toFixed(0).padStart(7)} ms; scoping would add ` +
      `${((observeMs / huntMs) * 100).toFixed(1)} % (clocked) to ${(((ratio - 1) * readMs * 100) / huntMs).toFixed(1)} % ` +
      "(by difference) to it (budget 20 %)",
  );
} else {
  console.log(`(${sigma} not found: no hunt to compare with)`);
}
