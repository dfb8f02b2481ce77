import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { loadRules } from "../../src/sigma/load.js";
import { RuleCache } from "../../src/sigma/rule-cache.js";

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
