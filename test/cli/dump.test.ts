/**
 * `vigil dump` end to end, on files our writer builds: formats, exit codes, damage lines, statistics, folders,
 * threads, and that hostile file names never reach the terminal raw.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { processCreationFile } from "../evtx/fixtures.js";
import { vigil, vigilReadBriefly, vigilToFullDisk } from "./vigil.js";

function processEvents(count: number): Uint8Array {
  return processCreationFile(count, (i) => ({
    image: "C:\\Windows\\System32\\ntdsutil.exe",
    commandLine: `ntdsutil "ac i ntds" "ifm" "create full C:\\Windows\\Temp\\${i}" q q`,
  }));
}

const dir = mkdtempSync(join(tmpdir(), "vigil-dump-"));
const clean = join(dir, "clean.evtx");
writeFileSync(clean, processEvents(300));
const damaged = join(dir, "damaged.evtx");
{
  const bytes = Buffer.from(processEvents(300));
  bytes[4096 + 600] ^= 0xff; // inside the first chunk's records: its CRC no longer matches
  writeFileSync(damaged, bytes);
}
const notEvtx = join(dir, "notes.evtx");
writeFileSync(notEvtx, "these are not the logs you are looking for\n".repeat(100));

test("jsonl: one parseable object per record, in file order, exit 0", () => {
  const run = vigil("dump", clean);
  assert.equal(run.status, 0, run.stderr);
  const lines = run.stdout.trimEnd().split("\n");
  assert.equal(lines.length, 300);
  const first = JSON.parse(lines[0]);
  assert.equal(first.Event.System.EventID, 4688);
  assert.equal(first.Event.EventData.NewProcessName, "C:\\Windows\\System32\\ntdsutil.exe");
  assert.deepEqual(
    lines.map((l) => JSON.parse(l).Event.System.EventRecordID),
    Array.from({ length: 300 }, (_, i) => i + 1),
  );
  assert.equal(run.stderr, "");
});

test("json and xml formats", () => {
  const json = vigil("dump", "--format", "json", clean);
  assert.equal(json.status, 0);
  const objects = json.stdout.split(/\n(?=\{)/).filter((p) => p.trim() !== "");
  assert.equal(objects.length, 300);
  assert.equal(JSON.parse(objects[299]).Event.System.EventRecordID, 300);
  assert.match(objects[0], /^\{\n {2}"Event": \{/);

  const xml = vigil("dump", "--format", "xml", clean);
  assert.equal(xml.status, 0);
  assert.match(xml.stdout, /^<\?xml version="1.0" encoding="utf-8"\?>\n<Events>\n<Event xmlns=/);
  assert.equal(xml.stdout.match(/<Event xmlns=/g)?.length, 300);
  assert.match(xml.stdout, /<Data Name="CommandLine">ntdsutil &quot;ac i ntds&quot;/);
  assert.match(xml.stdout, /<\/Events>\n$/);

  const bad = vigil("dump", "--format", "csv", clean);
  assert.equal(bad.status, 2);
});

test("damage: FILE: chunk N at offset 0x…: reason on stderr, records still written, exit 1", () => {
  const run = vigil("dump", "--stats", damaged);
  assert.equal(run.status, 1);
  assert.match(run.stderr, /damaged\.evtx: chunk 0 at offset 0x[0-9a-f]+: event records CRC32 mismatch/);
  assert.ok(run.stdout.trimEnd().split("\n").length >= 299, "the records around the damage are still written");
  assert.match(
    run.stderr,
    /damaged\.evtx: \d+ records \(\d+ recovered\), \d+ skipped, \d+ slack fragments, \d+ chunks \(1 damaged\)/,
  );
});

test("unusable input exits 2: not EVTX, no such path", () => {
  const junk = vigil("dump", notEvtx);
  assert.equal(junk.status, 2);
  assert.match(junk.stderr, /notes\.evtx: offset 0x0: .*not an EVTX file/);
  const missing = vigil("dump", join(dir, "nope.evtx"));
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /nope\.evtx: cannot read: ENOENT/);
  if (process.platform === "win32") return;
  // A FIFO under an EVTX name: refused at once (opening it to read would wait for a writer forever).
  const fifo = join(dir, "pipe.evtx");
  execFileSync("mkfifo", [fifo]);
  const pipe = vigil("dump", fifo);
  assert.equal(pipe.status, 2);
  assert.match(pipe.stderr, /pipe\.evtx: cannot read: not a regular file/);
});

test("folders are searched recursively for *.evtx; totals add up", () => {
  const tree = mkdtempSync(join(tmpdir(), "vigil-tree-"));
  mkdirSync(join(tree, "dc01", "logs"), { recursive: true });
  writeFileSync(join(tree, "dc01", "logs", "Security.evtx"), processEvents(120));
  writeFileSync(join(tree, "ws01.evtx"), processEvents(80));
  writeFileSync(join(tree, "readme.txt"), "not evidence");
  const run = vigil("dump", "--stats", tree);
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.stdout.trimEnd().split("\n").length, 200);
  assert.match(run.stderr, /total \(2 files, 0 with damage\): 200 records/);
});

test("--threads 2 writes exactly what --threads 1 writes; --no-recover keeps to the declared chunks", () => {
  const one = vigil("dump", "--threads", "1", clean, damaged);
  const two = vigil("dump", "--threads", "2", clean, damaged);
  assert.equal(two.stdout, one.stdout);
  assert.equal(two.stderr, one.stderr);
  const strict = vigil("dump", "--no-recover", "--stats", clean);
  assert.equal(strict.status, 0);
  assert.match(strict.stderr, /: 300 records \(0 recovered\)/);
});

test("hostile file names never reach the terminal raw", () => {
  const evil = join(dir, "evil\u001b[31mred\u0007\u202e.evtx");
  writeFileSync(evil, "junk");
  const run = vigil("dump", evil);
  assert.equal(run.status, 2);
  assert.ok(
    !/[\u0000-\u0008\u000b-\u001f\u007f\u202e]/.test(run.stderr),
    `stderr holds a control character: ${JSON.stringify(run.stderr)}`,
  );
  assert.match(run.stderr, /evil\\x1b\[31mred\\x07\\u202e\.evtx/);
});

test("output that cannot be written: a full disk exits 2 with one line; a reader that stops early ends it quietly", async (t) => {
  const full = vigilToFullDisk("dump", clean);
  if (full !== null) {
    assert.equal(full.status, 2);
    assert.deepEqual(full.stderr.trim().split("\n"), ["vigil: ENOSPC: no space left on device, write"]);
  } else {
    t.diagnostic("no /dev/full on this system: the full disk is not tried");
  }
  const brief = await vigilReadBriefly("dump", clean);
  assert.equal(brief.stderr, "");
  assert.equal(brief.status, 0);
});
