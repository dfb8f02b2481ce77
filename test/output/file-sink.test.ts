/** The batched file writer: every row whole and in order, across batch ends, in any script, and rows larger than a batch. */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { openFileSink } from "../../src/output/file-sink.js";

const temp = mkdtempSync(join(tmpdir(), "vigil-sink-"));
after(() => rmSync(temp, { recursive: true, force: true }));

test("rows come out whole and in order: across batch ends, multi-byte text, surrogate pairs, a row larger than a batch", async () => {
  const path = join(temp, "rows.txt");
  const sink = await openFileSink(path);
  const rows: string[] = [];
  for (let i = 0; i < 5000; i++) {
    const text = i % 7 === 0 ? `Ärger 日本 \u{1F600} ${i}` : `row ${i},${"x".repeat(i % 300)}`;
    rows.push(`${text}\n`);
    // A row of 400,000 characters (1.2 MB of UTF-8 at most) among the others, twice.
    if (i === 1234 || i === 4321) rows.push(`${"é".repeat(200_000)}${"y".repeat(200_000)}\n`);
  }
  for (const row of rows) await sink.write(row);
  await sink.close();
  assert.equal(readFileSync(path, "utf8"), rows.join(""));
});

test("nothing written makes an empty file; a write after close is refused; a bad path fails at opening", async () => {
  const path = join(temp, "empty.txt");
  const sink = await openFileSink(path);
  await sink.close();
  assert.equal(readFileSync(path, "utf8"), "");
  await assert.rejects(sink.write("late\n"), /write after close/);
  await assert.rejects(openFileSink(join(temp, "no-such-folder", "x.txt")), /ENOENT/);
});
