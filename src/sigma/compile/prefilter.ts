/**
 * Prefilter requirements: for a rule read through one log source target, clauses of atoms (a field's lower-cased
 * text equals, contains, starts or ends with a literal) such that every event the rule matches makes at least one
 * atom of every clause hold. The matcher indexes the atoms of all rules and fully evaluates a rule only when all
 * its clauses have fired.
 *
 * Derived from the condition tree as a conjunction of clauses: `and` joins its operands' clauses; `or` needs one
 * operand, so it keeps one clause, the union of the cheapest clause of each operand; `not` promises nothing. A
 * rule with no clause at all (a pure negation, a regex without a required text) is evaluated on every event of
 * its log source.
 */
import { expandPattern } from "../condition.js";
import { eventFieldFor, type LogsourceTarget } from "../logsources.js";
import type { ConditionNode, DetectionRule, FieldCondition, SearchIdentifier } from "../model.js";
import { type Atom, type CompileOptions, conditionAtoms } from "../modifiers/index.js";

export interface PathAtom extends Atom {
  /** The flat event path the atom reads (as `eventFieldFor` gives it), or null: any value of the event. */
  readonly path: string | null;
}

/** At least one atom of the clause holds whenever the rule matches; an empty clause: the rule never matches. */
export type Clause = readonly PathAtom[];

/** Clauses that must all hold (hold one atom each); no clauses: no prefilter, the rule is always evaluated. */
export type Requirement = readonly Clause[];

/** The matcher tracks fired clauses in a 32-bit mask: a rule keeps at most this many (the cheapest). */
export const MAX_CLAUSES = 32;

/** Paths the dispatch has already decided on: atoms over them select nothing. */
const DISPATCHED = new Set(["System.EventID", "System.Channel"]);

/**
 * Rough cost of a clause: the chance that it fires for nothing, summed over its atoms. A needle's chance falls
 * geometrically with its length (`.exe` is everywhere, `\edr-freeze` almost nowhere); exact values are rarer than
 * substrings; a needle over every value of the event is commoner than over one field.
 */
function atomCost(a: PathAtom): number {
  if (a.path !== null && DISPATCHED.has(a.path)) return 1000;
  const kind = a.kind === "exact" ? 0.5 : a.kind === "contains" ? 1.5 : 1;
  const scope = a.path === null ? 4 : 1;
  return kind * scope * 2 ** (-Math.min(a.needle.length, 20) / 2);
}

function cost(clause: Clause): number {
  let total = 0;
  for (const a of clause) total += atomCost(a);
  return total;
}

const NONE: Requirement = [];

/** AND: every operand's clauses hold. */
function and(requirements: readonly Requirement[]): Requirement {
  return requirements.flat();
}

/** Clauses an OR may give: the product of the clauses it takes from its operands stays within this. */
const OR_CLAUSES = 8;

/**
 * OR: one operand holds, so for any choice of one clause from each operand, one atom of their union does. Every such
 * choice is a clause of the OR. The cheapest clause of each operand gives one; more clauses per operand (the next
 * cheapest, while the product of their numbers stays within OR_CLAUSES) give more, and so fewer events on which the
 * rule is evaluated for nothing: `(A1 and A2) or B` needs `A1 or B` and `A2 or B`. With only the first, a rule whose
 * operands each hold a common value (Pass the Hash Activity 2: a logon's null SID) was evaluated on 3,926 events of
 * the corpus to match 4. Any operand without clauses: none.
 */
function or(requirements: readonly Requirement[]): Requirement {
  const byCost = requirements.map((r) => [...r].sort((a, b) => cost(a) - cost(b)));
  if (byCost.some((r) => r.length === 0)) return NONE;
  const taken = byCost.map(() => 1);
  let product = 1;
  for (let grew = true; grew; ) {
    grew = false;
    byCost.forEach((r, i) => {
      const n = taken[i] as number;
      if (n < r.length && (product / n) * (n + 1) <= OR_CLAUSES) {
        product = (product / n) * (n + 1);
        taken[i] = n + 1;
        grew = true;
      }
    });
  }
  let clauses: PathAtom[][] = [[]];
  byCost.forEach((r, i) => {
    const next: PathAtom[][] = [];
    for (const partial of clauses) for (const c of r.slice(0, taken[i])) next.push([...partial, ...c]);
    clauses = next;
  });
  return clauses;
}

export function ruleRequirement(rule: DetectionRule, target: LogsourceTarget, options: CompileOptions): Requirement {
  const ofCondition = (cond: FieldCondition): Requirement => {
    const atoms = conditionAtoms(cond, options);
    if (atoms === null) return NONE;
    const path = cond.field === null ? null : eventFieldFor(target, cond.field);
    // Written out rather than spread: spread and given `path`, each atom got a hidden class of its own (52,000 of
    // them for SigmaHQ's rules over the corpus).
    const clauses = atoms.perValue.map((value) =>
      value.map((a): PathAtom => ({ kind: a.kind, needle: a.needle, path })),
    );
    return atoms.all ? clauses : [clauses.flat()];
  };
  const ofSearch = (search: SearchIdentifier): Requirement => {
    switch (search.kind) {
      case "map":
        return and(search.conditions.map(ofCondition));
      case "maps":
        return or(search.maps.map((m) => and(m.map(ofCondition))));
      case "keywords":
        return ofCondition(search.condition);
    }
  };
  // An identifier that names no search never holds: one empty clause.
  const ofName = (name: string): Requirement => {
    const search = rule.searches.get(name);
    return search === undefined ? [[]] : ofSearch(search);
  };
  const ofNode = (node: ConditionNode): Requirement => {
    switch (node.kind) {
      case "and":
        return and(node.operands.map(ofNode));
      case "or":
        return or(node.operands.map(ofNode));
      case "not":
        return NONE;
      case "identifier":
        return ofName(node.name);
      case "of": {
        const names = expandPattern(node.pattern, rule.searches.keys());
        if (names.length === 0) return [[]];
        return node.quantifier === "all" ? and(names.map(ofName)) : or(names.map(ofName));
      }
    }
  };
  // A list of conditions is their OR.
  const [only] = rule.conditions;
  const all = rule.conditions.length === 1 && only !== undefined ? ofNode(only) : or(rule.conditions.map(ofNode));
  return [...all].sort((a, b) => cost(a) - cost(b)).slice(0, MAX_CLAUSES);
}
