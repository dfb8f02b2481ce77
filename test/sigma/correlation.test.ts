/**
 * Correlation rules (spec: sigma-correlation-rules-specification.md 2.1.0) and filter rules (sigma-filters-
 * specification.md): every correlation type with events that must fire and near misses that must not, windows,
 * group-by, aliases, chaining, generate, bounded state; filters suppressing the rules they name.
 */
import assert from "node:assert/strict";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import type { FieldValue } from "../../src/evtx/types.js";
import { CompiledMatcher } from "../../src/sigma/compile/matcher.js";
import { type CorrelationAlert, CorrelationEngine, type RuleMatch } from "../../src/sigma/correlation.js";
import { loadRules } from "../../src/sigma/load.js";
import type { CorrelationRule, DetectionRule, FilterRule } from "../../src/sigma/model.js";
import { ReferenceEvaluator } from "../../src/sigma/reference.js";
import { loadRuleText } from "../../src/sigma/rule-text.js";
import { view } from "./helpers.js";

const MIN = 60_000;

function rules(text: string) {
  const { rules: all, problems } = loadRuleText(text, "correlation.yml");
  assert.deepEqual(problems, []);
  return {
    detections: all.filter((r): r is DetectionRule => r.kind === "detection"),
    correlations: all.filter((r): r is CorrelationRule => r.kind === "correlation"),
    filters: all.filter((r): r is FilterRule => r.kind === "filter"),
  };
}

function match(rule: DetectionRule, minute: number, fields: Record<string, FieldValue>): RuleMatch {
  return { rule, timestamp: minute * MIN, field: (name) => fields[name] };
}

/** Feeds the matches in order and flushes; all alerts. */
function run(engine: CorrelationEngine, matches: readonly RuleMatch[]): CorrelationAlert[] {
  const out: CorrelationAlert[] = [];
  for (const m of matches) out.push(...engine.observe(m));
  out.push(...engine.flush());
  return out;
}

const FAILED = `
title: Failed logon
id: 5638f7c0-ac70-491d-8465-2a65075e0d86
name: failed_logon
logsource: { product: windows, service: security }
detection:
  selection: { EventID: 4625 }
  condition: selection
`;

function correlation(body: string, extra = ""): string {
  return `${FAILED}---\ntitle: Correlation\nname: corr\n${extra}correlation:\n${body}`;
}

describe("event_count", () => {
  const { detections, correlations } = rules(
    correlation(`  type: event_count
  rules: [failed_logon]
  group-by: [TargetUserName]
  timespan: 10m
  condition: { gte: 3 }
`),
  );
  const failed = detections[0] as DetectionRule;

  test("fires once when the count is reached within the window, per group", () => {
    const alerts = run(new CorrelationEngine(correlations, detections), [
      match(failed, 0, { TargetUserName: "alice" }),
      match(failed, 1, { TargetUserName: "bob" }),
      match(failed, 2, { TargetUserName: "alice" }),
      match(failed, 3, { TargetUserName: "alice" }),
      match(failed, 4, { TargetUserName: "alice" }),
    ]);
    assert.equal(alerts.length, 1);
    const a = alerts[0] as CorrelationAlert;
    assert.equal(a.value, 3);
    assert.equal(a.group.get("TargetUserName"), "alice");
    assert.equal(a.firstSeen, 0);
    assert.equal(a.timestamp, 3 * MIN);
    assert.equal(a.matchCount, 3);
  });

  test("near miss: the same count spread wider than the timespan does not fire", () => {
    const alerts = run(new CorrelationEngine(correlations, detections), [
      match(failed, 0, { TargetUserName: "alice" }),
      match(failed, 8, { TargetUserName: "alice" }),
      match(failed, 16, { TargetUserName: "alice" }),
      match(failed, 24, { TargetUserName: "alice" }),
    ]);
    assert.deepEqual(alerts, []);
  });

  test("the window slides: three within any 10 minutes fire even after a lone early match", () => {
    const alerts = run(new CorrelationEngine(correlations, detections), [
      match(failed, 0, { TargetUserName: "alice" }),
      match(failed, 20, { TargetUserName: "alice" }),
      match(failed, 25, { TargetUserName: "alice" }),
      match(failed, 29, { TargetUserName: "alice" }),
    ]);
    assert.equal(alerts.length, 1);
    assert.equal(alerts[0]?.firstSeen, 20 * MIN);
  });

  test("a missing group-by field is its own group (null)", () => {
    const alerts = run(new CorrelationEngine(correlations, detections), [
      match(failed, 0, {}),
      match(failed, 1, {}),
      match(failed, 2, {}),
    ]);
    assert.equal(alerts[0]?.group.get("TargetUserName"), null);
  });
});

