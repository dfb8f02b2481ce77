/**
 * Evidence for the report tests, built in code: a simulated intrusion in the shape of the Volt Typhoon advisories
 * (a web shell on an IT server, credential theft on the domain controllers, movement through the OT-DMZ jump
 * server into the engineering workstations and HMIs), its scope, a corpus of hostile payloads, and a large hunt.
 */
import { mkdtempSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Detection, DetectionRuleInfo, Level, PlainValue } from "../../src/hunt/detection.js";
import type { HuntSummary } from "../../src/output/summary.js";
import type { AppBundle } from "../../src/report/bundle.js";
import { appBundle } from "../../src/report/bundle.js";
import { ReportCollector, type ReportInput } from "../../src/report/collect.js";
import type { ReportData } from "../../src/report/data.js";
import { reportHtml } from "../../src/report/page.js";
import type { ReportScope } from "../../src/report/scope.js";
import { prng } from "../evtx/fuzz-cases.js";

export function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "vigil-report-"));
}

/** The fuzz tests' deterministic generator, so every run builds the same evidence. */
const random = prng;

const rule = (
  title: string,
  level: Level,
  tags: string[],
  kind: DetectionRuleInfo["kind"] = "detection",
): DetectionRuleInfo => ({
  id: `00000000-0000-4000-8000-${title.length.toString(16).padStart(4, "0")}${level.length.toString(16).padStart(8, "0")}`,
  title,
  level,
  tags,
  file: `rules/volt-typhoon/${title.toLowerCase().replace(/[^a-z0-9]+/g, "_")}.yml`,
  kind,
});

export const RULES = {
  webShell: rule("Web Shell Spawned Command Shell", "high", [
    "attack.persistence",
    "attack.t1505.003",
    "attack.initial-access",
    "attack.t1190",
  ]),
  ntds: rule("NTDS.dit Copy via Ntdsutil IFM", "critical", ["attack.credential-access", "attack.t1003.003"]),
  lsass: rule("LSASS Memory Dump via Comsvcs", "critical", ["attack.credential-access", "attack.t1003.001"]),
  netUser: rule("Account Discovery via Net", "low", ["attack.discovery", "attack.t1087.001", "attack.t1087.002"]),
  systeminfo: rule("System Information Discovery", "low", ["attack.discovery", "attack.t1082"]),
  wmic: rule("WMIC Remote Process Creation", "high", ["attack.execution", "attack.t1047"]),
  portproxy: rule("Portproxy Added via Netsh", "high", ["attack.command-and-control", "attack.t1090.001"]),
  logCleared: rule("Security Event Log Cleared", "high", ["attack.defense-evasion", "attack.t1070.001"]),
  rdp: rule("RDP Logon From Internal Host", "medium", ["attack.lateral-movement", "attack.t1021.001"]),
  otLogon: rule("Domain Account Logon Into OT Zone", "critical", ["attack.lateral-movement", "attack.t1078.002"]),
  archive: rule("Archive Staging with 7-Zip", "medium", ["attack.collection", "attack.t1560.001", "attack.t1074.001"]),
  eventQuery: rule("Event Log Query via PowerShell", "informational", ["attack.discovery", "attack.t1654"]),
  spray: rule(
    "Password Spray From One Source",
    "medium",
    ["attack.credential-access", "attack.t1110.003"],
    "correlation",
  ),
  service: rule("Rare Service Installed", "low", []),
} as const;

export const HOSTS = {
  web: "WEB01.corp.local",
  admin: "WS-ADMIN01.corp.local",
  ws: "WS014.corp.local",
  dc1: "DC01.corp.local",
  dc2: "DC02.corp.local",
  fs: "FS01.corp.local",
  jump: "JUMP01.corp.local",
  hist: "HIST01.corp.local",
  ews: "EWS01.corp.local",
  hmi1: "HMI01.corp.local",
  hmi2: "HMI02.corp.local",
} as const;

const START = Date.UTC(2024, 4, 14, 1, 12, 0);
const MINUTE = 60_000;

