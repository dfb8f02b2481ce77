/**
 * What runs on a simulated host: logon sessions, processes and the counters Windows and Sysmon draw identifiers
 * from. Events of one host refer to each other through these (a process's parent, the logon a process runs in,
 * the lsass PID a dump names), so background and intrusion share one state per host.
 */
import type { EvtxValue } from "../evtx/write/index.js";
import { guidFromBytes, NULL_GUID } from "./event-templates.js";
import type { Account, Host } from "./network.js";
import type { Random } from "./random.js";

export type Integrity = "System" | "High" | "Medium";

/** Who a logon session or process belongs to. */
export interface Principal {
  readonly name: string;
  readonly domain: string;
  readonly sid: string;
  readonly account: Account | null;
}

export interface Session {
  readonly logonId: number;
  readonly logonGuid: EvtxValue;
  readonly principal: Principal;
  /** Terminal Services session: 0 for services and network logons, 1 for the console, 2+ for RDP. */
  readonly terminalSession: number;
  readonly integrity: Integrity;
}

export interface Process {
  readonly pid: number;
  readonly guid: EvtxValue;
  readonly image: string;
  readonly commandLine: string;
  readonly currentDirectory: string;
  readonly session: Session;
  readonly integrity: Integrity;
}

export const SYSTEM_SID = "S-1-5-18";
const SYSTEM_LOGON_ID = 0x3e7;

export function principalOf(account: Account): Principal {
  return { name: account.sam, domain: account.domain, sid: account.sid, account };
}

/** `DOMAIN\name` as Sysmon writes it. */
export function userName(p: Principal): string {
  return `${p.domain}\\${p.name}`;
}

export class HostState {
  readonly system: Session;
  readonly networkService: Session;
  readonly localService: Session;
  /** Long-running processes other events hang off. */
  readonly kernel: Process;
  readonly wininit: Process;
  readonly services: Process;
  readonly lsass: Process;
  /** svchost -k DcomLaunch: the parent of WmiPrvSE.exe, dllhost.exe and RuntimeBroker.exe. */
  readonly dcomLaunch: Process;
  /** svchost -k netsvcs: the Task Scheduler, Windows Update and many others. */
  readonly netsvcs: Process;
  readonly taskScheduler: Process;
  readonly wmiPrvSe: Process;
  readonly sysmon: Process;
  readonly termService: Process;
  readonly networkServiceHost: Process;
  /** svchost hosting the Event Log service (writes 1102 and 104). */
  readonly eventLog: Process;
  /** svchost hosting the Local Session Manager (writes 21 and 25). */
  readonly localSessionManager: Process;
  readonly winlogon: Process;
  private nextLogonId: number;
  private nextTerminalSession = 2;
  private processCounter: number;

