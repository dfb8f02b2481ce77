/**
 * The compiled matcher: all rules in one structure, so that an event costs little more with thousands of rules than
 * with a hundred.
 * 1. Dispatch on (channel, EventID): an event meets only the rules whose log source covers it; a Sysmon
 *    process-creation event never meets the registry, Security or PowerShell rules.
 * 2. Per-field prefilters within that set (prefilter.ts): each rule's atoms are indexed by the event field they
 *    read; all their texts (exact values and substring needles) go into one Aho-Corasick automaton per field, and
 *    an occurrence counts by its place (anywhere, at the start, at the end, or the whole text). Each field is read
 *    and scanned once per event, whatever the number of rules, folding ASCII case on the fly.
 * 3. Full evaluation (rule-eval.ts, shared with the reference evaluator) only for the rules whose atoms fired, plus
 *    the few without a prefilter (pure negations, regex-only selections).
 * The per-(channel, EventID) structures are built on the first event with that key, or read back from a bucket store
 * (bucket-store.ts) that an earlier hunt with the same rules wrote.
 */
import { createHash } from "node:crypto";
import type { FieldValue, FieldView } from "../../evtx/types.js";
import {
  appliesTo,
  type LogsourceTarget,
  layoutReadsThroughFallback,
  readEventPath,
  readsThroughFallback,
} from "../logsources.js";
import type { DetectionRule, RuleProblem } from "../model.js";
import type { CompileOptions } from "../modifiers/index.js";
import { textOf } from "../modifiers/strings.js";
import {
  type CompileOutcome,
  eventKey,
  type MatcherOptions,
  matchesRule,
  type PreparedRule,
  prepareRules,
} from "../rule-eval.js";
import { AhoCorasick, type AutomatonTables } from "./aho-corasick.js";
import type { BucketStore, StoredBucket, StoredField } from "./bucket-store.js";
import { type PathAtom, type Requirement, ruleRequirement } from "./prefilter.js";

