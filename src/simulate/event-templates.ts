/**
 * The events the simulator writes, laid out as Windows lays them out in EVTX. Windows writes every record as one
 * template for the System element, with the computer name as literal text (so one per host), whose last
 * substitution is a nested template instance holding EventData or UserData. Three forms of the System template
 * occur, read from Windows-written logs:
 * - manifest providers (Security-Auditing, Sysmon, PowerShell, TerminalServices): provider name, GUID and channel
 *   are substitutions 14-16, the data is substitution 17, RelatedActivityID 13;
 * - classic providers (Service Control Manager, Eventlog): provider and channel are literal text, the data is
 *   substitution 19, RelatedActivityID 18;
 * - legacy event sources (ESENT): provider name only, no Version, Opcode, Correlation or Execution; data 19.
 * The field lists, their value types and the System values (task, keywords, level, version) are those of the
 * Windows 10/Server 2019 manifests and Sysmon 13+ (schema 4.8x) as they appear in real logs.
 */
import {
  defineTemplate,
  type ElementTemplate,
  type EvtxValue,
  el,
  guidBytes,
  opt,
  type SlotKind,
  sidBytes,
  sub,
  type TemplateContent,
  type TemplateElement,
  ValueType,
  val,
} from "../evtx/write/index.js";

export const EVENT_NS = "http://schemas.microsoft.com/win/2004/08/events/event";

export type ChannelId =
  | "Security"
  | "System"
  | "Application"
  | "Sysmon"
  | "PowerShell"
  | "RemoteConnectionManager"
  | "LocalSessionManager";

export interface Channel {
  readonly id: ChannelId;
  /** The channel name as System.Channel carries it. */
  readonly name: string;
  /** The file name Windows gives the log under `System32\winevt\Logs` ('/' becomes '%4'). */
  readonly file: string;
}

function channel(id: ChannelId, name: string): Channel {
  return { id, name, file: `${name.replaceAll("/", "%4")}.evtx` };
}

export const CHANNELS: Readonly<Record<ChannelId, Channel>> = {
  Security: channel("Security", "Security"),
  System: channel("System", "System"),
  Application: channel("Application", "Application"),
  Sysmon: channel("Sysmon", "Microsoft-Windows-Sysmon/Operational"),
  PowerShell: channel("PowerShell", "Microsoft-Windows-PowerShell/Operational"),
  RemoteConnectionManager: channel(
    "RemoteConnectionManager",
    "Microsoft-Windows-TerminalServices-RemoteConnectionManager/Operational",
  ),
  LocalSessionManager: channel(
    "LocalSessionManager",
    "Microsoft-Windows-TerminalServices-LocalSessionManager/Operational",
  ),
};

export const CHANNEL_IDS: readonly ChannelId[] = Object.keys(CHANNELS) as ChannelId[];

type SystemForm = "manifest" | "classic" | "legacy";

export interface Provider {
  readonly name: string;
  readonly guid: string | null;
  /** Classic providers name their event source too. */
  readonly eventSourceName: string | null;
  readonly form: SystemForm;
}

/** A provider with an instrumentation manifest: events carry its name and GUID, no EventSourceName. */
function manifestProvider(name: string, guid: string): Provider {
  return { name, guid, eventSourceName: null, form: "manifest" };
}

const SECURITY_AUDITING = manifestProvider(
  "Microsoft-Windows-Security-Auditing",
  "{54849625-5478-4994-A5BA-3E3B0328C30D}",
);
const SYSMON = manifestProvider("Microsoft-Windows-Sysmon", "{5770385F-C22A-43E0-BF4C-06F5698FFBD9}");
const POWERSHELL = manifestProvider("Microsoft-Windows-PowerShell", "{A0C1853B-5C40-4B15-8766-3CF1C58F985A}");
const RCM = manifestProvider(
  "Microsoft-Windows-TerminalServices-RemoteConnectionManager",
  "{C76BAA63-AE81-421C-B425-340B4B24157F}",
);
const LSM = manifestProvider(
  "Microsoft-Windows-TerminalServices-LocalSessionManager",
  "{5D896912-022D-40AA-A3A8-4FA5515C76D7}",
);
const SCM: Provider = {
  name: "Service Control Manager",
  guid: "{555908D1-A6D7-4695-8E1E-26931D2012F4}",
  eventSourceName: "Service Control Manager",
  form: "classic",
};
const EVENTLOG: Provider = {
  name: "Microsoft-Windows-Eventlog",
  guid: "{FC65DDD8-D6EF-4962-83D5-6E5CFE9CE148}",
  eventSourceName: null,
  form: "classic",
};
const ESENT: Provider = { name: "ESENT", guid: null, eventSourceName: null, form: "legacy" };

