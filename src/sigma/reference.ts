/**
 * The reference evaluator: every rule checked against every event, directly from the model, with no index. Kept
 * deliberately simple so the compiled matcher (compile/matcher.ts) can be checked against it on every
 * (rule, event) pair.
 */
import type { FieldView } from "../evtx/types.js";
import { appliesTo } from "./logsources.js";
import type { DetectionRule, RuleProblem } from "./model.js";
import { eventKey, type MatcherOptions, matchesRule, type PreparedRule, prepareRules } from "./rule-eval.js";

export class ReferenceEvaluator {
  /** Rules that cannot run (a modifier Vigil rejects, an unresolved placeholder), each with its reason. */
  readonly problems: RuleProblem[];
  private readonly prepared: PreparedRule[];

  constructor(rules: readonly DetectionRule[], options: MatcherOptions = {}) {
    ({ prepared: this.prepared, problems: this.problems } = prepareRules(rules, options));
  }

  get ruleCount(): number {
    return this.prepared.length;
  }

  /** The rules an event matches, in load order. */
  match(fields: FieldView): DetectionRule[] {
    const key = eventKey(fields);
    if (key === null) return [];
    const hits: DetectionRule[] = [];
    for (const prepared of this.prepared) {
      const target = appliesTo(prepared.targets, key.channel, key.eventId);
      if (target !== undefined && matchesRule(prepared, target, fields)) hits.push(prepared.rule);
    }
    return hits;
  }
}
