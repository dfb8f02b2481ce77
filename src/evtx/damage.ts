/** One way to word and print a problem found in evidence: `FILE: chunk N at offset 0x…: reason`. */
import type { Damage, DamageKind, ReadStats } from "./types.js";

export function damage(file: string, chunk: number | null, offset: number, kind: DamageKind, reason: string): Damage {
  return { file, chunk, offset, kind, reason };
}

export function formatDamage(d: Damage): string {
  const where =
    d.chunk === null ? `offset 0x${d.offset.toString(16)}` : `chunk ${d.chunk} at offset 0x${d.offset.toString(16)}`;
  return `${d.file}: ${where}: ${d.reason}`;
}

export function emptyStats(): ReadStats {
  return { bytes: 0, chunks: 0, chunksDamaged: 0, records: 0, recovered: 0, skipped: 0, fragments: 0 };
}

export function addStats(into: ReadStats, from: ReadStats): void {
  into.bytes += from.bytes;
  into.chunks += from.chunks;
  into.chunksDamaged += from.chunksDamaged;
  into.records += from.records;
  into.recovered += from.recovered;
  into.skipped += from.skipped;
  into.fragments += from.fragments;
}