/** A field of EventData/UserData: name, value type, and substitution index when not its position. */
type FieldSpec = readonly [name: string, kind: SlotKind, index?: number];

/** What a field of each kind takes. GUIDs and SIDs may come pre-encoded (`guidValue`, `sidValue`). */
interface FieldInputs {
  string: string;
  sid: string | EvtxValue;
  guid: string | EvtxValue;
  hex64: number | bigint;
  hex32: number;
  sizeT: number;
  uint8: number;
  uint16: number;
  uint32: number;
  int32: number;
  bool: boolean;
  "string[]": readonly string[];
  binary: Uint8Array | null;
}

type InputOf<K> = K extends keyof FieldInputs ? FieldInputs[K] : never;

/** The object an event's fields are given in: one property per field, typed by the field's kind. */
export type FieldsOf<F extends readonly FieldSpec[]> = { readonly [E in F[number] as E[0]]: InputOf<E[1]> };

export interface EventDefinition<F extends readonly FieldSpec[] = readonly FieldSpec[]> {
  readonly channel: ChannelId;
  readonly provider: Provider;
  readonly eventId: number;
  /** EventID Qualifiers (classic and legacy sources); null leaves the attribute out. */
  readonly qualifiers: number | null;
  readonly version: number;
  readonly level: number;
  readonly task: number;
  readonly opcode: number;
  readonly keywords: bigint;
  /** Whether the data sits in `<UserData>` (an element of the System template) or replaces it (`<EventData>`). */
  readonly wrapper: "EventData" | "UserData";
  readonly fields: F;
  readonly data: ElementTemplate;
  readonly slots: number;
}

interface SystemValues {
  readonly level: number;
  readonly task: number;
  readonly opcode?: number;
  readonly keywords: bigint;
  readonly version?: number;
  readonly qualifiers?: number | null;
}

function dataTemplate(fields: readonly FieldSpec[]): ElementTemplate {
  return defineTemplate(
    el(
      "EventData",
      fields.map(([name, kind, index], i) => el("Data", { Name: name }, [sub(index ?? i, kind)])),
    ),
  );
}

function define<const F extends readonly FieldSpec[]>(
  channelId: ChannelId,
  provider: Provider,
  eventId: number,
  system: SystemValues,
  fields: F,
  data: ElementTemplate = dataTemplate(fields),
  wrapper: "EventData" | "UserData" = "EventData",
): EventDefinition<F> {
  return {
    channel: channelId,
    provider,
    eventId,
    qualifiers: system.qualifiers ?? null,
    version: system.version ?? 0,
    level: system.level,
    task: system.task,
    opcode: system.opcode ?? 0,
    keywords: system.keywords,
    wrapper,
    fields,
    data,
    slots: Math.max(...fields.map(([, , index], i) => (index ?? i) + 1)),
  };
}

/** UserData: an element in the provider's namespace with one child per field. */
function userData<const F extends readonly FieldSpec[]>(
  root: string,
  attributes: Readonly<Record<string, string>>,
  fields: F,
): ElementTemplate {
  const children: TemplateContent[] = fields.map(([name, kind], i) => el(name, [sub(i, kind)]));
  return defineTemplate(el(root, attributes, children));
}

const AUDIT_SUCCESS = 0x8020000000000000n;
const AUDIT_FAILURE = 0x8010000000000000n;
const SECURITY = (task: number, version = 0, keywords = AUDIT_SUCCESS): SystemValues => ({
  level: 0,
  task,
  version,
  keywords,
});

