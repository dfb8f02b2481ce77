/**
 * The collector, one edge type at a time, from events built in code: what makes an edge (and what must not), how
 * addresses resolve to hosts, the logon summary and failure bursts, merging facts from several collectors, and the
 * cost rule (an event of no interest is read no further than its EventID).
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { HuntEvent } from "../../src/events/event.js";
import type { FieldValue } from "../../src/evtx/types.js";
import { ScopeCollector } from "../../src/scope/collector.js";
import { mergeScopeFacts, type ScopeFacts } from "../../src/scope/facts.js";
import { buildScope, type ScopeReport } from "../../src/scope/report.js";
import {
  at,
  collect,
  event,
  failedLogon,
  huntEvent,
  logon,
  ms,
  SYSMON,
  security,
  shareAccess,
  sysmon,
} from "./helpers.js";

function report(events: readonly HuntEvent[]): ScopeReport {
  return buildScope(collect(events), []);
}

/** The edges as `method source -> target as account`, in time order. */
function edges(r: ScopeReport): string[] {
  return r.graph.edges.map((e) => `${e.method} ${e.source} -> ${e.target} as ${e.account ?? "-"}`);
}

describe("network and RDP logons (4624)", () => {
  test("type 3 and 10 from an address; the workstation name resolves the address", () => {
    const r = report([
      logon("SRV01.corp.local", 1, { user: "jdoe", ip: "10.0.0.5", workstation: "WS01", auth: "NTLM" }),
      logon("SRV02.corp.local", 2, { user: "jdoe", type: 10, ip: "10.0.0.5" }),
    ]);
    assert.deepEqual(edges(r), [
      "network-logon WS01 -> SRV01.corp.local as CORP\\jdoe",
      "rdp-logon WS01 -> SRV02.corp.local as CORP\\jdoe",
    ]);
    assert.deepEqual(r.graph.edges[0].sourceAddresses, ["10.0.0.5"]);
    assert.deepEqual(r.graph.edges[0].details, ["NTLM"]);
    assert.equal(r.graph.edges[0].firstSeen, new Date(ms(1)).toISOString());
  });

  test("a workstation name alone is the source", () => {
    assert.deepEqual(edges(report([logon("SRV01", 1, { user: "jdoe", workstation: "WS07" })])), [
      "network-logon WS07 -> SRV01 as CORP\\jdoe",
    ]);
  });

  test("no edge for loopback, the host itself, service and interactive logons, machine and system accounts", () => {
    const r = report([
      // Metasploit's psexec: loopback with the made-up workstation name WORKSTATION.
      logon("SRV01", 1, { user: "jdoe", ip: "127.0.0.1", workstation: "WORKSTATION" }),
      logon("SRV01", 2, { user: "jdoe", ip: "::1", workstation: "SRV01" }),
      logon("SRV01", 3, { user: "svc_sql", type: 5, ip: "10.0.0.9" }),
      logon("SRV01", 4, { user: "jdoe", type: 2, workstation: "SRV01" }),
      logon("SRV01", 5, { user: "ANONYMOUS LOGON", domain: "NT AUTHORITY", ip: "10.0.0.9" }),
      logon("SRV01", 6, { user: "WS01$", ip: "10.0.0.5" }),
      logon("SRV01", 7, { user: "SYSTEM", domain: "NT AUTHORITY", ip: "10.0.0.9" }),
    ]);
    assert.deepEqual(edges(r), []);
  });

  test("a machine account logging on from an address names that address's host", () => {
    const r = report([
      logon("DC01", 1, { user: "WS09$", ip: "10.0.0.9" }),
      logon("SRV01", 2, { user: "jdoe", ip: "10.0.0.9" }),
    ]);
    assert.deepEqual(edges(r), ["network-logon WS09 -> SRV01 as CORP\\jdoe"]);
  });
});

