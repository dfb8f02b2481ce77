/**
 * A text file written in batches through a StreamWriter: rows are encoded as UTF-8 into a buffer of BATCH_BYTES as
 * they come and the buffer is handed to the stream when full (one write per batch instead of one per detection), and
 * a slow disk holds the caller back instead of filling memory. Opening waits for the file to be created, so a bad
 * path fails before any detection is read. (Gathering the rows as strings and joining them cost more than making
 * them: 12 ns a character, as each row, built by concatenation, was first flattened, then copied into the joined
 * text, then encoded.)
 */
import { once } from "node:events";
import { createWriteStream, type WriteStream } from "node:fs";
import { writeFile } from "node:fs/promises";
import { finished } from "node:stream/promises";
import { StreamWriter } from "./stream-writer.js";

const BATCH_BYTES = 256 * 1024;
/** The most bytes one UTF-16 code unit takes in UTF-8. */
const MAX_BYTES_PER_UNIT = 3;

export interface FileSink {
  write(text: string): Promise<void>;
  /** Writes what is left, closes the file, and rejects if any write failed. */
  close(): Promise<void>;
}

/** A failure to write `path` (a full disk), named with the file. */
function fileError(path: string, e: unknown): Error {
  return new Error(`${path}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
}

/** Writes a whole file at once (a report, the scope); a failure names the file, as a sink's does. */
export async function writeWholeFile(path: string, text: string): Promise<void> {
  try {
    await writeFile(path, text);
  } catch (e) {
    throw fileError(path, e);
  }
}

export async function openFileSink(path: string): Promise<FileSink> {
  const stream = createWriteStream(path, { flags: "w" });
  await once(stream, "open");
  return new BatchedFileSink(stream, path);
}

class BatchedFileSink implements FileSink {
  private readonly writer: StreamWriter;
  private batch = Buffer.allocUnsafe(BATCH_BYTES);
  private used = 0;
  private error: Error | null = null;
  private closed = false;

  constructor(
    private readonly stream: WriteStream,
    private readonly path: string,
  ) {
    this.writer = new StreamWriter(stream);
    // An error while no write is awaited (the disk fills between batches) is kept and thrown by the next call.
    stream.on("error", (err) => {
      this.keep(err);
    });
  }

  async write(text: string): Promise<void> {
    if (this.closed) throw new Error("write after close");
    this.check();
    const most = text.length * MAX_BYTES_PER_UNIT;
    if (this.used + most > this.batch.length) {
      await this.flushBatch();
      if (most > this.batch.length) {
        // A row larger than a batch (a script block of 100,000 characters) goes on its own.
        await this.put(text);
        return;
      }
    }
    this.used += this.batch.write(text, this.used, "utf8");
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      if (this.error === null) await this.flushBatch();
    } finally {
      this.stream.end();
      await finished(this.stream).catch((err: unknown) => {
        this.keep(err);
      });
    }
    this.check();
  }

  private async flushBatch(): Promise<void> {
    if (this.used === 0) return;
    // The stream keeps the bytes until they are written: the next rows go into a new buffer.
    const bytes = this.batch.subarray(0, this.used);
    this.batch = Buffer.allocUnsafe(BATCH_BYTES);
    this.used = 0;
    await this.put(bytes);
  }

  private async put(data: string | Uint8Array): Promise<void> {
    try {
      await this.writer.write(data);
    } catch (e) {
      this.keep(e);
    }
    this.check();
  }

  /** The first failure, named with the file: every later call throws this one error. */
  private keep(e: unknown): void {
    this.error ??= fileError(this.path, e);
  }

  private check(): void {
    if (this.error !== null) throw this.error;
  }
}
