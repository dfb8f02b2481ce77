/** Option parsers shared by the commands. */
import { InvalidArgumentError } from "commander";
import { LEVELS, type Level } from "../hunt/detection.js";

export function parseThreads(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 1024)
    throw new InvalidArgumentError("expected a whole number from 0 to 1024");
  return n;
}

export function parseLevel(value: string): Level {
  const level = LEVELS.find((l) => l === value.toLowerCase());
  if (level === undefined) throw new InvalidArgumentError(`expected one of ${LEVELS.join(", ")}`);
  return level;
}

/** A repeatable option's values, in order (`--rules A --rules B`). */
export const collect = (value: string, previous: string[]): string[] => [...previous, value];