  constructor(
    readonly host: Host,
    private readonly rng: Random,
    /** Boot time, ms since the epoch: long-running processes started then. */
    boot: number,
  ) {
    this.nextLogonId = rng.int(0x40000, 0x90000);
    this.processCounter = rng.int(0x1000, 0x8000);
    const machine: Principal = { name: "SYSTEM", domain: "NT AUTHORITY", sid: SYSTEM_SID, account: null };
    this.system = {
      logonId: SYSTEM_LOGON_ID,
      logonGuid: NULL_GUID,
      principal: machine,
      terminalSession: 0,
      integrity: "System",
    };
    this.networkService = {
      logonId: 0x3e4,
      logonGuid: NULL_GUID,
      principal: { name: "NETWORK SERVICE", domain: "NT AUTHORITY", sid: "S-1-5-20", account: null },
      terminalSession: 0,
      integrity: "System",
    };
    this.localService = {
      logonId: 0x3e5,
      logonGuid: NULL_GUID,
      principal: { name: "LOCAL SERVICE", domain: "NT AUTHORITY", sid: "S-1-5-19", account: null },
      terminalSession: 0,
      integrity: "System",
    };
    const sys = (image: string, commandLine: string, session = this.system): Process =>
      this.process(boot, image, commandLine, session, "C:\\Windows\\system32\\");
    // The kernel writes files that arrive over SMB; Sysmon reports it as image "System", PID 4.
    this.kernel = { ...sys("System", ""), pid: 4 };
    this.wininit = sys("C:\\Windows\\System32\\wininit.exe", "wininit.exe");
    this.services = sys("C:\\Windows\\System32\\services.exe", "C:\\Windows\\system32\\services.exe");
    this.lsass = sys("C:\\Windows\\System32\\lsass.exe", "C:\\Windows\\system32\\lsass.exe");
    this.dcomLaunch = sys("C:\\Windows\\System32\\svchost.exe", "C:\\Windows\\system32\\svchost.exe -k DcomLaunch -p");
    this.netsvcs = sys("C:\\Windows\\System32\\svchost.exe", "C:\\Windows\\system32\\svchost.exe -k netsvcs -p");
    this.taskScheduler = sys(
      "C:\\Windows\\System32\\svchost.exe",
      "C:\\Windows\\system32\\svchost.exe -k netsvcs -p -s Schedule",
    );
    this.wmiPrvSe = sys(
      "C:\\Windows\\System32\\wbem\\WmiPrvSE.exe",
      "C:\\Windows\\system32\\wbem\\wmiprvse.exe -secured -Embedding",
      this.networkService,
    );
    this.sysmon = sys("C:\\Windows\\Sysmon64.exe", "C:\\Windows\\Sysmon64.exe");
    this.termService = sys(
      "C:\\Windows\\System32\\svchost.exe",
      "C:\\Windows\\System32\\svchost.exe -k NetworkService -s TermService",
      this.networkService,
    );
    this.networkServiceHost = sys(
      "C:\\Windows\\System32\\svchost.exe",
      "C:\\Windows\\system32\\svchost.exe -k NetworkService -p",
      this.networkService,
    );
    this.eventLog = sys(
      "C:\\Windows\\System32\\svchost.exe",
      "C:\\Windows\\System32\\svchost.exe -k LocalServiceNetworkRestricted -p -s EventLog",
      this.localService,
    );
    this.localSessionManager = sys(
      "C:\\Windows\\System32\\svchost.exe",
      "C:\\Windows\\system32\\svchost.exe -k DcomLaunch -p -s LSM",
    );
    this.winlogon = sys("C:\\Windows\\System32\\winlogon.exe", "winlogon.exe");
  }

  /** A PID as Windows hands them out: multiples of four. */
  pid(): number {
    return this.rng.int(200, 16000) * 4;
  }

  /** A new logon session of an account. */
  logon(principal: Principal, integrity: Integrity, terminalSession: number, time: number): Session {
    this.nextLogonId += this.rng.int(0x40, 0x4000);
    return {
      logonId: this.nextLogonId,
      logonGuid: this.guid(time, 0x0020, this.nextLogonId),
      principal,
      terminalSession,
      integrity,
    };
  }

  /** The next Remote Desktop session number. */
  terminalSession(): number {
    return this.nextTerminalSession++;
  }

  /** A process record (no events: `actions` logs its creation). */
  process(
    time: number,
    image: string,
    commandLine: string,
    session: Session,
    currentDirectory: string,
    integrity: Integrity = session.integrity,
  ): Process {
    this.processCounter += this.rng.int(1, 64);
    return {
      pid: this.pid(),
      guid: this.guid(time, 0x0010, this.processCounter),
      image,
      commandLine,
      currentDirectory,
      session,
      integrity,
    };
  }

  /**
   * A Sysmon GUID: Data1 from the machine, Data2/Data3 the low and high halves of the Unix time in seconds, then
   * 00 00, a kind (00 10 process, 00 20 logon) and a 32-bit counter, as Sysmon builds them.
   */
  private guid(time: number, kind: number, counter: number): EvtxValue {
    const bytes = new Uint8Array(16);
    const view = new DataView(bytes.buffer);
    const seconds = Math.floor(time / 1000) >>> 0;
    view.setUint32(0, this.host.guidPrefix, true);
    view.setUint16(4, seconds & 0xffff, true);
    view.setUint16(6, seconds >>> 16, true);
    view.setUint16(8, 0, false);
    view.setUint16(10, kind, false);
    view.setUint32(12, counter >>> 0, false);
    return guidFromBytes(bytes);
  }
}
