/**
 * Sigma rule files' text (specification 2.1.0) into the rule model: detection, correlation and filter documents,
 * multi-document YAML, values kept as their source text. A rule that cannot be used becomes a RuleProblem with the
 * file, line, column and reason; the parser never throws on a bad file. Only text the rule cache does not hold is
 * parsed: `loadRules` (load.ts) imports this module, and the YAML library with it, when a file needs it.
 */
import {
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  type Pair,
  parseAllDocuments,
  Scalar,
  type YAMLMap,
} from "yaml";
import { ConditionError, conditionReferences, expandPattern, parseCondition } from "./condition.js";
import type {
  ConditionNode,
  CorrelationCondition,
  CorrelationOperator,
  CorrelationRule,
  CorrelationType,
  DetectionRule,
  FieldCondition,
  FilterRule,
  LogSource,
  RuleMeta,
  RuleProblem,
  SearchIdentifier,
  SigmaRule,
  SigmaValue,
  SourcePosition,
} from "./model.js";

/** Value modifiers of the specification (sigma-appendix-modifiers, 2.1.0). */
export const KNOWN_MODIFIERS: ReadonlySet<string> = new Set([
  "contains",
  "startswith",
  "endswith",
  "all",
  "exists",
  "cased",
  "neq",
  "windash",
  "re",
  "i",
  "m",
  "s",
  "base64",
  "base64offset",
  "utf16le",
  "utf16be",
  "utf16",
  "wide",
  "lt",
  "lte",
  "gt",
  "gte",
  "minute",
  "hour",
  "day",
  "week",
  "month",
  "year",
  "cidr",
  "expand",
  "fieldref",
]);

const LEVELS = ["informational", "low", "medium", "high", "critical"] as const;
const CORRELATION_TYPES: readonly CorrelationType[] = [
  "event_count",
  "value_count",
  "temporal",
  "temporal_ordered",
  "value_sum",
  "value_avg",
  "value_percentile",
];
const OPERATORS = ["gt", "gte", "lt", "lte", "eq", "neq"] as const;
const TIMESPAN_UNITS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export interface LoadResult {
  readonly rules: SigmaRule[];
  readonly problems: RuleProblem[];
}

/** Why a document is rejected; thrown inside the builders, caught per document. */
class Reject extends Error {
  readonly position: SourcePosition | undefined;
  constructor(reason: string, position: SourcePosition | undefined) {
    super(reason);
    this.position = position;
  }
}

/** Loads the rules of one file's text (possibly several YAML documents). Never throws. */
export function loadRuleText(text: string, file: string): LoadResult {
  const rules: SigmaRule[] = [];
  const problems: RuleProblem[] = [];
  const lineCounter = new LineCounter();
  let docs: ReturnType<typeof parseAllDocuments>;
  try {
    docs = parseAllDocuments(text, { lineCounter, prettyErrors: false });
  } catch (e) {
    problems.push({ file, severity: "invalid", reason: `YAML: ${e instanceof Error ? e.message : String(e)}` });
    return { rules, problems };
  }
  if (!Array.isArray(docs)) docs = [];
  const at = (offset: number): SourcePosition => {
    const p = lineCounter.linePos(offset);
    return { file, line: p.line, column: p.col };
  };
  const collection = docs.find((d) => isMap(d.contents) && d.contents.has("action"));
  if (collection !== undefined && isMap(collection.contents)) {
    const first = docs.find((d) => isMap(d.contents));
    const id = first && isMap(first.contents) ? first.contents.get("id") : undefined;
    const title = first && isMap(first.contents) ? first.contents.get("title") : undefined;
    const position = at(collection.contents.range?.[0] ?? 0);
    problems.push({
      file,
      ...(typeof id === "string" ? { id } : {}),
      ...(typeof title === "string" ? { title } : {}),
      position,
      severity: "unsupported",
      reason: `Sigma 1 rule collection ('action: ${String(collection.contents.get("action"))}'), not Sigma 2`,
    });
    return { rules, problems };
  }
  for (const doc of docs) {
    const error = doc.errors[0];
    if (error) {
      const position = at(error.pos[0]);
      problems.push({
        file,
        position,
        severity: "invalid",
        reason: `${position.line}:${position.column}: YAML: ${firstLine(error.message)}`,
      });
      continue;
    }
    const contents = doc.contents;
    if (contents === null || (isScalar(contents) && contents.value === null)) continue; // empty document
    const builder = new Builder(file, at);
    try {
      const rule = builder.build(contents);
      if (builder.unsupported.length > 0) {
        problems.push({
          file,
          ...(rule.id === undefined ? {} : { id: rule.id }),
          title: rule.title,
          position: rule.position,
          severity: "unsupported",
          reason: builder.unsupported.join("; "),
        });
      } else {
        rules.push(rule);
      }
    } catch (e) {
      const position = e instanceof Reject ? e.position : undefined;
      const reason = e instanceof Error ? e.message : String(e);
      problems.push({
        file,
        ...(builder.id === undefined ? {} : { id: builder.id }),
        ...(builder.title === undefined ? {} : { title: builder.title }),
        ...(position === undefined ? {} : { position }),
        severity: "invalid",
        reason: position === undefined ? reason : `${position.line}:${position.column}: ${reason}`,
      });
    }
  }
  return { rules, problems };
}