/** Key for a channel (lower-cased) and an EventID (or its text), or `*` for every EventID of the channel. */
function dispatchKey(channel: string, eventId: number | string): string {
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
  /**
   * The buckets again, by the event's Channel as written and its EventID value: found with no new string, where the
   * dispatch key took a lower-cased copy of the channel and a text of the EventID on every event. Cleared with
   * `buckets`, and bounded like them.
   */
  private readonly byEvent = new Map<string, Map<number | string, Bucket>>();
  private byEventSize = 0;
  private readonly automata: AutomatonCache;
  private readonly store: BucketStore | undefined;
  private readonly compiled: CompileOutcome;
  /** Buckets built here, and read back from the store, since the matcher was made. */
  bucketsBuilt = 0;
  bucketsRestored = 0;

  /** `store`: buckets an earlier hunt with the same rules built, and where to keep those built here (`persist`). */
  constructor(rules: readonly DetectionRule[], options: MatcherOptions = {}, store?: BucketStore) {
    this.options = options;
    this.store = store;
    this.automata = new AutomatonCache(store);
    // With a store that knows which rules cannot compile, the others are compiled as buckets first need them.
    ({
      prepared: this.prepared,
      problems: this.problems,
      outcome: this.compiled,
    } = prepareRules(rules, options, store?.compiled));
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
    const channel = fields.get("System.Channel");
    const id = fields.get("System.EventID");
    const known = typeof channel === "string" && (typeof id === "number" || typeof id === "string");
    if (known) {
      const bucket = this.byEvent.get(channel)?.get(id);
      if (bucket !== undefined) return bucket.match(fields);
    }
    const key = eventKey(fields);
    if (key === null) return [];
    // Keyed by the EventID's text, which the bucket's prefilters take as known.
    const k = dispatchKey(key.channel, key.eventIdText);
    let bucket = this.buckets.get(k);
    if (bucket === undefined) {
      if (this.buckets.size >= MAX_BUCKETS) {
        this.buckets.clear();
        this.automata.clear();
        this.byEvent.clear();
        this.byEventSize = 0;
      }
      bucket = this.restoreBucket(k) ?? this.buildBucket(key.channel, key.eventId, key.eventIdText);
      this.buckets.set(k, bucket);
    }
    if (known) {
      // Spellings of one key (`4688`, `"4688"`) each get an entry: they are bounded as the buckets are.
      if (this.byEventSize >= MAX_BUCKETS) {
        this.byEvent.clear();
        this.byEventSize = 0;
      }
      let ids = this.byEvent.get(channel);
      if (ids === undefined) {
        ids = new Map();
        this.byEvent.set(channel, ids);
      }
      ids.set(id, bucket);
      this.byEventSize++;
    }
    return bucket.match(fields);
  }

  /** Requirements by rule and target, shared by the buckets (a Security rule is in every Security EventID's). */
  private readonly requirements = new Map<PreparedRule, Map<LogsourceTarget, Requirement>>();

  private requirement({ prepared, target }: BucketRule): Requirement {
    let byTarget = this.requirements.get(prepared);
    if (byTarget === undefined) {
      byTarget = new Map();
      this.requirements.set(prepared, byTarget);
    }
    let r = byTarget.get(target);
    if (r === undefined) {
      r = ruleRequirement(prepared.rule, target, this.options);
      byTarget.set(target, r);
    }
    return r;
  }

  private buildBucket(channel: string, eventId: number, eventIdText: string): Bucket {
    const specific = this.index.get(dispatchKey(channel, eventId));
    const whole = this.index.get(dispatchKey(channel, "*"));
    const rules: BucketRule[] = [];
    for (const i of mergeSorted(mergeSorted(specific, whole), this.anyChannel)) {
      const prepared = this.prepared[i] as PreparedRule;
      // The first of the rule's targets that applies, exactly as the reference picks it.
      const target = appliesTo(prepared.targets, channel, eventId);
      if (target !== undefined) rules.push({ prepared, target });
    }
    const known = new Map([
      ["System.Channel", channel.toLowerCase()],
      ["System.EventID", eventIdText.toLowerCase()],
    ]);
    this.bucketsBuilt++;
    return Bucket.build(rules, (rule) => this.requirement(rule), known, this.automata);
  }

  /** The store's bucket for a dispatch key, if it has one that checks out against these rules. */
  private restoreBucket(key: string): Bucket | undefined {
    const stored = this.store?.bucket(key);
    if (stored === undefined) return undefined;
    const bucket = Bucket.restore(stored, this.prepared, this.automata);
    if (bucket !== undefined) this.bucketsRestored++;
    return bucket;
  }

  /**
   * Writes the store anew when buckets were built here: those built or read back, plus the store's others (kinds of
   * event this hunt did not meet), up to MAX_BUCKETS. Nothing to do without a store, or when every bucket came from it.
   */
  persist(): void {
    const store = this.store;
    if (store === undefined || this.bucketsBuilt === 0) return;
    const ruleIndex = new Map(this.prepared.map((p, i) => [p, i]));
    const buckets = new Map<string, StoredBucket>();
    for (const [key, bucket] of this.buckets) buckets.set(key, bucket.stored(ruleIndex));
    for (const key of store.keys()) {
      if (buckets.size >= MAX_BUCKETS) break;
      if (!buckets.has(key)) buckets.set(key, store.bucket(key) as StoredBucket);
    }
    const automata = new Map<string, AutomatonTables>();
    for (const [key, bucket] of buckets) {
      for (const field of [...bucket.fields, ...(bucket.keywords === null ? [] : [bucket.keywords])]) {
        if (field.automaton === null || automata.has(field.automaton)) continue;
        const tables = this.automata.tables(field.automaton);
        if (tables === undefined) buckets.delete(key);
        else automata.set(field.automaton, tables);
      }
    }
    store.save(buckets, automata, this.compiled);
  }
}

