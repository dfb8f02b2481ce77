/**
 * An EVTX file (libyal "File header"): a 4096-byte header block, then 64 KiB chunks filled with records in order;
 * a record that does not fit in the current chunk starts the next one. `EvtxWriter` builds in memory;
 * `EvtxFileWriter` writes each chunk to disk as soon as it is full and the header last.
 */
import { closeSync, openSync, writeSync } from "node:fs";
import { crc32 } from "node:zlib";
import type { BinXmlBuilder, TemplateInstanceOptions } from "./binxml-builder.js";
import {
  CHUNK_SIZE,
  type ChunkRecord,
  ChunkWriter,
  DEFAULT_CHUNK_FLAGS,
  type SealOptions,
  writeChunkChecksums,
} from "./chunk-writer.js";
import type { ElementTemplate } from "./template.js";
import { type TimeInput, toFileTime } from "./values.js";

export const FILE_HEADER_BLOCK_SIZE = 4096;
export const FILE_HEADER_SIZE = 128;
export const FILE_MAGIC = Buffer.from("ElfFile\0", "latin1");

/** Field offsets in the file header. */
export const FileHeader = {
  Magic: 0,
  FirstChunkNumber: 8,
  LastChunkNumber: 16,
  NextRecordId: 24,
  HeaderSize: 32,
  MinorVersion: 36,
  MajorVersion: 38,
  HeaderBlockSize: 40,
  ChunkCount: 42,
  Flags: 120,
  /** CRC32 of the first 120 bytes. */
  Crc: 124,
} as const;

export const FileFlags = { Dirty: 0x1, Full: 0x2, NoCrc32: 0x4 } as const;

export interface FileHeaderFields {
  readonly firstChunkNumber: number;
  readonly lastChunkNumber: number;
  readonly nextRecordId: number;
  readonly headerSize: number;
  readonly minorVersion: number;
  readonly majorVersion: number;
  readonly headerBlockSize: number;
  readonly chunkCount: number;
  readonly flags: number;
}

/** File offset of chunk `index`. */
export function chunkFileOffset(index: number): number {
  return FILE_HEADER_BLOCK_SIZE + index * CHUNK_SIZE;
}

export function writeFileHeaderChecksum(header: Uint8Array): void {
  const view = new DataView(header.buffer, header.byteOffset, header.byteLength);
  view.setUint32(FileHeader.Crc, crc32(header.subarray(0, FileHeader.Flags)), true);
}

/** The 4096-byte header block. */
export function encodeFileHeader(fields: FileHeaderFields): Uint8Array {
  const out = new Uint8Array(FILE_HEADER_BLOCK_SIZE);
  const v = new DataView(out.buffer);
  out.set(FILE_MAGIC, FileHeader.Magic);
  v.setBigUint64(FileHeader.FirstChunkNumber, BigInt(fields.firstChunkNumber), true);
  v.setBigUint64(FileHeader.LastChunkNumber, BigInt(fields.lastChunkNumber), true);
  v.setBigUint64(FileHeader.NextRecordId, BigInt(fields.nextRecordId), true);
  v.setUint32(FileHeader.HeaderSize, fields.headerSize, true);
  v.setUint16(FileHeader.MinorVersion, fields.minorVersion, true);
  v.setUint16(FileHeader.MajorVersion, fields.majorVersion, true);
  v.setUint16(FileHeader.HeaderBlockSize, fields.headerBlockSize, true);
  v.setUint16(FileHeader.ChunkCount, fields.chunkCount, true);
  v.setUint32(FileHeader.Flags, fields.flags, true);
  writeFileHeaderChecksum(out);
  return out;
}

/**
 * Recompute the checksums after editing bytes: the file header's, and the chunk's at `chunkIndex` (both of its
 * CRCs, from the free space offset its header holds). For tests that damage one thing and nothing else.
 */
export function refreshChecksums(file: Uint8Array, chunkIndex?: number): void {
  writeFileHeaderChecksum(file.subarray(0, FILE_HEADER_SIZE));
  if (chunkIndex !== undefined) {
    const start = chunkFileOffset(chunkIndex);
    writeChunkChecksums(file.subarray(start, Math.min(start + CHUNK_SIZE, file.length)));
  }
}

interface RecordBase {
  /** Record number; default: one more than the previous record's. */
  readonly recordId?: number;
  /** Written time in the record header. */
  readonly timestamp: TimeInput;
}

export interface TemplateRecordInput extends RecordBase {
  readonly template: ElementTemplate;
  /** Substitution values by index or by slot key (see ElementTemplate.bind). */
  readonly values?: readonly unknown[] | Readonly<Record<string, unknown>>;
  readonly instance?: TemplateInstanceOptions;
}

export interface BinXmlRecordInput extends RecordBase {
  /** Emits the record's whole BinXML, fragment header to end of stream. */
  readonly build: (b: BinXmlBuilder) => void;
}

export type RecordInput = TemplateRecordInput | BinXmlRecordInput;

export interface WrittenRecord {
  readonly recordId: number;
  /** Index of the chunk in the file. */
  readonly chunk: number;
  /** Absolute file offset of the record's magic. */
  readonly offset: number;
  readonly size: number;
}

export interface EvtxWriterOptions {
  /** Record number of the first record (default 1). */
  readonly firstRecordId?: number;
  /** Format minor version: 1 (Vista and later) or 2 (Windows 10 2004 and later). Default 1. */
  readonly minorVersion?: number;
  /** File header flags (FileFlags). Default 0. */
  readonly flags?: number;
  /** Chunk header flags. Default 1, as Windows writes. */
  readonly chunkFlags?: number;
  /** Receives each chunk once full (and the last one on flush); chunks are then not kept in memory. */
  readonly onChunk?: (bytes: Uint8Array, index: number) => void;
}

