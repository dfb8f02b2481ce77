/**
 * The EVTX writer: the layout it produces, checked byte by byte against the format (libyal), against values taken
 * from Windows-written chunks, against the reader, and against python-evtx and libevtx when they are installed.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { describe, test } from "node:test";
import { crc32 } from "node:zlib";
import {
  type BinXmlBuilder,
  ByteSink,
  CHUNK_HEADER_SIZE,
  CHUNK_SIZE,
  ChunkHeader,
  ChunkTables,
  ChunkWriter,
  chunkFileOffset,
  defineTemplate,
  EvtxFileWriter,
  EvtxWriter,
  el,
  elementValue,
  FILE_HEADER_BLOCK_SIZE,
  FileFlags,
  FileHeader,
  guidBytes,
  nameBucket,
  nameHash,
  opt,
  RECORD_MAGIC,
  RecordHeader,
  sidBytes,
  sub,
  TemplateDefinitionLayout,
  Token,
  templateBucket,
  templateValue,
  toFileTime,
  val,
  writeValue,
} from "../../src/evtx/write/index.js";
import {
  EVENT_NS,
  eventElement,
  findAll,
  PROVIDER_GUID,
  read,
  systemValues,
  T0,
  T0_ISO,
  u16,
  u32,
  u64,
  utf16,
} from "./fixtures.js";

const processCreation = defineTemplate(
  eventElement(
    el("EventData", [
      el("Data", { Name: "SubjectUserSid" }, [sub("SubjectUserSid", "sid")]),
      el("Data", { Name: "NewProcessId" }, [sub("NewProcessId", "hex64")]),
      el("Data", { Name: "NewProcessName" }, [sub("NewProcessName", "string")]),
      el("Data", { Name: "CommandLine" }, [sub("CommandLine", "string")]),
    ]),
  ),
);

function processValues(recordId: number): Record<string, unknown> {
  return {
    ...systemValues(recordId),
    SubjectUserSid: "S-1-5-18",
    NewProcessId: 0x1a2b + recordId,
    NewProcessName: "C:\\Windows\\System32\\cmd.exe",
    CommandLine: `cmd.exe /c whoami & echo <${recordId}> ${"x".repeat(recordId % 50)}`,
  };
}

/** A file of `n` process-creation records, ids 1..n. */
function processFile(n: number, options: ConstructorParameters<typeof EvtxWriter>[0] = {}) {
  const writer = new EvtxWriter(options);
  const written = [];
  for (let i = 1; i <= n; i++) {
    written.push(writer.addRecord({ timestamp: T0, template: processCreation, values: processValues(i) }));
  }
  return { buf: writer.toBuffer(), written, writer };
}

interface NameEntry {
  readonly offset: number;
  readonly name: string;
  readonly hash: number;
  readonly next: number;
}

function nameAt(chunk: Uint8Array, offset: number): NameEntry {
  const chars = u16(chunk, offset + 6);
  const name = Buffer.from(chunk.subarray(offset + 8, offset + 8 + 2 * chars)).toString("utf16le");
  assert.equal(u16(chunk, offset + 8 + 2 * chars), 0, `name ${name} ends with NUL`);
  return { offset, name, hash: u16(chunk, offset + 4), next: u32(chunk, offset) };
}

function stringTable(chunk: Uint8Array): Map<number, NameEntry[]> {
  const out = new Map<number, NameEntry[]>();
  for (let bucket = 0; bucket < 64; bucket++) {
    const chain: NameEntry[] = [];
    for (let o = u32(chunk, ChunkHeader.StringTable + 4 * bucket); o !== 0; ) {
      const entry = nameAt(chunk, o);
      chain.push(entry);
      assert.ok(chain.length < 1000, "string table chain ends");
      o = entry.next;
    }
    if (chain.length > 0) out.set(bucket, chain);
  }
  return out;
}

function chunkOf(buf: Uint8Array, index: number): Uint8Array {
  return buf.subarray(chunkFileOffset(index), chunkFileOffset(index) + CHUNK_SIZE);
}