// ---- Security ------------------------------------------------------------------------------------------------

export const LOGON_4624 = define("Security", SECURITY_AUDITING, 4624, SECURITY(12544, 2), [
  ["SubjectUserSid", "sid"],
  ["SubjectUserName", "string"],
  ["SubjectDomainName", "string"],
  ["SubjectLogonId", "hex64"],
  ["TargetUserSid", "sid"],
  ["TargetUserName", "string"],
  ["TargetDomainName", "string"],
  ["TargetLogonId", "hex64"],
  ["LogonType", "uint32"],
  ["LogonProcessName", "string"],
  ["AuthenticationPackageName", "string"],
  ["WorkstationName", "string"],
  ["LogonGuid", "guid"],
  ["TransmittedServices", "string"],
  ["LmPackageName", "string"],
  ["KeyLength", "uint32"],
  ["ProcessId", "sizeT"],
  ["ProcessName", "string"],
  ["IpAddress", "string"],
  ["IpPort", "string"],
  ["ImpersonationLevel", "string"],
  ["RestrictedAdminMode", "string"],
  ["TargetOutboundUserName", "string"],
  ["TargetOutboundDomainName", "string"],
  ["VirtualAccount", "string"],
  ["TargetLinkedLogonId", "hex64"],
  ["ElevatedToken", "string"],
] as const);

export const LOGON_FAILED_4625 = define("Security", SECURITY_AUDITING, 4625, SECURITY(12544, 0, AUDIT_FAILURE), [
  ["SubjectUserSid", "sid"],
  ["SubjectUserName", "string"],
  ["SubjectDomainName", "string"],
  ["SubjectLogonId", "hex64"],
  ["TargetUserSid", "sid"],
  ["TargetUserName", "string"],
  ["TargetDomainName", "string"],
  ["Status", "hex32"],
  ["FailureReason", "string"],
  ["SubStatus", "hex32"],
  ["LogonType", "uint32"],
  ["LogonProcessName", "string"],
  ["AuthenticationPackageName", "string"],
  ["WorkstationName", "string"],
  ["TransmittedServices", "string"],
  ["LmPackageName", "string"],
  ["KeyLength", "uint32"],
  ["ProcessId", "sizeT"],
  ["ProcessName", "string"],
  ["IpAddress", "string"],
  ["IpPort", "string"],
] as const);

export const EXPLICIT_CREDENTIALS_4648 = define("Security", SECURITY_AUDITING, 4648, SECURITY(12544), [
  ["SubjectUserSid", "sid"],
  ["SubjectUserName", "string"],
  ["SubjectDomainName", "string"],
  ["SubjectLogonId", "hex64"],
  ["LogonGuid", "guid"],
  ["TargetUserName", "string"],
  ["TargetDomainName", "string"],
  ["TargetLogonGuid", "guid"],
  ["TargetServerName", "string"],
  ["TargetInfo", "string"],
  ["ProcessId", "sizeT"],
  ["ProcessName", "string"],
  ["IpAddress", "string"],
  ["IpPort", "string"],
] as const);

export const SPECIAL_PRIVILEGES_4672 = define("Security", SECURITY_AUDITING, 4672, SECURITY(12548), [
  ["SubjectUserSid", "sid"],
  ["SubjectUserName", "string"],
  ["SubjectDomainName", "string"],
  ["SubjectLogonId", "hex64"],
  ["PrivilegeList", "string"],
] as const);

export const PROCESS_CREATE_4688 = define("Security", SECURITY_AUDITING, 4688, SECURITY(13312, 2), [
  ["SubjectUserSid", "sid"],
  ["SubjectUserName", "string"],
  ["SubjectDomainName", "string"],
  ["SubjectLogonId", "hex64"],
  ["NewProcessId", "sizeT"],
  ["NewProcessName", "string"],
  ["TokenElevationType", "string"],
  ["ProcessId", "sizeT"],
  ["CommandLine", "string"],
  ["TargetUserSid", "sid"],
  ["TargetUserName", "string"],
  ["TargetDomainName", "string"],
  ["TargetLogonId", "hex64"],
  ["ParentProcessName", "string"],
  ["MandatoryLabel", "sid"],
] as const);