let recordId = 1000;

/** The fields a detection's details show, by their short names (as details.ts picks them for the real hunt). */
const DETAIL_NAMES = new Map([
  ["EventData.CommandLine", "CommandLine"],
  ["EventData.SubjectUserName", "User"],
  ["EventData.ParentProcessName", "ParentImage"],
  ["EventData.TargetUserName", "TargetUser"],
  ["EventData.IpAddress", "SourceIP"],
  ["EventData.LogonType", "LogonType"],
  ["EventData.WorkstationName", "Workstation"],
  ["EventData.ServiceName", "Service"],
  ["EventData.ImagePath", "ImagePath"],
  ["EventData.Url", "Url"],
  ["UserData.LogFileCleared.SubjectUserName", "User"],
]);

/** A detection of `r` on `host` at `minute` past the start of the intrusion, with an event of `fields`. */
export function detection(
  r: DetectionRuleInfo,
  host: string,
  at: number,
  fields: Record<string, PlainValue>,
  eventId = 4688,
  channel = "Security",
): Detection {
  recordId++;
  const event: Record<string, PlainValue> = {
    "System.Provider.Name": channel === "Security" ? "Microsoft-Windows-Security-Auditing" : "Microsoft-Windows-Sysmon",
    "System.Provider.Guid": "{54849625-5478-4994-A5BA-3E3B0328C30D}",
    "System.EventID": eventId,
    "System.Version": 2,
    "System.Level": 0,
    "System.Task": 13312,
    "System.Opcode": 0,
    "System.Keywords": "0x8020000000000000",
    "System.TimeCreated.SystemTime": new Date(at).toISOString(),
    "System.EventRecordID": recordId,
    "System.Execution.ProcessID": 4,
    "System.Execution.ThreadID": 7432,
    "System.Channel": channel,
    "System.Computer": host,
    ...fields,
  };
  const details: Record<string, string> = {};
  for (const [k, v] of Object.entries(fields)) {
    const name = DETAIL_NAMES.get(k);
    if (name !== undefined) details[name] = Array.isArray(v) ? v.join(", ") : String(v);
  }
  return {
    timestamp: at,
    rule: r,
    computer: host,
    channel,
    eventId,
    recordId: String(recordId),
    source: {
      file: `/evidence/${host.split(".")[0]}/${channel === "Security" ? "Security" : "Sysmon"}.evtx`,
      offset: 0x1000 + recordId * 0x1f8,
    },
    details,
    event,
  };
}

const processEvent = (image: string, commandLine: string, user: string, parent = "C:\\Windows\\System32\\cmd.exe") => ({
  "EventData.SubjectUserSid": "S-1-5-21-3623811015-3361044348-30300820-1013",
  "EventData.SubjectUserName": user,
  "EventData.SubjectDomainName": "CORP",
  "EventData.SubjectLogonId": "0x3e7",
  "EventData.NewProcessId": "0x1a2c",
  "EventData.NewProcessName": image,
  "EventData.TokenElevationType": "%%1936",
  "EventData.ProcessId": "0x2f4",
  "EventData.CommandLine": commandLine,
  "EventData.TargetUserSid": "S-1-0-0",
  "EventData.ParentProcessName": parent,
  "EventData.MandatoryLabel": "S-1-16-12288",
});

const logon = (user: string, ip: string, workstation: string, type = 10) => ({
  "EventData.TargetUserSid": "S-1-5-21-3623811015-3361044348-30300820-1105",
  "EventData.TargetUserName": user,
  "EventData.TargetDomainName": "CORP",
  "EventData.TargetLogonId": "0x5d1f9a",
  "EventData.LogonType": type,
  "EventData.LogonProcessName": "User32",
  "EventData.AuthenticationPackageName": "Negotiate",
  "EventData.WorkstationName": workstation,
  "EventData.IpAddress": ip,
  "EventData.IpPort": "0",
});

