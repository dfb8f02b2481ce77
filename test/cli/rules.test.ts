/** `vigil rules check` end to end: counts, one line per rule not loaded, JSON, exit codes. */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { vigil } from "./vigil.js";

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

const EXPANDS =
  "title: Admins\nid: exp-1\nlogsource: {product: windows, service: security}\n" +
  "detection:\n  s: {TargetUserName|expand: '%Administrators%'}\n  condition: s\n";

test("rules check --placeholders: a placeholder file resolves expand; without it the rule is reported", () => {
  const dir = folder({ "exp.yml": EXPANDS, "p.yml": "Administrators: [Administrator, 'adm_*']\n" });
  const rules = join(dir, "exp.yml");
  const without = vigil("rules", "check", "--json", rules);
  assert.equal(without.status, 0, without.stderr);
  const w = JSON.parse(without.stdout) as { loaded: number; unsupported: { id: string; reason: string }[] };
  assert.equal(w.loaded, 0);
  assert.equal(w.unsupported[0]?.id, "exp-1");
  assert.match(w.unsupported[0]?.reason ?? "", /Administrators/);
  const withFile = vigil("rules", "check", "--json", "--placeholders", join(dir, "p.yml"), rules);
  assert.equal(withFile.status, 0, withFile.stderr);
  assert.deepEqual(JSON.parse(withFile.stdout), { loaded: 1, unsupported: [], invalid: [] });
  const missing = vigil("rules", "check", "--placeholders", join(dir, "absent.yml"), rules);
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /absent\.yml/);
});

const sigmaDir = fileURLToPath(new URL("../../../shared/sigma", import.meta.url));
const skip = existsSync(sigmaDir) ? false : `SigmaHQ corpus absent: ${sigmaDir} does not exist`;

test("rules check on every SigmaHQ rule folder, with a placeholder file: every rule loads and can run", {
  skip,
}, () => {
  const dir = folder({});
  const folders = ["rules", "rules-emerging-threats", "rules-threat-hunting", "rules-dfir", "rules-compliance"];
  folders.push("rules-placeholder");
  // Every %name% any rule mentions gets values (rules outside rules-placeholder use expand too).
  const names = new Set<string>();
  for (const folderName of folders) {
    for (const f of readdirSync(join(sigmaDir, folderName), { recursive: true, encoding: "utf8" })) {
      if (!f.endsWith(".yml")) continue;
      for (const m of readFileSync(join(sigmaDir, folderName, f), "utf8").matchAll(/%([A-Za-z][\w-]*)%/g)) {
        names.add(m[1] as string);
      }
    }
  }
  const placeholders = join(dir, "placeholders.yml");
  writeFileSync(placeholders, [...names].map((n) => `'${n}': ['${n.toLowerCase()}-value', 'x*']`).join("\n"));
  const run = vigil(
    "rules",
    "check",
    "--json",
    "--placeholders",
    placeholders,
    ...folders.map((f) => join(sigmaDir, f)),
  );
  assert.equal(run.status, 0, run.stderr);
  const out = JSON.parse(run.stdout) as { loaded: number; unsupported: unknown[]; invalid: unknown[] };
  assert.deepEqual(out.unsupported, []);
  assert.deepEqual(out.invalid, []);
  console.log(`${out.loaded} rules load and compile, ${names.size} placeholders`);
  assert.ok(out.loaded >= 3700, `${out.loaded} rules`);
});

test("rules check --json; exit 0 without invalid rules", () => {
  const dir = folder({ "good.yml": GOOD, "odd.yml": ODD });
  const run = vigil("rules", "check", "--json", dir);
  assert.equal(run.status, 0, run.stderr);
  const out = JSON.parse(run.stdout) as { loaded: number; unsupported: { id: string }[]; invalid: unknown[] };
  assert.equal(out.loaded, 1);
  assert.equal(out.unsupported[0]?.id, "odd-1");
  assert.deepEqual(out.invalid, []);
});
