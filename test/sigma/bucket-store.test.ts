/**
 * The matcher's bucket store: a matcher that reads back the buckets an earlier one built matches exactly as that one
 * did without building any; a store for other rules, a damaged file or tampered contents are ignored (the buckets are
 * built), and an unwritable folder is not an error.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import type { FieldView } from "../../src/evtx/types.js";
import { decodeCacheFile, encodeCacheFile } from "../../src/sigma/cache-file.js";
import { BucketStore } from "../../src/sigma/compile/bucket-store.js";
import { CompiledMatcher } from "../../src/sigma/compile/matcher.js";
import { matchesRule, type PreparedRule, prepareRules } from "../../src/sigma/rule-eval.js";
import { loadDetectionRules, view } from "./helpers.js";

/** A store file's contents, whatever its tag. */
function readStore(file: string): unknown {
  const bytes = readFileSync(file);
  return decodeCacheFile(bytes.toString("latin1", 0, 4), bytes);
}

const rules = loadDetectionRules(`
title: keyword anywhere
logsource: { product: windows }
detection:
  keywords: [mimikatz, 'sekurlsa::']
  condition: keywords
---
title: security logon by a service account
logsource: { product: windows, service: security }
detection:
  selection: { EventID: [4624, 4625], TargetUserName|startswith: svc_ }
  filter: { LogonType: 5 }
  condition: selection and not filter
---
title: ntdsutil snapshot
logsource: { product: windows, category: process_creation }
detection:
  selection:
    Image|endswith: '\\ntdsutil.exe'
    CommandLine|contains|all: [ifm, create full]
  condition: selection
---
title: empty command line
logsource: { product: windows, category: process_creation }
detection:
  selection: { CommandLine: '' }
  condition: selection
---
title: lookahead, which RE2 cannot run
logsource: { product: windows, service: security }
detection:
  selection: { TargetUserName|re: '^(?=svc)' }
  condition: selection
---
title: every sysmon network connection
logsource: { product: windows, category: network_connection }
detection:
  selection: { Initiated: 'true' }
  condition: selection
`);

const events: FieldView[] = [
  view({ "System.Channel": "Security", "System.EventID": 4624, "EventData.TargetUserName": "svc_backup" }),
  view({
    "System.Channel": "Security",
    "System.EventID": 4624,
    "EventData.TargetUserName": "svc_backup",
    "EventData.LogonType": 5,
  }),
  view({ "System.Channel": "Security", "System.EventID": 4625, "EventData.TargetUserName": "SVC_SQL" }),
  view({ "System.Channel": "Security", "System.EventID": 4688, "EventData.CommandLine": "run mimikatz.exe" }),
  view({
    "System.Channel": "Microsoft-Windows-Sysmon/Operational",
    "System.EventID": 1,
    "EventData.Image": "C:\\Windows\\System32\\ntdsutil.exe",
    "EventData.CommandLine": 'ntdsutil "ac i ntds" ifm "create full c:\\temp" q q',
  }),
  view({ "System.Channel": "Microsoft-Windows-Sysmon/Operational", "System.EventID": 1, "EventData.CommandLine": "" }),
  view({
    "System.Channel": "Microsoft-Windows-Sysmon/Operational",
    "System.EventID": 3,
    "EventData.Initiated": "true",
  }),
  view({ "System.Channel": "Application", "System.EventID": 1000, "EventData.Data": "SEKURLSA::logonpasswords" }),
];

function titles(matcher: CompiledMatcher): string[][] {
  return events.map((e) => matcher.match(e).map((r) => r.title));
}

function storeFile(): string {
  return join(mkdtempSync(join(tmpdir(), "vigil-bucket-store-")), "matcher.bin");
}

/** A matcher whose buckets are all built, persisted to `file`: what it matched. */
function seed(file: string, fingerprint = "rules-1"): string[][] {
  const matcher = new CompiledMatcher(rules, {}, BucketStore.open(file, fingerprint));
  const matched = titles(matcher);
  assert.equal(matcher.bucketsRestored, 0);
  assert.ok(matcher.bucketsBuilt > 0);
  matcher.persist();
  return matched;
}

test("a matcher reads back every bucket an earlier one built, and matches exactly as it did", () => {
  const file = storeFile();
  const built = seed(file);
  assert.deepEqual(built, titles(new CompiledMatcher(rules)));
  assert.deepEqual(built, [
    ["security logon by a service account"],
    [],
    ["security logon by a service account"],
    ["keyword anywhere"],
    ["ntdsutil snapshot"],
    ["empty command line"],
    ["every sysmon network connection"],
    ["keyword anywhere"],
  ]);
  const store = BucketStore.open(file, "rules-1");
  assert.equal(store.size, 6);
  const again = new CompiledMatcher(rules, {}, store);
  // The rule that cannot compile is reported as when it was compiled, from the store.
  assert.deepEqual(
    again.problems.map((p) => p.title),
    ["lookahead, which RE2 cannot run"],
  );
  assert.deepEqual(again.problems, new CompiledMatcher(rules).problems);
  assert.deepEqual(titles(again), built);
  assert.deepEqual([again.bucketsBuilt, again.bucketsRestored], [0, 6]);
  // Nothing new was built: the file is not written again.
  const before = readFileSync(file);
  again.persist();
  assert.deepEqual(readFileSync(file), before);
});