describe("conditions judged when the window closes: lt, eq, neq and ranges", () => {
  const make = (condition: string) => {
    const { detections, correlations } = rules(
      correlation(`  type: event_count
  rules: [failed_logon]
  group-by: [Computer]
  timespan: 10m
  condition: ${condition}
`),
    );
    return { engine: new CorrelationEngine(correlations, detections), failed: detections[0] as DetectionRule };
  };

  test("range gt 2 and lte 3: three fire, four do not", () => {
    const three = make("{ gt: 2, lte: 3 }");
    const a = run(
      three.engine,
      [0, 1, 2].map((m) => match(three.failed, m, { Computer: "dc1" })),
    );
    assert.equal(a.length, 1);
    assert.equal(a[0]?.value, 3);
    const four = make("{ gt: 2, lte: 3 }");
    assert.deepEqual(
      run(
        four.engine,
        [0, 1, 2, 3].map((m) => match(four.failed, m, { Computer: "dc1" })),
      ),
      [],
    );
  });

  test("lt 2: a window with one match fires when it closes (by a later match or at the end)", () => {
    const { engine, failed } = make("{ lt: 2 }");
    const first = engine.observe(match(failed, 0, { Computer: "dc1" }));
    assert.deepEqual(first, []);
    const closedByLater = engine.observe(match(failed, 30, { Computer: "dc1" }));
    assert.equal(closedByLater.length, 1);
    assert.equal(closedByLater[0]?.value, 1);
    assert.equal(engine.flush().length, 1);
  });

  test("eq and neq", () => {
    const eq = make("{ eq: 2 }");
    assert.equal(
      run(eq.engine, [match(eq.failed, 0, { Computer: "a" }), match(eq.failed, 1, { Computer: "a" })]).length,
      1,
    );
    const neq = make("{ neq: 2 }");
    assert.equal(
      run(neq.engine, [match(neq.failed, 0, { Computer: "a" }), match(neq.failed, 1, { Computer: "a" })]).length,
      0,
    );
  });
});

describe("value_count", () => {
  const { detections, correlations } = rules(
    correlation(`  type: value_count
  rules: [failed_logon]
  group-by: [IpAddress]
  timespan: 5m
  condition: { field: TargetUserName, gte: 3 }
`),
  );
  const failed = detections[0] as DetectionRule;

  test("password spray: one source, three distinct accounts", () => {
    const alerts = run(
      new CorrelationEngine(correlations, detections),
      ["alice", "bob", "carol"].map((u, i) => match(failed, i, { IpAddress: "10.0.0.9", TargetUserName: u })),
    );
    assert.equal(alerts.length, 1);
    assert.equal(alerts[0]?.value, 3);
  });

  test("near miss: the same account three times is one distinct value", () => {
    const alerts = run(
      new CorrelationEngine(correlations, detections),
      [0, 1, 2].map((i) => match(failed, i, { IpAddress: "10.0.0.9", TargetUserName: "alice" })),
    );
    assert.deepEqual(alerts, []);
  });
});

const RECON = `
title: Whoami
name: recon_whoami
logsource: { product: windows, category: process_creation }
detection:
  selection: { Image|endswith: '\\whoami.exe' }
  condition: selection
---
title: Net group
name: recon_net
logsource: { product: windows, category: process_creation }
detection:
  selection: { CommandLine|contains: 'net group' }
  condition: selection
---
title: Nltest
name: recon_nltest
logsource: { product: windows, category: process_creation }
detection:
  selection: { Image|endswith: '\\nltest.exe' }
  condition: selection
`;

