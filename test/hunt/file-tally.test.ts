/** The hunt's count of its files: what the summary says of files read, damaged and unreadable, and their problems. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { FileTallier, PROBLEMS_LISTED } from "../../src/hunt/file-tally.js";
import type { SourceProblem, SourceStats } from "../../src/sources/types.js";

function source(file: string, over: Partial<SourceStats> = {}): SourceStats {
  return {
    file,
    format: "evtx",
    containers: [],
    bytes: 1000,
    events: 10,
    recovered: 0,
    skipped: 0,
    problemCount: 0,
    problems: [],
    ...over,
  };
}

function problems(n: number): SourceProblem[] {
  return Array.from({ length: n }, (_, i) => ({ kind: "evtx-damage", offset: i * 512, reason: `damage ${i}` }));
}

test("a file is read, damaged (problems or skipped records) or unreadable (failed, or no evidence in it)", () => {
  const tallier = new FileTallier();
  tallier.add("clean.evtx", { sources: [source("clean.evtx", { recovered: 3 })] });
  tallier.add("hurt.evtx", { sources: [source("hurt.evtx", { problemCount: 1, problems: problems(1) })] });
  tallier.add("cut.jsonl", { sources: [source("cut.jsonl", { format: "jsonl", skipped: 2 })] });
  tallier.add("notes.txt", { sources: [source("notes.txt", { format: "unknown", events: 0 })] });
  tallier.add("locked.evtx", { failed: "EACCES: permission denied" });
  // A zip with one member of evidence and one of none: read, not unreadable.
  tallier.add("logs.zip", {
    sources: [
      source("logs.zip", { format: "zip", events: 0 }),
      source("logs.zip", { member: "a.evtx" }),
      source("logs.zip", { member: "readme.txt", format: "unknown", events: 0 }),
    ],
  });
  assert.deepEqual(tallier.tally(), {
    files: 6,
    damaged: 2,
    unreadable: 2,
    recovered: 3,
    skipped: 2,
    problemCount: 2,
    problems: [
      { file: "hurt.evtx", offset: 0, reason: "damage 0" },
      { file: "locked.evtx", offset: null, reason: "EACCES: permission denied" },
    ],
  });
});

test("every problem is counted; the first PROBLEMS_LISTED are listed, with the archive member they are in", () => {
  const tallier = new FileTallier();
  tallier.add("a.zip", {
    sources: [source("a.zip", { member: "x.evtx", problemCount: PROBLEMS_LISTED + 200, problems: problems(100) })],
  });
  tallier.add("b.evtx", { sources: [source("b.evtx", { problemCount: 1, problems: problems(1) })] });
  tallier.add("c.evtx", { failed: "EIO" });
  const tally = tallier.tally();
  assert.equal(tally.problemCount, PROBLEMS_LISTED + 202);
  assert.equal(tally.problems.length, PROBLEMS_LISTED);
  assert.deepEqual(tally.problems[0], { file: "a.zip", member: "x.evtx", offset: 0, reason: "damage 0" });
  assert.equal(tally.damaged, 2);
  assert.equal(tally.unreadable, 1);
});

test("the same file ended twice (given twice) counts twice", () => {
  const tallier = new FileTallier();
  const end = { sources: [source("dup.evtx", { problemCount: 3, problems: problems(3), skipped: 1 })] };
  tallier.add("dup.evtx", end);
  tallier.add("dup.evtx", end);
  const tally = tallier.tally();
  assert.deepEqual(
    [tally.files, tally.damaged, tally.problemCount, tally.skipped, tally.problems.length],
    [2, 2, 6, 2, 6],
  );
});
