/**
 * Opening evidence: every format told by content whatever the name says, archives inside archives, events with
 * their origin, and counts that reconcile.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { createReadStream, createWriteStream, readdirSync } from "node:fs";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { test } from "node:test";
import { createGzip, gzipSync } from "node:zlib";
import type { HuntEvent } from "../../src/events/event.js";
import { fileContent } from "../../src/sources/content.js";
import { HEAD_BYTES, MAGIC_BYTES } from "../../src/sources/format.js";
import { openEvidence, openEvidenceFile } from "../../src/sources/open.js";
import { assertReconciles, evtxFile, formats, jsonl, put, readAll, tempFolder, zipOf } from "./fixtures.js";

const winlogbeat = (i: number) => ({
  "@timestamp": `2024-03-01T10:00:0${i}.000Z`,
  winlog: {
    channel: "Security",
    event_id: 4688,
    computer_name: "WS01",
    record_id: 100 + i,
    event_data: { CommandLine: `whoami /${i}` },
  },
});

const flat = (i: number) => ({
  EventID: 4688,
  Channel: "Security",
  Hostname: "WS02",
  EventTime: `2024-03-01T11:00:0${i}Z`,
  RecordNumber: 200 + i,
  CommandLine: `net user /${i}`,
});

/** evtx_dump's pretty output: objects one after another, no array. */
function pretty(objects: readonly unknown[]): string {
  return objects.map((o) => JSON.stringify(o, null, 2)).join("\n");
}

test("each format is told by its content, not its name", async (t) => {
  const dir = tempFolder(t);
  put(dir, "looks-like.json", evtxFile(3));
  put(dir, "looks-like.evtx", jsonl([winlogbeat(1), winlogbeat(2)]));
  put(dir, "pretty.txt", pretty([flat(1), flat(2), flat(3)]));
  put(dir, "array.log", JSON.stringify([winlogbeat(3), flat(4)]));
  put(dir, "evtx.zip", gzipSync(evtxFile(2)));
  put(dir, "archive.gz", zipOf([{ name: "inside.dat", data: Buffer.from(jsonl([flat(5)])) }]));
  put(dir, "blank.jsonl", "  \n\n");
  const { events, sources } = await readAll([dir]);
  assert.deepEqual(formats(sources, dir), {
    "archive.gz": "zip",
    "archive.gz!/inside.dat": "jsonl",
    "array.log": "json",
    "blank.jsonl": "empty",
    "evtx.zip": "evtx",
    "looks-like.evtx": "jsonl",
    "looks-like.json": "evtx",
    "pretty.txt": "json",
  });
  const count = (name: string) => sources.find((s) => s.file.endsWith(name) && s.format !== "zip")?.events;
  assert.deepEqual(
    ["looks-like.json", "looks-like.evtx", "pretty.txt", "array.log", "evtx.zip", "archive.gz", "blank.jsonl"].map(
      count,
    ),
    [3, 2, 3, 2, 2, 1, 0],
  );
  assert.equal(events.length, 13);
  assert.ok(
    sources.every((s) => s.problems.length === 0),
    JSON.stringify(sources.flatMap((s) => s.problems)),
  );
  assert.deepEqual(sources.find((s) => s.file.endsWith("evtx.zip"))?.containers, ["gzip"]);
  // Same Sigma-facing paths whatever the shape.
  for (const e of events) {
    assert.equal(e.fields.get("System.EventID"), 4688);
    assert.equal(e.fields.get("System.Channel"), "Security");
    assert.equal(typeof e.fields.get("EventData.CommandLine"), "string");
    assert.equal(typeof e.timestamp, "number");
    assert.equal(e.recovered, false);
  }
});

test("events carry their origin: EVTX record offsets, JSONL line starts, object starts", async (t) => {
  const dir = tempFolder(t);
  const lines = jsonl([winlogbeat(1), flat(2)]);
  const evtx = put(dir, "a", evtxFile(2));
  const jl = put(dir, "b", lines);
  const text = pretty([flat(1), flat(2)]);
  const pj = put(dir, "c", text);
  const { events } = await readAll([evtx, jl, pj]);
  assert.deepEqual(
    events.map((e) => [e.source.file, e.source.offset]),
    [
      [evtx, events[0].source.offset],
      [evtx, events[1].source.offset],
      [jl, 0],
      [jl, lines.indexOf("\n") + 1],
      [pj, 0],
      [pj, text.indexOf("}\n{") + 2],
    ],
  );
  assert.ok((events[0].source.offset ?? 0) >= 4096 + 512, "the first record sits after the file and chunk headers");
  assert.ok((events[1].source.offset ?? 0) > (events[0].source.offset ?? 0));
  assert.equal(events[0].fields.get("EventData.CommandLine"), "cmd.exe /c echo 0");
  assert.equal(events[5].fields.get("EventData.CommandLine"), "net user /2");
});

