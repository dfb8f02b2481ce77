/**
 * `npm run fuzz [-- --cases N --seed S]`: the long fuzz run. Fails on any exception, on a case slower than 1 s, or
 * when the heap grows by more than 64 MB over the run (measured after full collections: npm run fuzz passes
 * --expose-gc; the shape caches hold at most 4,096 entries).
 */
import { runFuzz } from "../test/evtx/fuzz-cases.js";
import { fuzzSeeds } from "../test/evtx/fuzz-seeds.js";

const arg = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const cases = arg("--cases", 100000);
const seed = arg("--seed", Date.now() % 2 ** 31);
const { seeds, fromCorpus } = fuzzSeeds();
console.log(
  `fuzz: ${cases} cases, seed ${seed}, ${seeds.length} seed files (${fromCorpus ? "corpus and built" : "built only"})`,
);
const slow: string[] = [];
const started = performance.now();
const summary = runFuzz(seeds, cases, seed, ({ n, mutation, ms }) => {
  if (ms > 1000) slow.push(`case ${n} (${mutation}): ${ms.toFixed(0)} ms`);
  if (n > 0 && n % 10000 === 0) console.log(`  ${n} cases, ${((performance.now() - started) / 1000).toFixed(0)} s`);
});
console.log(JSON.stringify(summary, null, 2));
let failed = false;
if (slow.length > 0) {
  console.log(`cases over 1 s:\n${slow.join("\n")}`);
  failed = true;
}
if (summary.heapGrowthMB > 64) {
  console.log(`heap grew by ${summary.heapGrowthMB.toFixed(0)} MB`);
  failed = true;
}
console.log(
  failed ? "fuzz: FAILED" : `fuzz: ${summary.cases} cases, no exception, slowest ${summary.slowestMs.toFixed(1)} ms`,
);
process.exit(failed ? 1 : 0);
