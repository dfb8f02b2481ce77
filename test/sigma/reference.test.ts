/** The reference evaluator on rules written in the test and events given as flat field views. */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { FieldValue } from "../../src/evtx/types.js";
import { ReferenceEvaluator } from "../../src/sigma/reference.js";
import { loadDetectionRules as rules, view } from "./helpers.js";

const ntdsutil = rules(`
title: ntdsutil IFM
id: 5a1c1c52-8b2f-4ad1-9a4f-6b2f0c1f0001
logsource: { category: process_creation, product: windows }
detection:
  selection_img:
    - Image|endswith: '\\ntdsutil.exe'
    - OriginalFileName: 'ntdsutil.exe'
  selection_cli:
    CommandLine|contains|all: ['ac i ntds', 'ifm']
  filter_backup:
    User|startswith: 'CORP\\svc_backup'
  condition: all of selection_* and not 1 of filter_*
level: high
`);

const sysmon = (fields: Record<string, FieldValue>) =>
  view({ "System.Channel": "Microsoft-Windows-Sysmon/Operational", "System.EventID": 1, ...fields });
const security4688 = (fields: Record<string, FieldValue>) =>
  view({ "System.Channel": "Security", "System.EventID": 4688, ...fields });

test("matches the abuse and not the near misses", () => {
  const evaluator = new ReferenceEvaluator(ntdsutil);
  assert.equal(evaluator.ruleCount, 1);
  const hit = sysmon({
    "EventData.Image": "C:\\Windows\\System32\\ntdsutil.exe",
    "EventData.CommandLine": 'ntdsutil "AC I NTDS" "IFM" "create full c:\\temp" q q',
    "EventData.User": "CORP\\jdoe",
  });
  assert.equal(evaluator.match(hit).length, 1);
  // Only one of the two command-line needles: `all` fails.
  assert.equal(
    evaluator.match(sysmon({ "EventData.Image": "C:\\x\\ntdsutil.exe", "EventData.CommandLine": "ntdsutil ac i ntds" }))
      .length,
    0,
  );
  // The backup account is filtered out.
  assert.equal(
    evaluator.match(
      sysmon({
        "EventData.Image": "C:\\x\\ntdsutil.exe",
        "EventData.CommandLine": "ntdsutil ac i ntds ifm",
        "EventData.User": "CORP\\svc_backup01",
      }),
    ).length,
    0,
  );
});

test("log sources: process_creation covers Security 4688 with its field names, not other events", () => {
  const evaluator = new ReferenceEvaluator(ntdsutil);
  const cli = "ntdsutil ac i ntds ifm q q";
  assert.equal(
    evaluator.match(
      security4688({ "EventData.NewProcessName": "C:\\Windows\\System32\\ntdsutil.exe", "EventData.CommandLine": cli }),
    ).length,
    1,
  );
  // Sysmon network connection (EventID 3) is not process_creation.
  assert.equal(
    evaluator.match(
      view({
        "System.Channel": "Microsoft-Windows-Sysmon/Operational",
        "System.EventID": 3,
        "EventData.Image": "C:\\x\\ntdsutil.exe",
        "EventData.CommandLine": cli,
      }),
    ).length,
    0,
  );
});

test("service logsources, keywords, them, and rules for other products", () => {
  const evaluator = new ReferenceEvaluator(
    rules(`
title: log cleared
logsource: { product: windows, service: security }
detection:
  selection: { EventID: 1102 }
  condition: selection
---
title: portproxy keyword
logsource: { product: windows, service: security }
detection:
  keywords: ['portproxy add v4tov4']
  condition: all of them
---
title: linux only
logsource: { product: linux, category: process_creation }
detection:
  selection: { Image|endswith: '/bash' }
  condition: selection
`),
  );
  assert.equal(evaluator.ruleCount, 2, "the Linux rule does not apply to Windows event logs");
  assert.deepEqual(
    evaluator
      .match(security4688({ "EventData.CommandLine": "netsh interface PortProxy add v4tov4 listenport=9999" }))
      .map((r) => r.title),
    ["portproxy keyword"],
  );
  assert.deepEqual(
    evaluator.match(view({ "System.Channel": "Security", "System.EventID": 1102 })).map((r) => r.title),
    ["log cleared"],
  );
  assert.deepEqual(evaluator.match(view({ "System.Channel": "System", "System.EventID": 1102 })), []);
});

test("a rule whose modifiers cannot run is reported, not dropped", () => {
  const evaluator = new ReferenceEvaluator(
    rules(`
title: bad regex
id: 5a1c1c52-8b2f-4ad1-9a4f-6b2f0c1f0002
logsource: { product: windows, service: security }
detection:
  selection: { CommandLine|re: '(?<=x)y' }
  condition: selection
`),
  );
  assert.equal(evaluator.ruleCount, 0);
  assert.equal(evaluator.problems.length, 1);
  assert.equal(evaluator.problems[0].severity, "unsupported");
  assert.equal(evaluator.problems[0].id, "5a1c1c52-8b2f-4ad1-9a4f-6b2f0c1f0002");
});
