/**
 * Opening files that may not be files. Evidence folders and rule folders can hold FIFOs and devices, under any name:
 * opening a FIFO for reading blocks until something writes to it (a dump given one, or a rules folder holding one,
 * never ended). Files are opened without blocking, then refused unless they are regular files (reads from a regular
 * file never block, O_NONBLOCK or not).
 */
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from "node:fs";

/** Flags for opening to read without blocking on a FIFO (for fs/promises' open; openRegularFile uses them). */
export const READ_WITHOUT_BLOCKING = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

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
