/** A large EVTX file for benches: the chunks of a corpus file repeated, with a header declaring them all. */
import { closeSync, openSync, readFileSync, writeSync } from "node:fs";
import { crc32 } from "node:zlib";

const CHUNK = 0x10000;
/** The header counts chunks in 16 bits: 65,535 chunks of 64 KiB is the largest file the format describes. */
export const MAX_CHUNKS = 65535;

/** Write `chunks` chunks copied in turn from `source` to `target`; returns the file size. */
export function writeBigEvtx(source: string, target: string, chunks: number): number {
  const bytes = readFileSync(source);
  const declared = bytes.readUInt16LE(42);
  const total = Math.min(MAX_CHUNKS, chunks);
  const header = Buffer.from(bytes.subarray(0, 4096));
  header.writeBigUInt64LE(BigInt(total - 1), 16);
  header.writeUInt16LE(total, 42);
  header.writeUInt32LE(crc32(header.subarray(0, 120)), 124);
  const fd = openSync(target, "w");
  try {
    writeSync(fd, header);
    for (let i = 0; i < total; i++) {
      const k = i % declared;
      writeSync(fd, bytes.subarray(4096 + k * CHUNK, 4096 + (k + 1) * CHUNK));
    }
  } finally {
    closeSync(fd);
  }
  return 4096 + total * CHUNK;
}
