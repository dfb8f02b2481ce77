/** Timeline: Hayabusa's column profiles as CSV and JSONL, tags split into tactics, techniques and the rest. */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { splitTags, tacticOf } from "../../src/output/attack.js";
import {
  createTimelineWriter,
  TIMELINE_COLUMNS,
  TIMELINE_PROFILES,
  timelineFormat,
  timelineRow,
} from "../../src/output/timeline.js";
import { correlationAlert, parseCsv, processCreation, tempDir } from "./fixtures.js";

test("column order of each profile", () => {
  assert.deepEqual(TIMELINE_COLUMNS.standard, [
    "Timestamp",
    "RuleTitle",
    "Level",
    "Computer",
    "Channel",
    "EventID",
    "RecordID",
    "Details",
    "ExtraFieldInfo",
    "RuleID",
  ]);
  assert.deepEqual(TIMELINE_COLUMNS.verbose, [
    "Timestamp",
    "RuleTitle",
    "Level",
    "Computer",
    "Channel",
    "EventID",
    "MitreTactics",
    "MitreTags",
    "OtherTags",
    "RecordID",
    "Details",
    "ExtraFieldInfo",
    "RuleFile",
    "RuleID",
    "EvtxFile",
  ]);
  assert.deepEqual(TIMELINE_COLUMNS["all-field-info"], [
    "Timestamp",
    "RuleTitle",
    "Level",
    "Computer",
    "Channel",
    "EventID",
    "RecordID",
    "AllFieldInfo",
    "RuleID",
  ]);
});

test("verbose row: ISO time, tags split, details and the other event data", () => {
  const row = timelineRow(processCreation(), "verbose");
  assert.deepEqual(Object.keys(row), TIMELINE_COLUMNS.verbose);
  assert.equal(row.Timestamp, "2024-01-02T03:04:05.678Z");
  assert.equal(row.Level, "high");
  assert.equal(row.EventID, "1");
  assert.equal(row.RecordID, "4711");
  assert.equal(row.MitreTactics, "Exec ¦ Stealth");
  assert.equal(row.MitreTags, "T1059.001 ¦ G0035");
  assert.equal(row.OtherTags, "car.2014-04-003");
  assert.equal(
    row.Details,
    "Cmdline: powershell.exe -nop -enc SQBFAFgA ¦ Proc: C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe" +
      " ¦ User: CORP\\alice ¦ ParentCmdline: cmd.exe /c run.bat ¦ LID: 0x3e7 ¦ PID: 4242",
  );
  assert.equal(
    row.ExtraFieldInfo,
    "UtcTime: 2024-01-02 03:04:05.678 ¦ ParentImage: C:\\Windows\\System32\\cmd.exe ¦ Hashes: SHA256=ABC, IMPHASH=DEF",
  );
  assert.equal(row.RuleFile, "proc_creation_win_powershell_encoded.yml");
  assert.equal(row.RuleID, "3b6ab547-8ec2-4991-b9d2-2b06702a48d7");
  assert.equal(row.EvtxFile, "/evidence/WS01/Sysmon.evtx");
});

test("all-field-info: every field of the event instead of Details and ExtraFieldInfo", () => {
  const row = timelineRow(processCreation(), "all-field-info");
  const all = row.AllFieldInfo ?? "";
  assert.deepEqual(Object.keys(row), TIMELINE_COLUMNS["all-field-info"]);
  assert.ok(all.startsWith("System.Provider.Name: Microsoft-Windows-Sysmon ¦ System.EventID: 1 ¦ "));
  assert.ok(all.includes(" ¦ CommandLine: powershell.exe -nop -enc SQBFAFgA ¦ "));
  assert.ok(all.endsWith("Hashes: SHA256=ABC, IMPHASH=DEF"));
});

test("no time, no computer, no event id: empty cells", () => {
  const row = timelineRow(
    processCreation({
      timestamp: null,
      computer: null,
      eventId: null,
      recordId: null,
      rule: { ...processCreation().rule, id: null },
    }),
    "standard",
  );
  assert.equal(row.Timestamp, "");
  assert.equal(row.Computer, "");
  assert.equal(row.EventID, "");
  assert.equal(row.RecordID, "");
  assert.equal(row.RuleID, "");
});

test("a correlation row shows its type, value and group; an archive member is named file!/member", () => {
  const row = timelineRow(correlationAlert(), "verbose");
  assert.equal(row.Details, "IpAddress: 10.0.0.5 ¦ Count: 5");
  assert.equal(
    row.ExtraFieldInfo,
    "CorrelationType: value_count ¦ Value: 5 ¦ Matches: 5 ¦ FirstSeen: 2024-01-02T03:59:00.000Z ¦ IpAddress: 10.0.0.5 ¦ Values: alice, bob",
  );
  assert.equal(row.MitreTactics, "CredAccess");
  assert.equal(row.MitreTags, "T1110.003");
  assert.equal(row.EvtxFile, "/evidence/logs.zip!/DC01/Security.evtx");
});