describe("temporal and temporal_ordered", () => {
  const make = (type: string, condition = "") => {
    const { detections, correlations } = rules(`${RECON}---
title: Recon burst
correlation:
  type: ${type}
  rules: [recon_whoami, recon_net, recon_nltest]
  group-by: [Computer, User]
  timespan: 5m
${condition}`);
    const [whoami, net, nltest] = detections as [DetectionRule, DetectionRule, DetectionRule];
    return { engine: () => new CorrelationEngine(correlations, detections), whoami, net, nltest };
  };
  const host = { Computer: "ws1", User: "CORP\\svc" };

  test("temporal: all named rules within the timespan, in any order", () => {
    const { engine, whoami, net, nltest } = make("temporal");
    const alerts = run(engine(), [match(nltest, 0, host), match(whoami, 1, host), match(net, 2, host)]);
    assert.equal(alerts.length, 1);
    assert.equal(alerts[0]?.value, 3);
  });

  test("temporal near misses: one rule missing; another host; too far apart", () => {
    const { engine, whoami, net, nltest } = make("temporal");
    assert.deepEqual(run(engine(), [match(whoami, 0, host), match(net, 1, host), match(net, 2, host)]), []);
    assert.deepEqual(
      run(engine(), [match(whoami, 0, host), match(net, 1, host), match(nltest, 2, { ...host, Computer: "ws2" })]),
      [],
    );
    assert.deepEqual(run(engine(), [match(whoami, 0, host), match(net, 1, host), match(nltest, 9, host)]), []);
  });

  test("temporal with a condition: the count of distinct rules", () => {
    const { engine, whoami, net } = make("temporal", "  condition: { gte: 2 }\n");
    assert.equal(run(engine(), [match(whoami, 0, host), match(net, 1, host)]).length, 1);
  });

  test("temporal_ordered: the rules in the listed order fire; another order does not", () => {
    const { engine, whoami, net, nltest } = make("temporal_ordered");
    assert.equal(run(engine(), [match(whoami, 0, host), match(net, 1, host), match(nltest, 2, host)]).length, 1);
    assert.deepEqual(run(engine(), [match(nltest, 0, host), match(net, 1, host), match(whoami, 2, host)]), []);
    // An out-of-order extra does not break a sequence that is there.
    assert.equal(
      run(engine(), [match(net, 0, host), match(whoami, 1, host), match(net, 2, host), match(nltest, 3, host)]).length,
      1,
    );
  });
});

describe("value_sum, value_avg, value_percentile", () => {
  const NET = `
title: Outbound connection
name: outbound
logsource: { product: windows, category: network_connection }
detection:
  selection: { Initiated: 'true' }
  condition: selection
`;
  const make = (type: string, condition: string) => {
    const { detections, correlations } = rules(`${NET}---
title: Metric
correlation:
  type: ${type}
  rules: [outbound]
  group-by: [SourceIp]
  timespan: 1h
  condition: ${condition}
`);
    return { engine: new CorrelationEngine(correlations, detections), out: detections[0] as DetectionRule };
  };
  const feed = (type: string, condition: string, bytes: number[]) => {
    const { engine, out } = make(type, condition);
    return run(
      engine,
      bytes.map((b, i) => match(out, i, { SourceIp: "10.1.1.1", BytesOut: b })),
    );
  };

  test("value_sum over the window", () => {
    assert.equal(feed("value_sum", "{ field: BytesOut, gt: 1000 }", [400, 400, 400])[0]?.value, 1200);
    assert.deepEqual(feed("value_sum", "{ field: BytesOut, gt: 1000 }", [400, 400]), []);
  });

  test("value_avg over the window", () => {
    assert.equal(feed("value_avg", "{ field: BytesOut, gt: 500 }", [400, 900])[0]?.value, 650);
    assert.deepEqual(feed("value_avg", "{ field: BytesOut, gt: 500 }", [400, 500]), []);
  });

  test("value_percentile with percentile: nearest rank of the numbers", () => {
    const values = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100];
    assert.equal(feed("value_percentile", "{ field: BytesOut, percentile: 90, gte: 90 }", values)[0]?.value, 90);
    assert.deepEqual(feed("value_percentile", "{ field: BytesOut, percentile: 50, gte: 60 }", values), []);
  });

  test("value_percentile without percentile (the spec's example): a value's share of the window, in percent", () => {
    const { detections, correlations } = rules(`
title: Process creation
name: process_creation
logsource: { product: windows, category: process_creation }
detection:
  selection: { Image|contains: '\\' }
  condition: selection
---
title: Rare process on a host
correlation:
  type: value_percentile
  rules: [process_creation]
  group-by: [Computer]
  timespan: 24h
  condition: { field: Image, lte: 1 }
`);
    const proc = detections[0] as DetectionRule;
    const events = Array.from({ length: 200 }, (_, i) =>
      match(proc, i, { Computer: "hmi1", Image: i === 7 ? "C:\\Temp\\frpc.exe" : "C:\\Windows\\explorer.exe" }),
    );
    const alerts = run(new CorrelationEngine(correlations, detections), events);
    assert.equal(alerts.length, 1);
    assert.deepEqual(alerts[0]?.values, ["C:\\Temp\\frpc.exe"]);
    assert.equal(alerts[0]?.value, 0.5);
    const common = run(
      new CorrelationEngine(correlations, detections),
      events.slice(0, 50).map((e) => match(proc, e.timestamp / MIN, { Computer: "hmi1", Image: "x.exe" })),
    );
    assert.deepEqual(common, []);
  });
});