/** The simulated intrusion's detections, in time order: about 400 over eight hours on eleven hosts. */
export function intrusionDetections(): Detection[] {
  const rnd = random(7);
  const out: Detection[] = [];
  const at = (minute: number): number => START + Math.round(minute * MINUTE + rnd() * 50_000);
  const svc = "svc-backup";
  for (let i = 0; i < 6; i++) {
    out.push(
      detection(
        RULES.webShell,
        HOSTS.web,
        at(2 + i * 3),
        processEvent(
          "C:\\Windows\\System32\\cmd.exe",
          `cmd.exe /c whoami & ipconfig /all & net group "Domain Admins" /domain`,
          "WEB01$",
          "C:\\Windows\\System32\\inetsrv\\w3wp.exe",
        ),
      ),
    );
  }
  for (let i = 0; i < 40; i++) {
    const host = [HOSTS.web, HOSTS.admin, HOSTS.ws, HOSTS.dc1][i % 4];
    out.push(
      detection(
        RULES.netUser,
        host,
        at(10 + i * 1.5),
        processEvent(
          "C:\\Windows\\System32\\net.exe",
          `net user ${["administrator", svc, "j.smith", "ot-eng"][i % 4]} /domain`,
          `CORP\\${svc}`,
        ),
      ),
    );
    out.push(
      detection(
        RULES.systeminfo,
        host,
        at(11 + i * 1.5),
        processEvent("C:\\Windows\\System32\\systeminfo.exe", "systeminfo", `CORP\\${svc}`),
      ),
    );
  }
  for (let i = 0; i < 24; i++) {
    out.push(
      detection(
        RULES.rdp,
        [HOSTS.admin, HOSTS.dc1, HOSTS.fs, HOSTS.jump][i % 4],
        at(30 + i * 4),
        logon(svc, "10.10.20.15", "WEB01"),
        4624,
      ),
    );
  }
  out.push(correlation(at(34)));
  for (let i = 0; i < 8; i++) {
    out.push(
      detection(
        RULES.wmic,
        [HOSTS.dc1, HOSTS.dc2, HOSTS.fs][i % 3],
        at(60 + i * 5),
        processEvent(
          "C:\\Windows\\System32\\wbem\\WMIC.exe",
          `wmic /node:${["DC01", "DC02", "FS01"][i % 3]} process call create "cmd.exe /c ntdsutil \\"ac i ntds\\" ifm \\"create full C:\\Windows\\Temp\\pro\\""`,
          `CORP\\${svc}`,
        ),
      ),
    );
  }
  out.push(
    detection(
      RULES.ntds,
      HOSTS.dc1,
      at(75),
      processEvent(
        "C:\\Windows\\System32\\ntdsutil.exe",
        'ntdsutil "ac i ntds" ifm "create full C:\\Windows\\Temp\\pro" q q',
        "CORP\\administrator",
      ),
    ),
  );
  out.push(
    detection(
      RULES.ntds,
      HOSTS.dc2,
      at(92),
      processEvent(
        "C:\\Windows\\System32\\ntdsutil.exe",
        'ntdsutil "ac i ntds" ifm "create full C:\\Windows\\Temp\\tmp" q q',
        "CORP\\administrator",
      ),
    ),
  );
  out.push(
    detection(
      RULES.lsass,
      HOSTS.fs,
      at(110),
      processEvent(
        "C:\\Windows\\System32\\rundll32.exe",
        "rundll32.exe C:\\Windows\\System32\\comsvcs.dll, MiniDump 624 C:\\Windows\\Temp\\l.dmp full",
        "CORP\\administrator",
      ),
    ),
  );
  for (let i = 0; i < 4; i++) {
    out.push(
      detection(
        RULES.portproxy,
        [HOSTS.fs, HOSTS.jump][i % 2],
        at(130 + i * 12),
        processEvent(
          "C:\\Windows\\System32\\netsh.exe",
          `netsh interface portproxy add v4tov4 listenaddress=0.0.0.0 listenport=${9999 + i} connectaddress=10.30.0.${10 + i} connectport=3389`,
          "CORP\\administrator",
        ),
      ),
    );
  }
  for (let i = 0; i < 12; i++) {
    out.push(
      detection(
        RULES.otLogon,
        [HOSTS.ews, HOSTS.hmi1, HOSTS.hmi2, HOSTS.hist][i % 4],
        at(190 + i * 9),
        logon("ot-eng", "10.20.0.5", "JUMP01"),
        4624,
      ),
    );
  }
  for (let i = 0; i < 10; i++) {
    out.push(
      detection(
        RULES.archive,
        [HOSTS.ews, HOSTS.fs][i % 2],
        at(240 + i * 6),
        processEvent(
          "C:\\Users\\Public\\7z.exe",
          `7z.exe a -p C:\\Users\\Public\\res${i}.7z C:\\Projects\\HMI\\*.xml`,
          "CORP\\ot-eng",
        ),
      ),
    );
  }
  for (let i = 0; i < 5; i++) {
    out.push(
      detection(
        RULES.logCleared,
        [HOSTS.ews, HOSTS.jump, HOSTS.dc1, HOSTS.hmi1, HOSTS.fs][i],
        at(330 + i * 7),
        {
          "UserData.LogFileCleared.SubjectUserName": "administrator",
          "UserData.LogFileCleared.SubjectDomainName": "CORP",
        },
        1102,
      ),
    );
  }
  for (let i = 0; i < 260; i++) {
    const host = Object.values(HOSTS)[i % 11];
    out.push(
      detection(
        RULES.eventQuery,
        host,
        at(i * 1.8),
        processEvent(
          "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
          `powershell -c "Get-EventLog security -instanceid 4624 -after ${i}"`,
          `CORP\\${svc}`,
        ),
        4104,
        "Microsoft-Windows-PowerShell/Operational",
      ),
    );
  }
  for (let i = 0; i < 3; i++) {
    out.push(
      detection(
        RULES.service,
        HOSTS.jump,
        at(150 + i * 40),
        { "EventData.ServiceName": `UpdSvc${i}`, "EventData.ImagePath": "C:\\Windows\\Temp\\svc.exe" },
        7045,
        "System",
      ),
    );
  }
  return out.sort((a, b) => (a.timestamp ?? 0) - (b.timestamp ?? 0));
}

