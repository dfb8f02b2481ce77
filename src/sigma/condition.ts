/**
 * The Sigma condition grammar (specification 2.1.0, "Condition"): search identifiers, `and`, `or`, `not`,
 * parentheses and the `1 of` / `any of` / `all of` quantifiers over identifier patterns or `them`. Precedence is
 * `not` > `and` > `or`; keywords are case-insensitive; nested and/or of the same kind are flattened.
 */
import type { ConditionNode } from "./model.js";

/** A condition that does not parse: `column` is 1-based in the condition text. */
export class ConditionError extends Error {
  readonly column: number;
  readonly detail: string;
  /** The condition uses the Sigma 1 aggregation syntax (`| count() by … > n`), which Sigma 2 replaced. */
  readonly aggregation: boolean;
  constructor(column: number, detail: string, aggregation = false) {
    super(`condition column ${column}: ${detail}`);
    this.name = "ConditionError";
    this.column = column;
    this.detail = detail;
    this.aggregation = aggregation;
  }
}

type TokenKind = "lparen" | "rparen" | "word" | "number" | "end";

const AGGREGATION = "Sigma 1 aggregation ('| count() …'), replaced by correlation rules in Sigma 2";

interface Token {
  readonly kind: TokenKind;
  readonly text: string;
  /** 1-based column. */
  readonly column: number;
}

const WORD = /[A-Za-z0-9_*.-]/;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (c === " " || c === "\t" || c === "\n" || c === "\r") {
      i++;
    } else if (c === "(") {
      tokens.push({ kind: "lparen", text: c, column: i + 1 });
      i++;
    } else if (c === ")") {
      tokens.push({ kind: "rparen", text: c, column: i + 1 });
      i++;
    } else if (c === "|") {
      throw new ConditionError(i + 1, AGGREGATION, true);
    } else if (WORD.test(c)) {
      const start = i;
      while (i < text.length && WORD.test(text[i] as string)) i++;
      const word = text.slice(start, i);
      tokens.push({ kind: /^[0-9]+$/.test(word) ? "number" : "word", text: word, column: start + 1 });
    } else {
      throw new ConditionError(i + 1, `unexpected character '${c}'`);
    }
  }
  tokens.push({ kind: "end", text: "", column: text.length + 1 });
  return tokens;
}

const KEYWORDS = new Set(["and", "or", "not", "of", "them", "all", "any"]);