describe("explicit credentials (4648)", () => {
  const explicit = (target: string, user = "admin", ip = "-"): HuntEvent =>
    security(4648, "WS01.corp.local", 1, {
      SubjectUserName: "jdoe",
      SubjectDomainName: "CORP",
      TargetUserName: user,
      TargetDomainName: "CORP",
      TargetServerName: target,
      TargetInfo: `host/${target}`,
      ProcessName: "C:\\Windows\\System32\\wbem\\WMIC.exe",
      IpAddress: ip,
    });

  test("from the Computer to TargetServerName, with the credentials' account", () => {
    const r = report([
      explicit("SRV02.corp.local", "admin", "10.0.0.12"),
      logon("X", 2, { user: "y", ip: "10.0.0.12" }),
    ]);
    assert.deepEqual(edges(r).slice(0, 1), ["explicit-credentials WS01.corp.local -> SRV02.corp.local as CORP\\admin"]);
    assert.deepEqual(r.graph.edges[0].details, ["WMIC.exe"]);
    // The 4648's network address is the target's: the later logon from it comes from SRV02.
    assert.deepEqual(edges(r).slice(1), ["network-logon SRV02.corp.local -> X as CORP\\y"]);
  });

  test("no edge to localhost or to the host itself; an address when there is no server name", () => {
    assert.deepEqual(edges(report([explicit("localhost"), explicit("WS01")])), []);
    assert.deepEqual(edges(report([explicit("-", "admin", "10.0.0.40")])), [
      "explicit-credentials WS01.corp.local -> 10.0.0.40 as CORP\\admin",
    ]);
  });
});

describe("RDP (TerminalServices 1149, 21, 25; RdpCoreTS 131)", () => {
  const rcm = "Microsoft-Windows-TerminalServices-RemoteConnectionManager/Operational";
  const lsm = "Microsoft-Windows-TerminalServices-LocalSessionManager/Operational";
  test("1149 with Param1 user, Param2 domain, Param3 address; 21 and 25 with User and Address", () => {
    const r = report([
      event(
        rcm,
        1149,
        "SRV01",
        1,
        {},
        {
          "UserData.EventXML.Param1": "jdoe",
          "UserData.EventXML.Param2": "CORP",
          "UserData.EventXML.Param3": "10.0.0.5",
        },
      ),
      event(
        lsm,
        21,
        "SRV02",
        2,
        {},
        {
          "UserData.EventXML.User": "CORP\\jdoe",
          "UserData.EventXML.SessionID": 2,
          "UserData.EventXML.Address": "10.0.0.5",
        },
      ),
      event(
        lsm,
        25,
        "SRV03",
        3,
        {},
        { "UserData.EventXML.User": "CORP\\jdoe", "UserData.EventXML.Address": "10.0.0.6" },
      ),
      // A console logon (Address LOCAL) and an EventID 21 of another provider (Sysmon's WMI consumer binding).
      event(lsm, 21, "SRV04", 4, {}, { "UserData.EventXML.User": "CORP\\jdoe", "UserData.EventXML.Address": "LOCAL" }),
      event(SYSMON, 21, "SRV04", 5, { Operation: "Created", Consumer: "x" }),
    ]);
    assert.deepEqual(edges(r), [
      "rdp 10.0.0.5 -> SRV01 as CORP\\jdoe",
      "rdp 10.0.0.5 -> SRV02 as CORP\\jdoe",
      "rdp 10.0.0.6 -> SRV03 as CORP\\jdoe",
    ]);
  });

  test("RdpCoreTS 131: a connection accepted, address with port", () => {
    const r = report([
      event("Microsoft-Windows-RemoteDesktopServices-RdpCoreTS/Operational", 131, "SRV01", 1, {
        ConnType: "TCP",
        ClientIP: "10.0.0.5:52202",
      }),
      event("Microsoft-Windows-RemoteDesktopServices-RdpCoreTS/Operational", 131, "SRV01", 2, {
        ConnType: "UDP",
        ClientIP: "[10.0.0.5]:59407",
      }),
    ]);
    assert.deepEqual(edges(r), ["rdp-connection 10.0.0.5 -> SRV01 as -"]);
    assert.equal(r.graph.edges[0].count, 2);
  });
});

