/**
 * `re` on RE2 (linear time, no catastrophic backtracking). Sigma's sub-modifiers i, m, s become RE2 flags; inline
 * groups such as `(?i)` are RE2 syntax already. Patterns RE2 rejects raise ModifierError with RE2's reason.
 */
import { createRequire } from "node:module";
import { ModifierError } from "./errors.js";

interface RE2Instance {
  test(s: string): boolean;
}
type RE2Constructor = new (pattern: string, flags?: string) => RE2Instance;

const require = createRequire(import.meta.url);
let RE2: RE2Constructor | undefined;

function engine(): RE2Constructor {
  RE2 ??= require("re2") as RE2Constructor;
  return RE2;
}

export type RegexFlag = "i" | "m" | "s";

export function compileRegex(pattern: string, flags: ReadonlySet<RegexFlag>): (text: string) => boolean {
  let re: RE2Instance;
  try {
    re = new (engine())(pattern, `u${[...flags].sort().join("")}`);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new ModifierError(`re: invalid regular expression ${JSON.stringify(pattern)}: ${reason}`);
  }
  return (text) => re.test(text);
}
