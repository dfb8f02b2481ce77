/**
 * An event record (libyal "Event record"): magic, size, record number, FILETIME, BinXML, and the size again at the
 * end. The BinXML structure is parsed when the record is read (so a bad record is caught there); values are
 * decoded only when a field, the JSON or the XML is asked for.
 */
import type { BinXmlNode } from "./binxml/model.js";
import { readSoleTemplateInstance, TokenReader } from "./binxml/tokens.js";
import { formatFileTime } from "./binxml/values.js";
import type { Chunk } from "./chunk.js";
import { compiledFieldsFor, resolveValues, soleTemplate, writeCompiledJson } from "./render/compiled.js";
import { CompiledFieldView } from "./render/compiled-fields.js";
import { FieldSink, MapFieldView } from "./render/fields.js";
import { JsonSink, stringifyJson } from "./render/json.js";
import { JsonByteWriter } from "./render/json-bytes.js";
import { RecordWalker, type XmlSink } from "./render/walk.js";
import { XmlTextSink } from "./render/xml.js";
import type { EvtxRecord, FieldView, JsonValue } from "./types.js";

/** Bytes 2a 2a 00 00 read as a little-endian u32. */
export const RECORD_MAGIC = 0x00002a2a;
export const RECORD_HEADER_SIZE = 24;
/** Header plus the trailing size copy: the smallest possible record. */
export const RECORD_MIN_SIZE = 28;
const SIZE = 4;
const RECORD_ID = 8;
const WRITTEN_TIME = 16;

export type RecordReadResult =
  | { kind: "record"; record: ChunkRecord }
  /** `size` is the record's own size when its frame is consistent (so the reader can step over it), else 0. */
  | { kind: "bad"; reason: string; size: number };

/**
 * Read the record at chunk offset `at`. `strictFrame` requires the trailing size copy to match, which is what tells
 * a real record from a stray magic when scanning slack; in the records area a record whose copy was never written
 * (a crash mid-write, as in the HelloForBusiness and LanguagePackSetup samples) is still read when its BinXML
 * decodes.
 */
export function readRecordAt(chunk: Chunk, at: number, recovered: boolean, strictFrame = true): RecordReadResult {
  const v = chunk.view;
  const size = v.u32(at + SIZE);
  if (size < RECORD_MIN_SIZE) {
    return { kind: "bad", reason: `invalid record size ${size} (below ${RECORD_MIN_SIZE})`, size: 0 };
  }
  if (at + size > v.length) {
    return { kind: "bad", reason: `record size ${size} runs past the end of the chunk`, size: 0 };
  }
  const copy = v.u32(at + size - 4);
  if (copy !== size && strictFrame) {
    return { kind: "bad", reason: `record size ${size} does not match its trailing copy ${copy}`, size: 0 };
  }
  const id = v.u64(at + RECORD_ID);
  try {
    const sole = readSoleTemplateInstance(chunk, at + RECORD_HEADER_SIZE, at + size - 4, 0);
    const nodes =
      sole !== null ? [sole] : new TokenReader(chunk, false).fragment(at + RECORD_HEADER_SIZE, at + size - 4).nodes;
    if (nodes.length === 0) return { kind: "bad", reason: "record holds no BinXML", size };
    return { kind: "record", record: new ChunkRecord(chunk, at, size, Number(id), nodes, recovered) };
  } catch (e) {
    const message = (e as Error).message;
    if (copy !== size) {
      return {
        kind: "bad",
        reason: `record ${id}: ${message}; its trailing size copy ${copy} does not match`,
        size: 0,
      };
    }
    return { kind: "bad", reason: `record ${id}: ${message}`, size };
  }
}

export class ChunkRecord implements EvtxRecord {
  private fieldView: FieldView | null = null;
  private time: string | null = null;

  constructor(
    private readonly chunkRef: Chunk,
    private readonly at: number,
    readonly size: number,
    readonly recordId: number,
    private readonly nodes: readonly BinXmlNode[],
    private found: boolean,
  ) {}

  /** Formatted on first use: the hunt path reads the time from System.TimeCreated, not from here. */
  get timestamp(): string {
    if (this.time === null) {
      const v = this.chunkRef.view;
      this.time = formatFileTime(v.u32(this.at + WRITTEN_TIME), v.u32(this.at + WRITTEN_TIME + 4));
    }
    return this.time;
  }

  get recovered(): boolean {
    return this.found;
  }

  /** The chunk found it outside what its header declares (see Chunk.read). */
  markRecovered(): void {
    this.found = true;
  }

  get offset(): number {
    return this.chunkRef.placement.fileOffset + this.at;
  }

  get chunk(): number {
    return this.chunkRef.placement.index;
  }

  /** Walk the record into a sink; returns the value-decoding problems met on the way. */
  walk(sink: XmlSink): string[] {
    const walker = new RecordWalker(this.chunkRef, sink);
    walker.walk(this.nodes);
    return walker.problems;
  }

  get fields(): FieldView {
    if (this.fieldView === null) {
      const instance = soleTemplate(this.nodes);
      const resolved = instance && resolveValues(this.chunkRef, instance.values);
      const compiled = instance && resolved && compiledFieldsFor(this.chunkRef, instance.definition, resolved);
      if (resolved && compiled) {
        this.fieldView = new CompiledFieldView(this.chunkRef, compiled, resolved.scopes, () => this.genericFields());
      } else {
        this.fieldView = this.genericFields();
      }
    }
    return this.fieldView;
  }

  private genericFields(): FieldView {
    const sink = new FieldSink();
    this.walk(sink);
    return new MapFieldView(sink.fields);
  }

  toJsonText(): string {
    const out = new JsonByteWriter(1024);
    this.writeJson(out);
    return out.toString();
  }

  /** Compact JSON into `out`, through the compiled template when it applies. */
  writeJson(out: JsonByteWriter): void {
    if (!writeCompiledJson(this.chunkRef, this.nodes, out)) out.text(stringifyJson(this.toJson()));
  }

  toJson(): JsonValue {
    const sink = new JsonSink();
    this.walk(sink);
    return sink.result();
  }

  toXml(): string {
    const sink = new XmlTextSink();
    this.walk(sink);
    return sink.result();
  }
}