interface BucketRule {
  readonly prepared: PreparedRule;
  readonly target: LogsourceTarget;
}

/** Where an occurrence of a needle must lie for an atom to hold: the order of a needle's lists in `entries`. */
const EXACT = 0;
const START = 1;
const END = 2;
const ANYWHERE = 3;
const PLACES = 4;

const PLACE_OF: Readonly<Record<PathAtom["kind"], number>> = {
  exact: EXACT,
  startswith: START,
  endswith: END,
  contains: ANYWHERE,
};

/**
 * The atoms of one event field, over the rules of one bucket. An atom's entries are `rule << 5 | clause`: the
 * rule's position in the bucket and the index of the clause the atom belongs to.
 */
class FieldPrefilter {
  /** The event (bucket generation) in which the field was last met among an event's entries. */
  seenIn = 0;
  /** Entries of `''` exact atoms (the field is empty): built in `empty`, sealed in `emptyEntries`. */
  private readonly empty: number[] = [];
  emptyEntries: Int32Array = new Int32Array(0);
  /** While the bucket is built: per needle, its atoms as `entry * PLACES + place`. */
  private readonly needles = new Map<string, number[]>();
  automaton: AhoCorasick | null = null;
  /** The automaton's key in the AutomatonCache, to store it (null with the automaton). */
  automatonKey: string | null = null;
  /**
   * The entries to mark per needle id of the automaton and place: those of needle n at place p are
   * `entries[offsets[n * PLACES + p] .. offsets[n * PLACES + p + 1])`. Two typed arrays rather than four lists per
   * needle: a corpus's buckets held 600,000 small arrays, a third of the hunt's live heap.
   */
  offsets: Int32Array = new Int32Array(1);
  entries: Int32Array = new Int32Array(0);

  constructor(readonly path: string | null) {}

  add(atom: PathAtom, entry: number): void {
    if (atom.needle === "") {
      // Only exact atoms are empty (an empty substring would match anything, and prefilter.ts gives none).
      if (!this.empty.includes(entry)) this.empty.push(entry);
      return;
    }
    let codes = this.needles.get(atom.needle);
    if (codes === undefined) {
      codes = [];
      this.needles.set(atom.needle, codes);
    }
    const code = entry * PLACES + PLACE_OF[atom.kind];
    if (!codes.includes(code)) codes.push(code);
  }

  /**
   * Builds the automaton, or takes the one another bucket built over the same needles (a rule set gives the same
   * field needles to many (channel, EventID) keys: the corpus's 666 buckets need only 302 distinct automata).
   * Needle ids follow the sorted needles, so a shared automaton's ids mean the same needles in every bucket.
   */
  seal(automata: AutomatonCache): void {
    this.emptyEntries = Int32Array.from(this.empty);
    if (this.needles.size === 0) return;
    const needles = [...this.needles.keys()].sort();
    this.automatonKey = AutomatonCache.keyOf(needles);
    this.automaton = automata.get(this.automatonKey, needles);
    const offsets = new Int32Array(needles.length * PLACES + 1);
    let total = 0;
    needles.forEach((needle, n) => {
      for (const code of this.needles.get(needle) as number[]) {
        const slot = n * PLACES + (code % PLACES) + 1;
        offsets[slot] = (offsets[slot] as number) + 1;
        total++;
      }
    });
    for (let i = 1; i < offsets.length; i++) offsets[i] = (offsets[i] as number) + (offsets[i - 1] as number);
    const entries = new Int32Array(total);
    const fill = offsets.slice(0, offsets.length - 1);
    needles.forEach((needle, n) => {
      for (const code of this.needles.get(needle) as number[]) {
        const slot = n * PLACES + (code % PLACES);
        entries[fill[slot] as number] = Math.floor(code / PLACES);
        fill[slot] = (fill[slot] as number) + 1;
      }
    });
    this.offsets = offsets;
    this.entries = entries;
    this.needles.clear();
  }

