/**
 * The compiled matcher, first stage: all rules indexed by the (channel, EventID) their log sources cover, so an
 * event is checked only against the rules that can apply to it; a Sysmon process-creation event never meets the
 * hundreds of registry, Security or PowerShell rules. Per-field prefilters (exact values in hash maps, substring
 * needles in one automaton per field) are the next stage.
 */
import type { FieldView } from "../../evtx/types.js";
import { appliesTo } from "../logsources.js";
import type { DetectionRule, RuleProblem } from "../model.js";
import type { CompileOptions } from "../modifiers/index.js";
import { eventKey, matchesRule, type PreparedRule, prepareRules } from "../rule-eval.js";

/** Key for a channel (lower-cased) and an EventID, or `*` for every EventID of the channel. */
function dispatchKey(channel: string, eventId: number | "*"): string {
  return `${channel.toLowerCase()}\u0000${eventId}`;
}

export class CompiledMatcher {
  readonly problems: RuleProblem[];
  private readonly prepared: PreparedRule[];
  /** Rule indexes (load order) by dispatch key. */
  private readonly index = new Map<string, number[]>();
  /** Rules whose log source names no channel (`product: windows` alone): checked on every event. */
  private readonly anyChannel: number[] = [];

  constructor(rules: readonly DetectionRule[], options: CompileOptions = {}) {
    ({ prepared: this.prepared, problems: this.problems } = prepareRules(rules, options));
    this.prepared.forEach((p, i) => {
      const keys = new Set<string>();
      for (const target of p.targets) {
        if (target.channel === "*") {
          this.anyChannel.push(i);
          return;
        }
        if (target.eventIds === null) keys.add(dispatchKey(target.channel, "*"));
        else for (const id of target.eventIds) keys.add(dispatchKey(target.channel, id));
      }
      for (const key of keys) {
        let list = this.index.get(key);
        if (list === undefined) {
          list = [];
          this.index.set(key, list);
        }
        list.push(i);
      }
    });
  }

  get ruleCount(): number {
    return this.prepared.length;
  }

  /** The rules an event matches, in load order (the order the reference evaluator gives). */
  match(fields: FieldView): DetectionRule[] {
    const key = eventKey(fields);
    if (key === null) return [];
    const specific = this.index.get(dispatchKey(key.channel, key.eventId));
    const whole = this.index.get(dispatchKey(key.channel, "*"));
    const candidates = mergeSorted(mergeSorted(specific, whole), this.anyChannel);
    const hits: DetectionRule[] = [];
    for (const i of candidates) {
      const prepared = this.prepared[i];
      // The first of the rule's targets that applies, exactly as the reference picks it.
      const target = appliesTo(prepared.targets, key.channel, key.eventId);
      if (target !== undefined && matchesRule(prepared, target, fields)) hits.push(prepared.rule);
    }
    return hits;
  }
}

const NONE: readonly number[] = [];

/** Union of two ascending lists, ascending, without repeats. */
function mergeSorted(a: readonly number[] | undefined, b: readonly number[] | undefined): readonly number[] {
  if (a === undefined || a.length === 0) return b ?? NONE;
  if (b === undefined || b.length === 0) return a;
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const x = i < a.length ? a[i] : Number.POSITIVE_INFINITY;
    const y = j < b.length ? b[j] : Number.POSITIVE_INFINITY;
    if (x === y) {
      out.push(x);
      i++;
      j++;
    } else if (x < y) {
      out.push(x);
      i++;
    } else {
      out.push(y);
      j++;
    }
  }
  return out;
}