function firstLine(s: string): string {
  return s.split("\n")[0] ?? s;
}

type Located = Node | Pair | null | undefined;

class Builder {
  readonly unsupported: string[] = [];
  id: string | undefined;
  title: string | undefined;

  constructor(
    readonly file: string,
    readonly at: (offset: number) => SourcePosition,
  ) {}

  pos(node: Located, fallback?: SourcePosition): SourcePosition | undefined {
    const n = node !== null && node !== undefined && "key" in node ? (node.key as Node | null) : node;
    const range = n?.range;
    return range ? this.at(range[0]) : fallback;
  }

  reject(reason: string, node: Located): never {
    throw new Reject(reason, this.pos(node));
  }

  build(contents: Node): SigmaRule {
    if (!isMap(contents)) this.reject("a rule document must be a YAML map", contents);
    const top = contents;
    const position = this.pos(top) as SourcePosition;
    const idNode = top.get("id", true);
    if (isScalar(idNode) && idNode.value !== null) this.id = String(idNode.value);
    const titleNode = top.get("title", true);
    if (isScalar(titleNode) && typeof titleNode.value === "string") this.title = titleNode.value;
    for (const pair of top.items) {
      if (!isScalar(pair.key) || typeof pair.key.value !== "string")
        this.reject("top-level keys must be strings", pair);
    }
    const kinds = ["detection", "correlation", "filter"].filter((k) => top.has(k));
    if (kinds.length === 0) {
      this.reject("unknown rule kind: the document has no 'detection', 'correlation' or 'filter' section", top);
    }
    if (kinds.length > 1) this.reject(`a document must have only one of ${kinds.join(", ")}`, top);
    const meta = this.meta(top, position);
    const kind = kinds[0];
    if (kind === "correlation") return this.correlation(top, meta);
    if (kind === "filter") return this.filter(top, meta);
    return this.detection(top, meta);
  }

  meta(top: YAMLMap, position: SourcePosition): RuleMeta {
    const titleNode = top.get("title", true) as Node | undefined;
    if (titleNode === undefined) this.reject("missing 'title'", top);
    if (!isScalar(titleNode) || typeof titleNode.value !== "string" || titleNode.value.trim() === "") {
      this.reject("'title' must be a non-empty string", titleNode);
    }
    const levelText = this.optString(top, "level");
    let level: RuleMeta["level"];
    if (levelText !== undefined) {
      level = LEVELS.find((l) => l === levelText);
      if (level === undefined) {
        this.reject(`'level' must be one of ${LEVELS.join(", ")}, not '${levelText}'`, top.get("level", true) as Node);
      }
    }
    const text = <K extends "id" | "name" | "status" | "description" | "author" | "date" | "modified">(
      key: K,
    ): Partial<Record<K, string>> => {
      const v = this.optString(top, key);
      return v === undefined ? {} : ({ [key]: v } as Record<K, string>);
    };
    return {
      title: titleNode.value,
      references: this.stringList(top, "references"),
      tags: this.stringList(top, "tags"),
      falsepositives: this.stringList(top, "falsepositives"),
      fields: this.stringList(top, "fields"),
      file: this.file,
      position,
      ...text("id"),
      ...text("name"),
      ...text("status"),
      ...text("description"),
      ...text("author"),
      ...text("date"),
      ...text("modified"),
      ...(level === undefined ? {} : { level }),
    };
  }

