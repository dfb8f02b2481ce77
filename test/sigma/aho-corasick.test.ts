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

/** `scanAscii`'s occurrences (null when it declines the text: not ASCII). */
function foundAscii(ac: AhoCorasick, text: string): string[] | null {
  const n = ac.scanAscii(text);
  if (n < 0) return null;
  const out: string[] = [];
  for (let k = 0; k < n; k++) out.push(`${ac.matchNeedle[k]}@${ac.matchStart[k]}`);
  return out.sort();
}

test("needles of four characters or more are searched by skipping: the same occurrences as the naive search of the lower case", () => {
  let seed = 7;
  const random = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  // A small alphabet so that needles overlap, repeat, share prefixes and suffixes, and occur often; upper case in
  // the texts, folded as the needles are lower case.
  const lower = [..."ab:\\."];
  const text = (max: number): string =>
    Array.from({ length: random(max + 1) }, () => {
      const c = lower[random(lower.length)] as string;
      return random(3) === 0 ? c.toUpperCase() : c;
    }).join("");
  let skipped = 0;
  for (let round = 0; round < 200; round++) {
    const shortest = 4 + random(6);
    const needles = [
      ...new Set(
        Array.from({ length: 1 + random(12) }, () =>
          Array.from({ length: shortest + random(5) }, () => lower[random(lower.length)]).join(""),
        ),
      ),
    ];
    for (const budget of [1 << 21, 16]) {
      const ac = new AhoCorasick(needles, budget);
      assert.ok(ac.skips);
      skipped++;
      for (let t = 0; t < 20; t++) {
        const s = text(60);
        const expected = naive(needles, s.toLowerCase());
        assert.deepEqual(foundAscii(ac, s), expected, `${JSON.stringify(needles)} in ${JSON.stringify(s)}`);
        assert.deepEqual(found(ac, s.toLowerCase()), expected);
      }
    }
  }
  assert.equal(skipped, 400);
});

test("skipping: Mimikatz's keywords in paths and command lines, at the start, at the end, overlapping, not at all", () => {
  const needles = ["sekurlsa::", "lsadump::", "privilege::debug", "gentilkiwi.com", "eo.oe.kiwi", "\\mimilib.dll"];
  const ac = new AhoCorasick(needles);
  assert.ok(ac.skips);
  for (const s of [
    "SEKURLSA::logonpasswords",
    "mimikatz # privilege::debug",
    "x lsadump::sam lsadump::secrets",
    "C:\\Windows\\System32\\mimilib.dll",
    "eo.oe.kiwi.eo.oe.kiwi",
    "http://blog.gentilkiwi.com/mimikatz",
    "C:\\Windows\\System32\\svchost.exe -k netsvcs -p -s Schedule",
    "lsadump:",
    "",
    "a",
  ]) {
    assert.deepEqual(foundAscii(ac, s), naive(needles, s.toLowerCase()), s);
  }
  // A character whose lower case is ASCII: declined, for the caller to lower-case and scan whole (the Kelvin sign's
  // lower case is "k"). Others outside ASCII are no needle's: the text is scanned as it is.
  assert.equal(ac.scanAscii("\u212Aerberos sekurlsa::"), -1);
  assert.deepEqual(foundAscii(ac, "café au lait, sekurlsa::"), ["0@14"]);
  // A needle under four characters: every character is read.
  assert.equal(new AhoCorasick(["cmd", "sekurlsa::"]).skips, false);
  assert.equal(new AhoCorasick([]).skips, false);
});

test("an automaton made again from its tables skips as the one built from the needles", () => {
  const needles = ["sekurlsa::", "kerberos::golden", "misc::skeleton", "\u00e9vil-k\u00e9y"];
  const ac = new AhoCorasick(needles);
  const again = new AhoCorasick(deserialize(serialize(ac.tables())) as AutomatonTables);
  assert.ok(again.skips);
  for (const s of ["Kerberos::Golden /user:x", "misc::skeleton sekurlsa::", "nothing here at all"]) {
    assert.deepEqual(foundAscii(again, s), foundAscii(ac, s));
    assert.deepEqual(foundAscii(again, s), naive(needles, s.toLowerCase()));
  }
});

test("a text shorter than every needle holds none and is not scanned, unless its lower case is longer (İ)", () => {
  // "i̇" is the lower case of U+0130 (an i and a combining dot above): the only character whose lower case is longer.
  const needles = ["abi\u0307", "sekurlsa::"];
  for (const budget of [1 << 21, 16]) {
    const ac = new AhoCorasick(needles, budget);
    // Shorter than the shortest needle (four units), whatever it holds: nothing, without a scan.
    for (const s of ["", "a", "abi", "ab\u00e9", "\u212Ab"]) assert.equal(ac.scanAscii(s), 0, s);
    // Three units that lower-case to four: declined, and the lower case holds the needle.
    assert.equal(ac.scanAscii("AB\u0130"), -1);
    assert.deepEqual(found(ac, "AB\u0130".toLowerCase()), ["0@0"]);
    // Long enough: scanned as before.
    assert.deepEqual(foundAscii(ac, "xx SEKURLSA::logonpasswords"), ["1@3"]);
  }
  // Needles of four units and more are searched by skipping, and the shortcut comes before it.
  const skipping = new AhoCorasick(["sekurlsa::", "lsadump::"]);
  assert.ok(skipping.skips);
  assert.equal(skipping.scanAscii("lsadump:"), 0);
  assert.equal(skipping.scanAscii("\u0130\u0130\u0130\u0130\u0130"), -1);
});

test("text outside ASCII: what the lower case's naive search finds, scanned as it is where the needles are ASCII", () => {
  let seed = 11;
  const random = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return (seed >>> 8) % n;
  };
  // İ lengthens under toLowerCase and the Kelvin sign becomes "k"; É, Σ and an astral character stay outside ASCII.
  const letters = [..."akiKI:\\"];
  const others = ["\u0130", "\u212A", "\u00c9", "\u00e9", "\u03a3", "\u{10400}"];
  const word = (min: number, extra: number, pool: readonly string[]): string =>
    Array.from({ length: min + random(extra + 1) }, () => pool[random(pool.length)]).join("");
  /** As the matcher scans: declined texts are lower-cased and scanned whole. */
  const scanned = (ac: AhoCorasick, text: string): string[] => foundAscii(ac, text) ?? found(ac, text.toLowerCase());
  let direct = 0;
  for (let round = 0; round < 300; round++) {
    const ascii = random(4) !== 0;
    const pool = ascii ? letters.map((c) => c.toLowerCase()) : [...letters.map((c) => c.toLowerCase()), "\u00e9"];
    // Short needles are scanned character by character, needles of four and more by skipping.
    const min = random(2) === 0 ? 1 : 4;
    const needles = [...new Set(Array.from({ length: 1 + random(8) }, () => word(min, 3, pool)))];
    for (const budget of [1 << 21, 16]) {
      const ac = new AhoCorasick(needles, budget);
      for (let t = 0; t < 20; t++) {
        const text = word(0, 30, [...letters, ...others, ...letters]);
        assert.deepEqual(
          scanned(ac, text),
          naive(needles, text.toLowerCase()),
          `${JSON.stringify(needles)} in ${JSON.stringify(text)}`,
        );
        if (ascii && foundAscii(ac, text) !== null && /[^\u0000-\u007f]/.test(text)) direct++;
      }
    }
  }
  // Texts outside ASCII were scanned as they are, for ASCII needles.
  assert.ok(direct > 1000, `${direct}`);
});
