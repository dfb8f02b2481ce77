/**
 * The 4096-byte file header (libyal "File header"). Only the first 128 bytes carry data; the CRC32 covers the
 * first 120.
 */
import { crc32 } from "node:zlib";
import type { ByteView } from "./binxml/values.js";

export const FILE_MAGIC = Buffer.from("ElfFile\0", "latin1");
export const FILE_HEADER_BLOCK_SIZE = 4096;
const CHUNK_COUNT = 42;
const MINOR_VERSION = 36;
const MAJOR_VERSION = 38;
const FLAGS = 120;
const CHECKSUM = 124;
const CHECKSUMMED_BYTES = 120;
/** Flag 0x4: the header carries no CRC32 (seen in Application_no_crc32.evtx). */
export const FLAG_NO_CRC32 = 0x4;

export interface FileHeader {
  readonly magicOk: boolean;
  readonly chunkCount: number;
  readonly majorVersion: number;
  readonly minorVersion: number;
  readonly flags: number;
  /** Null when the header has the no-CRC flag; else whether the CRC32 matches. */
  readonly checksumOk: boolean | null;
}

export function parseFileHeader(v: ByteView): FileHeader {
  const magicOk = v.length >= 8 && v.bytes.subarray(0, 8).equals(FILE_MAGIC);
  if (v.length < 128) {
    return { magicOk, chunkCount: 0, majorVersion: 0, minorVersion: 0, flags: 0, checksumOk: false };
  }
  const flags = v.u32(FLAGS);
  const checksumOk = flags & FLAG_NO_CRC32 ? null : crc32(v.bytes.subarray(0, CHECKSUMMED_BYTES)) === v.u32(CHECKSUM);
  return {
    magicOk,
    chunkCount: v.u16(CHUNK_COUNT),
    majorVersion: v.u16(MAJOR_VERSION),
    minorVersion: v.u16(MINOR_VERSION),
    flags,
    checksumOk,
  };
}