export const USER_CREATED_4720 = define("Security", SECURITY_AUDITING, 4720, SECURITY(13824), [
  ["TargetUserName", "string"],
  ["TargetDomainName", "string"],
  ["TargetSid", "sid"],
  ["SubjectUserSid", "sid"],
  ["SubjectUserName", "string"],
  ["SubjectDomainName", "string"],
  ["SubjectLogonId", "hex64"],
  ["PrivilegeList", "string"],
  ["SamAccountName", "string"],
  ["DisplayName", "string"],
  ["UserPrincipalName", "string"],
  ["HomeDirectory", "string"],
  ["HomePath", "string"],
  ["ScriptPath", "string"],
  ["ProfilePath", "string"],
  ["UserWorkstations", "string"],
  ["PasswordLastSet", "string"],
  ["AccountExpires", "string"],
  ["PrimaryGroupId", "string"],
  ["AllowedToDelegateTo", "string"],
  ["OldUacValue", "string"],
  ["NewUacValue", "string"],
  ["UserAccountControl", "string"],
  ["UserParameters", "string"],
  ["SidHistory", "string"],
  ["LogonHours", "string"],
] as const);

export const GROUP_MEMBER_ADDED_4732 = define("Security", SECURITY_AUDITING, 4732, SECURITY(13826), [
  ["MemberName", "string"],
  ["MemberSid", "sid"],
  ["TargetUserName", "string"],
  ["TargetDomainName", "string"],
  ["TargetSid", "sid"],
  ["SubjectUserSid", "sid"],
  ["SubjectUserName", "string"],
  ["SubjectDomainName", "string"],
  ["SubjectLogonId", "hex64"],
  ["PrivilegeList", "string"],
] as const);

export const SHARE_ACCESS_5140 = define("Security", SECURITY_AUDITING, 5140, SECURITY(12808, 1), [
  ["SubjectUserSid", "sid"],
  ["SubjectUserName", "string"],
  ["SubjectDomainName", "string"],
  ["SubjectLogonId", "hex64"],
  ["ObjectType", "string"],
  ["IpAddress", "string"],
  ["IpPort", "string"],
  ["ShareName", "string"],
  ["ShareLocalPath", "string"],
  ["AccessMask", "hex32"],
  ["AccessList", "string"],
] as const);

export const SHARE_OBJECT_CHECK_5145 = define("Security", SECURITY_AUDITING, 5145, SECURITY(12811), [
  ["SubjectUserSid", "sid"],
  ["SubjectUserName", "string"],
  ["SubjectDomainName", "string"],
  ["SubjectLogonId", "hex64"],
  ["ObjectType", "string"],
  ["IpAddress", "string"],
  ["IpPort", "string"],
  ["ShareName", "string"],
  ["ShareLocalPath", "string"],
  ["RelativeTargetName", "string"],
  ["AccessMask", "hex32"],
  ["AccessList", "string"],
  ["AccessReason", "string"],
] as const);

const SECURITY_LOG_CLEARED_FIELDS = [
  ["SubjectUserSid", "sid"],
  ["SubjectUserName", "string"],
  ["SubjectDomainName", "string"],
  ["SubjectLogonId", "hex64"],
] as const;

export const SECURITY_LOG_CLEARED_1102 = define(
  "Security",
  EVENTLOG,
  1102,
  { level: 4, task: 104, keywords: 0x4020000000000000n },
  SECURITY_LOG_CLEARED_FIELDS,
  userData(
    "LogFileCleared",
    { xmlns: "http://manifests.microsoft.com/win/2004/08/windows/eventlog" },
    SECURITY_LOG_CLEARED_FIELDS,
  ),
  "UserData",
);

// ---- System --------------------------------------------------------------------------------------------------

