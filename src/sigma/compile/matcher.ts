/**
 * The compiled matcher: all rules in one structure, so that an event costs little more with thousands of rules than
 * with a hundred.
 * 1. Dispatch on (channel, EventID): an event meets only the rules whose log source covers it; a Sysmon
 *    process-creation event never meets the registry, Security or PowerShell rules.
 * 2. Per-field prefilters within that set (prefilter.ts): each rule's atoms are indexed by the event field they
 *    read, exact values in a hash map and substring needles in one Aho-Corasick automaton per field. Each field is
 *    read and lower-cased once per event, looked up once and scanned once, whatever the number of rules.
 * 3. Full evaluation (rule-eval.ts, shared with the reference evaluator) only for the rules whose atoms fired, plus
 *    the few without a prefilter (pure negations, regex-only selections).
 * The per-(channel, EventID) structures are built on the first event with that key.
 */
import type { FieldValue, FieldView } from "../../evtx/types.js";
import { appliesTo, type LogsourceTarget, readEventPath } from "../logsources.js";
import type { DetectionRule, RuleProblem } from "../model.js";
import type { CompileOptions } from "../modifiers/index.js";
import { textOf } from "../modifiers/strings.js";
import { eventKey, type MatcherOptions, matchesRule, type PreparedRule, prepareRules } from "../rule-eval.js";
import { AhoCorasick } from "./aho-corasick.js";
import { type PathAtom, ruleRequirement } from "./prefilter.js";

/** Key for a channel (lower-cased) and an EventID, or `*` for every EventID of the channel. */
function dispatchKey(channel: string, eventId: number | "*"): string {
  return `${channel.toLowerCase()}\u0000${eventId}`;
}

/** Beyond this many distinct (channel, EventID) keys, buckets are rebuilt rather than kept (hostile input). */
const MAX_BUCKETS = 4096;

export class CompiledMatcher {
  readonly problems: RuleProblem[];
  private readonly prepared: PreparedRule[];
  private readonly options: CompileOptions;
  /** Rule indexes (load order) by dispatch key. */
  private readonly index = new Map<string, number[]>();
  /** Rules whose log source names no channel (`product: windows` alone): they apply to every event. */
  private readonly anyChannel: number[] = [];
  private readonly buckets = new Map<string, Bucket>();

  constructor(rules: readonly DetectionRule[], options: MatcherOptions = {}) {
    this.options = options;
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
    const k = dispatchKey(key.channel, key.eventId);
    let bucket = this.buckets.get(k);
    if (bucket === undefined) {
      if (this.buckets.size >= MAX_BUCKETS) this.buckets.clear();
      bucket = this.buildBucket(key.channel, key.eventId);
      this.buckets.set(k, bucket);
    }
    return bucket.match(fields);
  }

  private buildBucket(channel: string, eventId: number): Bucket {
    const specific = this.index.get(dispatchKey(channel, eventId));
    const whole = this.index.get(dispatchKey(channel, "*"));
    const rules: BucketRule[] = [];
    for (const i of mergeSorted(mergeSorted(specific, whole), this.anyChannel)) {
      const prepared = this.prepared[i] as PreparedRule;
      // The first of the rule's targets that applies, exactly as the reference picks it.
      const target = appliesTo(prepared.targets, channel, eventId);
      if (target !== undefined) rules.push({ prepared, target });
    }
    return new Bucket(rules, this.options);
  }
}

interface BucketRule {
  readonly prepared: PreparedRule;
  readonly target: LogsourceTarget;
}

/**
 * The atoms of one event field, over the rules of one bucket. An atom's entries are `rule << 5 | clause`: the
 * rule's position in the bucket and the index of the clause the atom belongs to.
 */
class FieldPrefilter {
  readonly exact = new Map<string, number[]>();
  private readonly needles = new Map<string, { contains: number[]; starts: number[]; ends: number[] }>();
  automaton: AhoCorasick | null = null;
  /** Per needle id of the automaton: the entries to mark for an occurrence anywhere, at the start, at the end. */
  contains: number[][] = [];
  starts: number[][] = [];
  ends: number[][] = [];

  constructor(readonly path: string | null) {}

  add(atom: PathAtom, entry: number): void {
    if (atom.kind === "exact") {
      push(this.exact, atom.needle, entry);
      return;
    }
    let lists = this.needles.get(atom.needle);
    if (lists === undefined) {
      lists = { contains: [], starts: [], ends: [] };
      this.needles.set(atom.needle, lists);
    }
    const list = atom.kind === "contains" ? lists.contains : atom.kind === "startswith" ? lists.starts : lists.ends;
    if (!list.includes(entry)) list.push(entry);
  }