  stored(): StoredField {
    return {
      path: this.path,
      automaton: this.automatonKey,
      empty: this.emptyEntries,
      offsets: this.offsets,
      entries: this.entries,
    };
  }

  /**
   * A sealed prefilter from a store, for a bucket of `rules` rules; undefined when it does not check out: every
   * needle's entries inside `entries`, every entry naming a rule of the bucket (so a scan never reads out of bounds).
   */
  static restore(stored: StoredField, rules: number, automata: AutomatonCache): FieldPrefilter | undefined {
    const { path, automaton: key, empty, offsets, entries } = stored;
    if (path !== null && typeof path !== "string") return undefined;
    if (![empty, offsets, entries].every((a) => a instanceof Int32Array)) return undefined;
    const automaton = key === null ? null : automata.byKey(key);
    if (automaton === undefined) return undefined;
    if (offsets.length !== (automaton === null ? 0 : automaton.size) * PLACES + 1 || offsets[0] !== 0) return undefined;
    for (let i = 1; i < offsets.length; i++) if ((offsets[i] as number) < (offsets[i - 1] as number)) return undefined;
    if (offsets[offsets.length - 1] !== entries.length) return undefined;
    for (const list of [empty, entries]) for (const e of list) if (e < 0 || e >>> 5 >= rules) return undefined;
    const field = new FieldPrefilter(path);
    field.emptyEntries = empty;
    field.automaton = automaton;
    field.automatonKey = key;
    field.offsets = offsets;
    field.entries = entries;
    return field;
  }
}

/**
 * Automata by needle set, shared by the buckets of one matcher, and by those it reads back from a store: a needle
 * set's key is a hash of its needles, the same in every hunt.
 */
class AutomatonCache {
  private readonly made = new Map<string, AhoCorasick>();

  constructor(private readonly store: BucketStore | undefined) {}

  /** `needles`: distinct, sorted. Length-prefixed, so that no two needle lists share a key whatever they hold. */
  static keyOf(needles: readonly string[]): string {
    return createHash("sha256")
      .update(needles.map((n) => `${n.length}:${n}`).join(""))
      .digest("base64");
  }

  /** The automaton of `needles` (whose key is `key`): already made, read back from the store, or built. */
  get(key: string, needles: readonly string[]): AhoCorasick {
    let automaton = this.byKey(key);
    if (automaton === undefined) {
      automaton = new AhoCorasick(needles);
      this.made.set(key, automaton);
    }
    return automaton;
  }

  /** An automaton already made, or read back from the store; undefined when neither has it (or the store's is bad). */
  byKey(key: string): AhoCorasick | undefined {
    let automaton = this.made.get(key);
    if (automaton === undefined) {
      const tables = this.store?.automaton(key);
      if (tables === undefined) return undefined;
      try {
        automaton = new AhoCorasick(tables);
      } catch {
        return undefined;
      }
      this.made.set(key, automaton);
    }
    return automaton;
  }

  /** The tables of an automaton made here or held by the store, to store them. */
  tables(key: string): AutomatonTables | undefined {
    return this.made.get(key)?.tables() ?? this.store?.automaton(key);
  }

  clear(): void {
    this.made.clear();
  }
}

/** Whether an atom holds on a known lower-cased text (undefined: not known). */
function holds(atom: PathAtom, text: string | undefined): boolean {
  if (text === undefined) return false;
  switch (atom.kind) {
    case "exact":
      return text === atom.needle;
    case "contains":
      return text.includes(atom.needle);
    case "startswith":
      return text.startsWith(atom.needle);
    case "endswith":
      return text.endsWith(atom.needle);
  }
}

/** A bucket's prefilters: what Bucket.build derives from the rules, and a store gives back. */
interface BucketParts {
  /** Rules without a prefilter, ascending. */
  readonly always: readonly number[];
  /** Per rule: the mask of all its clauses (0: the rule can never match these events). */
  readonly full: Uint32Array;
  /** Prefilters of named fields, by event path; each also holds the keyword atoms (they look at every value). */
  readonly byPath: ReadonlyMap<string, FieldPrefilter>;
  /** The keyword atoms alone, for values of fields no rule names; null when no rule has keywords. */
  readonly keywords: FieldPrefilter | null;
}

