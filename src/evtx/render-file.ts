/** Files rendered as text chunk by chunk (the `vigil dump` path): on workers when threads > 1. */
import { Chunk } from "./chunk.js";
import { type FileStreamItem, type RenderedItem, renderInWorkers } from "./parallel/pool.js";
import { fileBlocks } from "./reader.js";
import { renderChunk, type TextFormat } from "./render/text.js";
import type { Damage } from "./types.js";

export interface RenderOptions {
  readonly format: TextFormat;
  readonly recover?: boolean;
  readonly threads?: number;
}

/** The blocks of each file in turn, and an end item per file; an unreadable file ends with its error. */
export async function* fileStream(
  paths: AsyncIterable<string> | Iterable<string>,
  recover: boolean,
): AsyncGenerator<FileStreamItem> {
  for await (const file of paths) {
    const problems: Damage[] = [];
    try {
      for await (const block of fileBlocks(file, file, recover, problems)) {
        yield { kind: "block", file, block, damage: problems.splice(0) };
      }
      yield { kind: "end", file, damage: problems.splice(0) };
    } catch (e) {
      yield { kind: "end", file, damage: problems.splice(0), error: (e as Error).message };
    }
  }
}

/**
 * Each chunk of each file rendered as UTF-8 text, in order, with its damage and counts; then an end item per file.
 */
export async function* renderEvtxFiles(
  paths: AsyncIterable<string> | Iterable<string>,
  options: RenderOptions,
): AsyncGenerator<RenderedItem> {
  const recover = options.recover ?? true;
  const threads = options.threads ?? 1;
  const items = fileStream(paths, recover);
  if (threads > 1) {
    yield* renderInWorkers(items, { recover, threads, format: options.format });
    return;
  }
  for await (const item of items) {
    if (item.kind === "end") {
      yield item;
      continue;
    }
    // Not lazy on this path: blocks carry their bytes.
    const result = new Chunk(item.block.bytes as Uint8Array, item.block).read({ file: item.file, recover });
    yield {
      kind: "chunk",
      file: item.file,
      text: renderChunk(result.records, options.format),
      damage: [...item.damage, ...result.damage],
      stats: result.stats,
    };
  }
}
