import assert from "node:assert/strict";
import { test } from "node:test";
import { deserialize, serialize } from "node:v8";
import type { HuntEvent } from "../../src/events/event.js";
import { MapFieldView } from "../../src/evtx/render/fields.js";
import { detectionOf } from "../../src/hunt/scan-file.js";
import { loadRuleText } from "../../src/sigma/load.js";
import type { DetectionRule } from "../../src/sigma/model.js";

test("a detection keeps every field of its event, one named __proto__ included, through JSON and the sort's bytes", () => {
  const [rule] = loadRuleText(
    `title: t
logsource: { product: windows }
detection:
  keywords: [x]
  condition: keywords
`,
    "r.yml",
  ).rules as [DetectionRule];
  const event: HuntEvent = {
    fields: new MapFieldView(
      new Map<string, string | number>([
        ["System.EventID", 1],
        ["__proto__", "x"],
        ["constructor", "y"],
      ]),
    ),
    timestamp: null,
    source: { file: "events.jsonl", offset: 0 },
    recovered: false,
  };
  const d = detectionOf(rule, event);
  assert.deepEqual(Object.keys(d.event), ["System.EventID", "__proto__", "constructor"]);
  assert.equal(Object.getPrototypeOf(d.event), Object.prototype);
  assert.equal(Object.getOwnPropertyDescriptor(JSON.parse(JSON.stringify(d)).event, "__proto__")?.value, "x");
  const back = deserialize(serialize(d)) as typeof d;
  assert.deepEqual(Object.keys(back.event), ["System.EventID", "__proto__", "constructor"]);
});