describe("shares (5140, 5145)", () => {
  test("ADMIN$ and drive shares are admin-share; IPC$ pipes of remote execution have their own methods", () => {
    const r = report([
      shareAccess(5140, "SRV01", 1, { user: "jdoe", ip: "10.0.0.5", share: "ADMIN$" }),
      shareAccess(5145, "SRV01", 2, { user: "jdoe", ip: "10.0.0.5", share: "C$", relative: "Windows\\Temp\\x.exe" }),
      shareAccess(5145, "SRV02", 3, { user: "jdoe", ip: "10.0.0.5", share: "IPC$", relative: "svcctl" }),
      shareAccess(5145, "SRV03", 4, { user: "jdoe", ip: "10.0.0.5", share: "IPC$", relative: "atsvc" }),
      shareAccess(5145, "SRV04", 5, { user: "jdoe", ip: "10.0.0.5", share: "IPC$", relative: "winreg" }),
      shareAccess(5145, "SRV05", 6, {
        user: "jdoe",
        ip: "10.0.0.5",
        share: "IPC$",
        relative: "PSEXESVC-WS01-4242-stdin",
      }),
      shareAccess(5145, "SRV06", 7, { user: "jdoe", ip: "10.0.0.5", share: "IPC$", relative: "x-WS01-4242-stdout" }),
      shareAccess(5145, "SRV07", 8, { user: "jdoe", ip: "10.0.0.5", share: "ADMIN$", relative: "PSEXESVC.exe" }),
    ]);
    assert.deepEqual(edges(r), [
      "admin-share 10.0.0.5 -> SRV01 as CORP\\jdoe",
      "remote-service 10.0.0.5 -> SRV02 as CORP\\jdoe",
      "remote-task 10.0.0.5 -> SRV03 as CORP\\jdoe",
      "remote-registry 10.0.0.5 -> SRV04 as CORP\\jdoe",
      "psexec 10.0.0.5 -> SRV05 as CORP\\jdoe",
      "psexec 10.0.0.5 -> SRV06 as CORP\\jdoe",
      "psexec 10.0.0.5 -> SRV07 as CORP\\jdoe",
    ]);
    assert.equal(r.graph.edges[0].count, 2);
    assert.deepEqual(r.graph.edges[0].details, ["ADMIN$", "C$"]);
  });

  test("no edge for ordinary shares, other IPC$ pipes, loopback, machine accounts", () => {
    const r = report([
      shareAccess(5140, "FS01", 1, { user: "jdoe", ip: "10.0.0.5", share: "Finance" }),
      shareAccess(5145, "FS01", 2, { user: "jdoe", ip: "10.0.0.5", share: "IPC$", relative: "srvsvc" }),
      shareAccess(5140, "FS01", 3, { user: "jdoe", ip: "10.0.0.5", share: "IPC$" }),
      shareAccess(5145, "FS01", 4, { user: "jdoe", ip: "::1", share: "C$", relative: "x" }),
      shareAccess(5145, "FS01", 5, { user: "WS01$", ip: "10.0.0.5", share: "ADMIN$", relative: "x" }),
    ]);
    assert.deepEqual(edges(r), []);
  });
});