function correlation(at: number): Detection {
  return {
    timestamp: at,
    rule: RULES.spray,
    computer: HOSTS.dc1,
    channel: "Security",
    eventId: null,
    recordId: null,
    source: { file: "/evidence/DC01/Security.evtx", offset: null },
    details: { IpAddress: "10.10.20.15", Count: "14" },
    event: {},
    correlation: {
      type: "value_count",
      group: { IpAddress: "10.10.20.15" },
      value: 14,
      matchCount: 14,
      firstSeen: at - 5 * MINUTE,
      values: ["administrator", "svc-backup", "j.smith"],
      evidence: [
        {
          rule: "Failed Logon",
          timestamp: at - 5 * MINUTE,
          recordId: "77",
          computer: HOSTS.dc1,
          file: "/evidence/DC01/Security.evtx",
        },
      ],
    },
  };
}

/** The scope of the intrusion, in the JSON shape of the scope report. */
export function intrusionScope(): ReportScope {
  const iso = (minute: number): string => new Date(START + minute * MINUTE).toISOString();
  const node = (id: string, zone: string, compromised: boolean, role: string) => ({ id, zone, compromised, role });
  return {
    incidents: [
      {
        id: "INC-1 Web shell to domain compromise",
        firstSeen: iso(2),
        lastSeen: iso(112),
        hosts: [HOSTS.web, HOSTS.admin, HOSTS.dc1, HOSTS.dc2, HOSTS.fs],
        accounts: ["CORP\\svc-backup", "CORP\\administrator"],
        tactics: ["initial-access", "discovery", "credential-access", "lateral-movement"],
        severity: "critical",
        evidence: [
          { timestamp: iso(2), rule: RULES.webShell.title, computer: HOSTS.web, recordId: "1001" },
          { timestamp: iso(75), rule: RULES.ntds.title, computer: HOSTS.dc1, recordId: "1250" },
          "LSASS dumped on FS01 with comsvcs.dll",
        ],
      },
      {
        id: "INC-2 Movement into OT",
        firstSeen: iso(130),
        lastSeen: iso(365),
        hosts: [HOSTS.jump, HOSTS.ews, HOSTS.hmi1, HOSTS.hmi2, HOSTS.hist],
        accounts: ["CORP\\ot-eng"],
        tactics: ["command-and-control", "lateral-movement", "collection", "stealth"],
        severity: "critical",
        evidence: [
          { timestamp: iso(190), rule: RULES.otLogon.title, computer: HOSTS.ews, account: "CORP\\ot-eng" },
          { timestamp: iso(330), rule: RULES.logCleared.title, computer: HOSTS.ews },
        ],
      },
    ],
    graph: {
      nodes: [
        node(HOSTS.web, "IT", true, "app-server"),
        node(HOSTS.admin, "IT", true, "admin-workstation"),
        node(HOSTS.ws, "IT", false, "workstation"),
        node(HOSTS.dc1, "IT", true, "domain-controller"),
        node(HOSTS.dc2, "IT", true, "domain-controller"),
        node(HOSTS.fs, "IT", true, "file-server"),
        node(HOSTS.jump, "OT-DMZ", true, "jump-server"),
        node(HOSTS.hist, "OT-DMZ", false, "historian"),
        node(HOSTS.ews, "OT", true, "engineering-workstation"),
        node(HOSTS.hmi1, "OT", true, "hmi"),
        node(HOSTS.hmi2, "OT", false, "hmi"),
      ],
      edges: [
        {
          source: HOSTS.web,
          target: HOSTS.admin,
          account: "CORP\\svc-backup",
          method: "RDP",
          firstSeen: iso(30),
          lastSeen: iso(90),
          count: 6,
        },
        {
          source: HOSTS.admin,
          target: HOSTS.dc1,
          account: "CORP\\svc-backup",
          method: "WMI",
          firstSeen: iso(60),
          lastSeen: iso(95),
          count: 3,
        },
        {
          source: HOSTS.admin,
          target: HOSTS.dc2,
          account: "CORP\\svc-backup",
          method: "WMI",
          firstSeen: iso(65),
          lastSeen: iso(92),
          count: 3,
        },
        {
          source: HOSTS.admin,
          target: HOSTS.fs,
          account: "CORP\\administrator",
          method: "WMI",
          firstSeen: iso(70),
          lastSeen: iso(110),
          count: 2,
        },
        {
          source: HOSTS.fs,
          target: HOSTS.jump,
          account: "CORP\\administrator",
          method: "RDP",
          firstSeen: iso(130),
          lastSeen: iso(170),
          count: 4,
        },
        {
          source: HOSTS.jump,
          target: HOSTS.ews,
          account: "CORP\\ot-eng",
          method: "RDP",
          firstSeen: iso(190),
          lastSeen: iso(300),
          count: 5,
        },
        {
          source: HOSTS.jump,
          target: HOSTS.hmi1,
          account: "CORP\\ot-eng",
          method: "RDP",
          firstSeen: iso(199),
          lastSeen: iso(280),
          count: 3,
        },
        {
          source: HOSTS.jump,
          target: HOSTS.hist,
          account: "CORP\\ot-eng",
          method: "SMB",
          firstSeen: iso(215),
          lastSeen: iso(215),
          count: 1,
        },
        {
          source: HOSTS.ews,
          target: HOSTS.hmi2,
          account: "CORP\\ot-eng",
          method: "SMB",
          firstSeen: iso(226),
          lastSeen: iso(226),
          count: 1,
        },
      ],
    },
    reach: {
      hosts: 9,
      accounts: ["CORP\\svc-backup", "CORP\\administrator", "CORP\\ot-eng"],
      zones: { IT: 5, "OT-DMZ": 1, OT: 2 },
    },
    otCrossings: [
      { source: HOSTS.jump, target: HOSTS.ews, account: "CORP\\ot-eng", method: "RDP", firstSeen: iso(190) },
    ],
    logonSummary: [
      { account: "CORP\\svc-backup", host: HOSTS.admin, logonType: 10, count: 6 },
      { account: "CORP\\ot-eng", host: HOSTS.ews, logonType: 10, count: 5 },
    ],
  };
}

