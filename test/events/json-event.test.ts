/**
 * JSON event shapes on the EVTX reader's flat paths: Winlogbeat/ECS, NXLog/Security-Datasets flat events, evtx_dump;
 * the detector that tells them apart; and the one time parser behind HuntEvent.timestamp.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { eventTimestamp } from "../../src/events/event.js";
import { fieldsFromJsonEvent, jsonEventShape } from "../../src/events/json-event.js";
import { fieldsFromEvtxJson } from "../../src/events/json-fields.js";
import { parseTime, parseTimestamp } from "../../src/events/time.js";
import { readEvtxBuffer } from "../../src/evtx/index.js";
import type { FieldView, JsonValue } from "../../src/evtx/types.js";
import { processCreationFile } from "../evtx/fixtures.js";

function flat(fields: FieldView | null): Record<string, unknown> {
  assert.ok(fields !== null, "a known shape");
  return Object.fromEntries(fields.entries());
}

/** A Winlogbeat 7.x document of a Security 4688 event, as Elasticsearch stores it. */
const WINLOGBEAT: JsonValue = {
  "@timestamp": "2024-03-01T10:00:00.123Z",
  agent: { type: "winlogbeat", version: "7.17.0" },
  ecs: { version: "1.12.0" },
  event: { code: "4688", kind: "event", provider: "Microsoft-Windows-Security-Auditing", action: "Process Creation" },
  host: { name: "ws01", os: { family: "windows" } },
  log: { level: "information" },
  message: "A new process has been created.",
  winlog: {
    api: "wineventlog",
    channel: "Security",
    computer_name: "WS01.corp.example",
    event_data: { NewProcessName: "C:\\Windows\\System32\\whoami.exe", CommandLine: "whoami /all" },
    event_id: 4688,
    keywords: ["Audit Success"],
    opcode: "Info",
    process: { pid: 4, thread: { id: 5076 } },
    provider_guid: "{54849625-5478-4994-a5ba-3e3b0328c30d}",
    provider_name: "Microsoft-Windows-Security-Auditing",
    record_id: 2144,
    task: "Process Creation",
    user: { identifier: "S-1-5-18", name: "SYSTEM" },
    version: 2,
  },
};

test("Winlogbeat: winlog's fields on the System/EventData paths, every other ECS key under its own name", () => {
  assert.equal(jsonEventShape(WINLOGBEAT), "winlogbeat");
  assert.deepEqual(flat(fieldsFromJsonEvent(WINLOGBEAT)), {
    "System.Provider.Name": "Microsoft-Windows-Security-Auditing",
    "System.Provider.Guid": "54849625-5478-4994-A5BA-3E3B0328C30D",
    "System.EventID": 4688,
    "System.Version": 2,
    "System.TimeCreated.SystemTime": "2024-03-01T10:00:00.123Z",
    "System.EventRecordID": 2144,
    "System.Execution.ProcessID": 4,
    "System.Execution.ThreadID": 5076,
    "System.Channel": "Security",
    "System.Computer": "WS01.corp.example",
    "System.Security.UserID": "S-1-5-18",
    "EventData.NewProcessName": "C:\\Windows\\System32\\whoami.exe",
    "EventData.CommandLine": "whoami /all",
    "@timestamp": "2024-03-01T10:00:00.123Z",
    "agent.type": "winlogbeat",
    "agent.version": "7.17.0",
    "ecs.version": "1.12.0",
    "event.code": "4688",
    "event.kind": "event",
    "event.provider": "Microsoft-Windows-Security-Auditing",
    "event.action": "Process Creation",
    "host.name": "ws01",
    "host.os.family": "windows",
    "log.level": "information",
    message: "A new process has been created.",
    "winlog.api": "wineventlog",
    "winlog.keywords": ["Audit Success"],
    "winlog.opcode": "Info",
    "winlog.task": "Process Creation",
    "winlog.user.name": "SYSTEM",
  });
});