describe("remote services (7045, 4697, Sysmon 13)", () => {
  const service = (
    computer: string,
    minute: number,
    name: string,
    image: string,
    sid = "S-1-5-21-1-2-3-1105",
  ): HuntEvent =>
    event(
      "System",
      7045,
      computer,
      minute,
      { ServiceName: name, ImagePath: image, StartType: "demand start", AccountName: "LocalSystem" },
      { "System.Security.UserID": sid },
    );

  test("a service installed right after a network logon comes from the logon's source", () => {
    const r = report([
      logon("SRV01", 10, { user: "jdoe", ip: "10.0.0.5", workstation: "WS01", sid: "S-1-5-21-1-2-3-1105" }),
      service("SRV01", 10.5, "updater", "C:\\Windows\\Temp\\u.exe"),
    ]);
    assert.deepEqual(edges(r), [
      "network-logon WS01 -> SRV01 as CORP\\jdoe",
      "remote-service WS01 -> SRV01 as CORP\\jdoe",
    ]);
    assert.equal(r.graph.edges[1].inferred, true);
    assert.deepEqual(r.graph.edges[1].details, ["updater"]);
  });

  test("no edge for a service with no session before it, or a session too long before", () => {
    assert.deepEqual(edges(report([service("SRV01", 10, "updater", "C:\\u.exe")])), []);
    const r = report([
      logon("SRV01", 0, { user: "jdoe", ip: "10.0.0.5" }),
      service("SRV01", 30, "updater", "C:\\u.exe"),
    ]);
    assert.deepEqual(edges(r), ["network-logon 10.0.0.5 -> SRV01 as CORP\\jdoe"]);
  });

  test("PSEXESVC is psexec; with no session it is reported as remote execution from an unseen source", () => {
    const r = report([
      shareAccess(5145, "SRV01", 10, { user: "jdoe", ip: "10.0.0.5", share: "ADMIN$", relative: "PSEXESVC.exe" }),
      service("SRV01", 10.1, "PSEXESVC", "%SystemRoot%\\PSEXESVC.exe"),
      service("SRV02", 20, "PSEXESVC", "%SystemRoot%\\PSEXESVC.exe"),
    ]);
    assert.deepEqual(edges(r), ["psexec 10.0.0.5 -> SRV01 as CORP\\jdoe"]);
    assert.equal(r.graph.edges[0].count, 2);
    assert.deepEqual(
      r.unattributedRemoteExecution.map((u) => `${u.method} ${u.host} ${u.name}`),
      ["psexec SRV02 PSEXESVC"],
    );
  });

  test("a service binary on another host's share names that host", () => {
    const r = report([service("SRV01", 10, "loader", "\\\\10.0.0.77\\tools\\loader.exe")]);
    assert.deepEqual(
      edges(r),
      ["remote-service 10.0.0.77 -> SRV01 as CORP\\jdoe"].map((e) => e.replace(" as CORP\\jdoe", " as -")),
    );
  });

  test("4697 by an account prefers that account's session over a nearer one by another account", () => {
    const r = report([
      logon("SRV01", 10, { user: "attacker", ip: "10.0.0.66" }),
      logon("SRV01", 10.9, { user: "backup", ip: "10.0.0.20" }),
      security(4697, "SRV01", 11, {
        SubjectUserName: "attacker",
        SubjectDomainName: "CORP",
        SubjectUserSid: "S-1-5-21-1-2-3-1666",
        ServiceName: "svc",
        ServiceFileName: "C:\\svc.exe",
      }),
    ]);
    assert.ok(edges(r).includes("remote-service 10.0.0.66 -> SRV01 as CORP\\attacker"), edges(r).join("\n"));
    assert.ok(!edges(r).some((e) => e.startsWith("remote-service 10.0.0.20")));
  });

  test("Sysmon 13 services.exe setting Services\\X\\ImagePath after an inbound SMB connection (Sysmon 3)", () => {
    const r = report([
      sysmon(3, "SRV01", 10, {
        Image: "System",
        Initiated: false,
        SourceIp: "10.0.0.19",
        SourcePort: 33801,
        DestinationIp: "10.0.0.18",
        DestinationPort: 445,
        UtcTime: "2024-03-01 10:10:00.000",
      }),
      sysmon(13, "SRV01", 10.1, {
        EventType: "SetValue",
        Image: "C:\\Windows\\system32\\services.exe",
        TargetObject: "HKLM\\System\\CurrentControlSet\\services\\hello\\ImagePath",
        Details: "%COMSPEC% /b /c start powershell.exe -nop",
      }),
    ]);
    assert.deepEqual(edges(r), ["remote-service 10.0.0.19 -> SRV01 as -"]);
  });
});

