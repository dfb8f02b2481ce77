/**
 * SigmaHQ regression cases through Vigil end to end: each case's rule, loaded from the SigmaHQ folders, must fire on
 * its own `.evtx` (read by Vigil's EVTX reader) at least `match_count` times (once where absent), evaluated by the
 * reference evaluator. Records recovered from slack are not counted: the count is over the records the file holds.
 */
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { fieldsFromEvtxJson } from "../../src/events/json-fields.js";
import { readEvtxBuffer } from "../../src/evtx/index.js";
import { loadRules } from "../../src/sigma/load.js";
import type { DetectionRule } from "../../src/sigma/model.js";
import { ReferenceEvaluator } from "../../src/sigma/reference.js";
import { parseConcatenatedJson } from "../../src/sources/concatenated-json.js";

const sigma = fileURLToPath(new URL("../../../shared/sigma/", import.meta.url));
const regression = join(sigma, "regression_data");
const skip = existsSync(regression)
  ? false
  : `reference data absent: ${regression} does not exist (CI has ../shared beside the project)`;

interface Case {
  readonly dir: string;
  readonly ruleId: string;
  readonly matchCount: number;
}

function cases(dir: string, out: Case[] = []): Case[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) cases(path, out);
    else if (entry.name === "info.yml") {
      const info = parse(readFileSync(path, "utf8")) as {
        rule_metadata: { id: string }[];
        regression_tests_info?: { match_count?: number }[];
      };
      const tests = info.regression_tests_info;
      if (tests === undefined) continue; // the one case without a test (a Cisco syslog line)
      out.push({ dir, ruleId: info.rule_metadata[0].id, matchCount: tests[0].match_count ?? 1 });
    }
  }
  return out;
}

test("each regression case's rule fires on its own .evtx, and on the .json beside it, at least match_count times (202/202)", {
  skip,
}, async (t) => {
  const loaded = await loadRules(
    ["rules", "rules-emerging-threats", "rules-threat-hunting"].map((f) => join(sigma, f)),
  );
  const byId = new Map<string, DetectionRule>();
  for (const rule of loaded.rules) if (rule.kind === "detection" && rule.id) byId.set(rule.id, rule);
  const all = cases(regression);
  assert.equal(all.length, 202);
  const failures: string[] = [];
  for (const c of all) {
    const rule = byId.get(c.ruleId);
    if (rule === undefined) {
      failures.push(`${c.dir}: rule ${c.ruleId} not loaded`);
      continue;
    }
    const evaluator = new ReferenceEvaluator([rule]);
    if (evaluator.ruleCount !== 1) {
      failures.push(`${c.dir}: rule ${c.ruleId} cannot run: ${JSON.stringify(evaluator.problems)}`);
      continue;
    }
    const evtx = readdirSync(c.dir).find((f) => f.endsWith(".evtx")) as string;
    const { records } = readEvtxBuffer(readFileSync(join(c.dir, evtx)));
    const hits = records.filter((r) => !r.recovered && evaluator.match(r.fields).length > 0).length;
    if (hits < c.matchCount) failures.push(`${c.dir}: ${rule.title}: ${hits} matches, expected ${c.matchCount}`);
    // The same events as evtx_dump JSON, through the JSON field view.
    const json = parseConcatenatedJson(readFileSync(join(c.dir, evtx.replace(/\.evtx$/, ".json")), "utf8"));
    assert.deepEqual(json.problems, []);
    const jsonHits = json.values.filter((v) => {
      const fields = fieldsFromEvtxJson(v);
      return fields !== null && evaluator.match(fields).length > 0;
    }).length;
    if (jsonHits < c.matchCount)
      failures.push(`${c.dir} (.json): ${rule.title}: ${jsonHits} matches, expected ${c.matchCount}`);
  }
  t.diagnostic(`${all.length - failures.length}/${all.length} cases fire`);
  assert.deepEqual(failures, []);
});
