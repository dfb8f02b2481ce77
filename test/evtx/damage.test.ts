/**
 * Damaged files (libyal "Recovery" and "Corruption scenarios"): each test breaks one thing in a file the writer
 * made, leaves every other checksum valid, and checks what is still read, what is recovered and what is reported.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { readEvtxFile } from "../../src/evtx/index.js";
import type { Damage, EvtxRecord } from "../../src/evtx/types.js";
import {
  BinXmlBuilder,
  ByteSink,
  ChunkHeader,
  ChunkTables,
  chunkFileOffset,
  defineTemplate,
  EvtxWriter,
  el,
  FileHeader,
  RecordHeader,
  refreshChecksums,
  sub,
  type WrittenRecord,
} from "../../src/evtx/write/index.js";
import { eventElement, findAll, read, setU16, setU32, systemValues, T0, utf16 } from "./fixtures.js";

const template = defineTemplate(
  eventElement(el("EventData", [el("Data", { Name: "CommandLine" }, [sub("CommandLine", "string")])])),
);

function commandLine(id: number): string {
  return `powershell.exe -enc ${"A".repeat(300)} #${id}#`;
}

const RECORDS = 200;

/** A clean file of RECORDS records over three chunks, fresh for each test. */
function baseFile(options: Parameters<EvtxWriter["toBuffer"]>[0] = {}): { buf: Uint8Array; written: WrittenRecord[] } {
  const writer = new EvtxWriter();
  const written: WrittenRecord[] = [];
  for (let id = 1; id <= RECORDS; id++) {
    written.push(
      writer.addRecord({ timestamp: T0, template, values: { ...systemValues(id), CommandLine: commandLine(id) } }),
    );
  }
  assert.equal(writer.chunkCount, 3, "the base file has three chunks");
  return { buf: writer.toBuffer(options), written };
}