export const SERVICE_INSTALLED_7045 = define(
  "System",
  SCM,
  7045,
  { level: 4, task: 0, keywords: 0x8080000000000000n, qualifiers: 16384 },
  [
    ["ServiceName", "string"],
    ["ImagePath", "string"],
    ["ServiceType", "string"],
    ["StartType", "string"],
    ["AccountName", "string"],
  ] as const,
);

const LOG_CLEARED_FIELDS = [
  ["SubjectUserName", "string"],
  ["SubjectDomainName", "string"],
  ["Channel", "string"],
  ["BackupPath", "string"],
] as const;

export const LOG_CLEARED_104 = define(
  "System",
  EVENTLOG,
  104,
  { level: 4, task: 104, keywords: 0x8000000000000000n },
  LOG_CLEARED_FIELDS,
  userData(
    "LogFileCleared",
    { xmlns: "http://manifests.microsoft.com/win/2004/08/windows/eventlog" },
    LOG_CLEARED_FIELDS,
  ),
  "UserData",
);

// ---- Application (ESENT) -------------------------------------------------------------------------------------

/** ESENT writes its insertion strings as one string array in an unnamed Data element, then an empty Binary. */
const ESENT_FIELDS = [
  ["Strings", "string[]", 0],
  ["Binary", "binary", 2],
] as const;
const ESENT_DATA = defineTemplate(
  el("EventData", [el("Data", [opt(0, "string[]")]), el("Binary", [opt(2, "binary")])]),
);
const esent = (eventId: number, task: number) =>
  define(
    "Application",
    ESENT,
    eventId,
    { level: 4, task, keywords: 0x80000000000000n, qualifiers: 0 },
    ESENT_FIELDS,
    ESENT_DATA,
  );
/** "A database location change was detected from '%4' to '%5'." */
export const ESENT_LOCATION_CHANGE_216 = esent(216, 1);
/** "The database engine created a new database (%4, %5)." */
export const ESENT_DATABASE_CREATED_325 = esent(325, 1);
/** "The database engine attached a database (%4, %5)." */
export const ESENT_DATABASE_ATTACHED_326 = esent(326, 1);
/** "The database engine detached a database (%4, %5)." */
export const ESENT_DATABASE_DETACHED_327 = esent(327, 1);

// ---- Sysmon --------------------------------------------------------------------------------------------------

const SYSMON_SYSTEM = (task: number, version: number): SystemValues => ({
  level: 4,
  task,
  version,
  keywords: 0x8000000000000000n,
});

export const SYSMON_PROCESS_CREATE_1 = define("Sysmon", SYSMON, 1, SYSMON_SYSTEM(1, 5), [
  ["RuleName", "string"],
  ["UtcTime", "string"],
  ["ProcessGuid", "guid"],
  ["ProcessId", "uint32"],
  ["Image", "string"],
  ["FileVersion", "string"],
  ["Description", "string"],
  ["Product", "string"],
  ["Company", "string"],
  ["OriginalFileName", "string"],
  ["CommandLine", "string"],
  ["CurrentDirectory", "string"],
  ["User", "string"],
  ["LogonGuid", "guid"],
  ["LogonId", "hex64"],
  ["TerminalSessionId", "uint32"],
  ["IntegrityLevel", "string"],
  ["Hashes", "string"],
  ["ParentProcessGuid", "guid"],
  ["ParentProcessId", "uint32"],
  ["ParentImage", "string"],
  ["ParentCommandLine", "string"],
  ["ParentUser", "string"],
] as const);

export const SYSMON_NETWORK_CONNECT_3 = define("Sysmon", SYSMON, 3, SYSMON_SYSTEM(3, 5), [
  ["RuleName", "string"],
  ["UtcTime", "string"],
  ["ProcessGuid", "guid"],
  ["ProcessId", "uint32"],
  ["Image", "string"],
  ["User", "string"],
  ["Protocol", "string"],
  ["Initiated", "bool"],
  ["SourceIsIpv6", "bool"],
  ["SourceIp", "string"],
  ["SourceHostname", "string"],
  ["SourcePort", "uint16"],
  ["SourcePortName", "string"],
  ["DestinationIsIpv6", "bool"],
  ["DestinationIp", "string"],
  ["DestinationHostname", "string"],
  ["DestinationPort", "uint16"],
  ["DestinationPortName", "string"],
] as const);

