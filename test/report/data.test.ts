/**
 * The report's data model: aggregates over every detection, the bounded set kept in full (most severe, then
 * earliest), value tables, the timeline's buckets, the ATT&CK cells and the scope as the page gets it.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { deserialize, serialize } from "node:v8";
import type { Detection } from "../../src/hunt/detection.js";
import { ReportCollector } from "../../src/report/collect.js";
import type { ReportData, ReportRow } from "../../src/report/data.js";
import { normalizeScope } from "../../src/report/scope.js";
import { detection, intrusionDetections, intrusionScope, manyDetections, RULES, summaryFor } from "./fixtures.js";

function collect(detections: readonly Detection[], maxDetections?: number, maxValueLength?: number): ReportData {
  const c = new ReportCollector({ maxDetections, maxValueLength });
  // Detections cross threads and temporary files serialized: each carries its own copy of its rule.
  for (const d of detections) c.add(deserialize(serialize(d)) as Detection);
  return c.data({ summary: summaryFor(detections), generatedAt: 0 });
}

/** The row's event as an object again. */
function eventOf(data: ReportData, row: ReportRow): Record<string, unknown> {
  const d = data.detections;
  const shape = d.shapes[row.event[0]];
  return Object.fromEntries(shape.map((f, i) => [d.fields[f], d.values[row.event[i + 1]]]));
}

test("counts cover every detection: levels, rules, hosts, timeline", () => {
  const detections = intrusionDetections();
  const data = collect(detections);
  const levels = ["informational", "low", "medium", "high", "critical"] as const;
  for (const [rank, level] of levels.entries()) {
    assert.equal(data.summary.byLevel[rank], detections.filter((d) => d.rule.level === level).length, level);
  }
  assert.equal(data.summary.detections, detections.length);
  assert.equal(
    data.rules.reduce((n, r) => n + r.count, 0),
    detections.length,
  );
  assert.equal(new Set(data.rules.map((r) => r.title)).size, data.rules.length, "one entry per rule");
  assert.equal(data.rules.find((r) => r.title === RULES.ntds.title)?.count, 2);
  assert.deepEqual([...(data.rules.find((r) => r.title === RULES.ntds.title)?.hosts ?? [])].sort(), [
    "DC01.corp.local",
    "DC02.corp.local",
  ]);
  // Most severe first.
  assert.equal(data.rules[0].level, "critical");
  assert.equal(
    data.hosts.reduce((n, h) => n + h.count, 0),
    detections.length,
  );
  const bucketed = data.timeline.buckets.reduce((n, b) => n + b[1] + b[2] + b[3] + b[4] + b[5], 0);
  assert.equal(bucketed + data.timeline.untimed, detections.length);
  assert.ok(data.timeline.buckets.length <= 600);
  for (let i = 1; i < data.timeline.buckets.length; i++) {
    assert.ok(data.timeline.buckets[i][0] > data.timeline.buckets[i - 1][0], "buckets in time order");
    assert.equal(data.timeline.buckets[i][0] % data.timeline.bucketMs, 0);
  }
  assert.equal(data.summary.firstDetection, detections[0].timestamp);
  assert.equal(data.summary.lastDetection, detections.at(-1)?.timestamp);
});

test("the ATT&CK matrix: each technique of a rule under each of its tactics; untagged rules counted apart", () => {
  const data = collect(intrusionDetections());
  const cell = (tactic: string, technique: string | null) =>
    data.matrix.cells.find((c) => c.tactic === tactic && c.technique === technique);
  assert.equal(cell("credential-access", "T1003.003")?.count, 2);
  assert.equal(cell("credential-access", "T1003.001")?.count, 1);
  // The web shell rule names two tactics and two techniques: four cells.
  for (const tactic of ["persistence", "initial-access"]) {
    for (const technique of ["T1505.003", "T1190"]) assert.equal(cell(tactic, technique)?.count, 6);
  }
  // attack.defense-evasion is Stealth since ATT&CK v19.
  assert.equal(cell("stealth", "T1070.001")?.count, 5);
  assert.equal(data.matrix.untagged, 3);
  const discovery = cell("discovery", "T1087.001");
  assert.deepEqual(
    discovery?.rules.map((i) => data.rules[i].title),
    [RULES.netUser.title],
  );
  // Columns in kill-chain order, only tactics with detections.
  const order = data.matrix.tactics.map((t) => t.id);
  assert.deepEqual(order, [
    "initial-access",
    "execution",
    "persistence",
    "stealth",
    "credential-access",
    "discovery",
    "lateral-movement",
    "collection",
    "command-and-control",
  ]);
  assert.equal(data.matrix.tactics.find((t) => t.id === "lateral-movement")?.count, 24 + 12);
});

