/**
 * The multi-pattern automaton against a naive search: every occurrence of every needle, dense and sparse states; its
 * tables made into an automaton again, and refused when they could not be scanned safely.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { deserialize, serialize } from "node:v8";
import { AhoCorasick, type AutomatonTables, checkTables } from "../../src/sigma/compile/aho-corasick.js";

function naive(needles: readonly string[], text: string): string[] {
  const out: string[] = [];
  needles.forEach((n, id) => {
    for (let i = text.indexOf(n); i !== -1; i = text.indexOf(n, i + 1)) out.push(`${id}@${i}`);
  });
  return out.sort();
}

function found(ac: AhoCorasick, text: string): string[] {
  const n = ac.scan(text);
  const out: string[] = [];
  for (let k = 0; k < n; k++) out.push(`${ac.matchNeedle[k]}@${ac.matchStart[k]}`);
  return out.sort();
}

test("overlapping needles, needles inside needles, non-ASCII and surrogate pairs", () => {
  const needles = ["he", "she", "his", "hers", "\\cmd.exe", "cmd", "é", "\u{1F600}x", "aaa"];
  const ac = new AhoCorasick(needles);
  for (const text of ["ushers", "c:\\windows\\cmd.exe /c cmd", "café é", "\u{1F600}\u{1F600}x", "aaaaa", "", "zzz"]) {
    assert.deepEqual(found(ac, text), naive(needles, text), text);
  }
});

test("random needles and texts agree with the naive search, with every state dense and with almost none", () => {
  let seed = 42;
  const random = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const alphabet = "abc\\-é\u{1F600}";
  const chars = [...alphabet];
  const word = (max: number): string =>
    Array.from({ length: 1 + random(max) }, () => chars[random(chars.length)]).join("");
  for (let round = 0; round < 50; round++) {
    const needles = [...new Set(Array.from({ length: 1 + random(30) }, () => word(6)))];
    for (const budget of [1 << 21, 16]) {
      const ac = new AhoCorasick(needles, budget);
      for (let t = 0; t < 10; t++) {
        const text = word(80);
        assert.deepEqual(
          found(ac, text),
          naive(needles, text),
          `${JSON.stringify(needles)} in ${JSON.stringify(text)}`,
        );
      }
    }
  }
});

test("thousands of matches in one text grow the result buffers", () => {
  const ac = new AhoCorasick(["a", "aa"]);
  const n = ac.scan("a".repeat(5000));
  assert.equal(n, 5000 + 4999);
});

test("an automaton made again from its tables, through a serialization, finds exactly what it found", () => {
  const needles = ["he", "she", "his", "hers", "\\cmd.exe", "é", "\u{1F600}x"];
  for (const budget of [1 << 16, 4]) {
    const ac = new AhoCorasick(needles, budget);
    const again = new AhoCorasick(deserialize(serialize(ac.tables())) as AutomatonTables);
    for (const text of ["ushers", "C:\\Windows\\CMD.EXE", "café é", "\u{1F600}\u{1F600}x"]) {
      assert.deepEqual(found(again, text), found(ac, text), text);
      assert.equal(again.scanAscii(text), ac.scanAscii(text), text);
    }
  }
});

test("tables that could make a scan loop or read out of bounds are refused", () => {
  const good = new AhoCorasick(["he", "she", "his", "hers"], 4).tables();
  const broken: [string, Partial<AutomatonTables>][] = [
    ["a failure link to itself", { fail: good.fail.map((f, s) => (s === 3 ? 3 : f)) }],
    ["an output link forward", { outputLink: good.outputLink.map((o, s) => (s === 2 ? 5 : o)) }],
    ["a child past the states", { childState: good.childState.map(() => 1000) }],
    ["dense rows past the budget", { denseStates: 1 << 20 }],
    ["an ASCII class past the dense rows", { asciiClass: good.asciiClass.map(() => good.width) }],
    ["a needle id past the needles", { terminal: good.terminal.map((t) => (t === -1 ? -1 : 99)) }],
    ["a truncated array", { fail: good.fail.subarray(1) }],
    ["a plain array", { lengths: [2, 3, 3, 4] as unknown as Int32Array }],
  ];
  for (const [what, change] of broken) {
    assert.throws(() => checkTables({ ...good, ...change }), /automaton tables/, what);
  }
  assert.doesNotThrow(() => checkTables(good));
});

test("whether a number's text could hold a needle: only needles of digits, sign, point, exponent, Infinity, NaN", () => {
  const cases: [string[], boolean][] = [
    [["4624"], true],
    [["mimikatz", "-1"], true],
    [["1e+21"], true],
    [["nan"], true],
    [["infinity"], true],
    [["mimikatz", "4624x", "\\\\cmd.exe"], false],
    [["s-1-5-18"], false],
    [[], false],
  ];
  for (const [needles, expected] of cases) {
    const built = new AhoCorasick(needles);
    assert.equal(built.matchesNumbers, expected, needles.join(","));
    assert.equal(new AhoCorasick(built.tables()).matchesNumbers, expected, `${needles.join(",")} read back`);
    // What it promises: an automaton that cannot match numbers finds nothing in any number's text.
    if (!expected) {
      for (const n of [0, -1, 4624, 1.5e-7, 1e21, Number.NaN, Number.NEGATIVE_INFINITY, 2n ** 64n]) {
        assert.equal(built.scan(String(n).toLowerCase()), 0);
      }
    }
  }
});
