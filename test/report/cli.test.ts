/** `vigil hunt --html FILE --navigator FILE`: both files written from a real hunt; a bad path fails before hunting. */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import type { ReportData } from "../../src/report/data.js";
import { REPORT_DATA_ID } from "../../src/report/data.js";
import { tempDir } from "./fixtures.js";

const main = fileURLToPath(new URL("../../src/cli/main.ts", import.meta.url));

function vigil(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, ["--import", "tsx", main, ...args], { encoding: "utf8" });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

function setup(): { dir: string; rules: string; evidence: string } {
  const dir = tempDir();
  const rules = join(dir, "rules.yml");
  writeFileSync(
    rules,
    `title: Ntdsutil IFM
id: 66666666-6666-4666-8666-666666666666
level: critical
tags: [attack.credential-access, attack.t1003.003]
logsource: { product: windows, category: process_creation }
detection:
  selection: { CommandLine|contains: ifm }
  condition: selection
`,
  );
  const evidence = join(dir, "evidence");
  mkdirSync(evidence);
  const event = (host: string, minute: number, commandLine: string) =>
    JSON.stringify({
      EventID: 4688,
      Channel: "Security",
      Hostname: host,
      EventTime: `2024-03-01T10:${String(minute).padStart(2, "0")}:00Z`,
      NewProcessName: "C:\\Windows\\System32\\ntdsutil.exe",
      CommandLine: commandLine,
    });
  writeFileSync(
    join(evidence, "dc.jsonl"),
    `${[
      event("DC01", 1, 'ntdsutil "ac i ntds" ifm "create full c:\\temp" q q'),
      event("DC02", 5, "ntdsutil ifm </script><script>alert(1)</script>"),
      event("DC01", 9, "whoami"),
    ].join("\n")}\n`,
  );
  return { dir, rules, evidence };
}

test("--html and --navigator: the report and the layer of the hunt", () => {
  const { dir, rules, evidence } = setup();
  const html = join(dir, "report.html");
  const layer = join(dir, "layer.json");
  const run = vigil("hunt", evidence, "--no-builtin", "-r", rules, "-q", "--html", html, "--navigator", layer);
  assert.equal(run.status, 0, run.stderr);
  const page = readFileSync(html, "utf8");
  assert.equal(page.match(/<\/script/gi)?.length, 2);
  const start = page.indexOf(`id="${REPORT_DATA_ID}">`) + `id="${REPORT_DATA_ID}">`.length;
  const data = JSON.parse(page.slice(start, page.indexOf("</script>", start))) as ReportData;
  assert.equal(data.summary.detections, 2);
  assert.equal(data.summary.eventsRead, 3);
  assert.equal(data.summary.rulesLoaded?.detection, 1);
  assert.deepEqual(
    data.hosts.map((h) => h.name),
    ["DC01", "DC02"],
  );
  assert.equal(data.rules[0].title, "Ntdsutil IFM");
  assert.equal(data.detections.rows.length, 2);
  const navigator = JSON.parse(readFileSync(layer, "utf8"));
  assert.deepEqual(
    navigator.techniques.map((t: { techniqueID: string; score: number }) => [t.techniqueID, t.score]),
    [["T1003.003", 2]],
  );
});

test("--html to a folder that does not exist: exit 2 before hunting", () => {
  const { dir, rules, evidence } = setup();
  const run = vigil("hunt", evidence, "--no-builtin", "-r", rules, "-q", "--html", join(dir, "no", "such", "r.html"));
  assert.equal(run.status, 2);
  assert.match(run.stderr, /ENOENT/);
});
