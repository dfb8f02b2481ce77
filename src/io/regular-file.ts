/**
 * Opening files that may not be files. Evidence folders and rule folders can hold FIFOs and devices, under any name:
 * opening a FIFO for reading blocks until something writes to it (a dump given one, or a rules folder holding one,
 * never ended). Files are opened without blocking, then refused unless they are regular files (reads from a regular
 * file never block, O_NONBLOCK or not).
 */
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from "node:fs";
import { type FileHandle, open } from "node:fs/promises";

const READ_WITHOUT_BLOCKING = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

export class NotRegularFileError extends Error {
  constructor() {
    super("not a regular file");
    this.name = "NotRegularFileError";
  }
}

/** A regular file open for reading, with its stats; throws NotRegularFileError for anything else. */
export function openRegularFile(path: string): { readonly fd: number; readonly info: Stats } {
  const fd = openSync(path, READ_WITHOUT_BLOCKING);
  try {
    const info = fstatSync(fd);
    if (!info.isFile()) throw new NotRegularFileError();
    return { fd, info };
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}

/** openRegularFile through the thread pool: a file handle for reads awaited one after another. */
export async function openRegularFileHandle(
  path: string,
): Promise<{ readonly handle: FileHandle; readonly info: Stats }> {
  const handle = await open(path, READ_WITHOUT_BLOCKING);
  try {
    const info = await handle.stat();
    if (!info.isFile()) throw new NotRegularFileError();
    return { handle, info };
  } catch (e) {
    await handle.close();
    throw e;
  }
}

/** The whole content of a regular file (see openRegularFile). */
export function readRegularFile(path: string): Buffer {
  const { fd, info } = openRegularFile(path);
  try {
    const buffer = Buffer.allocUnsafe(info.size);
    let done = 0;
    while (done < buffer.length) {
      const n = readSync(fd, buffer, done, buffer.length - done, done);
      if (n === 0) break;
      done += n;
    }
    return buffer.subarray(0, done);
  } finally {
    closeSync(fd);
  }
}
