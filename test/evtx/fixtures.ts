/**
 * Shared fixtures of the EVTX tests: a System element like Windows', one-record files built in code, a read that
 * checks the statistics reconcile, and XML normalisation so assertions do not depend on indentation.
 */
import assert from "node:assert/strict";
import { readEvtxBuffer } from "../../src/evtx/index.js";
import type { EvtxRecord, ReadOptions } from "../../src/evtx/types.js";
import {
  type BinXmlBuilder,
  defineTemplate,
  type ElementTemplate,
  EvtxWriter,
  type EvtxWriterOptions,
  el,
  opt,
  sub,
  type TemplateContent,
  type TemplateElement,
  type WrittenRecord,
} from "../../src/evtx/write/index.js";

export const EVENT_NS = "http://schemas.microsoft.com/win/2004/08/events/event";
export const T0 = "2025-11-27T07:40:10.1653240Z";
export const T0_ISO = "2025-11-27T07:40:10.165324Z";
export const PROVIDER_GUID = "{54849625-5478-4994-A5BA-3E3B0328C30D}";

/** The System element of Windows' templates, most slots optional as Windows declares them. */
export function systemElement(): TemplateElement {
  return el("System", [
    el("Provider", { Name: sub("ProviderName", "string"), Guid: sub("ProviderGuid", "guid") }),
    el("EventID", { Qualifiers: opt("Qualifiers", "uint16") }, [opt("EventID", "uint16")]),
    el("Level", [opt("Level", "uint8")]),
    el("Keywords", [opt("Keywords", "hex64")]),
    el("TimeCreated", { SystemTime: opt("SystemTime", "filetime") }),
    el("EventRecordID", [opt("EventRecordID", "uint64")]),
    el("Correlation", { ActivityID: opt("ActivityID", "guid") }),
    el("Execution", { ProcessID: opt("ProcessID", "uint32"), ThreadID: opt("ThreadID", "uint32") }),
    el("Channel", [opt("Channel", "string")]),
    el("Computer", [opt("Computer", "string")]),
    el("Security", { UserID: opt("UserID", "sid") }),
  ]);
}

export function systemValues(recordId: number): Record<string, unknown> {
  return {
    ProviderName: "Microsoft-Windows-Security-Auditing",
    ProviderGuid: PROVIDER_GUID,
    EventID: 4688,
    Level: 0,
    Keywords: 0x8020000000000000n,
    SystemTime: T0,
    EventRecordID: recordId,
    ProcessID: 4,
    ThreadID: 96,
    Channel: "Security",
    Computer: "WS01.corp.example",
  };
}

/** `<Event xmlns=…><System/>…rest</Event>` */
export function eventElement(...rest: TemplateContent[]): TemplateElement {
  return el("Event", { xmlns: EVENT_NS }, [systemElement(), ...rest]);
}

/** Asserts the invariants every read must keep, and returns the result. */
export function read(buf: Uint8Array, options: ReadOptions = {}): ReturnType<typeof readEvtxBuffer> {
  const file = options.file ?? "test.evtx";
  const result = readEvtxBuffer(buf, { ...options, file });
  assertReconciles(result, buf, file);
  return result;
}

export function assertReconciles(result: ReturnType<typeof readEvtxBuffer>, buf: Uint8Array, file: string): void {
  const { records, damage, stats } = result;
  assert.equal(stats.bytes, buf.length, "stats.bytes is the input size");
  assert.equal(stats.records, records.length, "stats.records counts the records returned");
  assert.equal(stats.recovered, records.filter((r) => r.recovered).length, "stats.recovered counts recovered records");
  const recordDamage = damage.filter((d) => d.kind === "record" || d.kind === "truncated").length;
  assert.ok(
    stats.skipped <= recordDamage,
    `each of ${stats.skipped} skipped records has a damage entry (${recordDamage})`,
  );
  assert.ok(stats.chunksDamaged <= stats.chunks, "damaged chunks are among the chunks");
  const ids = records.map((r) => `${r.chunk}:${r.offset}`);
  assert.equal(new Set(ids).size, ids.length, "no record slot is returned twice");
  for (const d of damage) {
    assert.equal(d.file, file, "damage names the file");
    assert.ok(d.offset >= 0 && d.offset <= buf.length, `damage offset ${d.offset} lies in the file`);
    assert.ok(d.chunk === null || Number.isInteger(d.chunk), "damage chunk is an index or null");
    assert.ok(d.reason.length > 0, "damage says why");
  }
  for (const r of records) {
    assert.ok(r.offset >= 0 && r.offset < buf.length, `record offset ${r.offset} lies in the file`);
  }
}