test("buckets for kinds of event a hunt did not meet are kept when it adds its own", () => {
  const file = storeFile();
  const first = new CompiledMatcher(rules, {}, BucketStore.open(file, "rules-1"));
  first.match(events[0] as FieldView);
  first.persist();
  const second = new CompiledMatcher(rules, {}, BucketStore.open(file, "rules-1"));
  second.match(events[6] as FieldView);
  second.persist();
  const store = BucketStore.open(file, "rules-1");
  assert.deepEqual([...store.keys()].sort(), ["microsoft-windows-sysmon/operational\u00003", "security\u00004624"]);
});

test("a store written for other rules, or by other code, is not used", () => {
  const file = storeFile();
  seed(file, "rules-1");
  const other = new CompiledMatcher(rules, {}, BucketStore.open(file, "rules-2"));
  assert.deepEqual(titles(other), titles(new CompiledMatcher(rules)));
  assert.equal(other.bucketsRestored, 0);
  // Replaced by the new rules' buckets, under their fingerprint and the compiler code's stamp.
  other.persist();
  const contents = readStore(file) as { fingerprint: string };
  assert.match(contents.fingerprint, /^rules-2:[0-9a-f]{64}$/);
  assert.equal(new CompiledMatcher(rules, {}, BucketStore.open(file, "rules-1")).bucketsRestored, 0);
});

test("a damaged file is ignored, and an unwritable folder is not an error", () => {
  const file = storeFile();
  seed(file);
  writeFileSync(file, "not a store");
  const damaged = new CompiledMatcher(rules, {}, BucketStore.open(file, "rules-1"));
  assert.deepEqual(titles(damaged), titles(new CompiledMatcher(rules)));
  assert.equal(damaged.bucketsRestored, 0);
  // A file where the folder should be: the store cannot be written, and says nothing.
  const notAFolder = storeFile();
  writeFileSync(notAFolder, "");
  const matcher = new CompiledMatcher(rules, {}, BucketStore.open(join(notAFolder, "matcher.bin"), "rules-1"));
  titles(matcher);
  matcher.persist();
  assert.equal(readFileSync(notAFolder, "utf8"), "");
});

test("tampered buckets and automata are rebuilt, never scanned: out-of-range rules, entries and links", () => {
  type Contents = {
    buckets: Map<string, { rules: Int32Array; fields: { entries: Int32Array; automaton: string | null }[] }>;
    automata: Map<string, { fail: Int32Array }>;
  };
  const tamperings: [string, (c: Contents) => void][] = [
    [
      "a rule index past the rules",
      (c) => {
        for (const b of c.buckets.values()) b.rules.fill(999);
      },
    ],
    [
      "an entry naming no rule of the bucket",
      (c) => {
        for (const b of c.buckets.values()) for (const f of b.fields) f.entries.fill(1 << 20);
      },
    ],
    // A failure link to a deeper state would make a scan loop forever.
    [
      "a failure link forward",
      (c) => {
        for (const a of c.automata.values()) a.fail.fill(a.fail.length - 1, 1);
      },
    ],
    ["an automaton missing", (c) => c.automata.clear()],
  ];
  for (const [what, tamper] of tamperings) {
    const file = storeFile();
    const built = seed(file);
    const tag = readFileSync(file).toString("latin1", 0, 4);
    const contents = readStore(file) as Contents;
    tamper(contents);
    // Written back as a whole file (checksum included): what the matcher must catch is in the contents.
    writeFileSync(file, encodeCacheFile(tag, contents));
    const matcher = new CompiledMatcher(rules, {}, BucketStore.open(file, "rules-1"));
    assert.deepEqual(titles(matcher), built, what);
    assert.ok(matcher.bucketsBuilt > 0, what);
  }
});

test("with a known compile outcome, rules are compiled when first evaluated, not before", () => {
  const lookahead = rules.findIndex((r) => r.title.startsWith("lookahead"));
  const eager = prepareRules(rules);
  assert.deepEqual(eager.outcome.failed, [lookahead]);
  // Told that nothing fails, preparing compiles nothing: the rule RE2 cannot run is not found out, and is prepared.
  const lazy = prepareRules(rules, {}, { failed: [], problems: [] });
  assert.deepEqual(lazy.problems, []);
  assert.equal(lazy.prepared.length, eager.prepared.length + 1);
  // Evaluated, it compiles then; as it cannot, it matches nothing rather than failing the hunt.
  const rule = lazy.prepared.find((p) => p.rule.title.startsWith("lookahead")) as PreparedRule;
  const event = events[0] as FieldView;
  assert.equal(matchesRule(rule, rule.targets[0] as PreparedRule["targets"][number], event), false);
  // Nor under `not`: a rule whose searches cannot compile matches nothing, rather than everything its negation covers.
  const negated = loadDetectionRules(`
title: anything but a lookahead
logsource: { product: windows, service: security }
detection:
  selection: { TargetUserName|re: '^(?=svc)' }
  condition: not selection
`);
  const [lazyNot] = prepareRules(negated, {}, { failed: [], problems: [] }).prepared as PreparedRule[];
  assert.ok(lazyNot !== undefined);
  assert.equal(matchesRule(lazyNot, lazyNot.targets[0] as PreparedRule["targets"][number], event), false);
  // Told the truth, it leaves the rule out with its problem, and the others match as compiled eagerly.
  const known = prepareRules(rules, {}, eager.outcome);
  assert.deepEqual(known.problems, eager.problems);
  assert.deepEqual(
    known.prepared.map((p) => p.rule.title),
    eager.prepared.map((p) => p.rule.title),
  );
});
