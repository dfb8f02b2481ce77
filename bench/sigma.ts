/**
 * `npm run bench:sigma`: events per second of the compiled matcher against the reference evaluator, in the same
 * run, over the events of ../shared/evtx/EVTX-ATTACK-SAMPLES read once into memory (so only matching is timed),
 * with 100, 1,000 (spread evenly over the rule set) and all SigmaHQ rules that apply to Windows event logs. Median of
 * 3 runs each, after a first pass that builds the matcher's per-(channel, EventID) structures.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { mapFieldView } from "../src/events/field-map.js";
import { readEvtxFile } from "../src/evtx/index.js";
import type { FieldValue, FieldView } from "../src/evtx/types.js";
import { CompiledMatcher } from "../src/sigma/compile/matcher.js";
import { loadRules } from "../src/sigma/load.js";
import { logsourceTargets } from "../src/sigma/logsources.js";
import type { DetectionRule } from "../src/sigma/model.js";
import { ReferenceEvaluator } from "../src/sigma/reference.js";
import { listEvtxFiles } from "../test/evtx/reference.js";

const shared = fileURLToPath(new URL("../../shared/", import.meta.url));
const samples = join(shared, "evtx", "EVTX-ATTACK-SAMPLES");
if (!existsSync(samples)) {
  console.log(`skipped: ${samples} is absent`);
  process.exit(0);
}

const events: FieldView[] = [];
for (const file of listEvtxFiles(samples)) {
  for await (const record of readEvtxFile(file)) {
    const map = new Map<string, FieldValue>(record.fields.entries());
    events.push(mapFieldView(map));
  }
}
const loaded = await loadRules(
  ["rules", "rules-emerging-threats", "rules-threat-hunting"].map((f) => join(shared, "sigma", f)),
);
const windows = loaded.rules.filter(
  (r): r is DetectionRule => r.kind === "detection" && logsourceTargets(r.logsource) !== null,
);
console.log(`${events.length} events from ${samples}; ${windows.length} SigmaHQ rules apply to Windows event logs`);

function eventsPerSecond(match: (e: FieldView) => unknown[]): { rate: number; hits: number } {
  const rates: number[] = [];
  let hits = 0;
  for (let run = 0; run < 3; run++) {
    hits = 0;
    const start = performance.now();
    for (const e of events) hits += match(e).length;
    rates.push(events.length / ((performance.now() - start) / 1000));
  }
  rates.sort((a, b) => a - b);
  return { rate: rates[1], hits };
}

/**
 * n rules spread evenly over the load order (which is SigmaHQ's folder order), so that the smaller sets have the
 * same mix of log sources as the whole; the first n files would be mostly rare log sources that never meet an event.
 */
function sample<T>(all: readonly T[], n: number): T[] {
  if (n >= all.length) return [...all];
  return Array.from({ length: n }, (_, i) => all[Math.floor((i * all.length) / n)] as T);
}

const results: { n: number; compiled: number; reference: number }[] = [];
const matchers: CompiledMatcher[] = [];
for (const n of [100, 1000, windows.length]) {
  const rules = sample(windows, n);
  const compiled = new CompiledMatcher(rules);
  const reference = new ReferenceEvaluator(rules);
  for (const e of events) compiled.match(e);
  matchers.push(compiled);
  const c = eventsPerSecond((e) => compiled.match(e));
  const r = eventsPerSecond((e) => reference.match(e));
  if (c.hits !== r.hits)
    throw new Error(`compiled and reference disagree at ${n} rules: ${c.hits} vs ${r.hits} matches`);
  results.push({ n, compiled: c.rate, reference: r.rate });
  console.log(
    `${String(n).padStart(5)} rules: compiled ${c.rate.toFixed(0).padStart(8)} events/s, reference ${r.rate.toFixed(0).padStart(7)} events/s, ${(c.rate / r.rate).toFixed(2)}x; ${c.hits} matches`,
  );
}
const last = results[results.length - 1] as (typeof results)[number];
console.log(`compiled vs reference at all ${last.n} rules: ${(last.compiled / last.reference).toFixed(2)}x`);

// Cost per event with all rules against 100 rules: the two compiled matchers timed in alternation, 7 rounds, the
// median ratio, so that load from other processes falls on both alike.
const small = matchers[0] as CompiledMatcher;
const all = matchers[matchers.length - 1] as CompiledMatcher;
const pass = (m: CompiledMatcher): number => {
  const start = performance.now();
  for (const e of events) m.match(e);
  return performance.now() - start;
};
const ratios: number[] = [];
for (let round = 0; round < 7; round++) ratios.push(pass(all) / pass(small));
ratios.sort((a, b) => a - b);
console.log(
  `cost per event, all ${all.ruleCount} rules vs ${small.ruleCount} rules (compiled, median of 7 alternating passes): ${(ratios[3] as number).toFixed(2)}x`,
);

// The same with the rules that search every value of every event left out (keyword rules whose log source is any
// Windows channel): they alone make each event's whole text worth scanning, whatever else is loaded.
const everywhere = windows.filter(
  (r) =>
    logsourceTargets(r.logsource)?.some((t) => t.channel === "*") === true &&
    [...r.searches.values()].some((x) => x.kind === "keywords"),
);
const rest = new CompiledMatcher(windows.filter((r) => !everywhere.includes(r)));
for (const e of events) rest.match(e);
const restRatios: number[] = [];
for (let round = 0; round < 7; round++) restRatios.push(pass(rest) / pass(small));
restRatios.sort((a, b) => a - b);
console.log(
  `cost per event without the ${everywhere.length} keyword rule(s) for every channel (${everywhere.map((r) => r.title).join(", ")}): ${(restRatios[3] as number).toFixed(2)}x`,
);