test("archives inside archives: members named with !/ and their layers listed", async (t) => {
  const dir = tempFolder(t);
  const inner = zipOf([
    { name: "c.json", data: Buffer.from(pretty([flat(1)])) },
    { name: "deeper/d.evtx", data: evtxFile(1), method: 0 },
  ]);
  const outer = zipOf([
    { name: "a.evtx", data: evtxFile(2) },
    { name: "logs/", data: Buffer.alloc(0), method: 0 },
    { name: "logs/b.jsonl.gz", data: gzipSync(jsonl([winlogbeat(1), winlogbeat(2), winlogbeat(3)])) },
    { name: "inner.zip", data: inner },
  ]);
  put(dir, "collection.zip", outer);
  put(dir, "collection.zip.gz", gzipSync(outer));
  const { events, sources } = await readAll([dir]);
  const rows = sources.map((s) => [s.member ?? "", s.format, s.containers.join(">"), s.events]);
  const expected = (containers: string) => [
    ["", "zip", containers, 0],
    ["a.evtx", "evtx", `${containers ? `${containers}>` : ""}zip`, 2],
    ["logs/b.jsonl.gz", "jsonl", `${containers ? `${containers}>` : ""}zip>gzip`, 3],
    ["inner.zip", "zip", `${containers ? `${containers}>` : ""}zip`, 0],
    ["inner.zip!/c.json", "json", `${containers ? `${containers}>` : ""}zip>zip`, 1],
    ["inner.zip!/deeper/d.evtx", "evtx", `${containers ? `${containers}>` : ""}zip>zip`, 1],
  ];
  assert.deepEqual(rows, [...expected(""), ...expected("gzip")]);
  assert.equal(events.length, 14);
  const deep = events.find((e) => e.source.member === "inner.zip!/deeper/d.evtx");
  assert.ok(deep !== undefined);
  assert.equal(deep.source.file, join(dir, "collection.zip"));
  assert.equal(deep.fields.get("System.Computer"), "DC01.corp.example");
});

test("EVTX and zips out of a compressed stream spill to a temporary file past the memory limit, removed after", async (t) => {
  const dir = tempFolder(t);
  const spill = tempFolder(t);
  put(dir, "big.evtx.gz", gzipSync(evtxFile(300)));
  put(dir, "big.zip.gz", gzipSync(zipOf([{ name: "x.evtx", data: evtxFile(50) }])));
  const reader = openEvidence([dir], { inMemoryBytes: 4096, tempDir: spill });
  const spilledWhileReading = new Set<string>();
  const events: HuntEvent[] = [];
  for await (const e of reader) {
    events.push(e);
    for (const folder of readdirSync(spill))
      spilledWhileReading.add(`${e.source.file}: ${readdirSync(join(spill, folder))}`);
  }
  assertReconciles(events, reader.sources, reader.totals());
  assert.deepEqual(
    reader.sources.map((s) => [s.member ?? "", s.format, s.events]),
    [
      ["", "evtx", 300],
      ["", "zip", 0],
      ["x.evtx", "evtx", 50],
    ],
  );
  assert.deepEqual(
    [...spilledWhileReading],
    [`${join(dir, "big.evtx.gz")}: content`, `${join(dir, "big.zip.gz")}: content`],
  );
  assert.deepEqual(readdirSync(spill), [], "nothing is left behind");
});

test("held in memory under the limit: no temporary file", async (t) => {
  const dir = tempFolder(t);
  const spill = tempFolder(t);
  put(dir, "small.evtx.gz", gzipSync(evtxFile(3)));
  const reader = openEvidence([dir], { tempDir: spill });
  for await (const _ of reader) assert.deepEqual(readdirSync(spill), []);
  assert.equal(reader.totals().events, 3);
});

test("a large JSONL file, plain or gzipped, is streamed: memory stays far below its size", async (t) => {
  const dir = tempFolder(t);
  const line = `${JSON.stringify({ EventID: 1, Channel: "Security", Hostname: "H", Blob: "x".repeat(4000) })}\n`;
  const lines = 24 * 1024; // about 96 MiB
  const path = join(dir, "big.jsonl");
  const out = createWriteStream(path);
  for (let i = 0; i < lines; i++) if (!out.write(line)) await once(out, "drain");
  out.end();
  await once(out, "close");
  await pipeline(createReadStream(path), createGzip(), createWriteStream(join(dir, "big.jsonl.gz")));
  const reader = openEvidence([dir]);
  let peak = 0;
  let events = 0;
  for await (const _ of reader) {
    events++;
    if (events % 256 === 0) peak = Math.max(peak, process.memoryUsage().arrayBuffers);
  }
  assert.equal(events, 2 * lines);
  assert.deepEqual(
    reader.sources.map((s) => s.bytes),
    [line.length * lines, line.length * lines],
  );
  assert.ok(peak < 64 * 1024 * 1024, `array buffers peaked at ${peak} bytes for two ${line.length * lines}-byte files`);
});