/** The rules that apply to one (channel, EventID), with their prefilters. */
class Bucket {
  private readonly always: readonly number[];
  private readonly byPath: ReadonlyMap<string, FieldPrefilter>;
  private readonly keywords: FieldPrefilter | null;
  /** Per rule: the mask of all its clauses; the clauses fired so far in this event; the event that mask is for. */
  private readonly full: Uint32Array;
  private readonly fired: Uint32Array;
  private readonly firedIn: Uint32Array;
  private generation = 0;
  private readonly candidates: number[] = [];
  /** What to scan each field of a layout with (FieldView.layout), worked out once per layout. */
  private readonly plans = new WeakMap<readonly string[], LayoutPlan>();

  private constructor(
    private readonly rules: readonly BucketRule[],
    parts: BucketParts,
  ) {
    ({ always: this.always, full: this.full, byPath: this.byPath, keywords: this.keywords } = parts);
    this.fired = new Uint32Array(rules.length);
    this.firedIn = new Uint32Array(rules.length);
  }

  /**
   * `known`: the lower-cased texts of the fields every event of the bucket has (channel and EventID), so atoms over
   * them are decided here, once: a clause with one that holds is always satisfied and dropped; atoms that cannot
   * hold are dropped from their clause, and a clause left empty means the rule can never match these events (a
   * Security rule for 4624 in the 5145 bucket).
   */
  static build(
    rules: readonly BucketRule[],
    requirement: (rule: BucketRule) => Requirement,
    known: ReadonlyMap<string, string>,
    automata: AutomatonCache,
  ): Bucket {
    const always: number[] = [];
    const full = new Uint32Array(rules.length);
    const byPath = new Map<string, FieldPrefilter>();
    let keywords: FieldPrefilter | null = null;
    const keywordAtoms: [PathAtom, number][] = [];
    rules.forEach((rule, position) => {
      const clauses: PathAtom[][] = [];
      for (const clause of requirement(rule)) {
        const open = clause.filter((a) => a.path === null || !known.has(a.path));
        const satisfied = clause.some((a) => a.path !== null && holds(a, known.get(a.path)));
        if (!satisfied) clauses.push(open);
      }
      if (clauses.length === 0) {
        always.push(position);
        return;
      }
      // A rule with an empty clause can never match: it is never a candidate.
      if (clauses.some((c) => c.length === 0)) return;
      full[position] = clauses.length === 32 ? 0xffffffff : (1 << clauses.length) - 1;
      clauses.forEach((clause, index) => {
        for (const atom of clause) {
          const entry = (position << 5) | index;
          if (atom.path === null) {
            keywordAtoms.push([atom, entry]);
            continue;
          }
          let field = byPath.get(atom.path);
          if (field === undefined) {
            field = new FieldPrefilter(atom.path);
            byPath.set(atom.path, field);
          }
          field.add(atom, entry);
        }
      });
    });
    if (keywordAtoms.length > 0) {
      keywords = new FieldPrefilter(null);
      for (const field of [keywords, ...byPath.values()]) {
        for (const [atom, entry] of keywordAtoms) field.add(atom, entry);
      }
    }
    keywords?.seal(automata);
    for (const field of byPath.values()) field.seal(automata);
    return new Bucket(rules, { always, full, byPath, keywords });
  }

