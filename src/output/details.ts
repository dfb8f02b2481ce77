/**
 * The few fields that tell what an event is about (the command line of a process creation, the logon type and
 * source address of a logon…), under Hayabusa's short names (rules/config/default_details.txt), so a timeline row
 * reads without opening the event. Values are single-line text, cut at MAX_VALUE_CHARS.
 */
import type { PlainValue } from "../hunt/detection.js";

/** Longest value kept; the rest is replaced by a marker. A 4104 script block can run to megabytes. */
export const MAX_VALUE_CHARS = 2000;

/** Fields shown for an event type that has no entry in the table. */
const FALLBACK_FIELDS = 5;

type Log = "security" | "system" | "sysmon" | "powershell" | "rdp-rcm" | "rdp-lsm";

interface DetailField {
  readonly name: string;
  /** Flat paths, the first present one wins (a bare name is `EventData.<name>`). */
  readonly paths: readonly string[];
}

const d = (name: string, ...fields: string[]): DetailField => ({
  name,
  paths: fields.map((f) => (f.includes(".") ? f : `EventData.${f}`)),
});

const LOG_CLEARED_USER = d("User", "UserData.LogFileCleared.SubjectUserName", "SubjectUserName");

/** Key: `<log>:<EventID>`. */
const DETAILS: ReadonlyMap<string, readonly DetailField[]> = new Map<string, readonly DetailField[]>([
  // Security
  ["security:1102", [LOG_CLEARED_USER]],
  [
    "security:4624",
    [
      d("Type", "LogonType"),
      d("TgtUser", "TargetUserName"),
      d("SrcComp", "WorkstationName"),
      d("SrcIP", "IpAddress"),
      d("LID", "TargetLogonId"),
    ],
  ],
  [
    "security:4625",
    [
      d("Type", "LogonType"),
      d("TgtUser", "TargetUserName"),
      d("SrcComp", "WorkstationName"),
      d("SrcIP", "IpAddress"),
      d("AuthPkg", "AuthenticationPackageName"),
      d("SubStatus", "SubStatus"),
    ],
  ],
  [
    "security:4648",
    [
      d("SrcUser", "SubjectUserName"),
      d("TgtUser", "TargetUserName"),
      d("TgtSvr", "TargetServerName"),
      d("SrcIP", "IpAddress"),
      d("Proc", "ProcessName"),
    ],
  ],
  ["security:4672", [d("TgtUser", "SubjectUserName"), d("LID", "SubjectLogonId")]],
  [
    "security:4688",
    [
      d("Cmdline", "CommandLine"),
      d("Proc", "NewProcessName"),
      d("User", "SubjectUserName"),
      d("ParentProc", "ParentProcessName"),
      d("LID", "SubjectLogonId"),
      d("PID", "NewProcessId"),
    ],
  ],
  [
    "security:4697",
    [
      d("Svc", "ServiceName"),
      d("Path", "ServiceFileName"),
      d("Acct", "ServiceAccount"),
      d("User", "SubjectUserName"),
      d("LID", "SubjectLogonId"),
    ],
  ],
  ["security:4698", [d("Name", "TaskName"), d("Content", "TaskContent"), d("User", "SubjectUserName")]],
  ["security:4702", [d("Name", "TaskName"), d("Content", "TaskContentNew"), d("User", "SubjectUserName")]],
  ["security:4720", [d("TgtUser", "TargetUserName"), d("TgtSID", "TargetSid"), d("User", "SubjectUserName")]],
  [
    "security:4728",
    [d("Member", "MemberName", "MemberSid"), d("TgtGrp", "TargetUserName"), d("User", "SubjectUserName")],
  ],
  [
    "security:4732",
    [d("Member", "MemberName", "MemberSid"), d("TgtGrp", "TargetUserName"), d("User", "SubjectUserName")],
  ],
  [
    "security:4756",
    [d("Member", "MemberName", "MemberSid"), d("TgtGrp", "TargetUserName"), d("User", "SubjectUserName")],
  ],
  [
    "security:4768",
    [d("TgtUser", "TargetUserName"), d("Svc", "ServiceName"), d("SrcIP", "IpAddress"), d("Status", "Status")],
  ],
  [
    "security:4769",
    [
      d("TgtUser", "TargetUserName"),
      d("Svc", "ServiceName"),
      d("SrcIP", "IpAddress"),
      d("Status", "Status"),
      d("EncType", "TicketEncryptionType"),
    ],
  ],
  ["security:4776", [d("TgtUser", "TargetUserName"), d("SrcComp", "Workstation"), d("Status", "Status")]],
  [
    "security:4778",
    [d("User", "AccountName"), d("SrcIP", "ClientAddress"), d("SrcComp", "ClientName"), d("LID", "LogonID")],
  ],
  [
    "security:5140",
    [d("ShareName", "ShareName"), d("SrcIP", "IpAddress"), d("User", "SubjectUserName"), d("LID", "SubjectLogonId")],
  ],
  [
    "security:5145",
    [
      d("ShareName", "ShareName"),
      d("RelTgt", "RelativeTargetName"),
      d("SrcIP", "IpAddress"),
      d("User", "SubjectUserName"),
      d("LID", "SubjectLogonId"),
    ],
  ],
  // System
  ["system:104", [LOG_CLEARED_USER]],
  [
    "system:7045",
    [d("Svc", "ServiceName"), d("Path", "ImagePath"), d("Acct", "AccountName"), d("StartType", "StartType")],
  ],
  // PowerShell
  ["powershell:4103", [d("Payload", "Payload")]],
  ["powershell:4104", [d("ScriptBlock", "ScriptBlockText"), d("Path", "Path")]],
  // Sysmon
  [
    "sysmon:1",
    [
      d("Cmdline", "CommandLine"),
      d("Proc", "Image"),
      d("User", "User"),
      d("ParentCmdline", "ParentCommandLine"),
      d("LID", "LogonId"),
      d("PID", "ProcessId"),
    ],
  ],
  [
    "sysmon:3",
    [
      d("Proto", "Protocol"),
      d("SrcIP", "SourceIp"),
      d("SrcPort", "SourcePort"),
      d("DstIP", "DestinationIp"),
      d("DstPort", "DestinationPort"),
      d("DstHost", "DestinationHostname"),
      d("Proc", "Image"),
      d("User", "User"),
    ],
  ],
  ["sysmon:7", [d("Image", "ImageLoaded"), d("Proc", "Image"), d("Signed", "Signed"), d("Sig", "SignatureStatus")]],
  ["sysmon:8", [d("SrcProc", "SourceImage"), d("TgtProc", "TargetImage"), d("StartFunc", "StartFunction")]],
  ["sysmon:10", [d("SrcProc", "SourceImage"), d("TgtProc", "TargetImage"), d("Access", "GrantedAccess")]],
  ["sysmon:11", [d("Proc", "Image"), d("TgtFile", "TargetFilename")]],
  ["sysmon:12", [d("EventType", "EventType"), d("TgtObj", "TargetObject"), d("Proc", "Image")]],
  ["sysmon:13", [d("Proc", "Image"), d("TgtObj", "TargetObject"), d("Details", "Details")]],
  ["sysmon:14", [d("Proc", "Image"), d("TgtObj", "TargetObject"), d("NewName", "NewName")]],
  ["sysmon:15", [d("Proc", "Image"), d("TgtFile", "TargetFilename"), d("Hash", "Hash")]],
  ["sysmon:17", [d("Pipe", "PipeName"), d("Proc", "Image")]],
  ["sysmon:18", [d("Pipe", "PipeName"), d("Proc", "Image")]],
  ["sysmon:22", [d("Query", "QueryName"), d("Result", "QueryResults"), d("Proc", "Image")]],
  ["sysmon:23", [d("Proc", "Image"), d("TgtFile", "TargetFilename"), d("User", "User")]],
  ["sysmon:26", [d("Proc", "Image"), d("TgtFile", "TargetFilename"), d("User", "User")]],
  // Terminal Services: RDP authentication (1149) and session logon / reconnect (21, 25)
  [
    "rdp-rcm:1149",
    [
      d("User", "UserData.EventXML.Param1"),
      d("Domain", "UserData.EventXML.Param2"),
      d("SrcIP", "UserData.EventXML.Param3"),
    ],
  ],
  ["rdp-lsm:21", [d("User", "UserData.EventXML.User"), d("SrcIP", "UserData.EventXML.Address")]],
  ["rdp-lsm:25", [d("User", "UserData.EventXML.User"), d("SrcIP", "UserData.EventXML.Address")]],
]);

