/** Prefilter requirements: what an event must hold for a rule to be worth evaluating, soundly and as tightly as cheap. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { type Requirement, ruleRequirement } from "../../src/sigma/compile/prefilter.js";
import { logsourceTargets } from "../../src/sigma/logsources.js";
import type { DetectionRule } from "../../src/sigma/model.js";
import { loadRuleText } from "../../src/sigma/rule-text.js";

function requirementOf(detection: string): string[] {
  const [rule] = loadRuleText(
    `title: t\nlogsource: { product: windows, service: security }\ndetection:\n${detection}`,
    "r.yml",
  ).rules as [DetectionRule];
  const [target] = logsourceTargets(rule.logsource) ?? [];
  assert.ok(target);
  return show(ruleRequirement(rule, target, {}));
}

/** Each clause as its atoms' needles, sorted, for comparing. */
function show(r: Requirement): string[] {
  return r
    .map((c) =>
      c
        .map((a) => `${a.path}=${a.needle}`)
        .sort()
        .join(" | "),
    )
    .sort();
}

test("an OR of ANDs keeps one clause per choice of a clause from each operand, not only the cheapest choice", () => {
  // (SubjectUserSid and LogonProcessName and KeyLength) or (LogonProcessName seclogo): both operands' cheapest clauses
  // hold on most network logons; KeyLength is what tells them apart, so a clause with it must be among the OR's.
  const clauses = requirementOf(`    a:
        SubjectUserSid: 'S-1-0-0'
        LogonProcessName: 'NtLmSsp'
        KeyLength: 0
    b:
        LogonProcessName: 'seclogo'
    condition: 1 of a* or b
`);
  assert.ok(clauses.length > 1, clauses.join("\n"));
  assert.ok(
    clauses.some((c) => c.includes("EventData.KeyLength=0") && c.includes("EventData.LogonProcessName=seclogo")),
    clauses.join("\n"),
  );
  // Every clause holds one atom of each operand (sound: whichever operand holds, every clause fires).
  for (const c of clauses) {
    assert.ok(c.includes("seclogo"), c);
    assert.ok(/s-1-0-0|ntlmssp|KeyLength=0/.test(c), c);
  }
});

test("an OR's clauses stay within eight, whatever the operands hold; an operand without clauses leaves none", () => {
  const clauses = requirementOf(`    a: { CommandLine|contains|all: ['one', 'two', 'three', 'four'] }
    b: { Image|endswith: ['\\\\x.exe'], ParentImage|endswith: '\\\\y.exe', User|contains: 'zed' }
    c: { TargetFilename|contains|all: ['alpha', 'beta'] }
    condition: a or b or c
`);
  assert.ok(clauses.length >= 2 && clauses.length <= 8, `${clauses.length}`);
  assert.deepEqual(
    requirementOf(`    a: { CommandLine|contains: 'x' }
    b: { CommandLine|re: '.*' }
    condition: a or not b
`),
    [],
  );
});
