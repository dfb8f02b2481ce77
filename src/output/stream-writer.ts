/** Writing large outputs with backpressure, so a slow pipe holds the reader back instead of filling memory. */
import { once } from "node:events";
import type { Writable } from "node:stream";

export class StreamWriter {
  private parts: Uint8Array[] = [];
  private size = 0;

  constructor(
    private readonly stream: Writable,
    private readonly flushAt = 1 << 20,
  ) {}

  async write(data: string | Uint8Array): Promise<void> {
    const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
    this.parts.push(bytes);
    this.size += bytes.length;
    if (this.size >= this.flushAt) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.size === 0) return;
    const bytes = this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts, this.size);
    this.parts = [];
    this.size = 0;
    if (!this.stream.write(bytes)) await once(this.stream, "drain");
  }
}