const LOG_BY_CHANNEL: ReadonlyMap<string, Log> = new Map<string, Log>([
  ["security", "security"],
  ["system", "system"],
  ["microsoft-windows-sysmon/operational", "sysmon"],
  ["microsoft-windows-powershell/operational", "powershell"],
  ["powershellcore/operational", "powershell"],
  ["microsoft-windows-terminalservices-remoteconnectionmanager/operational", "rdp-rcm"],
  ["microsoft-windows-terminalservices-localsessionmanager/operational", "rdp-lsm"],
]);

/** For events without a channel (some JSON exports): the provider tells the log. */
const LOG_BY_PROVIDER: ReadonlyMap<string, Log> = new Map<string, Log>([
  ["microsoft-windows-security-auditing", "security"],
  ["service control manager", "system"],
  ["microsoft-windows-sysmon", "sysmon"],
  ["microsoft-windows-powershell", "powershell"],
  ["powershellcore", "powershell"],
  ["microsoft-windows-terminalservices-remoteconnectionmanager", "rdp-rcm"],
  ["microsoft-windows-terminalservices-localsessionmanager", "rdp-lsm"],
]);

export interface DetailEntry {
  readonly name: string;
  /** The flat path the value came from. */
  readonly path: string;
  readonly value: string;
}