/** Parses a condition string; throws ConditionError with the column and what is wrong. */
export function parseCondition(text: string): ConditionNode {
  const tokens = tokenize(text);
  let pos = 0;
  const peek = (): Token => tokens[pos] as Token;
  const next = (): Token => tokens[pos++] as Token;
  const isKeyword = (t: Token, k: string): boolean => t.kind === "word" && t.text.toLowerCase() === k;
  const describe = (t: Token): string => (t.kind === "end" ? "end of condition" : `'${t.text}'`);

  const parseOr = (): ConditionNode => {
    const operands = [parseAnd()];
    while (isKeyword(peek(), "or")) {
      next();
      operands.push(parseAnd());
    }
    return combine("or", operands);
  };
  const parseAnd = (): ConditionNode => {
    const operands = [parseNot()];
    while (isKeyword(peek(), "and")) {
      next();
      operands.push(parseNot());
    }
    return combine("and", operands);
  };
  const parseNot = (): ConditionNode => {
    if (isKeyword(peek(), "not")) {
      next();
      return { kind: "not", operand: parseNot() };
    }
    return parsePrimary();
  };
  const parsePrimary = (): ConditionNode => {
    const t = next();
    if (t.kind === "lparen") {
      const inner = parseOr();
      const close = next();
      if (close.kind !== "rparen") {
        throw new ConditionError(
          close.column,
          `expected ')' to close '(' at column ${t.column}, found ${describe(close)}`,
        );
      }
      return inner;
    }
    if (t.kind === "number" || isKeyword(t, "all") || isKeyword(t, "any")) {
      const ofToken = peek();
      if (!isKeyword(ofToken, "of")) {
        if (t.kind === "number") {
          // A bare number is a legal identifier only if no `of` follows; identifiers may be digits.
          return { kind: "identifier", name: t.text };
        }
        throw new ConditionError(ofToken.column, `expected 'of' after '${t.text}', found ${describe(ofToken)}`);
      }
      if (t.kind === "number" && t.text !== "1") {
        throw new ConditionError(t.column, `'${t.text} of' is not Sigma: use '1 of', 'any of' or 'all of'`);
      }
      next();
      const target = next();
      if (target.kind !== "word" && target.kind !== "number") {
        throw new ConditionError(
          target.column,
          `expected an identifier pattern or 'them' after 'of', found ${describe(target)}`,
        );
      }
      const lower = target.text.toLowerCase();
      if (lower === "them") {
        return { kind: "of", quantifier: isKeyword(t, "all") ? "all" : "one", pattern: "them" };
      }
      if (KEYWORDS.has(lower)) {
        throw new ConditionError(
          target.column,
          `expected an identifier pattern or 'them' after 'of', found '${target.text}'`,
        );
      }
      return { kind: "of", quantifier: isKeyword(t, "all") ? "all" : "one", pattern: target.text };
    }
    if (t.kind === "word") {
      const lower = t.text.toLowerCase();
      if (KEYWORDS.has(lower)) throw new ConditionError(t.column, `unexpected keyword '${t.text}'`);
      if (t.text.includes("*")) {
        throw new ConditionError(t.column, `wildcard '${t.text}' is only allowed after '1 of', 'any of' or 'all of'`);
      }
      return { kind: "identifier", name: t.text };
    }
    if (t.kind === "end") throw new ConditionError(t.column, "unexpected end of condition, expected an identifier");
    throw new ConditionError(t.column, `unexpected ${describe(t)}, expected an identifier`);
  };

  const result = parseOr();
  const rest = peek();
  if (rest.kind !== "end") {
    throw new ConditionError(rest.column, `unexpected ${describe(rest)}, expected 'and', 'or' or end of condition`);
  }
  return result;
}

function combine(kind: "and" | "or", operands: ConditionNode[]): ConditionNode {
  if (operands.length === 1) return operands[0] as ConditionNode;
  const flat: ConditionNode[] = [];
  for (const o of operands) {
    if (o.kind === kind) flat.push(...o.operands);
    else flat.push(o);
  }
  return { kind, operands: flat };
}

/**
 * The identifiers an `of` pattern names, among `names`: `them` is every identifier not starting with `_` (spec
 * convention); otherwise `*` matches any run of characters. A pattern leaves out `_` names too: the spec's
 * "1/all of search-identifier-pattern" is "same as 1/all of them, but restricted to matching search identifiers"
 * (pySigma excludes them for every selector as well); a `_` identifier is used by its own name.
 */
export function expandPattern(pattern: string, names: Iterable<string>): string[] {
  const all = [...names].filter((n) => !n.startsWith("_"));
  if (pattern.toLowerCase() === "them") return all;
  const re = new RegExp(`^${pattern.split("*").map(escapeRegex).join(".*")}$`);
  return all.filter((n) => re.test(n));
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Identifier names and `of` patterns a condition uses, for validation. */
export function conditionReferences(node: ConditionNode): { identifiers: string[]; patterns: string[] } {
  const identifiers: string[] = [];
  const patterns: string[] = [];
  const walk = (n: ConditionNode): void => {
    if (n.kind === "identifier") identifiers.push(n.name);
    else if (n.kind === "of") patterns.push(n.pattern);
    else if (n.kind === "not") walk(n.operand);
    else for (const o of n.operands) walk(o);
  };
  walk(node);
  return { identifiers, patterns };
}
