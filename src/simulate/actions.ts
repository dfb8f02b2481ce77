/**
 * What Windows, Sysmon and PowerShell log when something happens on a host: a process starts (Sysmon 1 and Security
 * 4688), an account logs on (4624, and 4672 for privileged accounts), a connection opens (Sysmon 3), a share is
 * used (5140, 5145), a service is installed (7045), a Remote Desktop session starts (1149, 4624 type 10, 4672, 21).
 * Background and intrusion both speak through these, so the same act leaves the same traces whoever does it.
 */
import type { EvtxValue } from "../evtx/write/index.js";
import { type ImageInfo, imageInfo } from "./catalog.js";
import {
  type ESENT_DATABASE_ATTACHED_326,
  type EventDefinition,
  EXPLICIT_CREDENTIALS_4648,
  eventDataValue,
  type FieldsOf,
  GROUP_MEMBER_ADDED_4732,
  LOG_CLEARED_104,
  LOGON_4624,
  LOGON_FAILED_4625,
  NULL_GUID,
  PROCESS_CREATE_4688,
  RDP_AUTH_SUCCEEDED_1149,
  SCRIPT_BLOCK_4104,
  SECURITY_LOG_CLEARED_1102,
  SERVICE_INSTALLED_7045,
  SESSION_LOGON_21,
  SESSION_RECONNECT_25,
  SHARE_ACCESS_5140,
  SHARE_OBJECT_CHECK_5145,
  SPECIAL_PRIVILEGES_4672,
  SYSMON_FILE_CREATE_11,
  SYSMON_NETWORK_CONNECT_3,
  SYSMON_PROCESS_CREATE_1,
  SYSMON_REGISTRY_SET_13,
  sidValue,
  USER_CREATED_4720,
} from "./event-templates.js";
import {
  HostState,
  type Integrity,
  type Principal,
  type Process,
  principalOf,
  type Session,
  SYSTEM_SID,
  userName,
} from "./host-state.js";
import type { Account, Host, Network } from "./network.js";
import type { Random } from "./random.js";
import type { SimRecord } from "./sim-record.js";

/** Where a network logon or connection comes from. */
export interface Source {
  readonly ip: string;
  /** NetBIOS name of the client, or "-" when not known. */
  readonly workstation: string;
}

/** 2 interactive, 3 network, 4 batch, 5 service, 7 unlock, 8 network cleartext (LDAP simple bind), 10 Remote Desktop. */
export type LogonType = 2 | 3 | 4 | 5 | 7 | 8 | 10;

export type AuthPackage = "Kerberos" | "NTLM" | "Negotiate" | "MICROSOFT_AUTHENTICATION_PACKAGE_V1_0";

const ELEVATION: Readonly<Record<Integrity, string>> = { System: "%%1936", High: "%%1937", Medium: "%%1938" };
const MANDATORY_LABEL: Readonly<Record<Integrity, string>> = {
  System: "S-1-16-16384",
  High: "S-1-16-12288",
  Medium: "S-1-16-8192",
};

const ADMIN_PRIVILEGES = [
  "SeSecurityPrivilege",
  "SeBackupPrivilege",
  "SeRestorePrivilege",
  "SeTakeOwnershipPrivilege",
  "SeDebugPrivilege",
  "SeSystemEnvironmentPrivilege",
  "SeLoadDriverPrivilege",
  "SeImpersonatePrivilege",
  "SeDelegateSessionUserImpersonatePrivilege",
].join("\n\t\t\t");
const SYSTEM_PRIVILEGES = [
  "SeAssignPrimaryTokenPrivilege",
  "SeTcbPrivilege",
  "SeSecurityPrivilege",
  "SeTakeOwnershipPrivilege",
  "SeLoadDriverPrivilege",
  "SeBackupPrivilege",
  "SeRestorePrivilege",
  "SeDebugPrivilege",
  "SeAuditPrivilege",
  "SeSystemEnvironmentPrivilege",
  "SeImpersonatePrivilege",
  "SeDelegateSessionUserImpersonatePrivilege",
].join("\n\t\t\t");

