import assert from "node:assert/strict";
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { inspect } from "node:util";
import { deserialize, serialize } from "node:v8";
import { loadRules } from "../../src/sigma/load.js";
import { codeStamp, RuleCache } from "../../src/sigma/rule-cache.js";

const rule = (title: string, value: string): string => `title: ${title}
logsource: { product: windows, service: security }
detection:
  selection: { EventID: 4624, TargetUserName: ${value} }
  condition: selection
`;

function folders(): { rules: string; cache: string } {
  const root = mkdtempSync(join(tmpdir(), "vigil-rule-cache-"));
  const rules = join(root, "rules");
  const cache = join(root, "cache");
  mkdirSync(rules);
  return { rules, cache };
}

test("a second load takes unchanged files from the cache and gives the same rules", async () => {
  const { rules, cache } = folders();
  writeFileSync(join(rules, "a.yml"), rule("A", "alice"));
  writeFileSync(join(rules, "b.yml"), rule("B", "bob"));
  const cold = RuleCache.open(cache, [rules]);
  const first = await loadRules([rules], { cache: cold });
  assert.deepEqual([cold.hits, cold.misses], [0, 2]);
  const warm = RuleCache.open(cache, [rules]);
  const second = await loadRules([rules], { cache: warm });
  assert.deepEqual([warm.hits, warm.misses], [2, 0]);
  assert.deepEqual(second, first);
});

test("an edited file is parsed again; a removed one leaves the cache", async () => {
  const { rules, cache } = folders();
  writeFileSync(join(rules, "a.yml"), rule("A", "alice"));
  writeFileSync(join(rules, "b.yml"), rule("B", "bob"));
  await loadRules([rules], { cache: RuleCache.open(cache, [rules]) });
  writeFileSync(join(rules, "a.yml"), rule("A edited", "carol"));
  const again = RuleCache.open(cache, [rules]);
  const loaded = await loadRules([rules], { cache: again });
  assert.deepEqual([again.hits, again.misses], [1, 1]);
  assert.deepEqual(loaded.rules.map((r) => r.title).sort(), ["A edited", "B"]);
  rmSync(join(rules, "b.yml"));
  await loadRules([rules], { cache: RuleCache.open(cache, [rules]) });
  const last = RuleCache.open(cache, [rules]);
  await loadRules([rules], { cache: last });
  assert.deepEqual([last.hits, last.misses], [1, 0]);
});

test("a damaged cache file is ignored, and an unwritable cache folder is not an error", async () => {
  const { rules, cache } = folders();
  writeFileSync(join(rules, "a.yml"), rule("A", "alice"));
  await loadRules([rules], { cache: RuleCache.open(cache, [rules]) });
  for (const f of readdirSync(cache)) writeFileSync(join(cache, f), "not a cache");
  const damaged = RuleCache.open(cache, [rules]);
  const loaded = await loadRules([rules], { cache: damaged });
  assert.deepEqual([damaged.hits, damaged.misses, loaded.rules.length], [0, 1, 1]);
  // A file where the folder should be: the cache cannot be written, the rules load all the same.
  const blocked = join(rules, "..", "blocked");
  writeFileSync(blocked, "");
  const unwritable = await loadRules([rules], { cache: RuleCache.open(join(blocked, "cache"), [rules]) });
  assert.equal(unwritable.rules.length, 1);
});

test("a cache file with one character changed is dropped whole, not read with a wrong value", async () => {
  const { rules, cache } = folders();
  writeFileSync(join(rules, "a.yml"), rule("A", "alice"));
  await loadRules([rules], { cache: RuleCache.open(cache, [rules]) });
  // "alice" sits in the rule's body, read only when the rule is first compiled: V8 would read "alicf" without a fault.
  for (const f of readdirSync(cache)) {
    const bytes = readFileSync(join(cache, f));
    const at = bytes.indexOf("alice");
    assert.ok(at > 0);
    bytes[at + 4] = "f".charCodeAt(0);
    writeFileSync(join(cache, f), bytes);
  }
  const damaged = RuleCache.open(cache, [rules]);
  const loaded = await loadRules([rules], { cache: damaged });
  assert.deepEqual([damaged.hits, damaged.misses], [0, 1]);
  assert.match(inspect(loaded.rules, { depth: 10, getters: true }), /alice/);
  assert.doesNotMatch(inspect(loaded.rules, { depth: 10, getters: true }), /alicf/);
});

test("rules taken from the cache equal the parsed ones, and are written again as they were read", async () => {
  const { rules, cache } = folders();
  writeFileSync(join(rules, "a.yml"), rule("A", "alice"));
  writeFileSync(join(rules, "b.yml"), rule("B", "bob"));
  const parsed = (await loadRules([rules])).rules;
  await loadRules([rules], { cache: RuleCache.open(cache, [rules]) });
  // A new file makes the cache be written again, with a and b as they were taken (their bodies never read).
  writeFileSync(join(rules, "c.yml"), rule("C", "carol"));
  const third = RuleCache.open(cache, [rules]);
  await loadRules([rules], { cache: third });
  assert.deepEqual([third.hits, third.misses], [2, 1]);
  const last = RuleCache.open(cache, [rules]);
  const loaded = await loadRules([rules], { cache: last });
  assert.deepEqual([last.hits, last.misses], [3, 0]);
  const [a, b] = loaded.rules;
  assert.deepEqual([a, b], parsed);
  // Spread and serialized like any rule: the body comes along.
  assert.deepEqual({ ...(a as (typeof loaded.rules)[number]) }, parsed[0]);
  assert.deepEqual(deserialize(serialize(b)), parsed[1]);
});