describe("remote WMI and wmic /node", () => {
  test("a WmiPrvSE.exe child (Sysmon 1) after a network logon", () => {
    const r = report([
      logon("SRV01", 10, { user: "jdoe", ip: "10.0.0.5" }),
      sysmon(1, "SRV01", 10.05, {
        Image: "C:\\Windows\\System32\\cmd.exe",
        CommandLine: "cmd.exe /Q /c whoami 1> \\\\127.0.0.1\\ADMIN$\\__1556656369.7 2>&1",
        User: "CORP\\jdoe",
        ParentImage: "C:\\Windows\\System32\\wbem\\WmiPrvSE.exe",
      }),
    ]);
    assert.deepEqual(edges(r), [
      "network-logon 10.0.0.5 -> SRV01 as CORP\\jdoe",
      "remote-wmi 10.0.0.5 -> SRV01 as CORP\\jdoe",
    ]);
  });

  test("4688 without ParentProcessName: the parent found by WmiPrvSE.exe's process id", () => {
    const r = report([
      logon("SRV01", 10, { user: "jdoe", ip: "10.0.0.5" }),
      security(4688, "SRV01", 10.01, {
        NewProcessName: "C:\\Windows\\System32\\wbem\\WmiPrvSE.exe",
        NewProcessId: "0xae8",
        ProcessId: "0x248",
        SubjectUserName: "SRV01$",
        SubjectDomainName: "CORP",
      }),
      security(4688, "SRV01", 10.02, {
        NewProcessName: "C:\\Windows\\System32\\calc.exe",
        NewProcessId: "0x424",
        ProcessId: "0xae8",
        SubjectUserName: "SRV01$",
        SubjectDomainName: "CORP",
      }),
      security(4688, "SRV01", 10.03, {
        NewProcessName: "C:\\Windows\\System32\\notepad.exe",
        NewProcessId: "0x500",
        ProcessId: "0x111",
        SubjectUserName: "SRV01$",
        SubjectDomainName: "CORP",
      }),
    ]);
    assert.deepEqual(edges(r), [
      "network-logon 10.0.0.5 -> SRV01 as CORP\\jdoe",
      "remote-wmi 10.0.0.5 -> SRV01 as CORP\\jdoe",
    ]);
    assert.deepEqual(r.graph.edges[1].details, ["calc.exe"]);
  });

  test("a WmiPrvSE.exe child with no session before it is local WMI: no edge", () => {
    const r = report([
      sysmon(1, "SRV01", 10, {
        Image: "C:\\Windows\\System32\\cmd.exe",
        User: "CORP\\jdoe",
        ParentImage: "C:\\Windows\\System32\\wbem\\WmiPrvSE.exe",
      }),
    ]);
    assert.deepEqual(edges(r), []);
    assert.deepEqual(r.unattributedRemoteExecution, []);
  });

  test("wmic /node:X process call create on the source (Sysmon 1 and 4688), /user: as the account", () => {
    const r = report([
      sysmon(1, "WS01.corp.local", 1, {
        Image: "C:\\Windows\\System32\\wbem\\WMIC.exe",
        CommandLine:
          'wmic /node:"SRV02" /user:CORP\\admin /password:"x" process call create "cmd /c nltest /DOMAIN_TRUSTS"',
        User: "CORP\\jdoe",
        ParentImage: "C:\\Windows\\System32\\cmd.exe",
      }),
      security(4688, "WS01.corp.local", 2, {
        NewProcessName: "C:\\Windows\\System32\\wbem\\WMIC.exe",
        CommandLine: "wmic /node:10.0.0.30,SRV04 process call create calc.exe",
        SubjectUserName: "jdoe",
        SubjectDomainName: "CORP",
        ProcessId: "0x1",
        NewProcessId: "0x2",
      }),
      // Not remote: no node, localhost, or no process creation.
      sysmon(1, "WS01.corp.local", 3, {
        Image: "C:\\Windows\\System32\\wbem\\WMIC.exe",
        CommandLine: "wmic process call create calc.exe",
        User: "CORP\\jdoe",
      }),
      sysmon(1, "WS01.corp.local", 4, {
        Image: "C:\\Windows\\System32\\wbem\\WMIC.exe",
        CommandLine: "wmic /node:localhost process call create calc.exe",
        User: "CORP\\jdoe",
      }),
      sysmon(1, "WS01.corp.local", 5, {
        Image: "C:\\Windows\\System32\\wbem\\WMIC.exe",
        CommandLine: "wmic /node:SRV09 os get caption",
        User: "CORP\\jdoe",
      }),
    ]);
    assert.deepEqual(edges(r), [
      "wmic-node WS01.corp.local -> SRV02 as CORP\\admin",
      "wmic-node WS01.corp.local -> 10.0.0.30 as CORP\\jdoe",
      "wmic-node WS01.corp.local -> SRV04 as CORP\\jdoe",
    ]);
  });

  test("psexec \\\\X on the source, -u as the account", () => {
    const r = report([
      sysmon(1, "WS01", 1, {
        Image: "C:\\Tools\\PsExec64.exe",
        CommandLine: "PsExec64.exe -accepteula \\\\SRV03 -u CORP\\admin -p x cmd.exe",
        User: "CORP\\jdoe",
      }),
      sysmon(1, "WS01", 2, {
        Image: "C:\\Tools\\PsExec.exe",
        CommandLine: "psexec.exe -s cmd.exe",
        User: "CORP\\jdoe",
      }),
    ]);
    assert.deepEqual(edges(r), ["psexec WS01 -> SRV03 as CORP\\admin"]);
  });
});

