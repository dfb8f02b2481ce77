/** `vigil rules check` end to end: counts, one line per rule not loaded, JSON, exit codes. */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const main = fileURLToPath(new URL("../../src/cli/main.ts", import.meta.url));

function vigil(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, ["--import", "tsx", main, ...args], { encoding: "utf8" });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

const GOOD = "title: Good\nlogsource: {product: windows}\ndetection:\n  s: {EventID: 1}\n  condition: s\n";
const ODD = "title: Odd\nid: odd-1\nlogsource: {product: windows}\ndetection:\n  s: {A|frob: 1}\n  condition: s\n";
const BAD = "title: Bad\nlogsource: {product: windows}\ndetection:\n  s: {EventID: 1}\n  condition: t\n";

function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "vigil-rules-"));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

test("rules check: counts and one line per rule not loaded; exit 1 when a rule is invalid", () => {
  const dir = folder({ "good.yml": GOOD, "odd.yaml": ODD, "bad.yml": BAD, "notes.txt": "x" });
  const run = vigil("rules", "check", dir);
  assert.equal(run.status, 1, run.stderr);
  assert.match(run.stdout, /3 files: 1 rules loaded, 1 unsupported, 1 invalid/);
  assert.match(run.stdout, /invalid: .*bad\.yml: 5:14: condition names 't'/);
  assert.match(run.stdout, /unsupported: .*odd\.yaml \(odd-1\): unknown modifier 'frob'/);
});

test("rules check --json; exit 0 without invalid rules", () => {
  const dir = folder({ "good.yml": GOOD, "odd.yml": ODD });
  const run = vigil("rules", "check", "--json", "--placeholders", "p.yml", dir);
  assert.equal(run.status, 0, run.stderr);
  const out = JSON.parse(run.stdout) as { loaded: number; unsupported: { id: string }[]; invalid: unknown[] };
  assert.equal(out.loaded, 1);
  assert.equal(out.unsupported[0]?.id, "odd-1");
  assert.deepEqual(out.invalid, []);
});