describe("hashes and buckets match Windows-written chunks", () => {
  test("name hash of element and attribute names", () => {
    // Values read from the string table of a Windows 7 Security.evtx chunk.
    const seen: [string, number][] = [
      ["Event", 0x0cba],
      ["System", 0x546f],
      ["Provider", 0x7bf1],
      ["EventData", 0x8244],
      ["Channel", 0x6183],
      ["xmlns", 0x0fbc],
      ["SystemTime", 0x7b3c],
      ["Qualifiers", 0xda29],
      ["RelatedActivityID", 0xc535],
      ["EventRecordID", 0x0346],
    ];
    for (const [name, hash] of seen) {
      assert.equal(nameHash(name), hash, name);
      assert.equal(nameBucket(name), hash % 64, name);
    }
  });

  test("template table bucket of a template GUID", () => {
    // Bucket, GUID bytes as stored: from the template table of the same chunk.
    const seen: [number, string][] = [
      [27, "0ca6de49d9229480e95d0670e7b358ab"],
      [8, "382b4cc00d9824428ee229bd1080f24b"],
      [9, "76dc1f1ca05a4eee60000ef86c37d0b6"],
    ];
    for (const [bucket, hex] of seen) assert.equal(templateBucket(Buffer.from(hex, "hex")), bucket, hex);
  });
});

describe("file header", () => {
  test("fields and checksum", () => {
    const { buf, writer } = processFile(300);
    assert.ok(writer.chunkCount >= 2, "300 records take more than one chunk");
    assert.equal(buf.length, FILE_HEADER_BLOCK_SIZE + writer.chunkCount * CHUNK_SIZE);
    assert.equal(Buffer.from(buf.subarray(0, 8)).toString("latin1"), "ElfFile\0");
    assert.equal(u64(buf, FileHeader.FirstChunkNumber), 0n);
    assert.equal(u64(buf, FileHeader.LastChunkNumber), BigInt(writer.chunkCount - 1));
    assert.equal(u64(buf, FileHeader.NextRecordId), 301n);
    assert.equal(u32(buf, FileHeader.HeaderSize), 128);
    assert.equal(u16(buf, FileHeader.MinorVersion), 1);
    assert.equal(u16(buf, FileHeader.MajorVersion), 3);
    assert.equal(u16(buf, FileHeader.HeaderBlockSize), 4096);
    assert.equal(u16(buf, FileHeader.ChunkCount), writer.chunkCount);
    assert.equal(u32(buf, FileHeader.Flags), 0);
    assert.equal(u32(buf, FileHeader.Crc), crc32(buf.subarray(0, 120)));
    assert.ok(
      buf.subarray(128, 4096).every((b) => b === 0),
      "rest of the header block is empty",
    );
  });

  test("version 3.2, flags and overridden fields keep a valid checksum", () => {
    const writer = new EvtxWriter({ minorVersion: 2, flags: FileFlags.Dirty, firstRecordId: 1000 });
    writer.addRecord({ timestamp: T0, template: processCreation, values: processValues(1000) });
    const buf = writer.toBuffer({ header: { chunkCount: 7 } });
    assert.equal(u16(buf, FileHeader.MinorVersion), 2);
    assert.equal(u32(buf, FileHeader.Flags), FileFlags.Dirty);
    assert.equal(u64(buf, FileHeader.NextRecordId), 1001n);
    assert.equal(u16(buf, FileHeader.ChunkCount), 7);
    assert.equal(u32(buf, FileHeader.Crc), crc32(buf.subarray(0, 120)));
  });

  test("an empty writer gives a header and no chunks", () => {
    const buf = new EvtxWriter().toBuffer();
    assert.equal(buf.length, FILE_HEADER_BLOCK_SIZE);
    assert.equal(u16(buf, FileHeader.ChunkCount), 0);
    assert.equal(u64(buf, FileHeader.NextRecordId), 1n);
  });
});

