/** `vigil simulate` on the command line: a run and its summary, and usage errors that exit 2. */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { fileURLToPath } from "node:url";

import { removeTemporary, temporaryFolder } from "./helpers.js";

const main = fileURLToPath(new URL("../../src/cli/main.ts", import.meta.url));

after(removeTemporary);

function vigil(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, ["--import", "tsx", main, ...args], { encoding: "utf8" });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

test("simulate volt-typhoon writes the logs, ground truth and assets and says what it wrote", () => {
  const out = join(temporaryFolder(), "evidence");
  const run = vigil("simulate", "volt-typhoon", "--out", out, "--seed", "5", "--hosts", "8", "--days", "1");
  assert.equal(run.status, 0, run.stderr);
  assert.match(
    run.stdout,
    /: \d+ events in 56 EVTX files \([\d.]+ MB\), 8 hosts, 2025-03-03T00:00:00\.000Z to 2025-03-04T00:00:00\.000Z, seed 5\n/,
  );
  assert.match(run.stdout, /intrusion: 24 steps, \d+ records; compromised .*DC01\.corp\.local.* with CORP\\/);
  assert.equal(JSON.parse(readFileSync(join(out, "ground-truth.json"), "utf8")).seed, 5);
  assert.ok(existsSync(join(out, "assets.csv")));
  assert.ok(existsSync(join(out, "evidence", "DC01.corp.local", "Security.evtx")));
});

test("usage errors exit 2: unknown scenario, no --out, sizes out of range, a folder that is not empty", () => {
  const dir = temporaryFolder();
  const cases: string[][] = [
    ["simulate", "apt99", "--out", join(dir, "a")],
    ["simulate", "volt-typhoon"],
    ["simulate", "volt-typhoon", "--out", join(dir, "b"), "--hosts", "2"],
    ["simulate", "volt-typhoon", "--out", join(dir, "c"), "--days", "1.5"],
    ["simulate", "volt-typhoon", "--out", join(dir, "d"), "--seed", "-3"],
  ];
  for (const args of cases) {
    const run = vigil(...args);
    assert.equal(run.status, 2, `${args.join(" ")}: ${run.stderr}`);
    assert.notEqual(run.stderr, "", args.join(" "));
  }
  writeFileSync(join(dir, "keep.txt"), "mine");
  const run = vigil("simulate", "volt-typhoon", "--out", dir, "--hosts", "8", "--days", "1");
  assert.equal(run.status, 2);
  assert.match(run.stderr, /^vigil simulate: .* is not empty: simulate into a new or empty folder\n$/);
});
