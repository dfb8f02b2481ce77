/**
 * The rules of a hunt: Vigil's built-in pack (the `rules/` folder shipped with the package) unless turned off, plus
 * the files and folders given with `--rules`, loaded and split by kind. Loaded the same way in every worker, so a
 * rule is named across threads by its index in `detections` or `correlations`.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { deserialize, serialize } from "node:v8";
import { rulesByKind } from "../sigma/check.js";
import { BucketStore } from "../sigma/compile/bucket-store.js";
import { CompiledMatcher } from "../sigma/compile/matcher.js";
import { CorrelationEngine } from "../sigma/correlation.js";
import { loadRules } from "../sigma/load.js";
import type { CorrelationRule, DetectionRule, FilterRule, RuleProblem, SigmaRule } from "../sigma/model.js";
import { RuleCache } from "../sigma/rule-cache.js";
import { revivedRule, type StoredRule, storedRule } from "../sigma/stored-rule.js";
import type { DetectionRuleInfo, Level } from "./detection.js";

/** What every thread needs to load the same rules. */
export interface RuleSpec {
  readonly paths: readonly string[];
  readonly builtin: boolean;
  /** Placeholder values for `expand`, as name/values pairs (plain data, to cross to workers). */
  readonly placeholders: readonly (readonly [string, readonly string[]])[];
  /** Folder of the parsed-rule cache (rule-cache.ts); none: parse every file. */
  readonly cacheDir?: string;
}

export interface HuntRules {
  readonly set: LoadedRuleSet;
  readonly detections: readonly DetectionRule[];
  /** A detection rule's index in `detections`, the name it goes by between threads. */
  readonly indexOf: ReadonlyMap<DetectionRule, number>;
  readonly correlations: readonly CorrelationRule[];
  readonly filters: readonly FilterRule[];
  readonly files: number;
  readonly matcher: CompiledMatcher;
  readonly correlation: CorrelationEngine;
  /** Keeps the buckets this thread's matcher built for the next hunt (bucket-store.ts); nothing if it made none. */
  persistMatcher(): void;
}

/** The built-in rule pack: `rules/` beside `src/` and `dist/`. */
export const BUILTIN_RULES = fileURLToPath(new URL("../../rules/", import.meta.url));

/**
 * The rules loaded once (in the main thread), as plain data: workers receive this rather than the paths, so the
 * YAML of thousands of rules is parsed once, not once per thread.
 */
export interface LoadedRuleSet {
  readonly rules: readonly SigmaRule[];
  readonly problems: readonly RuleProblem[];
  readonly files: number;
  readonly placeholders: RuleSpec["placeholders"];
  /** Where the compiled matcher's buckets are kept, and what they must be built from; null without a cache folder. */
  readonly matcherStore: { readonly file: string; readonly fingerprint: string } | null;
}

export async function loadRuleSet(spec: RuleSpec): Promise<LoadedRuleSet> {
  const paths = [...(spec.builtin && existsSync(BUILTIN_RULES) ? [BUILTIN_RULES] : []), ...spec.paths];
  const cache = spec.cacheDir === undefined ? undefined : RuleCache.open(spec.cacheDir, paths);
  const loaded = await loadRules(paths, { cache });
  const matcherStore =
    cache === undefined || spec.cacheDir === undefined
      ? null
      : {
          file: join(spec.cacheDir, `matcher-${cache.rootsKey}.bin`),
          fingerprint: cache.fingerprint(JSON.stringify(spec.placeholders)),
        };
  return {
    rules: loaded.rules,
    problems: loaded.problems,
    files: loaded.files,
    placeholders: spec.placeholders,
    matcherStore,
  };
}

/**
 * The rule set for the workers, as bytes in shared memory: serialized once, however many workers read it. Rules go
 * in the rule cache's stored form (stored-rule.ts): a rule taken from the cache goes with the bytes of its body as
 * the cache held them, unread, and a worker reads a body only when it first compiles that rule, as the main thread
 * does.
 */
export function packRuleSet(set: LoadedRuleSet): SharedArrayBuffer {
  const packed: PackedRuleSet = { ...set, rules: set.rules.map(storedRule) };
  const bytes = serialize(packed);
  const shared = new SharedArrayBuffer(bytes.length);
  new Uint8Array(shared).set(bytes);
  return shared;
}

export function unpackRuleSet(shared: SharedArrayBuffer): LoadedRuleSet {
  const packed = deserialize(new Uint8Array(shared)) as PackedRuleSet;
  return { ...packed, rules: packed.rules.map(revivedRule) };
}

type PackedRuleSet = Omit<LoadedRuleSet, "rules"> & { readonly rules: readonly StoredRule[] };

/**
 * The rule set compiled for matching and correlation. The matcher is compiled on first use: the main thread of a
 * hunt on worker threads only correlates, and compiling thousands of rules there would take a core from the workers.
 */
export function compileRuleSet(set: LoadedRuleSet): HuntRules {
  const { detections, correlations, filters } = rulesByKind(set.rules);
  const placeholders = new Map(set.placeholders.map(([k, v]) => [k, [...v]]));
  const correlation = new CorrelationEngine(correlations, detections);
  let matcher: CompiledMatcher | undefined;
  const compiled = (): CompiledMatcher => {
    const store = set.matcherStore;
    matcher ??= new CompiledMatcher(
      detections,
      { placeholders, filters },
      store === null ? undefined : BucketStore.open(store.file, store.fingerprint),
    );
    return matcher;
  };
  return {
    set,
    detections,
    indexOf: new Map(detections.map((r, i) => [r, i])),
    correlations,
    filters,
    files: set.files,
    get matcher() {
      return compiled();
    },
    correlation,
    persistMatcher: () => matcher?.persist(),
  };
}

export async function loadHuntRules(spec: RuleSpec): Promise<HuntRules> {
  return compileRuleSet(await loadRuleSet(spec));
}

export function levelOf(rule: DetectionRule | CorrelationRule): Level {
  return rule.level ?? "medium";
}

export function ruleInfo(rule: DetectionRule | CorrelationRule): DetectionRuleInfo {
  return {
    id: rule.id ?? null,
    title: rule.title,
    level: levelOf(rule),
    tags: rule.tags,
    file: rule.file,
    kind: rule.kind,
  };
}
