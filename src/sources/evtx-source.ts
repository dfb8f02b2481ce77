/**
 * Events of EVTX content through Vigil's EVTX reader: a file on disk is streamed chunk by chunk; EVTX taken out of an
 * archive or gzip stream is first made whole (in memory when small, else in a temporary file), since the reader
 * needs the chunk layout.
 */
import { type EventBatch, eventTimestamp, type HuntEvent } from "../events/event.js";
import { parseTimestamp } from "../events/time.js";
import { readEvtxBuffer, readEvtxFile } from "../evtx/reader.js";
import type { Damage, EvtxRecord, ReadStats, StreamOptions } from "../evtx/types.js";
import { type Content, makeWhole } from "./content.js";
import { asSourceError } from "./errors.js";
import { originIn, type Place, placeName, type ReadContext, type SourceTally } from "./read-context.js";

export async function* readEvtx(
  content: Content,
  place: Place,
  source: SourceTally,
  ctx: ReadContext,
): AsyncGenerator<EventBatch> {
  const onDamage = (d: Damage): void => {
    ctx.report(source, {
      kind: "evtx-damage",
      offset: d.offset,
      reason: d.chunk === null ? d.reason : `chunk ${d.chunk}: ${d.reason}`,
    });
  };
  const buffers = ctx.limits.evtxBuffers;
  const options = {
    file: placeName(place),
    recover: ctx.limits.recover,
    onDamage,
    ...(buffers === undefined ? {} : { buffers }),
  };
  if (content.path !== null) {
    const chunks = ctx.limits.evtxChunks;
    yield* readFile(content.path, {
      ...options,
      threads: ctx.limits.threads,
      ...(chunks === undefined ? {} : { chunks }),
    });
    return;
  }
  const whole = await makeWhole(content, ctx.limits.inMemoryBytes, ctx.limits.tempDir);
  try {
    if (whole.error !== null)
      ctx.report(source, { kind: whole.error.kind, offset: whole.length, reason: whole.error.message });
    if (whole.path !== null) {
      yield* readFile(whole.path, options);
    } else if (whole.bytes !== null) {
      const result = readEvtxBuffer(whole.bytes, options);
      count(result.stats);
      yield result.records.map(huntEvent);
    }
  } finally {
    await whole.release();
  }

  async function* readFile(path: string, fileOptions: StreamOptions): AsyncGenerator<EventBatch> {
    const reader = readEvtxFile(path, fileOptions);
    try {
      for await (const records of reader.batches()) yield records.map(huntEvent);
    } catch (e) {
      const error = asSourceError(e);
      ctx.report(source, { kind: error.kind, offset: null, reason: error.message });
    } finally {
      count(reader.stats);
    }
  }

  function count(stats: ReadStats): void {
    source.bytes = stats.bytes;
    source.skipped = stats.skipped;
  }

  function huntEvent(record: EvtxRecord): HuntEvent {
    source.events++;
    if (record.recovered) source.recovered++;
    // A record's own header time stands in when its System element has no TimeCreated (custom or damaged templates).
    const timestamp = eventTimestamp(record.fields) ?? parseTimestamp(record.timestamp);
    return { fields: record.fields, timestamp, source: originIn(source, record.offset), recovered: record.recovered };
  }
}
