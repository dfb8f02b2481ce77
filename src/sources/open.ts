/**
 * Opening evidence for a hunt: files and folders (walked recursively), each file's format told by its content, and
 * archives and compressed streams opened inside one another, all as one stream of HuntEvents with counts per source
 * that reconcile (every record read is yielded or skipped with a problem). Nothing is fatal: a file that cannot be
 * read, or is of no known format, is a source with a problem, and the next file is read.
 */
import { tmpdir } from "node:os";
import type { EventBatch } from "../events/event.js";
import { type Content, fileContent, streamContent } from "./content.js";
import { type DiscoveryProblem, discoverFiles } from "./discover.js";
import { asSourceError } from "./errors.js";
import { readEvtx } from "./evtx-source.js";
import { detectFormat } from "./format.js";
import { readGzip } from "./gzip-source.js";
import { readJson } from "./json-source.js";
import { addProblem, type Limits, newTally, type Place, type ReadContext, type SourceTally } from "./read-context.js";
import type { EvidenceOptions, EvidenceReader, EvidenceTotals, SourceProblemKind, SourceStats } from "./types.js";
import { readZip } from "./zip-source.js";

const GiB = 1024 * 1024 * 1024;
const MiB = 1024 * 1024;

let systemTempDir: string | undefined;
/** The system's temporary folder, looked up once (os.tmpdir() reads the environment on every call). */
function defaultTempDir(): string {
  systemTempDir ??= tmpdir();
  return systemTempDir;
}

export const DEFAULT_LIMITS: Omit<Limits, "tempDir"> = {
  maxDecompressedBytes: 4 * GiB,
  maxRecordBytes: 16 * MiB,
  maxNesting: 4,
  inMemoryBytes: 64 * MiB,
  recover: true,
  threads: 1,
};

/** The events of every file under `paths`, read by content. Iterate once; `sources` fill in as it goes. */
export function openEvidence(paths: readonly string[], options: EvidenceOptions = {}): EvidenceReader {
  return evidenceReader(options, async function* (ctx, counted) {
    const missing: DiscoveryProblem[] = [];
    const reportMissing = (): void => {
      for (const p of missing.splice(0)) {
        counted();
        unreadable({ file: p.path, containers: [] }, "unreadable", p.reason, ctx);
      }
    };
    for await (const path of discoverFiles(paths, () => true, missing)) {
      reportMissing();
      counted();
      yield* readFile(path, ctx);
    }
    reportMissing();
  });
}

/**
 * The events of one file that a walk of the paths has already found (as openEvidence reads each of its files), not
 * looked up again: a hunt opens each file on its own, and a second lookup cost each file a stat.
 */
export function openEvidenceFile(path: string, options: EvidenceOptions = {}): EvidenceReader {
  return evidenceReader(options, async function* (ctx, counted) {
    counted();
    yield* readFile(path, ctx);
  });
}

/** The reader of what `files` yields, which calls `counted` once per file (found, or reported missing). */
function evidenceReader(
  options: EvidenceOptions,
  files: (ctx: ReadContext, counted: () => void) => AsyncGenerator<EventBatch>,
): EvidenceReader {
  const limits: Limits = {
    maxDecompressedBytes: options.maxDecompressedBytes ?? DEFAULT_LIMITS.maxDecompressedBytes,
    maxRecordBytes: options.maxRecordBytes ?? DEFAULT_LIMITS.maxRecordBytes,
    maxNesting: options.maxNesting ?? DEFAULT_LIMITS.maxNesting,
    inMemoryBytes: options.inMemoryBytes ?? DEFAULT_LIMITS.inMemoryBytes,
    tempDir: options.tempDir ?? defaultTempDir(),
    recover: options.recover ?? DEFAULT_LIMITS.recover,
    threads: options.threads ?? DEFAULT_LIMITS.threads,
    ...(options.evtxChunks === undefined ? {} : { evtxChunks: options.evtxChunks }),
    ...(options.evtxBuffers === undefined ? {} : { evtxBuffers: options.evtxBuffers }),
  };
  const sources: SourceTally[] = [];
  let fileCount = 0;
  let started = false;
  const ctx: ReadContext = {
    limits,
    begin(place, format) {
      const source = newTally(place, format);
      sources.push(source);
      return source;
    },
    report(source, problem) {
      addProblem(source, problem);
      options.onProblem?.(source, problem);
    },
    skip(source, problem) {
      source.skipped++;
      ctx.report(source, problem);
    },
    end(source) {
      options.onSource?.(source);
    },
    readStream: async function* (place, chunks) {
      yield* readContent(place, await streamContent(chunks), ctx);
    },
  };
  return {
    sources,
    totals: () => totalsOf(fileCount, sources),
    async *[Symbol.asyncIterator]() {
      for await (const batch of this.batches()) yield* batch;
    },
    async *batches() {
      if (started) throw new Error("openEvidence: the evidence is read once");
      started = true;
      yield* files(ctx, () => {
        fileCount++;
      });
    },
  };
}

