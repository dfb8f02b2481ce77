/**
 * A text file written in batches through a StreamWriter: rows are gathered up to BATCH_CHARS and handed to the
 * stream together (one write per batch instead of one per detection), and a slow disk holds the caller back instead
 * of filling memory. Opening waits for the file to be created, so a bad path fails before any detection is read.
 */
import { once } from "node:events";
import { createWriteStream, type WriteStream } from "node:fs";
import { finished } from "node:stream/promises";
import { StreamWriter } from "./stream-writer.js";

const BATCH_CHARS = 64 * 1024;

export interface FileSink {
  write(text: string): Promise<void>;
  /** Writes what is left, closes the file, and rejects if any write failed. */
  close(): Promise<void>;
}

export async function openFileSink(path: string): Promise<FileSink> {
  const stream = createWriteStream(path, { flags: "w" });
  await once(stream, "open");
  return new BatchedFileSink(stream);
}

class BatchedFileSink implements FileSink {
  private readonly writer: StreamWriter;
  private batch: string[] = [];
  private batchChars = 0;
  private error: Error | null = null;
  private closed = false;

  constructor(private readonly stream: WriteStream) {
    this.writer = new StreamWriter(stream);
    // An error while no write is awaited (the disk fills between batches) is kept and thrown by the next call.
    stream.on("error", (err) => {
      this.error ??= err;
    });
  }

  async write(text: string): Promise<void> {
    if (this.closed) throw new Error("write after close");
    this.check();
    this.batch.push(text);
    this.batchChars += text.length;
    if (this.batchChars >= BATCH_CHARS) await this.flushBatch();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      if (this.error === null) await this.flushBatch();
    } finally {
      this.stream.end();
      await finished(this.stream).catch((err: Error) => {
        this.error ??= err;
      });
    }
    this.check();
  }

  private async flushBatch(): Promise<void> {
    if (this.batch.length === 0) return;
    const text = this.batch.join("");
    this.batch = [];
    this.batchChars = 0;
    await this.writer.write(text);
    this.check();
  }

  private check(): void {
    if (this.error !== null) throw this.error;
  }
}
