/**
 * The compiled matcher against the reference evaluator: the same rules must match the same events. Self-contained
 * cases for the dispatch, then the differential over every SigmaHQ rule and every event of ../shared/evtx.
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { mapFieldView } from "../../src/events/field-map.js";
import { readEvtxFile } from "../../src/evtx/index.js";
import type { FieldValue, FieldView } from "../../src/evtx/types.js";
import { defineTemplate, el, sub } from "../../src/evtx/write/index.js";
import { BucketStore } from "../../src/sigma/compile/bucket-store.js";
import { CompiledMatcher } from "../../src/sigma/compile/matcher.js";
import { loadRules } from "../../src/sigma/load.js";
import type { DetectionRule } from "../../src/sigma/model.js";
import { ReferenceEvaluator } from "../../src/sigma/reference.js";
import { loadRuleText } from "../../src/sigma/rule-text.js";
import { eventElement, processCreationFile, read, systemValues, writeTemplateRecords } from "../evtx/fixtures.js";
import { listEvtxFiles } from "../evtx/reference.js";
import { detectionRules, loadDetectionRules, view } from "./helpers.js";

/** The compiled matcher and the reference evaluator over the detection rules of a YAML text. */
function matchers(text: string, name: string): { matcher: CompiledMatcher; reference: ReferenceEvaluator } {
  const rules = detectionRules(loadRuleText(text, name).rules);
  return { matcher: new CompiledMatcher(rules), reference: new ReferenceEvaluator(rules) };
}

const titles = (rs: readonly DetectionRule[]): string[] => rs.map((r) => r.title);

test("dispatch: by channel and EventID, whole channels, and rules for any channel; load order kept", () => {
  const { matcher, reference } = matchers(
    `
title: any windows event naming mimikatz
logsource: { product: windows }
detection:
  keywords: [mimikatz]
  condition: keywords
---
title: security service, every EventID
logsource: { product: windows, service: security }
detection:
  selection: { SubjectUserName|contains: mimikatz }
  condition: selection
---
title: process creation
logsource: { product: windows, category: process_creation }
detection:
  selection: { CommandLine|contains: mimikatz }
  condition: selection
`,
    "dispatch.yml",
  );
  const events = [
    view({
      "System.Channel": "Security",
      "System.EventID": 4688,
      "EventData.CommandLine": "mimikatz.exe",
      "EventData.SubjectUserName": "mimikatz",
    }),
    view({ "System.Channel": "security", "System.EventID": 4624, "EventData.SubjectUserName": "MIMIKATZ" }),
    view({
      "System.Channel": "Microsoft-Windows-Sysmon/Operational",
      "System.EventID": 1,
      "EventData.CommandLine": "mimikatz",
    }),
    view({
      "System.Channel": "Microsoft-Windows-Sysmon/Operational",
      "System.EventID": 3,
      "EventData.Image": "mimikatz",
    }),
    view({ "System.Channel": "Application", "System.EventID": 1000 }),
  ];
  assert.deepEqual(titles(matcher.match(events[0])), [
    "any windows event naming mimikatz",
    "security service, every EventID",
    "process creation",
  ]);
  assert.deepEqual(titles(matcher.match(events[1])), [
    "any windows event naming mimikatz",
    "security service, every EventID",
  ]);
  assert.deepEqual(titles(matcher.match(events[2])), ["any windows event naming mimikatz", "process creation"]);
  assert.deepEqual(titles(matcher.match(events[3])), ["any windows event naming mimikatz"]);
  assert.deepEqual(titles(matcher.match(events[4])), []);
  for (const e of events) assert.deepEqual(titles(matcher.match(e)), titles(reference.match(e)));
});

test("an event's bucket is found again whatever the spelling of its key, and after more keys than are kept", () => {
  const { matcher, reference } = matchers(
    `
title: security 4688
logsource: { product: windows, service: security }
detection:
  selection: { EventID: 4688, CommandLine|contains: whoami }
  condition: selection
---
title: process creation
logsource: { product: windows, category: process_creation }
detection:
  selection: { CommandLine|contains: whoami }
  condition: selection
`,
    "spellings.yml",
  );
  const spellings: [string, FieldValue][] = [
    ["Security", 4688],
    ["Security", "4688"],
    ["SECURITY", 4688],
    ["security", " 4688"],
    ["Security", "04688"],
    ["Security", 4688.5],
    ["Security", "x"],
    ["Security", 4624],
  ];
  const events = spellings.map(([channel, id]) =>
    view({ "System.Channel": channel, "System.EventID": id, "EventData.CommandLine": "whoami /all" }),
  );
  const expected = events.map((e) => titles(reference.match(e)));
  assert.deepEqual(expected.slice(0, 3), [
    ["security 4688", "process creation"],
    ["security 4688", "process creation"],
    ["security 4688", "process creation"],
  ]);
  for (let round = 0; round < 2; round++) {
    assert.deepEqual(
      events.map((e) => titles(matcher.match(e))),
      expected,
    );
    // Past the kept keys (4,096), the buckets are made again.
    for (let i = 0; i < 5000; i++) {
      matcher.match(view({ "System.Channel": `Channel ${i}`, "System.EventID": i, "EventData.CommandLine": "x" }));
    }
  }
});