test("stopping early releases everything: temporary files removed, files and streams closed", async (t) => {
  const dir = tempFolder(t);
  const spill = tempFolder(t);
  put(
    dir,
    "a.zip.gz",
    gzipSync(
      zipOf([
        { name: "x.evtx", data: evtxFile(100) },
        { name: "y.jsonl", data: Buffer.from(jsonl([flat(1)])) },
      ]),
    ),
  );
  put(dir, "b.jsonl.gz", gzipSync(jsonl(Array.from({ length: 1000 }, (_, i) => flat(i % 10)))));
  const openFiles = () => readdirSync("/proc/self/fd").length;
  const before = process.platform === "linux" ? openFiles() : 0;
  for (const stopAfter of [1, 150]) {
    const reader = openEvidence([dir], { inMemoryBytes: 1024, tempDir: spill });
    let n = 0;
    for await (const _ of reader) if (++n === stopAfter) break;
    assert.deepEqual(readdirSync(spill), [], `no temporary file left after stopping at event ${stopAfter}`);
  }
  if (process.platform === "linux") {
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(openFiles(), before, "no file left open");
  }
});

test("a file's head is its magic alone when that decides the format, and up to HEAD_BYTES otherwise", async (t) => {
  const dir = tempFolder(t);
  const evtx = put(dir, "a.evtx", evtxFile(3));
  const zipped = put(dir, "a.zip", zipOf([{ name: "x.jsonl", data: Buffer.from(jsonl([flat(1)])) }]));
  const gzipped = put(dir, "a.gz", gzipSync(jsonl([flat(1)])));
  const longJson = put(dir, "long.jsonl", jsonl(Array.from({ length: 2000 }, (_, i) => flat(i % 10))));
  const shortJson = put(dir, "short.json", JSON.stringify(flat(1)));
  const tiny = put(dir, "tiny.bin", "PK\x03");
  const unknown = put(dir, "x.bin", Buffer.alloc(100_000, 7));
  const heads: Record<string, [number, boolean]> = {};
  for (const path of [evtx, zipped, gzipped, longJson, shortJson, tiny, unknown]) {
    const content = await fileContent(path);
    heads[path.slice(dir.length + 1)] = [content.head.length, content.complete];
  }
  const shortLength = Buffer.byteLength(JSON.stringify(flat(1)));
  assert.deepEqual(heads, {
    "a.evtx": [MAGIC_BYTES, false],
    "a.zip": [MAGIC_BYTES, false],
    "a.gz": [MAGIC_BYTES, false],
    "long.jsonl": [HEAD_BYTES, false],
    "short.json": [shortLength, true],
    "tiny.bin": [3, true],
    "x.bin": [HEAD_BYTES, false],
  });
  // The longer head starts with the bytes of the magic read first.
  const long = await fileContent(longJson);
  assert.equal(long.head.toString("utf8", 0, 40), jsonl([flat(0)]).slice(0, 40));
  // Whatever was read of the head, the formats and counts are those of the whole files.
  const { sources } = await readAll([dir]);
  assert.deepEqual(formats(sources, dir), {
    "a.evtx": "evtx",
    "a.gz": "jsonl",
    "a.zip": "zip",
    "a.zip!/x.jsonl": "jsonl",
    "long.jsonl": "jsonl",
    "short.json": "jsonl",
    "tiny.bin": "unknown",
    "x.bin": "unknown",
  });
});

test("openEvidenceFile reads one file as openEvidence reads it, and reports one that is gone", async (t) => {
  const dir = tempFolder(t);
  const path = put(dir, "Security.evtx", evtxFile(4));
  const one = openEvidenceFile(path);
  const events: HuntEvent[] = [];
  for await (const batch of one.batches()) events.push(...batch);
  const all = await readAll([path]);
  assert.equal(events.length, 4);
  assertReconciles(events, one.sources, one.totals());
  assert.deepEqual(one.totals(), all.totals);
  assert.deepEqual(one.sources, all.sources);

  const gone = openEvidenceFile(join(dir, "gone.evtx"));
  for await (const _ of gone.batches()) assert.fail("no events from a missing file");
  assert.equal(gone.totals().files, 1);
  assert.equal(gone.totals().unusable, 1);
  assert.deepEqual(
    gone.sources.map((s) => [s.format, s.problems[0]?.kind]),
    [["unreadable", "unreadable"]],
  );
});