/** A hunt summary for `detections`, as summaryOf would make it. */
export function summaryFor(detections: readonly Detection[], overrides: Partial<HuntSummary> = {}): HuntSummary {
  const byLevel: Record<Level, number> = { informational: 0, low: 0, medium: 0, high: 0, critical: 0 };
  const rules = new Map<string, { title: string; level: Level; count: number }>();
  const computers = new Map<string, number>();
  for (const d of detections) {
    byLevel[d.rule.level]++;
    const r = rules.get(d.rule.title) ?? { title: d.rule.title, level: d.rule.level, count: 0 };
    r.count++;
    rules.set(d.rule.title, r);
    if (d.computer !== null) computers.set(d.computer, (computers.get(d.computer) ?? 0) + 1);
  }
  const times = detections.map((d) => d.timestamp).filter((t): t is number => t !== null);
  return {
    filesRead: 23,
    filesDamaged: 1,
    filesUnreadable: 0,
    eventsRead: 1_482_113,
    eventsRecovered: 37,
    recordsSkipped: 2,
    bytes: 912_000_000,
    elapsedSeconds: 41.7,
    firstEvent: times.length === 0 ? null : Math.min(...times) - 86_400_000,
    lastEvent: times.length === 0 ? null : Math.max(...times) + 3_600_000,
    detectionsByLevel: byLevel,
    rules: [...rules.values()],
    computers,
    tactics: new Map(),
    problemCount: 2,
    problems: [
      { file: "/evidence/DC02/Security.evtx", offset: 0x31000, reason: "chunk 24: bad chunk header CRC" },
      { file: "/evidence/logs.zip", member: "WS014/Sysmon.json", offset: 1200, reason: "bad JSON: Unexpected token" },
    ],
    correlationWarnings: [],
    ...overrides,
  };
}