const shared = fileURLToPath(new URL("../../../shared/", import.meta.url));
const skip = existsSync(join(shared, "evtx"))
  ? false
  : `reference data absent: ${shared} does not exist (CI has ../shared beside the project)`;

/** A keyword rule for every Windows event: its automaton scans every field that no other rule names. */
const MIMIKATZ_ANYWHERE = `
title: mimikatz anywhere
logsource: { product: windows }
detection:
  keywords: [mimikatz]
  condition: keywords
---
`;

test("EVTX records scan by their layout (once worked out per shape) exactly as field by field", () => {
  const rules = loadDetectionRules(
    `${MIMIKATZ_ANYWHERE}title: process image
logsource: { product: windows, service: security }
detection:
  selection: { EventID: 4688, NewProcessName|endswith: '\\mimikatz.exe' }
  condition: selection
---
title: a named field read from UserData
logsource: { product: windows, service: security }
detection:
  selection: { SubjectUserName: admin }
  condition: selection
`,
    "r.yml",
  );
  const matcher = new CompiledMatcher(rules);
  const processes = read(
    processCreationFile(4, (i) => ({
      image: i % 2 === 0 ? "C:\\Tools\\mimikatz.exe" : "C:\\Windows\\cmd.exe",
      commandLine: i === 1 ? "cmd /c mimikatz" : null,
    })),
  ).records;
  // A record whose field the rule names lives under UserData (read through readEventPath's fallback).
  const userData = defineTemplate(
    eventElement(el("UserData", [el("LogFileCleared", [el("SubjectUserName", [sub("User", "string")])])])),
  );
  const cleared = read(
    writeTemplateRecords(userData, [
      { ...systemValues(1), EventID: 4688, Channel: "Security", User: "admin" },
      { ...systemValues(2), EventID: 4688, Channel: "Security", User: "mimikatz" },
    ]).buf,
  ).records;
  const titles = (fields: FieldView): string[] => matcher.match(fields).map((r) => r.title);
  const seen: string[][] = [];
  for (const record of [...processes, ...cleared]) {
    assert.ok(record.fields.layout?.() !== null, "a compiled view with a layout");
    const byLayout = titles(record.fields);
    assert.deepEqual(byLayout, titles(mapFieldView(new Map(record.fields.entries()))));
    seen.push(byLayout);
  }
  assert.deepEqual(seen, [
    ["mimikatz anywhere", "process image"],
    ["mimikatz anywhere"],
    ["mimikatz anywhere", "process image"],
    [],
    ["a named field read from UserData"],
    ["mimikatz anywhere"],
  ]);
});

test("numbers are scanned only by automata with needles a number's text could hold, and match as before", () => {
  const rules = loadDetectionRules(
    `${MIMIKATZ_ANYWHERE}title: digits anywhere
logsource: { product: windows, service: security }
detection:
  keywords: ['4123']
  condition: keywords
---
title: process id contains
logsource: { product: windows, service: sysmon }
detection:
  selection: { ProcessId|contains: '12' }
  condition: selection
---
title: negative exponent
logsource: { product: windows, service: sysmon }
detection:
  selection: { Ratio|contains: 'e-7' }
  condition: selection
`,
    "r.yml",
  );
  const matcher = new CompiledMatcher(rules);
  const reference = new ReferenceEvaluator(rules);
  const fields: Record<string, FieldValue>[] = [
    { "System.Channel": "Security", "System.EventID": 4624, "EventData.LogonType": 4123 },
    { "System.Channel": "Security", "System.EventID": 4624, "EventData.TargetLogonId": 41230n },
    { "System.Channel": "Security", "System.EventID": 4624, "EventData.LogonType": 3 },
    { "System.Channel": "Microsoft-Windows-Sysmon/Operational", "System.EventID": 1, "EventData.ProcessId": 4123 },
    { "System.Channel": "Microsoft-Windows-Sysmon/Operational", "System.EventID": 1, "EventData.Ratio": 1.5e-7 },
    {
      "System.Channel": "Microsoft-Windows-Sysmon/Operational",
      "System.EventID": 1,
      "EventData.Image": "mimikatz.exe",
    },
  ];
  const events = fields.map(view);
  const found = events.map((e) => titles(matcher.match(e)));
  events.forEach((e, i) => {
    assert.deepEqual(found[i], titles(reference.match(e)));
  });
  assert.deepEqual(found, [
    ["digits anywhere"],
    ["digits anywhere"],
    [],
    ["process id contains"],
    ["negative exponent"],
    ["mimikatz anywhere"],
  ]);
});