describe("aliases, chaining, generate, references", () => {
  test("aliases: one group across fields with different names in different rules", () => {
    const { detections, correlations } = rules(`
title: Inbound RDP
name: rdp_in
logsource: { product: windows, service: security }
detection:
  selection: { EventID: 4624, LogonType: 10 }
  condition: selection
---
title: Outbound from that host
name: net_out
logsource: { product: windows, category: network_connection }
detection:
  selection: { Initiated: 'true' }
  condition: selection
---
title: Hop
correlation:
  type: temporal
  rules: [rdp_in, net_out]
  aliases:
    host_ip:
      rdp_in: IpAddress
      net_out: DestinationIp
  group-by: [host_ip]
  timespan: 10m
`);
    const [rdp, net] = detections as [DetectionRule, DetectionRule];
    const engine = () => new CorrelationEngine(correlations, detections);
    const alerts = run(engine(), [
      match(rdp, 0, { IpAddress: "10.0.0.5" }),
      match(net, 1, { DestinationIp: "10.0.0.5" }),
    ]);
    assert.equal(alerts.length, 1);
    assert.equal(alerts[0]?.group.get("host_ip"), "10.0.0.5");
    assert.deepEqual(
      run(engine(), [match(rdp, 0, { IpAddress: "10.0.0.5" }), match(net, 1, { DestinationIp: "10.0.0.6" })]),
      [],
    );
  });

  test("chaining (the spec's example): many failed logons, then a success, by the same user", () => {
    const { detections, correlations } = rules(`
title: Failed followed by success
correlation:
  type: temporal_ordered
  rules: [multiple_failed_login, successful_login]
  group-by: [User]
  timespan: 10m
---
title: Multiple failed logons
name: multiple_failed_login
correlation:
  type: event_count
  rules: [failed_login]
  group-by: [User]
  timespan: 10m
  condition: { gte: 3 }
---
title: Single failed login
name: failed_login
logsource: { product: windows, service: security }
detection:
  selection: { EventID: [529, 4625] }
  condition: selection
---
title: Successful login
name: successful_login
logsource: { product: windows, service: security }
detection:
  selection: { EventID: [528, 4624] }
  condition: selection
`);
    const [failed, success] = detections as [DetectionRule, DetectionRule];
    const engine = new CorrelationEngine(correlations, detections);
    const alerts = run(engine, [
      match(failed, 0, { User: "alice" }),
      match(failed, 1, { User: "alice" }),
      match(failed, 2, { User: "alice" }),
      match(success, 3, { User: "alice" }),
      match(success, 4, { User: "bob" }),
    ]);
    assert.deepEqual(
      alerts.map((a) => a.rule.title),
      ["Multiple failed logons", "Failed followed by success"],
    );
    // Without generate, the named rules' own matches are not reported; the chain's inner correlation neither.
    assert.equal(engine.reportsOwnMatches(failed), false);
    assert.equal(engine.reportsOwnMatches(success), false);
    assert.equal(engine.reportsOwnMatches(correlations[1] as CorrelationRule), false);
  });

  test("generate: true lets the named rules report their own matches", () => {
    const { detections, correlations } = rules(
      correlation(
        `  type: event_count
  rules: [failed_logon]
  group-by: [User]
  timespan: 1m
  condition: { gte: 2 }
`,
        "",
      ).replace("correlation:\n", "generate: true\ncorrelation:\n"),
    );
    const engine = new CorrelationEngine(correlations, detections);
    assert.equal(engine.reportsOwnMatches(detections[0] as DetectionRule), true);
  });

  test("a correlation naming a rule that is not loaded, or a cycle, is reported and never runs", () => {
    const { detections, correlations } = rules(`
title: Missing
correlation: { type: event_count, rules: [nope], group-by: [A], timespan: 1m, condition: { gte: 1 } }
---
title: Loop A
name: loop_a
correlation: { type: event_count, rules: [loop_b], group-by: [A], timespan: 1m, condition: { gte: 1 } }
---
title: Loop B
name: loop_b
correlation: { type: event_count, rules: [loop_a], group-by: [A], timespan: 1m, condition: { gte: 1 } }
`);
    const engine = new CorrelationEngine(correlations, detections);
    assert.deepEqual(
      engine.problems.map((p) => `${p.title}: ${p.reason}`),
      [
        "Missing: names rules that are not loaded: nope",
        "Loop A: correlation rules name each other in a cycle",
        "Loop B: correlation rules name each other in a cycle",
      ],
    );
  });
});

