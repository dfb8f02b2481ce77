/**
 * A loaded rule as the rule cache keeps it: what loading a rule set needs at once (kind, names, level, tags, log
 * source, file and position) as plain data, and its body (searches, conditions, references, false positives) as V8
 * serialization, read back only when something first asks for it.
 *
 * A hunt compiles a rule when an event first reaches it: over the whole regression corpus, 573 of SigmaHQ's 2,867
 * Windows rules. Reading every body back when the cache was opened took 130-160 ms of each hunt's start (the bodies
 * are 5.7 of the cache's 11.7 MB), against 10-70 ms for everything else in it.
 */
import { deserialize, serialize } from "node:v8";
import type { DetectionRule, FilterRule, SigmaRule } from "./model.js";

/** The parts of a detection or filter rule kept as bytes. */
interface RuleBody {
  readonly searches: DetectionRule["searches"];
  readonly conditions: DetectionRule["conditions"];
  readonly conditionText: DetectionRule["conditionText"];
  readonly references: DetectionRule["references"];
  readonly falsepositives: DetectionRule["falsepositives"];
}

type BodyKey = keyof RuleBody;
const BODY_KEYS: readonly BodyKey[] = ["searches", "conditions", "conditionText", "references", "falsepositives"];
type RuleHead = Omit<DetectionRule, BodyKey> | Omit<FilterRule, BodyKey>;

export type StoredRule =
  | { readonly head: RuleHead; readonly body: Uint8Array }
  /** Correlations are few and small: kept whole. */
  | { readonly head: SigmaRule; readonly body: null };

/** On a revived rule (not enumerable): the bytes it was revived from, and its body once read. */
const BYTES = Symbol("bytes");
const BODY = Symbol("body");

type Revived = { readonly [BYTES]: Uint8Array; [BODY]: RuleBody | undefined };

/** A revived rule gives back the bytes it was revived from, whether or not its body has been read since. */
export function storedRule(rule: SigmaRule): StoredRule {
  if (rule.kind === "correlation") return { head: rule, body: null };
  const bytes = (rule as Partial<Revived>)[BYTES];
  if (bytes !== undefined) {
    const head: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(Object.getOwnPropertyDescriptors(rule))) {
      if (!(BODY_KEYS as readonly string[]).includes(key)) head[key] = value.value;
    }
    return { head: head as RuleHead, body: bytes };
  }
  const { searches, conditions, conditionText, references, falsepositives, ...head } = rule;
  const body: RuleBody = { searches, conditions, conditionText, references, falsepositives };
  return { head, body: serialize(body) };
}

function bodyOf(rule: Revived): RuleBody {
  let body = rule[BODY];
  if (body === undefined) {
    body = deserialize(rule[BYTES]) as RuleBody;
    rule[BODY] = body;
  }
  return body;
}

/**
 * Own enumerable getters, shared by every revived rule: a spread, a comparison or a serialization of the rule reads
 * the body like any other property. (A getter closure per rule and a copy of the head into a new object took 70-80
 * ms for SigmaHQ's rules, as long as reading the whole bodies; these on a copy of the head, about 25 ms.)
 */
const BODY_PROPERTIES: PropertyDescriptorMap = Object.fromEntries(
  BODY_KEYS.map((key) => [
    key,
    {
      get(this: Revived) {
        return bodyOf(this)[key];
      },
      enumerable: true,
    },
  ]),
);

/**
 * The rule again, its body read from the bytes on first use. The bytes are not checked here: the cache file they
 * came from was checked whole (rule-cache.ts), and they are what `storedRule` wrote. The stored form is left as it
 * was, to be written again as it is. (Object.assign: a spread of the head took four times as long.)
 */
export function revivedRule(stored: StoredRule): SigmaRule {
  if (stored.body === null) return stored.head;
  const rule = Object.assign({}, stored.head);
  Object.defineProperty(rule, BYTES, { value: stored.body, enumerable: false });
  Object.defineProperty(rule, BODY, { value: undefined, writable: true, enumerable: false });
  return Object.defineProperties(rule, BODY_PROPERTIES) as SigmaRule;
}
