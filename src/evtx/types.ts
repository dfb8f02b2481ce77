/**
 * Public types of the EVTX reader. The rest of Vigil depends on these, not on the parser internals.
 */
import type { ReadBuffers } from "./read-buffers.js";

/** A decoded field value, as the JSON rendering would show it (hex, GUID, SID and times are strings). */
export type FieldValue = string | number | bigint | boolean | null | readonly FieldValue[];

/** Flat field view of one record: `System.EventID`, `System.Provider.Name`, `EventData.CommandLine`, … */
export interface FieldView {
  /** The value at a flat path, or undefined when the record has no such field. */
  get(path: string): FieldValue | undefined;
  /** Every field in document order. */
  entries(): IterableIterator<[string, FieldValue]>;
  /** Every field in document order, as Map.forEach gives them: no entry or iterator object per field. */
  forEach(visit: (value: FieldValue, path: string) => void): void;
  /**
   * A view whose fields follow a fixed layout (an EVTX record of a compiled template shape) gives its paths in
   * document order: the same array object for every record of that layout, so that a caller can work out what it
   * does with each path once per layout, then take the values by index (`layoutValues`). Null when this record does not
   * follow it (one of its values needed the generic view); absent for other views.
   */
  layout?(): readonly string[] | null;
  /** The values in the order of the layout `layout()` gave (only once it gave one). */
  layoutValues?(): readonly FieldValue[];
}

/** What went wrong where. `chunk` is null for file-level damage. Offsets are absolute file offsets. */
export interface Damage {
  readonly file: string;
  readonly chunk: number | null;
  readonly offset: number;
  readonly kind: DamageKind;
  readonly reason: string;
}

export type DamageKind =
  | "file-header" // bad magic, CRC or sizes in the file header
  | "chunk-header" // bad chunk magic, header CRC or offsets
  | "chunk-data" // event records CRC mismatch
  | "record" // unreadable record (bad size, bad BinXML)
  | "truncated" // file ends inside a structure
  | "not-evtx"; // no EVTX structure found at all

/** Totals that reconcile: every record slot found is read, or skipped with a Damage entry. */
export interface ReadStats {
  bytes: number;
  chunks: number;
  chunksDamaged: number;
  /** Records decoded (includes `recovered`). */
  records: number;
  /** Of `records`, those found outside the header-declared area: beyond the chunk count, in slack, by magic scan. */
  recovered: number;
  /** Record headers found that could not be decoded; each has a Damage entry. */
  skipped: number;
  /**
   * Record-like remnants in chunk slack (after the free-space offset of a sound chunk) that do not decode: leftovers
   * of overwritten records, not records of the log, so counted here and not reported as damage.
   */
  fragments: number;
}

export interface ReadOptions {
  /** Name used in damage messages (defaults to the path, or "<buffer>"). */
  readonly file?: string;
  /** Recover records beyond the header's chunk count, in chunk slack and in damaged chunks. Default true. */
  readonly recover?: boolean;
  /** Called for each problem as it is found. A file reader (readEvtxFile) given one does not also keep them. */
  readonly onDamage?: (damage: Damage) => void;
}

export interface StreamOptions extends ReadOptions {
  /** Worker threads decoding chunks. Default 1: decoded on the calling thread (0 and 1 mean the same). */
  readonly threads?: number;
  /** Read only part of the file (so that several threads can share a large one). */
  readonly chunks?: ChunkRange;
  /**
   * Read into these buffers, kept by the caller from file to file; each batch's records are then valid only until
   * the next batch is asked for. Ignored when chunks are decoded on worker threads (their buffers move there).
   */
  readonly buffers?: ReadBuffers;
}

/**
 * The aligned chunk positions `first` to `end - 1` of a file: one part of a file split between threads. The part
 * that starts at 0 also reports the file's own problems (its header), and reads a file without the aligned layout
 * whole; the other parts then read nothing, so the parts of a file add up to exactly the file.
 */
export interface ChunkRange {
  readonly first: number;
  /** Exclusive; Infinity for the last part (it takes the recovered chunks past the header's count too). */
  readonly end: number;
}

/** A JSON value of the evtx_dump rendering. Unsigned 64-bit numbers above 2^53 are bigint. */
export type JsonValue = string | number | bigint | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** One event record. Fields are decoded lazily; rendering to JSON or XML is a separate, on-demand step. */
export interface EvtxRecord {
  /** The record header's record number (not System.EventRecordID, which can differ in exported files). */
  readonly recordId: number;
  /** The record header's FILETIME as ISO-8601 UTC with microseconds, e.g. `2025-11-27T07:40:10.165324Z`. */
  readonly timestamp: string;
  /** Absolute offset of the record's magic in the file. */
  readonly offset: number;
  /** Index of the chunk (by position in the file) the record sits in. */
  readonly chunk: number;
  /** True when found by recovery (beyond the header's chunk count, in slack, or by magic scan). */
  readonly recovered: boolean;
  /** Flat field view; does not build the JSON tree. */
  readonly fields: FieldView;
  /** The evtx_dump JSON tree `{ "Event": { … } }`. */
  toJson(): JsonValue;
  /** The same as compact JSON text (faster than stringifying toJson()). */
  toJsonText(): string;
  /** The event XML as Event Viewer shows it. */
  toXml(): string;
}
