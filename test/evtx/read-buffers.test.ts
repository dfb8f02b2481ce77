import assert from "node:assert/strict";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { type FieldValue, ReadBuffers, readEvtxFile } from "../../src/evtx/index.js";
import { processCreationFile } from "./fixtures.js";

const dir = mkdtempSync(join(tmpdir(), "vigil-read-buffers-"));
after(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, count: number, commandLength = 20): string {
  const path = join(dir, name);
  writeFileSync(
    path,
    processCreationFile(count, (i) => ({
      image: "C:\\Windows\\System32\\cmd.exe",
      commandLine: `cmd.exe /c echo ${i} ${"x".repeat(commandLength)}`,
    })),
  );
  return path;
}

const small = file("small.evtx", 300);
const smaller = file("smaller.evtx", 40);
// Past the size read whole (8 MiB): read in windows of chunks, one read ahead.
const large = file("large.evtx", 14_000, 600);

type Fields = [string, FieldValue][];

/** Every record's fields, taken from each batch before the next is asked for (as the hunt does). */
async function fieldsOf(path: string, buffers?: ReadBuffers): Promise<Fields[]> {
  const reader = readEvtxFile(path, buffers === undefined ? {} : { buffers });
  const out: Fields[] = [];
  for await (const batch of reader.batches()) for (const r of batch) out.push([...r.fields.entries()]);
  return out;
}

describe("reading into reused buffers", () => {
  it("the large file really takes the windowed path", () => {
    assert.ok(statSync(large).size > 8 * 1024 * 1024);
  });

  it("gives the same records as fresh buffers, file after file, larger and smaller", async () => {
    const buffers = new ReadBuffers();
    for (const path of [small, large, smaller, small, large]) {
      const expected = await fieldsOf(path);
      const got = await fieldsOf(path, buffers);
      assert.equal(got.length, expected.length, path);
      assert.deepEqual(got, expected, path);
    }
  });

  it("two readers at once in one thread: the second reads into buffers of its own", async () => {
    const buffers = new ReadBuffers();
    const first = readEvtxFile(small, { buffers }).batches()[Symbol.asyncIterator]();
    const second = readEvtxFile(smaller, { buffers }).batches()[Symbol.asyncIterator]();
    // Interleaved: the first holds the buffers while the second reads.
    const a = await first.next();
    const b = await second.next();
    assert.ok(!a.done && !b.done);
    const aFields = a.value.map((r) => [...r.fields.entries()]);
    const bFields = b.value.map((r) => [...r.fields.entries()]);
    assert.deepEqual(aFields, (await fieldsOf(small)).slice(0, aFields.length));
    assert.deepEqual(bFields, (await fieldsOf(smaller)).slice(0, bFields.length));
    for (let r = await first.next(); !r.done; r = await first.next());
    for (let r = await second.next(); !r.done; r = await second.next());
    // Both released: a reader may claim them again.
    assert.equal(buffers.claim({}), true);
  });

  it("are released when a reader stops early", async () => {
    const buffers = new ReadBuffers();
    for await (const batch of readEvtxFile(large, { buffers }).batches()) {
      assert.ok(batch.length > 0);
      break;
    }
    assert.equal(buffers.claim({}), true);
  });
});

describe("ReadBuffers", () => {
  it("keeps one buffer for whole files, grown only when too small", () => {
    const buffers = new ReadBuffers();
    const a = buffers.forFile(1000);
    const b = buffers.forFile(10);
    assert.equal(a.length, 1000);
    assert.equal(b.length, 10);
    assert.equal(a.buffer, b.buffer, "the same memory");
    const c = buffers.forFile(5000);
    assert.equal(c.length, 5000);
    assert.notEqual(c.buffer, a.buffer);
  });

  it("keeps two windows apart", () => {
    const buffers = new ReadBuffers();
    const w0 = buffers.window(0, 4096);
    const w1 = buffers.window(1, 4096);
    assert.notEqual(w0.buffer, w1.buffer);
    assert.equal(buffers.window(0, 4096).buffer, w0.buffer);
  });

  it("is held by one owner at a time", () => {
    const buffers = new ReadBuffers();
    const one = {};
    const two = {};
    assert.equal(buffers.claim(one), true);
    assert.equal(buffers.claim(two), false);
    buffers.release(two);
    assert.equal(buffers.claim(two), false, "only the owner releases");
    buffers.release(one);
    assert.equal(buffers.claim(two), true);
  });
});
