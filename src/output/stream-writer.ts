/** Writing large outputs with backpressure, so a slow pipe holds the reader back instead of filling memory. */
import { once } from "node:events";
import type { Writable } from "node:stream";

export class StreamWriter {
  constructor(private readonly stream: Writable) {}

  async write(data: string | Uint8Array): Promise<void> {
    if (data.length === 0) return;
    if (!this.stream.write(data)) await once(this.stream, "drain");
  }

  async flush(): Promise<void> {
    if (this.stream.writableNeedDrain) await once(this.stream, "drain");
  }
}
