/**
 * 2,000 mutated EVTX files (bit flips, truncations, spliced chunks, absurd sizes and offsets): no exception, every
 * record renders. `npm run fuzz` runs 100,000 and also enforces the per-case time limit; here the slowest case and
 * the heap growth are printed, not asserted (timing belongs to benches).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { runFuzz } from "./fuzz-cases.js";
import { fuzzSeeds } from "./fuzz-seeds.js";

test("2,000 mutated files read without an exception", (t) => {
  const { seeds, fromCorpus } = fuzzSeeds();
  const summary = runFuzz(seeds, 2000, 20261127);
  assert.equal(summary.cases, 2000);
  assert.ok(Object.keys(summary.byMutation).length >= 6, "every mutation kind ran");
  t.diagnostic(
    `seeds: ${seeds.length} (${fromCorpus ? "corpus and built" : "built only: ../shared absent"}); records read ${summary.records}, damage reported ${summary.damage}; slowest case ${summary.slowestCase} at ${summary.slowestMs.toFixed(1)} ms; heap growth ${summary.heapGrowthMB.toFixed(1)} MB`,
  );
});
