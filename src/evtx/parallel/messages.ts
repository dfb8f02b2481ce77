/** What crosses between the main thread and the chunk workers. */
import type { Damage, FieldValue, ReadStats } from "../types.js";

export type ChunkOutput = "fields" | "jsonl" | "json" | "xml";

export interface ChunkTask {
  readonly id: number;
  /** The chunk, or null when the worker reads it from `path` itself (saves a copy and a transfer per chunk). */
  readonly bytes: ArrayBuffer | null;
  readonly path: string | null;
  readonly index: number;
  readonly fileOffset: number;
  readonly declared: boolean;
  readonly file: string;
  readonly recover: boolean;
  readonly output: ChunkOutput;
}

export interface DecodedRecordData {
  readonly recordId: number;
  readonly timestamp: string;
  readonly offset: number;
  readonly recovered: boolean;
  readonly fields: [string, FieldValue][];
}

export interface ChunkTaskResult {
  readonly id: number;
  /** The chunk bytes, handed back in "fields" mode so records can still be rendered on demand. */
  readonly bytes: ArrayBuffer | null;
  readonly damage: Damage[];
  readonly stats: ReadStats;
  readonly records?: DecodedRecordData[];
  /** Rendered output as UTF-8, transferred rather than copied. */
  readonly text?: Uint8Array[];
  readonly error?: string;
}