test("kept in full: the most severe, the earliest within a level, in time order; aggregates still count all", () => {
  const detections = manyDetections(3000);
  const data = collect(detections, 500);
  assert.equal(data.detections.total, 3000);
  assert.equal(data.detections.kept, 500);
  assert.equal(data.summary.detections, 3000);
  const rank = (level: string) => ["informational", "low", "medium", "high", "critical"].indexOf(level);
  const keptLevels = data.detections.rows.map((r) => rank(data.rules[r.rule].level));
  const lowestKept = Math.min(...keptLevels);
  // Everything above the lowest level kept is kept.
  for (const [i, level] of ["informational", "low", "medium", "high", "critical"].entries()) {
    if (i <= lowestKept) continue;
    assert.equal(
      keptLevels.filter((l) => l === i).length,
      detections.filter((d) => d.rule.level === level).length,
      level,
    );
  }
  // Of the lowest level, the earliest.
  const lowestLevel = ["informational", "low", "medium", "high", "critical"][lowestKept];
  const lowest = detections.filter((d) => d.rule.level === lowestLevel);
  const keptLowest = data.detections.rows.filter((r) => rank(data.rules[r.rule].level) === lowestKept);
  assert.deepEqual(
    keptLowest.map((r) => r.time),
    lowest.slice(0, keptLowest.length).map((d) => d.timestamp),
  );
  for (let i = 1; i < data.detections.rows.length; i++) {
    assert.ok((data.detections.rows[i].time ?? 0) >= (data.detections.rows[i - 1].time ?? 0), "time order");
  }
});

test("events round-trip through the value tables; long values are cut and marked", () => {
  const long = "x".repeat(10_000);
  const d = detection(RULES.wmic, "DC01", Date.UTC(2024, 0, 1), {
    "EventData.CommandLine": long,
    "EventData.Hashes": ["SHA256=AB", "MD5=CD"],
    "EventData.Count": 7,
    "EventData.Flag": true,
    "EventData.Empty": null,
  });
  const again = detection(RULES.wmic, "DC01", Date.UTC(2024, 0, 2), { "EventData.CommandLine": "short" });
  const data = collect([d, again], undefined, 100);
  const event = eventOf(data, data.detections.rows[0]);
  assert.deepEqual(event["EventData.Hashes"], ["SHA256=AB", "MD5=CD"]);
  assert.equal(event["EventData.Count"], 7);
  assert.equal(event["EventData.Flag"], true);
  assert.equal(event["EventData.Empty"], null);
  assert.equal(event["System.Computer"], "DC01");
  const cut = event["EventData.CommandLine"] as string;
  assert.ok(cut.startsWith("x".repeat(100)));
  assert.match(cut, /9,900 more characters not kept/);
  // Cut in the event and in the details.
  assert.equal(data.detections.truncatedValues, 2);
  // Values shared by both events are stored once.
  const provider = data.detections.values.filter((v) => v === "Microsoft-Windows-Security-Auditing");
  assert.equal(provider.length, 1);
  const row = data.detections.rows[1];
  assert.equal(data.detections.values[row.channel], "Security");
  assert.equal(data.rules[row.rule].title, RULES.wmic.title);
  assert.equal(data.hosts[row.host].name, "DC01");
});

test("a correlation keeps its group, value and evidence", () => {
  const data = collect(intrusionDetections());
  const row = data.detections.rows.find((r) => r.correlation !== undefined);
  assert.ok(row?.correlation);
  assert.equal(row.correlation.value, 14);
  assert.deepEqual(row.correlation.group, [["IpAddress", "10.10.20.15"]]);
  assert.equal(row.correlation.evidence[0].rule, "Failed Logon");
  assert.equal(data.rules[row.rule].kind, "correlation");
});

test("the scope: times to ms, zones named, moves toward OT marked, listed crossings drawn", () => {
  const scope = normalizeScope(intrusionScope());
  assert.equal(scope.incidents.length, 2);
  assert.equal(scope.incidents[0].firstSeen, Date.UTC(2024, 4, 14, 1, 14, 0));
  assert.equal(scope.nodes.length, 11);
  const crossings = scope.edges
    .filter((e) => e.crossing)
    .map((e) => `${e.source.split(".")[0]}>${e.target.split(".")[0]}`);
  // IT -> OT-DMZ and OT-DMZ -> OT; not within a zone.
  assert.deepEqual(crossings.sort(), ["FS01>JUMP01", "JUMP01>EWS01", "JUMP01>HMI01"]);
  assert.equal(scope.reach.find((f) => f.label === "zones")?.text, "IT: 5, OT-DMZ: 1, OT: 2");
  assert.deepEqual(scope.logonSummary?.columns, ["account", "host", "logonType", "count"]);
  assert.equal(scope.incidents[0].evidence[2][0].text, "LSASS dumped on FS01 with comsvcs.dll");
  assert.equal(scope.incidents[0].evidence[0].find((f) => f.label === "timestamp")?.time, Date.UTC(2024, 4, 14, 1, 14));

  const partial = normalizeScope({
    graph: { nodes: [{ id: "A", zone: "it" }], edges: [{ source: "A", target: "B" }] },
    otCrossings: [{ source: "C", target: "D", method: "SMB" }],
  });
  assert.equal(partial.nodes.find((n) => n.id === "A")?.zone, "IT");
  assert.deepEqual(
    partial.nodes.map((n) => n.id),
    ["A", "B", "C", "D"],
  );
  assert.deepEqual(
    partial.edges.map((e) => [e.source, e.target, e.crossing, e.count]),
    [
      ["A", "B", false, 1],
      ["C", "D", true, 1],
    ],
  );
  assert.deepEqual(normalizeScope({}), {
    incidents: [],
    nodes: [],
    edges: [],
    reach: [],
    reachTable: null,
    logonSummary: null,
  });
});

