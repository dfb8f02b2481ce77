import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { isDeepStrictEqual } from "node:util";
import { deserialize, serialize } from "node:v8";
import type { HuntEvent } from "../../src/events/event.js";
import { readEvtxBuffer } from "../../src/evtx/index.js";
import { MapFieldView } from "../../src/evtx/render/fields.js";
import type { FieldValue } from "../../src/evtx/types.js";
import { detectionOf, digestOf } from "../../src/hunt/scan-file.js";
import { detectionDigest } from "../../src/scope/incidents.js";
import type { DetectionRule } from "../../src/sigma/model.js";
import { loadRuleText } from "../../src/sigma/rule-text.js";
import { discoverFiles, isEvtxName } from "../../src/sources/discover.js";

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

/** An event of flat fields, as a JSON export gives them. */
function flatEvent(fields: Record<string, FieldValue>, member?: string): HuntEvent {
  return {
    fields: new MapFieldView(new Map(Object.entries(fields))),
    timestamp: 1_700_000_000_000,
    source: { file: "e.jsonl", ...(member === undefined ? {} : { member }), offset: 42 },
    recovered: false,
  };
}

test("the digest read from an event is the digest of the detection it would make, for every kind of event scoping reads", () => {
  const events = [
    // A network logon, a failed one (its target account left out), explicit credentials toward a server.
    {
      "System.Channel": "Security",
      "System.EventID": 4624,
      "System.Computer": "DC01.corp.example",
      "System.EventRecordID": 12345678901234567890n,
      "EventData.TargetUserName": "alice",
      "EventData.TargetDomainName": "CORP",
      "EventData.IpAddress": "10.1.2.3",
      "EventData.WorkstationName": "WS7",
      "EventData.LogonType": 3,
    },
    {
      "System.Channel": "Security",
      "System.EventID": 4625,
      "System.Computer": "WS1",
      "EventData.TargetUserName": "admin",
      "EventData.SubjectUserName": "-",
      "EventData.IpAddress": "203.0.113.9",
    },
    {
      "System.Channel": "Security",
      "System.EventID": 4648,
      "System.Computer": "WS1",
      "EventData.SubjectUserName": "bob",
      "EventData.TargetServerName": "FILES01",
      "EventData.IpAddress": "10.0.0.8",
    },
    {
      "System.Channel": "Security",
      "System.EventID": 4776,
      "System.Computer": "DC01",
      "EventData.Status": "0xc000006a",
    },
    // Sysmon network connections, outbound and inbound.
    {
      "System.Channel": "Microsoft-Windows-Sysmon/Operational",
      "System.EventID": 3,
      "System.Computer": "WS2",
      "EventData.Initiated": "true",
      "EventData.SourceIp": "10.0.0.2",
      "EventData.DestinationIp": "10.0.0.9",
      "EventData.SourcePort": 50123,
      "EventData.DestinationPort": 445,
      "EventData.User": "CORP\\carol",
    },
    {
      "System.Channel": "Microsoft-Windows-Sysmon/Operational",
      "System.EventID": 3,
      "System.Computer": "WS2",
      "EventData.Initiated": false,
      "EventData.SourceIp": "10.0.0.5",
      "EventData.DestinationIp": "10.0.0.2",
      "EventData.SourcePort": 60000,
      "EventData.DestinationPort": 3389,
    },
    // No channel: the provider names the log. No table entry: the first data fields, arrays and long text cut.
    {
      "System.Provider.Name": "Microsoft-Windows-Eventlog",
      "System.EventID": 1102,
      "UserData.LogFileCleared.SubjectUserName": "eve",
    },
    {
      "System.Channel": "Application",
      "System.EventID": "1000",
      "EventData.Data": ["a", 1, null, ["b"]],
      "EventData.Long": "x\n".repeat(400),
      ...Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`EventData.F${i}`, i % 3 === 0 ? "" : `v${i}`])),
    },
    { "System.EventID": "not a number", "EventData.CommandLine": "cmd /c whoami" },
    {},
  ] as Record<string, FieldValue>[];
  for (const [i, fields] of events.entries()) {
    const event = flatEvent(fields, i % 2 === 0 ? undefined : "inner/a.evtx");
    assert.deepStrictEqual(
      digestOf(event),
      detectionDigest(detectionOf(rule, event)),
      JSON.stringify(fields, (_, v) => (typeof v === "bigint" ? `${v}n` : v)),
    );
  }
});

const shared = fileURLToPath(new URL("../../../shared/evtx/", import.meta.url));

test("over every record of ../shared/evtx, the digest read from the event is its detection's digest", {
  skip: existsSync(shared) ? false : `corpus absent: ${shared}`,
  timeout: 10 * 60_000,
}, async () => {
  let records = 0;
  const differ: string[] = [];
  for await (const file of discoverFiles([shared], isEvtxName, [])) {
    for (const record of readEvtxBuffer(readFileSync(file), { file }).records) {
      records++;
      const event: HuntEvent = {
        fields: record.fields,
        timestamp: null,
        source: { file, offset: record.offset },
        recovered: record.recovered,
      };
      if (!isDeepStrictEqual(digestOf(event), detectionDigest(detectionOf(rule, event)))) {
        differ.push(`${file} ${record.recordId}`);
      }
    }
  }
  assert.ok(records > 40_000, `${records} records`);
  assert.deepEqual(differ.slice(0, 10), [], `${differ.length} records differ`);
});