export const SYSMON_FILE_CREATE_11 = define("Sysmon", SYSMON, 11, SYSMON_SYSTEM(11, 2), [
  ["RuleName", "string"],
  ["UtcTime", "string"],
  ["ProcessGuid", "guid"],
  ["ProcessId", "uint32"],
  ["Image", "string"],
  ["TargetFilename", "string"],
  ["CreationUtcTime", "string"],
  ["User", "string"],
] as const);

export const SYSMON_REGISTRY_SET_13 = define("Sysmon", SYSMON, 13, SYSMON_SYSTEM(13, 2), [
  ["RuleName", "string"],
  ["EventType", "string"],
  ["UtcTime", "string"],
  ["ProcessGuid", "guid"],
  ["ProcessId", "uint32"],
  ["Image", "string"],
  ["TargetObject", "string"],
  ["Details", "string"],
  ["User", "string"],
] as const);

// ---- PowerShell ----------------------------------------------------------------------------------------------

export const SCRIPT_BLOCK_4104 = define(
  "PowerShell",
  POWERSHELL,
  4104,
  { level: 5, task: 2, opcode: 15, version: 1, keywords: 0n },
  [
    ["MessageNumber", "int32"],
    ["MessageTotal", "int32"],
    ["ScriptBlockText", "string"],
    ["ScriptBlockId", "string"],
    ["Path", "string"],
  ] as const,
);

// ---- Terminal Services ---------------------------------------------------------------------------------------

const RCM_FIELDS = [
  ["Param1", "string"],
  ["Param2", "string"],
  ["Param3", "string"],
] as const;

/** "Remote Desktop Services: User authentication succeeded" (user, domain, source address). */
export const RDP_AUTH_SUCCEEDED_1149 = define(
  "RemoteConnectionManager",
  RCM,
  1149,
  { level: 4, task: 0, keywords: 0x1000000000000000n },
  RCM_FIELDS,
  userData(
    "EventXML",
    { "xmlns:auto-ns2": "http://schemas.microsoft.com/win/2004/08/events", xmlns: "Event_NS" },
    RCM_FIELDS,
  ),
  "UserData",
);

const LSM_FIELDS = [
  ["User", "string"],
  ["SessionID", "uint32"],
  ["Address", "string"],
] as const;
const lsm = (eventId: number) =>
  define(
    "LocalSessionManager",
    LSM,
    eventId,
    { level: 4, task: 0, keywords: 0x1000000000000000n },
    LSM_FIELDS,
    userData(
      "EventXML",
      { "xmlns:auto-ns3": "http://schemas.microsoft.com/win/2004/08/events", xmlns: "Event_NS" },
      LSM_FIELDS,
    ),
    "UserData",
  );
/** "Remote Desktop Services: Session logon succeeded". */
export const SESSION_LOGON_21 = lsm(21);
/** "Remote Desktop Services: Session reconnection succeeded". */
export const SESSION_RECONNECT_25 = lsm(25);

// ---- encoding ------------------------------------------------------------------------------------------------

const sidCache = new Map<string, EvtxValue>();
const guidCache = new Map<string, EvtxValue>();

/** A SID as a substitution value, encoded once per distinct SID (the writer would parse the text every time). */
export function sidValue(sid: string): EvtxValue {
  let v = sidCache.get(sid);
  if (v === undefined) {
    v = val.raw(ValueType.Sid, sidBytes(sid));
    sidCache.set(sid, v);
  }
  return v;
}

/** A GUID given as text, encoded once per distinct GUID (use `guidFromBytes` for one-off GUIDs). */
export function guidValue(guid: string): EvtxValue {
  let v = guidCache.get(guid);
  if (v === undefined) {
    v = val.raw(ValueType.Guid, guidBytes(guid));
    guidCache.set(guid, v);
  }
  return v;
}

/** A GUID from its 16 stored bytes (Data1-3 little-endian). */
export function guidFromBytes(bytes: Uint8Array): EvtxValue {
  return val.raw(ValueType.Guid, bytes);
}

