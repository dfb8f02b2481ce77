import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { loadRuleSet, packRuleSet, unpackRuleSet } from "../../src/hunt/rules.js";

test("the rule set sent to workers unpacks to the same rules, from the cache or freshly parsed", async () => {
  const root = mkdtempSync(join(tmpdir(), "vigil-pack-"));
  const rules = join(root, "rules");
  mkdirSync(rules);
  writeFileSync(
    join(rules, "a.yml"),
    `title: A
id: 5b0e3f3c-7c7e-4e7b-9d9e-2f2f6b1c0a01
logsource: { product: windows, service: security }
detection:
  selection: { EventID: 4624, TargetUserName: alice }
  condition: selection
---
title: C
correlation: { type: event_count, rules: [5b0e3f3c-7c7e-4e7b-9d9e-2f2f6b1c0a01], group-by: [Computer], timespan: 1h, condition: { gte: 2 } }
`,
  );
  const spec = { paths: [rules], builtin: false, placeholders: [], cacheDir: join(root, "cache") };
  const parsed = await loadRuleSet(spec);
  const cached = await loadRuleSet(spec);
  for (const set of [parsed, cached]) {
    const unpacked = unpackRuleSet(packRuleSet(set));
    assert.deepEqual(unpacked, set);
    assert.deepEqual(
      unpacked.rules.map((r) => r.kind),
      ["detection", "correlation"],
    );
  }
});