async function* readFile(path: string, ctx: ReadContext): AsyncGenerator<EventBatch> {
  const place: Place = { file: path, containers: [] };
  let content: Content;
  try {
    content = await fileContent(path);
  } catch (e) {
    const error = asSourceError(e);
    unreadable(place, error.kind, error.message, ctx);
    return;
  }
  yield* readContent(place, content, ctx);
}

function unreadable(place: Place, kind: SourceProblemKind, reason: string, ctx: ReadContext): void {
  const source = ctx.begin(place, "unreadable");
  ctx.report(source, { kind, offset: null, reason });
  ctx.end(source);
}

async function* readContent(place: Place, content: Content, ctx: ReadContext): AsyncGenerator<EventBatch> {
  if (content.head.length === 0 && content.error !== null) {
    unreadable(place, content.error.kind, content.error.message, ctx);
    return;
  }
  const detected = detectFormat(content.head, content.complete);
  // Whitespace all through the head with more to come: the JSON reader skips it and judges what follows.
  const format = detected.format === "empty" && !content.complete ? "json" : detected.format;
  if (format === "gzip" || format === "zip") {
    if (place.containers.length >= ctx.limits.maxNesting) {
      const source = ctx.begin(place, format);
      const reason = `archives nested more than ${ctx.limits.maxNesting} deep: this ${format} is not opened`;
      ctx.report(source, { kind: "nesting-limit", offset: null, reason });
      await content.discard();
      ctx.end(source);
      return;
    }
    if (format === "gzip") {
      yield* readGzip(content, place, ctx);
      return;
    }
  }
  const source = ctx.begin(place, format);
  try {
    switch (format) {
      case "zip":
        yield* readZip(content, place, source, ctx);
        break;
      case "evtx":
        yield* readEvtx(content, place, source, ctx);
        break;
      case "json":
      case "jsonl":
        yield* readJson(content, format, source, ctx);
        break;
      case "empty":
      case "unknown":
        source.bytes = content.head.length;
        if (detected.format === "unknown")
          ctx.report(source, { kind: detected.kind, offset: 0, reason: detected.reason });
        if (content.error !== null) {
          ctx.report(source, { kind: content.error.kind, offset: content.head.length, reason: content.error.message });
        }
        await content.discard();
        break;
    }
  } finally {
    ctx.end(source);
  }
}

export function totalsOf(files: number, sources: readonly SourceStats[]): EvidenceTotals {
  const totals = {
    files,
    sources: sources.length,
    bytes: 0,
    events: 0,
    recovered: 0,
    skipped: 0,
    problems: 0,
    unusable: 0,
  };
  for (const s of sources) {
    totals.bytes += s.bytes;
    totals.events += s.events;
    totals.recovered += s.recovered;
    totals.skipped += s.skipped;
    totals.problems += s.problemCount;
    if (s.format === "unknown" || s.format === "unreadable") totals.unusable++;
  }
  return totals;
}