describe("address resolution", () => {
  test("stronger evidence wins: machine account over Sysmon over workstation name over DNS", () => {
    const r = report([
      logon("SRV01", 1, { user: "jdoe", ip: "10.0.0.5", workstation: "FAKE-NAME" }),
      sysmon(22, "WS02", 1, { QueryName: "ws03.corp.local", QueryResults: "::ffff:10.0.0.5;" }),
      logon("DC01", 2, { user: "WS01$", ip: "10.0.0.5" }),
      logon("SRV02", 3, { user: "jdoe", ip: "10.0.0.6", workstation: "WS06" }),
      sysmon(22, "WS02", 3, {
        QueryName: "ws07.corp.local",
        QueryResults: "type:  5 cname.corp.local;::ffff:10.0.0.7;",
      }),
      sysmon(22, "WS02", 3, { QueryName: "www.example.com", QueryResults: "::ffff:93.184.216.34;" }),
      logon("SRV03", 4, { user: "jdoe", ip: "10.0.0.7" }),
      logon("SRV03", 5, { user: "jdoe", ip: "93.184.216.34" }),
    ]);
    assert.deepEqual(edges(r), [
      "network-logon WS01 -> SRV01 as CORP\\jdoe",
      "network-logon WS06 -> SRV02 as CORP\\jdoe",
      "network-logon ws07.corp.local -> SRV03 as CORP\\jdoe",
      "network-logon 93.184.216.34 -> SRV03 as CORP\\jdoe",
    ]);
    const ws01 = r.graph.nodes.find((n) => n.key === "ws01");
    assert.deepEqual(ws01?.addresses, ["10.0.0.5"]);
  });

  test("an address pair holds near the time it was seen, not months later (DHCP)", () => {
    const later = 60 * 24 * 90;
    const r = report([
      logon("SRV01", 1, { user: "jdoe", ip: "10.0.0.5", workstation: "WS01" }),
      logon("SRV02", later, { user: "jdoe", ip: "10.0.0.5" }),
    ]);
    assert.deepEqual(edges(r), [
      "network-logon WS01 -> SRV01 as CORP\\jdoe",
      "network-logon 10.0.0.5 -> SRV02 as CORP\\jdoe",
    ]);
  });

  test("FQDN, NetBIOS and case variants of a host are one node, shown as its own Computer spelling", () => {
    const r = report([
      logon("SRV01.corp.local", 1, { user: "jdoe", workstation: "ws01" }),
      logon("ws01.CORP.local", 2, { user: "jdoe", type: 2, workstation: "WS01" }),
      logon("srv01", 3, { user: "jdoe", workstation: "WS01" }),
    ]);
    assert.deepEqual(edges(r), ["network-logon ws01.CORP.local -> SRV01.corp.local as CORP\\jdoe"]);
    assert.equal(r.graph.edges[0].count, 2);
  });
});

