/** Worker thread: decodes chunks handed to it and returns fields or rendered text. */
import { closeSync, openSync, readSync } from "node:fs";
import { parentPort } from "node:worker_threads";
import { CHUNK_SIZE, Chunk } from "../chunk.js";
import { worthReading } from "../layout.js";
import { renderChunk } from "../render/text.js";
import type { ChunkTask, ChunkTaskResult, DecodedRecordData } from "./messages.js";

// The file this worker reads chunks from, kept open between tasks.
let openPath: string | null = null;
let fd = -1;
// Rendering keeps nothing of a chunk once done, so one buffer serves every chunk; fields keep theirs (see pool.ts).
const reusable = Buffer.allocUnsafeSlow(CHUNK_SIZE);

function readChunk(path: string, offset: number, keep: boolean): Buffer {
  if (path !== openPath) {
    if (fd >= 0) closeSync(fd);
    fd = openSync(path, "r");
    openPath = path;
  }
  const buf = keep ? Buffer.allocUnsafeSlow(CHUNK_SIZE) : reusable;
  let done = 0;
  while (done < CHUNK_SIZE) {
    const n = readSync(fd, buf, done, CHUNK_SIZE - done, offset + done);
    if (n === 0) break;
    done += n;
  }
  return done === CHUNK_SIZE ? buf : buf.subarray(0, done);
}

parentPort?.on("message", (task: ChunkTask) => {
  let result: ChunkTaskResult;
  try {
    const keep = task.output === "fields";
    const bytes = task.bytes ? new Uint8Array(task.bytes) : readChunk(task.path as string, task.fileOffset, keep);
    if (!worthReading({ ...task, bytes })) {
      // Preallocated space past the declared chunks: nothing to read, nothing to count.
      const stats = { bytes: 0, chunks: 0, chunksDamaged: 0, records: 0, recovered: 0, skipped: 0, fragments: 0 };
      parentPort?.postMessage({ id: task.id, bytes: null, damage: [], stats, records: [], text: [] });
      return;
    }
    const returned = keep ? (bytes.buffer as ArrayBuffer) : null;
    const chunk = new Chunk(bytes, task);
    const read = chunk.read({ file: task.file, recover: task.recover });
    if (task.output === "fields") {
      const records: DecodedRecordData[] = read.records.map((r) => ({
        recordId: r.recordId,
        timestamp: r.timestamp,
        offset: r.offset,
        recovered: r.recovered,
        fields: [...r.fields.entries()],
      }));
      result = { id: task.id, bytes: returned, damage: read.damage, stats: read.stats, records };
    } else {
      const text = renderChunk(read.records, task.output);
      result = { id: task.id, bytes: null, damage: read.damage, stats: read.stats, text };
    }
  } catch (e) {
    // Chunk.read reports damage instead of throwing; reaching here is a bug, reported rather than fatal.
    result = {
      id: task.id,
      bytes: null,
      damage: [],
      stats: { bytes: 0, chunks: 1, chunksDamaged: 1, records: 0, recovered: 0, skipped: 0, fragments: 0 },
      error: String((e as Error).stack ?? e),
    };
  }
  const transfer: ArrayBuffer[] = result.bytes ? [result.bytes] : [];
  // Each page of text is a buffer of its own (JsonByteWriter.takePages): transferred, not copied.
  for (const page of result.text ?? []) transfer.push(page.buffer as ArrayBuffer);
  parentPort?.postMessage(result, transfer);
});
