/**
 * One rule against one event: its searches compiled from the model, its condition evaluated over them, the extra
 * conditions of its log source, and the filters (Sigma filter rules) that name it. Shared by the reference
 * evaluator (every rule, every event) and the compiled matcher (only the rules its index selects).
 *
 * A filter adds `and not (filter condition)` to each rule it names (as pySigma applies them), on the events its own
 * log source covers: its searches describe what to suppress.
 */
import type { FieldValue, FieldView } from "../evtx/types.js";
import { expandPattern } from "./condition.js";
import { appliesTo, type LogsourceTarget, logsourceTargets, resolveField } from "./logsources.js";
import type {
  ConditionNode,
  DetectionRule,
  FieldCondition,
  FilterRule,
  RuleProblem,
  SearchIdentifier,
} from "./model.js";
import {
  type CompileOptions,
  type ConditionMatcher,
  compileFieldCondition,
  type EventAccess,
} from "./modifiers/index.js";
import { textOf } from "./modifiers/strings.js";

export interface PreparedRule {
  readonly rule: DetectionRule;
  readonly targets: readonly LogsourceTarget[];
  /** Null: the searches cannot be compiled after all (see LazyPreparedRule); the rule matches nothing. */
  readonly searches: ReadonlyMap<string, ConditionMatcher> | null;
  /** Filters naming this rule. */
  readonly filters: readonly PreparedFilter[];
}

export interface PreparedFilter {
  readonly filter: FilterRule;
  readonly targets: readonly LogsourceTarget[];
  readonly searches: ReadonlyMap<string, ConditionMatcher>;
}

export interface MatcherOptions extends CompileOptions {
  /** Filter rules to apply to the rules they name. */
  readonly filters?: readonly FilterRule[];
}

// The hot paths below use plain loops rather than every/some with arrow functions: a closure per call is an
// allocation per (rule, event), and matching runs millions of those.

function compileSearch(search: SearchIdentifier, options: CompileOptions): ConditionMatcher {
  const all = (conditions: readonly FieldCondition[]): ConditionMatcher => {
    const matchers = conditions.map((c) => compileFieldCondition(c, options));
    return (event) => {
      for (const m of matchers) if (!m(event)) return false;
      return true;
    };
  };
  switch (search.kind) {
    case "map":
      return all(search.conditions);
    case "maps": {
      const maps = search.maps.map(all);
      return (event) => {
        for (const m of maps) if (m(event)) return true;
        return false;
      };
    }
    case "keywords":
      return compileFieldCondition(search.condition, options);
  }
}

function holds(name: string, searches: ReadonlyMap<string, ConditionMatcher>, event: EventAccess): boolean {
  const search = searches.get(name);
  return search?.(event) === true;
}

function evaluate(node: ConditionNode, searches: ReadonlyMap<string, ConditionMatcher>, event: EventAccess): boolean {
  switch (node.kind) {
    case "and":
      for (const n of node.operands) if (!evaluate(n, searches, event)) return false;
      return true;
    case "or":
      for (const n of node.operands) if (evaluate(n, searches, event)) return true;
      return false;
    case "not":
      return !evaluate(node.operand, searches, event);
    case "identifier":
      return holds(node.name, searches, event);
    case "of": {
      const names = namesOf(node, searches);
      if (node.quantifier === "all") {
        for (const name of names) if (!holds(name, searches, event)) return false;
        return names.length > 0;
      }
      for (const name of names) if (holds(name, searches, event)) return true;
      return false;
    }
  }
}

/** Whether any of the rule's conditions (a list of conditions is their OR) holds. */
function anyCondition(
  conditions: readonly ConditionNode[],
  searches: ReadonlyMap<string, ConditionMatcher>,
  event: EventAccess,
): boolean {
  for (const c of conditions) if (evaluate(c, searches, event)) return true;
  return false;
}

/** The search names an `x of` pattern stands for, resolved once per rule rather than on every event. */
const ofNames = new WeakMap<ConditionNode, string[]>();

function namesOf(
  node: Extract<ConditionNode, { kind: "of" }>,
  searches: ReadonlyMap<string, ConditionMatcher>,
): string[] {
  let names = ofNames.get(node);
  if (names === undefined) {
    names = expandPattern(node.pattern, searches.keys());
    ofNames.set(node, names);
  }
  return names;
}

