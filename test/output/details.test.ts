/** Details: the fields that matter for each type of event, under Hayabusa's short names. */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { PlainValue } from "../../src/hunt/detection.js";
import {
  detailEntries,
  detailsFor,
  fieldText,
  isDataField,
  isNamespaceDeclaration,
  MAX_VALUE_CHARS,
} from "../../src/output/details.js";

const SECURITY = "Security";
const SYSMON = "Microsoft-Windows-Sysmon/Operational";

function data(fields: Record<string, PlainValue>): Record<string, PlainValue> {
  return Object.fromEntries(Object.entries(fields).map(([k, v]) => [k.includes(".") ? k : `EventData.${k}`, v]));
}

test("Sysmon 1: command line, image, user, parent command line, logon id, process id", () => {
  const fields = data({
    RuleName: "-",
    ProcessId: 4242,
    Image: "C:\\Windows\\System32\\whoami.exe",
    CommandLine: "whoami /all",
    User: "CORP\\alice",
    LogonId: "0x3e7",
    ParentCommandLine: "cmd.exe",
  });
  assert.deepEqual(detailsFor(fields, SYSMON, 1), {
    Cmdline: "whoami /all",
    Proc: "C:\\Windows\\System32\\whoami.exe",
    User: "CORP\\alice",
    ParentCmdline: "cmd.exe",
    LID: "0x3e7",
    PID: "4242",
  });
});

test("Security 4688: NewProcessName as Proc, NewProcessId as PID, SubjectLogonId as LID", () => {
  const fields = data({
    SubjectUserName: "alice",
    SubjectLogonId: "0x1a2b",
    NewProcessId: "0x1f4",
    NewProcessName: "C:\\Windows\\System32\\net.exe",
    CommandLine: 'net group "domain admins" /domain',
    ParentProcessName: "C:\\Windows\\System32\\cmd.exe",
  });
  assert.deepEqual(detailsFor(fields, SECURITY, 4688), {
    Cmdline: 'net group "domain admins" /domain',
    Proc: "C:\\Windows\\System32\\net.exe",
    User: "alice",
    ParentProc: "C:\\Windows\\System32\\cmd.exe",
    LID: "0x1a2b",
    PID: "0x1f4",
  });
});

test("4624 and 4625: logon type, target user, source computer and address", () => {
  const logon = data({
    TargetUserName: "admin",
    TargetLogonId: "0x99",
    LogonType: 10,
    WorkstationName: "ATTACKER",
    IpAddress: "192.0.2.7",
  });
  assert.deepEqual(detailsFor(logon, SECURITY, 4624), {
    Type: "10",
    TgtUser: "admin",
    SrcComp: "ATTACKER",
    SrcIP: "192.0.2.7",
    LID: "0x99",
  });
  const failed = data({ TargetUserName: "admin", LogonType: 3, IpAddress: "192.0.2.7", SubStatus: "0xc000006a" });
  assert.deepEqual(detailsFor(failed, SECURITY, 4625), {
    Type: "3",
    TgtUser: "admin",
    SrcIP: "192.0.2.7",
    SubStatus: "0xc000006a",
  });
});

test("4648 explicit credentials, 7045 service install, 4104 script block", () => {
  const explicit = data({ SubjectUserName: "alice", TargetUserName: "svc_backup", TargetServerName: "DC01" });
  assert.deepEqual(detailsFor(explicit, SECURITY, 4648), { SrcUser: "alice", TgtUser: "svc_backup", TgtSvr: "DC01" });
  const service = data({
    ServiceName: "PSEXESVC",
    ImagePath: "%SystemRoot%\\PSEXESVC.exe",
    AccountName: "LocalSystem",
  });
  assert.deepEqual(detailsFor(service, "System", 7045), {
    Svc: "PSEXESVC",
    Path: "%SystemRoot%\\PSEXESVC.exe",
    Acct: "LocalSystem",
  });
  const script = data({ MessageNumber: 1, ScriptBlockText: "IEX (New-Object Net.WebClient)\r\n.DownloadString('x')" });
  assert.deepEqual(detailsFor(script, "Microsoft-Windows-PowerShell/Operational", 4104), {
    ScriptBlock: "IEX (New-Object Net.WebClient) .DownloadString('x')",
  });
});

test("Sysmon 3, 11 and 13", () => {
  const net = data({
    Image: "C:\\x.exe",
    Protocol: "tcp",
    SourceIp: "10.0.0.2",
    SourcePort: 49711,
    DestinationIp: "203.0.113.9",
    DestinationPort: 443,
    DestinationHostname: "c2.example",
  });
  assert.deepEqual(detailsFor(net, SYSMON, 3), {
    Proto: "tcp",
    SrcIP: "10.0.0.2",
    SrcPort: "49711",
    DstIP: "203.0.113.9",
    DstPort: "443",
    DstHost: "c2.example",
    Proc: "C:\\x.exe",
  });
  assert.deepEqual(detailsFor(data({ Image: "C:\\x.exe", TargetFilename: "C:\\t\\a.dll" }), SYSMON, 11), {
    Proc: "C:\\x.exe",
    TgtFile: "C:\\t\\a.dll",
  });
  const reg = data({ Image: "C:\\x.exe", TargetObject: "HKLM\\...\\Run\\x", Details: "C:\\x.exe" });
  assert.deepEqual(detailsFor(reg, SYSMON, 13), {
    Proc: "C:\\x.exe",
    TgtObj: "HKLM\\...\\Run\\x",
    Details: "C:\\x.exe",
  });
});

