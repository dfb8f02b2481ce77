/** What every format's reader shares: where the content sits, its running counts, and the way to report. */
import type { EventBatch, EventOrigin } from "../events/event.js";
import type { ReadBuffers } from "../evtx/read-buffers.js";
import type { ChunkRange } from "../evtx/types.js";
import { type Container, type EvidenceFormat, PROBLEMS_KEPT, type SourceProblem, type SourceStats } from "./types.js";

/** Where a piece of content sits: the file on disk, the member path inside archives, the layers around it. */
export interface Place {
  readonly file: string;
  readonly member?: string;
  readonly containers: readonly Container[];
}

/** The counts of one source while it is read; handed out as SourceStats. */
export interface SourceTally extends SourceStats {
  format: EvidenceFormat;
  bytes: number;
  events: number;
  recovered: number;
  skipped: number;
  problemCount: number;
  readonly problems: SourceProblem[];
}

/**
 * Written out rather than spread from the place: a spread object given more fields took 4-5 µs a file (a hunt opens a
 * tally per file), and `member` is left out, not undefined, for a file on disk.
 */
export function newTally(place: Place, format: EvidenceFormat): SourceTally {
  const tally: SourceTally = {
    file: place.file,
    format,
    containers: place.containers,
    bytes: 0,
    events: 0,
    recovered: 0,
    skipped: 0,
    problemCount: 0,
    problems: [],
  };
  if (place.member !== undefined) (tally as { member?: string }).member = place.member;
  return tally;
}

/** Counts a source's problem, and keeps it while fewer than PROBLEMS_KEPT are. */
export function addProblem(source: SourceTally, problem: SourceProblem): void {
  source.problemCount++;
  if (source.problems.length < PROBLEMS_KEPT) source.problems.push(problem);
}

/** An event's origin at `offset` in `source`. */
export function originIn(source: SourceStats, offset: number | null): EventOrigin {
  return source.member === undefined
    ? { file: source.file, offset }
    : { file: source.file, member: source.member, offset };
}

/** How a source is named in the EVTX reader's damage and in messages: `file` or `file!/member`. */
export function placeName(place: Place): string {
  return place.member === undefined ? place.file : `${place.file}!/${place.member}`;
}

export interface Limits {
  readonly maxDecompressedBytes: number;
  readonly maxRecordBytes: number;
  readonly maxNesting: number;
  readonly inMemoryBytes: number;
  readonly tempDir: string;
  readonly recover: boolean;
  readonly threads: number;
  readonly evtxChunks?: ChunkRange;
  readonly evtxBuffers?: ReadBuffers;
}

export interface ReadContext {
  readonly limits: Limits;
  /** A new source, listed at once (so an archive comes before its members). */
  begin(place: Place, format: EvidenceFormat): SourceTally;
  report(source: SourceTally, problem: SourceProblem): void;
  /** A skipped record: counted and reported. */
  skip(source: SourceTally, problem: SourceProblem): void;
  end(source: SourceTally): void;
  /** The events of content taken out of a container (a zip member, a gzip stream), whatever its format. */
  readStream(place: Place, chunks: AsyncIterable<Buffer>): AsyncGenerator<EventBatch>;
}
