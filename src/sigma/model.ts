/**
 * The Sigma rule model (specification 2.1.0): types only. The loader (load.ts) builds it from YAML; the condition
 * parser (condition.ts) turns condition strings into ConditionNode trees; the matcher never sees YAML.
 */

/** Where something stands in a rule file, for messages: 1-based line and column. */
export interface SourcePosition {
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

/**
 * A value as the rule wrote it. `text` is the YAML scalar's source text, so `00000429` stays `00000429` and is not
 * the number 429; `kind` says how YAML typed it (a quoted `"429"` is a string, a bare `429` a number).
 */
export type SigmaValue =
  | { readonly kind: "string"; readonly text: string }
  | { readonly kind: "number"; readonly text: string }
  | { readonly kind: "boolean"; readonly value: boolean; readonly text: string }
  | { readonly kind: "null" };

/** One field of a selection map: `Image|endswith|all: [...]`. `field` is null for keyword lists. */
export interface FieldCondition {
  readonly field: string | null;
  /** Modifiers in the order written (`contains`, `all`, `windash`, …). */
  readonly modifiers: readonly string[];
  /** Several values: OR, or AND with the `all` modifier. An empty list matches nothing. */
  readonly values: readonly SigmaValue[];
  readonly position: SourcePosition;
}

/**
 * A search identifier of the detection section: a map (every field condition holds), a list of maps (any map
 * holds), or a list of plain values (keywords: any value occurs anywhere in the event).
 */
export type SearchIdentifier =
  | { readonly kind: "map"; readonly conditions: readonly FieldCondition[] }
  | { readonly kind: "maps"; readonly maps: readonly (readonly FieldCondition[])[] }
  | { readonly kind: "keywords"; readonly condition: FieldCondition };

/** Condition grammar (spec "Condition"): precedence `not` > `and` > `or`; `x of` quantifiers over identifiers. */
export type ConditionNode =
  | { readonly kind: "and"; readonly operands: readonly ConditionNode[] }
  | { readonly kind: "or"; readonly operands: readonly ConditionNode[] }
  | { readonly kind: "not"; readonly operand: ConditionNode }
  | { readonly kind: "identifier"; readonly name: string }
  /** `1 of sel*`, `all of them`, `any of filter_*`: `pattern` is `them` or a name with `*` wildcards. */
  | { readonly kind: "of"; readonly quantifier: "one" | "all"; readonly pattern: string };

export interface LogSource {
  readonly product?: string;
  readonly category?: string;
  readonly service?: string;
  readonly definition?: string;
}

/** Metadata every rule kind shares. */
export interface RuleMeta {
  readonly id?: string;
  readonly name?: string;
  readonly title: string;
  readonly status?: string;
  readonly description?: string;
  readonly references: readonly string[];
  readonly author?: string;
  readonly date?: string;
  readonly modified?: string;
  readonly tags: readonly string[];
  readonly level?: "informational" | "low" | "medium" | "high" | "critical";
  readonly falsepositives: readonly string[];
  readonly fields: readonly string[];
  readonly file: string;
  readonly position: SourcePosition;
}

export interface DetectionRule extends RuleMeta {
  readonly kind: "detection";
  readonly logsource: LogSource;
  readonly searches: ReadonlyMap<string, SearchIdentifier>;
  /** One or more conditions (a list of conditions is an OR of them), parsed. */
  readonly conditions: readonly ConditionNode[];
  readonly conditionText: readonly string[];
}

export type CorrelationType =
  | "event_count"
  | "value_count"
  | "temporal"
  | "temporal_ordered"
  | "value_sum"
  | "value_avg"
  | "value_percentile";

export type CorrelationOperator = "gt" | "gte" | "lt" | "lte" | "eq" | "neq";

/** `gte: 10`, `lt: 3`… (several keys: all must hold, a range) and for value_* the field they apply to. */
export interface CorrelationCondition {
  readonly bounds: readonly { readonly operator: CorrelationOperator; readonly value: number }[];
  readonly field?: string;
  /** value_percentile: which percentile of the field's numeric values the bounds apply to. */
  readonly percentile?: number;
}

export interface CorrelationRule extends RuleMeta {
  readonly kind: "correlation";
  readonly type: CorrelationType;
  /** Rule ids or names the correlation is over. */
  readonly rules: readonly string[];
  readonly groupBy: readonly string[];
  /** Sliding window length in milliseconds. */
  readonly timespanMs: number;
  readonly condition?: CorrelationCondition;
  /** Field aliases: alias name to, per rule id or name, the field in that rule's events. */
  readonly aliases: ReadonlyMap<string, ReadonlyMap<string, string>>;
  /** `generate: true`: the referenced rules also report their own matches. */
  readonly generate: boolean;
}

export interface FilterRule extends RuleMeta {
  readonly kind: "filter";
  readonly logsource: LogSource;
  /** Rule ids or names the filter applies to. */
  readonly rules: readonly string[];
  readonly searches: ReadonlyMap<string, SearchIdentifier>;
  readonly conditions: readonly ConditionNode[];
  readonly conditionText: readonly string[];
}

export type SigmaRule = DetectionRule | CorrelationRule | FilterRule;

/** A rule the loader could not use, with the reason: never dropped silently. */
export interface RuleProblem {
  readonly file: string;
  readonly id?: string;
  readonly title?: string;
  readonly position?: SourcePosition;
  /** `invalid`: not valid Sigma. `unsupported`: valid, but uses something Vigil cannot run (the reason says what). */
  readonly severity: "invalid" | "unsupported";
  readonly reason: string;
}
