/**
 * The streaming JSON splitters: the same records whatever the chunking, offsets in bytes and lines from 1, and
 * records handed out as soon as they end, in bounded memory.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { type JsonRecord, jsonLines, jsonValues } from "../../src/sources/json-records.js";

type Splitter = typeof jsonLines;

async function records(split: Splitter, chunks: Iterable<Buffer>, max = 1 << 20): Promise<JsonRecord[]> {
  const out: JsonRecord[] = [];
  const progress = { bytes: 0 };
  async function* source(): AsyncGenerator<Buffer> {
    yield* chunks;
  }
  for await (const r of split(source(), max, progress)) out.push(r);
  return out;
}

/** `bytes` cut at `cuts`. */
function cutAt(bytes: Buffer, cuts: readonly number[]): Buffer[] {
  const out: Buffer[] = [];
  let from = 0;
  for (const c of [...cuts, bytes.length]) {
    out.push(bytes.subarray(from, c));
    from = c;
  }
  return out;
}

const PRETTY = Buffer.from(
  `\ufeff${[
    JSON.stringify({ a: '}{"\\', b: ["x\ny", { c: "é" }] }, null, 2),
    "oops",
    JSON.stringify([1, 2]),
    '{"d": "[unclosed"',
  ].join("\n")}\n`,
);

test("jsonValues: the same records wherever the chunks are cut", async () => {
  const whole = await records(jsonValues, [PRETTY]);
  assert.deepEqual(
    whole.map((r) => [r.kind, r.offset, r.line]),
    [
      ["value", 3, 1],
      ["bad-json", PRETTY.indexOf("oops"), 10],
      // A top-level array holds records: its elements are the values.
      ["value", PRETTY.indexOf("[1,2]") + 1, 11],
      ["value", PRETTY.indexOf("[1,2]") + 3, 11],
      ["bad-json", PRETTY.indexOf('{"d"'), 12],
    ],
  );
  assert.deepEqual((whole[0] as { value: unknown }).value, { a: '}{"\\', b: ["x\ny", { c: "é" }] });
  for (let cut = 1; cut < PRETTY.length; cut++) {
    assert.deepEqual(await records(jsonValues, cutAt(PRETTY, [cut])), whole, `cut at ${cut}`);
  }
  const bytewise = Array.from({ length: PRETTY.length }, (_, i) => i + 1).slice(0, -1);
  assert.deepEqual(await records(jsonValues, cutAt(PRETTY, bytewise)), whole, "one byte at a time");
});

const LINES = Buffer.from(`\ufeff{"a": 1}\r\n\n{"b": "é"}\n{broken\n  \n[3]`);

test("jsonLines: the same records wherever the chunks are cut; blank lines are no records", async () => {
  const whole = await records(jsonLines, [LINES]);
  assert.deepEqual(
    whole.map((r) => [r.kind, r.offset, r.line]),
    [
      ["value", 3, 1],
      ["value", LINES.indexOf('{"b"'), 3],
      ["bad-json", LINES.indexOf("{broken"), 4],
      ["value", LINES.indexOf("[3]"), 6],
    ],
  );
  for (let cut = 1; cut < LINES.length; cut++) {
    assert.deepEqual(await records(jsonLines, cutAt(LINES, [cut])), whole, `cut at ${cut}`);
  }
});

/** Chunks of `count` JSONL lines, produced lazily, counting how many were pulled. */
function lazyLines(count: number, pulled: { n: number }, prefix = "", suffix = ""): AsyncIterable<Buffer> {
  return {
    async *[Symbol.asyncIterator]() {
      pulled.n++;
      if (prefix) yield Buffer.from(prefix);
      for (let i = 0; i < count; i++) {
        pulled.n++;
        yield Buffer.from(`{"EventID": ${i}}${suffix}\n`);
      }
    },
  };
}

for (const [name, split, prefix, suffix] of [
  ["jsonLines", jsonLines, "", ""],
  ["jsonValues over objects", jsonValues, "", ""],
  ["jsonValues over one array", jsonValues, "[", ","],
] as const) {
  test(`${name} hands each record out as soon as it ends`, async () => {
    const pulled = { n: 0 };
    const progress = { bytes: 0 };
    let first = -1;
    let count = 0;
    for await (const r of split(lazyLines(10_000, pulled, prefix, suffix), 1024, progress)) {
      if (r.kind !== "value") continue;
      if (count === 0) first = pulled.n;
      count++;
    }
    assert.equal(count, 10_000);
    assert.ok(first <= 3, `the first record came after ${first} chunks`);
  });
}

for (const [name, split] of [
  ["jsonLines", jsonLines],
  ["jsonValues", jsonValues],
] as const) {
  test(`${name}: a 128 MiB record is skipped without being held, and the next one is read`, async () => {
    const progress = { bytes: 0 };
    const max = 1 << 20;
    async function* huge(): AsyncGenerator<Buffer> {
      yield Buffer.from('{"EventID": 1, "x": "');
      for (let i = 0; i < 128; i++) yield Buffer.alloc(1 << 20, 0x61); // fresh buffers: held ones would add up
      yield Buffer.from('"}\n{"EventID": 2}\n');
    }
    const out: JsonRecord[] = [];
    let peak = 0;
    for await (const r of split(huge(), max, progress)) {
      out.push(r);
      peak = Math.max(peak, process.memoryUsage().arrayBuffers);
    }
    assert.deepEqual(
      out.map((r) => [r.kind, r.offset]),
      [
        ["record-too-large", 0],
        ["value", progress.bytes - '{"EventID": 2}\n'.length],
      ],
    );
    assert.match((out[0] as { reason: string }).reason, /of 134217751 bytes is longer than 1048576/);
    assert.ok(peak < 96 * 1024 * 1024, `array buffers peaked at ${peak} bytes`);
  });
}

test("jsonLines: a line's offset is where it starts, whitespace and all, wherever the chunks are cut", async () => {
  const text = Buffer.from('  {"a": 1}\n\t{"b": 2}\n');
  for (let cut = 1; cut < text.length; cut++) {
    const got = await records(jsonLines, cutAt(text, [cut]));
    assert.deepEqual(
      got.map((r) => [r.kind, r.offset, r.line]),
      [
        ["value", 0, 1],
        ["value", text.indexOf("\t"), 2],
      ],
      `cut at ${cut}`,
    );
  }
});
