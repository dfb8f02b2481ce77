/**
 * A 64 KiB chunk (libyal "Chunk"): a 512-byte header with two CRC32s, a string table and template table, then event
 * records. Names and template definitions are referenced by chunk offset, so both are cached per chunk.
 */
import { crc32 } from "node:zlib";
import type { TemplateDefinition } from "./binxml/model.js";
import { BinXmlError, type ChunkContext, parseTemplateDefinition, readNameAt } from "./binxml/tokens.js";
import { ByteView } from "./binxml/values.js";
import { damage, emptyStats } from "./damage.js";
import { type ChunkRecord, RECORD_HEADER_SIZE, RECORD_MAGIC, readRecordAt } from "./record.js";
import type { Damage, ReadStats } from "./types.js";

export const CHUNK_SIZE = 0x10000;
export const CHUNK_HEADER_SIZE = 512;
export const CHUNK_MAGIC = Buffer.from("ElfChnk\0", "latin1");
const FIRST_RECORD_ID = 24;
const LAST_RECORD_ID = 32;
const FREE_SPACE_OFFSET = 48;
const RECORDS_CHECKSUM = 52;
const HEADER_CHECKSUM = 124;
/** The header CRC32 covers bytes 0-120 and 128-512 (the string and template tables). */
const HEADER_CRC_PART1_END = 120;
const HEADER_CRC_PART2_START = 128;

const RECORD_MAGIC_BYTES = Buffer.from([0x2a, 0x2a, 0x00, 0x00]);

export interface ChunkPlacement {
  /** Position of the chunk in the file (0-based), used in messages. */
  readonly index: number;
  /** Absolute file offset of the chunk's first byte. */
  readonly fileOffset: number;
  /** Inside the area the file header declares (chunk count); records outside it count as recovered. */
  readonly declared: boolean;
}

export interface ChunkReadOptions {
  readonly file: string;
  readonly recover: boolean;
}

export interface ChunkReadResult {
  readonly records: ChunkRecord[];
  readonly damage: Damage[];
  readonly stats: ReadStats;
}

export class Chunk implements ChunkContext {
  readonly view: ByteView;
  private readonly names = new Map<number, string>();
  /** Names must match their hash while recovering from slack (see readNameAt). */
  private strictNames = false;
  private readonly templates = new Map<number, TemplateDefinition | BinXmlError>();

  constructor(
    bytes: Uint8Array,
    readonly placement: ChunkPlacement,
  ) {
    this.view = new ByteView(bytes);
  }

  get magicOk(): boolean {
    return this.view.length >= 8 && this.view.bytes.subarray(0, 8).equals(CHUNK_MAGIC);
  }

  name(offset: number): string {
    let name = this.names.get(offset);
    if (name === undefined) {
      name = readNameAt(this.view, offset, this.strictNames);
      this.names.set(offset, name);
    }
    return name;
  }

  template(offset: number, depth: number): TemplateDefinition {
    let t = this.templates.get(offset);
    if (t === undefined) {
      try {
        t = parseTemplateDefinition(this, offset, depth);
      } catch (e) {
        t = e instanceof BinXmlError ? e : new BinXmlError(String((e as Error).message), offset);
      }
      this.templates.set(offset, t);
    }
    if (t instanceof BinXmlError) throw t;
    return t;
  }

