/**
 * Events of every member of a zip archive (yauzl: entries one at a time, each member's data as a stream, sizes
 * checked against the central directory), each member read by content like a file, nested archives included.
 * yauzl needs random access, so a zip taken out of another archive or a gzip stream is made whole first.
 */
import type { Readable } from "node:stream";
import yauzl from "yauzl";
import type { EventBatch } from "../events/event.js";
import { type Content, limitBytes, makeWhole, type WholeContent } from "./content.js";
import { SourceError } from "./errors.js";
import type { Place, ReadContext, SourceTally } from "./read-context.js";

/**
 * Names are decoded here rather than by yauzl: its name check (no absolute paths, no `..`) guards extraction, which
 * Vigil never does, and it would end the whole archive at the first such name.
 */
const ZIP_OPTIONS: yauzl.Options = { decodeStrings: false, validateEntrySizes: true, autoClose: false };

function zipError(e: unknown): SourceError {
  return e instanceof SourceError ? e : new SourceError("corrupt-archive", `zip: ${(e as Error).message ?? String(e)}`);
}

export async function* readZip(
  content: Content,
  place: Place,
  source: SourceTally,
  ctx: ReadContext,
): AsyncGenerator<EventBatch> {
  let whole: WholeContent | null = null;
  let zip: yauzl.ZipFile;
  try {
    if (content.path !== null) {
      zip = await yauzl.openPromise(content.path, ZIP_OPTIONS);
    } else {
      whole = await makeWhole(content, ctx.limits.inMemoryBytes, ctx.limits.tempDir);
      if (whole.error !== null)
        ctx.report(source, { kind: whole.error.kind, offset: whole.length, reason: whole.error.message });
      zip =
        whole.path !== null
          ? await yauzl.openPromise(whole.path, ZIP_OPTIONS)
          : await yauzl.fromBufferPromise(whole.bytes ?? Buffer.alloc(0), ZIP_OPTIONS);
    }
  } catch (e) {
    ctx.report(source, { kind: "corrupt-archive", offset: null, reason: zipError(e).message });
    await whole?.release();
    return;
  }
  source.bytes = zip.fileSize;
  const entries = zip.eachEntry();
  try {
    while (true) {
      let entry: yauzl.Entry;
      try {
        const next = await entries.next();
        if (next.done) break;
        entry = next.value;
      } catch (e) {
        ctx.report(source, { kind: "corrupt-archive", offset: null, reason: zipError(e).message });
        break;
      }
      const name = yauzl.getFileNameLowLevel(entry.generalPurposeBitFlag, entry.fileNameRaw, entry.extraFields, false);
      if (name.endsWith("/")) continue; // a folder
      const member: Place = {
        file: place.file,
        member: place.member === undefined ? name : `${place.member}!/${name}`,
        containers: [...place.containers, "zip"],
      };
      const unread = (kind: "unsupported" | "corrupt-archive", reason: string): void => {
        const tally = ctx.begin(member, "unreadable");
        ctx.report(tally, { kind, offset: null, reason });
        ctx.end(tally);
      };
      if (entry.isEncrypted()) {
        unread("unsupported", "an encrypted zip member: not read");
        continue;
      }
      if (!entry.canDecodeFileData()) {
        unread(
          "unsupported",
          `zip compression method ${entry.compressionMethod}: not supported (only stored and deflate)`,
        );
        continue;
      }
      let stream: Readable;
      try {
        stream = await zip.openReadStreamPromise(entry);
      } catch (e) {
        unread("corrupt-archive", zipError(e).message);
        continue;
      }
      yield* ctx.readStream(member, limitBytes(memberBytes(stream), ctx.limits.maxDecompressedBytes, "zip member"));
    }
  } finally {
    await entries.return?.();
    zip.close();
    await whole?.release();
  }
}

async function* memberBytes(stream: Readable): AsyncGenerator<Buffer> {
  try {
    for await (const chunk of stream) yield chunk as Buffer;
  } catch (e) {
    throw zipError(e);
  } finally {
    stream.destroy();
  }
}