test("the scope report's own shape maps on as it is: severity scores, evidence objects, reach and logon lists", () => {
  // As scoping writes it (a value, not a literal typed as ReportScope, so extra fields are allowed).
  const report = {
    incidents: [
      {
        id: "incident-1",
        firstSeen: "2024-05-14T01:14:00.000Z",
        lastSeen: null,
        hosts: ["DC01"],
        accounts: ["CORP\\admin"],
        sources: ["10.0.0.5"],
        tactics: ["credential-access"],
        severity: 87,
        severityLevel: "critical" as const,
        severityReasons: ["tier 0"],
        evidence: [
          {
            time: "2024-05-14T01:14:00.000Z",
            host: "DC01",
            rule: "NTDS",
            level: "critical" as const,
            tactics: ["credential-access"],
            details: { CommandLine: "ntdsutil ifm" },
            recordId: "7",
            file: "/e/DC01.evtx",
          },
        ],
      },
    ],
    graph: {
      nodes: [
        {
          id: "h:dc01",
          kind: "host" as const,
          names: ["DC01"],
          zone: "IT" as const,
          incidents: ["incident-1"],
          role: null,
        },
        { id: "h:ews", kind: "host" as const, names: ["EWS01"], zone: "OT" as const, incidents: [], role: "ews" },
      ],
      edges: [
        {
          source: "h:dc01",
          target: "h:ews",
          account: "CORP\\admin",
          method: "rdp",
          firstSeen: "2024-05-14T02:00:00.000Z",
          lastSeen: null,
          count: 2,
          details: ["4624 type 10"],
          inferred: false,
          samples: [],
        },
      ],
    },
    reach: [
      { incident: "incident-1", host: "EWS01", from: "DC01", method: "rdp", at: "2024-05-14T02:00:00.000Z", hops: 1 },
    ],
    otCrossings: [
      {
        source: "h:dc01",
        target: "h:ews",
        sourceZone: "IT",
        targetZone: "OT",
        skipsDmz: true,
        method: "rdp",
        count: 2,
      },
    ],
    logonSummary: {
      entries: [{ account: "CORP\\admin", source: "10.0.0.5", logonType: 10, successes: 3, failures: 0, firstSeen: 0 }],
      entriesOmitted: 0,
      accounts: [],
      failureBursts: [],
    },
    tier0Touched: [],
  };
  const scope = normalizeScope(report);
  assert.equal(scope.incidents[0].severity, "critical");
  const evidence = scope.incidents[0].evidence[0];
  assert.equal(evidence.find((f) => f.label === "time")?.time, Date.UTC(2024, 4, 14, 1, 14));
  assert.equal(evidence.find((f) => f.label === "details")?.text, "CommandLine: ntdsutil ifm");
  assert.deepEqual(
    scope.nodes.map((n) => [n.id, n.label, n.zone, n.compromised]),
    [
      ["h:dc01", "DC01", "IT", true],
      ["h:ews", "EWS01", "OT", false],
    ],
  );
  assert.equal(scope.nodes[1].facts.find((f) => f.label === "role")?.text, "ews");
  assert.equal(scope.edges.length, 1);
  assert.equal(scope.edges[0].crossing, true);
  assert.deepEqual(scope.reachTable?.columns, ["incident", "host", "from", "method", "at", "hops"]);
  assert.deepEqual(scope.logonSummary?.rows[0], [
    "CORP\\admin",
    "10.0.0.5",
    "10",
    "3",
    "0",
    "1970-01-01T00:00:00.000Z",
  ]);
});

test("no detections: an empty but whole report", () => {
  const data = collect([]);
  assert.equal(data.detections.rows.length, 0);
  assert.deepEqual(data.timeline.buckets, []);
  assert.deepEqual(data.matrix.tactics, []);
  assert.equal(data.scope, null);
  assert.equal(data.summary.firstDetection, null);
});