test("Winlogbeat 8 strings, host.name for a missing computer_name, UserData under its root, dotted-key exports", () => {
  const doc = {
    "@timestamp": "2024-03-01T10:00:00Z",
    host: { name: "dc01" },
    winlog: {
      channel: "Security",
      event_id: "1102",
      record_id: "77",
      user_data: { xml_name: "LogFileCleared", SubjectUserName: "admin", SubjectDomainName: "CORP" },
    },
  };
  const fields = flat(fieldsFromJsonEvent(doc));
  assert.equal(fields["System.EventID"], 1102);
  assert.equal(fields["System.EventRecordID"], 77);
  assert.equal(fields["System.Computer"], "dc01");
  assert.equal(fields["host.name"], "dc01");
  assert.equal(fields["UserData.LogFileCleared.SubjectUserName"], "admin");
  assert.equal(fields["UserData.LogFileCleared.SubjectDomainName"], "CORP");
  assert.equal(fields["winlog.user_data.xml_name"], undefined);
  // The same document with its keys already flattened, as some exports write them.
  const dotted: Record<string, JsonValue> = {};
  const walk = (o: Record<string, JsonValue>, prefix: string): void => {
    for (const [k, v] of Object.entries(o)) {
      if (v !== null && typeof v === "object" && !Array.isArray(v)) walk(v, `${prefix}${k}.`);
      else dotted[`${prefix}${k}`] = v;
    }
  };
  walk(doc, "");
  assert.equal(jsonEventShape(dotted), "winlogbeat");
  assert.deepEqual(flat(fieldsFromJsonEvent(dotted)), fields);
  // user_data without a root name.
  const bare = flat(fieldsFromJsonEvent({ winlog: { event_id: 1, user_data: { Param: "x" } } }));
  assert.equal(bare["UserData.Param"], "x");
});

/** An NXLog im_msvistalog event as the Security-Datasets (Mordor) files hold them. */
const NXLOG: JsonValue = {
  // NXLog writes the keyword mask as a signed 64-bit decimal; JSON.parse reads it as the nearest double.
  Keywords: JSON.parse("-9214364837600034816"),
  SourceName: "Microsoft-Windows-Security-Auditing",
  ProcessID: 4,
  Task: 12544,
  "@version": "1",
  OpcodeValue: 0,
  port: 50108,
  SourceModuleName: "eventlog",
  TargetLogonId: "0x1f2c5c6",
  ThreadID: 2284,
  SeverityValue: 2,
  RecordNumber: 1223870,
  Opcode: "Info",
  EventReceivedTime: "2020-08-06 01:24:01",
  host: "wec.internal.cloudapp.net",
  Channel: "Security",
  TargetUserName: "pgustavo",
  SourceModuleType: "im_msvistalog",
  Hostname: "MORDORDC.theshire.local",
  EventType: "AUDIT_SUCCESS",
  Version: 0,
  EventID: 4634,
  ProviderGuid: "{54849625-5478-4994-a5ba-3e3b0328c30d}",
  Severity: "INFO",
  Category: "Logoff",
  EventTime: "2020-08-06 01:23:59",
  TargetUserSid: "S-1-5-21-1-2-3-1104",
  "@timestamp": "2020-08-06T05:24:01.873Z",
  LogonType: "3",
};

