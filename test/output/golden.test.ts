/**
 * Golden files: the exact bytes of a standard CSV timeline, a verbose JSONL timeline and a --json-out line for one
 * fixed detection, so that any change of format shows up here, on purpose or not.
 */
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { createJsonOutWriter } from "../../src/output/json-out.js";
import { createTimelineWriter } from "../../src/output/timeline.js";
import { processCreation, tempDir } from "./fixtures.js";

async function written(
  make: (
    path: string,
  ) => Promise<{ write(d: ReturnType<typeof processCreation>): Promise<void>; close(): Promise<void> }>,
  name: string,
): Promise<string> {
  const path = join(tempDir(), name);
  const w = await make(path);
  await w.write(processCreation());
  await w.close();
  return readFileSync(path, "utf8");
}

/** The golden file's text; `VIGIL_UPDATE_GOLDEN=1` rewrites it from the current output (then review the diff). */
function golden(name: string, text: string): string {
  const path = fileURLToPath(new URL(`./golden/${name}`, import.meta.url));
  if (process.env.VIGIL_UPDATE_GOLDEN === "1") writeFileSync(path, text);
  return readFileSync(path, "utf8");
}

test("golden: standard CSV timeline", async () => {
  const text = await written((p) => createTimelineWriter(p, "standard"), "t.csv");
  assert.equal(text, golden("timeline-standard.csv", text));
});

test("golden: verbose JSONL timeline", async () => {
  const text = await written((p) => createTimelineWriter(p, "verbose"), "t.jsonl");
  assert.equal(text, golden("timeline-verbose.jsonl", text));
});

test("golden: --json-out line", async () => {
  const text = await written((p) => createJsonOutWriter(p), "d.jsonl");
  assert.equal(text, golden("json-out.jsonl", text));
});