/** A large hunt: `n` detections over three days on 60 hosts with 30 rules, events of about 25 fields. */
export function manyDetections(n: number, seed = 11): Detection[] {
  const rnd = random(seed);
  const levels: Level[] = ["informational", "low", "low", "medium", "medium", "medium", "high", "high", "critical"];
  const tactics = [
    "execution",
    "discovery",
    "credential-access",
    "lateral-movement",
    "persistence",
    "defense-evasion",
    "collection",
  ];
  const rules = Array.from({ length: 30 }, (_, i) =>
    rule(
      `Generated Rule ${i + 1}: ${["Suspicious", "Rare", "Encoded", "Remote"][i % 4]} ${["Process", "Logon", "Service", "Task"][i % 3]}`,
      levels[i % levels.length],
      [
        `attack.${tactics[i % tactics.length]}`,
        `attack.t${1000 + ((i * 37) % 600)}${i % 2 === 0 ? `.00${(i % 5) + 1}` : ""}`,
      ],
    ),
  );
  const hosts = Array.from({ length: 60 }, (_, i) => `HOST${String(i).padStart(3, "0")}.corp.local`);
  const start = Date.UTC(2024, 4, 10);
  const span = 3 * 86_400_000;
  const times = Array.from({ length: n }, () => start + Math.floor(rnd() * span)).sort((a, b) => a - b);
  return times.map((t, i) => {
    const r = rules[Math.floor(rnd() ** 2 * rules.length)];
    const host = hosts[Math.floor(rnd() * hosts.length)];
    return detection(
      r,
      host,
      t,
      processEvent(
        `C:\\Program Files\\Vendor${i % 17}\\tool${i % 23}.exe`,
        `tool${i % 23}.exe --job ${i} --target \\\\${hosts[(i * 7) % 60]}\\share$ --token ${Math.floor(rnd() * 1e12).toString(36)}`,
        `CORP\\user${i % 140}`,
      ),
    );
  });
}