describe("logon summary and failure bursts", () => {
  test("successes and failures per account, source and logon type", () => {
    const r = report([
      logon("SRV01", 1, { user: "jdoe", ip: "10.0.0.5" }),
      logon("SRV02", 2, { user: "jdoe", ip: "10.0.0.5" }),
      logon("SRV01", 3, { user: "jdoe", type: 10, ip: "10.0.0.5" }),
      failedLogon("SRV01", 4, "jdoe", "10.0.0.5"),
      failedLogon("SRV01", 5, "admin", "10.0.0.66"),
    ]);
    const rows = r.logonSummary.entries.map(
      (e) => `${e.account} ${e.source} ${e.logonType} ${e.successes}/${e.failures} ${e.targets.join(",")}`,
    );
    assert.deepEqual(rows, [
      "CORP\\jdoe 10.0.0.5 3 2/1 SRV01,SRV02",
      "admin 10.0.0.66 3 0/1 SRV01",
      "CORP\\jdoe 10.0.0.5 10 1/0 SRV01",
    ]);
    const jdoe = r.logonSummary.accounts.find((a) => a.account === "CORP\\jdoe");
    assert.deepEqual(jdoe, {
      account: "CORP\\jdoe",
      successes: 3,
      failures: 1,
      sources: 1,
      targets: 2,
      logonTypes: [3, 10],
    });
  });

  test("spraying: many accounts from one source within minutes, then a success; brute force; too few to count", () => {
    const events: HuntEvent[] = [];
    for (let i = 0; i < 30; i++) events.push(failedLogon("SRV01", 1 + i / 5, `user${i}`, "10.0.0.66"));
    events.push(logon("SRV01", 9, { user: "user17", ip: "10.0.0.66" }));
    for (let i = 0; i < 25; i++) events.push(failedLogon("SRV02", 100 + i / 10, "administrator", "10.0.0.77"));
    for (let i = 0; i < 4; i++) events.push(failedLogon("SRV03", 200 + i, `u${i}`, "10.0.0.88"));
    // Kerberos pre-authentication failures on a DC spray too.
    for (let i = 0; i < 12; i++) {
      events.push(
        security(4771, "DC01", 300 + i / 20, {
          TargetUserName: `k${i}`,
          Status: "0x18",
          IpAddress: "::ffff:10.0.0.99",
        }),
      );
    }
    const r = report(events);
    const bursts = r.logonSummary.failureBursts.map(
      (b) => `${b.source} ${b.kind} ${b.failures}/${b.accounts} ${b.followedBySuccess?.account ?? "-"}`,
    );
    assert.deepEqual(bursts, [
      "10.0.0.66 spray 30/30 CORP\\user17",
      "10.0.0.77 brute-force 25/1 -",
      "10.0.0.99 spray 12/12 -",
    ]);
    assert.equal(r.logonSummary.failureBursts[0].firstSeen, "2024-03-01T10:00:00.000Z");
    assert.deepEqual(r.logonSummary.failureBursts[2].targets, ["DC01"]);
  });

  test("bursts from one source hours apart are two bursts", () => {
    const events: HuntEvent[] = [];
    for (let i = 0; i < 10; i++) events.push(failedLogon("SRV01", i / 10, `a${i}`, "10.0.0.66"));
    for (let i = 0; i < 10; i++) events.push(failedLogon("SRV01", 180 + i / 10, `b${i}`, "10.0.0.66"));
    assert.equal(report(events).logonSummary.failureBursts.length, 2);
  });
});

