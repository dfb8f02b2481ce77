/**
 * `re` on RE2 (linear time, no catastrophic backtracking). Sigma's sub-modifiers i, m, s become RE2 flags; inline
 * groups such as `(?i)` are RE2 syntax already. Patterns RE2 rejects raise ModifierError with RE2's reason.
 */
import { createRequire } from "node:module";
import { ModifierError } from "./errors.js";

interface RE2Instance {
  test(s: string | Buffer): boolean;
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
  const run = lengthCheck(pattern, flags);
  if (run !== null) return run;
  // A text shorter than the shortest possible match cannot match: `.{1000,}` (a length check SigmaHQ uses) is
  // decided without handing every command line to RE2.
  const least = minimumLength(pattern);
  return least > 0 ? (text) => text.length >= least && re.test(utf8Of(text)) : (text) => re.test(utf8Of(text));
}

/**
 * RE2 reads UTF-8: handed a string, it makes the UTF-8 copy itself, remembering only its own last one, so every rule
 * with a regular expression on a field made its own copy of the same text (most often a script block or a command
 * line). The last text's copy is kept here for all of them. Over the corpus, 9,326 tests read 7.2 million
 * characters; 3,928 tests were of the text the test before read. Replayed in one process (median of seven rounds):
 * 22.0 ms handing strings, 10.5 ms with the copy shared, the same answers. Lone surrogates become U+FFFD either way.
 */
let lastText: string | null = null;
let lastBytes: Buffer = Buffer.alloc(0);

function utf8Of(text: string): Buffer {
  if (text !== lastText) {
    lastBytes = Buffer.from(text, "utf8");
    lastText = text;
  }
  return lastBytes;
}

/**
 * `.{n}`, `.{n,}` and `.{n,m}` unanchored: "somewhere n characters other than a newline in a row" (SigmaHQ's
 * command-line length check). RE2 runs counted repetitions of a thousand slowly (it cannot build a small DFA), so
 * this shape is decided by counting; the answer is the same (`.` is any code point but `\n`, or any with `s`).
 */
function lengthCheck(pattern: string, flags: ReadonlySet<RegexFlag>): ((text: string) => boolean) | null {
  const m = /^\.\{(\d+)(?:,(\d*))?\}$/.exec(pattern);
  if (m === null) return null;
  const n = Number(m[1]);
  const dotAll = flags.has("s");
  return (text) => {
    if (text.length < n) return false;
    let runLength = 0;
    for (const ch of text) {
      if (ch === "\n" && !dotAll) runLength = 0;
      else if (++runLength >= n) return true;
    }
    return n === 0;
  };
}

/**
 * A lower bound on the number of characters (code points, so also UTF-16 units) any match of the pattern has: the
 * sum over its items of their minimum repeat count, the least over top-level alternatives. Conservative: groups,
 * anchors and anything not understood count as 0.
 */
export function minimumLength(pattern: string): number {
  if (pattern.includes("\\Q")) return 0;
  let least = Number.POSITIVE_INFINITY;
  for (const branch of topLevelBranches(pattern)) {
    let total = 0;
    let last = 0;
    let i = 0;
    while (i < branch.length) {
      const c = branch[i] as string;
      if (c === "\\") {
        const n = branch[i + 1] ?? "";
        last = /[bBAzZ]/.test(n) ? 0 : 1;
        i = skipUnit(branch, i);
      } else if (c === "[") {
        last = 1;
        i = skipUnit(branch, i);
      } else if (c === "(") {
        last = 0;
        i = skipUnit(branch, i);
      } else if (c === "*" || c === "?") {
        total -= last;
        last = 0;
        i++;
        continue;
      } else if (c === "+") {
        last = 0;
        i++;
        continue;
      } else if (c === "{") {
        const m = /^\{(\d+)(,\d*)?\}/.exec(branch.slice(i));
        if (m === null) return 0;
        total += last * (Math.min(Number(m[1]), 100000) - 1);
        last = 0;
        i += m[0].length;
        continue;
      } else if (c === "^" || c === "$") {
        last = 0;
        i++;
      } else {
        last = 1;
        i += (branch.codePointAt(i) as number) > 0xffff ? 2 : 1;
      }
      total += last;
    }
    least = Math.min(least, total);
  }
  return Number.isFinite(least) ? Math.max(least, 0) : 0;
}

