/** A problem that ends the reading of one piece of content, typed by the layer that found it. */
import type { SourceProblemKind } from "./types.js";

export class SourceError extends Error {
  constructor(
    readonly kind: SourceProblemKind,
    message: string,
  ) {
    super(message);
    this.name = "SourceError";
  }
}

/** Any error as a SourceError; one that no layer typed is an I/O error. */
export function asSourceError(e: unknown): SourceError {
  if (e instanceof SourceError) return e;
  const err = e as NodeJS.ErrnoException;
  const message = err?.message ?? String(e);
  return new SourceError(
    "unreadable",
    err?.code !== undefined && !message.includes(err.code) ? `${err.code}: ${message}` : message,
  );
}
