/** Summary: counts and tables within 100 columns, colour only when asked, hostile names shown escaped. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { renderSummary } from "../../src/output/summary.js";
import { displayWidth, sanitizeForTerminal, truncateToWidth } from "../../src/output/terminal.js";
import { HOSTILE_COMPUTER, sampleSummary } from "./summary-fixture.js";

// SGR sequences, the only escapes the summary itself may write.
const SGR = /\u001b\[[0-9;]*m/g;

function section(text: string, heading: string): string[] {
  const lines = text.split("\n");
  const start = lines.findIndex((l) => l.replace(SGR, "").startsWith(heading));
  assert.notEqual(start, -1, `no section ${heading}`);
  const end = lines.findIndex((l, i) => i > start && l === "");
  return lines.slice(start + 1, end === -1 ? undefined : end).map((l) => l.replace(SGR, ""));
}

test("without colour: no escape sequence at all, hostile names shown as visible escapes", () => {
  const text = renderSummary(sampleSummary(), { color: false });
  assert.ok(!text.includes("\u001b"), "no ESC");
  assert.ok(!text.includes("\u0007"), "no BEL");
  assert.ok(!/[\u202a-\u202e\u2066-\u2069]/.test(text), "no bidi control");
  assert.ok(text.includes("EVIL\\x1b[2J\\x1b[31mPC\\u202egnp.exe"));
  assert.ok(text.includes("Log Cleared\\x1b]0;pwned\\x07"));
  assert.ok(text.includes("not an event log\\x1b[0m"));
});

test("with colour: levels coloured, and still no escape from the evidence", () => {
  const text = renderSummary(sampleSummary(), { color: true });
  assert.ok(text.includes("\u001b[1m\u001b[31mcritical"), "critical bold red");
  assert.ok(text.includes("\u001b[31mhigh"), "high red");
  assert.ok(text.includes("\u001b[33mmedium"), "medium yellow");
  assert.ok(text.includes("\u001b[32mlow"), "low green");
  assert.ok(text.includes("\u001b[90minformational"), "informational grey");
  const withoutSgr = text.replace(SGR, "");
  assert.ok(!withoutSgr.includes("\u001b"), "every ESC is one of the summary's own SGR sequences");
  assert.equal(withoutSgr, renderSummary(sampleSummary(), { color: false }));
});

test("every line fits in 100 columns", () => {
  for (const color of [false, true]) {
    for (const line of renderSummary(sampleSummary(), { color }).split("\n")) {
      assert.ok(displayWidth(line.replace(SGR, "")) <= 100, `${displayWidth(line)}: ${line}`);
    }
  }
  const wide = sampleSummary({
    computers: new Map([["サーバー".repeat(40), 1]]),
    rules: [{ title: "検出".repeat(80), level: "high", count: 1 }],
  });
  for (const line of renderSummary(wide, { color: false }).split("\n")) assert.ok(displayWidth(line) <= 100, line);
});

test("counts, time span and speed", () => {
  const text = renderSummary(sampleSummary(), { color: false });
  assert.ok(text.startsWith("Vigil hunt: 120 detections\n"));
  assert.ok(text.includes("Files       12 read, 1 damaged, 2 unreadable\n"));
  assert.ok(text.includes("Events      1,234,567 read (12 recovered), 3 records skipped\n"));
  assert.ok(text.includes("Time span   2019-03-19T23:34:25.894Z .. 2019-03-20T01:00:00.000Z\n"));
  assert.ok(text.includes("Speed       456.7 MB in 12.3 s: 37.1 MB/s, 100,371 events/s\n"));
  for (const [threads, words] of [
    [1, "1 thread"],
    [8, "8 threads"],
  ] as const) {
    const on = renderSummary({ ...sampleSummary(), scanThreads: threads }, { color: false });
    assert.ok(on.includes(`Speed       456.7 MB in 12.3 s on ${words}: 37.1 MB/s`), on);
  }
  assert.deepEqual(section(text, "Detections by level"), [
    "  critical             3",
    "  high                12",
    "  medium             100",
    "  low                  0",
    "  informational        5",
  ]);
});

test("the rules the hunt ran with: counts, and the unusable ones pointed at `vigil rules check`", () => {
  const rulesLoaded = { detection: 2867, correlation: 12, filter: 3, files: 3100, unusable: 25 };
  const text = renderSummary(sampleSummary({ rulesLoaded }), { color: false });
  assert.ok(
    text.includes("Rules       2,867 detection, 12 correlation, 3 filter; 25 unusable (vigil rules check)\n"),
    text,
  );
  const none = renderSummary(
    sampleSummary({ rulesLoaded: { detection: 0, correlation: 0, filter: 0, files: 0, unusable: 0 } }),
    { color: false },
  );
  assert.ok(none.includes("Rules       0 detection, 0 correlation, 0 filter\n"), none);
  assert.ok(!renderSummary(sampleSummary(), { color: false }).includes("Rules  "));
});

test("top rules by level then count, long titles cut; computers by count", () => {
  const text = renderSummary(sampleSummary(), { color: false, top: 3 });
  const rules = section(text, "Top rules (top 3 of 5)");
  assert.deepEqual(rules.slice(0, 4), [
    "  LEVEL            COUNT  RULE",
    "  critical             3  Mimikatz Use",
    "  high                12  PsExec Service Installation",
    "  medium              90  Whoami Execution",
  ]);
  assert.equal(rules.length, 4);
  const computers = section(text, "Detections by computer (3)");
  assert.deepEqual(computers.slice(1, 3), ["         80  WS01.corp.example", "         35  DC01.corp.example"]);
  const long = section(renderSummary(sampleSummary(), { color: false }), "Top rules (5)").find((l) =>
    l.includes("Very Long"),
  );
  assert.ok(long?.endsWith("…"));
});

test("tactics in kill-chain order, defense-evasion and stealth counted together", () => {
  const tactics = section(renderSummary(sampleSummary(), { color: false }), "ATT&CK tactics");
  assert.deepEqual(tactics, [
    "          1  Reconnaissance",
    "         90  Execution",
    "          6  Stealth (Defense Evasion)",
    "          3  Credential Access",
    "          1  Impact",
  ]);
});

test("problems: the first few with file, member and offset, then how many more; warnings wrapped", () => {
  const text = renderSummary(sampleSummary(), { color: false, problemLines: 2 });
  assert.deepEqual(section(text, "Problems: 7"), [
    "  /evidence/broken.evtx at offset 0x11000: chunk 3: bad chunk header CRC",
    "  /evidence/logs.zip!/a/b.json at offset 0x78: bad JSON: Unexpected token",
    "  … and 5 more",
  ]);
  const warnings = section(text, "Warnings");
  assert.equal(warnings.length, 2);
  assert.ok(warnings[0].startsWith("  Correlation 'Password Spray' reached its cap"));
});

test("a clean hunt with nothing found has no tables, problems or warnings", () => {
  const text = renderSummary(
    sampleSummary({
      detectionsByLevel: { critical: 0, high: 0, medium: 0, low: 0, informational: 0 },
      rules: [],
      computers: new Map(),
      tactics: new Map(),
      problemCount: 0,
      problems: [],
      correlationWarnings: [],
      firstEvent: null,
      lastEvent: null,
      elapsedSeconds: 0,
    }),
    { color: false },
  );
  assert.ok(text.startsWith("Vigil hunt: 0 detections\n"));
  assert.ok(text.includes("Time span   no event times\n"));
  assert.ok(text.includes("Speed       456.7 MB in 0.0 s\n"));
  for (const heading of ["Top rules", "Detections by computer", "ATT&CK", "Problems", "Warnings"]) {
    assert.ok(!text.includes(heading), heading);
  }
});

test("terminal text: escapes for controls and bidi overrides, width of wide characters", () => {
  assert.equal(sanitizeForTerminal(HOSTILE_COMPUTER), "EVIL\\x1b[2J\\x1b[31mPC\\u202egnp.exe");
  assert.equal(displayWidth("abc"), 3);
  assert.equal(displayWidth("サーバー"), 8);
  assert.equal(displayWidth("e\u0301"), 1);
  assert.equal(truncateToWidth("サーバー", 5), "サー…");
  assert.equal(truncateToWidth("abcdef", 6), "abcdef");
  assert.equal(truncateToWidth("abcdef", 4), "abc…");
});