/** Write one record per entry of `values` with `template`. */
export function writeTemplateRecords(
  template: ElementTemplate,
  values: readonly (readonly unknown[] | Readonly<Record<string, unknown>>)[],
  options: EvtxWriterOptions = {},
): { buf: Uint8Array; written: WrittenRecord[]; writer: EvtxWriter } {
  const writer = new EvtxWriter(options);
  const written = values.map((v) => writer.addRecord({ timestamp: T0, template, values: v }));
  return { buf: writer.toBuffer(), written, writer };
}

/** The single record of a file holding one template record, read back with no damage. */
export function oneTemplateRecord(
  template: ElementTemplate,
  values: readonly unknown[] | Readonly<Record<string, unknown>>,
): EvtxRecord {
  return onlyRecord(writeTemplateRecords(template, [values]).buf);
}

/** The single record of a file whose one record's BinXML `build` emits. */
export function oneRawRecord(build: (b: BinXmlBuilder) => void): EvtxRecord {
  const writer = new EvtxWriter();
  writer.addRecord({ timestamp: T0, build });
  return onlyRecord(writer.toBuffer());
}

export function onlyRecord(buf: Uint8Array): EvtxRecord {
  const { records, damage } = read(buf);
  assert.deepEqual(damage, [], "no damage");
  assert.equal(records.length, 1, "one record");
  return records[0];
}

/** XML without indentation, with `<x />` and `<x></x>` written `<x/>`. */
export function normXml(xml: string): string {
  return xml
    .replace(/>\s+</g, "><")
    .replace(/\s+\/>/g, "/>")
    .replace(/<([\w:.-]+)([^<>]*)><\/\1>/g, "<$1$2/>")
    .trim();
}

/** `toJson().Event` as an object. */
export function eventJson(record: EvtxRecord): Record<string, unknown> {
  const json = record.toJson() as Record<string, unknown>;
  assert.ok(json !== null && typeof json === "object" && "Event" in json, "JSON has an Event root");
  return json.Event as Record<string, unknown>;
}

/** Little-endian readers over a file buffer. */
export function u16(buf: Uint8Array, o: number): number {
  return buf[o] | (buf[o + 1] << 8);
}
export function u32(buf: Uint8Array, o: number): number {
  return new DataView(buf.buffer, buf.byteOffset, buf.byteLength).getUint32(o, true);
}
export function u64(buf: Uint8Array, o: number): bigint {
  return new DataView(buf.buffer, buf.byteOffset, buf.byteLength).getBigUint64(o, true);
}
export function setU32(buf: Uint8Array, o: number, v: number): void {
  new DataView(buf.buffer, buf.byteOffset, buf.byteLength).setUint32(o, v >>> 0, true);
}
export function setU16(buf: Uint8Array, o: number, v: number): void {
  new DataView(buf.buffer, buf.byteOffset, buf.byteLength).setUint16(o, v, true);
}

/** Byte offsets of every occurrence of `needle` in `hay` from `start` to `end`. */
export function findAll(hay: Uint8Array, needle: Uint8Array, start = 0, end = hay.length): number[] {
  const out: number[] = [];
  const h = Buffer.from(hay.buffer, hay.byteOffset, hay.byteLength);
  let at = h.indexOf(needle, start);
  while (at !== -1 && at + needle.length <= end) {
    out.push(at);
    at = h.indexOf(needle, at + 1);
  }
  return out;
}

export function utf16(s: string): Uint8Array {
  return Buffer.from(s, "utf16le");
}

/** Security 4688 process-creation events, one per index, built in code (CLI tests and fuzz seeds). */
export function processCreationFile(
  count: number,
  event: (i: number) => { image: string; commandLine: string | null; computer?: string },
): Uint8Array {
  const template = defineTemplate(
    eventElement(
      el("EventData", [
        el("Data", { Name: "SubjectUserSid" }, [sub("Sid", "sid")]),
        el("Data", { Name: "NewProcessName" }, [sub("Image", "string")]),
        el("Data", { Name: "CommandLine" }, [opt("CommandLine", "string")]),
        el("Data", { Name: "ProcessId" }, [sub("Pid", "hex64")]),
      ]),
    ),
  );
  const values = Array.from({ length: count }, (_, i) => {
    const e = event(i);
    return {
      ProviderName: "Microsoft-Windows-Security-Auditing",
      ProviderGuid: PROVIDER_GUID,
      EventID: 4688,
      EventRecordID: i + 1,
      Channel: "Security",
      Computer: e.computer ?? "DC01.corp.example",
      Sid: "S-1-5-21-1-2-3-500",
      Image: e.image,
      CommandLine: e.commandLine,
      Pid: BigInt(i * 4),
    };
  });
  return writeTemplateRecords(template, values).buf;
}
