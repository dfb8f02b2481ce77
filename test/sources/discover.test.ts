/** Expanding the paths given into files: folders walked in name order, each file once however the paths overlap. */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { test } from "node:test";
import { type DiscoveryProblem, discoverFiles } from "../../src/sources/discover.js";

async function discovered(paths: string[], root: string): Promise<{ files: string[]; problems: string[] }> {
  const problems: DiscoveryProblem[] = [];
  const files: string[] = [];
  for await (const f of discoverFiles(paths, () => true, problems)) files.push(relative(root, f));
  return { files, problems: problems.map((p) => `${relative(root, p.path)}: ${p.reason}`) };
}

test("a path given twice, or inside a folder also given, is read once; a folder walks in name order", async (t) => {
  const root = mkdtempSync(join(tmpdir(), "vigil-discover-"));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(join(root, "logs", "dc01"), { recursive: true });
  writeFileSync(join(root, "logs", "b.evtx"), "");
  writeFileSync(join(root, "logs", "a.evtx"), "");
  writeFileSync(join(root, "logs", "dc01", "Security.evtx"), "");
  writeFileSync(join(root, "other.jsonl"), "");
  const logs = join(root, "logs");
  const { files, problems } = await discovered(
    [
      join(logs, "dc01", "Security.evtx"),
      logs,
      join(root, "other.jsonl"),
      join(logs, "dc01"),
      `${logs}/`,
      join(root, "logs", "..", "logs", "a.evtx"),
      join(root, "other.jsonl"),
      join(root, "missing.evtx"),
    ],
    root,
  );
  assert.deepEqual(files, [
    join("logs", "a.evtx"),
    join("logs", "b.evtx"),
    join("logs", "dc01", "Security.evtx"),
    "other.jsonl",
  ]);
  assert.deepEqual(problems, ["missing.evtx: ENOENT"]);
});

test("a link to a folder given as a path is walked as that path; inside a walked folder it is not followed", {
  skip: process.platform === "win32" ? "no symbolic links without privileges" : false,
}, async (t) => {
  const root = mkdtempSync(join(tmpdir(), "vigil-discover-links-"));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(join(root, "logs"));
  writeFileSync(join(root, "logs", "a.evtx"), "");
  symlinkSync(join(root, "logs"), join(root, "copy"));
  const { files, problems } = await discovered([join(root, "logs"), join(root, "copy")], root);
  assert.deepEqual(files, [join("logs", "a.evtx"), join("copy", "a.evtx")]);
  assert.deepEqual(problems, []);
  const walked = await discovered([root], root);
  assert.deepEqual(walked.files, [join("logs", "a.evtx")]);
  assert.deepEqual(walked.problems, ["copy: a link to a folder, not followed"]);
});
