/** JSON out: one object per detection per line, with the whole event, read back line by line. */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { createJsonOutWriter, type JsonDetection } from "../../src/output/json-out.js";
import { correlationAlert, processCreation, tempDir } from "./fixtures.js";

async function written(...detections: ReturnType<typeof processCreation>[]): Promise<JsonDetection[]> {
  const path = join(tempDir(), "detections.jsonl");
  const writer = await createJsonOutWriter(path);
  for (const d of detections) await writer.write(d);
  assert.equal(writer.rows, detections.length);
  await writer.close();
  const text = readFileSync(path, "utf8");
  assert.ok(text.endsWith("\n"));
  return text
    .slice(0, -1)
    .split("\n")
    .map((line) => JSON.parse(line) as JsonDetection);
}

test("a detection: its keys in order, time as ISO, the rule without its kind, every event field", async () => {
  const d = processCreation();
  const [out] = await written(d);
  assert.deepEqual(Object.keys(out), [
    "timestamp",
    "rule",
    "computer",
    "channel",
    "eventId",
    "recordId",
    "source",
    "details",
    "event",
  ]);
  assert.equal(out.timestamp, "2024-01-02T03:04:05.678Z");
  assert.deepEqual(out.rule, {
    id: d.rule.id,
    title: d.rule.title,
    level: "high",
    tags: d.rule.tags,
    file: d.rule.file,
  });
  assert.equal(out.computer, "WS01.corp.example");
  assert.equal(out.channel, "Microsoft-Windows-Sysmon/Operational");
  assert.equal(out.eventId, 1);
  assert.equal(out.recordId, "4711");
  assert.deepEqual(out.source, { file: "/evidence/WS01/Sysmon.evtx", offset: 0x11f8 });
  assert.deepEqual(out.details, d.details);
  assert.deepEqual(out.event, d.event);
  assert.equal(out.correlation, undefined);
});

test("a correlation: member in source, times in the correlation as ISO; null time stays null", async () => {
  const [alert, timeless] = await written(correlationAlert(), processCreation({ timestamp: null }));
  assert.deepEqual(alert.source, { file: "/evidence/logs.zip", member: "DC01/Security.evtx", offset: null });
  assert.deepEqual(alert.event, {});
  assert.deepEqual(alert.correlation, {
    type: "value_count",
    group: { IpAddress: "10.0.0.5" },
    value: 5,
    matchCount: 5,
    firstSeen: "2024-01-02T03:59:00.000Z",
    values: ["alice", "bob"],
    evidence: [{ rule: "Failed Logon", timestamp: "2024-01-02T03:59:00.000Z", recordId: "9", computer: "DC01" }],
  });
  assert.equal(timeless.timestamp, null);
});

test("values with line breaks, quotes, control characters and unicode survive the round trip", async () => {
  const event = {
    "EventData.ScriptBlockText": 'line1\nline2\r\n"quoted"\u0000\u001b[31m\u2028',
    "EventData.User": "ユーザー\u202e",
    "EventData.Data": ["a", 1, true, null],
  };
  const [out] = await written(processCreation({ event }));
  assert.deepEqual(out.event, event);
});

test("a write that fails (disk full) rejects, and no write is taken after close", async (t) => {
  if (!existsSync("/dev/full")) return t.skip("no /dev/full on this system");
  const full = await createJsonOutWriter("/dev/full");
  await assert.rejects(
    (async () => {
      for (let i = 0; i < 200; i++) await full.write(processCreation());
      await full.close();
    })(),
    /^Error: \/dev\/full: ENOSPC/,
  );
  await assert.rejects(full.close(), /^Error: \/dev\/full: ENOSPC/);
  const writer = await createJsonOutWriter(join(tempDir(), "closed.jsonl"));
  await writer.close();
  await assert.rejects(writer.write(processCreation()), /write after close/);
});