test("5140 and 5145 share access", () => {
  const fields = data({
    SubjectUserName: "alice",
    IpAddress: "10.1.1.1",
    ShareName: "\\\\*\\C$",
    RelativeTargetName: "Windows\\Temp\\x.exe",
  });
  assert.deepEqual(detailsFor(fields, SECURITY, 5140), { ShareName: "\\\\*\\C$", SrcIP: "10.1.1.1", User: "alice" });
  assert.deepEqual(detailsFor(fields, SECURITY, 5145), {
    ShareName: "\\\\*\\C$",
    RelTgt: "Windows\\Temp\\x.exe",
    SrcIP: "10.1.1.1",
    User: "alice",
  });
});

test("log cleared (1102, 104) and Terminal Services (1149, 21, 25) read UserData", () => {
  const cleared = {
    "UserData.LogFileCleared.xmlns": "http://manifests.microsoft.com/win/2004/08/windows/eventlog",
    "UserData.LogFileCleared.SubjectUserName": "user01",
    "UserData.LogFileCleared.SubjectDomainName": "EXAMPLE",
  };
  assert.deepEqual(detailsFor(cleared, SECURITY, 1102), { User: "user01" });
  assert.deepEqual(detailsFor(cleared, "System", 104), { User: "user01" });
  const rcm = {
    "UserData.EventXML.Param1": "administrator",
    "UserData.EventXML.Param2": "ie11win7",
    "UserData.EventXML.Param3": "10.0.2.16",
  };
  const rcmChannel = "Microsoft-Windows-TerminalServices-RemoteConnectionManager/Operational";
  assert.deepEqual(detailsFor(rcm, rcmChannel, 1149), {
    User: "administrator",
    Domain: "ie11win7",
    SrcIP: "10.0.2.16",
  });
  const lsm = {
    "UserData.EventXML.User": "CORP\\alice",
    "UserData.EventXML.SessionID": 2,
    "UserData.EventXML.Address": "10.0.0.9",
  };
  const lsmChannel = "Microsoft-Windows-TerminalServices-LocalSessionManager/Operational";
  assert.deepEqual(detailsFor(lsm, lsmChannel, 21), { User: "CORP\\alice", SrcIP: "10.0.0.9" });
  assert.deepEqual(detailsFor(lsm, lsmChannel, 25), { User: "CORP\\alice", SrcIP: "10.0.0.9" });
});

test("the channel is matched without case; without one, the provider tells the log", () => {
  const fields = data({ CommandLine: "whoami", NewProcessName: "C:\\w.exe" });
  assert.deepEqual(detailsFor(fields, "SECURITY", 4688), { Cmdline: "whoami", Proc: "C:\\w.exe" });
  const noChannel = { ...fields, "System.Provider.Name": "Microsoft-Windows-Security-Auditing" };
  assert.deepEqual(detailsFor(noChannel, null, 4688), { Cmdline: "whoami", Proc: "C:\\w.exe" });
});

test("other events: the first five event data fields, namespaces and empty values left out", () => {
  const fields = {
    "System.EventID": 9999,
    "UserData.Root.xmlns": "urn:x",
    "EventData.A": "1",
    "EventData.B": "",
    "EventData.C": null,
    "EventData.D": 4,
    "EventData.E": true,
    "EventData.F": ["x", "y"],
    "EventData.G": "g",
    "EventData.H": "h",
  };
  assert.deepEqual(detailsFor(fields, "Application", 9999), { A: "1", D: "4", E: "true", F: "x, y", G: "g" });
  assert.deepEqual(detailsFor({ "System.EventID": 1 }, null, null), {});
});

test("a field missing from the event is left out; entries name the path each value came from", () => {
  const entries = detailEntries(data({ CommandLine: "whoami" }), SYSMON, 1);
  assert.deepEqual(entries, [{ name: "Cmdline", path: "EventData.CommandLine", value: "whoami" }]);
});

test("long values are cut with a marker; line breaks and tabs become one space", () => {
  const long = "A".repeat(MAX_VALUE_CHARS + 500);
  const text = fieldText(long);
  assert.equal(text, `${"A".repeat(MAX_VALUE_CHARS)}…[+500 chars]`);
  const emoji = `${"A".repeat(MAX_VALUE_CHARS - 1)}😀tail`;
  assert.ok(!fieldText(emoji).includes("\ud83d…"), "no half surrogate pair");
  assert.equal(fieldText("a\r\n\tb\nc"), "a b c");
  assert.equal(fieldText(null), "");
  const details = detailsFor(data({ ScriptBlockText: long }), "Microsoft-Windows-PowerShell/Operational", 4104);
  assert.equal(details.ScriptBlock.length, MAX_VALUE_CHARS + "…[+500 chars]".length);
});

test("namespace declarations are told from data fields by their leaf: xmlns and xmlns:prefix only", () => {
  for (const path of ["xmlns", "EventData.xmlns", "UserData.EventXML.xmlns", "UserData.EventXML.xmlns:auto-ns3"]) {
    assert.equal(isNamespaceDeclaration(path), true, path);
  }
  for (const path of ["EventData.xmlnsX", "EventData.myxmlns", "EventData.Xmlns", "EventData.xmln", "xmlns.Data", ""]) {
    assert.equal(isNamespaceDeclaration(path), false, path);
  }
  assert.equal(isDataField("EventData.CommandLine"), true);
  assert.equal(isDataField("UserData.EventXML.xmlns"), false);
  assert.equal(isDataField("System.Computer"), false);
});

test("a value's line breaks and tabs become one space each run; a value without them comes back as it is", () => {
  assert.equal(fieldText("cmd.exe /c whoami"), "cmd.exe /c whoami");
  assert.equal(fieldText("a\tb"), "a b");
  assert.equal(fieldText("a\rb"), "a b");
  assert.equal(fieldText("line one\r\n\r\nline two\n"), "line one line two ");
  assert.equal(fieldText(["x\ny", "z"]), "x y, z");
  assert.equal(fieldText(42), "42");
});
