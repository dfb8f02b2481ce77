/** Helpers shared by the Sigma tests: events as flat field views, detection rules from YAML text. */
import assert from "node:assert/strict";
import { mapFieldView } from "../../src/events/field-map.js";
import type { FieldValue, FieldView } from "../../src/evtx/types.js";
import type { DetectionRule } from "../../src/sigma/model.js";
import { loadRuleText } from "../../src/sigma/rule-text.js";

/** A flat field view over `{ "System.Channel": …, "EventData.CommandLine": … }`, in the order given. */
export function view(fields: Record<string, FieldValue>): FieldView {
  const map = new Map(Object.entries(fields));
  return mapFieldView(map);
}

export function detectionRules(rules: readonly { kind: string }[]): DetectionRule[] {
  return rules.filter((r): r is DetectionRule => r.kind === "detection");
}

/** The detection rules of a YAML text, which must load without any problem. */
export function loadDetectionRules(text: string, file = "test.yml"): DetectionRule[] {
  const { rules, problems } = loadRuleText(text, file);
  assert.deepEqual(problems, []);
  return detectionRules(rules);
}
