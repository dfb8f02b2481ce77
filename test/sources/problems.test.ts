/**
 * Hostile and broken evidence: every problem is reported with where and why, bad records are skipped and counted,
 * reading goes on with the next record or file, and nothing crashes or hangs.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { symlinkSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { gzipSync } from "node:zlib";
import { MAX_JSON_DEPTH, nestedDeeperThan } from "../../src/sources/json-source.js";
import { openEvidence } from "../../src/sources/open.js";
import { PROBLEMS_KEPT, type SourceProblem, type SourceStats } from "../../src/sources/types.js";
import { damagedEvtxFile, evtxFile, jsonl, put, readAll, tempFolder, zipOf } from "./fixtures.js";

const event = (i: number) => ({
  EventID: 1,
  Channel: "Microsoft-Windows-Sysmon/Operational",
  Hostname: "H",
  Image: `p${i}.exe`,
});

function brief(problems: readonly SourceProblem[]): string[] {
  return problems.map((p) => `${p.kind}@${p.offset}${p.line === undefined ? "" : `:${p.line}`}`);
}

function only(sources: readonly SourceStats[], format?: string): SourceStats {
  const found = sources.filter((s) => format === undefined || s.format === format);
  assert.equal(found.length, 1, JSON.stringify(sources));
  return found[0];
}

test("unreadable paths: missing, not a regular file; counted, and the readable files are still read", async (t) => {
  const dir = tempFolder(t);
  const good = put(dir, "good.jsonl", jsonl([event(1)]));
  const missing = join(dir, "missing.evtx");
  const paths = [missing, good];
  if (process.platform !== "win32") {
    const fifo = join(dir, "pipe");
    execFileSync("mkfifo", [fifo]);
    paths.push(fifo);
  }
  const { sources, totals, events } = await readAll(paths);
  assert.equal(events.length, 1);
  assert.deepEqual(
    sources.map((s) => [s.file, s.format, s.problems.map((p) => `${p.kind}: ${p.reason}`)]),
    [
      [missing, "unreadable", ["unreadable: ENOENT"]],
      [good, "jsonl", []],
      ...(paths.length > 2 ? [[paths[2], "unreadable", ["unreadable: not a regular file"]]] : []),
    ],
  );
  assert.equal(totals.files, paths.length);
  assert.equal(totals.unusable, paths.length - 1);
});

test("in a folder: links to files are read, a broken link and a FIFO are unreadable, a link to a folder is not followed", {
  skip: process.platform === "win32" ? "no FIFOs or symbolic links without privileges" : false,
}, async (t) => {
  const dir = tempFolder(t);
  const other = tempFolder(t);
  const target = put(other, "target.jsonl", jsonl([event(1)]));
  put(dir, "real.jsonl", jsonl([event(2)]));
  symlinkSync(target, join(dir, "link.jsonl"));
  symlinkSync(join(other, "gone.jsonl"), join(dir, "broken.jsonl"));
  symlinkSync(other, join(dir, "folder-link"));
  execFileSync("mkfifo", [join(dir, "pipe.jsonl")]);
  const { sources, totals, events } = await readAll([dir]);
  assert.equal(events.length, 2);
  assert.deepEqual(
    sources.map((s) => [s.file.slice(dir.length + 1), s.format, s.problems.map((p) => p.reason)]),
    [
      ["broken.jsonl", "unreadable", [`ENOENT: no such file or directory, open '${join(dir, "broken.jsonl")}'`]],
      ["folder-link", "unreadable", ["a link to a folder, not followed"]],
      ["link.jsonl", "jsonl", []],
      ["pipe.jsonl", "unreadable", ["not a regular file"]],
      ["real.jsonl", "jsonl", []],
    ],
  );
  assert.equal(totals.unusable, 3);
});

test("unknown and unsupported formats are named, not read", async (t) => {
  const dir = tempFolder(t);
  put(dir, "a.evtx", randomBytes(4096));
  put(dir, "b.json", Buffer.concat([Buffer.from("7z\xbc\xaf\x27\x1c", "latin1"), randomBytes(100)]));
  put(dir, "c.json", Buffer.from('\ufeff{"EventID": 1}', "utf16le"));
  put(dir, "d.json", Buffer.from('{"EventID": 1}', "utf16le"));
  put(dir, "e.txt", "just some text\n");
  const { sources, totals } = await readAll([dir]);
  const rows = sources.map((s) => [s.file.slice(dir.length + 1), s.format, s.problems.map((p) => p.kind).join()]);
  assert.equal(rows[0][1], "unknown");
  assert.deepEqual(rows.slice(1), [
    ["b.json", "unknown", "unsupported"],
    ["c.json", "unknown", "unsupported"],
    ["d.json", "unknown", "unsupported"],
    ["e.txt", "unknown", "unknown-format"],
  ]);
  assert.match(sources[1].problems[0].reason, /7-Zip/);
  assert.match(sources[2].problems[0].reason, /UTF-16/);
  assert.match(sources[4].problems[0].reason, /"just som"/);
  assert.equal(totals.unusable, 5);
});

test("JSONL: bad lines, non-events and overlong lines are skipped with their line and offset", async (t) => {
  const dir = tempFolder(t);
  const lines = [
    JSON.stringify(event(1)),
    '{"EventID": 2, "Channel": ', // cut short
    "",
    JSON.stringify({ hello: "world" }),
    "42",
    JSON.stringify({ ...event(5), Padding: "x".repeat(5000) }),
    `${JSON.stringify(event(6))}\r`,
  ];
  const text = `\ufeff${lines.join("\n")}`;
  const path = put(dir, "x.jsonl", text);
  const { events, sources } = await readAll([path], { maxRecordBytes: 1000 });
  const s = only(sources);
  assert.equal(s.format, "jsonl");
  assert.deepEqual(
    events.map((e) => e.fields.get("EventData.Image")),
    ["p1.exe", "p6.exe"],
  );
  const bytes = Buffer.from(text);
  const lineStart = (n: number) => {
    let at = 0;
    for (let i = 1; i < n; i++) at = bytes.indexOf(0x0a, at) + 1;
    return at;
  };
  assert.deepEqual(brief(s.problems), [
    `bad-json@${lineStart(2)}:2`,
    `not-an-event@${lineStart(4)}:4`,
    `not-an-event@${lineStart(5)}:5`,
    `record-too-large@${lineStart(6)}:6`,
  ]);
  assert.match(s.problems[1].reason, /keys: hello/);
  assert.match(s.problems[2].reason, /a number/);
  assert.equal(s.skipped, 4);
  assert.equal(events[1].source.offset, lineStart(7));
  assert.equal(s.bytes, bytes.length);
});

test("concatenated JSON: garbage between values, a broken value, a value cut off by the end", async (t) => {
  const dir = tempFolder(t);
  const parts = [
    JSON.stringify(event(1), null, 2),
    "garbage here",
    '{\n  "EventID": 2,\n  "Channel": }',
    JSON.stringify(event(3), null, 2),
    '{\n  "EventID": 4, "Image": "a } in a string',
  ];
  const text = parts.join("\n");
  const path = put(dir, "x.json", text);
  const { events, sources } = await readAll([path]);
  const s = only(sources);
  assert.equal(s.format, "json");
  assert.deepEqual(
    events.map((e) => e.fields.get("EventData.Image")),
    ["p1.exe", "p3.exe"],
  );
  assert.deepEqual(
    s.problems.map((p) => [p.kind, p.offset, p.line]),
    [
      ["bad-json", text.indexOf("garbage"), 7],
      ["bad-json", text.indexOf('{\n  "EventID": 2'), 8],
      ["bad-json", text.indexOf('{\n  "EventID": 4'), 17],
    ],
  );
  assert.match(s.problems[2].reason, /ends inside/);
  assert.equal(s.skipped, 3);
});

test("a JSON array: scalars in it are not events, an array never closed is truncated", async (t) => {
  const dir = tempFolder(t);
  const text = `[${JSON.stringify(event(1))}, 7, "a, b", ${JSON.stringify(event(2))}`;
  const path = put(dir, "x.json", text);
  const { events, sources } = await readAll([path]);
  const s = only(sources);
  assert.equal(events.length, 2);
  assert.deepEqual(
    s.problems.map((p) => [p.kind, p.offset]),
    [
      ["not-an-event", text.indexOf("7")],
      ["not-an-event", text.indexOf('"a, b"')],
      ["truncated", 0],
    ],
  );
  assert.equal(s.skipped, 2);
});

test("one overlong JSON value is skipped and the next one is still found", async (t) => {
  const dir = tempFolder(t);
  const big = { ...event(1), Blob: "{[".repeat(100_000) };
  const path = put(dir, "x.json", `${JSON.stringify(big)}${JSON.stringify(event(2))}`);
  const { events, sources } = await readAll([path], { maxRecordBytes: 64 * 1024 });
  assert.deepEqual(
    events.map((e) => e.fields.get("EventData.Image")),
    ["p2.exe"],
  );
  assert.deepEqual(brief(only(sources).problems), ["record-too-large@0:1"]);
});

test("a truncated gzip stream: the events before the cut, the cut line skipped, the truncation reported", async (t) => {
  const dir = tempFolder(t);
  const text = jsonl(Array.from({ length: 2000 }, (_, i) => event(i)));
  const gz = gzipSync(text);
  const path = put(dir, "x.jsonl.gz", gz.subarray(0, Math.floor(gz.length / 2)));
  const { events, sources } = await readAll([path]);
  const s = only(sources);
  assert.equal(s.format, "jsonl");
  assert.deepEqual(s.containers, ["gzip"]);
  assert.ok(events.length > 0 && events.length < 2000, `${events.length} events before the cut`);
  assert.deepEqual(
    s.problems.map((p) => p.kind),
    ["bad-json", "truncated"],
  );
  assert.equal(s.problems[1].offset, s.bytes, "the truncation is at the end of what was decompressed");
  assert.match(s.problems[1].reason, /^gzip: unexpected end of file/);
  assert.ok(
    text.startsWith(
      events
        .map((e) => `${JSON.stringify(event(Number(String(e.fields.get("EventData.Image")).slice(1, -4))))}\n`)
        .join(""),
    ),
  );
});

test("broken gzip data: reported as a corrupt archive, never thrown", async (t) => {
  const dir = tempFolder(t);
  const gz = gzipSync(jsonl(Array.from({ length: 100 }, (_, i) => event(i))));
  const garbled = Buffer.from(gz);
  garbled.fill(0xff, 12, 40);
  put(dir, "garbled.gz", garbled);
  put(dir, "header-only.gz", Buffer.concat([Buffer.from([0x1f, 0x8b, 0x08]), randomBytes(2000)]));
  const { sources } = await readAll([dir]);
  for (const s of sources) {
    assert.equal(s.format, "unreadable", JSON.stringify(s));
    assert.deepEqual(s.containers, ["gzip"]);
    assert.equal(s.problems.length, 1);
    assert.match(s.problems[0].kind, /corrupt-archive|truncated/);
    assert.match(s.problems[0].reason, /^gzip: /);
  }
});

test("decompression bombs stop at the size limit, with the events before it", async (t) => {
  const dir = tempFolder(t);
  const text = jsonl(Array.from({ length: 20_000 }, (_, i) => event(i)));
  assert.ok(text.length > 1_000_000);
  put(dir, "bomb.jsonl.gz", gzipSync(text));
  put(
    dir,
    "bomb.zip",
    zipOf([
      { name: "a.jsonl", data: Buffer.from(text) },
      { name: "b.jsonl", data: Buffer.from(jsonl([event(1)])) },
    ]),
  );
  put(dir, "zeros.gz", gzipSync(Buffer.alloc(50_000_000)));
  const limit = 100_000;
  const { sources } = await readAll([dir], { maxDecompressedBytes: limit });
  const rows = sources.map((s) => [
    s.file.slice(dir.length + 1),
    s.member ?? "",
    s.format,
    s.problems.map((p) => p.kind).join(),
  ]);
  assert.deepEqual(rows, [
    ["bomb.jsonl.gz", "", "jsonl", "bad-json,size-limit"],
    ["bomb.zip", "", "zip", ""],
    ["bomb.zip", "a.jsonl", "jsonl", "bad-json,size-limit"],
    ["bomb.zip", "b.jsonl", "jsonl", ""],
    ["zeros.gz", "", "unknown", "unknown-format"],
  ]);
  for (const s of [sources[0], sources[2]]) {
    assert.equal(s.bytes, limit);
    assert.equal(s.problems[1].offset, limit);
    const lineLength = JSON.stringify(event(0)).length + 1;
    assert.ok(s.events >= Math.floor(limit / (lineLength + 4)) && s.events <= limit / lineLength, `${s.events} events`);
  }
  assert.equal(sources[3].events, 1, "the next member is still read");
});

test("zip members that cannot be read: lying sizes, encryption, unknown methods; the others are read", async (t) => {
  const dir = tempFolder(t);
  const good = Buffer.from(jsonl([event(1)]));
  const path = put(
    dir,
    "x.zip",
    zipOf([
      { name: "liar.jsonl", data: Buffer.from(jsonl([event(2), event(3)])), declaredSize: 10 },
      { name: "secret.jsonl", data: good, flags: 1 },
      { name: "bzip2.jsonl", data: good, method: 12 },
      { name: "good.jsonl", data: good },
    ]),
  );
  const { sources, events } = await readAll([path]);
  assert.deepEqual(
    sources.map((s) => [s.member ?? "", s.format, s.problems.map((p) => p.kind).join()]),
    [
      ["", "zip", ""],
      ["liar.jsonl", "unreadable", "corrupt-archive"],
      ["secret.jsonl", "unreadable", "unsupported"],
      ["bzip2.jsonl", "unreadable", "unsupported"],
      ["good.jsonl", "jsonl", ""],
    ],
  );
  assert.match(sources[1].problems[0].reason, /^zip: too many bytes/);
  assert.match(sources[3].problems[0].reason, /method 12/);
  assert.equal(events.length, 1);
});

test("a truncated zip is a corrupt archive; so is one whose central directory is broken", async (t) => {
  const dir = tempFolder(t);
  const zip = zipOf([{ name: "a.evtx", data: evtxFile(5) }]);
  put(dir, "cut.zip", zip.subarray(0, zip.length - 40));
  const broken = Buffer.from(zip);
  broken.writeUInt32LE(0xdeadbeef, broken.length - 22 - 46 - "a.evtx".length);
  put(dir, "broken.zip", broken);
  const { sources } = await readAll([dir]);
  assert.deepEqual(
    sources.map((s) => [s.file.slice(dir.length + 1), s.format, s.problems.map((p) => p.kind).join()]),
    [
      ["broken.zip", "zip", "corrupt-archive"],
      ["cut.zip", "zip", "corrupt-archive"],
    ],
  );
  assert.match(sources[0].problems[0].reason, /^zip: invalid central directory/);
});

test("archives nested past the limit are not opened", async (t) => {
  const dir = tempFolder(t);
  const level3 = zipOf([{ name: "a.jsonl", data: Buffer.from(jsonl([event(1)])) }]);
  const level2 = zipOf([{ name: "l3.zip", data: level3 }]);
  put(dir, "l1.zip", zipOf([{ name: "l2.zip", data: level2 }]));
  put(dir, "gz.gz", gzipSync(gzipSync(gzipSync(jsonl([event(1)])))));
  const { sources, events } = await readAll([dir], { maxNesting: 2 });
  assert.equal(events.length, 0);
  assert.deepEqual(
    sources.map((s) => [s.file.slice(dir.length + 1), s.member ?? "", s.format, s.problems.map((p) => p.kind).join()]),
    [
      ["gz.gz", "", "gzip", "nesting-limit"],
      ["l1.zip", "", "zip", ""],
      ["l1.zip", "l2.zip", "zip", ""],
      ["l1.zip", "l2.zip!/l3.zip", "zip", "nesting-limit"],
    ],
  );
  assert.deepEqual(sources[0].containers, ["gzip", "gzip"]);
});

test("JSON nested deeper than the limit is skipped as too deep, and the lines after it are still read", async (t) => {
  const dir = tempFolder(t);
  const nested = (levels: number): string => `${"[".repeat(levels)}1${"]".repeat(levels)}`;
  const lines = [
    JSON.stringify(event(1)),
    // A hundred thousand brackets: flattening it overflowed the stack and ended the file's reading.
    `{"EventID": 1, "Image": "deep.exe", "X": ${nested(100_000)}}`,
    `{"EventID": 1, "Image": "at-limit.exe", "X": ${nested(MAX_JSON_DEPTH - 1)}}`,
    `{"EventID": 1, "Image": "past-limit.exe", "X": ${nested(MAX_JSON_DEPTH)}}`,
    JSON.stringify(event(5)),
  ];
  const path = put(dir, "deep.jsonl", lines.join("\n"));
  const { events, sources } = await readAll([path]);
  const s = only(sources);
  assert.deepEqual(
    events.map((e) => e.fields.get("EventData.Image")),
    ["p1.exe", "at-limit.exe", "p5.exe"],
  );
  assert.deepEqual(
    s.problems.map((p) => [p.kind, p.line]),
    [
      ["too-deep", 2],
      ["too-deep", 4],
    ],
  );
  assert.equal(s.skipped, 2);
  assert.equal(nestedDeeperThan({ a: [{ b: [1] }] }, 3), true);
  assert.equal(nestedDeeperThan({ a: [{ b: 1 }] }, 3), false);
  assert.equal(nestedDeeperThan("text", 0), false);
});

test("a source with a problem on every line keeps the first problems and counts them all: memory does not grow with them", async (t) => {
  const dir = tempFolder(t);
  const bad = PROBLEMS_KEPT * 30;
  const lines = [JSON.stringify(event(1)), ...Array.from({ length: bad }, () => "42"), JSON.stringify(event(2))];
  const path = put(dir, "noisy.jsonl", lines.join("\n"));
  const seen: SourceProblem[] = [];
  const reader = openEvidence([path], { onProblem: (_, p) => seen.push(p) });
  const events: string[] = [];
  for await (const e of reader) events.push(String(e.fields.get("EventData.Image")));
  const s = only(reader.sources);
  assert.deepEqual(events, ["p1.exe", "p2.exe"]);
  assert.equal(s.skipped, bad);
  assert.equal(s.problemCount, bad);
  assert.equal(s.problems.length, PROBLEMS_KEPT);
  assert.deepEqual(
    s.problems.map((p) => p.line),
    Array.from({ length: PROBLEMS_KEPT }, (_, i) => i + 2),
    "the first ones, in order",
  );
  assert.equal(seen.length, bad, "every problem still goes to onProblem");
  assert.equal(reader.totals().problems, bad);
  await readAll([path]);
});

test("EVTX damage is reported per record, skipped records counted, on disk and out of a gzip stream", async (t) => {
  const dir = tempFolder(t);
  const evtx = damagedEvtxFile(50, [3, 17]);
  put(dir, "d.evtx", evtx);
  put(dir, "d.evtx.gz", gzipSync(evtx));
  const { sources } = await readAll([dir]);
  for (const s of sources) {
    assert.equal(s.format, "evtx");
    assert.equal(s.events, 48);
    assert.equal(s.skipped, 2);
    assert.ok(s.problems.length >= 2 && s.problems.every((p) => p.kind === "evtx-damage"), JSON.stringify(s.problems));
    assert.match(s.problems[0].reason, /^chunk 0: /);
  }
  assert.deepEqual(sources[0].problems, sources[1].problems, "the same damage, wherever the bytes came from");
});

test("binary garbage that looks like JSON or gzip at first does not hang or crash", async (t) => {
  const dir = tempFolder(t);
  const noise = randomBytes(3_000_000);
  for (let i = 0; i < noise.length; i++) if (noise[i] === 0) noise[i] = 1;
  put(dir, "brace", Buffer.concat([Buffer.from("{"), noise]));
  put(dir, "bracket", Buffer.concat([Buffer.from("["), noise]));
  put(dir, "gzip", Buffer.concat([Buffer.from([0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 3]), noise]));
  put(dir, "zip", Buffer.concat([Buffer.from("PK\x03\x04", "latin1"), noise]));
  put(dir, "evtx", Buffer.concat([Buffer.from("ElfFile\0", "latin1"), noise]));
  const started = Date.now();
  const { sources, events } = await readAll([dir], { maxRecordBytes: 1024 * 1024 });
  assert.ok(Date.now() - started < 20_000, "read in bounded time");
  assert.equal(events.length, 0);
  assert.equal(sources.length, 5);
  for (const s of sources) assert.ok(s.problems.length > 0, `${s.file}: ${s.format} has problems`);
});
