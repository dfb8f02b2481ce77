/** A file split between threads comes back as one: its parts' counts added, their problems kept as one source's. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { type FileResult, mergeFileResults } from "../../src/hunt/scan-file.js";
import { ScopeCollector } from "../../src/scope/index.js";
import { PROBLEMS_KEPT, type SourceProblem } from "../../src/sources/types.js";

function part(first: number, problems: number, events: number): FileResult {
  const list: SourceProblem[] = Array.from({ length: Math.min(problems, PROBLEMS_KEPT) }, (_, i) => ({
    kind: "evtx-damage",
    offset: first + i,
    reason: `damage ${first + i}`,
  }));
  return {
    sources: [
      {
        file: "/e/big.evtx",
        format: "evtx",
        containers: [],
        bytes: 1000,
        events,
        recovered: 1,
        skipped: problems,
        problemCount: problems,
        problems: list,
      },
    ],
    events,
    matched: events,
    first: events,
    last: events * 10,
    scope: new ScopeCollector().facts(),
  };
}

test("the parts of a split file: counts added, the first problems kept in order, all of them counted", () => {
  const merged = mergeFileResults([part(0, 80, 5), part(1000, 500, 7), part(5000, 3, 2)]);
  assert.equal(merged.sources.length, 1);
  const [s] = merged.sources;
  assert.equal(s?.problemCount, 583);
  assert.equal(s?.skipped, 583);
  assert.equal(s?.events, 14);
  assert.equal(s?.bytes, 3000);
  assert.equal(s?.problems.length, PROBLEMS_KEPT);
  assert.deepEqual(
    s?.problems.map((p) => p.offset),
    [...Array.from({ length: 80 }, (_, i) => i), ...Array.from({ length: PROBLEMS_KEPT - 80 }, (_, i) => 1000 + i)],
  );
  assert.equal(merged.events, 14);
  assert.equal(merged.first, 2);
  assert.equal(merged.last, 70);
});