export interface ToBufferOptions {
  /** Replace file header fields (the CRC is computed over the result). */
  readonly header?: Partial<FileHeaderFields>;
  /** Per-chunk seal options, e.g. `{ declaredRecords }` to leave records in slack. */
  readonly seal?: (chunkIndex: number) => SealOptions | undefined;
}

export class EvtxWriter {
  private readonly chunks: ChunkWriter[] = [];
  private current: ChunkWriter | null = null;
  private chunkTotal = 0;
  private lastRecordId: number;
  private readonly chunkFlags: number;

  constructor(private readonly options: EvtxWriterOptions = {}) {
    this.lastRecordId = (options.firstRecordId ?? 1) - 1;
    this.chunkFlags = options.chunkFlags ?? DEFAULT_CHUNK_FLAGS;
  }

  /** The record number the next record gets by default. */
  get nextRecordId(): number {
    return this.lastRecordId + 1;
  }

  /** Chunks so far, the one being filled included. */
  get chunkCount(): number {
    return this.chunkTotal;
  }

  addRecord(input: RecordInput): WrittenRecord {
    const recordId = input.recordId ?? this.nextRecordId;
    const timestamp = toFileTime(input.timestamp);
    const build = recordBuilder(input);
    let chunk = this.current ?? this.startChunk();
    let placed: ChunkRecord | null = chunk.tryAdd(recordId, timestamp, build);
    if (placed === null) {
      if (chunk.isEmpty) throw new RangeError(`record ${recordId} does not fit in an empty chunk`);
      this.finishChunk();
      chunk = this.startChunk();
      placed = chunk.tryAdd(recordId, timestamp, build);
      if (placed === null) throw new RangeError(`record ${recordId} does not fit in an empty chunk`);
    }
    this.lastRecordId = recordId;
    const index = this.chunkTotal - 1;
    return { recordId, chunk: index, offset: chunkFileOffset(index) + placed.offset, size: placed.size };
  }

  /** File header fields as they stand. */
  headerFields(overrides: Partial<FileHeaderFields> = {}): FileHeaderFields {
    return {
      firstChunkNumber: 0,
      lastChunkNumber: Math.max(this.chunkTotal - 1, 0),
      nextRecordId: this.nextRecordId,
      headerSize: FILE_HEADER_SIZE,
      minorVersion: this.options.minorVersion ?? 1,
      majorVersion: 3,
      headerBlockSize: FILE_HEADER_BLOCK_SIZE,
      chunkCount: this.chunkTotal,
      flags: this.options.flags ?? 0,
      ...overrides,
    };
  }

  /** Hand the chunk being filled to `onChunk` (streaming mode); later records start a new chunk. */
  flush(): void {
    if (this.current !== null && !this.current.isEmpty) this.finishChunk();
  }

  /** The whole file. Not available with `onChunk`, which gives chunks away as they fill. */
  toBuffer(options: ToBufferOptions = {}): Uint8Array {
    if (this.options.onChunk !== undefined) throw new Error("toBuffer is not available with onChunk");
    const chunks = this.current === null || this.current.isEmpty ? this.chunks : [...this.chunks, this.current];
    const out = new Uint8Array(FILE_HEADER_BLOCK_SIZE + chunks.length * CHUNK_SIZE);
    out.set(encodeFileHeader(this.headerFields({ chunkCount: chunks.length, ...options.header })), 0);
    chunks.forEach((c, i) => {
      out.set(c.seal(options.seal?.(i)), chunkFileOffset(i));
    });
    return out;
  }

  private startChunk(): ChunkWriter {
    this.current = new ChunkWriter(this.chunkFlags);
    this.chunkTotal++;
    return this.current;
  }

  private finishChunk(): void {
    const chunk = this.current;
    if (chunk === null) return;
    this.current = null;
    const onChunk = this.options.onChunk;
    if (onChunk !== undefined) onChunk(chunk.seal(), this.chunkTotal - 1);
    else this.chunks.push(chunk);
  }
}

function recordBuilder(input: RecordInput): (b: BinXmlBuilder) => void {
  if ("build" in input) return input.build;
  const { template, instance } = input;
  // Bind once: a record that moves to a new chunk is built twice from the same values.
  const values = template.bind(input.values);
  return (b) => {
    b.fragmentHeader();
    b.templateInstance(template, values, instance);
    b.endOfStream();
  };
}

/** Streams an EVTX file to disk: each chunk is written when full, the header on close. */
export class EvtxFileWriter {
  private readonly fd: number;
  private readonly writer: EvtxWriter;
  private closed = false;

  constructor(
    readonly path: string,
    options: Omit<EvtxWriterOptions, "onChunk"> = {},
  ) {
    this.fd = openSync(path, "w");
    writeSync(this.fd, new Uint8Array(FILE_HEADER_BLOCK_SIZE), 0, FILE_HEADER_BLOCK_SIZE, 0);
    this.writer = new EvtxWriter({
      ...options,
      onChunk: (bytes, index) => {
        writeSync(this.fd, bytes, 0, bytes.length, chunkFileOffset(index));
      },
    });
  }

  get nextRecordId(): number {
    return this.writer.nextRecordId;
  }

  addRecord(input: RecordInput): WrittenRecord {
    if (this.closed) throw new Error(`${this.path} is closed`);
    return this.writer.addRecord(input);
  }

  /** Write the last chunk and the header, and close the file. */
  close(header: Partial<FileHeaderFields> = {}): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.writer.flush();
      const block = encodeFileHeader(this.writer.headerFields(header));
      writeSync(this.fd, block, 0, block.length, 0);
    } finally {
      closeSync(this.fd);
    }
  }
}