/** An event read through a log source target: Sigma field names resolve to the target's event paths. */
class TargetAccess implements EventAccess {
  fields: FieldView | undefined;
  constructor(private readonly target: LogsourceTarget) {}

  get(field: string): FieldValue | undefined {
    return this.fields === undefined ? undefined : resolveField(this.target, field, this.fields);
  }

  *values(): Generator<FieldValue> {
    if (this.fields !== undefined) for (const [, value] of this.fields.entries()) yield value;
  }
}

/**
 * One access object per target, pointed at the event being matched: matching is synchronous, so reusing it is safe,
 * and it spares an allocation per (rule, event). It lets go of the event once the rule is decided: an EVTX record's
 * fields hold its whole chunk, and the 574 targets of a corpus hunt, each holding the last event it read, kept 200
 * chunks alive in the middle of a hunt, their parsed templates promoted to the old generation for the collector to
 * sweep later.
 */
const accesses = new WeakMap<LogsourceTarget, TargetAccess>();

function accessFor(target: LogsourceTarget, fields: FieldView): TargetAccess {
  let access = accesses.get(target);
  if (access === undefined) {
    access = new TargetAccess(target);
    accesses.set(target, access);
  }
  access.fields = fields;
  return access;
}

function compileSearches(
  searches: ReadonlyMap<string, SearchIdentifier>,
  options: CompileOptions,
): Map<string, ConditionMatcher> {
  const out = new Map<string, ConditionMatcher>();
  for (const [name, search] of searches) out.set(name, compileSearch(search, options));
  return out;
}

function unsupported(rule: DetectionRule | FilterRule, reason: string): RuleProblem {
  return { file: rule.file, id: rule.id, title: rule.title, position: rule.position, severity: "unsupported", reason };
}

/** Which rules could not compile, and why: what compiling every rule once gave (kept in the matcher's bucket store). */
export interface CompileOutcome {
  /** Indexes, in the rules given to prepareRules, of those that could not compile. */
  readonly failed: readonly number[];
  readonly problems: readonly RuleProblem[];
}

export interface PreparedRules {
  /** In the order of the rules given, less those for other products and those that cannot compile. */
  readonly prepared: PreparedRule[];
  /** The filters' problems, then the rules'. */
  readonly problems: RuleProblem[];
  readonly outcome: CompileOutcome;
}

/**
 * A rule whose searches are compiled when it is first evaluated: most rules never are in a given hunt (573 of
 * SigmaHQ's 2,867 Windows rules over all of ../shared/evtx), and compiling them all took a third of a second.
 */
class LazyPreparedRule implements PreparedRule {
  private compiled: ReadonlyMap<string, ConditionMatcher> | null | undefined;

  constructor(
    readonly rule: DetectionRule,
    readonly targets: readonly LogsourceTarget[],
    readonly filters: readonly PreparedFilter[],
    private readonly options: CompileOptions,
  ) {}

  get searches(): ReadonlyMap<string, ConditionMatcher> | null {
    if (this.compiled === undefined) {
      try {
        this.compiled = compileSearches(this.rule.searches, this.options);
      } catch {
        // It compiled when the outcome was recorded; if it no longer does, it matches nothing (not even under `not`).
        this.compiled = null;
      }
    }
    return this.compiled;
  }
}

/**
 * Rules ready to run, with the filters that name them; rules for other products are left out (they never apply to
 * Windows event logs). A filter naming no loaded rule, or one that cannot compile, is a problem.
 *
 * `known`: the outcome of compiling these same rules earlier (same texts, same code, same options). The rules it
 * names as failed are left out with their problems, and the others are compiled only when first evaluated.
 */