/** Payloads an intruder could put in any field a rule reads. */
export const PAYLOADS = [
  "<script>window.__pwned='script';alert('script')</script>",
  `<img src=x onerror="window.__pwned='img';alert('img')">`,
  "</script><script>window.__pwned='close';alert('close')</script>",
  "javascript:window.__pwned='js-url';alert('js-url')",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: template text is the payload
  "${window.__pwned='template'}${alert('template')}",
  "{{constructor.constructor('window.__pwned=\"angular\"')()}}",
  `"><svg onload="window.__pwned='svg'">`,
  `<iframe srcdoc="<script>parent.__pwned='iframe'</script>"></iframe>`,
  "<!-- <script>window.__pwned='comment'</script> -->",
  "{a|rich text}{b|} \u2028line\u2029para",
  "invoice\u202egpj.exe",
  `<a href="javascript:window.__pwned='link'">click</a>`,
  `${"A".repeat(3000)}<script>window.__pwned='long'</script>`,
  `${"B".repeat(100_000)}<script>window.__pwned='very-long'</script>`,
] as const;

/** Detections whose every evidence-derived field carries a payload: computer, rule title, details, event fields. */
export function payloadDetections(): Detection[] {
  return PAYLOADS.map((payload, i) => {
    const r = rule(i === 0 ? `Rule ${payload}` : `Payload rule ${i}`, i % 2 === 0 ? "high" : "critical", [
      "attack.execution",
      `attack.t1059.00${(i % 7) + 1}`,
    ]);
    const d = detection(
      { ...r, file: `rules/${payload.slice(0, 200)}.yml` },
      i % 3 === 0 ? `HOST-${payload.slice(0, 300)}` : `HOST${i}`,
      START + i * MINUTE,
      {
        "EventData.CommandLine": payload,
        "EventData.Url": payload,
        [`EventData.${payload.slice(0, 80)}`]: "field name payload",
        "EventData.List": [payload, i],
      },
    );
    return { ...d, channel: payload.slice(0, 100), recordId: payload.slice(0, 100) };
  });
}

/** A scope whose every string carries a payload. */
export function payloadScope(): ReportScope {
  const p = PAYLOADS;
  // Fields the report does not name (role) are shown as facts of the host.
  const nodes = [
    { id: p[1], zone: p[5], compromised: true, role: p[0] },
    { id: p[2], zone: "OT" },
  ];
  return {
    incidents: [
      {
        id: p[0],
        firstSeen: START,
        lastSeen: START + 30 * MINUTE,
        hosts: [p[1], p[2]],
        accounts: [p[3], p[10]],
        tactics: [p[4]],
        severity: p[6],
        evidence: [p[7], { rule: p[8], timestamp: START, computer: p[11] }],
      },
    ],
    graph: {
      nodes,
      edges: [{ source: p[1], target: p[2], account: p[3], method: p[0], firstSeen: START, count: 2 }],
    },
    reach: { [p[0]]: p[1] },
    logonSummary: [{ [p[2]]: p[3] }],
  };
}

/** Builds the report of `detections` and writes it to a temporary file; returns its path and data. */
export async function writeReport(
  detections: readonly Detection[],
  input: Partial<ReportInput> = {},
  options: { maxDetections?: number; bundle?: AppBundle } = {},
): Promise<{ path: string; data: ReportData; html: string }> {
  const collector = new ReportCollector({ maxDetections: options.maxDetections });
  for (const d of detections) collector.add(d);
  const data = collector.data({
    summary: summaryFor(detections),
    rulesLoaded: { detection: 212, correlation: 9, filter: 2, files: 223, unusable: 1 },
    generatedAt: Date.UTC(2024, 4, 15, 9, 0, 0),
    generator: "Vigil 0.1.0",
    ...input,
  });
  const html = reportHtml(data, options.bundle ?? (await appBundle()));
  const path = join(tempDir(), "report.html");
  await writeFile(path, html);
  return { path, data, html };
}
