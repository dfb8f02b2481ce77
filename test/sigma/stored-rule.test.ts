import assert from "node:assert/strict";
import { test } from "node:test";
import type { SigmaRule } from "../../src/sigma/model.js";
import { loadRuleText } from "../../src/sigma/rule-text.js";
import { revivedRule, storedRule } from "../../src/sigma/stored-rule.js";

const text = `title: Encoded PowerShell
id: 0d0c9a3e-8f0b-4a71-9e23-7b0c2a6a1f01
description: A command line with an encoded command
references: [https://example.org/a]
falsepositives: [Admin scripts]
level: high
tags: [attack.execution]
logsource: { product: windows, category: process_creation }
detection:
  selection: { Image|endswith: '\\powershell.exe', CommandLine|contains: ' -enc ' }
  filter: { User: admin }
  condition: selection and not filter
---
title: Many encoded commands
correlation: { type: event_count, rules: [0d0c9a3e-8f0b-4a71-9e23-7b0c2a6a1f01], group-by: [Computer], timespan: 1h, condition: { gte: 3 } }
`;

/** Whether a revived rule's body has been read (its hidden "body" slot is filled). */
function bodyRead(rule: SigmaRule): boolean {
  const slot = Object.getOwnPropertySymbols(rule).find((s) => s.description === "body") as symbol;
  return (rule as unknown as Record<symbol, unknown>)[slot] !== undefined;
}

function rules(): SigmaRule[] {
  const loaded = loadRuleText(text, "r.yml");
  assert.deepEqual(loaded.problems, []);
  return loaded.rules;
}

test("a stored rule revives equal to the rule, correlations whole", () => {
  const [detection, correlation] = rules() as [SigmaRule, SigmaRule];
  assert.equal(storedRule(correlation).body, null);
  assert.deepEqual(revivedRule(storedRule(correlation)), correlation);
  const revived = revivedRule(storedRule(detection));
  assert.deepEqual(revived, detection);
  assert.equal(revived.kind, "detection");
  assert.deepEqual(Object.keys(revived).sort(), Object.keys(detection).sort());
});

test("a revived rule's body is read on first use, once", () => {
  const [detection] = rules() as [SigmaRule];
  const stored = storedRule(detection);
  const revived = revivedRule(stored);
  assert.equal(bodyRead(revived), false);
  assert.equal(revived.title, "Encoded PowerShell");
  assert.equal(bodyRead(revived), false, "the head is read without the body");
  if (revived.kind !== "detection" || detection.kind !== "detection") throw new Error("a detection rule");
  assert.deepEqual(revived.conditions, detection.conditions);
  assert.equal(bodyRead(revived), true);
  assert.equal(revived.searches, revived.searches, "read once: the same map each time");
  // The stored form is untouched, and revives again.
  assert.deepEqual(revivedRule(stored), detection);
});

test("a revived rule is stored again as the bytes it came from, without reading its body", () => {
  const [detection] = rules() as [SigmaRule];
  const stored = storedRule(detection);
  const revived = revivedRule(stored);
  const again = storedRule(revived);
  assert.equal(again.body, stored.body);
  assert.deepEqual(again.head, stored.head);
  assert.equal(bodyRead(revived), false);
  // Read or not, the same bytes.
  assert.ok(revived.kind === "detection" && revived.searches.size === 2);
  assert.equal(storedRule(revived).body, stored.body);
});