  seal(): void {
    if (this.needles.size === 0) return;
    this.automaton = new AhoCorasick([...this.needles.keys()]);
    for (const lists of this.needles.values()) {
      this.contains.push(lists.contains);
      this.starts.push(lists.starts);
      this.ends.push(lists.ends);
    }
    this.needles.clear();
  }
}

function push(map: Map<string, number[]>, key: string, entry: number): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [entry]);
  else if (!list.includes(entry)) list.push(entry);
}

/** The rules that apply to one (channel, EventID), with their prefilters. */
class Bucket {
  private readonly rules: readonly BucketRule[];
  /** Rules without a prefilter, ascending. */
  private readonly always: number[] = [];
  private readonly fields: FieldPrefilter[] = [];
  /** Per rule: the mask of all its clauses; the clauses fired so far in this event; the event that mask is for. */
  private readonly full: Uint32Array;
  private readonly fired: Uint32Array;
  private readonly firedIn: Uint32Array;
  private generation = 0;
  private candidates: number[] = [];

  constructor(rules: readonly BucketRule[], options: CompileOptions) {
    this.rules = rules;
    this.full = new Uint32Array(rules.length);
    this.fired = new Uint32Array(rules.length);
    this.firedIn = new Uint32Array(rules.length);
    const byPath = new Map<string | null, FieldPrefilter>();
    rules.forEach(({ prepared, target }, position) => {
      const clauses = ruleRequirement(prepared.rule, target, options);
      if (clauses.length === 0) {
        this.always.push(position);
        return;
      }
      // A rule with an empty clause can never match: it is never a candidate.
      if (clauses.some((c) => c.length === 0)) return;
      this.full[position] = clauses.length === 32 ? 0xffffffff : (1 << clauses.length) - 1;
      clauses.forEach((clause, index) => {
        for (const atom of clause) {
          let field = byPath.get(atom.path);
          if (field === undefined) {
            field = new FieldPrefilter(atom.path);
            byPath.set(atom.path, field);
            this.fields.push(field);
          }
          field.add(atom, (position << 5) | index);
        }
      });
    });
    for (const field of this.fields) field.seal();
  }

  match(fields: FieldView): DetectionRule[] {
    this.generation = (this.generation + 1) >>> 0;
    if (this.generation === 0) {
      this.firedIn.fill(0);
      this.generation = 1;
    }
    this.candidates = [];
    for (const field of this.fields) {
      if (field.path === null) {
        for (const [, value] of fields.entries()) this.scanValue(field, value);
      } else {
        const value = readEventPath(field.path, fields);
        if (value !== undefined) this.scanValue(field, value);
      }
    }
    const candidates = this.candidates.sort((a, b) => a - b);
    const hits: DetectionRule[] = [];
    let i = 0;
    let j = 0;
    const always = this.always;
    while (i < candidates.length || j < always.length) {
      const a = i < candidates.length ? (candidates[i] as number) : Number.POSITIVE_INFINITY;
      const b = j < always.length ? (always[j] as number) : Number.POSITIVE_INFINITY;
      const position = Math.min(a, b);
      if (a === position) i++;
      if (b === position) j++;
      const { prepared, target } = this.rules[position] as BucketRule;
      if (matchesRule(prepared, target, fields)) hits.push(prepared.rule);
    }
    return hits;
  }

  private scanValue(field: FieldPrefilter, value: FieldValue): void {
    if (Array.isArray(value)) {
      for (const element of value) this.scanValue(field, element as FieldValue);
      return;
    }
    const raw = textOf(value);
    if (raw === null) return;
    const text = raw.toLowerCase();
    const exact = field.exact.get(text);
    if (exact !== undefined) this.mark(exact);
    const automaton = field.automaton;
    if (automaton === null) return;
    const found = automaton.scan(text);
    const { matchNeedle, matchStart } = automaton;
    for (let k = 0; k < found; k++) {
      const needle = matchNeedle[k] as number;
      const start = matchStart[k] as number;
      this.mark(field.contains[needle] as number[]);
      if (start === 0) this.mark(field.starts[needle] as number[]);
      if (start + automaton.needleLength(needle) === text.length) this.mark(field.ends[needle] as number[]);
    }
  }

  /** Records fired clauses; a rule becomes a candidate when the last of its clauses fires. */
  private mark(entries: readonly number[]): void {
    const { full, fired, firedIn, generation } = this;
    for (const entry of entries) {
      const rule = entry >>> 5;
      if (firedIn[rule] !== generation) {
        firedIn[rule] = generation;
        fired[rule] = 0;
      }
      const before = fired[rule] as number;
      const after = (before | (1 << (entry & 31))) >>> 0;
      if (after === before) continue;
      fired[rule] = after;
      if (after === full[rule]) this.candidates.push(rule);
    }
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
