/**
 * Shared fixtures of the source tests: a small zip writer (so a test shows the bytes that matter: methods, flags,
 * sizes that lie), EVTX files from the project's writer, a temporary folder per test, and a read that checks the
 * counts reconcile.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { crc32, deflateRawSync } from "node:zlib";
import type { HuntEvent } from "../../src/events/event.js";
import { defineTemplate, el, opt, RecordHeader, refreshChecksums } from "../../src/evtx/write/index.js";
import { openEvidence } from "../../src/sources/open.js";
import {
  type EvidenceOptions,
  PROBLEMS_KEPT,
  SKIPPED_RECORD_KINDS,
  type SourceStats,
} from "../../src/sources/types.js";
import { eventElement, processCreationFile, systemValues, writeTemplateRecords } from "../evtx/fixtures.js";

export interface ZipMember {
  readonly name: string;
  readonly data: Uint8Array;
  /** 0 stored, 8 deflate (default), or any other method number to write as is (data then stored raw). */
  readonly method?: number;
  /** General purpose flags (bit 0: encrypted; bit 11, UTF-8 names, is always set). */
  readonly flags?: number;
  /** The uncompressed size the headers declare, when it should lie. */
  readonly declaredSize?: number;
}

/** A zip archive (APPNOTE 4.3): local headers and data, the central directory, the end record. */
export function zipOf(members: readonly ZipMember[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const m of members) {
    const method = m.method ?? 8;
    const data = method === 8 ? deflateRawSync(m.data) : Buffer.from(m.data);
    const name = Buffer.from(m.name, "utf8");
    const flags = (m.flags ?? 0) | 0x800;
    const crc = crc32(m.data);
    const size = m.declaredSize ?? m.data.length;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(data.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(flags, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(data.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, data);
    centrals.push(central, name);
    offset += local.length + name.length + data.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(members.length, 8);
  end.writeUInt16LE(members.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

/** A fresh temporary folder, removed after the test. */
export function tempFolder(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), "vigil-sources-test-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Write `data` at `name` under `dir` (folders made as needed); returns the path. */
export function put(dir: string, name: string, data: Uint8Array | string): string {
  const path = join(dir, name);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, data);
  return path;
}

/** `count` Security 4688 events; record i has EventRecordID i + 1 and command line `cmd.exe /c echo <i>`. */
export function evtxFile(count: number): Uint8Array {
  return processCreationFile(count, (i) => ({
    image: "C:\\Windows\\System32\\cmd.exe",
    commandLine: `cmd.exe /c echo ${i}`,
  }));
}

/** An EVTX file of `count` records whose records at the indexes `broken` have a size of zero: each is skipped. */
export function damagedEvtxFile(count: number, broken: readonly number[]): Uint8Array {
  const template = defineTemplate(
    eventElement(el("EventData", [el("Data", { Name: "CommandLine" }, [opt("CommandLine", "string")])])),
  );
  const values = Array.from({ length: count }, (_, i) => ({
    ...systemValues(i + 1),
    CommandLine: `cmd.exe /c echo ${i}`,
  }));
  const { buf, written, writer } = writeTemplateRecords(template, values);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  for (const i of broken) view.setUint32(written[i].offset + RecordHeader.Size, 0, true);
  for (let chunk = 0; chunk < writer.chunkCount; chunk++) refreshChecksums(buf, chunk);
  return buf;
}

/** One JSON line per object. */
export function jsonl(objects: readonly unknown[]): string {
  return objects.map((o) => `${JSON.stringify(o)}\n`).join("");
}

export interface ReadResult {
  readonly events: HuntEvent[];
  readonly sources: readonly SourceStats[];
  readonly totals: ReturnType<ReturnType<typeof openEvidence>["totals"]>;
}

/** Read everything under `paths`, and check that the counts reconcile. */
export async function readAll(paths: readonly string[], options: EvidenceOptions = {}): Promise<ReadResult> {
  const reader = openEvidence(paths, options);
  const events: HuntEvent[] = [];
  for await (const e of reader) events.push(e);
  assertReconciles(events, reader.sources, reader.totals());
  // Read a batch at a time (as a hunt reads), the same events come, with the same counts.
  const batched = openEvidence(paths, options);
  const again: HuntEvent[] = [];
  for await (const batch of batched.batches()) again.push(...batch);
  const origin = (e: HuntEvent): string => `${key(e.source)}@${e.source.offset}:${e.timestamp}`;
  assert.deepEqual(again.map(origin), events.map(origin));
  assert.deepEqual(batched.totals(), reader.totals());
  return { events, sources: reader.sources, totals: reader.totals() };
}

export function key(s: { file: string; member?: string }): string {
  return s.member === undefined ? s.file : `${s.file}!/${s.member}`;
}

export function assertReconciles(
  events: readonly HuntEvent[],
  sources: readonly SourceStats[],
  totals: ReturnType<ReturnType<typeof openEvidence>["totals"]>,
): void {
  const perSource = new Map<string, HuntEvent[]>();
  for (const e of events) {
    const k = key(e.source);
    const list = perSource.get(k);
    if (list === undefined) perSource.set(k, [e]);
    else list.push(e);
  }
  const keys = sources.map(key);
  assert.equal(new Set(keys).size, keys.length, "each source is listed once");
  for (const s of sources) {
    const mine = perSource.get(key(s)) ?? [];
    perSource.delete(key(s));
    assert.equal(s.events, mine.length, `${key(s)}: events counts what was yielded`);
    assert.equal(s.recovered, mine.filter((e) => e.recovered).length, `${key(s)}: recovered`);
    for (const p of s.problems) assert.ok(p.reason.length > 0, `${key(s)}: a problem says why`);
    // Every problem is counted; the first PROBLEMS_KEPT are kept.
    assert.equal(s.problems.length, Math.min(s.problemCount, PROBLEMS_KEPT), `${key(s)}: problems kept`);
    if (s.problemCount > PROBLEMS_KEPT) {
      assert.ok(s.skipped <= s.problemCount, `${key(s)}: each skipped record is a problem`);
    } else if (s.format === "evtx") {
      const damage = s.problems.filter((p) => p.kind === "evtx-damage").length;
      assert.ok(s.skipped <= damage, `${key(s)}: each skipped record has damage (${s.skipped} <= ${damage})`);
    } else {
      const skips = s.problems.filter((p) => SKIPPED_RECORD_KINDS.has(p.kind)).length;
      assert.equal(s.skipped, skips, `${key(s)}: each skipped record has one problem`);
    }
    if (s.format === "unknown" || s.format === "unreadable") {
      assert.ok(s.problems.length > 0, `${key(s)}: an unusable source says why`);
      assert.equal(s.events, 0);
    }
  }
  assert.deepEqual([...perSource.keys()], [], "every event belongs to a listed source");
  const sum = (f: (s: SourceStats) => number): number => sources.reduce((n, s) => n + f(s), 0);
  assert.equal(totals.events, events.length, "total events");
  assert.equal(
    totals.skipped,
    sum((s) => s.skipped),
    "total skipped",
  );
  assert.equal(
    totals.recovered,
    sum((s) => s.recovered),
    "total recovered",
  );
  assert.equal(
    totals.problems,
    sum((s) => s.problemCount),
    "total problems",
  );
  assert.equal(totals.sources, sources.length);
}

/** The sources, as `name: format` with the path under `dir` (and member), for compact assertions. */
export function formats(sources: readonly SourceStats[], dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const s of sources) out[key(s).slice(dir.length + 1)] = s.format;
  return out;
}
