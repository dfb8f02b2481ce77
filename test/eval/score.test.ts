import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { type GroundTruth, readGroundTruth } from "../../src/eval/ground-truth.js";
import { Scorer } from "../../src/eval/score.js";
import type { Detection } from "../../src/hunt/detection.js";
import { correlationAlert, processCreation, tempDir } from "../output/fixtures.js";

const truth: GroundTruth = {
  steps: [
    {
      id: "discovery-burst",
      technique: "T1082",
      host: "WS01",
      records: [
        { file: "evidence/WS01/Sysmon.evtx", recordId: "4711" },
        { file: "evidence/WS01/Sysmon.evtx", recordId: "4712" },
      ],
    },
    {
      id: "ntds-ifm",
      technique: "T1003.003",
      host: "DC01",
      records: [{ file: "evidence/DC01/Security.evtx", recordId: "90" }],
    },
  ],
  compromisedHosts: ["WS01", "DC01"],
  compromisedAccounts: ["CORP\\alice"],
};

const at = (file: string, recordId: string): Detection =>
  processCreation({ recordId, source: { file: join("/sim", file), offset: 0 } });

test("detections on truth records count for their step; others are false positives per 100k benign events", () => {
  const scorer = new Scorer(truth, "/sim");
  scorer.add(at("evidence/WS01/Sysmon.evtx", "4711"));
  scorer.add(at("evidence/WS01/Sysmon.evtx", "4712"));
  scorer.add(at("evidence/WS01/Sysmon.evtx", "5000"));
  // The same record id in another file is not the truth's record.
  scorer.add(at("evidence/WS02/Sysmon.evtx", "4711"));
  const score = scorer.finish(200_003);
  assert.equal(score.truthRecords, 3);
  assert.equal(score.benignEvents, 200_000);
  assert.deepEqual(
    score.steps.map((s) => [s.id, s.detected, s.detections]),
    [
      ["discovery-burst", true, 2],
      ["ntds-ifm", false, 0],
    ],
  );
  assert.equal(score.stepsDetected, 1);
  assert.equal(score.recall, 0.5);
  assert.deepEqual([score.detections, score.truePositives, score.falsePositives], [4, 2, 2]);
  assert.equal(score.falsePositivesPer100k, 1);
  assert.deepEqual(
    score.falsePositiveRules.map((r) => [r.title, r.count]),
    [["Suspicious Encoded PowerShell Command Line", 2]],
  );
});

test("a correlation alert is true when an event of its window is a truth record", () => {
  const base = correlationAlert();
  const c = base.correlation;
  assert.ok(c !== undefined);
  const withEvidence = (file: string, recordId: string): Detection => ({
    ...base,
    correlation: { ...c, evidence: [{ rule: "ntdsutil", timestamp: 0, recordId, computer: "DC01", file }] },
  });
  const scorer = new Scorer(truth, "/sim");
  scorer.add(withEvidence("/sim/evidence/DC01/Security.evtx", "90"));
  scorer.add(withEvidence("/sim/evidence/DC01/Security.evtx", "91"));
  const score = scorer.finish(1000);
  assert.equal(score.steps[1]?.detected, true);
  assert.deepEqual([score.truePositives, score.falsePositives], [1, 1]);
});

test("the ground-truth reader takes the simulator's file and rejects a malformed one with the reason", async () => {
  const dir = tempDir();
  const good = join(dir, "good.json");
  writeFileSync(
    good,
    JSON.stringify({
      ...truth,
      seed: 7,
      steps: [{ ...truth.steps[0], records: [{ file: "a\\b.evtx", recordId: 5 }] }],
    }),
  );
  const read = await readGroundTruth(good);
  assert.equal(read.seed, 7);
  assert.deepEqual(read.steps[0]?.records, [{ file: "a/b.evtx", recordId: "5" }]);
  const bad = join(dir, "bad.json");
  writeFileSync(bad, JSON.stringify({ steps: [{ id: "x", technique: "T1", host: "h" }] }));
  await assert.rejects(readGroundTruth(bad), /step 0 has no records/);
  writeFileSync(bad, "{");
  await assert.rejects(readGroundTruth(bad), /bad\.json/);
});