describe("bounded state", () => {
  test("groups past their window are swept; the open-group cap closes the least recent and is reported", () => {
    const { detections, correlations } = rules(
      correlation(`  type: event_count
  rules: [failed_logon]
  group-by: [IpAddress]
  timespan: 1m
  condition: { gte: 2 }
`),
    );
    const failed = detections[0] as DetectionRule;
    const engine = new CorrelationEngine(correlations, detections, { maxGroups: 100 });
    // 10,000 sources, one match each: never more than 100 groups open.
    for (let i = 0; i < 10_000; i++)
      engine.observe(match(failed, i / 1000, { IpAddress: `10.0.${i >> 8}.${i & 255}` }));
    assert.equal(engine.stats.groupsEvicted, 9_900);
    assert.deepEqual([...engine.stats.capped], ["Correlation"]);
    // A spray from one source still fires under the cap.
    const alerts = [failed, failed].flatMap((r, i) =>
      engine.observe(match(r, 20 + i / 100, { IpAddress: "10.9.9.9" })),
    );
    assert.equal(alerts.length, 1);
  });
});

describe("filters", () => {
  const text = `
title: Rar compression
id: 6f3e2987-db24-4c78-a860-b4f4095a7095
logsource: { product: windows, category: process_creation }
detection:
  selection: { Image|endswith: '\\rar.exe' }
  condition: selection
---
title: Whoami
name: whoami
logsource: { product: windows, category: process_creation }
detection:
  selection: { Image|endswith: '\\whoami.exe' }
  condition: selection
---
title: Filter Administrator account
logsource: { product: windows, category: process_creation }
filter:
  rules: [6f3e2987-db24-4c78-a860-b4f4095a7095]
  selection: { User|startswith: 'adm_' }
  condition: selection
`;
  const { detections, filters } = rules(text);
  const sysmon = (image: string, user: string) =>
    view({
      "System.Channel": "Microsoft-Windows-Sysmon/Operational",
      "System.EventID": 1,
      "EventData.Image": image,
      "EventData.User": user,
    });

  for (const [name, make] of [
    ["compiled", () => new CompiledMatcher(detections, { filters })],
    ["reference", () => new ReferenceEvaluator(detections, { filters })],
  ] as const) {
    test(`${name}: the filter suppresses the named rule's matches it covers, and nothing else`, () => {
      const m = make();
      const titles = (e: ReturnType<typeof sysmon>) => m.match(e).map((r) => r.title);
      assert.deepEqual(titles(sysmon("C:\\Tools\\rar.exe", "adm_backup")), []);
      assert.deepEqual(titles(sysmon("C:\\Tools\\rar.exe", "jdoe")), ["Rar compression"]);
      // A rule the filter does not name keeps its match.
      assert.deepEqual(titles(sysmon("C:\\Windows\\System32\\whoami.exe", "adm_backup")), ["Whoami"]);
    });
  }

  test("a filter naming no loaded rule is reported", () => {
    const orphan = rules(
      text.replace("6f3e2987-db24-4c78-a860-b4f4095a7095]", "00000000-0000-0000-0000-000000000000]"),
    );
    const m = new CompiledMatcher(orphan.detections, { filters: orphan.filters });
    assert.match(m.problems[0]?.reason ?? "", /names no loaded rule/);
  });

  test("not selection: the filter suppresses everything but what its selection describes", () => {
    const inverse = rules(text.replace(/condition: selection\n$/, "condition: not selection\n"));
    const m = new CompiledMatcher(inverse.detections, { filters: inverse.filters });
    assert.deepEqual(
      m.match(sysmon("C:\\Tools\\rar.exe", "adm_backup")).map((r) => r.title),
      ["Rar compression"],
    );
    assert.deepEqual(m.match(sysmon("C:\\Tools\\rar.exe", "jdoe")), []);
  });
});

const schema = fileURLToPath(new URL("../../../shared/sigma-spec/tests/schema", import.meta.url));
const skip = existsSync(schema) ? false : `Sigma specification tests absent: ${schema} does not exist`;

test("the specification's correlation and filter examples load", { skip }, async () => {
  for (const dir of ["correlation", "filter"]) {
    const files = readdirSync(join(schema, dir)).map((f) => join(schema, dir, f));
    const { rules: loaded, problems } = await loadRules(files);
    assert.deepEqual(problems, [], dir);
    assert.equal(loaded.length, files.length, dir);
    assert.ok(loaded.every((r) => r.kind === dir));
  }
});
