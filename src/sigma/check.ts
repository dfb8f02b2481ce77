/**
 * Whether loaded rules can run, beyond what loading checks: every detection and filter rule's searches compile
 * (modifier chains, regular expressions RE2 accepts, placeholders that resolve), whatever its log source, and every
 * correlation names rules that are loaded, without cycles. Also reads placeholder files for `expand`.
 */
import { readFile } from "node:fs/promises";
import { CorrelationEngine } from "./correlation.js";
import type { CorrelationRule, DetectionRule, FilterRule, RuleProblem, SigmaRule } from "./model.js";
import { type CompileOptions, compileFieldCondition } from "./modifiers/index.js";

/** Problems that keep loaded rules from running, each with its reason. */
export function checkRules(rules: readonly SigmaRule[], options: CompileOptions = {}): RuleProblem[] {
  const problems: RuleProblem[] = [];
  for (const rule of rules) {
    if (rule.kind === "correlation") continue;
    try {
      for (const search of rule.searches.values()) {
        const conditions =
          search.kind === "map" ? search.conditions : search.kind === "maps" ? search.maps.flat() : [search.condition];
        for (const c of conditions) compileFieldCondition(c, options);
      }
    } catch (e) {
      problems.push({
        file: rule.file,
        id: rule.id,
        title: rule.title,
        position: rule.position,
        severity: "unsupported",
        reason: (e as Error).message,
      });
    }
  }
  const { correlations, detections } = rulesByKind(rules);
  problems.push(...new CorrelationEngine(correlations, detections).problems);
  return problems;
}

/** Splits a rule set by kind. */
export function rulesByKind(rules: readonly SigmaRule[]): {
  detections: DetectionRule[];
  correlations: CorrelationRule[];
  filters: FilterRule[];
} {
  return {
    detections: rules.filter((r): r is DetectionRule => r.kind === "detection"),
    correlations: rules.filter((r): r is CorrelationRule => r.kind === "correlation"),
    filters: rules.filter((r): r is FilterRule => r.kind === "filter"),
  };
}

/**
 * A placeholder file: YAML (or JSON) mapping each placeholder name, without the percent signs, to a value or a list
 * of values, e.g. `Administrators: [Administrator, "adm_*"]`. Values are Sigma strings: wildcards work.
 */
export async function readPlaceholders(path: string): Promise<Map<string, string[]>> {
  // Imported here: a hunt without a placeholder file never loads the YAML library.
  const { parse } = await import("yaml");
  const doc: unknown = parse(await readFile(path, "utf8"));
  if (doc === null || typeof doc !== "object" || Array.isArray(doc)) {
    throw new Error(`${path}: a placeholder file maps names to values (name: [value, ...])`);
  }
  const out = new Map<string, string[]>();
  for (const [name, value] of Object.entries(doc)) {
    const list: unknown[] = Array.isArray(value) ? value : [value];
    if (!list.every((v) => typeof v === "string" || typeof v === "number")) {
      throw new Error(`${path}: placeholder '${name}' must be a string or a list of strings`);
    }
    out.set(name.replace(/^%|%$/g, ""), list.map(String));
  }
  return out;
}