test("the fingerprint of what was loaded: the same for the same files and settings, another after an edit", async () => {
  const { rules, cache } = folders();
  writeFileSync(join(rules, "a.yml"), rule("A", "alice"));
  writeFileSync(join(rules, "b.yml"), rule("B", "bob"));
  const fingerprint = async (extra = ""): Promise<string> => {
    const c = RuleCache.open(cache, [rules]);
    await loadRules([rules], { cache: c });
    c.save();
    return c.fingerprint(extra);
  };
  const cold = await fingerprint();
  assert.equal(await fingerprint(), cold);
  assert.notEqual(await fingerprint('[["admins",["root"]]]'), cold);
  writeFileSync(join(rules, "b.yml"), rule("B", "carol"));
  const edited = await fingerprint();
  assert.notEqual(edited, cold);
  rmSync(join(rules, "b.yml"));
  assert.notEqual(await fingerprint(), edited);
});

test("a file that looks as it did when hashed, safely after its last change, is not read again", async () => {
  const { rules, cache } = folders();
  writeFileSync(join(rules, "a.yml"), rule("A", "alice"));
  writeFileSync(join(rules, "b.yml"), rule("B", "bob"));
  const load = async (racyMs: number): Promise<{ c: RuleCache; titles: string[] }> => {
    const c = RuleCache.open(cache, [rules], racyMs);
    const loaded = await loadRules([rules], { cache: c });
    return { c, titles: loaded.rules.map((r) => r.title).sort() };
  };
  await load(0);
  // Just written: their times are within the racy margin of the hashing, so they are read and hashed again.
  const racy = await load(60_000);
  assert.deepEqual([racy.c.hits, racy.c.unread], [2, 0]);
  // With no margin (as if the files were old), neither is read.
  const settled = await load(0);
  assert.deepEqual([settled.c.hits, settled.c.unread, settled.c.misses], [2, 2, 0]);
  assert.deepEqual(settled.titles, ["A", "B"]);
});

test("an edit of the same size with its modification time put back is still seen: the change time moved", async () => {
  const { rules, cache } = folders();
  const file = join(rules, "a.yml");
  writeFileSync(file, rule("A", "alice"));
  // A whole second, so that it can be put back exactly.
  const old = 1_600_000_000;
  utimesSync(file, old, old);
  const before = statSync(file, { bigint: true });
  await loadRules([rules], { cache: RuleCache.open(cache, [rules], 0) });
  // Same length, other text, and the old modification time restored (as `touch -d` or `rsync -t` would).
  await new Promise((resolve) => setTimeout(resolve, 20));
  writeFileSync(file, rule("A", "mallo"));
  utimesSync(file, old, old);
  const after = statSync(file, { bigint: true });
  assert.deepEqual([after.size, after.mtimeNs, after.ino], [before.size, before.mtimeNs, before.ino]);
  assert.notEqual(after.ctimeNs, before.ctimeNs);
  // Its change time is after the hashing, so it is read again; and were the clock a minute off (a margin that trusts
  // times up to a minute after the hashing), the change time no longer being the one recorded still gives it away.
  const skewed = RuleCache.open(cache, [rules], -60_000);
  await loadRules([rules], { cache: skewed });
  assert.deepEqual([skewed.unread, skewed.misses], [0, 1]);
  // Hashed anew, with its new look recorded: the next load takes the new text without reading it.
  const again = RuleCache.open(cache, [rules], 0);
  const loaded = await loadRules([rules], { cache: again });
  assert.equal(again.unread, 1);
  assert.deepEqual(loaded.rules, (await loadRules([rules])).rules);
  assert.match(inspect(loaded.rules, { depth: 10, getters: true }), /mallo/);
});

test("the code stamp moves with a module or a data file (the log source mapping), not with other files", () => {
  const dir = mkdtempSync(join(tmpdir(), "vigil-code-stamp-"));
  const data = join(dir, "data");
  mkdirSync(data);
  writeFileSync(join(dir, "loader.js"), "export {};\n");
  writeFileSync(join(data, "logsources.yml"), "process_creation: [1]\n");
  const first = codeStamp([dir, data]);
  writeFileSync(join(dir, "notes.txt"), "not code\n");
  assert.equal(codeStamp([dir, data]), first);
  writeFileSync(join(data, "logsources.yml"), "process_creation: [1, 4688]\n");
  const mapped = codeStamp([dir, data]);
  assert.notEqual(mapped, first);
  writeFileSync(join(dir, "loader.js"), "export const changed = 1;\n");
  assert.notEqual(codeStamp([dir, data]), mapped);
});
