/** Detections built in code for the output tests, and a CSV reader to read back what the writers wrote. */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Detection, DetectionRuleInfo } from "../../src/hunt/detection.js";
import { detailsFor } from "../../src/output/details.js";

/** A folder of its own under the system's temporary folder. */
export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "vigil-output-"));
}

const RULE: DetectionRuleInfo = {
  id: "3b6ab547-8ec2-4991-b9d2-2b06702a48d7",
  title: "Suspicious Encoded PowerShell Command Line",
  level: "high",
  tags: ["attack.execution", "attack.t1059.001", "attack.defense_evasion", "attack.g0035", "car.2014-04-003"],
  file: "/rules/windows/process_creation/proc_creation_win_powershell_encoded.yml",
  kind: "detection",
};

/** A Sysmon 1 process creation: `powershell -enc …` started by cmd.exe on WS01. */
export function processCreation(overrides: Partial<Detection> = {}): Detection {
  const event = {
    "System.Provider.Name": "Microsoft-Windows-Sysmon",
    "System.EventID": 1,
    "System.TimeCreated.SystemTime": "2024-01-02T03:04:05.678901Z",
    "System.EventRecordID": 4711,
    "System.Channel": "Microsoft-Windows-Sysmon/Operational",
    "System.Computer": "WS01.corp.example",
    "EventData.UtcTime": "2024-01-02 03:04:05.678",
    "EventData.ProcessId": 4242,
    "EventData.Image": "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
    "EventData.CommandLine": "powershell.exe -nop -enc SQBFAFgA",
    "EventData.User": "CORP\\alice",
    "EventData.LogonId": "0x3e7",
    "EventData.ParentImage": "C:\\Windows\\System32\\cmd.exe",
    "EventData.ParentCommandLine": "cmd.exe /c run.bat",
    "EventData.Hashes": ["SHA256=ABC", "IMPHASH=DEF"],
  };
  return {
    timestamp: Date.UTC(2024, 0, 2, 3, 4, 5, 678),
    rule: RULE,
    computer: "WS01.corp.example",
    channel: "Microsoft-Windows-Sysmon/Operational",
    eventId: 1,
    recordId: "4711",
    source: { file: "/evidence/WS01/Sysmon.evtx", offset: 0x11f8 },
    details: detailsFor(event, "Microsoft-Windows-Sysmon/Operational", 1),
    event,
    ...overrides,
  };
}

/** A correlation alert: five failed logons from one address. */
export function correlationAlert(): Detection {
  return {
    timestamp: Date.UTC(2024, 0, 2, 4, 0, 0, 0),
    rule: {
      id: "c1",
      title: "Password Spray",
      level: "medium",
      tags: ["attack.credential-access", "attack.t1110.003"],
      file: "/rules/spray.yml",
      kind: "correlation",
    },
    computer: "DC01",
    channel: "Security",
    eventId: null,
    recordId: null,
    source: { file: "/evidence/logs.zip", member: "DC01/Security.evtx", offset: null },
    details: { IpAddress: "10.0.0.5", Count: "5" },
    event: {},
    correlation: {
      type: "value_count",
      group: { IpAddress: "10.0.0.5" },
      value: 5,
      matchCount: 5,
      firstSeen: Date.UTC(2024, 0, 2, 3, 59, 0, 0),
      values: ["alice", "bob"],
      evidence: [
        { rule: "Failed Logon", timestamp: Date.UTC(2024, 0, 2, 3, 59, 0, 0), recordId: "9", computer: "DC01" },
      ],
    },
  };
}

/** Records of an RFC 4180 text (CRLF or LF between records, quoted fields with doubled quotes). */
export function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let field = "";
  let i = 0;
  let quoted = false;
  while (i < text.length) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i += 2;
      } else if (c === '"') {
        quoted = false;
        i += 1;
      } else {
        field += c;
        i += 1;
      }
      continue;
    }
    if (c === '"') quoted = true;
    else if (c === ",") {
      record.push(field);
      field = "";
    } else if (c === "\r" && text[i + 1] === "\n") {
      record.push(field);
      records.push(record);
      record = [];
      field = "";
      i += 1;
    } else field += c;
    i += 1;
  }
  if (field !== "" || record.length > 0) records.push([...record, field]);
  return records;
}