  /** A scalar field as text (numbers and dates keep their source text); undefined when absent or null. */
  optString(map: YAMLMap, key: string): string | undefined {
    const node = map.get(key, true) as Node | undefined;
    if (node === undefined) return undefined;
    if (!isScalar(node)) this.reject(`'${key}' must be a single value`, node);
    if (node.value === null) return undefined;
    return scalarText(node);
  }

  /** A list of strings, or a single string taken as a one-element list. */
  stringList(map: YAMLMap, key: string): string[] {
    const node = map.get(key, true) as Node | undefined;
    if (node === undefined) return [];
    if (isScalar(node)) return node.value === null ? [] : [scalarText(node)];
    if (!isSeq(node)) this.reject(`'${key}' must be a list of values`, node);
    const out: string[] = [];
    for (const item of node.items) {
      if (!isScalar(item)) this.reject(`'${key}' must be a list of values`, item as Node);
      if (item.value !== null) out.push(scalarText(item));
    }
    return out;
  }

  logsource(top: YAMLMap): LogSource {
    const node = top.get("logsource", true) as Node | undefined;
    if (node === undefined) this.reject("missing 'logsource'", top);
    if (!isMap(node)) this.reject("'logsource' must be a map", node);
    const out: Record<string, string> = {};
    for (const key of ["product", "category", "service", "definition"] as const) {
      const v = this.optString(node, key);
      if (v !== undefined) out[key] = v;
    }
    return out;
  }

  /** The search identifiers and conditions of a detection (or filter) section. */
  searches(
    section: YAMLMap,
    skip: readonly string[],
    sectionName: string,
  ): { searches: Map<string, SearchIdentifier>; conditions: ConditionNode[]; conditionText: string[] } {
    const searches = new Map<string, SearchIdentifier>();
    let conditionPair: Pair | undefined;
    for (const pair of section.items) {
      if (!isScalar(pair.key)) this.reject("search identifier names must be plain values", pair);
      const name = String(pair.key.value);
      if (name === "condition") {
        conditionPair = pair;
        continue;
      }
      if (skip.includes(name)) continue;
      if (name === "timeframe") {
        this.unsupported.push("'timeframe' (deprecated Sigma 1 aggregation: use a correlation rule)");
        continue;
      }
      searches.set(name, this.searchIdentifier(name, pair));
    }
    if (conditionPair === undefined) this.reject(`missing '${sectionName}.condition'`, section);
    const condNode = conditionPair.value as Node | null;
    const condScalars: Scalar[] = [];
    if (isScalar(condNode) && typeof condNode.value === "string") condScalars.push(condNode);
    else if (isSeq(condNode) && condNode.items.length > 0) {
      for (const item of condNode.items) {
        if (!isScalar(item) || typeof item.value !== "string") {
          this.reject("'condition' list items must be strings", (item as Node) ?? conditionPair);
        }
        condScalars.push(item);
      }
    } else this.reject("'condition' must be a string or a list of strings", condNode ?? conditionPair);
    const conditions: ConditionNode[] = [];
    const conditionText: string[] = [];
    const names = [...searches.keys()];
    for (const scalar of condScalars) {
      const text = scalar.value as string;
      let node: ConditionNode;
      try {
        node = parseCondition(text);
      } catch (e) {
        if (!(e instanceof ConditionError)) throw e;
        if (e.aggregation) {
          this.unsupported.push(`condition: ${e.detail}`);
          conditionText.push(text);
          continue;
        }
        throw new Reject(`condition: ${e.detail}`, this.conditionColumn(scalar, e.column));
      }
      const refs = conditionReferences(node);
      for (const id of refs.identifiers) {
        if (!searches.has(id)) {
          const col = findWord(text, id);
          throw new Reject(
            `condition names '${id}', which is not a search identifier of ${sectionName}`,
            this.conditionColumn(scalar, col),
          );
        }
      }
      for (const pattern of refs.patterns) {
        if (expandPattern(pattern, names).length === 0) {
          const col = findWord(text, pattern);
          throw new Reject(
            `condition pattern '${pattern}' matches no search identifier`,
            this.conditionColumn(scalar, col),
          );
        }
      }
      conditions.push(node);
      conditionText.push(text);
    }
    return { searches, conditions, conditionText };
  }