describe("chunks", () => {
  const { buf, written, writer } = processFile(300);

  test("header fields and both checksums", () => {
    for (let c = 0; c < writer.chunkCount; c++) {
      const chunk = chunkOf(buf, c);
      const mine = written.filter((w) => w.chunk === c);
      const last = mine[mine.length - 1];
      assert.equal(Buffer.from(chunk.subarray(0, 8)).toString("latin1"), "ElfChnk\0");
      assert.equal(u64(chunk, ChunkHeader.FirstRecordNumber), BigInt(mine[0].recordId));
      assert.equal(u64(chunk, ChunkHeader.LastRecordNumber), BigInt(last.recordId));
      assert.equal(u64(chunk, ChunkHeader.FirstRecordId), BigInt(mine[0].recordId));
      assert.equal(u64(chunk, ChunkHeader.LastRecordId), BigInt(last.recordId));
      assert.equal(u32(chunk, ChunkHeader.HeaderSize), 128);
      assert.equal(u32(chunk, ChunkHeader.LastRecordOffset), last.offset - chunkFileOffset(c));
      const free = u32(chunk, ChunkHeader.FreeSpaceOffset);
      assert.equal(free, last.offset - chunkFileOffset(c) + last.size);
      assert.equal(u32(chunk, ChunkHeader.RecordsCrc), crc32(chunk.subarray(CHUNK_HEADER_SIZE, free)));
      const headerCrc = crc32(chunk.subarray(128, 512), crc32(chunk.subarray(0, 120)));
      assert.equal(u32(chunk, ChunkHeader.HeaderCrc), headerCrc);
      assert.equal(u32(chunk, ChunkHeader.Flags), 1);
      assert.ok(
        chunk.subarray(free).every((b) => b === 0),
        "unused space is zero",
      );
    }
  });

  test("records: magic, id, time, size copy, 8-byte alignment, fragment then template instance", () => {
    for (const w of written) {
      assert.equal(u32(buf, w.offset + RecordHeader.Magic), RECORD_MAGIC);
      assert.equal(u32(buf, w.offset + RecordHeader.Size), w.size);
      assert.equal(u32(buf, w.offset + w.size - 4), w.size, "size copy");
      assert.equal(w.size % 8, 0);
      assert.equal(u64(buf, w.offset + RecordHeader.RecordId), BigInt(w.recordId));
      assert.equal(u64(buf, w.offset + RecordHeader.Timestamp), toFileTime(T0));
      const bx = w.offset + RecordHeader.BinXml;
      assert.deepEqual([...buf.subarray(bx, bx + 6)], [0x0f, 0x01, 0x01, 0x00, Token.TemplateInstance, 0x01]);
    }
    assert.deepEqual(
      written.map((w) => w.recordId),
      Array.from({ length: 300 }, (_, i) => i + 1),
    );
  });

  // A record is never made to end exactly at the chunk's last byte (evtxexport drops such a record), so "does not
  // fit" includes filling the chunk to its end.
  test("a chunk is filled until the next record does not fit", () => {
    for (let c = 0; c + 1 < writer.chunkCount; c++) {
      const chunk = chunkOf(buf, c);
      const next = written.find((w) => w.chunk === c + 1);
      assert.ok(next !== undefined);
      assert.ok(
        u32(chunk, ChunkHeader.FreeSpaceOffset) + next.size >= CHUNK_SIZE,
        `record ${next.recordId} did not fit`,
      );
    }
  });

  test("names are inline once per chunk, listed in the string table under their hash", () => {
    for (let c = 0; c < writer.chunkCount; c++) {
      const chunk = chunkOf(buf, c);
      const table = stringTable(chunk);
      const listed = new Map<string, number>();
      for (const [bucket, chain] of table) {
        for (const entry of chain) {
          assert.equal(entry.hash, nameHash(entry.name), `hash of ${entry.name}`);
          assert.equal(bucket, entry.hash % 64, `bucket of ${entry.name}`);
          assert.ok(!listed.has(entry.name), `${entry.name} listed once`);
          listed.set(entry.name, entry.offset);
        }
        // Windows puts the newest entry at the head of its bucket.
        for (let i = 1; i < chain.length; i++) assert.ok(chain[i - 1].offset > chain[i].offset);
      }
      for (const name of ["Event", "xmlns", "System", "Provider", "EventRecordID", "EventData", "Data", "Name"]) {
        assert.ok(listed.has(name), `${name} in chunk ${c}'s string table`);
        // An inline name is preceded by its own offset (the reference that defines it).
        const at = listed.get(name) as number;
        assert.equal(u32(chunk, at - 4), at, `${name} defined inline`);
      }
      assert.equal(findAll(chunk, utf16("EventRecordID")).length, 1, "EventRecordID written once in the chunk");
    }
  });

  test("templates: inline at a chunk's first instance, then referenced; listed under their bucket", () => {
    for (let c = 0; c < writer.chunkCount; c++) {
      const chunk = chunkOf(buf, c);
      const mine = written.filter((w) => w.chunk === c);
      const defs = new Set<number>();
      mine.forEach((w, i) => {
        const instance = w.offset - chunkFileOffset(c) + RecordHeader.BinXml + 4;
        const defOffset = u32(chunk, instance + 6);
        assert.equal(
          u32(chunk, instance + 2),
          u32(chunk, defOffset + TemplateDefinitionLayout.Guid),
          "template id is GUID Data1",
        );
        if (i === 0) assert.equal(defOffset, instance + 10, "first instance carries the definition inline");
        else assert.ok(defOffset < instance, "later instances refer back");
        defs.add(defOffset);
      });
      assert.equal(defs.size, 1, "one definition per chunk");
      const [def] = defs;
      const guid = chunk.subarray(def + TemplateDefinitionLayout.Guid, def + TemplateDefinitionLayout.Guid + 16);
      assert.deepEqual([...guid], [...processCreation.guid]);
      const bucket = templateBucket(guid);
      assert.equal(u32(chunk, ChunkHeader.TemplateTable + 4 * bucket), def);
      const filled = Array.from({ length: 32 }, (_, i) => u32(chunk, ChunkHeader.TemplateTable + 4 * i)).filter(
        (x) => x,
      );
      assert.deepEqual(filled, [def]);
      const body = def + TemplateDefinitionLayout.Body;
      const size = u32(chunk, def + TemplateDefinitionLayout.DataSize);
      assert.deepEqual([...chunk.subarray(body, body + 4)], [0x0f, 0x01, 0x01, 0x00]);
      assert.equal(chunk[body + size - 1], Token.EndOfStream, "definition ends with end of stream");
      // Element data size: everything after the size field up to and including the end-element token.
      const root = body + 4;
      assert.equal(chunk[root], Token.OpenStartElement | 0x40);
      assert.equal(u16(chunk, root + 1), 0xffff, "dependency identifier: none");
      assert.equal(root + 3 + 4 + u32(chunk, root + 3), body + size - 1, "Event's data size reaches its end tag");
    }
  });

  test("a template used twice in a record's values and in a new chunk is defined again there", () => {
    const inner = defineTemplate(el("Inner", [sub(0, "string")]));
    const outer = defineTemplate(el("Outer", [sub(0, "binxml"), sub(1, "binxml")]));
    const nested = (s: string) =>
      val.binxml((b) => {
        b.fragmentHeader()
          .templateInstance(inner, [val.string(s)])
          .endOfStream();
      });
    const w = new EvtxWriter();
    w.addRecord({ timestamp: T0, template: outer, values: [nested("a"), nested("b")] });
    const chunk = chunkOf(w.toBuffer(), 0);
    const defs = Array.from({ length: 32 }, (_, i) => u32(chunk, ChunkHeader.TemplateTable + 4 * i)).filter((x) => x);
    assert.equal(defs.length, 2, "outer and inner each defined once");
  });
});

