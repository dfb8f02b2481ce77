/** A whole file rendered as text chunk by chunk (the `vigil dump` path): on workers when threads > 1. */
import { Chunk } from "./chunk.js";
import { addStats, emptyStats } from "./damage.js";
import { renderChunksInWorkers } from "./parallel/pool.js";
import { fileBlocks } from "./reader.js";
import { renderChunk, type TextFormat } from "./render/text.js";
import type { Damage, ReadStats } from "./types.js";

export interface RenderFileOptions {
  readonly file?: string;
  readonly format: TextFormat;
  readonly recover?: boolean;
  readonly threads?: number;
  readonly onDamage?: (damage: Damage) => void;
}

/** Yields the rendered text (UTF-8) of each chunk in file order; `stats` is complete when the generator ends. */
export async function* renderEvtxFile(path: string, options: RenderFileOptions, stats: ReadStats = emptyStats()): AsyncGenerator<Uint8Array> {
  const file = options.file ?? path;
  const recover = options.recover ?? true;
  const threads = options.threads ?? 1;
  const fileProblems: Damage[] = [];
  const report = (list: readonly Damage[]): void => {
    for (const d of list) options.onDamage?.(d);
  };
  const blocks = fileBlocks(path, file, recover, fileProblems);
  if (threads > 1) {
    for await (const chunk of renderChunksInWorkers(blocks, { file, recover, threads, format: options.format })) {
      report(fileProblems.splice(0));
      report(chunk.damage);
      addStats(stats, chunk.stats);
      yield chunk.text;
    }
  } else {
    for await (const block of blocks) {
      report(fileProblems.splice(0));
      const result = new Chunk(block.bytes, block).read({ file, recover });
      report(result.damage);
      addStats(stats, result.stats);
      yield Buffer.from(renderChunk(result.records, options.format), "utf8");
    }
  }
  report(fileProblems.splice(0));
}
