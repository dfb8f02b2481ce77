import assert from "node:assert/strict";
import { test } from "node:test";
import { ConditionError, expandPattern, parseCondition } from "../../src/sigma/condition.js";
import type { ConditionNode } from "../../src/sigma/model.js";

const id = (name: string): ConditionNode => ({ kind: "identifier", name });

test("single identifier", () => {
  assert.deepEqual(parseCondition("selection"), id("selection"));
  assert.deepEqual(parseCondition("  sel_1.conf  "), id("sel_1.conf"));
});

test("and, or, not", () => {
  assert.deepEqual(parseCondition("a and b"), { kind: "and", operands: [id("a"), id("b")] });
  assert.deepEqual(parseCondition("a or b"), { kind: "or", operands: [id("a"), id("b")] });
  assert.deepEqual(parseCondition("not a"), { kind: "not", operand: id("a") });
  assert.deepEqual(parseCondition("not not a"), { kind: "not", operand: { kind: "not", operand: id("a") } });
});

test("precedence: not > and > or", () => {
  assert.deepEqual(parseCondition("a or b and not c"), {
    kind: "or",
    operands: [id("a"), { kind: "and", operands: [id("b"), { kind: "not", operand: id("c") }] }],
  });
  assert.deepEqual(parseCondition("a and b or c"), {
    kind: "or",
    operands: [{ kind: "and", operands: [id("a"), id("b")] }, id("c")],
  });
  assert.deepEqual(parseCondition("not a and b"), {
    kind: "and",
    operands: [{ kind: "not", operand: id("a") }, id("b")],
  });
});

test("parentheses override precedence", () => {
  assert.deepEqual(parseCondition("(a or b) and c"), {
    kind: "and",
    operands: [{ kind: "or", operands: [id("a"), id("b")] }, id("c")],
  });
  assert.deepEqual(parseCondition("not (a or b)"), {
    kind: "not",
    operand: { kind: "or", operands: [id("a"), id("b")] },
  });
  assert.deepEqual(parseCondition("((a))"), id("a"));
});

test("nested and/or are flattened", () => {
  assert.deepEqual(parseCondition("a and b and c"), { kind: "and", operands: [id("a"), id("b"), id("c")] });
  assert.deepEqual(parseCondition("a and (b and c)"), { kind: "and", operands: [id("a"), id("b"), id("c")] });
  assert.deepEqual(parseCondition("(a or b) or (c or d)"), {
    kind: "or",
    operands: [id("a"), id("b"), id("c"), id("d")],
  });
});

test("x of: 1, any, all, them, patterns", () => {
  assert.deepEqual(parseCondition("1 of selection_*"), { kind: "of", quantifier: "one", pattern: "selection_*" });
  assert.deepEqual(parseCondition("any of sel*"), { kind: "of", quantifier: "one", pattern: "sel*" });
  assert.deepEqual(parseCondition("all of *_img"), { kind: "of", quantifier: "all", pattern: "*_img" });
  assert.deepEqual(parseCondition("1 of them"), { kind: "of", quantifier: "one", pattern: "them" });
  assert.deepEqual(parseCondition("all of them"), { kind: "of", quantifier: "all", pattern: "them" });
  assert.deepEqual(parseCondition("all of selection"), { kind: "of", quantifier: "all", pattern: "selection" });
  assert.deepEqual(parseCondition("sel and not 1 of filter_*"), {
    kind: "and",
    operands: [id("sel"), { kind: "not", operand: { kind: "of", quantifier: "one", pattern: "filter_*" } }],
  });
});

test("keywords are case-insensitive", () => {
  assert.deepEqual(parseCondition("A AND NOT b Or ALL OF Them"), {
    kind: "or",
    operands: [
      { kind: "and", operands: [id("A"), { kind: "not", operand: id("b") }] },
      { kind: "of", quantifier: "all", pattern: "them" },
    ],
  });
  assert.deepEqual(parseCondition("Any Of sel*"), { kind: "of", quantifier: "one", pattern: "sel*" });
});

function fails(text: string, column: number, detail: RegExp): void {
  assert.throws(
    () => parseCondition(text),
    (e: unknown) => {
      assert.ok(e instanceof ConditionError, String(e));
      assert.equal(e.column, column, `${text}: ${e.message}`);
      assert.match(e.detail, detail);
      return true;
    },
  );
}

test("errors carry the column and what is wrong", () => {
  fails("", 1, /end of condition/);
  fails("a and", 6, /end of condition/);
  fails("a b", 3, /expected 'and', 'or'/);
  fails("(a or b", 8, /expected '\)'/);
  fails("a)", 2, /unexpected '\)'/);
  fails("a and or b", 7, /unexpected keyword 'or'/);
  fails("sel*", 1, /wildcard/);
  fails("all sel", 5, /expected 'of'/);
  fails("2 of sel*", 1, /'2 of' is not Sigma/);
  fails("1 of", 5, /after 'of'/);
  fails("1 of and", 6, /after 'of'/);
  fails("a > 5", 3, /unexpected character '>'/);
  fails("sel | count() > 5", 5, /aggregation/);
  assert.equal(
    (() => {
      try {
        parseCondition("sel | count()");
      } catch (e) {
        return (e as ConditionError).aggregation;
      }
      return false;
    })(),
    true,
  );
});

test("expandPattern: them and patterns skip underscore names, * matches any run", () => {
  const names = ["selection_a", "selection_b", "filter_1", "_hidden"];
  assert.deepEqual(expandPattern("them", names), ["selection_a", "selection_b", "filter_1"]);
  assert.deepEqual(expandPattern("selection_*", names), ["selection_a", "selection_b"]);
  assert.deepEqual(expandPattern("*_1", names), ["filter_1"]);
  assert.deepEqual(expandPattern("nothing*", names), []);
  assert.deepEqual(expandPattern("*hidden", names), []);
});