export function prepareRules(
  rules: readonly DetectionRule[],
  options: MatcherOptions = {},
  known?: CompileOutcome,
): PreparedRules {
  const problems: RuleProblem[] = [];
  const filtersOf = new Map<DetectionRule, PreparedFilter[]>();
  const byRef = new Map<string, DetectionRule>();
  for (const r of rules) {
    if (r.id !== undefined) byRef.set(r.id, r);
    if (r.name !== undefined) byRef.set(r.name, r);
  }
  for (const filter of options.filters ?? []) {
    const targets = logsourceTargets(filter.logsource);
    if (targets === null) {
      problems.push(unsupported(filter, "the filter's log source is not a Windows event log"));
      continue;
    }
    const missing = filter.rules.filter((ref) => !byRef.has(ref));
    if (missing.length === filter.rules.length) {
      problems.push(unsupported(filter, `names no loaded rule (${missing.join(", ")})`));
      continue;
    }
    let searches: Map<string, ConditionMatcher>;
    try {
      searches = compileSearches(filter.searches, options);
    } catch (e) {
      problems.push(unsupported(filter, (e as Error).message));
      continue;
    }
    for (const ref of filter.rules) {
      const rule = byRef.get(ref);
      if (rule === undefined) continue;
      const list = filtersOf.get(rule) ?? [];
      list.push({ filter, targets, searches });
      filtersOf.set(rule, list);
    }
  }
  const prepared: PreparedRule[] = [];
  const knownFailed = known === undefined ? null : new Set(known.failed);
  const failed: number[] = [];
  const ruleProblems: RuleProblem[] = [];
  rules.forEach((rule, i) => {
    const targets = logsourceTargets(rule.logsource);
    if (targets === null) return;
    const filters = filtersOf.get(rule) ?? [];
    if (knownFailed !== null) {
      if (!knownFailed.has(i)) prepared.push(new LazyPreparedRule(rule, targets, filters, options));
      return;
    }
    try {
      prepared.push({ rule, targets, searches: compileSearches(rule.searches, options), filters });
    } catch (e) {
      failed.push(i);
      ruleProblems.push(unsupported(rule, (e as Error).message));
    }
  });
  const outcome = known ?? { failed, problems: ruleProblems };
  return { prepared, problems: [...problems, ...outcome.problems], outcome };
}

/** Whether the event, read through `target` (the log source part that applies to it), matches the rule. */
export function matchesRule(prepared: PreparedRule, target: LogsourceTarget, fields: FieldView): boolean {
  const event = accessFor(target, fields);
  try {
    if (!sourceConditionsHold(target, event)) return false;
    const { searches } = prepared;
    if (searches === null || !anyCondition(prepared.rule.conditions, searches, event)) return false;
    return prepared.filters.length === 0 || !filteredOut(prepared.filters, fields);
  } finally {
    event.fields = undefined;
  }
}

/** Whether a filter that covers the event's log source holds on it (and so suppresses the rule's match). */
function filteredOut(filters: readonly PreparedFilter[], fields: FieldView): boolean {
  const key = eventKey(fields);
  if (key === null) return false;
  for (const f of filters) {
    const target = appliesTo(f.targets, key.channel, key.eventId);
    if (target === undefined) continue;
    const event = accessFor(target, fields);
    try {
      if (sourceConditionsHold(target, event) && anyCondition(f.filter.conditions, f.searches, event)) return true;
    } finally {
      event.fields = undefined;
    }
  }
  return false;
}

/** thor.yml's extra conditions of some sources (EventType for registry_add/registry_delete). */
function sourceConditionsHold(target: LogsourceTarget, event: EventAccess): boolean {
  for (const [field, allowed] of target.conditions) {
    const value = event.get(field);
    if (value === undefined || value === null) return false;
    const text = String(value).toLowerCase();
    if (!allowed.some((a) => a.toLowerCase() === text)) return false;
  }
  return true;
}

/**
 * The channel and EventID every dispatch starts from; null when the event has none. `eventIdText` is the EventID
 * as rules compare it (its text form: `4624`, or `04624` if a JSON export wrote that).
 */
export function eventKey(fields: FieldView): { channel: string; eventId: number; eventIdText: string } | null {
  const channel = fields.get("System.Channel");
  const raw = fields.get("System.EventID");
  const eventId = Number(raw);
  if (typeof channel !== "string" || !Number.isInteger(eventId) || raw === undefined) return null;
  const eventIdText = textOf(raw);
  if (eventIdText === null) return null;
  return { channel, eventId, eventIdText };
}
