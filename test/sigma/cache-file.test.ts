import assert from "node:assert/strict";
import { test } from "node:test";
import { crc32 } from "node:zlib";
import { decodeCacheFile, encodeCacheFile } from "../../src/sigma/cache-file.js";

const contents = () => ({
  name: "bucket",
  big: 2n ** 70n,
  byKey: new Map<string, unknown>([
    ["a", { ints: Int32Array.of(-1, 2, 3), bytes: Uint8Array.of(1, 2, 3) }],
    ["b", { floats: Float64Array.of(0.5, Number.NaN), halves: Uint16Array.of(7), words: Uint32Array.of(2 ** 32 - 1) }],
  ]),
  // A Buffer (a rule's body) comes back as a Uint8Array of the same bytes; a view of part of an array, as that part.
  body: Buffer.from("serialized"),
  part: new Int32Array(Int32Array.of(9, 8, 7, 6).buffer, 4, 2),
  longs: BigInt64Array.of(-5n),
});

test("a cache file gives back its contents, typed arrays as aligned views of the file's bytes", () => {
  const file = encodeCacheFile("TEST", contents());
  const back = decodeCacheFile("TEST", file) as ReturnType<typeof contents>;
  const expected = contents();
  assert.deepEqual(back.byKey, expected.byKey);
  assert.equal(back.big, expected.big);
  assert.deepEqual([...back.part], [8, 7]);
  assert.deepEqual([...back.longs], [-5n]);
  assert.ok(back.body instanceof Uint8Array);
  assert.equal(Buffer.from(back.body).toString(), "serialized");
  const a = back.byKey.get("a") as { ints: Int32Array; bytes: Uint8Array };
  const b = back.byKey.get("b") as { floats: Float64Array };
  // Not copies: views of the one buffer the file was read into, each at a multiple of 8.
  assert.equal(a.ints.buffer, file.buffer);
  assert.equal(b.floats.buffer, file.buffer);
  for (const view of [a.ints, a.bytes, b.floats, back.part, back.longs]) assert.equal(view.byteOffset % 8, 0);
});

test("a file read at an unaligned place is read all the same", () => {
  const file = encodeCacheFile("TEST", contents());
  const shifted = Buffer.alloc(file.length + 1);
  file.copy(shifted, 1);
  const back = decodeCacheFile("TEST", shifted.subarray(1)) as ReturnType<typeof contents>;
  assert.deepEqual(back.byKey, contents().byKey);
});

test("another tag, a changed byte, a truncation or a view outside the data: refused", () => {
  const file = encodeCacheFile("TEST", contents());
  assert.throws(() => decodeCacheFile("ELSE", file), /not this kind/);
  for (const at of [9, 20, file.length - 1]) {
    const damaged = Buffer.from(file);
    damaged[at] = (damaged[at] as number) ^ 1;
    assert.throws(() => decodeCacheFile("TEST", damaged), /damaged/);
  }
  assert.throws(() => decodeCacheFile("TEST", file.subarray(0, file.length - 8)), /damaged/);
  assert.throws(() => decodeCacheFile("TEST", file.subarray(0, 10)), /not this kind/);
  // A checksum made to fit a data section cut short: the views that would reach past it are refused.
  const short = Buffer.from(file.subarray(0, file.length - 16));
  short.writeUInt32LE(crc32(short.subarray(8)), 4);
  assert.throws(() => decodeCacheFile("TEST", short), /outside its data/);
});

test("only plain data and typed arrays go in a cache file", () => {
  assert.throws(() => encodeCacheFile("TEST", { view: new DataView(new ArrayBuffer(4)) }), /cannot hold a DataView/);
});