test("tags: both spellings of a tactic, defense-evasion as Stealth, unknown attack tags kept as other", () => {
  const split = splitTags([
    "attack.credential_access",
    "attack.credential-access",
    "attack.defense-evasion",
    "attack.stealth",
    "attack.defense-impairment",
    "attack.T1003.001",
    "attack.s0002",
    "attack.something-new",
    "cve.2021-44228",
    "detection.emerging-threats",
  ]);
  assert.deepEqual(
    split.tactics.map((t) => t.abbreviation),
    ["CredAccess", "Stealth", "DefImpair"],
  );
  assert.deepEqual(split.attackIds, ["T1003.001", "S0002"]);
  assert.deepEqual(split.other, ["attack.something-new", "cve.2021-44228", "detection.emerging-threats"]);
});

test("a tag's tactic is the same when asked again, and after more tags than are remembered", () => {
  const first = ["attack.credential_access", "attack.defense-evasion", "attack.t1003", "cve.2021-44228"].map(
    (t) => tacticOf(t)?.id ?? null,
  );
  assert.deepEqual(first, ["credential-access", "stealth", null, null]);
  for (let i = 0; i < 25_000; i++) assert.equal(tacticOf(`attack.unknown_${i}`), null);
  assert.deepEqual(
    ["attack.credential_access", "attack.defense-evasion", "attack.t1003", "cve.2021-44228"].map(
      (t) => tacticOf(t)?.id ?? null,
    ),
    first,
  );
  assert.equal(tacticOf(" Attack.Lateral_Movement ")?.name, "Lateral Movement");
});

test("format by extension; anything else is refused", () => {
  assert.equal(timelineFormat("out/Timeline.CSV"), "csv");
  assert.equal(timelineFormat("t.jsonl"), "jsonl");
  assert.throws(() => timelineFormat("t.json"), /\.csv or \.jsonl/);
  assert.throws(() => timelineFormat("timeline"), /\.csv or \.jsonl/);
});

test("CSV and JSONL files hold the same rows for every profile; hostile cells are defused in CSV only", async () => {
  const dir = tempDir();
  const hostile = processCreation({ computer: '=HYPERLINK("http://evil.example")', details: { Cmdline: 'a,"b"\nc' } });
  const detections = [processCreation(), hostile, correlationAlert()];
  for (const profile of TIMELINE_PROFILES) {
    const csvPath = join(dir, `${profile}.csv`);
    const jsonlPath = join(dir, `${profile}.jsonl`);
    for (const path of [csvPath, jsonlPath]) {
      const writer = await createTimelineWriter(path, profile);
      for (const d of detections) await writer.write(d);
      assert.equal(writer.rows, detections.length);
      await writer.close();
    }
    const csv = readFileSync(csvPath, "utf8");
    assert.ok(!csv.startsWith("\ufeff"));
    const [header, ...rows] = parseCsv(csv);
    assert.deepEqual(header, TIMELINE_COLUMNS[profile]);
    const jsonRows = readFileSync(jsonlPath, "utf8")
      .split("\n")
      .filter((l) => l !== "")
      .map((l) => JSON.parse(l) as Record<string, string>);
    assert.equal(rows.length, detections.length);
    assert.equal(jsonRows.length, detections.length);
    for (const [i, jsonRow] of jsonRows.entries()) {
      assert.deepEqual(Object.keys(jsonRow), TIMELINE_COLUMNS[profile]);
      const expected = Object.values(jsonRow).map((v) => (/^\s*[=+\-@]/.test(v) ? `'${v}` : v));
      assert.deepEqual(rows[i], expected, `${profile} row ${i}`);
    }
    assert.equal(jsonRows[1].Computer, '=HYPERLINK("http://evil.example")');
    assert.equal(rows[1][3], `'=HYPERLINK("http://evil.example")`);
  }
});

test("an empty CSV timeline still has its header; a path in a missing folder fails when created", async () => {
  const dir = tempDir();
  const path = join(dir, "empty.csv");
  const writer = await createTimelineWriter(path, "standard");
  await writer.close();
  assert.equal(readFileSync(path, "utf8"), `${TIMELINE_COLUMNS.standard.join(",")}\r\n`);
  await assert.rejects(createTimelineWriter(join(dir, "missing", "t.csv"), "standard"), /ENOENT/);
});

test("many rows go through in order (batched writes)", async () => {
  const dir = tempDir();
  const path = join(dir, "many.jsonl");
  const writer = await createTimelineWriter(path, "standard");
  for (let i = 0; i < 5000; i++) await writer.write(processCreation({ recordId: String(i) }));
  await writer.close();
  const ids = readFileSync(path, "utf8")
    .trimEnd()
    .split("\n")
    .map((l) => (JSON.parse(l) as { RecordID: string }).RecordID);
  assert.deepEqual(
    ids,
    Array.from({ length: 5000 }, (_, i) => String(i)),
  );
});
