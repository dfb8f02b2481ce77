/**
 * The report on a small intrusion built in code, IT to OT: reach in time order with the "reached, no detection" flag,
 * crossings IT -> OT-DMZ -> OT, tier-0 hosts by inventory role and by their own logs, severity, the JSON shape the
 * issue asks for, and the terminal section (hostile names escaped, 100 columns).
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { displayWidth } from "../../src/output/terminal.js";
import { parseAssets } from "../../src/scope/assets.js";
import { IncidentBuilder } from "../../src/scope/incidents.js";
import { buildScope, REACHED_NO_DETECTION, type ScopeReport } from "../../src/scope/report.js";
import { scoreIncident } from "../../src/scope/severity.js";
import { renderScopeSummary } from "../../src/scope/summary.js";
import { collect, detection, event, logon, security, shareAccess, sysmon } from "./helpers.js";

const ASSETS = `host,zone,role,criticality
WS01.corp.local,IT,workstation,low
SRV02,IT,file-server,medium
dc01.corp.local,it,domain-controller,critical
JUMP01.corp.local,OT-DMZ,jump-server,high
HIST01,OT-DMZ,historian,high
HMI01.corp.local,OT,hmi,critical
HMI02,OT,hmi,critical
`;

const RCM = "Microsoft-Windows-TerminalServices-RemoteConnectionManager/Operational";

function scenario(): ScopeReport {
  const facts = collect([
    // Addresses: SRV02 is 10.0.0.12 (its machine account), JUMP01 is 10.1.0.5.
    logon("DC01.corp.local", 1, { user: "SRV02$", ip: "10.0.0.12" }),
    logon("DC01.corp.local", 1, { user: "JUMP01$", ip: "10.1.0.5" }),
    // Before the first detection: WS01 -> HIST01 (crosses into the OT-DMZ, but before the incident).
    security(4648, "WS01.corp.local", 5, {
      SubjectUserName: "jdoe",
      SubjectDomainName: "CORP",
      TargetUserName: "jdoe",
      TargetDomainName: "CORP",
      TargetServerName: "HIST01",
      IpAddress: "-",
    }),
    logon("SRV02.corp.local", 10, { user: "jdoe", ip: "10.0.0.5", workstation: "WS01" }),
    shareAccess(5145, "DC01.corp.local", 20, { user: "jdoe", ip: "10.0.0.12", share: "ADMIN$", relative: "x.exe" }),
    event(
      RCM,
      1149,
      "JUMP01.corp.local",
      30,
      {},
      {
        "UserData.EventXML.Param1": "jdoe",
        "UserData.EventXML.Param2": "CORP",
        "UserData.EventXML.Param3": "10.0.0.12",
      },
    ),
    logon("HMI01.corp.local", 40, { user: "operator", type: 10, ip: "10.1.0.5" }),
    sysmon(1, "SRV02.corp.local", 45, {
      Image: "C:\\Windows\\System32\\wbem\\WMIC.exe",
      CommandLine: "wmic /node:HMI02 process call create cmd.exe",
      User: "CORP\\jdoe",
    }),
    // Unrelated: WS99 -> FS09, never reached.
    logon("FS09", 50, { user: "msmith", workstation: "WS99" }),
    // DC02 is a domain controller by its own logs (a KDC logs 4769).
    security(4769, "DC02.corp.local", 3, {
      TargetUserName: "jdoe@CORP.LOCAL",
      ServiceName: "cifs/srv02",
      IpAddress: "::ffff:10.0.0.5",
    }),
  ]);
  const builder = new IncidentBuilder();
  builder.add(
    detection({
      minute: 8,
      computer: "WS01.corp.local",
      level: "high",
      title: "Encoded PowerShell",
      tags: ["attack.execution"],
      event: { "EventData.User": "CORP\\jdoe" },
    }),
  );
  builder.add(
    detection({
      minute: 15,
      computer: "SRV02.corp.local",
      level: "critical",
      title: "LSASS dump",
      tags: ["attack.credential-access"],
      event: { "EventData.User": "CORP\\jdoe" },
    }),
  );
  builder.add(
    detection({
      minute: 16,
      computer: "DC02.corp.local",
      level: "high",
      title: "Odd logon",
      eventId: 4624,
      tags: ["attack.lateral-movement"],
      event: { "EventData.TargetUserName": "jdoe", "EventData.TargetDomainName": "CORP" },
    }),
  );
  // An admin's ordinary RDP to SRV02 fires a medium rule: it joins through the host but stays out of the core.
  builder.add(
    detection({
      minute: 17,
      computer: "SRV02.corp.local",
      level: "medium",
      title: "RDP logon to a server",
      eventId: 4624,
      event: {
        "EventData.TargetUserName": "admin.bob",
        "EventData.TargetDomainName": "CORP",
        "EventData.IpAddress": "10.0.0.77",
      },
    }),
  );
  const { inventory, problems } = parseAssets(ASSETS, "assets.csv");
  assert.deepEqual(problems, []);
  return buildScope(facts, builder.incidents(), inventory);
}

describe("reach", () => {
  test("every host reached from the incident's hosts after its first detection, in time order, flagged", () => {
    const r = scenario();
    assert.deepEqual(
      r.reach.map(
        (x) =>
          `${x.host} <- ${x.from} ${x.method} ${x.at?.slice(11, 16)} hops ${x.hops} ${x.flag === null ? "detected" : "flagged"}`,
      ),
      // Hops count from WS01 (detected at 10:08), which reached SRV02 at 10:10, before SRV02's own detection.
      [
        "DC01.corp.local <- SRV02.corp.local admin-share 10:20 hops 2 flagged",
        "JUMP01.corp.local <- SRV02.corp.local rdp 10:30 hops 2 flagged",
        "HMI01.corp.local <- JUMP01.corp.local rdp-logon 10:40 hops 3 flagged",
        "HMI02 <- SRV02.corp.local wmic-node 10:45 hops 2 flagged",
      ],
    );
    assert.equal(r.reach[0].flag, REACHED_NO_DETECTION);
    assert.equal(REACHED_NO_DETECTION, "reached, no detection: collect more evidence from it");
    // HIST01 was reached only before the incident began; FS09 never.
    assert.ok(!r.reach.some((x) => x.host === "HIST01" || x.host === "FS09"));
  });

  test("an edge used all week by others is not the way at this hour: its time sketch gives the first use after", () => {
    const facts = collect([
      logon("SRV01", 0, { user: "backup", ip: "10.0.0.5", workstation: "WS01" }),
      logon("SRV01", 60 * 24, { user: "backup", ip: "10.0.0.5", workstation: "WS01" }),
      logon("SRV01", 90, { user: "jdoe", ip: "10.0.0.5", workstation: "WS01" }),
    ]);
    const builder = new IncidentBuilder();
    builder.add(detection({ minute: 60, computer: "WS01", event: { "EventData.User": "CORP\\jdoe" } }));
    const r = buildScope(facts, builder.incidents());
    assert.deepEqual(
      r.reach.map((x) => `${x.host} by ${x.account} at ${x.at}`),
      ["SRV01 by CORP\\jdoe at 2024-03-01T11:30:00.000Z"],
    );
    assert.deepEqual(r.incidents[0].hosts, ["WS01", "SRV01"]);
  });

  test("an edge used before the source was reached does not count", () => {
    const r = scenario();
    const dc = r.reach.find((x) => x.host === "DC01.corp.local");
    assert.equal(dc?.account, "CORP\\jdoe");
    assert.equal(dc?.logs, true);
    assert.equal(r.reach.find((x) => x.host === "HMI02")?.logs, false);
  });
});

describe("assets: crossings toward OT and tier 0", () => {
  test("every edge into a more inner zone is a crossing, IT straight to OT skips the DMZ", () => {
    const r = scenario();
    assert.deepEqual(
      r.otCrossings.map(
        (x) =>
          `${x.source} (${x.sourceZone}) -> ${x.target} (${x.targetZone}) ${x.method}${x.skipsDmz ? " skips DMZ" : ""} [${x.incidents.join(",")}]`,
      ),
      [
        "WS01.corp.local (IT) -> HIST01 (OT-DMZ) explicit-credentials []",
        "SRV02.corp.local (IT) -> JUMP01.corp.local (OT-DMZ) rdp [INC-001]",
        "JUMP01.corp.local (OT-DMZ) -> HMI01.corp.local (OT) rdp-logon [INC-001]",
        "SRV02.corp.local (IT) -> HMI02 (OT) wmic-node skips DMZ [INC-001]",
      ],
    );
  });

  test("tier-0 hosts touched: by inventory role, and by what their own logs show", () => {
    const r = scenario();
    assert.deepEqual(
      r.tier0Touched.map((t) => `${t.host} ${t.how} ${t.reason}`),
      [
        "DC02.corp.local detection domain controller (logs: kerberos-kdc)",
        "DC01.corp.local reached domain controller (inventory role domain-controller)",
      ],
    );
    const dc01 = r.graph.nodes.find((n) => n.key === "dc01");
    assert.equal(dc01?.zone, "IT");
    assert.equal(dc01?.criticality, "critical");
  });

  test("severity counts level, tactics, hosts, tier 0, OT", () => {
    const [incident] = scenario().incidents;
    assert.equal(incident.severityLevel, "critical");
    assert.equal(incident.severity, 100);
    assert.ok(incident.severityReasons.includes("OT zone touched"));
    assert.deepEqual(incident.zones, ["IT", "OT-DMZ", "OT"]);
    const quiet = scoreIncident({
      maxLevel: "low",
      highOrCritical: 0,
      tactics: 1,
      hosts: 1,
      tier0: [],
      zones: new Set(),
      crossings: 0,
    });
    assert.deepEqual(quiet, { score: 14, level: "informational", reasons: ["worst detection low", "1 ATT&CK tactic"] });
  });
});

describe("the JSON", () => {
  test("has the issue's shape and survives JSON", () => {
    const r = scenario();
    const json = JSON.parse(JSON.stringify(r)) as Record<string, unknown>;
    for (const key of ["incidents", "graph", "reach", "otCrossings", "logonSummary"]) assert.ok(key in json, key);
    const incident = r.incidents[0];
    for (const key of ["id", "firstSeen", "lastSeen", "hosts", "accounts", "tactics", "severity", "evidence"]) {
      assert.ok(key in incident, key);
    }
    // Hosts of the core detections, then those jdoe moved to from them (DC01, JUMP01, HMI02; HMI01 was reached as
    // operator, so it is reach, not the incident's own).
    assert.deepEqual(incident.hosts, [
      "WS01.corp.local",
      "SRV02.corp.local",
      "DC02.corp.local",
      "DC01.corp.local",
      "JUMP01.corp.local",
      "HMI02",
    ]);
    assert.deepEqual(
      incident.movedTo.map((m) => `${m.host} <- ${m.from} ${m.method}`),
      [
        "DC01.corp.local <- SRV02.corp.local admin-share",
        "JUMP01.corp.local <- SRV02.corp.local rdp",
        "HMI02 <- SRV02.corp.local wmic-node",
      ],
    );
    assert.deepEqual(incident.accounts, ["CORP\\jdoe"]);
    assert.deepEqual(incident.related, { hosts: [], accounts: ["CORP\\admin.bob"], sources: ["10.0.0.77"] });
    assert.deepEqual(incident.tactics, ["execution", "credential-access", "lateral-movement"]);
    assert.equal(incident.firstSeen, "2024-03-01T10:08:00.000Z");
    assert.deepEqual(
      incident.evidence.map((e) => e.rule),
      ["LSASS dump", "Encoded PowerShell", "Odd logon", "RDP logon to a server"],
    );
    assert.deepEqual(Object.keys(r.graph), ["nodes", "edges"]);
    // Edges in time order.
    const times = r.graph.edges.map((e) => e.firstSeen ?? "");
    assert.deepEqual(times, [...times].sort());
    assert.ok(incident.accountFootprint[0].hosts.some((h) => h.host === "JUMP01.corp.local"));
  });
});

describe("the terminal section", () => {
  test("incidents, reach, crossings, tier 0; every line within 100 columns", () => {
    const lines = renderScopeSummary(scenario(), { color: false });
    const text = lines.join("\n");
    assert.match(text, /Scope: 1 incident, 7 lateral-movement edges between 9 hosts/);
    assert.match(text, /INC-001 {2}critical 100/);
    assert.match(text, /Exec > CredAccess > LatMov/);
    assert.match(text, /Reached, no detection: collect more evidence \(4\)/);
    assert.match(text, /Toward OT: 4 crossings, 3 from incidents\n {2}INC-001 {2}SRV02.corp.local \(IT\) -> JUMP01/);
    assert.match(text, /INC-001 {2}HMI02 \(no logs read\) <- SRV02.corp.local by wmic-node as CORP\\jdoe at 2024/);
    assert.match(text, /INC-001 {2}SRV02.corp.local \(IT\) -> HMI02 \(OT\) skipping the OT-DMZ by wmic-node as CORP/);
    assert.match(text, /DC01.corp.local: domain controller/);
    for (const line of lines) assert.ok(displayWidth(line) <= 100, line);
  });

  test("names from the evidence are escaped", () => {
    const facts = collect([logon("EVIL\u001b[2J\u202e", 1, { user: "x\u0007", ip: "10.0.0.5" })]);
    const builder = new IncidentBuilder();
    builder.add(
      detection({
        minute: 2,
        computer: "EVIL\u001b[2J\u202e",
        title: "T\u001b]0;pwned\u0007",
        event: { "EventData.IpAddress": "10.0.0.5" },
      }),
    );
    const text = renderScopeSummary(buildScope(facts, builder.incidents()), { color: false }).join("\n");
    assert.ok(!/[\u0000-\u0008\u000b-\u001f\u007f\u202e]/.test(text), JSON.stringify(text));
    assert.match(text, /EVIL\\x1b\[2J\\u202e/);
  });

  test("nothing to say, no section", () => {
    assert.deepEqual(renderScopeSummary(buildScope(collect([]), []), { color: false }), []);
  });
});
