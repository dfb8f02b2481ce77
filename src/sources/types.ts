/** Public types of the evidence-source layer: what was read from where, and what went wrong. */
import type { EventBatch, HuntEvent } from "../events/event.js";
import type { ReadBuffers } from "../evtx/read-buffers.js";
import type { ChunkRange } from "../evtx/types.js";

/** What a piece of evidence turned out to be, by its content. */
export type EvidenceFormat =
  | "evtx"
  | "json" // one array, one object, or objects one after another (pretty-printed or not)
  | "jsonl" // one object per line
  | "zip" // the archive itself; each member has its own entry
  | "gzip" // only when the decompressed content could not be told (nesting limit, nothing decompressed)
  | "empty" // no bytes, or only whitespace
  | "unknown" // none of the above (a problem says what it looked like)
  | "unreadable"; // nothing could be read (a problem says why)

/** A layer the content was taken out of, outermost first. */
export type Container = "zip" | "gzip";

export type SourceProblemKind =
  | "unreadable" // the file, or a member's data, cannot be read (I/O error, permission, not a regular file)
  | "unknown-format" // none of the formats read
  | "unsupported" // recognised but not read: other archive or compression formats, UTF-16 text, encrypted members
  | "corrupt-archive" // zip structure, deflate or gzip data broken
  | "truncated" // the content ends early: a gzip stream cut short, a JSON array never closed
  | "size-limit" // decompressed past `maxDecompressedBytes`: the rest is not read
  | "nesting-limit" // archives nested deeper than `maxNesting`: the inner one is not opened
  | "record-too-large" // a JSON line or value longer than `maxRecordBytes`: skipped
  | "bad-json" // a line or value that does not parse (or is cut off by the end of the content): skipped
  | "not-an-event" // JSON that is no Windows event of a known shape: skipped
  | "too-deep" // JSON nested deeper than MAX_JSON_DEPTH levels: skipped
  | "evtx-damage"; // damage the EVTX reader reported (its chunk and reason in `reason`)

/** The kinds that stand for one skipped record each (EVTX: `evtx-damage` may stand for one, the reader counts). */
export const SKIPPED_RECORD_KINDS: ReadonlySet<SourceProblemKind> = new Set([
  "bad-json",
  "not-an-event",
  "record-too-large",
  "too-deep",
]);

export interface SourceProblem {
  readonly kind: SourceProblemKind;
  /** Byte offset in the content (after decompression); null for a problem of the whole file or member. */
  readonly offset: number | null;
  /** 1-based line, for JSON text. */
  readonly line?: number;
  readonly reason: string;
}

/** One piece of evidence: a file, or a member of an archive. Counts are final once the source's reading ends. */
export interface SourceStats {
  readonly file: string;
  /** Path inside the archive(s); nested archives are joined with `!/`. */
  readonly member?: string;
  readonly format: EvidenceFormat;
  readonly containers: readonly Container[];
  /** Bytes of the content read (after decompression; the archive's size for a zip's own entry). */
  readonly bytes: number;
  /** Events yielded, recovered ones included. */
  readonly events: number;
  /** Of `events`, those the EVTX reader recovered (slack, damaged chunks, past the declared chunks). */
  readonly recovered: number;
  /** Records or JSON values read but not yielded: each has a problem. Read = events + skipped. */
  readonly skipped: number;
  /** Problems reported, all of them. */
  readonly problemCount: number;
  /**
   * The first PROBLEMS_KEPT problems, in the order reported. The rest are counted only: a damaged or hostile source
   * can have a problem for every record (two million bad lines in a 4 MB JSON Lines file held 359 MiB).
   */
  readonly problems: readonly SourceProblem[];
}

/** Problems kept per source (see SourceStats.problems); `openEvidence`'s onProblem still sees every one. */
export const PROBLEMS_KEPT = 100;

/** Problems of a source as kept: the first PROBLEMS_KEPT of `a` then `b`. */
export function keptProblems(a: readonly SourceProblem[], b: readonly SourceProblem[]): SourceProblem[] {
  return [...a, ...b].slice(0, PROBLEMS_KEPT);
}

export interface EvidenceOptions {
  /** Most bytes taken out of one gzip stream or zip member (a zip bomb's cap). Default 4 GiB. */
  readonly maxDecompressedBytes?: number;
  /** Longest JSON line or value read; a longer one is skipped with a problem. Default 16 MiB. */
  readonly maxRecordBytes?: number;
  /** Archives inside archives opened up to this depth (a file is depth 0). Default 4. */
  readonly maxNesting?: number;
  /**
   * EVTX and zip content taken out of a compressed stream needs random access: up to this many bytes it is held in
   * memory, above it written to a temporary file that is removed once read. Default 64 MiB.
   */
  readonly inMemoryBytes?: number;
  /** Folder for those temporary files. Default the system's. */
  readonly tempDir?: string;
  /** EVTX: recover records from slack, damaged chunks and past the declared chunk count. Default true. */
  readonly recover?: boolean;
  /** EVTX files on disk: worker threads decoding chunks (see readEvtxFile; the caller closes the pool). Default 1. */
  readonly threads?: number;
  /** EVTX files on disk: read only these chunks (one part of a file split between hunt workers). */
  readonly evtxChunks?: ChunkRange;
  /**
   * EVTX files: read into these buffers, kept from file to file, rather than into new ones per file. The events of
   * a batch (`batches()`) are then valid only until the next batch is asked for.
   */
  readonly evtxBuffers?: ReadBuffers;
  /** Called for each problem as it is found. */
  readonly onProblem?: (source: SourceStats, problem: SourceProblem) => void;
  /** Called when a source has been read to its end, its counts final. */
  readonly onSource?: (source: SourceStats) => void;
}

export interface EvidenceTotals {
  /** Paths given or found in folders. */
  readonly files: number;
  /** Sources: files and archive members. */
  readonly sources: number;
  readonly bytes: number;
  readonly events: number;
  readonly recovered: number;
  readonly skipped: number;
  readonly problems: number;
  /** Sources of format unknown or unreadable. */
  readonly unusable: number;
}

/**
 * The events of every piece of evidence in turn, one by one or (`batches()`, faster) a batch at a time; read either
 * way, once. `sources` and `totals()` are complete once iteration ends; a source's counts include a batch as soon as
 * the batch is handed on.
 */
export interface EvidenceReader extends AsyncIterable<HuntEvent> {
  /** Every source in the order it was opened (an archive before its members), counts filled in as it is read. */
  readonly sources: readonly SourceStats[];
  totals(): EvidenceTotals;
  batches(): AsyncIterable<EventBatch>;
}