describe("the chunk tables roll back a record that moves to the next chunk", () => {
  test("no entry of the moved record stays in the full chunk", () => {
    const chunk = new ChunkWriter();
    // Each record holds its text twice (element text and template value): 48 KB, so one fits and two do not.
    const big = "y".repeat(12000);
    const t = defineTemplate(el("Big", [sub(0, "string")]));
    const build = (name: string, text: string) => (b: BinXmlBuilder) => {
      b.fragmentHeader().openStartElement(name).closeStartElement().text(text).endElement();
      b.templateInstance(t, [val.string(text)]).endOfStream();
    };
    assert.notEqual(chunk.tryAdd(1, 0n, build("First", big)), null, "first record fits");
    assert.equal(chunk.tryAdd(2, 0n, build("Second", big)), null, "second record does not fit");
    assert.equal(chunk.tables.findName("Second"), undefined);
    assert.notEqual(chunk.tables.findName("First"), undefined);
    const bytes = chunk.seal();
    const names = [...stringTable(bytes).values()].flat().map((e) => e.name);
    assert.deepEqual(names.sort(), ["Big", "First"]);
    assert.notEqual(chunk.tryAdd(2, 0n, build("Second", "short")), null, "a smaller record still fits");
  });

  test("tables alone: begin, add, rollback", () => {
    const tables = new ChunkTables();
    tables.addName("Keep", 600);
    tables.begin();
    tables.addName("Drop", 700);
    tables.addName("Keep", 800);
    tables.rollback();
    assert.equal(tables.findName("Drop"), undefined);
    assert.equal(tables.findName("Keep"), 600);
    assert.equal(tables.stringBuckets[nameBucket("Keep")], 600);
  });
});