export const NULL_GUID = guidValue("{00000000-0000-0000-0000-000000000000}");

function encode(kind: SlotKind, input: unknown): EvtxValue {
  if (input === null || input === undefined) return val.null();
  switch (kind) {
    case "string":
      return val.string(input as string);
    case "sid":
      return typeof input === "string" ? sidValue(input) : (input as EvtxValue);
    case "guid":
      return typeof input === "string" ? guidValue(input) : (input as EvtxValue);
    case "hex64":
      return val.hex64(input as number | bigint);
    case "hex32":
      return val.hex32(input as number);
    case "sizeT":
      return val.sizeT(input as number);
    case "uint8":
      return val.uint8(input as number);
    case "uint16":
      return val.uint16(input as number);
    case "uint32":
      return val.uint32(input as number);
    case "int32":
      return val.int32(input as number);
    case "bool":
      return val.bool(input as boolean);
    case "string[]":
      return val.array("string", input as string[]);
    case "binary":
      return val.binary(input as Uint8Array);
    default:
      throw new TypeError(`no encoder for field kind ${kind}`);
  }
}

const NULL_VALUE = val.null();

/** The nested EventData/UserData value of one event. */
export function eventDataValue<F extends readonly FieldSpec[]>(
  def: EventDefinition<F>,
  fields: FieldsOf<F>,
): EvtxValue {
  const values: EvtxValue[] = new Array(def.slots).fill(NULL_VALUE);
  const record = fields as unknown as Readonly<Record<string, unknown>>;
  const specs = def.fields;
  for (let i = 0; i < specs.length; i++) {
    const [name, kind, index] = specs[i];
    values[index ?? i] = encode(kind, record[name]);
  }
  // The values are already encoded as their slots declare: the template instance takes them as they are
  // (templateValue would bind them again, which costs a tenth of the simulation).
  const template = def.data;
  return val.binxml((b) => {
    b.fragmentHeader();
    b.templateInstance(template, values);
    b.endOfStream();
  });
}

// ---- the System template -------------------------------------------------------------------------------------

/** Substitution indexes of the System template, as Windows numbers them. */
const S = {
  Level: 0,
  Opcode: 1,
  Task: 2,
  EventID: 3,
  Qualifiers: 4,
  Keywords: 5,
  SystemTime: 6,
  ActivityID: 7,
  ProcessID: 8,
  ThreadID: 9,
  EventRecordID: 10,
  Version: 11,
  UserID: 12,
  /** Manifest form only. */
  RelatedActivityID: 13,
  ProviderName: 14,
  ProviderGuid: 15,
  Channel: 16,
  ManifestData: 17,
  /** Classic and legacy forms. */
  ClassicRelatedActivityID: 18,
  ClassicData: 19,
} as const;

function systemTemplate(computer: string, def: EventDefinition): ElementTemplate {
  const p = def.provider;
  const form = p.form;
  const providerAttributes: Record<string, string | ReturnType<typeof opt>> =
    form === "manifest" ? { Name: opt(S.ProviderName, "string"), Guid: opt(S.ProviderGuid, "guid") } : { Name: p.name };
  if (form === "classic" && p.guid !== null) providerAttributes.Guid = p.guid;
  if (p.eventSourceName !== null) providerAttributes.EventSourceName = p.eventSourceName;
  const data = form === "manifest" ? S.ManifestData : S.ClassicData;
  const children: TemplateElement[] = [
    el("Provider", providerAttributes),
    el("EventID", { Qualifiers: opt(S.Qualifiers, "uint16") }, [opt(S.EventID, "uint16")]),
  ];
  if (form !== "legacy") children.push(el("Version", [opt(S.Version, "uint8")]));
  children.push(el("Level", [opt(S.Level, "uint8")]), el("Task", [opt(S.Task, "uint16")]));
  if (form !== "legacy") children.push(el("Opcode", [opt(S.Opcode, "uint8")]));
  children.push(
    el("Keywords", [opt(S.Keywords, "hex64")]),
    el("TimeCreated", { SystemTime: opt(S.SystemTime, "filetime") }),
    el("EventRecordID", [opt(S.EventRecordID, "uint64")]),
  );
  if (form !== "legacy") {
    children.push(
      el("Correlation", {
        ActivityID: opt(S.ActivityID, "guid"),
        RelatedActivityID: opt(form === "manifest" ? S.RelatedActivityID : S.ClassicRelatedActivityID, "guid"),
      }),
      el("Execution", { ProcessID: opt(S.ProcessID, "uint32"), ThreadID: opt(S.ThreadID, "uint32") }),
    );
  }
  children.push(
    el("Channel", [form === "manifest" ? opt(S.Channel, "string") : CHANNELS[def.channel].name]),
    el("Computer", [computer]),
    el("Security", { UserID: opt(S.UserID, "sid") }),
  );
  const body: TemplateContent[] = [el("System", children)];
  body.push(def.wrapper === "UserData" ? el("UserData", [opt(data, "binxml")]) : opt(data, "binxml"));
  return defineTemplate(el("Event", { xmlns: EVENT_NS }, body));
}

