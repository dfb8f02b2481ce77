/** The multi-pattern automaton against a naive search: every occurrence of every needle, dense and sparse states. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { AhoCorasick } from "../../src/sigma/compile/aho-corasick.js";

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