describe("value encodings", () => {
  function bytesOf(v: Parameters<typeof writeValue>[1]): string {
    const sink = new ByteSink();
    writeValue(sink, v, () => {
      throw new Error("no nested BinXML here");
    });
    return Buffer.from(sink.toBytes()).toString("hex");
  }

  test("GUID: Data1-3 little-endian", () => {
    assert.equal(
      Buffer.from(guidBytes(PROVIDER_GUID)).toString("hex"),
      // As stored in a Windows Security.evtx for this provider GUID.
      "2596845478549449a5ba3e3b0328c30d",
    );
  });

  test("SID: revision, count, big-endian authority, little-endian sub-authorities", () => {
    assert.equal(Buffer.from(sidBytes("S-1-5-18")).toString("hex"), "010100000000000512000000");
    assert.equal(
      Buffer.from(sidBytes("S-1-5-21-3464778657-2923532561-1028410934-1000")).toString("hex"),
      "010500000000000515000000a15384ce119141ae364e4c3de8030000",
    );
  });

  test("FILETIME from ISO text keeps 100 ns precision; from Date, milliseconds", () => {
    assert.equal(toFileTime("1601-01-01T00:00:00Z"), 0n);
    assert.equal(toFileTime("1970-01-01T00:00:00.0000001Z"), 116444736000000001n);
    assert.equal(toFileTime(new Date(Date.UTC(1970, 0, 1, 0, 0, 1, 5))), 116444736010050000n);
    assert.equal(toFileTime(123n), 123n);
  });

  test("scalars and arrays as stored", () => {
    assert.equal(bytesOf(val.string("Ab")), "41006200");
    assert.equal(bytesOf(val.ansiString("Ab")), "4162");
    assert.equal(bytesOf(val.int8(-2)), "fe");
    assert.equal(bytesOf(val.int16(-2)), "feff");
    assert.equal(bytesOf(val.uint64(2n ** 64n - 1n)), "ffffffffffffffff");
    assert.equal(bytesOf(val.bool(true)), "01000000");
    assert.equal(bytesOf(val.real32(1.5)), "0000c03f");
    assert.equal(bytesOf(val.sizeT(0x7eec, 4)), "ec7e0000");
    assert.equal(bytesOf(val.sizeT(0x7eec, 8)), "ec7e000000000000");
    assert.equal(bytesOf(val.systemtime("2025-11-27T07:40:10.123Z")), "e9070b0004001b00070028000a007b00");
    assert.equal(bytesOf(val.array("string", ["a", "", "b"])), "610000000000620000 00".replaceAll(" ", ""));
    assert.equal(bytesOf(val.array("ansiString", ["a", "b"])), "61006200");
    assert.equal(bytesOf(val.array("uint16", [1, 2])), "01000200");
    assert.equal(
      bytesOf(val.array("sid", ["S-1-1-0", "S-1-5-18"])),
      "010100000000000100000000010100000000000512000000",
    );
  });
});

