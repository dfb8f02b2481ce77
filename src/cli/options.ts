/** Option parsers shared by the commands. */
import { InvalidArgumentError } from "commander";

export function parseThreads(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 1024)
    throw new InvalidArgumentError("expected a whole number from 0 to 1024");
  return n;
}