/** The System templates of one computer, one per provider, channel and data wrapper, made on first use. */
export class SystemTemplates {
  private readonly cache = new Map<string, ElementTemplate>();

  constructor(readonly computer: string) {}

  of(def: EventDefinition): ElementTemplate {
    const p = def.provider;
    const key = p.form === "manifest" ? `manifest|${def.wrapper}` : `${p.name}|${def.channel}|${def.wrapper}`;
    let t = this.cache.get(key);
    if (t === undefined) {
      t = systemTemplate(this.computer, def);
      this.cache.set(key, t);
    }
    return t;
  }
}

export interface SystemInputs {
  /** FILETIME ticks. */
  readonly time: bigint;
  readonly recordId: number;
  readonly processId: number;
  readonly threadId: number;
  readonly userSid: EvtxValue | null;
  readonly activityId: EvtxValue | null;
  readonly data: EvtxValue;
}

/** Per event definition, its System substitution array with the values every record of it shares. */
const systemPrototypes = new WeakMap<EventDefinition, EvtxValue[]>();

function systemPrototype(def: EventDefinition): EvtxValue[] {
  let values = systemPrototypes.get(def);
  if (values !== undefined) return values;
  const manifest = def.provider.form === "manifest";
  values = new Array(manifest ? S.ManifestData + 1 : S.ClassicData + 1).fill(NULL_VALUE);
  values[S.Level] = val.uint8(def.level);
  values[S.Task] = val.uint16(def.task);
  values[S.EventID] = val.uint16(def.eventId);
  if (def.qualifiers !== null) values[S.Qualifiers] = val.uint16(def.qualifiers);
  values[S.Keywords] = val.hex64(def.keywords);
  if (def.provider.form !== "legacy") {
    values[S.Opcode] = val.uint8(def.opcode);
    values[S.Version] = val.uint8(def.version);
  }
  if (manifest) {
    values[S.ProviderName] = val.string(def.provider.name);
    values[S.ProviderGuid] = guidValue(def.provider.guid as string);
    values[S.Channel] = val.string(CHANNELS[def.channel].name);
  }
  systemPrototypes.set(def, values);
  return values;
}

/** The substitution array of the System template for one record. */
export function systemValues(def: EventDefinition, inputs: SystemInputs): EvtxValue[] {
  const values = systemPrototype(def).slice();
  values[S.SystemTime] = val.filetime(inputs.time);
  values[S.EventRecordID] = val.uint64(inputs.recordId);
  if (inputs.userSid !== null) values[S.UserID] = inputs.userSid;
  if (def.provider.form !== "legacy") {
    values[S.ProcessID] = val.uint32(inputs.processId);
    values[S.ThreadID] = val.uint32(inputs.threadId);
    if (inputs.activityId !== null) values[S.ActivityID] = inputs.activityId;
  }
  values[def.provider.form === "manifest" ? S.ManifestData : S.ClassicData] = inputs.data;
  return values;
}