describe("EvtxFileWriter", () => {
  test("streams the same bytes toBuffer gives", () => {
    const dir = mkdtempSync(join(tmpdir(), "vigil-evtx-"));
    try {
      const path = join(dir, "stream.evtx");
      const file = new EvtxFileWriter(path);
      const memory = new EvtxWriter();
      for (let i = 1; i <= 250; i++) {
        const record = { timestamp: T0, template: processCreation, values: processValues(i) };
        const a = file.addRecord(record);
        const b = memory.addRecord(record);
        assert.deepEqual(a, b);
      }
      file.close();
      assert.ok(memory.chunkCount >= 2);
      assert.deepEqual(new Uint8Array(readFileSync(path)), memory.toBuffer());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("round trip through the reader", () => {
  test("a template reused by a thousand records across chunks", () => {
    const { buf, written, writer } = processFile(1000);
    assert.ok(writer.chunkCount >= 4);
    const { records, damage, stats } = read(buf);
    assert.deepEqual(damage, []);
    assert.equal(stats.chunks, writer.chunkCount);
    assert.equal(stats.chunksDamaged, 0);
    assert.equal(stats.recovered, 0);
    assert.equal(stats.skipped, 0);
    assert.equal(records.length, 1000);
    records.forEach((r, i) => {
      const id = i + 1;
      const v = processValues(id);
      assert.equal(r.recordId, id);
      assert.equal(r.timestamp, T0_ISO);
      assert.equal(r.offset, written[i].offset);
      assert.equal(r.chunk, written[i].chunk);
      assert.equal(r.recovered, false);
      assert.equal(r.fields.get("System.EventRecordID"), id);
      assert.equal(r.fields.get("System.EventID"), 4688);
      assert.equal(r.fields.get("System.Provider.Name"), "Microsoft-Windows-Security-Auditing");
      assert.equal(r.fields.get("System.Provider.Guid"), "54849625-5478-4994-A5BA-3E3B0328C30D");
      assert.equal(r.fields.get("System.TimeCreated.SystemTime"), T0_ISO);
      assert.equal(r.fields.get("EventData.CommandLine"), v.CommandLine);
      assert.equal(r.fields.get("EventData.NewProcessId"), `0x${(0x1a2b + id).toString(16)}`);
      assert.equal(r.fields.get("EventData.SubjectUserSid"), "S-1-5-18");
    });
  });
});

function onPath(program: string): string | null {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (dir !== "" && existsSync(join(dir, program))) return join(dir, program);
  }
  return null;
}

function xmlEscape(s: string): string {
  return s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

describe("independent parsers read what the writer writes", () => {
  const evtxDump = onPath("evtx_dump.py");
  const evtxInfo = onPath("evtx_info.py");
  const evtxexport = onPath("evtxexport");

  function withFile(n: number, fn: (path: string) => void): void {
    const dir = mkdtempSync(join(tmpdir(), "vigil-evtx-"));
    try {
      const path = join(dir, "oracle.evtx");
      const file = new EvtxFileWriter(path);
      for (let i = 1; i <= n; i++)
        file.addRecord({ timestamp: T0, template: processCreation, values: processValues(i) });
      file.close();
      fn(path);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  test("python-evtx evtx_dump.py", {
    skip: evtxDump === null ? "evtx_dump.py (python-evtx) not on PATH" : false,
  }, () => {
    withFile(400, (path) => {
      const xml = execFileSync(evtxDump as string, [path], { encoding: "utf8", maxBuffer: 64 << 20 });
      const events = xml.split("</Event>").slice(0, -1);
      assert.equal(events.length, 400);
      events.forEach((e, i) => {
        const id = i + 1;
        assert.ok(e.includes(`<Event xmlns="${EVENT_NS}">`));
        assert.ok(e.includes(`<EventRecordID>${id}</EventRecordID>`), `record ${id} id`);
        assert.ok(e.includes(`<Data Name="CommandLine">${xmlEscape(processValues(id).CommandLine as string)}</Data>`));
        assert.ok(e.includes(`<Data Name="SubjectUserSid">S-1-5-18</Data>`));
        assert.ok(
          e.includes(`<Provider Name="Microsoft-Windows-Security-Auditing" Guid="${PROVIDER_GUID.toLowerCase()}">`),
        );
      });
    });
  });

  test("python-evtx evtx_info.py verifies every checksum", {
    skip: evtxInfo === null ? "evtx_info.py (python-evtx) not on PATH" : false,
  }, () => {
    withFile(400, (path) => {
      const info = execFileSync(evtxInfo as string, [path], { encoding: "utf8" });
      assert.match(info, /Check sum\s*: pass/);
      const rows = info.split("\n").filter((l) => /^\s*[>*]?\s+\d+\s+\d+\s+\d+\s+\d+\s+\d+\s+\w+\s+\w+\s*$/.test(l));
      assert.ok(rows.length >= 2, "chunk rows");
      for (const row of rows) assert.match(row, /pass\s+pass\s*$/, row);
    });
  });

  test("libevtx evtxexport: BinXML values in the template form and the element form", {
    skip: evtxexport === null ? "evtxexport (libevtx-utils) not on PATH" : false,
  }, () => {
    const inner = defineTemplate(el("EventData", [el("Data", { Name: "TargetUserName" }, [sub("user", "string")])]));
    const security = defineTemplate(eventElement(opt("EventData", "binxml")));
    const capi = defineTemplate(eventElement(el("UserData", [opt("UserData", "binxml")])));
    const dir = mkdtempSync(join(tmpdir(), "vigil-evtx-"));
    try {
      const path = join(dir, "nested.evtx");
      const file = new EvtxFileWriter(path);
      for (const user of ["bob", "eve"]) {
        const values = { ...systemValues(file.nextRecordId), EventData: templateValue(inner, { user }) };
        file.addRecord({ timestamp: T0, template: security, values });
      }
      const userData = elementValue(el("CertGetCertificateChainStart", [el("Certificate", { fileRef: "A.cer" })]));
      file.addRecord({ timestamp: T0, template: capi, values: { ...systemValues(3), UserData: userData } });
      file.close();
      const xml = execFileSync(evtxexport as string, ["-f", "xml", path], { encoding: "utf8" }).replace(/>\s+</g, "><");
      const events = xml.split("</Event>").slice(0, -1);
      assert.equal(events.length, 3);
      assert.ok(events[0].includes('<EventData><Data Name="TargetUserName">bob</Data></EventData>'), events[0]);
      assert.ok(events[1].includes('<EventData><Data Name="TargetUserName">eve</Data></EventData>'), events[1]);
      assert.ok(
        events[2].includes(
          '<UserData><CertGetCertificateChainStart><Certificate fileRef="A.cer"/></CertGetCertificateChainStart></UserData>',
        ),
        events[2],
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("libevtx evtxexport", { skip: evtxexport === null ? "evtxexport (libevtx-utils) not on PATH" : false }, () => {
    withFile(400, (path) => {
      const xml = execFileSync(evtxexport as string, ["-f", "xml", path], { encoding: "utf8", maxBuffer: 64 << 20 });
      const events = xml.split("</Event>").slice(0, -1);
      assert.equal(events.length, 400);
      events.forEach((e, i) => {
        const id = i + 1;
        assert.ok(e.includes(`<EventRecordID>${id}</EventRecordID>`), `record ${id} id`);
        assert.ok(e.includes(`<Data Name="CommandLine">${xmlEscape(processValues(id).CommandLine as string)}</Data>`));
        assert.ok(e.includes(`<Provider Name="Microsoft-Windows-Security-Auditing" Guid="${PROVIDER_GUID}"/>`));
        assert.ok(e.includes("<Correlation/>"), "optional substitutions with null values are left out");
      });
    });
  });
});
