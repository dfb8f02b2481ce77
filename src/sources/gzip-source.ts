/**
 * Content of a gzip stream, decompressed as it streams (concatenated gzip members too, as gunzip reads them) and
 * capped, then read by its own content: `.evtx.gz`, `.json.gz`, a gzipped zip.
 */
import { pipeline, Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import type { EventBatch } from "../events/event.js";
import { type Content, limitBytes } from "./content.js";
import { SourceError } from "./errors.js";
import type { Place, ReadContext } from "./read-context.js";

export async function* readGzip(content: Content, place: Place, ctx: ReadContext): AsyncGenerator<EventBatch> {
  const inner: Place = { ...place, containers: [...place.containers, "gzip"] };
  const bytes = limitBytes(gunzip(content.chunks()), ctx.limits.maxDecompressedBytes, "gzip stream");
  yield* ctx.readStream(inner, bytes);
}

function gzipError(e: unknown): SourceError {
  if (e instanceof SourceError) return e;
  const err = e as NodeJS.ErrnoException;
  // zlib says Z_BUF_ERROR when the input ends before the stream does.
  const kind = err.code === "Z_BUF_ERROR" ? "truncated" : "corrupt-archive";
  return new SourceError(kind, `gzip: ${err.message ?? String(e)}`);
}

async function* gunzip(compressed: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const input = Readable.from(compressed, { objectMode: false });
  const inflate = createGunzip();
  // Errors of either side surface through the iteration below; pipeline only ties their ends together.
  pipeline(input, inflate, () => undefined);
  try {
    for await (const chunk of inflate) yield chunk as Buffer;
  } catch (e) {
    throw gzipError(e);
  } finally {
    inflate.destroy();
    input.destroy();
  }
}
