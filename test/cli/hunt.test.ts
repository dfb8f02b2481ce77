/**
 * `vigil hunt` from the command line: outputs written, hostile log content inert in CSV and on the terminal, and
 * the exit codes (0 clean, 1 damaged input, 2 usage, 3 --fail-on).
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { vigil, vigilReadBriefly, vigilToFullDisk } from "./vigil.js";

const HOSTILE = "=cmd|' /C calc'!A0 \u001b[31mRED\u001b[0m \u0000 tail";

function setup(): { dir: string; rules: string; evidence: string } {
  const dir = mkdtempSync(join(tmpdir(), "vigil-cli-hunt-"));
  const rules = join(dir, "rules.yml");
  writeFileSync(
    rules,
    `title: Calc via cmd
id: 55555555-5555-4555-8555-555555555555
level: high
tags: [attack.execution, attack.t1059.003]
logsource: { product: windows, category: process_creation }
detection:
  selection: { CommandLine|contains: calc }
  condition: selection
`,
  );
  const evidence = join(dir, "evidence");
  mkdirSync(evidence);
  writeFileSync(
    join(evidence, "ws.jsonl"),
    `${JSON.stringify({
      EventID: 4688,
      Channel: "Security",
      Hostname: '=HYPERLINK("http://x")\u001b]0;pwned\u0007',
      EventTime: "2024-03-01T10:00:00Z",
      NewProcessName: "C:\\Windows\\System32\\cmd.exe",
      CommandLine: HOSTILE,
    })}\n`,
  );
  return { dir, rules, evidence };
}

test("hostile CommandLine: the CSV cell is inert, the terminal gets no raw control characters", () => {
  const { dir, rules, evidence } = setup();
  const csv = join(dir, "timeline.csv");
  const jsonl = join(dir, "detections.jsonl");
  const run = vigil("hunt", evidence, "--no-builtin", "-r", rules, "--timeline", csv, "--json-out", jsonl);
  assert.equal(run.status, 0, run.stderr);
  const text = readFileSync(csv, "utf8");
  // No cell starts with a formula: the Computer cell, all hostile, is defused with a leading quote.
  assert.ok(!/(^|,)"?[=+@-]/m.test(text), text);
  assert.match(text, /,"'=HYPERLINK\(""http:\/\/x""\)\\x1b\]0;pwned\\x07",/);
  assert.ok(!text.includes("\u001b"), "raw ESC in CSV");
  assert.ok(!text.includes("\u0000"), "raw NUL in CSV");
  // The JSON keeps the exact value (JSON escapes it).
  const d = JSON.parse(readFileSync(jsonl, "utf8").trim()) as { event: Record<string, string>; rule: { id: string } };
  assert.equal(d.event["EventData.CommandLine"], HOSTILE);
  assert.equal(d.rule.id, "55555555-5555-4555-8555-555555555555");
  // The summary names the computer, escaped.
  assert.ok(!/[\u0000-\u0008\u000b-\u001f\u007f]/.test(run.stdout), JSON.stringify(run.stdout));
  assert.match(run.stdout, /=HYPERLINK\("http:\/\/x"\)\\x1b\]0;pwned\\x07/);
  assert.match(run.stdout, /1 detection/);
});

test("exit codes: 3 with --fail-on at or below the level found, 0 above it, 1 on damaged input, 2 on usage (an inverted window too)", () => {
  const { rules, evidence } = setup();
  assert.equal(vigil("hunt", evidence, "--no-builtin", "-r", rules, "-q", "--fail-on", "high").status, 3);
  assert.equal(vigil("hunt", evidence, "--no-builtin", "-r", rules, "-q", "--fail-on", "critical").status, 0);
  writeFileSync(join(evidence, "broken.jsonl"), '{"EventID": 4688, "Channel": "Security"\nnot json\n');
  const damaged = vigil("hunt", evidence, "--no-builtin", "-r", rules, "-q");
  assert.equal(damaged.status, 1, damaged.stderr);
  assert.equal(vigil("hunt", evidence, "--min-level", "severe").status, 2);
  assert.equal(vigil("hunt").status, 2);
  assert.equal(vigil("hunt", evidence, "--timeline", join(evidence, "x.txt"), "-q").status, 2);
  const inverted = vigil("hunt", evidence, "--from", "2024-03-02", "--to", "2024-03-01", "-q");
  assert.equal(inverted.status, 2);
  assert.equal(inverted.stderr, "vigil hunt: --from 2024-03-02T00:00:00.000Z is after --to 2024-03-01T00:00:00.000Z\n");
});

test("an output the disk cannot take: exit 2 and one line naming the file, not a stack trace", (t) => {
  if (!existsSync("/dev/full")) return t.skip("no /dev/full on this system");
  const { rules, evidence } = setup();
  const timeline = join(evidence, "..", "ok.csv");
  const run = vigil(
    "hunt",
    evidence,
    "--no-builtin",
    "-r",
    rules,
    "-q",
    "--timeline",
    timeline,
    "--json-out",
    "/dev/full",
  );
  assert.equal(run.status, 2, run.stderr);
  assert.deepEqual(run.stderr.trim().split("\n"), ["vigil hunt: /dev/full: ENOSPC: no space left on device, write"]);
  // The other output is still closed whole: its header and the detection.
  assert.equal(readFileSync(timeline, "utf8").trim().split("\n").length, 2);
  // Files written whole at the end: the report and the scope.
  for (const option of ["--html", "--scope-out"]) {
    const whole = vigil("hunt", evidence, "--no-builtin", "-r", rules, "-q", option, "/dev/full");
    assert.equal(whole.status, 2, `${option}: ${whole.stderr}`);
    assert.deepEqual(whole.stderr.trim().split("\n"), [
      "vigil hunt: /dev/full: ENOSPC: no space left on device, write",
    ]);
  }
});

test("rules: a --rules path that does not exist is a usage error; no rules at all is said on stderr", () => {
  const { evidence } = setup();
  const missing = vigil("hunt", evidence, "--no-builtin", "-r", join(evidence, "no-such-rules"), "-q");
  assert.equal(missing.status, 2);
  assert.equal(missing.stderr, `vigil hunt: --rules ${join(evidence, "no-such-rules")}: no such file or folder\n`);
  const none = vigil("hunt", evidence, "--no-builtin", "--no-color");
  assert.equal(none.status, 0, none.stderr);
  assert.equal(none.stderr, "vigil hunt: no rules loaded: nothing was looked for (see --rules and --no-builtin)\n");
  assert.ok(none.stdout.includes("Rules       0 detection, 0 correlation, 0 filter\n"), none.stdout);
});

test("standard output: a reader that stops early ends the hunt quietly; a full disk is named once, exit 2", async (t) => {
  const { rules, evidence } = setup();
  const brief = await vigilReadBriefly("hunt", evidence, "--no-builtin", "-r", rules);
  assert.equal(brief.stderr, "");
  assert.equal(brief.status, 0);
  const full = vigilToFullDisk("hunt", evidence, "--no-builtin", "-r", rules);
  if (full === null) return t.skip("no /dev/full on this system");
  assert.equal(full.status, 2);
  assert.equal(full.stderr, "vigil: standard output: ENOSPC: no space left on device, write\n");
});

test("outputs written into the folder being hunted are not read back as evidence", () => {
  const { rules, evidence } = setup();
  const before = readdirSync(evidence).length;
  const run = vigil(
    "hunt",
    evidence,
    "--no-builtin",
    "-r",
    rules,
    "--no-color",
    "--stats",
    "--json-out",
    join(evidence, "detections.jsonl"),
    "--timeline",
    join(evidence, "timeline.csv"),
  );
  assert.equal(run.status, 0, run.stderr);
  assert.ok(run.stdout.includes(`Files       ${before} read,`), run.stdout);
  assert.ok(!run.stderr.includes("detections.jsonl") && !run.stderr.includes("timeline.csv"), run.stderr);
  // --stats: a line for each source read.
  assert.equal(run.stderr.split("\n").filter((l) => l.includes(" events (")).length, before, run.stderr);
  assert.equal(readFileSync(join(evidence, "detections.jsonl"), "utf8").trim().split("\n").length, 1);
});
