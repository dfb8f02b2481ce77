/**
 * Loading Sigma rule files and folders into the rule model, through the rule cache when there is one: a file whose
 * text the cache holds is taken from it, and only new text is parsed (rule-text.ts). The parser and the YAML library
 * are imported when a file first needs them: a hunt whose rules are all cached never loads them (about 40 ms of every
 * start, in the main thread and in every worker).
 */
import { type BigIntStats, statSync } from "node:fs";
import { readRegularFile } from "../io/regular-file.js";
import { type DiscoveryProblem, discoverFiles } from "../sources/discover.js";
import type { RuleProblem, SigmaRule } from "./model.js";
import { type CachedFile, RuleCache } from "./rule-cache.js";
import type { LoadResult } from "./rule-text.js";

export type { LoadResult } from "./rule-text.js";

/**
 * Loads rule files and folders (recursively, `*.yml` / `*.yaml`). With a cache, a file whose text is unchanged since
 * the cache was written is taken from it rather than parsed.
 */
export async function loadRules(
  paths: readonly string[],
  options: { readonly cache?: RuleCache } = {},
): Promise<LoadResult & { files: number }> {
  const { cache } = options;
  const discovery: DiscoveryProblem[] = [];
  const files: string[] = [];
  for await (const file of discoverFiles(paths, isRuleFileName, discovery)) files.push(file);
  // Synchronously: rule files are small, and with the cache most are only statted (or read and hashed). Through the
  // thread pool (open, stat, read, close, each a round trip) reading SigmaHQ's 3,000 files took 0.25 s of a hunt's
  // start. What the cache does not hold is parsed after, in file order, once the parser is loaded.
  const read = files.map((file) => readRuleFile(file, cache));
  const parse = read.some((r) => "text" in r) ? (await import("./rule-text.js")).loadRuleText : null;
  const rules: SigmaRule[] = [];
  const problems: RuleProblem[] = [];
  read.forEach((r, i) => {
    const file = files[i] as string;
    if ("reason" in r) {
      problems.push({ file, severity: "invalid", reason: `cannot read: ${r.reason}` });
      return;
    }
    const result = "text" in r ? parsed(file, r, parse as NonNullable<typeof parse>, cache) : r;
    rules.push(...result.rules);
    problems.push(...result.problems);
  });
  for (const d of discovery) problems.push({ file: d.path, severity: "invalid", reason: `cannot read: ${d.reason}` });
  cache?.save();
  return { rules, problems, files: files.length };
}

/** A rule file's text that the cache does not hold, with what the cache needs to keep its rules. */
interface Unparsed {
  readonly text: string;
  readonly key: string | null;
  readonly look: BigIntStats | null;
}

/**
 * What a rule file gives without parsing: with a cache, taken from it as unchanged by its look, or by its text's
 * key; else its text, to parse.
 */
function readRuleFile(file: string, cache: RuleCache | undefined): CachedFile | Unparsed | { reason: string } {
  let look: BigIntStats | undefined;
  let text: string;
  try {
    if (cache !== undefined) {
      // The look before the read: a change made while reading leaves another look for the next hunt.
      look = statSync(file, { bigint: true });
      const unchanged = cache.unchanged(file, look);
      if (unchanged !== undefined) return unchanged;
    }
    text = readRegularFile(file).toString("utf8");
  } catch (e) {
    return { reason: (e as NodeJS.ErrnoException).code ?? (e instanceof Error ? e.message : String(e)) };
  }
  if (cache === undefined || look === undefined) return { text, key: null, look: null };
  const key = RuleCache.keyOf(file, text);
  const result = cache.lookup(key);
  if (result === undefined) return { text, key, look };
  cache.noteLook(file, look, key);
  return result;
}

/** A file's text parsed, and kept in the cache when there is one. */
function parsed(
  file: string,
  unparsed: Unparsed,
  loadRuleText: (text: string, file: string) => LoadResult,
  cache: RuleCache | undefined,
): LoadResult {
  const result = loadRuleText(unparsed.text, file);
  if (cache !== undefined && unparsed.key !== null && unparsed.look !== null) {
    cache.store(unparsed.key, result);
    cache.noteLook(file, unparsed.look, unparsed.key);
  }
  return result;
}

export function isRuleFileName(name: string): boolean {
  const lower = name.toLowerCase();
  return lower.endsWith(".yml") || lower.endsWith(".yaml");
}
