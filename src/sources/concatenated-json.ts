/**
 * JSON values written one after another with no array around them (evtx_dump's pretty output, JSONL): split by
 * tracking nesting and strings, so a `}` or newline inside a string never ends a value.
 */
import type { JsonValue } from "../evtx/types.js";

export interface ConcatenatedJsonProblem {
  readonly offset: number;
  readonly reason: string;
}

/** Every top-level value of `text`; a value that does not parse is a problem with its offset, and reading goes on. */
export function parseConcatenatedJson(text: string): { values: JsonValue[]; problems: ConcatenatedJsonProblem[] } {
  const values: JsonValue[] = [];
  const problems: ConcatenatedJsonProblem[] = [];
  let depth = 0;
  let inString = false;
  let start = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // skip the escaped character
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (depth === 0) start = i;
      depth++;
    } else if ((c === 0x7d || c === 0x5d) && depth > 0) {
      depth--;
      if (depth === 0) {
        try {
          values.push(JSON.parse(text.slice(start, i + 1)) as JsonValue);
        } catch (e) {
          problems.push({ offset: start, reason: (e as Error).message });
        }
        start = -1;
      }
    }
  }
  if (depth > 0) problems.push({ offset: start, reason: "the text ends inside a value" });
  return { values, problems };
}
