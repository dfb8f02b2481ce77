/**
 * Incident joining: detections sharing a host, account or source within the window are one incident; two unrelated
 * intrusions in one corpus stay two; the entities every host shares (SYSTEM, machine accounts, the DC that validates
 * every logon, sprayed names) join nothing; incidents the hunt built apart merge in the report when a source address
 * resolves to the other's host.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Detection } from "../../src/hunt/detection.js";
import { detectionEntities, IncidentBuilder, type IncidentSummary } from "../../src/scope/incidents.js";
import { buildScope } from "../../src/scope/report.js";
import { collect, type DetectionSpec, detection, logon, ms } from "./helpers.js";

function build(detections: readonly DetectionSpec[], options = {}): IncidentSummary[] {
  const builder = new IncidentBuilder(options);
  for (const d of [...detections].sort((a, b) => a.minute - b.minute)) builder.add(detection(d));
  return builder.incidents();
}

const hosts = (i: IncidentSummary): string[] => i.hosts.map((h) => h.key).sort();
const accounts = (i: IncidentSummary): string[] => i.accounts.map((a) => a.key).sort();

/** A process creation by `user` on `computer` (Sysmon 1 fields). */
function proc(minute: number, computer: string, user: string, title = "Suspicious command", extra = {}): DetectionSpec {
  return {
    minute,
    computer,
    title,
    eventId: 1,
    channel: "Microsoft-Windows-Sysmon/Operational",
    event: { "EventData.User": user, "EventData.Image": "C:\\Windows\\System32\\cmd.exe", ...extra },
    tags: ["attack.execution"],
  };
}

/** A network logon to `computer` from `ip` (4624 fields). */
function netLogon(minute: number, computer: string, user: string, ip: string, title = "Admin logon"): DetectionSpec {
  return {
    minute,
    computer,
    title,
    eventId: 4624,
    event: {
      "EventData.TargetUserName": user,
      "EventData.TargetDomainName": "CORP",
      "EventData.SubjectUserName": "-",
      "EventData.LogonType": 3,
      "EventData.IpAddress": ip,
      "EventData.WorkstationName": "-",
    },
    tags: ["attack.lateral-movement"],
  };
}

