/** Worker thread: decodes chunks handed to it and returns fields or rendered text. */
import { parentPort } from "node:worker_threads";
import { Chunk } from "../chunk.js";
import { renderChunk } from "../render/text.js";
import type { ChunkTask, ChunkTaskResult, DecodedRecordData } from "./messages.js";

parentPort?.on("message", (task: ChunkTask) => {
  let result: ChunkTaskResult;
  try {
    const chunk = new Chunk(new Uint8Array(task.bytes), task);
    const read = chunk.read({ file: task.file, recover: task.recover });
    if (task.output === "fields") {
      const records: DecodedRecordData[] = read.records.map((r) => ({
        recordId: r.recordId,
        timestamp: r.timestamp,
        offset: r.offset,
        recovered: r.recovered,
        fields: [...r.fields.entries()],
      }));
      result = { id: task.id, bytes: task.bytes, damage: read.damage, stats: read.stats, records };
    } else {
      const text = renderChunk(read.records, task.output);
      result = { id: task.id, bytes: task.bytes, damage: read.damage, stats: read.stats, text };
    }
  } catch (e) {
    // Chunk.read reports damage instead of throwing; reaching here is a bug, reported rather than fatal.
    result = {
      id: task.id,
      bytes: task.bytes,
      damage: [],
      stats: { bytes: 0, chunks: 1, chunksDamaged: 1, records: 0, recovered: 0, skipped: 0, fragments: 0 },
      error: String((e as Error).stack ?? e),
    };
  }
  const transfer: ArrayBuffer[] = [result.bytes];
  const text = result.text;
  if (text && text.byteOffset === 0 && text.byteLength === text.buffer.byteLength)
    transfer.push(text.buffer as ArrayBuffer);
  parentPort?.postMessage(result, transfer);
});