const FILETIME_EPOCH_MS = 11644473600000;

function pad(n: number, width: number): string {
  return String(n).padStart(width, "0");
}

/** Sysmon's `UtcTime`: `YYYY-MM-DD HH:MM:SS.mmm`. */
export function sysmonTime(ms: number): string {
  const d = new Date(Math.floor(ms));
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)} ${pad(d.getUTCHours(), 2)}:${pad(
    d.getUTCMinutes(),
    2,
  )}:${pad(d.getUTCSeconds(), 2)}.${pad(d.getUTCMilliseconds(), 3)}`;
}

/** FILETIME ticks of a time in milliseconds (fraction kept to the 100 ns tick). */
export function fileTime(ms: number): bigint {
  return BigInt(Math.round((ms + FILETIME_EPOCH_MS) * 10000));
}

export interface SpawnOptions {
  /** The logon session the new process runs in; default the parent's. */
  readonly session?: Session;
  readonly integrity?: Integrity;
  readonly currentDirectory?: string;
  /** Version resource and hashes, when not the catalog's for the image (renamed or indicator binaries). */
  readonly info?: ImageInfo;
}

export interface LogonOptions {
  readonly principal: Principal;
  readonly type: LogonType;
  readonly source?: Source;
  readonly auth?: AuthPackage;
  /** Elevated token (admins). Default: the account is privileged. */
  readonly elevated?: boolean;
  readonly terminalSession?: number;
  readonly integrity?: Integrity;
}

export interface ShareOptions {
  readonly share: string;
  readonly localPath: string;
  readonly source: Source;
  /** Files reached through the share (5145 each), relative to it. */
  readonly files?: readonly string[];
  /** 5145 access mask: 0x1 read, 0x2 write data, 0x120089 read attributes and data. */
  readonly accessMask?: number;
  /** Whether the share is connected now (5140); false when an open connection is reused. Default true. */
  readonly connect?: boolean;
}

export interface ConnectOptions {
  readonly protocol?: "tcp" | "udp";
  readonly initiated: boolean;
  readonly sourceIp: string;
  readonly sourceHostname: string;
  readonly sourcePort: number;
  readonly destinationIp: string;
  readonly destinationHostname: string;
  readonly destinationPort: number;
  readonly destinationPortName?: string;
}

const PORT_NAMES: Readonly<Record<number, string>> = {
  53: "domain",
  80: "http",
  88: "kerberos",
  135: "epmap",
  389: "ldap",
  443: "https",
  445: "microsoft-ds",
  3389: "ms-wbt-server",
};

/**
 * Emits the records of acts on hosts into `sink`, tagged with `steps` (the intrusion steps being played, if any).
 * One recorder per simulation: it owns every host's state.
 */
export class Recorder {
  sink: SimRecord[] = [];
  /** Intrusion steps the records emitted now belong to; empty for background. */
  steps: readonly string[] = [];
  private seq = 0;
  private readonly states = new Map<string, HostState>();

  constructor(
    readonly network: Network,
    private readonly rng: Random,
    boot: number,
  ) {
    for (const host of network.hosts) {
      this.states.set(host.name, new HostState(host, rng.fork(`state/${host.name}`), boot));
    }
  }

  state(host: Host): HostState {
    return this.states.get(host.name) as HostState;
  }

  /** An ephemeral port as Windows picks them. */
  ephemeralPort(): number {
    return this.rng.int(49152, 65535);
  }

  private emit(
    host: Host,
    time: number,
    def: EventDefinition,
    data: EvtxValue,
    processId: number,
    userSid: EvtxValue | null = null,
    activityId: EvtxValue | null = null,
  ): void {
    this.sink.push({
      time,
      seq: this.seq++,
      host,
      def,
      data,
      processId,
      threadId: this.rng.int(50, 2500) * 4,
      userSid,
      activityId,
      steps: this.steps,
    });
  }

  /** Emits one event with typed fields. */
  private event<F extends EventDefinition["fields"]>(
    host: Host,
    time: number,
    def: EventDefinition<F>,
    fields: FieldsOf<F>,
    processId: number,
    userSid: EvtxValue | null = null,
  ): void {
    this.emit(host, time, def as EventDefinition, eventDataValue(def, fields), processId, userSid);
  }

  /** The Security subject of a session: built-in service accounts appear as the machine account. */
  private subject(host: Host, session: Session): { sid: string; name: string; domain: string; logonId: number } {
    const p = session.principal;
    if (p.account === null && p.domain === "NT AUTHORITY") {
      return { sid: p.sid, name: `${host.name}$`, domain: this.network.domain.netbios, logonId: session.logonId };
    }
    return { sid: p.sid, name: p.name, domain: p.domain, logonId: session.logonId };
  }

  // ---- processes -------------------------------------------------------------------------------------------

  /** A process starts: Sysmon 1 and Security 4688. */
  spawn(
    host: Host,
    time: number,
    parent: Process,
    image: string,
    commandLine: string,
    options: SpawnOptions = {},
  ): Process {
    const state = this.state(host);
    const session = options.session ?? parent.session;
    const integrity = options.integrity ?? session.integrity;
    const cwd = options.currentDirectory ?? parent.currentDirectory;
    const proc = state.process(time, image, commandLine, session, cwd, integrity);
    const info = options.info ?? imageInfo(image, host.server);
    const utc = sysmonTime(time);
    this.event(
      host,
      time + this.rng.real(0.5, 4),
      SYSMON_PROCESS_CREATE_1,
      {
        RuleName: "-",
        UtcTime: utc,
        ProcessGuid: proc.guid,
        ProcessId: proc.pid,
        Image: image,
        FileVersion: info.fileVersion,
        Description: info.description,
        Product: info.product,
        Company: info.company,
        OriginalFileName: info.originalFileName,
        CommandLine: commandLine,
        CurrentDirectory: cwd,
        User: userName(session.principal),
        LogonGuid: session.logonGuid,
        LogonId: session.logonId,
        TerminalSessionId: session.terminalSession,
        IntegrityLevel: integrity,
        Hashes: info.hashes,
        ParentProcessGuid: parent.guid,
        ParentProcessId: parent.pid,
        ParentImage: parent.image,
        ParentCommandLine: parent.commandLine,
        ParentUser: userName(parent.session.principal),
      },
      state.sysmon.pid,
      sidValue(SYSTEM_SID),
    );
    const subject = this.subject(host, session);
    this.event(
      host,
      time + this.rng.real(0.1, 1),
      PROCESS_CREATE_4688,
      {
        SubjectUserSid: subject.sid,
        SubjectUserName: subject.name,
        SubjectDomainName: subject.domain,
        SubjectLogonId: subject.logonId,
        NewProcessId: proc.pid,
        NewProcessName: image,
        TokenElevationType: ELEVATION[integrity],
        ProcessId: parent.pid,
        CommandLine: commandLine,
        TargetUserSid: "S-1-0-0",
        TargetUserName: "-",
        TargetDomainName: "-",
        TargetLogonId: 0,
        ParentProcessName: parent.image,
        MandatoryLabel: MANDATORY_LABEL[integrity],
      },
      4,
    );
    return proc;
  }

  /** Sysmon 3. */
  connect(host: Host, time: number, proc: Process, c: ConnectOptions): void {
    this.event(
      host,
      time + this.rng.real(1, 30),
      SYSMON_NETWORK_CONNECT_3,
      {
        RuleName: "-",
        UtcTime: sysmonTime(time),
        ProcessGuid: proc.guid,
        ProcessId: proc.pid,
        Image: proc.image,
        User: userName(proc.session.principal),
        Protocol: c.protocol ?? "tcp",
        Initiated: c.initiated,
        SourceIsIpv6: false,
        SourceIp: c.sourceIp,
        SourceHostname: c.sourceHostname,
        SourcePort: c.sourcePort,
        SourcePortName: PORT_NAMES[c.sourcePort] ?? "-",
        DestinationIsIpv6: false,
        DestinationIp: c.destinationIp,
        DestinationHostname: c.destinationHostname,
        DestinationPort: c.destinationPort,
        DestinationPortName: c.destinationPortName ?? PORT_NAMES[c.destinationPort] ?? "-",
      },
      this.state(host).sysmon.pid,
      sidValue(SYSTEM_SID),
    );
  }

  /** A connection from a process on `from` to a host of the network: Sysmon 3 on both ends (inbound on the target). */
  connectHosts(from: Host, time: number, proc: Process, to: Host, port: number, toProc: Process | null): void {
    const sourcePort = this.ephemeralPort();
    const c: ConnectOptions = {
      initiated: true,
      sourceIp: from.ip,
      sourceHostname: from.fqdn,
      sourcePort,
      destinationIp: to.ip,
      destinationHostname: to.fqdn,
      destinationPort: port,
    };
    this.connect(from, time, proc, c);
    if (toProc !== null) this.connect(to, time + this.rng.real(0.2, 3), toProc, { ...c, initiated: false });
  }

  /** Sysmon 11. */
  createFile(host: Host, time: number, proc: Process, path: string): void {
    const utc = sysmonTime(time);
    this.event(
      host,
      time + this.rng.real(0.5, 5),
      SYSMON_FILE_CREATE_11,
      {
        RuleName: "-",
        UtcTime: utc,
        ProcessGuid: proc.guid,
        ProcessId: proc.pid,
        Image: proc.image,
        TargetFilename: path,
        CreationUtcTime: utc,
        User: userName(proc.session.principal),
      },
      this.state(host).sysmon.pid,
      sidValue(SYSTEM_SID),
    );
  }

  /** Sysmon 13. */
  setRegistryValue(host: Host, time: number, proc: Process, key: string, details: string): void {
    this.event(
      host,
      time + this.rng.real(0.5, 5),
      SYSMON_REGISTRY_SET_13,
      {
        RuleName: "-",
        EventType: "SetValue",
        UtcTime: sysmonTime(time),
        ProcessGuid: proc.guid,
        ProcessId: proc.pid,
        Image: proc.image,
        TargetObject: key,
        Details: details,
        User: userName(proc.session.principal),
      },
      this.state(host).sysmon.pid,
      sidValue(SYSTEM_SID),
    );
  }

  /** PowerShell 4104 (script block logging on: every block at Verbose level). */
  scriptBlock(host: Host, time: number, proc: Process, text: string, path = ""): void {
    const id = this.rng.hex(32);
    this.event(
      host,
      time,
      SCRIPT_BLOCK_4104,
      {
        MessageNumber: 1,
        MessageTotal: 1,
        ScriptBlockText: text,
        ScriptBlockId: `${id.slice(0, 8)}-${id.slice(8, 12)}-${id.slice(12, 16)}-${id.slice(16, 20)}-${id.slice(20)}`,
        Path: path,
      },
      proc.pid,
      sidValue(proc.session.principal.sid),
    );
  }

  // ---- logons ----------------------------------------------------------------------------------------------

  /** An account logs on to `host`: Security 4624, then 4672 when it holds special privileges. */
  logon(host: Host, time: number, o: LogonOptions): Session {
    const state = this.state(host);
    const p = o.principal;
    const service = o.type === 4 || o.type === 5;
    const privileged = p.account === null ? p.sid === SYSTEM_SID : p.account.privileged;
    const integrity: Integrity = o.integrity ?? (p.account === null ? "System" : privileged ? "High" : "Medium");
    const terminalSession = o.terminalSession ?? (o.type === 2 || o.type === 7 ? 1 : 0);
    // Services running as SYSTEM log on into SYSTEM's own logon session, 0x3E7.
    const session = p.sid === SYSTEM_SID ? state.system : state.logon(p, integrity, terminalSession, time);
    const auth: AuthPackage =
      o.auth ?? (o.type === 3 ? "Kerberos" : o.type === 8 ? "MICROSOFT_AUTHENTICATION_PACKAGE_V1_0" : "Negotiate");
    const ntlm = auth === "NTLM";
    const machine = { sid: SYSTEM_SID, name: `${host.name}$`, domain: this.network.domain.netbios, logonId: 0x3e7 };
    const anonymous = { sid: "S-1-0-0", name: "-", domain: "-", logonId: 0 };
    const subject = o.type === 3 ? anonymous : machine;
    // The process that performed the logon, and the logon process it names.
    const [process, logonProcess]: [Process | null, string] =
      o.type === 3
        ? [null, ntlm ? "NtLmSsp " : "Kerberos"]
        : o.type === 5
          ? [state.services, "Advapi  "]
          : o.type === 4
            ? [state.taskScheduler, "Advapi  "]
            : o.type === 8
              ? [state.lsass, "Advapi  "]
              : o.type === 10
                ? [state.termService, "User32 "]
                : [state.winlogon, "User32 "];
    // A console logon or unlock; an unlock of a Remote Desktop session (type 7 with a source) is remote.
    const local = (o.type === 2 || o.type === 7) && o.source === undefined;
    const elevated = o.elevated ?? privileged;
    this.event(
      host,
      time,
      LOGON_4624,
      {
        SubjectUserSid: subject.sid,
        SubjectUserName: subject.name,
        SubjectDomainName: subject.domain,
        SubjectLogonId: subject.logonId,
        TargetUserSid: p.sid,
        TargetUserName: p.name,
        TargetDomainName: p.domain,
        TargetLogonId: session.logonId,
        LogonType: o.type,
        LogonProcessName: logonProcess,
        AuthenticationPackageName: auth,
        WorkstationName: local || o.type === 8 ? host.name : (o.source?.workstation ?? "-"),
        LogonGuid: ntlm || service ? NULL_GUID : session.logonGuid,
        TransmittedServices: "-",
        LmPackageName: ntlm ? "NTLM V2" : "-",
        KeyLength: ntlm ? 128 : 0,
        ProcessId: process?.pid ?? 0,
        ProcessName: process?.image ?? "-",
        IpAddress: local ? "127.0.0.1" : (o.source?.ip ?? "-"),
        IpPort: local ? "0" : o.source === undefined ? "-" : String(o.type === 10 ? 0 : this.ephemeralPort()),
        ImpersonationLevel: "%%1833",
        RestrictedAdminMode: o.type === 10 ? "%%1843" : "-",
        TargetOutboundUserName: "-",
        TargetOutboundDomainName: "-",
        VirtualAccount: "%%1843",
        TargetLinkedLogonId: 0,
        ElevatedToken: elevated ? "%%1842" : "%%1843",
      },
      state.lsass.pid,
    );
    if (privileged) {
      this.event(
        host,
        time + 0.01,
        SPECIAL_PRIVILEGES_4672,
        {
          SubjectUserSid: p.sid,
          SubjectUserName: p.name,
          SubjectDomainName: p.domain,
          SubjectLogonId: session.logonId,
          PrivilegeList: p.account === null ? SYSTEM_PRIVILEGES : ADMIN_PRIVILEGES,
        },
        state.lsass.pid,
      );
    }
    return session;
  }

  /** Security 4625. Status 0xC000006D with SubStatus 0xC000006A (bad password) or 0xC0000064 (no such user). */
  failedLogon(
    host: Host,
    time: number,
    o: { name: string; type: LogonType; source: Source; auth: AuthPackage; unknownUser?: boolean },
  ): void {
    const state = this.state(host);
    const local = o.type === 2 || o.type === 7;
    this.event(
      host,
      time,
      LOGON_FAILED_4625,
      {
        SubjectUserSid: local ? SYSTEM_SID : "S-1-0-0",
        SubjectUserName: local ? `${host.name}$` : "-",
        SubjectDomainName: local ? this.network.domain.netbios : "-",
        SubjectLogonId: local ? 0x3e7 : 0,
        TargetUserSid: "S-1-0-0",
        TargetUserName: o.name,
        TargetDomainName: this.network.domain.netbios,
        Status: 0xc000006d,
        FailureReason: "%%2313",
        SubStatus: o.unknownUser ? 0xc0000064 : 0xc000006a,
        LogonType: o.type,
        LogonProcessName: o.auth === "NTLM" ? "NtLmSsp " : local ? "User32 " : "Kerberos",
        AuthenticationPackageName: o.auth,
        WorkstationName: local ? host.name : o.source.workstation,
        TransmittedServices: "-",
        LmPackageName: "-",
        KeyLength: 0,
        ProcessId: local ? state.winlogon.pid : 0,
        ProcessName: local ? state.winlogon.image : "-",
        IpAddress: local ? "127.0.0.1" : o.source.ip,
        IpPort: local ? "0" : String(this.ephemeralPort()),
      },
      state.lsass.pid,
    );
  }

  /** Security 4648 on the host whose process used another account's credentials to reach `target`. */
  explicitCredentials(
    host: Host,
    time: number,
    proc: Process,
    account: Account,
    target: { readonly name: string; readonly info: string; readonly ip: string; readonly port: number },
  ): void {
    const subject = this.subject(host, proc.session);
    this.event(
      host,
      time,
      EXPLICIT_CREDENTIALS_4648,
      {
        SubjectUserSid: subject.sid,
        SubjectUserName: subject.name,
        SubjectDomainName: subject.domain,
        SubjectLogonId: subject.logonId,
        LogonGuid: NULL_GUID,
        TargetUserName: account.sam,
        TargetDomainName: account.domain,
        TargetLogonGuid: NULL_GUID,
        TargetServerName: target.name,
        TargetInfo: target.info,
        ProcessId: proc.pid,
        ProcessName: proc.image,
        IpAddress: target.ip,
        IpPort: String(target.port),
      },
      this.state(host).lsass.pid,
    );
  }

  /** A share is connected (5140) and files in it are reached (5145 each). */
  shareAccess(host: Host, time: number, session: Session, o: ShareOptions): void {
    const p = session.principal;
    // What 5140 and 5145 share: who, from where, which share.
    const share = {
      SubjectUserSid: p.sid,
      SubjectUserName: p.name,
      SubjectDomainName: p.domain,
      SubjectLogonId: session.logonId,
      ObjectType: "File",
      IpAddress: o.source.ip,
      IpPort: String(this.ephemeralPort()),
      ShareName: o.share,
      ShareLocalPath: o.localPath,
    };
    if (o.connect !== false) {
      this.event(host, time, SHARE_ACCESS_5140, { ...share, AccessMask: 0x1, AccessList: "%%4416\n\t\t\t\t" }, 4);
    }
    let t = time;
    for (const file of o.files ?? []) {
      t += this.rng.real(2, 400);
      const mask = o.accessMask ?? 0x120089;
      this.event(
        host,
        t,
        SHARE_OBJECT_CHECK_5145,
        {
          ...share,
          RelativeTargetName: file,
          AccessMask: mask,
          AccessList:
            mask === 0x2 || mask === 0x6
              ? "%%4417\n\t\t\t\t%%4418\n\t\t\t\t"
              : "%%1538\n\t\t\t\t%%1541\n\t\t\t\t%%4416\n\t\t\t\t%%4423\n\t\t\t\t",
          AccessReason: "-",
        },
        4,
      );
    }
  }

  /** Remote Desktop logon on `host` from `source`: 1149, 4624 type 10 (+4672), 21, and the session's explorer. */
  rdpLogon(host: Host, time: number, account: Account, source: Source): { session: Session; shell: Process } {
    const state = this.state(host);
    this.rdpAuthenticated(host, time, account, source.ip);
    const terminalSession = state.terminalSession();
    const session = this.logon(host, time + this.rng.real(300, 1500), {
      principal: principalOf(account),
      type: 10,
      source,
      terminalSession,
    });
    const t = time + this.rng.real(1600, 2500);
    this.sessionLogon(host, t, session, source.ip);
    const userinit = this.spawn(
      host,
      t + 400,
      state.winlogon,
      "C:\\Windows\\System32\\userinit.exe",
      "C:\\Windows\\system32\\userinit.exe",
      {
        session,
        currentDirectory: "C:\\Windows\\system32\\",
      },
    );
    const shell = this.spawn(host, t + 900, userinit, "C:\\Windows\\explorer.exe", "C:\\Windows\\Explorer.EXE", {
      currentDirectory: "C:\\Windows\\system32\\",
    });
    this.spawn(host, t + 1500, state.netsvcs, "C:\\Windows\\System32\\rdpclip.exe", "rdpclip", { session });
    return { session, shell };
  }

  /**
   * `mstsc.exe /v:<target>` from a process of `from`, with the credentials of `account` typed in: 4648 and the
   * connection on the source, then the Remote Desktop logon on the target.
   */
  remoteDesktop(
    from: Host,
    time: number,
    client: Process,
    to: Host,
    account: Account,
  ): { session: Session; shell: Process } {
    const mstsc = this.spawn(
      from,
      time,
      client,
      "C:\\Windows\\System32\\mstsc.exe",
      `"C:\\Windows\\system32\\mstsc.exe" /v:${to.name}`,
    );
    this.explicitCredentials(from, time + this.rng.real(8000, 25000), mstsc, account, {
      name: to.name,
      info: `TERMSRV/${to.name}`,
      ip: to.ip,
      port: 0,
    });
    this.connectHosts(from, time + this.rng.real(25000, 30000), mstsc, to, 3389, this.state(to).termService);
    return this.rdpLogon(to, time + this.rng.real(31000, 40000), account, { ip: from.ip, workstation: from.name });
  }

  /** Remote Connection Manager 1149: a Remote Desktop client authenticated (user, domain, client address). */
  rdpAuthenticated(host: Host, time: number, account: Account, address: string): void {
    this.event(
      host,
      time,
      RDP_AUTH_SUCCEEDED_1149,
      { Param1: account.sam, Param2: account.domain, Param3: address },
      this.state(host).termService.pid,
      sidValue("S-1-5-20"),
    );
  }

  /** Local Session Manager 21 (a session logs on; Address is LOCAL for the console). */
  sessionLogon(host: Host, time: number, session: Session, address: string): void {
    this.event(
      host,
      time,
      SESSION_LOGON_21,
      { User: userName(session.principal), SessionID: session.terminalSession, Address: address },
      this.state(host).localSessionManager.pid,
      sidValue(SYSTEM_SID),
    );
  }

  /** Local Session Manager 25 (a disconnected Remote Desktop session is taken up again). */
  sessionReconnect(host: Host, time: number, session: Session, address: string): void {
    this.event(
      host,
      time,
      SESSION_RECONNECT_25,
      { User: userName(session.principal), SessionID: session.terminalSession, Address: address },
      this.state(host).localSessionManager.pid,
      sidValue(SYSTEM_SID),
    );
  }

  // ---- services, accounts, logs ----------------------------------------------------------------------------

  /** System 7045. */
  serviceInstalled(
    host: Host,
    time: number,
    by: Principal,
    s: { name: string; imagePath: string; startType: string; account: string; kernel?: boolean },
  ): void {
    this.event(
      host,
      time,
      SERVICE_INSTALLED_7045,
      {
        ServiceName: s.name,
        ImagePath: s.imagePath,
        ServiceType: s.kernel ? "kernel mode driver" : "user mode service",
        StartType: s.startType,
        AccountName: s.account,
      },
      this.state(host).services.pid,
      sidValue(by.sid),
    );
  }

  /** Security 4720, on a domain controller. */
  userCreated(host: Host, time: number, by: Session, account: { sam: string; sid: string; displayName: string }): void {
    const p = by.principal;
    this.event(
      host,
      time,
      USER_CREATED_4720,
      {
        TargetUserName: account.sam,
        TargetDomainName: this.network.domain.netbios,
        TargetSid: account.sid,
        SubjectUserSid: p.sid,
        SubjectUserName: p.name,
        SubjectDomainName: p.domain,
        SubjectLogonId: by.logonId,
        PrivilegeList: "-",
        SamAccountName: account.sam,
        DisplayName: account.displayName,
        UserPrincipalName: `${account.sam}@${this.network.domain.dns}`,
        HomeDirectory: "%%1793",
        HomePath: "%%1793",
        ScriptPath: "%%1793",
        ProfilePath: "%%1793",
        UserWorkstations: "%%1793",
        PasswordLastSet: "%%1794",
        AccountExpires: "%%1794",
        PrimaryGroupId: "513",
        AllowedToDelegateTo: "-",
        OldUacValue: "0x0",
        NewUacValue: "0x15",
        UserAccountControl: "\n\t\t%%2080\n\t\t%%2082\n\t\t%%2084",
        UserParameters: "%%1793",
        SidHistory: "-",
        LogonHours: "%%1797",
      },
      this.state(host).lsass.pid,
    );
  }

  /** Security 4732: a member joins a security-enabled local group (domain local groups on a DC). */
  groupMemberAdded(
    host: Host,
    time: number,
    by: Session,
    member: { name: string; sid: string },
    group: { name: string; domain: string; sid: string },
  ): void {
    const p = by.principal;
    this.event(
      host,
      time,
      GROUP_MEMBER_ADDED_4732,
      {
        MemberName: member.name,
        MemberSid: member.sid,
        TargetUserName: group.name,
        TargetDomainName: group.domain,
        TargetSid: group.sid,
        SubjectUserSid: p.sid,
        SubjectUserName: p.name,
        SubjectDomainName: p.domain,
        SubjectLogonId: by.logonId,
        PrivilegeList: "-",
      },
      this.state(host).lsass.pid,
    );
  }

  /** A log is cleared: Security 1102 for the Security log, System 104 for any other. */
  logCleared(host: Host, time: number, by: Session, channel: string): void {
    const state = this.state(host);
    const p = by.principal;
    if (channel === "Security") {
      this.event(
        host,
        time,
        SECURITY_LOG_CLEARED_1102,
        { SubjectUserSid: p.sid, SubjectUserName: p.name, SubjectDomainName: p.domain, SubjectLogonId: by.logonId },
        state.eventLog.pid,
      );
      return;
    }
    this.event(
      host,
      time,
      LOG_CLEARED_104,
      { SubjectUserName: p.name, SubjectDomainName: p.domain, Channel: channel, BackupPath: "" },
      state.eventLog.pid,
      sidValue(p.sid),
    );
  }

  /** An ESENT event (Application log): insertion strings as ESENT writes them. */
  esent(host: Host, time: number, def: typeof ESENT_DATABASE_ATTACHED_326, strings: readonly string[]): void {
    this.emit(host, time, def as EventDefinition, eventDataValue(def, { Strings: strings, Binary: null }), 0);
  }
}