describe("joining", () => {
  test("detections sharing a host, then an account, then a source are one incident", () => {
    const incidents = build([
      proc(0, "WS01.corp.local", "CORP\\jdoe"),
      proc(5, "WS01.corp.local", "CORP\\other", "Recon", { "EventData.CommandLine": "whoami /all" }),
      netLogon(10, "SRV02.corp.local", "jdoe", "10.0.0.5"),
      netLogon(20, "SRV03.corp.local", "svc_x", "10.0.0.5"),
    ]);
    assert.equal(incidents.length, 1);
    assert.deepEqual(hosts(incidents[0]), ["srv02", "srv03", "ws01"]);
    assert.deepEqual(accounts(incidents[0]), ["jdoe", "other", "svc_x"]);
    assert.deepEqual(
      incidents[0].sources.map((s) => s.key),
      ["10.0.0.5"],
    );
    assert.deepEqual(incidents[0].tactics, ["execution", "lateral-movement"]);
    assert.equal(incidents[0].detections, 4);
  });

  test("two unrelated intrusions in one corpus stay two incidents", () => {
    const incidents = build([
      // Intrusion A: WS01 -> SRV01 as jdoe, from 10.0.0.5.
      proc(0, "WS01.corp.local", "CORP\\jdoe"),
      netLogon(3, "SRV01.corp.local", "jdoe", "10.0.0.5"),
      proc(4, "SRV01.corp.local", "CORP\\jdoe", "Credential dump"),
      // Intrusion B, interleaved in time: WS20 -> SRV20 as msmith, from 10.9.0.7.
      proc(1, "WS20.corp.local", "CORP\\msmith"),
      netLogon(5, "SRV20.corp.local", "msmith", "10.9.0.7"),
      proc(6, "SRV20.corp.local", "CORP\\msmith", "Credential dump"),
      // What both share and must not join them: SYSTEM, machine accounts, the DC validating both accounts.
      proc(7, "SRV01.corp.local", "NT AUTHORITY\\SYSTEM", "Service binary in temp"),
      proc(8, "SRV20.corp.local", "NT AUTHORITY\\SYSTEM", "Service binary in temp"),
      netLogon(9, "SRV01.corp.local", "WS01$", "10.0.0.5", "Machine logon"),
      netLogon(9.5, "SRV20.corp.local", "WS01$", "10.9.0.7", "Machine logon"),
      {
        minute: 10,
        computer: "DC01.corp.local",
        eventId: 4769,
        title: "Kerberoasting",
        event: { "EventData.TargetUserName": "jdoe@CORP.LOCAL", "EventData.IpAddress": "::ffff:10.0.0.5" },
      },
      {
        minute: 11,
        computer: "DC01.corp.local",
        eventId: 4769,
        title: "Kerberoasting",
        event: { "EventData.TargetUserName": "msmith@CORP.LOCAL", "EventData.IpAddress": "::ffff:10.9.0.7" },
      },
    ]);
    assert.equal(incidents.length, 2);
    assert.deepEqual(hosts(incidents[0]), ["srv01", "ws01"]);
    assert.deepEqual(accounts(incidents[0]), ["jdoe"]);
    assert.deepEqual(hosts(incidents[1]), ["srv20", "ws20"]);
    assert.deepEqual(accounts(incidents[1]), ["msmith"]);
    // The DC validated credentials; it is not one of the incidents' hosts.
    assert.deepEqual(incidents[0].authenticators, ["dc01"]);
    assert.deepEqual(incidents[1].authenticators, ["dc01"]);
    // The report, resolving each source to its workstation, keeps them apart too.
    const facts = collect([
      logon("SRV01.corp.local", 3, { user: "jdoe", ip: "10.0.0.5", workstation: "WS01" }),
      logon("SRV20.corp.local", 5, { user: "msmith", ip: "10.9.0.7", workstation: "WS20" }),
    ]);
    const report = buildScope(facts, incidents);
    assert.deepEqual(
      report.incidents.map(
        (i) => `${i.id}: ${i.hosts.join(" ")} / ${i.accounts.join(" ")} / reached ${i.reached.join(" ")}`,
      ),
      [
        "INC-001: WS01.corp.local SRV01.corp.local / CORP\\jdoe / reached ",
        "INC-002: WS20.corp.local SRV20.corp.local / CORP\\msmith / reached ",
      ],
    );
  });

  test("the same host more than a window apart is two incidents; a longer window joins them", () => {
    const specs = [proc(0, "WS01", "CORP\\jdoe"), proc(60 * 30, "WS01", "CORP\\jdoe")];
    assert.equal(build(specs).length, 2);
    assert.equal(build(specs, { windowMs: 48 * 3_600_000 }).length, 1);
  });

  test("an entity's window runs from its last detection: a chain of detections stays one incident", () => {
    const specs = [0, 20, 40, 60].map((h) => proc(h * 60, "WS01", "CORP\\jdoe"));
    assert.equal(build(specs).length, 1);
  });

  test("a bridge merges two incidents into one (union-find)", () => {
    const incidents = build([
      proc(0, "WS01", "CORP\\jdoe"),
      proc(1, "WS02", "CORP\\msmith"),
      {
        ...proc(2, "WS03", "CORP\\jdoe"),
        event: {
          "EventData.SubjectUserName": "jdoe",
          "EventData.SubjectDomainName": "CORP",
          "EventData.TargetUserName": "msmith",
          "EventData.TargetDomainName": "CORP",
        },
        eventId: 4648,
      },
    ]);
    assert.equal(incidents.length, 1);
    assert.deepEqual(hosts(incidents[0]), ["ws01", "ws02", "ws03"]);
  });

  test("informational detections neither start nor join incidents unless asked", () => {
    const specs: DetectionSpec[] = [
      proc(0, "WS01", "CORP\\jdoe"),
      { ...proc(1, "WS01", "CORP\\jdoe"), level: "informational" },
      { ...proc(2, "WS02", "CORP\\jdoe"), level: "informational" },
    ];
    assert.deepEqual(build(specs).map(hosts), [["ws01"]]);
    assert.deepEqual(build(specs, { minLevel: "informational" }).map(hosts), [["ws01", "ws02"]]);
  });

  test("ignored entities (a scanner, a jump host) join nothing, in the builder nor in the report", () => {
    const specs = [netLogon(0, "SRV01", "jdoe", "10.0.0.250"), netLogon(1, "SRV02", "msmith", "10.0.0.250")];
    assert.equal(build(specs).length, 1);
    const ignore = { sources: ["10.0.0.250"] };
    const incidents = build(specs, { ignore });
    assert.equal(incidents.length, 2);
    // The scanner's address is SCAN01's: resolved, both incidents name SCAN01, unless the report ignores it too.
    const facts = collect([logon("DC01", 0, { user: "SCAN01$", ip: "10.0.0.250" })]);
    assert.equal(buildScope(facts, incidents).incidents.length, 1);
    assert.equal(buildScope(facts, incidents, undefined, { ignore }).incidents.length, 2);
  });
});