function ids(records: readonly EvtxRecord[]): number[] {
  return records.map((r) => r.recordId).sort((a, b) => a - b);
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

function inChunk(written: readonly WrittenRecord[], chunk: number): WrittenRecord[] {
  return written.filter((w) => w.chunk === chunk);
}

function kinds(damage: readonly Damage[]): string[] {
  return damage.map((d) => `${d.kind}@${d.chunk}`);
}

/** Every record decodes to the values it was written with. */
function assertIntact(records: readonly EvtxRecord[]): void {
  for (const r of records) {
    assert.equal(r.fields.get("System.EventRecordID"), r.recordId, `record ${r.recordId} id`);
    assert.equal(r.fields.get("EventData.CommandLine"), commandLine(r.recordId), `record ${r.recordId} command line`);
  }
}

describe("a clean file", () => {
  test("reads every record, reports nothing", () => {
    const { buf } = baseFile();
    const { records, damage, stats } = read(buf);
    assert.deepEqual(damage, []);
    assert.deepEqual(ids(records), range(1, RECORDS));
    assertIntact(records);
    assert.equal(stats.chunks, 3);
    assert.equal(stats.chunksDamaged, 0);
    assert.equal(stats.recovered, 0);
    assert.equal(stats.skipped, 0);
  });
});

describe("file header damage", () => {
  test("bad magic: chunks are still found by their magic", () => {
    const { buf } = baseFile();
    buf.set(Buffer.from("NotAFile", "latin1"), FileHeader.Magic);
    const { records, damage } = read(buf);
    assert.ok(
      damage.some((d) => d.kind === "file-header" && d.chunk === null),
      `file-header damage: ${kinds(damage)}`,
    );
    assert.ok(!damage.some((d) => d.kind === "not-evtx"), "still EVTX");
    assert.deepEqual(ids(records), range(1, RECORDS));
    assertIntact(records);
  });

  test("header block all zero: chunks are still found by their magic", () => {
    const { buf } = baseFile();
    buf.fill(0, 0, 4096);
    const { records, damage } = read(buf);
    assert.ok(
      damage.some((d) => d.kind === "file-header"),
      `file-header damage: ${kinds(damage)}`,
    );
    assert.deepEqual(ids(records), range(1, RECORDS));
  });

  test("bad checksum", () => {
    const { buf } = baseFile();
    buf[FileHeader.NextRecordId] ^= 0xff;
    const { records, damage } = read(buf);
    assert.ok(
      damage.some((d) => d.kind === "file-header" && d.chunk === null),
      `file-header damage: ${kinds(damage)}`,
    );
    assert.deepEqual(ids(records), range(1, RECORDS));
  });
});

describe("chunk damage", () => {
  test("bad chunk magic: the chunk is reported, its records recovered", () => {
    const { buf, written } = baseFile();
    buf.set(Buffer.from("ElfChnX\0", "latin1"), chunkFileOffset(1) + ChunkHeader.Magic);
    const { records, damage, stats } = read(buf);
    const reported = damage.filter((d) => d.kind === "chunk-header" && d.chunk === 1);
    assert.ok(reported.length > 0, `chunk-header damage for chunk 1: ${kinds(damage)}`);
    assert.ok(
      reported.some((d) => d.offset === chunkFileOffset(1)),
      "reported at the chunk's offset",
    );
    assert.ok(stats.chunksDamaged >= 1, "counted as a damaged chunk");
    assert.deepEqual(ids(records), range(1, RECORDS));
    assertIntact(records);
    const damagedIds = new Set(inChunk(written, 1).map((w) => w.recordId));
    for (const r of records)
      assert.equal(r.recovered, damagedIds.has(r.recordId), `record ${r.recordId} recovered flag`);
  });

  test("bad chunk magic without recovery: that chunk's records are left out", () => {
    const { buf, written } = baseFile();
    buf.set(Buffer.from("ElfChnX\0", "latin1"), chunkFileOffset(1) + ChunkHeader.Magic);
    const { records, damage, stats } = read(buf, { recover: false });
    assert.ok(
      damage.some((d) => d.kind === "chunk-header" && d.chunk === 1),
      `chunk-header damage for chunk 1: ${kinds(damage)}`,
    );
    const expected = written.filter((w) => w.chunk !== 1).map((w) => w.recordId);
    assert.deepEqual(ids(records), expected);
    assert.equal(stats.recovered, 0);
  });

  test("bad chunk header checksum: reported, records still read", () => {
    const { buf } = baseFile();
    // A byte of the empty area the header CRC covers.
    buf[chunkFileOffset(1) + 64] = 0x5a;
    const { records, damage, stats } = read(buf);
    assert.ok(
      damage.some((d) => d.kind === "chunk-header" && d.chunk === 1),
      `chunk-header damage for chunk 1: ${kinds(damage)}`,
    );
    assert.ok(stats.chunksDamaged >= 1, "counted as a damaged chunk");
    assert.deepEqual(ids(records), range(1, RECORDS));
    assertIntact(records);
  });

  test("bad event records checksum: reported, records still read", () => {
    const { buf, written } = baseFile();
    const target = inChunk(written, 2)[3];
    const marker = utf16(`#${target.recordId}#`);
    const [at] = findAll(buf, marker, target.offset, target.offset + target.size);
    assert.ok(at !== undefined, "marker found");
    buf.set(utf16(`!${target.recordId}#`), at);
    const { records, damage, stats } = read(buf);
    assert.ok(
      damage.some((d) => d.kind === "chunk-data" && d.chunk === 2),
      `chunk-data damage for chunk 2: ${kinds(damage)}`,
    );
    assert.ok(stats.chunksDamaged >= 1, "counted as a damaged chunk");
    assert.deepEqual(ids(records), range(1, RECORDS));
    const changed = records.find((r) => r.recordId === target.recordId);
    assert.equal(changed?.fields.get("EventData.CommandLine"), commandLine(target.recordId).replace("#", "!"));
  });

  test("free space offset past the chunk end: reported, records still found", () => {
    const { buf, written } = baseFile();
    setU32(buf, chunkFileOffset(0) + ChunkHeader.FreeSpaceOffset, 0x7fffffff);
    refreshChecksums(buf, 0);
    const { records, damage } = read(buf);
    assert.ok(
      damage.some((d) => d.kind === "chunk-header" && d.chunk === 0),
      `chunk-header damage for chunk 0: ${kinds(damage)}`,
    );
    assert.deepEqual(ids(records), range(1, RECORDS));
    assert.ok(inChunk(written, 0).length > 0, "chunk 0 has records");
  });
});

describe("record damage", () => {
  for (const [what, size] of [
    ["an absurd size", 0xfffffff0],
    ["size zero", 0],
    ["a size below the record header", 20],
  ] as const) {
    test(`record with ${what}: skipped with a damage entry, the next record found by its magic`, () => {
      const { buf, written } = baseFile();
      const bad = inChunk(written, 0)[5];
      setU32(buf, bad.offset + RecordHeader.Size, size);
      refreshChecksums(buf, 0);
      const { records, damage, stats } = read(buf);
      const reported = damage.filter((d) => d.kind === "record" && d.chunk === 0);
      assert.ok(
        reported.some((d) => d.offset === bad.offset),
        `record damage at ${bad.offset}: ${JSON.stringify(damage)}`,
      );
      assert.ok(stats.skipped >= 1, "counted as skipped");
      assert.deepEqual(
        ids(records),
        range(1, RECORDS).filter((id) => id !== bad.recordId),
      );
      assertIntact(records);
    });
  }

  test("size and size copy that disagree: reported, the following records still read", () => {
    const { buf, written } = baseFile();
    const bad = inChunk(written, 0)[5];
    setU32(buf, bad.offset + RecordHeader.Size, bad.size + 8);
    refreshChecksums(buf, 0);
    const { records, damage } = read(buf);
    assert.ok(
      damage.some((d) => d.kind === "record" && d.chunk === 0 && d.offset === bad.offset),
      `record damage at ${bad.offset}: ${kinds(damage)}`,
    );
    const others = range(1, RECORDS).filter((id) => id !== bad.recordId);
    assert.deepEqual(
      ids(records).filter((id) => id !== bad.recordId),
      others,
    );
  });

  test("a substitution value whose size runs past the record", () => {
    const writer = new EvtxWriter();
    const written = [1, 2, 3].map((id) =>
      writer.addRecord({ timestamp: T0, template, values: { ...systemValues(id), CommandLine: commandLine(id) } }),
    );
    const buf = writer.toBuffer();
    // The descriptor of the last value (CommandLine) of record 2: count, then 4-byte descriptors.
    const definitionEnd = (() => {
      const instance = written[0].offset + RecordHeader.BinXml + 4;
      const def = chunkFileOffset(0) + (buf[instance + 6] | (buf[instance + 7] << 8));
      return def + 24 + new DataView(buf.buffer).getUint32(def + 20, true);
    })();
    assert.ok(definitionEnd < written[1].offset, "definition inside record 1");
    const values = written[1].offset + RecordHeader.BinXml + 4 + 10;
    const count = new DataView(buf.buffer).getUint32(values, true);
    setU16(buf, values + 4 + 4 * (count - 1), 0xfff0);
    refreshChecksums(buf, 0);
    const { records, damage } = read(buf);
    assert.ok(
      damage.some(
        (d) => d.kind === "record" && d.offset >= written[1].offset && d.offset < written[1].offset + written[1].size,
      ),
      `record damage inside record 2: ${JSON.stringify(damage)}`,
    );
    const read13 = records.filter((r) => r.recordId !== 2);
    assert.deepEqual(ids(read13), [1, 3]);
    assertIntact(read13);
  });
});

describe("truncated files", () => {
  test("cut inside a record of the last chunk: complete records are read, the cut one is reported", () => {
    const { buf, written } = baseFile();
    const cutRecord = inChunk(written, 2)[10];
    const cut = buf.slice(0, cutRecord.offset + 100);
    const { records, damage } = read(cut);
    assert.ok(
      damage.some((d) => d.kind === "truncated"),
      `truncated damage: ${kinds(damage)}`,
    );
    assert.deepEqual(ids(records), range(1, cutRecord.recordId - 1));
    assertIntact(records);
  });

  test("cut inside a chunk header: the chunks before are read", () => {
    const { buf, written } = baseFile();
    const cut = buf.slice(0, chunkFileOffset(2) + 300);
    const { records, damage } = read(cut);
    assert.ok(
      damage.some((d) => d.kind === "truncated"),
      `truncated damage: ${kinds(damage)}`,
    );
    assert.deepEqual(
      ids(records),
      written.filter((w) => w.chunk < 2).map((w) => w.recordId),
    );
  });
});

describe("recovery", () => {
  test("records beyond the header's chunk count are recovered", () => {
    const { buf, written } = baseFile({ header: { chunkCount: 2, lastChunkNumber: 1 } });
    const { records, stats } = read(buf);
    assert.deepEqual(ids(records), range(1, RECORDS));
    assertIntact(records);
    const beyond = new Set(inChunk(written, 2).map((w) => w.recordId));
    for (const r of records) assert.equal(r.recovered, beyond.has(r.recordId), `record ${r.recordId} recovered flag`);
    assert.equal(stats.recovered, beyond.size);
  });

  test("without recovery, records beyond the header's chunk count are left out", () => {
    const { buf, written } = baseFile({ header: { chunkCount: 2, lastChunkNumber: 1 } });
    const { records, stats } = read(buf, { recover: false });
    assert.deepEqual(
      ids(records),
      written.filter((w) => w.chunk < 2).map((w) => w.recordId),
    );
    assert.equal(stats.recovered, 0);
  });

  test("records in chunk slack (written after the header's free space offset) are recovered", () => {
    const declared = 10;
    const { buf, written } = baseFile({ seal: (i) => (i === 1 ? { declaredRecords: declared } : undefined) });
    const slack = new Set(
      inChunk(written, 1)
        .slice(declared)
        .map((w) => w.recordId),
    );
    assert.ok(slack.size > 10, "records in slack");
    const { records, stats } = read(buf);
    assert.deepEqual(ids(records), range(1, RECORDS));
    assertIntact(records);
    for (const r of records) assert.equal(r.recovered, slack.has(r.recordId), `record ${r.recordId} recovered flag`);
    assert.equal(stats.recovered, slack.size);
  });

  test("without recovery, records in chunk slack are left out", () => {
    const declared = 10;
    const { buf, written } = baseFile({ seal: (i) => (i === 1 ? { declaredRecords: declared } : undefined) });
    const slack = new Set(
      inChunk(written, 1)
        .slice(declared)
        .map((w) => w.recordId),
    );
    const { records, stats } = read(buf, { recover: false });
    assert.deepEqual(
      ids(records),
      range(1, RECORDS).filter((id) => !slack.has(id)),
    );
    assert.equal(stats.recovered, 0);
  });
});

describe("not EVTX at all", () => {
  function random(n: number, seed: number): Uint8Array {
    const out = new Uint8Array(n);
    let x = seed;
    for (let i = 0; i < n; i++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      out[i] = x >>> 24;
    }
    return out;
  }

  function bareBinXml(): Uint8Array {
    // binxml.dat-like: a BinXML fragment with no file or chunk around it.
    const sink = new ByteSink(0);
    const b = new BinXmlBuilder(sink, new ChunkTables());
    b.fragmentHeader().openStartElement("Event").closeStartElement().text("x").endElement().endOfStream();
    return sink.toBytes();
  }

  const inputs: [string, Uint8Array][] = [
    ["random bytes", random(200_000, 7)],
    ["text", Buffer.from("Event log exported as text, not EVTX.\r\n".repeat(200))],
    ["an empty buffer", new Uint8Array(0)],
    ["zeros", new Uint8Array(70_000)],
    ["a bare BinXML fragment", bareBinXml()],
  ];

  for (const [what, buf] of inputs) {
    test(what, () => {
      const { records, damage, stats } = read(buf);
      assert.deepEqual(records, []);
      assert.ok(
        damage.some((d) => d.kind === "not-evtx" && d.chunk === null),
        `not-evtx damage: ${kinds(damage)}`,
      );
      assert.equal(stats.records, 0);
      assert.equal(stats.chunks, 0);
    });
  }
});

describe("damage from a file on disk", () => {
  test("given a callback, the reader hands every damage entry to it and keeps none itself; without one, it keeps them", async () => {
    const dir = mkdtempSync(join(tmpdir(), "vigil-damage-"));
    try {
      const { buf, written } = baseFile();
      // Every fourth record of the first chunk with an absurd size.
      for (const w of inChunk(written, 0).filter((_, i) => i % 4 === 1))
        setU32(buf, w.offset + RecordHeader.Size, 0xfffffff0);
      refreshChecksums(buf, 0);
      const path = join(dir, "damaged.evtx");
      writeFileSync(path, buf);
      const kept = readEvtxFile(path);
      for await (const _ of kept);
      const seen: Damage[] = [];
      const streamed = readEvtxFile(path, { onDamage: (d) => seen.push(d) });
      for await (const _ of streamed);
      assert.ok(kept.damage.length > 5, kinds(kept.damage).join());
      assert.deepEqual(seen, kept.damage);
      assert.deepEqual(streamed.damage, []);
      assert.deepEqual(streamed.stats, kept.stats);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