  /** Read every record the chunk holds; problems become Damage entries, never exceptions. */
  read(options: ChunkReadOptions): ChunkReadResult {
    const { file, recover } = options;
    const { index, fileOffset, declared } = this.placement;
    const v = this.view;
    const records: ChunkRecord[] = [];
    const problems: Damage[] = [];
    const stats: ReadStats = { ...emptyStats(), bytes: v.length, chunks: 1 };
    const report = (at: number, kind: Damage["kind"], reason: string): void => {
      problems.push(damage(file, index, fileOffset + at, kind, reason));
    };

    if (v.length < CHUNK_SIZE) {
      report(0, "truncated", `chunk is cut short: ${v.length} of ${CHUNK_SIZE} bytes`);
    }
    const headerOk = this.magicOk && v.length >= CHUNK_HEADER_SIZE;
    if (!this.magicOk) {
      report(0, "chunk-header", "bad chunk magic");
      if (!recover) return this.finish(records, problems, stats);
    } else if (v.length >= CHUNK_HEADER_SIZE) {
      const headerCrc = crc32(
        v.bytes.subarray(HEADER_CRC_PART2_START, CHUNK_HEADER_SIZE),
        crc32(v.bytes.subarray(0, HEADER_CRC_PART1_END)),
      );
      if (headerCrc !== v.u32(HEADER_CHECKSUM)) {
        report(HEADER_CHECKSUM, "chunk-header", "chunk header CRC32 mismatch");
      }
    }

    // The records area: up to the free-space offset when the header gives a sane one.
    let end = v.length;
    if (headerOk) {
      const free = v.u32(FREE_SPACE_OFFSET);
      if (free < CHUNK_HEADER_SIZE || free > CHUNK_SIZE) {
        report(FREE_SPACE_OFFSET, "chunk-header", `free-space offset 0x${free.toString(16)} is outside the chunk`);
      } else if (free <= v.length) {
        end = free;
        if (crc32(v.bytes.subarray(CHUNK_HEADER_SIZE, free)) !== v.u32(RECORDS_CHECKSUM)) {
          report(RECORDS_CHECKSUM, "chunk-data", "event records CRC32 mismatch");
        }
      }
    }

    const seen = new Set<number>();
    // Records whose number is outside the header's range were written after the header was last updated (or are
    // leftovers): read, but counted as recovered.
    const range = headerOk ? this.recordIdRange() : null;
    const take = (record: ChunkRecord): void => {
      if (seen.has(record.recordId)) return;
      if (range !== null && (record.recordId < range[0] || record.recordId > range[1])) record.markRecovered();
      seen.add(record.recordId);
      records.push(record);
      stats.records++;
      if (record.recovered) stats.recovered++;
    };

    let pos = CHUNK_HEADER_SIZE;
    if (headerOk) {
      const outside = !declared;
      while (pos + RECORD_HEADER_SIZE <= end) {
        if (v.u32(pos) !== RECORD_MAGIC) {
          const next = v.bytes.indexOf(RECORD_MAGIC_BYTES, pos + 1);
          if (isZero(v.bytes, pos, next < 0 || next >= end ? end : next)) {
            // Zeroes before the free-space offset: an unwritten tail, not damage.
            if (next < 0 || next >= end) break;
          } else {
            report(
              pos,
              "record",
              `no record magic at 0x${(fileOffset + pos).toString(16)}; skipped to the next record`,
            );
          }
          if (next < 0 || next >= end) break;
          pos = next;
          continue;
        }
        const result = readRecordAt(this, pos, outside, false);
        if (result.kind === "record") {
          take(result.record);
          const copy = v.u32(pos + result.record.size - 4);
          if (copy === result.record.size) {
            pos += result.record.size;
          } else {
            // The size is not confirmed by its copy, so it cannot be trusted to find the next record: search.
            report(
              pos,
              "record",
              `record ${result.record.recordId}: size ${result.record.size} does not match its trailing copy ${copy}; read anyway`,
            );
            const next = v.bytes.indexOf(RECORD_MAGIC_BYTES, pos + 4);
            if (next < 0 || next >= end) {
              pos = end;
              break;
            }
            pos = next;
          }
        } else {
          stats.skipped++;
          report(pos, "record", result.reason);
          const next = result.size > 0 ? pos + result.size : v.bytes.indexOf(RECORD_MAGIC_BYTES, pos + 4);
          if (next < 0) break;
          pos = next;
        }
      }
    }

    // Recovery: the slack after the free-space offset, or the whole chunk when its header is unusable.
    if (recover) {
      this.strictNames = true;
      let p = headerOk ? Math.max(pos, end) : CHUNK_HEADER_SIZE;
      if (!this.magicOk) p = 0;
      while (p + RECORD_HEADER_SIZE <= v.length) {
        const found = v.bytes.indexOf(RECORD_MAGIC_BYTES, p);
        if (found < 0 || found + RECORD_HEADER_SIZE > v.length) break;
        const result = readRecordAt(this, found, true);
        if (result.kind === "record") {
          take(result.record);
          p = found + result.record.size;
        } else if (result.size > 0 && !headerOk) {
          // A consistent record frame in a chunk whose header is unusable: a real record lost.
          stats.skipped++;
          report(found, "record", `recovered record: ${result.reason}`);
          p = found + result.size;
        } else if (result.size > 0) {
          // Slack of a sound chunk: the remnant of an overwritten record.
          stats.fragments++;
          p = found + result.size;
        } else {
          p = found + 1;
        }
      }
    }
    return this.finish(records, problems, stats);
  }

  private finish(records: ChunkRecord[], problems: Damage[], stats: ReadStats): ChunkReadResult {
    if (problems.length > 0) stats.chunksDamaged = 1;
    return { records, damage: problems, stats };
  }

  /** The header's record id range, or null when the header is not usable. */
  recordIdRange(): [number, number] | null {
    if (!this.magicOk || this.view.length < CHUNK_HEADER_SIZE) return null;
    return [Number(this.view.u64(FIRST_RECORD_ID)), Number(this.view.u64(LAST_RECORD_ID))];
  }
}

const ZEROES = Buffer.alloc(CHUNK_SIZE);

function isZero(bytes: Uint8Array, from: number, to: number): boolean {
  // Compared natively against a zero block: preallocated files hold many megabytes of zeroes.
  for (let at = from; at < to; at += CHUNK_SIZE) {
    const end = Math.min(to, at + CHUNK_SIZE);
    if (Buffer.compare(bytes.subarray(at, end), ZEROES.subarray(0, end - at)) !== 0) return false;
  }
  return true;
}

/** Whether a block holds anything at all: preallocated, never-written chunks are all zeroes. */
export function holdsData(bytes: Uint8Array): boolean {
  return !isZero(bytes, 0, bytes.length);
}
