import assert from "node:assert/strict";
import { test } from "node:test";
import { deserialize, serialize } from "node:v8";
import type { HuntEvent } from "../../src/events/event.js";
import { MapFieldView } from "../../src/evtx/render/fields.js";
import { detectionOf } from "../../src/hunt/scan-file.js";
import type { DetectionRule } from "../../src/sigma/model.js";
import { loadRuleText } from "../../src/sigma/rule-text.js";

/** Any rule will do: the detection is made of the event. */
const [rule] = loadRuleText(
  `title: t
logsource: { product: windows }
detection:
  keywords: [x]
  condition: keywords
`,
  "r.yml",
).rules as [DetectionRule];

test("a detection keeps every field of its event, one named __proto__ included, through JSON and the sort's bytes", () => {
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

test("an EVTX record's detection copies its layout's template: the same fields, order and values as one built field by field", async () => {
  const layout = [
    "System.EventID",
    "System.Computer",
    "__proto__",
    "EventData.Data",
    "EventData.Big",
    "EventData.Data",
  ];
  const values = [4688, "WS1", "x", ["a", "b"], 12345678901234567890n, "last"];
  const asMap = new MapFieldView(new Map(layout.map((p, i) => [p, values[i] as string])));
  const withLayout = (vals: readonly unknown[]): HuntEvent["fields"] => ({
    get: (path) => asMap.get(path),
    entries: () => asMap.entries(),
    forEach: (visit) => {
      layout.forEach((p, i) => {
        visit(vals[i] as string, p);
      });
    },
    layout: () => layout,
    layoutValues: () => vals as string[],
  });
  const event = (fields: HuntEvent["fields"]): HuntEvent => ({
    fields,
    timestamp: null,
    source: { file: "Security.evtx", offset: 4096 },
    recovered: false,
  });
  const first = detectionOf(rule, event(withLayout(values)));
  // The same layout again, other values: the template is reused and left as it was.
  const second = detectionOf(rule, event(withLayout([4624, "DC1", "y", [], 1n, "again"])));
  assert.deepEqual(Object.keys(first.event), [
    "System.EventID",
    "System.Computer",
    "__proto__",
    "EventData.Data",
    "EventData.Big",
  ]);
  assert.equal(Object.getPrototypeOf(first.event), Object.prototype);
  assert.equal(Object.getOwnPropertyDescriptor(first.event, "__proto__")?.value, "x");
  assert.equal(first.event["EventData.Big"], "12345678901234567890");
  assert.equal(first.event["EventData.Data"], "last");
  assert.equal(first.computer, "WS1");
  assert.equal(first.eventId, 4688);
  assert.equal(second.event["System.Computer"], "DC1");
  assert.deepEqual(second.event["EventData.Data"], "again");
  assert.equal(first.event["System.Computer"], "WS1");
  // Field by field (no layout) gives the same object.
  const { layout: _, layoutValues: __, ...plain } = withLayout(values);
  assert.deepEqual(JSON.stringify(detectionOf(rule, event(plain)).event), JSON.stringify(first.event));
});