  /** A bucket from a store, over these prepared rules; undefined when it does not check out against them. */
  static restore(
    stored: StoredBucket,
    prepared: readonly PreparedRule[],
    automata: AutomatonCache,
  ): Bucket | undefined {
    const { rules: ruleIndexes, targets, always, full, fields, keywords } = stored;
    const typed =
      ruleIndexes instanceof Int32Array &&
      targets instanceof Int32Array &&
      always instanceof Int32Array &&
      full instanceof Uint32Array &&
      Array.isArray(fields);
    if (!typed || targets.length !== ruleIndexes.length || full.length !== ruleIndexes.length) return undefined;
    const rules: BucketRule[] = [];
    for (let i = 0; i < ruleIndexes.length; i++) {
      const rule = prepared[ruleIndexes[i] as number];
      const target = rule?.targets[targets[i] as number];
      if (rule === undefined || target === undefined) return undefined;
      rules.push({ prepared: rule, target });
    }
    for (let i = 0; i < always.length; i++) {
      const position = always[i] as number;
      if (position < 0 || position >= rules.length || (i > 0 && position <= (always[i - 1] as number))) {
        return undefined;
      }
    }
    const byPath = new Map<string, FieldPrefilter>();
    for (const f of fields) {
      const field = FieldPrefilter.restore(f, rules.length, automata);
      if (field === undefined || field.path === null) return undefined;
      byPath.set(field.path, field);
    }
    let keywordField: FieldPrefilter | null = null;
    if (keywords !== null) {
      const field = FieldPrefilter.restore(keywords, rules.length, automata);
      if (field === undefined || field.path !== null) return undefined;
      keywordField = field;
    }
    return new Bucket(rules, { always: [...always], full, byPath, keywords: keywordField });
  }

  /** The bucket as a store keeps it; `ruleIndex`: a prepared rule's place in the matcher's load order. */
  stored(ruleIndex: ReadonlyMap<PreparedRule, number>): StoredBucket {
    return {
      rules: Int32Array.from(this.rules, (r) => ruleIndex.get(r.prepared) as number),
      targets: Int32Array.from(this.rules, (r) => r.prepared.targets.indexOf(r.target)),
      always: Int32Array.from(this.always),
      full: this.full,
      fields: [...this.byPath.values()].map((f) => f.stored()),
      keywords: this.keywords?.stored() ?? null,
    };
  }

  match(fields: FieldView): DetectionRule[] {
    this.generation = (this.generation + 1) >>> 0;
    if (this.generation === 0) {
      this.firedIn.fill(0);
      this.generation = 1;
    }
    // One list for every event, emptied (a new one per event, and a comparator per sort, were garbage per event).
    const candidates = this.candidates;
    candidates.length = 0;
    this.scanFields(fields);
    const hits: DetectionRule[] = [];
    for (const position of mergeSorted(candidates.sort(ascending), this.always)) {
      const { prepared, target } = this.rules[position] as BucketRule;
      if (matchesRule(prepared, target, fields)) hits.push(prepared.rule);
    }
    return hits;
  }

  /**
   * One pass over the event's fields: each value is scanned once, by its field's automaton (which carries the
   * keyword needles too) or by the keyword automaton. A named field the event lacks under its own path may still be
   * read through `readEventPath`'s fallbacks (a UserData leaf, a name with spaces): those are looked up afterwards,
   * only when the event has such fields at all. An EVTX record of a compiled shape gives its layout, and the scan
   * takes what to do with each of its fields from a plan made once per layout, with no lookup per field: in a
   * profile of the corpus three times over, the lookup and the fallback test took half of the per-field work.
   */
  private scanFields(fields: FieldView): void {
    const { byPath, keywords, generation } = this;
    if (byPath.size === 0 && keywords === null) return;
    const layout = fields.layout?.() ?? null;
    if (layout !== null && fields.layoutValues !== undefined) {
      const plan = this.planFor(layout);
      const { scanners } = plan;
      const values = fields.layoutValues();
      for (let i = 0; i < scanners.length; i++) {
        const scanner = scanners[i];
        if (scanner !== null && scanner !== undefined) this.scanValue(scanner, values[i] as FieldValue);
      }
      for (const field of plan.fallbackFields) {
        const value = readEventPath(field.path as string, fields);
        if (value !== undefined) this.scanValue(field, value);
      }
      return;
    }
    let fallbacks = false;
    fields.forEach((value, path) => {
      const field = byPath.get(path);
      if (field !== undefined) {
        field.seenIn = generation;
        this.scanValue(field, value);
      } else if (keywords !== null) {
        this.scanValue(keywords, value);
      }
      if (!fallbacks && readsThroughFallback(path)) fallbacks = true;
    });
    if (!fallbacks) return;
    for (const [path, field] of byPath) {
      if (field.seenIn === generation) continue;
      const value = readEventPath(path, fields);
      if (value !== undefined) this.scanValue(field, value);
    }
  }