test("flat NXLog events: System values to System paths, every other key to EventData", () => {
  assert.equal(jsonEventShape(NXLOG), "flat");
  const fields = flat(fieldsFromJsonEvent(NXLOG));
  assert.deepEqual(Object.keys(fields).slice(0, 13), [
    "System.Provider.Name",
    "System.Provider.Guid",
    "System.EventID",
    "System.Version",
    "System.Task",
    "System.Opcode",
    "System.Keywords",
    "System.TimeCreated.SystemTime",
    "System.EventRecordID",
    "System.Execution.ProcessID",
    "System.Execution.ThreadID",
    "System.Channel",
    "System.Computer",
  ]);
  assert.equal(fields["System.Provider.Guid"], "54849625-5478-4994-A5BA-3E3B0328C30D");
  assert.equal(fields["System.Keywords"], "0x8020000000000000");
  assert.equal(fields["System.EventRecordID"], 1223870);
  assert.equal(fields["System.Computer"], "MORDORDC.theshire.local");
  // EventTime is the collector's local time with no zone; @timestamp names UTC, so it is the one taken.
  assert.equal(fields["System.TimeCreated.SystemTime"], "2020-08-06T05:24:01.873Z");
  assert.equal(fields["EventData.EventTime"], "2020-08-06 01:23:59");
  assert.equal(fields["EventData.@timestamp"], undefined);
  assert.equal(fields["EventData.TargetUserName"], "pgustavo");
  assert.equal(fields["EventData.LogonType"], "3");
  assert.equal(fields["EventData.Opcode"], "Info");
  assert.equal(fields["EventData.ProcessID"], undefined);
});

test("flat events of other exports: Computer, TimeCreated, ProviderName, EventRecordID; zoned and zoneless times", () => {
  const fields = flat(
    fieldsFromJsonEvent({
      EventID: "4104",
      Channel: "Microsoft-Windows-PowerShell/Operational",
      Computer: "ws02",
      TimeCreated: "2024-05-01 12:00:00.5",
      ProviderName: "Microsoft-Windows-PowerShell",
      EventRecordID: 9,
      Keywords: "9232379236109516800",
      ScriptBlockText: "IEX (New-Object Net.WebClient)",
      Extra: { nested: [1, { deep: true }] },
    }),
  );
  assert.equal(fields["System.EventID"], 4104);
  assert.equal(fields["System.Computer"], "ws02");
  assert.equal(fields["System.Provider.Name"], "Microsoft-Windows-PowerShell");
  assert.equal(fields["System.EventRecordID"], 9);
  assert.equal(fields["System.Keywords"], "0x8020000000000000");
  assert.equal(fields["System.TimeCreated.SystemTime"], "2024-05-01T12:00:00.500Z", "zoneless, read as UTC");
  assert.equal(fields["EventData.ScriptBlockText"], "IEX (New-Object Net.WebClient)");
  assert.deepEqual(fields["EventData.Extra.nested"], [1, '{"deep":true}']);
  const zoned = flat(fieldsFromJsonEvent({ EventID: 1, EventTime: "2021-03-31T12:03:33.169332+03:00" }));
  assert.equal(zoned["System.TimeCreated.SystemTime"], "2021-03-31T09:03:33.169Z");
});

test("the detector: evtx_dump, Elasticsearch hits, and what is no event", () => {
  const dump = { Event: { System: { EventID: 1, Channel: "Sysmon" }, EventData: { Image: "a.exe" } } };
  assert.equal(jsonEventShape(dump), "evtx-json");
  assert.deepEqual(flat(fieldsFromJsonEvent(dump)), flat(fieldsFromEvtxJson(dump)));
  const hit = { _index: "winlogbeat-7", _id: "x", _source: WINLOGBEAT };
  assert.equal(jsonEventShape(hit), "winlogbeat");
  assert.deepEqual(flat(fieldsFromJsonEvent(hit)), flat(fieldsFromJsonEvent(WINLOGBEAT)));
  const notEvents: JsonValue[] = [null, 1, "x", [1], {}, { EventID: "abc" }, { Event: "text" }, { winlog: [] }];
  for (const v of notEvents) {
    assert.equal(jsonEventShape(v), null, JSON.stringify(v));
    assert.equal(fieldsFromJsonEvent(v), null);
  }
});

