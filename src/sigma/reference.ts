/**
 * The reference evaluator: every rule checked against every event, directly from the model, with no prefilter or
 * shared structure. Deliberately simple, so that the compiled matcher (still to come) can be checked against it on
 * every (rule, event) pair; also what the regression tests run today.
 */
import type { FieldValue, FieldView } from "../evtx/types.js";
import { expandPattern } from "./condition.js";
import { appliesTo, type LogsourceTarget, logsourceTargets, resolveField } from "./logsources.js";
import type { ConditionNode, DetectionRule, FieldCondition, RuleProblem, SearchIdentifier } from "./model.js";
import {
  type CompileOptions,
  type ConditionMatcher,
  compileFieldCondition,
  type EventAccess,
} from "./modifiers/index.js";

interface PreparedRule {
  readonly rule: DetectionRule;
  readonly targets: readonly LogsourceTarget[];
  readonly searches: ReadonlyMap<string, ConditionMatcher>;
}

function compileSearch(search: SearchIdentifier, options: CompileOptions): ConditionMatcher {
  const all = (conditions: readonly FieldCondition[]): ConditionMatcher => {
    const matchers = conditions.map((c) => compileFieldCondition(c, options));
    return (event) => matchers.every((m) => m(event));
  };
  switch (search.kind) {
    case "map":
      return all(search.conditions);
    case "maps": {
      const maps = search.maps.map(all);
      return (event) => maps.some((m) => m(event));
    }
    case "keywords":
      return compileFieldCondition(search.condition, options);
  }
}

function evaluate(node: ConditionNode, searches: ReadonlyMap<string, ConditionMatcher>, event: EventAccess): boolean {
  switch (node.kind) {
    case "and":
      return node.operands.every((n) => evaluate(n, searches, event));
    case "or":
      return node.operands.some((n) => evaluate(n, searches, event));
    case "not":
      return !evaluate(node.operand, searches, event);
    case "identifier":
      return searches.get(node.name)?.(event) ?? false;
    case "of": {
      const names = expandPattern(node.pattern, searches.keys());
      const hit = (name: string): boolean => searches.get(name)?.(event) ?? false;
      return node.quantifier === "all" ? names.length > 0 && names.every(hit) : names.some(hit);
    }
  }
}

function* eventValues(fields: FieldView): Generator<FieldValue> {
  for (const [, value] of fields.entries()) yield value;
}

export class ReferenceEvaluator {
  /** Rules that cannot run (a modifier Vigil rejects, an unresolved placeholder), each with its reason. */
  readonly problems: RuleProblem[] = [];
  private readonly prepared: PreparedRule[] = [];

  constructor(rules: readonly DetectionRule[], options: CompileOptions = {}) {
    for (const rule of rules) {
      // Rules for other products (Linux, cloud, network) never apply to Windows event logs: not a problem.
      const targets = logsourceTargets(rule.logsource);
      if (targets === null) continue;
      try {
        const searches = new Map<string, ConditionMatcher>();
        for (const [name, search] of rule.searches) searches.set(name, compileSearch(search, options));
        this.prepared.push({ rule, targets, searches });
      } catch (e) {
        this.problems.push({
          file: rule.file,
          id: rule.id,
          title: rule.title,
          position: rule.position,
          severity: "unsupported",
          reason: (e as Error).message,
        });
      }
    }
  }

  get ruleCount(): number {
    return this.prepared.length;
  }

  /** The rules an event matches, in load order. */
  match(fields: FieldView): DetectionRule[] {
    const channel = fields.get("System.Channel");
    const eventId = Number(fields.get("System.EventID"));
    if (typeof channel !== "string" || !Number.isInteger(eventId)) return [];
    const hits: DetectionRule[] = [];
    for (const { rule, targets, searches } of this.prepared) {
      const target = appliesTo(targets, channel, eventId);
      if (target === undefined) continue;
      const event: EventAccess = {
        get: (field) => resolveField(target, field, fields),
        values: () => eventValues(fields),
      };
      if (!this.sourceConditionsHold(target, event)) continue;
      if (rule.conditions.some((c) => evaluate(c, searches, event))) hits.push(rule);
    }
    return hits;
  }

  /** thor.yml's extra conditions of some sources (EventType for registry_add/registry_delete). */
  private sourceConditionsHold(target: LogsourceTarget, event: EventAccess): boolean {
    for (const [field, allowed] of target.conditions) {
      const value = event.get(field);
      if (value === undefined || value === null) return false;
      const text = String(value).toLowerCase();
      if (!allowed.some((a) => a.toLowerCase() === text)) return false;
    }
    return true;
  }
}