  /**
   * The scan of a layout as scanFields does it field by field: each path's prefilter (or the keyword one), and the
   * named fields to look up through the fallbacks afterwards.
   */
  private planFor(layout: readonly string[]): LayoutPlan {
    let plan = this.plans.get(layout);
    if (plan !== undefined) return plan;
    const scanners = layout.map((path) => this.byPath.get(path) ?? this.keywords);
    const present = new Set(layout);
    const fallbackFields = layoutReadsThroughFallback(layout)
      ? [...this.byPath].filter(([path]) => !present.has(path)).map(([, field]) => field)
      : [];
    plan = { scanners, fallbackFields };
    this.plans.set(layout, plan);
    return plan;
  }

  private scanValue(field: FieldPrefilter, value: FieldValue): void {
    // Most values are strings: taken as they are, before the checks for other types.
    let raw: string;
    if (typeof value === "string") {
      raw = value;
    } else if (typeof value === "number" || typeof value === "bigint") {
      // A third of the values scanned are numbers (ids, flags, counts), and most automata have no needle that a
      // number's text could hold: then it is neither turned into text nor scanned.
      if (field.automaton === null || !field.automaton.matchesNumbers) return;
      raw = String(value);
    } else if (Array.isArray(value)) {
      for (const element of value) this.scanValue(field, element as FieldValue);
      return;
    } else {
      const text = textOf(value);
      if (text === null) return;
      raw = text;
    }
    if (raw.length === 0) {
      this.mark(field.emptyEntries, 0, field.emptyEntries.length);
      return;
    }
    const automaton = field.automaton;
    if (automaton === null) return;
    // Most log text is ASCII: scanned as it is, folding case on the fly. Otherwise (the lower case of non-ASCII
    // text may even differ in length) the lower-cased copy is scanned.
    let length = raw.length;
    let found = automaton.scanAscii(raw);
    if (found < 0) {
      const text = raw.toLowerCase();
      length = text.length;
      found = automaton.scan(text);
    }
    const { matchNeedle, matchStart } = automaton;
    const { offsets, entries } = field;
    for (let k = 0; k < found; k++) {
      const needle = matchNeedle[k] as number;
      const start = matchStart[k] as number;
      const atEnd = start + automaton.needleLength(needle) === length;
      const slot = needle * PLACES;
      this.mark(entries, offsets[slot + ANYWHERE] as number, offsets[slot + ANYWHERE + 1] as number);
      if (start === 0) {
        this.mark(entries, offsets[slot + START] as number, offsets[slot + START + 1] as number);
        if (atEnd) this.mark(entries, offsets[slot + EXACT] as number, offsets[slot + EXACT + 1] as number);
      }
      if (atEnd) this.mark(entries, offsets[slot + END] as number, offsets[slot + END + 1] as number);
    }
  }

  /** Records fired clauses (`entries[from..to)`); a rule becomes a candidate when the last of its clauses fires. */
  private mark(entries: Int32Array, from: number, to: number): void {
    const { full, fired, firedIn, generation } = this;
    for (let i = from; i < to; i++) {
      const entry = entries[i] as number;
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

/** See Bucket.planFor. */
interface LayoutPlan {
  readonly scanners: readonly (FieldPrefilter | null)[];
  readonly fallbackFields: readonly FieldPrefilter[];
}

const NONE: readonly number[] = [];

const ascending = (a: number, b: number): number => a - b;

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