/**
 * Texts one of which every match of the pattern contains, for the compiled matcher's prefilter: per top-level
 * alternative, its longest run of plain characters that no quantifier can drop. Conservative: anything not
 * understood ends a run. Null when an alternative has no such run. The case of the texts is as written; with
 * `i` (flag or inline `(?i)`), runs also end at `s` and at non-ASCII characters, whose case-folding partners
 * (`ſ` for `s`) a lower-cased comparison would miss.
 */
export function requiredTexts(pattern: string, flags: ReadonlySet<RegexFlag>): string[] | null {
  const ignoreCase = flags.has("i") || /\(\?[a-zA-Z]*i[a-zA-Z]*[:)]/.test(pattern);
  const out: string[] = [];
  for (const branch of topLevelBranches(pattern)) {
    const runs = literalRuns(branch, ignoreCase);
    if (runs === null) return null;
    let longest = "";
    for (const r of runs) if (r.length > longest.length) longest = r;
    if (longest === "") return null;
    out.push(longest);
  }
  return out;
}

/** Index just past the group, class or escape starting at `i` (a `(`, `[` or `\`). */
function skipUnit(p: string, i: number): number {
  const c = p[i];
  if (c === "\\") {
    const n = p[i + 1] ?? "";
    let j = i + 2;
    if (/[0-9]/.test(n)) while (/[0-9]/.test(p[j] ?? "")) j++;
    else if (n === "x" && p[j] !== "{") j += 2;
    else if ((n === "p" || n === "P") && p[j] !== "{") j += 1;
    if (/[A-Za-z]/.test(n) && p[j] === "{") j = p.indexOf("}", j) + 1 || p.length;
    return j;
  }
  if (c === "[") {
    let j = i + 1;
    if (p[j] === "^") j++;
    if (p[j] === "]") j++;
    while (j < p.length && p[j] !== "]")
      j = p[j] === "\\" ? j + 2 : p[j] === "[" && p[j + 1] === ":" ? p.indexOf(":]", j) + 2 || p.length : j + 1;
    return j + 1;
  }
  // "(": to the matching ")".
  let depth = 0;
  let j = i;
  while (j < p.length) {
    const d = p[j];
    if (d === "\\" || d === "[") {
      j = skipUnit(p, j);
      continue;
    }
    if (d === "(") depth++;
    else if (d === ")" && --depth === 0) return j + 1;
    j++;
  }
  return p.length;
}

function topLevelBranches(p: string): string[] {
  const branches: string[] = [];
  let start = 0;
  let i = 0;
  while (i < p.length) {
    const c = p[i];
    if (c === "\\" || c === "[" || c === "(") {
      i = skipUnit(p, i);
    } else {
      if (c === "|") {
        branches.push(p.slice(start, i));
        start = i + 1;
      }
      i++;
    }
  }
  branches.push(p.slice(start));
  return branches;
}

/** The runs of required plain characters of one alternative; null when it holds something not understood. */
function literalRuns(p: string, ignoreCase: boolean): string[] | null {
  const runs: string[] = [];
  let cur: string[] = [];
  const end = (): void => {
    if (cur.length > 0) runs.push(cur.join(""));
    cur = [];
  };
  const plain = (ch: string): void => {
    if (ignoreCase && (ch === "s" || ch === "S" || ch.charCodeAt(0) > 0x7f)) end();
    else cur.push(ch);
  };
  let i = 0;
  while (i < p.length) {
    const c = p[i] as string;
    if (c === "\\") {
      const n = p[i + 1];
      if (n === undefined) return null;
      if (n === "Q") return null;
      if (/[A-Za-z0-9]/.test(n)) {
        end();
        i = skipUnit(p, i);
      } else {
        plain(n);
        i += 2;
      }
    } else if (c === "[" || c === "(") {
      end();
      i = skipUnit(p, i);
    } else if (c === "*" || c === "?") {
      // The unit before is optional: drop it (a unit that was not a plain character has ended the run already).
      cur.pop();
      end();
      i++;
    } else if (c === "+") {
      end();
      i++;
    } else if (c === "{") {
      const m = /^\{(\d+)(,\d*)?\}/.exec(p.slice(i));
      if (m !== null && Number(m[1]) === 0) cur.pop();
      end();
      i += m === null ? 1 : m[0].length;
    } else if (c === "." || c === "^" || c === "$" || c === ")" || c === "|") {
      end();
      i++;
    } else {
      const cp = p.codePointAt(i) as number;
      const ch = String.fromCodePoint(cp);
      plain(ch);
      i += ch.length;
    }
  }
  end();
  return runs;
}