  /** The position of column `column` (1-based) of a condition string, for single-line scalars. */
  conditionColumn(scalar: Scalar, column: number): SourcePosition | undefined {
    const start = this.pos(scalar);
    if (start === undefined) return undefined;
    const quoted = scalar.type === Scalar.QUOTE_DOUBLE || scalar.type === Scalar.QUOTE_SINGLE;
    const single = scalar.type === Scalar.PLAIN || quoted;
    if (!single || (scalar.source ?? "").includes("\n")) return start;
    return { ...start, column: start.column + (quoted ? 1 : 0) + column - 1 };
  }

  searchIdentifier(name: string, pair: Pair): SearchIdentifier {
    const value = pair.value as Node | null;
    if (isMap(value)) {
      if (value.items.length === 0) this.reject(`search identifier '${name}' is an empty map`, value);
      return { kind: "map", conditions: value.items.map((p) => this.fieldCondition(p)) };
    }
    if (isSeq(value)) {
      if (value.items.length === 0) this.reject(`search identifier '${name}' is an empty list`, value);
      const items = value.items as Node[];
      if (items.every((i) => isMap(i))) {
        return {
          kind: "maps",
          maps: items.map((m) => {
            const map = m as YAMLMap;
            if (map.items.length === 0) this.reject(`search identifier '${name}' has an empty map`, map);
            return map.items.map((p) => this.fieldCondition(p));
          }),
        };
      }
      if (items.every((i) => isScalar(i))) {
        return {
          kind: "keywords",
          condition: {
            field: null,
            modifiers: [],
            values: items.map((i) => this.value(i as Scalar)),
            position: this.pos(value) as SourcePosition,
          },
        };
      }
      const bad = items.find((i) => !isScalar(i) && !isMap(i)) ?? value;
      this.reject(
        `search identifier '${name}' must be a list of maps or a list of values, not a mix or nested lists`,
        bad,
      );
    }
    this.reject(`search identifier '${name}' must be a map or a list`, value ?? pair);
  }

  fieldCondition(pair: Pair): FieldCondition {
    const position = this.pos(pair) as SourcePosition;
    if (!isScalar(pair.key) || pair.key.value === null) this.reject("a field name must be a plain value", pair);
    const key = scalarText(pair.key);
    const parts = key.split("|");
    const fieldText = parts[0] as string;
    const modifiers = parts.slice(1);
    for (const m of modifiers) {
      if (m === "") throw new Reject(`bad modifier syntax in '${key}': empty modifier after '|'`, position);
      if (!/^[A-Za-z0-9_]+$/.test(m)) throw new Reject(`bad modifier syntax in '${key}': '${m}'`, position);
    }
    if (fieldText === "" && modifiers.length === 0) throw new Reject("empty field name", position);
    for (const m of modifiers) {
      if (!KNOWN_MODIFIERS.has(m))
        this.unsupported.push(`unknown modifier '${m}' (${position.line}:${position.column})`);
    }
    const field = fieldText === "" ? null : fieldText;
    const value = pair.value as Node | null;
    // Modifiers appendix, `all`: "Single item values are not allowed to have an `all` modifier" (pySigma too wants
    // a list there).
    if (modifiers.includes("all") && !isSeq(value)) {
      throw new Reject(`'all' in '${key}' needs a list of values, not a single value`, position);
    }
    let values: SigmaValue[];
    if (value === null) values = [{ kind: "null" }];
    else if (isScalar(value)) values = [this.value(value)];
    else if (isSeq(value)) {
      values = (value.items as Node[]).map((i) => {
        if (!isScalar(i)) this.reject(`values of '${key}' must be plain values, not maps or lists`, i);
        return this.value(i);
      });
    } else this.reject(`the value of '${key}' must be a value or a list of values, not a map`, value);
    return { field, modifiers, values, position };
  }

