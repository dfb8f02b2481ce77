/**
 * Buffers a file reader reads into and a caller keeps from file to file. Without them every file and every window of
 * chunks is a fresh allocation outside the JavaScript heap, freed only when the collector gets to the Buffer that
 * holds it: a one-thread hunt of the corpus ten times over had 100-130 MiB of such dead buffers at a time, and the
 * allocator kept their pages. With them, a reader's records are valid only until it is asked for its next batch
 * (their bytes are then overwritten), which suits a consumer that finishes each batch first, as the hunt does.
 */
export class ReadBuffers {
  private whole: Buffer = Buffer.alloc(0);
  private readonly windows: Buffer[] = [];
  private owner: object | null = null;

  /**
   * Takes the buffers for one reader. False when another reader holds them (two files read at once in one thread):
   * that reader then allocates its own, as without ReadBuffers.
   */
  claim(owner: object): boolean {
    if (this.owner !== null) return false;
    this.owner = owner;
    return true;
  }

  release(owner: object): void {
    if (this.owner === owner) this.owner = null;
  }

  /** `size` bytes for a whole file, in the one buffer kept for whole files (grown when too small). */
  forFile(size: number): Buffer {
    if (this.whole.length < size) this.whole = Buffer.allocUnsafeSlow(size);
    return this.whole.subarray(0, size);
  }

  /** Window `index` (0 or 1: one decoded while the other is read ahead) of `size` bytes. */
  window(index: number, size: number): Buffer {
    let buffer = this.windows[index];
    if (buffer === undefined || buffer.length < size) {
      buffer = Buffer.allocUnsafeSlow(size);
      this.windows[index] = buffer;
    }
    return buffer.subarray(0, size);
  }
}
