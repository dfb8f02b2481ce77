/**
 * One 64 KiB chunk (libyal "Chunk"): a 512-byte header with the string and template tables, then event records
 * until the chunk is full. Records are built in place, because their BinXML refers to chunk offsets.
 */
import { crc32 } from "node:zlib";
import { BinXmlBuilder } from "./binxml-builder.js";
import { ByteSink } from "./byte-sink.js";
import { ChunkTables, STRING_BUCKETS, TEMPLATE_BUCKETS } from "./chunk-tables.js";

export const CHUNK_SIZE = 0x10000;
export const CHUNK_HEADER_SIZE = 512;
export const CHUNK_MAGIC = Buffer.from("ElfChnk\0", "latin1");

/** Field offsets in the chunk header. */
export const ChunkHeader = {
  Magic: 0,
  FirstRecordNumber: 8,
  LastRecordNumber: 16,
  FirstRecordId: 24,
  LastRecordId: 32,
  /** Always 128. */
  HeaderSize: 40,
  LastRecordOffset: 44,
  FreeSpaceOffset: 48,
  /** CRC32 of the record bytes, from the end of the header to the free space offset. */
  RecordsCrc: 52,
  Flags: 120,
  /** CRC32 of bytes 0-120 and 128-512. */
  HeaderCrc: 124,
  StringTable: 128,
  TemplateTable: 384,
} as const;

/** Chunk header flags value seen in Windows-written chunks. */
export const DEFAULT_CHUNK_FLAGS = 1;

export const RECORD_MAGIC = 0x00002a2a;
/** Field offsets in an event record; the size is repeated in the record's last four bytes. */
export const RecordHeader = { Magic: 0, Size: 4, RecordId: 8, Timestamp: 16, BinXml: 24 } as const;
export const RECORD_HEADER_SIZE = 24;
export const RECORD_TRAILER_SIZE = 4;
/** Windows pads records to a multiple of eight bytes. */
export const RECORD_ALIGNMENT = 8;

/** Where a record went, chunk-relative. */
export interface ChunkRecord {
  readonly recordId: number;
  readonly offset: number;
  readonly size: number;
}

export interface SealOptions {
  /**
   * Declare only the first `n` records in the header (last record offset, free space, record numbers, records
   * CRC); the others stay in the chunk's slack, as after a crash between writing a record and the header.
   */
  readonly declaredRecords?: number;
}

/** Recompute both CRCs of a chunk header in place, from the free space offset the header holds. */
export function writeChunkChecksums(chunk: Uint8Array): void {
  const view = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  const free = Math.min(Math.max(view.getUint32(ChunkHeader.FreeSpaceOffset, true), CHUNK_HEADER_SIZE), chunk.length);
  view.setUint32(ChunkHeader.RecordsCrc, crc32(chunk.subarray(CHUNK_HEADER_SIZE, free)), true);
  view.setUint32(ChunkHeader.HeaderCrc, chunkHeaderCrc(chunk), true);
}

export function chunkHeaderCrc(chunk: Uint8Array): number {
  return crc32(chunk.subarray(ChunkHeader.StringTable, CHUNK_HEADER_SIZE), crc32(chunk.subarray(0, ChunkHeader.Flags)));
}

export class ChunkWriter {
  readonly bytes = new Uint8Array(CHUNK_SIZE);
  readonly records: ChunkRecord[] = [];
  readonly tables = new ChunkTables();
  private readonly view = new DataView(this.bytes.buffer);
  /** One sink for every record of the chunk, reset per record. */
  private readonly sink = new ByteSink(0, 1024);
  private free = CHUNK_HEADER_SIZE;

  constructor(private readonly flags = DEFAULT_CHUNK_FLAGS) {}

  /** Chunk offset where the next record goes. */
  get freeOffset(): number {
    return this.free;
  }

  get isEmpty(): boolean {
    return this.records.length === 0;
  }

  /**
   * Build a record whose BinXML `build` emits. Returns null, leaving the chunk as it was, when the record does
   * not fit in what is left of the chunk.
   */
  tryAdd(recordId: number, timestamp: bigint, build: (b: BinXmlBuilder) => void): ChunkRecord | null {
    const offset = this.free;
    const sink = this.sink.reset(offset + RECORD_HEADER_SIZE);
    this.tables.begin();
    try {
      build(new BinXmlBuilder(sink, this.tables));
    } catch (e) {
      this.tables.rollback();
      throw e;
    }
    const unpadded = RECORD_HEADER_SIZE + sink.length + RECORD_TRAILER_SIZE;
    const size = Math.ceil(unpadded / RECORD_ALIGNMENT) * RECORD_ALIGNMENT;
    // A record never ends exactly at the end of the chunk: libevtx (Debian's 20181227) silently skips such a
    // record, so a chunk keeps at least one alignment unit free and every reader sees every record.
    if (offset + size >= CHUNK_SIZE) {
      this.tables.rollback();
      return null;
    }
    this.tables.commit();
    const v = this.view;
    v.setUint32(offset + RecordHeader.Magic, RECORD_MAGIC, true);
    v.setUint32(offset + RecordHeader.Size, size, true);
    v.setBigUint64(offset + RecordHeader.RecordId, BigInt(recordId), true);
    v.setBigUint64(offset + RecordHeader.Timestamp, timestamp, true);
    this.bytes.set(sink.written(), offset + RECORD_HEADER_SIZE);
    v.setUint32(offset + size - RECORD_TRAILER_SIZE, size, true);
    const record = { recordId, offset, size };
    this.records.push(record);
    this.free = offset + size;
    return record;
  }

  /** Write the header (fields, tables, CRCs) and return the chunk's bytes. Can be called again after more records. */
  seal(options: SealOptions = {}): Uint8Array {
    const n = Math.min(options.declaredRecords ?? this.records.length, this.records.length);
    const declared = this.records.slice(0, n);
    const v = this.view;
    this.bytes.set(CHUNK_MAGIC, ChunkHeader.Magic);
    const first = declared[0]?.recordId ?? 0;
    const last = declared[declared.length - 1]?.recordId ?? 0;
    v.setBigUint64(ChunkHeader.FirstRecordNumber, BigInt(first), true);
    v.setBigUint64(ChunkHeader.LastRecordNumber, BigInt(last), true);
    v.setBigUint64(ChunkHeader.FirstRecordId, BigInt(first), true);
    v.setBigUint64(ChunkHeader.LastRecordId, BigInt(last), true);
    v.setUint32(ChunkHeader.HeaderSize, 128, true);
    const lastRecord = declared[declared.length - 1];
    v.setUint32(ChunkHeader.LastRecordOffset, lastRecord?.offset ?? 0, true);
    v.setUint32(
      ChunkHeader.FreeSpaceOffset,
      lastRecord === undefined ? CHUNK_HEADER_SIZE : lastRecord.offset + lastRecord.size,
      true,
    );
    v.setUint32(ChunkHeader.Flags, this.flags, true);
    for (let i = 0; i < STRING_BUCKETS; i++)
      v.setUint32(ChunkHeader.StringTable + 4 * i, this.tables.stringBuckets[i], true);
    for (let i = 0; i < TEMPLATE_BUCKETS; i++) {
      v.setUint32(ChunkHeader.TemplateTable + 4 * i, this.tables.templateBuckets[i], true);
    }
    writeChunkChecksums(this.bytes);
    return this.bytes;
  }
}