  value(scalar: Scalar): SigmaValue {
    const v = scalar.value;
    if (v === null) return { kind: "null" };
    if (typeof v === "string") return { kind: "string", text: v };
    const text = scalar.source ?? String(v);
    if (typeof v === "boolean") return { kind: "boolean", value: v, text };
    if (typeof v === "number" || typeof v === "bigint") return { kind: "number", text };
    this.reject(`unsupported value type ${typeof v}`, scalar);
  }

  detection(top: YAMLMap, meta: RuleMeta): DetectionRule {
    const node = top.get("detection", true) as Node | undefined;
    if (!isMap(node)) this.reject("'detection' must be a map", node ?? top);
    const logsource = this.logsource(top);
    const { searches, conditions, conditionText } = this.searches(node, [], "detection");
    return { ...meta, kind: "detection", logsource, searches, conditions, conditionText };
  }

  filter(top: YAMLMap, meta: RuleMeta): FilterRule {
    const node = top.get("filter", true) as Node | undefined;
    if (!isMap(node)) this.reject("'filter' must be a map", node ?? top);
    const logsource = this.logsource(top);
    if (!node.has("rules")) this.reject("missing 'filter.rules'", node);
    const rules = this.stringList(node, "rules");
    if (rules.length === 0) this.reject("'filter.rules' must name at least one rule", node.get("rules", true) as Node);
    const { searches, conditions, conditionText } = this.searches(node, ["rules"], "filter");
    return { ...meta, kind: "filter", logsource, rules, searches, conditions, conditionText };
  }

  correlation(top: YAMLMap, meta: RuleMeta): CorrelationRule {
    const node = top.get("correlation", true) as Node | undefined;
    if (!isMap(node)) this.reject("'correlation' must be a map", node ?? top);
    const typeText = this.optString(node, "type");
    if (typeText === undefined) this.reject("missing 'correlation.type'", node);
    const type = CORRELATION_TYPES.find((t) => t === typeText);
    if (type === undefined) {
      this.reject(
        `'correlation.type' must be one of ${CORRELATION_TYPES.join(", ")}, not '${typeText}'`,
        node.get("type", true) as Node,
      );
    }
    if (!node.has("rules")) this.reject("missing 'correlation.rules'", node);
    const rules = this.stringList(node, "rules");
    if (rules.length === 0)
      this.reject("'correlation.rules' must name at least one rule", node.get("rules", true) as Node);
    const groupBy = this.stringList(node, "group-by");
    const timespanText = this.optString(node, "timespan");
    if (timespanText === undefined) this.reject("missing 'correlation.timespan'", node);
    const m = /^([0-9]+)([smhd])$/.exec(timespanText);
    if (m === null) {
      this.reject(
        `bad 'correlation.timespan' '${timespanText}': a number and s, m, h or d (for example 90m)`,
        node.get("timespan", true) as Node,
      );
    }
    const timespanMs = Number(m[1]) * (TIMESPAN_UNITS[m[2] as string] as number);
    if (timespanMs <= 0) this.reject("'correlation.timespan' must be positive", node.get("timespan", true) as Node);
    const condition = this.correlationCondition(node, type);
    const aliases = this.aliases(node);
    const generateNode = top.get("generate", true) ?? node.get("generate", true);
    let generate = false;
    if (generateNode !== undefined) {
      if (!isScalar(generateNode) || typeof generateNode.value !== "boolean") {
        this.reject("'generate' must be true or false", generateNode as Node);
      }
      generate = generateNode.value;
    }
    return {
      ...meta,
      kind: "correlation",
      type,
      rules,
      groupBy,
      timespanMs,
      ...(condition === undefined ? {} : { condition }),
      aliases,
      generate,
    };
  }