test("one event, three shapes, the same Sigma-facing fields as the EVTX record", () => {
  const [record] = readEvtxBuffer(
    processCreationFile(1, () => ({ image: "C:\\Windows\\System32\\whoami.exe", commandLine: "whoami /all" })),
  ).records;
  // The writer's System element leaves TimeCreated out here: the record header's time stands in for it.
  const iso = record.timestamp;
  const beat = fieldsFromJsonEvent({
    "@timestamp": iso,
    winlog: {
      channel: "Security",
      event_id: "4688",
      computer_name: "DC01.corp.example",
      record_id: 1,
      provider_name: "Microsoft-Windows-Security-Auditing",
      event_data: { NewProcessName: "C:\\Windows\\System32\\whoami.exe", CommandLine: "whoami /all" },
    },
  });
  const nxlog = fieldsFromJsonEvent({
    EventID: 4688,
    Channel: "Security",
    Hostname: "DC01.corp.example",
    RecordNumber: 1,
    SourceName: "Microsoft-Windows-Security-Auditing",
    EventTime: iso,
    NewProcessName: "C:\\Windows\\System32\\whoami.exe",
    CommandLine: "whoami /all",
  });
  const paths = [
    "System.EventID",
    "System.Channel",
    "System.Computer",
    "System.EventRecordID",
    "System.Provider.Name",
    "EventData.NewProcessName",
    "EventData.CommandLine",
  ];
  const pick = (f: FieldView | null) => paths.map((p) => f?.get(p));
  assert.deepEqual(pick(beat), pick(record.fields));
  assert.deepEqual(pick(nxlog), pick(record.fields));
  const ms = parseTimestamp(record.timestamp);
  assert.equal(typeof ms, "number");
  assert.equal(eventTimestamp(beat as FieldView), ms);
  assert.equal(eventTimestamp(nxlog as FieldView), ms);
});

test("timestamps: ISO-8601 with T or space, any fraction, Z, offsets, or no zone (read as UTC)", () => {
  const base = Date.UTC(2025, 10, 27, 7, 40, 10, 165);
  assert.equal(parseTimestamp("2025-11-27T07:40:10.165324Z"), base);
  assert.equal(parseTimestamp("2025-11-27T07:40:10.165324500Z"), base);
  assert.equal(parseTimestamp("2025-11-27 07:40:10.165"), base);
  assert.equal(parseTimestamp("2025-11-27T09:40:10.165+02:00"), base);
  assert.equal(parseTimestamp("2025-11-27T02:10:10.165-0530"), base);
  assert.equal(parseTimestamp("2025-11-27T07:40:10Z"), Date.UTC(2025, 10, 27, 7, 40, 10));
  assert.deepEqual(parseTime("2025-11-27 07:40:10"), { ms: Date.UTC(2025, 10, 27, 7, 40, 10), zoned: false });
  for (const bad of ["", "yesterday", "2025-13-01T00:00:00Z", "2025-11-27", 1700000000, null, undefined]) {
    assert.equal(parseTimestamp(bad), null, String(bad));
  }
  // The EVTX form (read without the regular expression) with every fraction length gives what the general form gives.
  for (const fraction of ["1", "16", "165", "1653", "165324", "1653245", "165324500", "1653245001234567891"]) {
    const ms = Date.UTC(2025, 10, 27, 7, 40, 10, Number(fraction.slice(0, 3).padEnd(3, "0")));
    assert.equal(parseTimestamp(`2025-11-27T07:40:10.${fraction}Z`), ms, fraction);
    assert.equal(parseTimestamp(`2025-11-27T07:40:10.${fraction}+00:00`), ms, fraction);
  }
  for (const bad of [
    "2025-11-27T07:40:10.Z",
    "2025-11-27T07:40:1x.123Z",
    "2025-11-27T24:00:00.000Z",
    "2025-00-27T07:40:10.1Z",
  ]) {
    assert.equal(parseTimestamp(bad), null, bad);
  }
  const fields = fieldsFromJsonEvent({ "@timestamp": "2024-01-01T00:00:00Z", winlog: { event_id: 1 } });
  assert.equal(eventTimestamp(fields as FieldView), Date.UTC(2024, 0, 1));
});
