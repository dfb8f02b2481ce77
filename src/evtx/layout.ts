/**
 * Where the chunks of a file are. A sound header puts them at 4096 + k * 64 KiB; chunks past the header's count are
 * read as recovered. A damaged header (or a carved fragment) is searched for chunk magic instead.
 */
import { ByteView } from "./binxml/values.js";
import { CHUNK_MAGIC, CHUNK_SIZE, type ChunkPlacement, holdsData } from "./chunk.js";
import { damage } from "./damage.js";
import { FILE_HEADER_BLOCK_SIZE, parseFileHeader } from "./file-header.js";
import type { Damage } from "./types.js";

export interface Layout {
  /** Chunks at the aligned positions, or found by searching for their magic. */
  readonly mode: "aligned" | "scan";
  readonly declaredChunks: number;
  readonly damage: Damage[];
}

/** Decide the layout from the first bytes of the file (at most 4096). */
export function layoutFromHeader(head: Uint8Array, fileSize: number, file: string): Layout {
  const header = parseFileHeader(new ByteView(head));
  const problems: Damage[] = [];
  if (!header.magicOk) {
    if (fileSize > 0)
      problems.push(damage(file, null, 0, "file-header", "bad file header magic; searching for chunks"));
    return { mode: "scan", declaredChunks: 0, damage: problems };
  }
  if (fileSize < FILE_HEADER_BLOCK_SIZE) {
    problems.push(damage(file, null, 0, "truncated", `file ends inside the file header (${fileSize} bytes)`));
  } else if (header.checksumOk === false) {
    problems.push(damage(file, null, 124, "file-header", "file header CRC32 mismatch"));
  }
  if (header.majorVersion !== 3) {
    problems.push(
      damage(file, null, 38, "file-header", `unexpected format version ${header.majorVersion}.${header.minorVersion}`),
    );
  }
  return { mode: "aligned", declaredChunks: header.chunkCount, damage: problems };
}

export interface ChunkBlock extends ChunkPlacement {
  readonly bytes: Uint8Array;
}

/**
 * Whether an aligned block is read, and how. Blocks past the declared count are read only when recovering, and
 * only if they hold anything (preallocated space is zeroes).
 */
export function alignedPlacement(index: number, layout: Layout, recover: boolean): ChunkPlacement | null {
  const declared = index < layout.declaredChunks;
  if (!declared && !recover) return null;
  return { index, fileOffset: FILE_HEADER_BLOCK_SIZE + index * CHUNK_SIZE, declared };
}

export function worthReading(block: ChunkBlock): boolean {
  if (block.declared) return true;
  const magic =
    block.bytes.length >= 8 && Buffer.from(block.bytes.buffer, block.bytes.byteOffset, 8).equals(CHUNK_MAGIC);
  return magic || holdsData(block.bytes);
}

/** Offsets of chunk magic in `bytes` (absolute, given the block's own offset). */
export function findChunkMagic(bytes: Uint8Array, base: number, from = 0): number[] {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const found: number[] = [];
  for (let i = buf.indexOf(CHUNK_MAGIC, from); i >= 0; i = buf.indexOf(CHUNK_MAGIC, i + 1)) found.push(base + i);
  return found;
}