  correlationCondition(node: YAMLMap, type: CorrelationType): CorrelationCondition | undefined {
    const cond = node.get("condition", true) as Node | undefined;
    const temporal = type === "temporal" || type === "temporal_ordered";
    if (cond === undefined) {
      if (temporal) return undefined;
      this.reject(`missing 'correlation.condition' (required for ${type})`, node);
    }
    if (!isMap(cond)) this.reject("'correlation.condition' must be a map such as {gte: 10}", cond);
    let field: string | undefined;
    let percentile: number | undefined;
    const ops: { operator: CorrelationOperator; value: number }[] = [];
    for (const pair of cond.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : "";
      const value = pair.value as Node | null;
      if (key === "field") {
        if (isSeq(value) && value.items.length === 1 && isScalar(value.items[0])) {
          field = scalarText(value.items[0] as Scalar);
        } else if (isSeq(value)) {
          this.unsupported.push("correlation condition over several fields");
        } else if (isScalar(value) && value.value !== null) field = scalarText(value);
        else this.reject("'condition.field' must be a field name", value ?? pair);
        continue;
      }
      const operator = OPERATORS.find((o) => o === key);
      const number = isScalar(value) && typeof value.value === "number" ? value.value : undefined;
      if (key === "percentile") {
        if (number === undefined) this.reject("'condition.percentile' must be a number", value ?? pair);
        percentile = number;
        continue;
      }
      if (operator === undefined) {
        this.reject(`unknown correlation condition '${key}' (gt, gte, lt, lte, eq, neq, field)`, pair);
      }
      if (number === undefined) this.reject(`'condition.${key}' must be a number`, value ?? pair);
      ops.push({ operator, value: number });
    }
    const needsField =
      type === "value_count" || type === "value_sum" || type === "value_avg" || type === "value_percentile";
    if (needsField && field === undefined && !this.unsupported.some((u) => u.includes("several fields"))) {
      this.reject(`'correlation.condition.field' is required for ${type}`, cond);
    }
    if (ops.length === 0) {
      if (temporal) return undefined;
      this.reject("'correlation.condition' needs one of gt, gte, lt, lte, eq, neq", cond);
    }
    return {
      bounds: ops,
      ...(field === undefined ? {} : { field }),
      ...(percentile === undefined ? {} : { percentile }),
    };
  }

  aliases(node: YAMLMap): Map<string, Map<string, string>> {
    const out = new Map<string, Map<string, string>>();
    const aliases = node.get("aliases", true) as Node | undefined;
    if (aliases === undefined || (isScalar(aliases) && aliases.value === null)) return out;
    if (!isMap(aliases)) this.reject("'correlation.aliases' must be a map", aliases);
    for (const pair of aliases.items) {
      const alias = isScalar(pair.key) ? scalarText(pair.key) : "";
      const perRule = pair.value as Node | null;
      if (!isMap(perRule)) this.reject(`alias '${alias}' must map rule names to fields`, perRule ?? pair);
      const inner = new Map<string, string>();
      for (const p of perRule.items) {
        if (!isScalar(p.key) || !isScalar(p.value)) this.reject(`alias '${alias}' must map rule names to fields`, p);
        inner.set(scalarText(p.key), scalarText(p.value as Scalar));
      }
      out.set(alias, inner);
    }
    return out;
  }
}

/** A scalar's text: strings as parsed, other scalars as written in the source. */
function scalarText(node: unknown): string {
  if (!isScalar(node)) return "";
  if (typeof node.value === "string") return node.value;
  return node.source ?? String(node.value);
}

/** The 1-based column of `word` as a whole word in `text`, or 1. */
function findWord(text: string, word: string): number {
  const escaped = word.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const m = new RegExp(`(^|[^A-Za-z0-9_*.-])${escaped}(?![A-Za-z0-9_*.-])`).exec(text);
  return m === null ? 1 : m.index + (m[1] as string).length + 1;
}