describe("facts", () => {
  const scenario = (): HuntEvent[] => [
    logon("SRV01", 10, { user: "jdoe", ip: "10.0.0.5", workstation: "WS01" }),
    event("System", 7045, "SRV01", 10.2, { ServiceName: "x", ImagePath: "C:\\x.exe" }),
    shareAccess(5145, "SRV02", 11, { user: "jdoe", ip: "10.0.0.5", share: "ADMIN$", relative: "a" }),
    shareAccess(5145, "SRV02", 12, { user: "jdoe", ip: "10.0.0.5", share: "ADMIN$", relative: "b" }),
    failedLogon("SRV01", 9, "x1", "10.0.0.66"),
    failedLogon("SRV02", 9.5, "x2", "10.0.0.66"),
  ];

  test("facts from collectors that each saw some events, in any order, merge to the facts of one", () => {
    const all = scenario();
    const whole = buildScope(collect(all), []);
    const a = collect([all[5], all[1], all[3]]);
    const b = collect([all[4], all[2], all[0]]);
    // Posted between threads: structured clone keeps everything.
    const merged = mergeScopeFacts(structuredClone(a), structuredClone(b));
    const split = buildScope(merged, []);
    assert.deepEqual(split.graph.edges, whole.graph.edges);
    assert.deepEqual(split.logonSummary, whole.logonSummary);
    assert.deepEqual(split.graph.nodes, whole.graph.nodes);
  });

  test("memory is bounded: past maxEntries new aggregates are counted as dropped", () => {
    const collector = new ScopeCollector({ maxEntries: 10 });
    for (let i = 0; i < 50; i++) collector.observe(logon("SRV01", i, { user: `u${i}`, ip: "10.0.0.5" }));
    const facts: ScopeFacts = collector.facts();
    assert.equal(facts.edges.length, 10);
    assert.ok(facts.dropped >= 40);
  });

  test("an event of no interest is read no further than its EventID; a new file's first event gives its host", () => {
    const reads: string[] = [];
    const counted = (fields: Record<string, FieldValue>, file: string): HuntEvent => {
      const e = huntEvent(fields, file);
      const get = (p: string): FieldValue | undefined => {
        reads.push(p);
        return e.fields.get(p);
      };
      return { ...e, fields: { get, entries: () => e.fields.entries(), forEach: (visit) => e.fields.forEach(visit) } };
    };
    const collector = new ScopeCollector();
    const base = {
      "System.Channel": "Microsoft-Windows-PowerShell/Operational",
      "System.Computer": "WS01",
      "System.TimeCreated.SystemTime": at(1),
    };
    collector.observe(counted({ ...base, "System.EventID": 4104 }, "a.evtx"));
    assert.deepEqual(reads.sort(), ["System.Channel", "System.Computer", "System.EventID"]);
    reads.length = 0;
    collector.observe(counted({ ...base, "System.EventID": 4104 }, "a.evtx"));
    collector.observe(counted({ ...base, "System.EventID": 4103 }, "a.evtx"));
    assert.deepEqual(reads, ["System.EventID", "System.EventID"]);
    assert.equal(collector.facts().hosts[0].key, "ws01");
  });
});