describe("the common-entity rule", () => {
  const entities = (d: Detection) => {
    const e = detectionEntities(d);
    return {
      host: e.host?.key ?? null,
      accounts: e.accounts.map((a) => a.key),
      sources: e.sources.map((s) => s.key),
      targets: e.targets.map((s) => s.key),
      authenticator: e.authenticator,
    };
  };

  test("SYSTEM, service identities, DWM/UMFD, machine accounts and `-` are no accounts", () => {
    for (const user of [
      "NT AUTHORITY\\SYSTEM",
      "NT AUTHORITY\\LOCAL SERVICE",
      "NT AUTHORITY\\NETWORK SERVICE",
      "Window Manager\\DWM-1",
      "Font Driver Host\\UMFD-0",
      "NT SERVICE\\MSSQLSERVER",
      "IIS APPPOOL\\DefaultAppPool",
      "CORP\\WS01$",
      "-",
    ]) {
      assert.deepEqual(entities(detection(proc(0, "WS01", user))).accounts, [], user);
    }
  });

  test("a local account keeps its host: two machines' Administrator are two accounts", () => {
    const a = entities(
      detection({
        minute: 0,
        computer: "WS01",
        event: { "EventData.SubjectUserName": "Administrator", "EventData.SubjectDomainName": "WS01" },
      }),
    );
    const b = entities(
      detection({
        minute: 0,
        computer: "WS02",
        event: { "EventData.SubjectUserName": "Administrator", "EventData.SubjectDomainName": "WS02" },
      }),
    );
    assert.deepEqual(a.accounts, ["ws01\\administrator"]);
    assert.deepEqual(b.accounts, ["ws02\\administrator"]);
    const domain = entities(
      detection({
        minute: 0,
        computer: "WS01",
        event: { "EventData.SubjectUserName": "Administrator", "EventData.SubjectDomainName": "CORP" },
      }),
    );
    assert.deepEqual(domain.accounts, ["administrator"]);
  });

  test("a failed logon's target account is not joined on (sprayed names), its source is", () => {
    const e = entities(
      detection({
        minute: 0,
        computer: "SRV01",
        eventId: 4625,
        event: {
          "EventData.TargetUserName": "administrator",
          "EventData.IpAddress": "10.0.0.66",
          "EventData.SubjectUserName": "-",
        },
      }),
    );
    assert.deepEqual(e, { host: "srv01", accounts: [], sources: ["10.0.0.66"], targets: [], authenticator: null });
  });

  test("credential validation on a DC: the DC is the authenticator, not a host", () => {
    const e = entities(
      detection({
        minute: 0,
        computer: "DC01.corp.local",
        eventId: 4776,
        event: { "EventData.TargetUserName": "jdoe", "EventData.Workstation": "WS01", "EventData.Status": "0x0" },
      }),
    );
    assert.deepEqual(e, { host: null, accounts: ["jdoe"], sources: ["ws01"], targets: [], authenticator: "dc01" });
  });

  test("loopback, `-` and the host itself are no sources; where it went is a target", () => {
    const e = entities(
      detection({
        minute: 0,
        computer: "WS01",
        event: { "EventData.IpAddress": "127.0.0.1", "EventData.WorkstationName": "WS01" },
      }),
    );
    assert.deepEqual(e.sources, []);
    const sysmon3 = (initiated: boolean, source: [string, number], destination: [string, number]): Detection =>
      detection({
        minute: 0,
        computer: "WS01",
        eventId: 3,
        channel: "Microsoft-Windows-Sysmon/Operational",
        event: {
          "EventData.Initiated": initiated,
          "EventData.SourceIp": source[0],
          "EventData.SourcePort": source[1],
          "EventData.DestinationIp": destination[0],
          "EventData.DestinationPort": destination[1],
        },
      });
    const outbound = entities(sysmon3(true, ["10.0.0.5", 50000], ["203.0.113.9", 443]));
    assert.deepEqual([outbound.sources, outbound.targets], [[], ["203.0.113.9"]]);
    // Inbound, either side may come first (LM_wmiexec_impacket_sysmon_whoami record 9825 has this host as Source).
    const inbound = entities(sysmon3(false, ["10.0.0.18", 445], ["10.0.0.19", 45616]));
    assert.deepEqual([inbound.sources, inbound.targets], [["10.0.0.19"], []]);
    const explicit = entities(
      detection({
        minute: 0,
        computer: "WS01",
        eventId: 4648,
        event: { "EventData.TargetServerName": "SRV02.corp.local", "EventData.IpAddress": "10.0.0.12" },
      }),
    );
    assert.deepEqual([explicit.sources, explicit.targets], [[], ["srv02", "10.0.0.12"]]);
  });
});