test("differential: every SigmaHQ rule, every event of ../shared/evtx, compiled and reference agree", {
  skip,
}, async (t) => {
  const folders = ["rules", "rules-emerging-threats", "rules-threat-hunting", "rules-dfir", "rules-compliance"];
  const loaded = await loadRules(folders.map((f) => join(shared, "sigma", f)));
  const rules = detectionRules(loaded.rules);
  const matcher = new CompiledMatcher(rules);
  const reference = new ReferenceEvaluator(rules);
  assert.equal(matcher.ruleCount, reference.ruleCount);
  let events = 0;
  let hits = 0;
  const disagreements: string[] = [];
  for (const file of listEvtxFiles(join(shared, "evtx"))) {
    for await (const record of readEvtxFile(file)) {
      events++;
      const mine = matcher.match(record.fields).map((r) => r.id ?? r.title);
      const theirs = reference.match(record.fields).map((r) => r.id ?? r.title);
      hits += mine.length;
      if (mine.join() !== theirs.join() && disagreements.length < 10) {
        disagreements.push(
          `${file} record ${record.recordId}: compiled ${mine.join(",")} reference ${theirs.join(",")}`,
        );
      }
    }
  }
  t.diagnostic(
    `${rules.length} rules (${matcher.ruleCount} for Windows event logs, ${matcher.problems.length} cannot run), ${events} events, ${hits} (rule, event) matches`,
  );
  assert.deepEqual(disagreements, []);

  // The same buckets, stored and read back by a new matcher (as the next hunt does), match the same rules.
  const store = join(mkdtempSync(join(tmpdir(), "vigil-matcher-")), "matcher.bin");
  const stored = new CompiledMatcher(rules, {}, BucketStore.open(store, "sigmahq"));
  for (const file of listEvtxFiles(join(shared, "evtx"))) {
    for await (const record of readEvtxFile(file)) stored.match(record.fields);
  }
  stored.persist();
  const restored = new CompiledMatcher(rules, {}, BucketStore.open(store, "sigmahq"));
  const differences: string[] = [];
  for (const file of listEvtxFiles(join(shared, "evtx"))) {
    for await (const record of readEvtxFile(file)) {
      const mine = restored.match(record.fields).map((r) => r.id ?? r.title);
      const theirs = matcher.match(record.fields).map((r) => r.id ?? r.title);
      if (mine.join() !== theirs.join() && differences.length < 10) {
        differences.push(`${file} record ${record.recordId}: restored ${mine.join(",")} built ${theirs.join(",")}`);
      }
    }
  }
  t.diagnostic(`${restored.bucketsRestored} buckets read back, ${restored.bucketsBuilt} built`);
  assert.equal(restored.bucketsBuilt, 0);
  assert.equal(restored.bucketsRestored, stored.bucketsBuilt);
  assert.deepEqual(differences, []);
});

test("the matcher keeps no event once it has matched it (an EVTX record's fields hold its whole chunk)", async () => {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  const matcher = new CompiledMatcher(
    loadDetectionRules(`
title: mimikatz on the command line
logsource: { product: windows, category: process_creation }
detection:
  selection: { CommandLine|contains: mimikatz }
  condition: selection
---
title: not from the usual folder (evaluated on every process creation)
logsource: { product: windows, category: process_creation }
detection:
  usual: { Image|startswith: 'C:\\Windows\\' }
  condition: not usual
`),
  );
  const seen: WeakRef<FieldView>[] = [];
  const fired: string[] = [];
  // In a function of its own, so that no local of this test holds an event.
  (() => {
    for (const image of ["C:\\Windows\\cmd.exe", "D:\\tools\\m.exe"]) {
      const fields = view({
        "System.Channel": "Security",
        "System.EventID": 4688,
        "EventData.NewProcessName": image,
        "EventData.CommandLine": `${image} mimikatz`,
      });
      seen.push(new WeakRef(fields));
      fired.push(...matcher.match(fields).map((r) => r.title));
    }
  })();
  assert.deepEqual(fired, [
    "mimikatz on the command line",
    "mimikatz on the command line",
    "not from the usual folder (evaluated on every process creation)",
  ]);
  // Weak references are cleared only once the job that made them is over.
  await new Promise((next) => setImmediate(next));
  gc();
  assert.deepEqual(
    seen.map((r) => r.deref() === undefined),
    [true, true],
  );
});