/** The fields that matter for this type of event, by short name, in the table's order. */
export function detailsFor(
  fields: Readonly<Record<string, PlainValue>>,
  channel: string | null,
  eventId: number | null,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of detailEntries(fields, channel, eventId)) out[entry.name] = entry.value;
  return out;
}

/** The same fields with the path each came from (the timeline's ExtraFieldInfo shows the fields not among them). */
export function detailEntries(
  fields: Readonly<Record<string, PlainValue>>,
  channel: string | null,
  eventId: number | null,
): DetailEntry[] {
  return detailEntriesOf(
    {
      get: (path) => fields[path],
      forEach: (visit) => {
        for (const [path, value] of Object.entries(fields)) visit(value, path);
      },
    },
    channel,
    eventId,
  );
}

/** An event's fields as its detection's `event` holds them: by path, and in order. */
export interface DetailSource {
  get(path: string): PlainValue | undefined;
  forEach(visit: (value: PlainValue, path: string) => void): void;
}

/** detailEntries of an event read through `fields`, without its `event` object made. */
export function detailEntriesOf(fields: DetailSource, channel: string | null, eventId: number | null): DetailEntry[] {
  const spec = specFor(fields, channel, eventId);
  const entries: DetailEntry[] = [];
  if (spec !== undefined) {
    for (const field of spec) {
      const path = field.paths.find((p) => present(fields.get(p)));
      if (path !== undefined) entries.push({ name: field.name, path, value: fieldText(fields.get(path)) });
    }
    return entries;
  }
  fields.forEach((value, path) => {
    if (entries.length < FALLBACK_FIELDS && isDataField(path) && present(value)) {
      entries.push({ name: fieldLabel(path), path, value: fieldText(value) });
    }
  });
  return entries;
}

/**
 * A value as one line of text: arrays joined with `, `, line breaks and tabs as one space, and at most
 * MAX_VALUE_CHARS characters followed by a marker of how many were cut.
 */
export function fieldText(value: PlainValue | undefined): string {
  return cutText(plainText(value).replace(/[\r\n\t]+/g, " "), MAX_VALUE_CHARS);
}

/** `text` if it has at most `max` UTF-16 units; else its first `max` (never half a surrogate pair) and a marker. */
export function cutText(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}…[+${text.length - end} chars]`;
}

/** Event data (`EventData.*`, `UserData.*`), without the XML namespace declarations the renderer keeps. */
export function isDataField(path: string): boolean {
  return (path.startsWith("EventData.") || path.startsWith("UserData.")) && !isNamespaceDeclaration(path);
}

/** `xmlns` and `xmlns:prefix` attributes, which the EVTX renderer keeps as fields. */
export function isNamespaceDeclaration(path: string): boolean {
  const leaf = path.slice(path.lastIndexOf(".") + 1);
  return leaf === "xmlns" || leaf.startsWith("xmlns:");
}

/** A field's name as a timeline shows it: `EventData.CommandLine` -> `CommandLine`, `UserData.EventXML.Param1` -> `Param1`. */
export function fieldLabel(path: string): string {
  if (path.startsWith("EventData.")) return path.slice("EventData.".length);
  if (path.startsWith("UserData.")) {
    const rest = path.slice("UserData.".length);
    const dot = rest.indexOf(".");
    return dot === -1 ? rest : rest.slice(dot + 1);
  }
  return path;
}

function specFor(
  fields: DetailSource,
  channel: string | null,
  eventId: number | null,
): readonly DetailField[] | undefined {
  if (eventId === null) return undefined;
  let log = channel === null ? undefined : LOG_BY_CHANNEL.get(channel.toLowerCase());
  if (log === undefined) {
    const provider = fields.get("System.Provider.Name");
    if (typeof provider === "string") log = LOG_BY_PROVIDER.get(provider.toLowerCase());
    // 1102 (Security) and 104 (System) are both written by the Eventlog provider.
    if (log === undefined && provider === "Microsoft-Windows-Eventlog") log = eventId === 104 ? "system" : "security";
  }
  return log === undefined ? undefined : DETAILS.get(`${log}:${eventId}`);
}

function present(value: PlainValue | undefined): boolean {
  return value !== undefined && value !== null && value !== "";
}

function plainText(value: PlainValue | undefined): string {
  if (value === undefined || value === null) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return value.map(plainText).join(", ");
}