describe("incident contents", () => {
  test("evidence keeps the most important distinct rules, highest level first", () => {
    const specs: DetectionSpec[] = [];
    for (let i = 0; i < 5; i++) specs.push({ ...proc(i, "WS01", "CORP\\jdoe", `low ${i}`), level: "low" });
    specs.push({
      ...proc(10, "WS01", "CORP\\jdoe", "mimikatz"),
      level: "critical",
      tags: ["attack.credential-access", "attack.t1003.001"],
      details: { CommandLine: "m.exe sekurlsa::logonpasswords" },
    });
    specs.push({ ...proc(11, "WS01", "CORP\\jdoe", "mimikatz"), level: "critical" });
    specs.push({ ...proc(12, "WS01", "CORP\\jdoe", "psexec"), level: "high", tags: ["attack.lateral-movement"] });
    const [incident] = build(specs, { evidence: 3 });
    assert.deepEqual(
      incident.evidence.map((e) => `${e.level} ${e.rule}`),
      ["critical mimikatz", "high psexec", "low low 0"],
    );
    assert.deepEqual(incident.evidence[0].details, { CommandLine: "m.exe sekurlsa::logonpasswords" });
    assert.deepEqual(incident.evidence[0].tactics, ["credential-access"]);
    assert.equal(incident.rules[0].count, 2);
    assert.deepEqual(incident.tactics, ["execution", "credential-access", "lateral-movement"]);
    assert.equal(incident.byLevel.critical, 2);
  });

  test("the report merges incidents whose source address resolves to the other's host", () => {
    const incidents = build([
      proc(0, "WS01.corp.local", "CORP\\jdoe"),
      netLogon(5, "SRV02.corp.local", "svc_admin", "10.0.0.5"),
    ]);
    assert.equal(incidents.length, 2);
    const facts = collect([logon("SRV02.corp.local", 4, { user: "svc_admin", ip: "10.0.0.5", workstation: "WS01" })]);
    const report = buildScope(facts, incidents);
    assert.equal(report.incidents.length, 1);
    assert.deepEqual(report.incidents[0].hosts, ["WS01.corp.local", "SRV02.corp.local"]);
    assert.equal(report.incidents[0].id, "INC-001");
    assert.equal(report.incidents[0].firstSeen, new Date(ms(0)).toISOString());
  });

  test("memory stays bounded: past maxIncidents the weakest closed incidents go", () => {
    const builder = new IncidentBuilder({ maxIncidents: 50 });
    for (let i = 0; i < 500; i++)
      builder.add(detection({ ...proc(i * 60 * 25, `WS${i}`, `CORP\\u${i}`), level: i === 3 ? "critical" : "low" }));
    const incidents = builder.incidents();
    assert.ok(incidents.length <= 50);
    assert.ok(builder.dropped >= 450);
    assert.ok(
      incidents.some((i) => i.byLevel.critical === 1),
      "the critical incident is kept",
    );
  });
});
