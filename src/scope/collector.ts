/**
 * The per-worker half of scoping: every event of the hunt passes through `observe`, which keeps the few kinds that
 * say who logged on where from where, what reached which host, and which address is which host, as aggregates
 * (see facts.ts). It runs on every event, so it dispatches on the EventID first and reads nothing else from an event
 * of no interest: no field decoding, no allocation, no regular expression. Events come in file order, one worker
 * seeing some files (or some chunks of a file); nothing here assumes time order or that related events meet in one
 * collector: whatever needs two events from possibly different logs (a service install and the session before it)
 * is kept as facts on both sides and joined when the report is built.
 */
import type { HuntEvent } from "../events/event.js";
import type { FieldView } from "../evtx/types.js";
import {
  ACCOUNTS_PER_BUCKET,
  BURST_BUCKET_MS,
  DETAILS_PER_EDGE,
  type EdgeMethod,
  type EventRef,
  edgeFactKey,
  executionFactKey,
  HOSTS_PER_ACCOUNT,
  logonFactKey,
  maxTime,
  minTime,
  NAMES_PER_ENTITY,
  type PairEvidence,
  pairFactKey,
  SAMPLES_PER_EDGE,
  type ScopeFacts,
  sessionFactKey,
  TARGETS_PER_BUCKET,
} from "./facts.js";
import {
  type AccountName,
  accountName,
  baseName,
  type Endpoint,
  endpointOf,
  endsWithLower,
  hostKey,
  integerOf,
  isCommonAccount,
  isLocalAddress,
  isPrivateAddress,
  machineHost,
  parseAddress,
  remoteAddress,
  textOf,
} from "./names.js";
import { type TimeSketch, TimeSketchBuilder } from "./time-sketch.js";

export interface ScopeCollectorOptions {
  /** Entries per table (edges, logons, pairs, …) before new ones are counted as dropped. Default 100,000. */
  readonly maxEntries?: number;
}

const SYSMON = "Microsoft-Windows-Sysmon/Operational";
/** Ports of SMB, RPC endpoint mapper, NetBIOS session, RDP and WinRM: an inbound connection there is a session. */
const SESSION_PORTS = new Set([135, 139, 445, 3389, 5985, 5986]);
/** The EventIDs scoping reads (each checked further by channel or provider where the ID is not unique). */
const EVENT_IDS = new Set([
  1, 3, 10, 11, 13, 21, 22, 25, 131, 216, 325, 326, 327, 1149, 4624, 4625, 4648, 4672, 4688, 4697, 4768, 4769, 4771,
  4776, 5140, 5145, 7045,
]);
/** Every how many events the Computer of an event is read even when nothing else is (for hosts in WEC files). */
const HOST_SAMPLE_MASK = 1023;
/** WmiPrvSE.exe process ids remembered per collector for 4688 records without ParentProcessName. */
const WMI_PROCESS_MEMORY = 4096;

interface HostState {
  readonly key: string;
  readonly names: Map<string, { count: number; computer: boolean }>;
  logs: boolean;
  first: number | null;
  last: number | null;
  readonly tier0: Set<string>;
}

interface AccountState {
  readonly names: string[];
  readonly hosts: Map<string, { first: number | null; last: number | null; count: number }>;
  moreHosts: number;
  privileged: boolean;
  seen: number;
}

interface Counted {
  count: number;
  first: number | null;
  last: number | null;
}

interface LogonState extends Counted {
  readonly account: string;
  readonly address: string | null;
  readonly workstation: string | null;
  readonly logonType: number | null;
  readonly target: string | null;
  readonly outcome: "success" | "failure";
}

interface EdgeState extends Counted {
  readonly source: Endpoint;
  readonly target: Endpoint;
  readonly account: string | null;
  readonly method: EdgeMethod;
  readonly times: TimeSketchBuilder;
  readonly samples: EventRef[];
  readonly details: string[];
}

interface ExecutionState extends Counted {
  readonly host: string;
  readonly kind: "service" | "wmi-child";
  readonly name: string;
  readonly image: string;
  readonly account: string | null;
  accountSid: string | null;
  psexec: boolean;
  uncSource: string | null;
  readonly times: TimeSketchBuilder;
  readonly samples: EventRef[];
}

interface SessionState extends Counted {
  readonly target: string;
  readonly source: string;
  readonly port: number;
  readonly times: TimeSketchBuilder;
}

interface BucketState {
  readonly source: string;
  readonly bucket: number;
  failures: number;
  readonly accounts: Set<string>;
  moreAccounts: boolean;
  readonly targets: Set<string>;
}

interface PairState extends Counted {
  readonly address: string;
  readonly host: string;
  readonly evidence: PairEvidence;
}

interface ServiceInstall {
  readonly host: string;
  readonly name: string;
  readonly image: string;
  readonly account: AccountName | null;
  readonly sid: string | null;
}

export class ScopeCollector {
  private readonly maxEntries: number;
  private readonly hosts = new Map<string, HostState>();
  private readonly accounts = new Map<string, AccountState>();
  private readonly logons = new Map<string, LogonState>();
  private readonly edges = new Map<string, EdgeState>();
  private readonly executions = new Map<string, ExecutionState>();
  private readonly sessions = new Map<string, SessionState>();
  private readonly buckets = new Map<string, BucketState>();
  private readonly pairs = new Map<string, PairState>();
  private readonly sids = new Map<string, string>();
  /** NewProcessId of WmiPrvSE.exe (4688) -> its host, to find its children in 4688 version 0/1 records. */
  private readonly wmiProcesses = new Map<string, string>();
  private lastFile: string | undefined;
  private lastMember: string | undefined;
  private sinceSample = 0;
  private lastComputer: string | undefined;
  private lastHost: HostState | undefined;
  private observed = 0;
  private dropped = 0;

  constructor(options: ScopeCollectorOptions = {}) {
    this.maxEntries = options.maxEntries ?? 100_000;
  }

  /** Keeps what scoping needs from one event. Cheap for the events it does not need. */
  observe(event: HuntEvent): void {
    const fields = event.fields;
    const source = event.source;
    if (source.file !== this.lastFile || source.member !== this.lastMember) this.newSource(event);
    else if ((++this.sinceSample & HOST_SAMPLE_MASK) === 0) this.computerOf(event);
    let id = fields.get("System.EventID");
    if (typeof id !== "number") {
      if (typeof id !== "string") return;
      id = Number(id);
    }
    if (!EVENT_IDS.has(id)) return;
    this.observed++;
    switch (id) {
      case 4624:
        this.logonSuccess(event);
        break;
      case 4625:
        this.logonFailure(event);
        break;
      case 4648:
        this.explicitCredentials(event);
        break;
      case 4672:
        this.specialPrivileges(event);
        break;
      case 4768:
      case 4771:
        this.kerberosFailure(event, id);
        break;
      case 4769:
        this.tier0(event, "kerberos-kdc");
        break;
      case 4776:
        this.ntlmValidation(event);
        break;
      case 5140:
      case 5145:
        this.shareAccess(event, id);
        break;
      case 7045:
      case 4697:
        this.serviceInstalled(event, id);
        break;
      case 4688:
        this.processCreated4688(event);
        break;
      case 1149:
      case 21:
      case 25:
      case 131:
        this.remoteDesktop(event, id);
        break;
      case 1:
      case 3:
      case 13:
      case 22:
        if (fields.get("System.Channel") !== SYSMON) return;
        if (id === 1) this.processCreatedSysmon(event);
        else if (id === 3) this.networkConnection(event);
        else if (id === 13) this.registryValueSet(event);
        else this.dnsQuery(event);
        break;
      case 10:
      case 11:
        this.dhcpLease(event);
        break;
      case 216:
      case 325:
      case 326:
      case 327:
        this.esent(event);
        break;
    }
  }

  /** The facts so far, as plain data (a copy: the collector can go on observing). */
  facts(): ScopeFacts {
    const sketch = (b: TimeSketchBuilder): TimeSketch => b.toSketch();
    return {
      hosts: [...this.hosts].map(([key, h]) => ({
        key,
        names: [...h.names]
          .map(([name, n]) => ({ name, count: n.count, computer: n.computer }))
          .sort((a, b) => Number(b.computer) - Number(a.computer) || b.count - a.count)
          .slice(0, NAMES_PER_ENTITY),
        logs: h.logs,
        first: h.first,
        last: h.last,
        tier0: [...h.tier0],
      })),
      accounts: [...this.accounts].map(([key, a]) => ({
        key,
        names: [...a.names],
        hosts: [...a.hosts].map(([host, h]) => ({ host, ...h })),
        moreHosts: a.moreHosts,
        privileged: a.privileged,
        seen: a.seen,
      })),
      logons: [...this.logons.values()].map((l) => ({ ...l })),
      edges: [...this.edges.values()].map((e) => ({
        source: e.source.key,
        sourceKind: e.source.kind,
        target: e.target.key,
        targetKind: e.target.kind,
        account: e.account,
        method: e.method,
        count: e.count,
        first: e.first,
        last: e.last,
        times: sketch(e.times),
        samples: [...e.samples],
        details: [...e.details],
      })),
      executions: [...this.executions.values()].map((x) => ({
        host: x.host,
        kind: x.kind,
        name: x.name,
        image: x.image,
        account: x.account,
        accountSid: x.accountSid,
        psexec: x.psexec,
        uncSource: x.uncSource,
        count: x.count,
        first: x.first,
        last: x.last,
        times: sketch(x.times),
        samples: [...x.samples],
      })),
      sessions: [...this.sessions.values()].map((s) => ({
        target: s.target,
        source: s.source,
        port: s.port,
        count: s.count,
        first: s.first,
        last: s.last,
        times: sketch(s.times),
      })),
      failureBuckets: [...this.buckets.values()].map((b) => ({
        source: b.source,
        bucket: b.bucket,
        failures: b.failures,
        accounts: [...b.accounts],
        moreAccounts: b.moreAccounts,
        targets: [...b.targets],
      })),
      addressPairs: [...this.pairs.values()].map((p) => ({ ...p })),
      sids: [...this.sids].map(([sid, account]) => ({ sid, account })),
      eventsObserved: this.observed,
      dropped: this.dropped,
    };
  }

  // --- Hosts ---------------------------------------------------------------------------------------------------

  private newSource(event: HuntEvent): void {
    this.lastFile = event.source.file;
    this.lastMember = event.source.member;
    const host = this.computerOf(event);
    const channel = event.fields.get("System.Channel");
    if (host === null || typeof channel !== "string") return;
    // A log only a domain controller or a backup server writes.
    if (channel === "Directory Service" || channel === "DFS Replication") host.tier0.add("directory-service");
    else if (channel.startsWith("Veeam")) host.tier0.add("backup-software");
  }

  /** The event's Computer as a host with logs, its time noted. */
  private computerOf(event: HuntEvent): HostState | null {
    const raw = event.fields.get("System.Computer");
    if (typeof raw !== "string") return null;
    let host: HostState | undefined;
    if (raw === this.lastComputer && this.lastHost !== undefined) {
      host = this.lastHost;
      const name = host.names.get(raw);
      if (name !== undefined) name.count++;
    } else {
      const key = hostKey(raw);
      if (key === null) return null;
      host = this.hostState(key, raw, true);
      if (host === undefined) return null;
      this.lastComputer = raw;
      this.lastHost = host;
    }
    host.logs = true;
    const t = event.timestamp;
    if (t !== null) {
      if (host.first === null || t < host.first) host.first = t;
      if (host.last === null || t > host.last) host.last = t;
    }
    return host;
  }

  private hostState(key: string, spelling: string, computer: boolean): HostState | undefined {
    let host = this.hosts.get(key);
    if (host === undefined) {
      if (this.hosts.size >= this.maxEntries) {
        this.dropped++;
        return undefined;
      }
      host = { key, names: new Map(), logs: false, first: null, last: null, tier0: new Set() };
      this.hosts.set(key, host);
    }
    const name = host.names.get(spelling);
    if (name !== undefined) {
      name.count++;
      name.computer ||= computer;
    } else if (host.names.size < 2 * NAMES_PER_ENTITY) host.names.set(spelling, { count: 1, computer });
    return host;
  }

  /** A host named by an event of another host (WorkstationName, TargetServerName, `/node:`). */
  private namedHost(raw: unknown): void {
    if (typeof raw !== "string") return;
    const key = hostKey(raw);
    if (key !== null) this.hostState(key, raw.trim().replace(/^\\+/, ""), false);
  }

  /** The Computer of an event scoping reads: its host key (null without one). */
  private target(event: HuntEvent): string | null {
    return this.computerOf(event)?.key ?? null;
  }

  private tier0(event: HuntEvent, reason: string): void {
    this.computerOf(event)?.tier0.add(reason);
  }

  // --- Accounts, logons, failures ------------------------------------------------------------------------------

  private accountState(account: AccountName): AccountState | undefined {
    let state = this.accounts.get(account.key);
    if (state === undefined) {
      if (this.accounts.size >= this.maxEntries) {
        this.dropped++;
        return undefined;
      }
      state = { names: [], hosts: new Map(), moreHosts: 0, privileged: false, seen: 0 };
      this.accounts.set(account.key, state);
    }
    if (state.names.length < NAMES_PER_ENTITY && !state.names.includes(account.display)) {
      state.names.push(account.display);
    }
    return state;
  }

  private accountSeen(account: AccountName, host: string | null, time: number | null): void {
    const state = this.accountState(account);
    if (state === undefined) return;
    state.seen++;
    if (host === null) return;
    const h = state.hosts.get(host);
    if (h !== undefined) {
      h.count++;
      h.first = minTime(h.first, time);
      h.last = maxTime(h.last, time);
    } else if (state.hosts.size < HOSTS_PER_ACCOUNT) state.hosts.set(host, { first: time, last: time, count: 1 });
    else state.moreHosts++;
  }

  private logon(
    account: string,
    address: string | null,
    workstation: string | null,
    logonType: number | null,
    target: string | null,
    outcome: "success" | "failure",
    time: number | null,
  ): void {
    const fact = { account, address, workstation, logonType, target, outcome };
    const key = logonFactKey(fact);
    const state = this.logons.get(key);
    if (state !== undefined) {
      count(state, time);
      return;
    }
    if (this.logons.size >= this.maxEntries) {
      this.dropped++;
      return;
    }
    // Written out (as below): an object spread then given properties gets a hidden class of its own, per entry.
    this.logons.set(key, {
      account,
      address,
      workstation,
      logonType,
      target,
      outcome,
      count: 1,
      first: time,
      last: time,
    });
  }

  private failure(source: string | null, account: string, target: string | null, time: number | null): void {
    if (source === null || time === null) return;
    const bucket = time - (time % BURST_BUCKET_MS);
    const key = `${source}|${bucket}`;
    let state = this.buckets.get(key);
    if (state === undefined) {
      if (this.buckets.size >= this.maxEntries) {
        this.dropped++;
        return;
      }
      state = { source, bucket, failures: 0, accounts: new Set(), moreAccounts: false, targets: new Set() };
      this.buckets.set(key, state);
    }
    state.failures++;
    if (state.accounts.size < ACCOUNTS_PER_BUCKET) state.accounts.add(account);
    else if (!state.accounts.has(account)) state.moreAccounts = true;
    if (target !== null && state.targets.size < TARGETS_PER_BUCKET) state.targets.add(target);
  }

  private pair(address: string, host: string, evidence: PairEvidence, time: number | null): void {
    const fact = { address, host, evidence };
    const key = pairFactKey(fact);
    const state = this.pairs.get(key);
    if (state !== undefined) {
      count(state, time);
      return;
    }
    if (this.pairs.size >= this.maxEntries) {
      this.dropped++;
      return;
    }
    this.pairs.set(key, { address, host, evidence, count: 1, first: time, last: time });
  }

  private sid(raw: unknown, account: AccountName): void {
    if (
      typeof raw === "string" &&
      raw.startsWith("S-1-5-21-") &&
      !this.sids.has(raw) &&
      this.sids.size < this.maxEntries
    ) {
      this.sids.set(raw, account.key);
    }
  }

  /** Security 4624: a logon, an address-host pair, and for logon types 3 and 10 an edge from the source. */
  private logonSuccess(event: HuntEvent): void {
    const f = event.fields;
    const target = this.target(event);
    const t = event.timestamp;
    const account = accountName(f.get("EventData.TargetUserName"), f.get("EventData.TargetDomainName"), target);
    if (account === null) return;
    const addressRaw = parseAddress(f.get("EventData.IpAddress"));
    const loopback = addressRaw !== null && isLocalAddress(addressRaw);
    const address = loopback ? null : addressRaw;
    const machine = machineHost(account);
    if (machine !== null) {
      // A machine account logs on from the machine itself: the address is that machine's.
      if (address !== null) {
        this.namedHost(account.name.slice(0, -1));
        this.pair(address, machine, "machine-account", t);
      }
      return;
    }
    const workstationRaw = f.get("EventData.WorkstationName");
    let workstation = hostKey(workstationRaw);
    // From loopback the logon is local, whatever workstation name the client claims (Metasploit sends WORKSTATION).
    if (workstation !== null && (workstation === target || loopback)) workstation = null;
    if (workstation !== null) {
      this.namedHost(workstationRaw);
      if (address !== null) this.pair(address, workstation, "workstation", t);
    }
    if (isCommonAccount(account)) return;
    const logonType = integerOf(f.get("EventData.LogonType"));
    // System (0), batch (4) and service (5) logons are the machine running its own work.
    if (logonType === 0 || logonType === 4 || logonType === 5) return;
    this.sid(f.get("EventData.TargetUserSid"), account);
    this.logon(account.key, address, workstation, logonType, target, "success", t);
    const source: Endpoint | null =
      address !== null
        ? { kind: "address", key: address }
        : workstation !== null
          ? { kind: "host", key: workstation }
          : null;
    if ((logonType !== 3 && logonType !== 10) || target === null || source === null) {
      this.accountSeen(account, target, t);
      return;
    }
    const method = logonType === 10 ? "rdp-logon" : "network-logon";
    this.edge(
      source,
      { kind: "host", key: target },
      account,
      method,
      event,
      textOf(f.get("EventData.AuthenticationPackageName")),
    );
  }

  private logonFailure(event: HuntEvent): void {
    const f = event.fields;
    const target = this.target(event);
    const account = accountName(f.get("EventData.TargetUserName"), f.get("EventData.TargetDomainName"), target);
    const address = remoteAddress(f.get("EventData.IpAddress"));
    let workstation = hostKey(f.get("EventData.WorkstationName"));
    if (workstation === target) workstation = null;
    const key = account?.key ?? "-";
    const logonType = integerOf(f.get("EventData.LogonType"));
    this.logon(key, address, workstation, logonType, target, "failure", event.timestamp);
    this.failure(address ?? workstation, key, target, event.timestamp);
  }

  /** 4768 (TGT requested; failed when Status is not 0) and 4771 (Kerberos pre-authentication failed). */
  private kerberosFailure(event: HuntEvent, id: number): void {
    const f = event.fields;
    const host = this.computerOf(event);
    host?.tier0.add("kerberos-kdc");
    if (id === 4768 && isZeroStatus(f.get("EventData.Status"))) return;
    const target = host?.key ?? null;
    const account = accountName(f.get("EventData.TargetUserName"), f.get("EventData.TargetDomainName"), null);
    const address = remoteAddress(f.get("EventData.IpAddress"));
    const key = account?.key ?? "-";
    this.logon(key, address, null, null, target, "failure", event.timestamp);
    this.failure(address, key, target, event.timestamp);
  }

  /** 4776: NTLM credential validation; a failure when Status is not 0. */
  private ntlmValidation(event: HuntEvent): void {
    const f = event.fields;
    if (isZeroStatus(f.get("EventData.Status"))) return;
    const target = this.target(event);
    const account = accountName(f.get("EventData.TargetUserName"), null, null);
    let workstation = hostKey(f.get("EventData.Workstation"));
    if (workstation === target) workstation = null;
    const key = account?.key ?? "-";
    this.logon(key, null, workstation, null, target, "failure", event.timestamp);
    this.failure(workstation, key, target, event.timestamp);
  }

  /** 4648 on the source host: another account's credentials used toward TargetServerName. */
  private explicitCredentials(event: HuntEvent): void {
    const f = event.fields;
    const source = this.target(event);
    if (source === null) return;
    const serverRaw = f.get("EventData.TargetServerName");
    const address = remoteAddress(f.get("EventData.IpAddress"));
    let target = endpointOf(serverRaw);
    if (target?.kind === "host") {
      this.namedHost(serverRaw);
      // The Network Address of a 4648 is the target server's.
      if (address !== null) this.pair(address, target.key, "explicit-credentials", event.timestamp);
    }
    target ??= address === null ? null : { kind: "address", key: address };
    if (target === null || (target.kind === "host" && target.key === source)) return;
    const account = accountName(
      f.get("EventData.TargetUserName"),
      f.get("EventData.TargetDomainName"),
      target.kind === "host" ? target.key : null,
    );
    if (account === null || isCommonAccount(account)) return;
    const process = textOf(f.get("EventData.ProcessName"));
    this.edge(
      { kind: "host", key: source },
      target,
      account,
      "explicit-credentials",
      event,
      process === null || process === "-" ? null : baseName(process),
    );
  }

  private specialPrivileges(event: HuntEvent): void {
    const f = event.fields;
    const host = this.target(event);
    const account = accountName(f.get("EventData.SubjectUserName"), f.get("EventData.SubjectDomainName"), host);
    if (account === null || isCommonAccount(account)) return;
    const state = this.accountState(account);
    if (state !== undefined) state.privileged = true;
  }

  // --- Remote access -------------------------------------------------------------------------------------------

  /** 1149 (RemoteConnectionManager), 21 and 25 (LocalSessionManager), 131 (RdpCoreTS). */
  private remoteDesktop(event: HuntEvent, id: number): void {
    const f = event.fields;
    const channel = f.get("System.Channel");
    if (typeof channel !== "string") return;
    let user: unknown;
    let domain: unknown = null;
    let address: unknown;
    let method: EdgeMethod = "rdp";
    if (id === 1149) {
      if (!channel.includes("RemoteConnectionManager")) return;
      user = userData(f, "Param1");
      domain = userData(f, "Param2");
      address = userData(f, "Param3");
    } else if (id === 131) {
      if (!channel.includes("RdpCoreTS")) return;
      address = f.get("EventData.ClientIP");
      method = "rdp-connection";
    } else {
      if (!channel.includes("LocalSessionManager")) return;
      user = userData(f, "User");
      address = userData(f, "Address");
    }
    const target = this.target(event);
    const source = endpointOf(address);
    if (target === null || source === null) return;
    if (source.kind === "host") this.namedHost(address);
    let account: AccountName | null = null;
    if (method === "rdp") {
      account = accountName(user, domain, target);
      if (account === null || isCommonAccount(account)) return;
    }
    this.edge(source, { kind: "host", key: target }, account, method, event, null);
  }

  /** 5140 (share connected) and 5145 (share object checked): admin shares and the remote-execution pipes of IPC$. */
  private shareAccess(event: HuntEvent, id: number): void {
    const f = event.fields;
    const shareRaw = textOf(f.get("EventData.ShareName"));
    if (shareRaw === null) return;
    const share = shareRaw.slice(shareRaw.lastIndexOf("\\") + 1).toUpperCase();
    const relative = id === 5145 ? (textOf(f.get("EventData.RelativeTargetName")) ?? "") : "";
    let method: EdgeMethod | null = null;
    let detail = share;
    if (share === "IPC$") {
      const pipe = relative.toLowerCase();
      if (pipe === "svcctl") method = "remote-service";
      else if (pipe === "atsvc") method = "remote-task";
      else if (pipe === "winreg") method = "remote-registry";
      else if (isPsexecPipe(pipe)) method = "psexec";
      detail = `IPC$\\${relative}`;
    } else if (share === "ADMIN$" || (share.length === 2 && share.charCodeAt(1) === 36)) {
      method = relative.toLowerCase().includes("psexesvc") ? "psexec" : "admin-share";
    }
    const target = this.target(event);
    const address = remoteAddress(f.get("EventData.IpAddress"));
    if (target === null || address === null) return;
    const account = accountName(f.get("EventData.SubjectUserName"), f.get("EventData.SubjectDomainName"), target);
    if (account === null) return;
    const machine = machineHost(account);
    if (machine !== null) {
      // Any share, any pipe: a machine account comes from its machine.
      this.namedHost(account.name.slice(0, -1));
      this.pair(address, machine, "machine-account", event.timestamp);
      return;
    }
    if (method === null || isCommonAccount(account)) return;
    this.sid(f.get("EventData.SubjectUserSid"), account);
    this.edge({ kind: "address", key: address }, { kind: "host", key: target }, account, method, event, detail);
  }

  // --- Remote execution ----------------------------------------------------------------------------------------

  /** System 7045 and Security 4697: a service installed. */
  private serviceInstalled(event: HuntEvent, id: number): void {
    const f = event.fields;
    const name = textOf(f.get("EventData.ServiceName"));
    if (name === null) return;
    const host = this.target(event);
    if (host === null) return;
    if (id === 4697) {
      const account = accountName(f.get("EventData.SubjectUserName"), f.get("EventData.SubjectDomainName"), host);
      const image = textOf(f.get("EventData.ServiceFileName")) ?? "";
      const usable = account !== null && !isCommonAccount(account) ? account : null;
      const sid = textOf(f.get("EventData.SubjectUserSid"));
      this.service(event, { host, name, image, account: usable, sid });
      return;
    }
    const image = textOf(f.get("EventData.ImagePath")) ?? "";
    const sid = textOf(f.get("System.Security.UserID"));
    this.service(event, { host, name, image, account: null, sid });
  }

  /** Sysmon 13 by services.exe on `…\Services\<name>\ImagePath`: a service created (also where 7045 is not logged). */
  private registryValueSet(event: HuntEvent): void {
    const f = event.fields;
    const image = f.get("EventData.Image");
    if (typeof image !== "string" || !endsWithLower(image, "\\services.exe")) return;
    const object = f.get("EventData.TargetObject");
    if (typeof object !== "string" || !endsWithLower(object, "\\imagepath")) return;
    const key = object.slice(0, -"\\ImagePath".length);
    const services = key.toLowerCase().lastIndexOf("\\services\\");
    if (services < 0) return;
    const name = key.slice(services + "\\services\\".length);
    const host = this.target(event);
    if (host === null || name === "" || name.includes("\\")) return;
    this.service(event, { host, name, image: textOf(f.get("EventData.Details")) ?? "", account: null, sid: null });
  }

  private service(event: HuntEvent, s: ServiceInstall): void {
    const psexec = s.name.toLowerCase().includes("psexesvc") || s.image.toLowerCase().includes("psexesvc");
    let uncSource: string | null = null;
    const path = s.image.trim().replace(/^"/, "");
    if (path.startsWith("\\\\")) {
      const end = path.indexOf("\\", 2);
      const server = endpointOf(path.slice(2, end < 0 ? undefined : end));
      if (server !== null && server.key !== s.host) uncSource = server.key;
    }
    this.execution(event, "service", s.host, s.name, s.image, s.account, s.sid, psexec, uncSource);
  }

  private execution(
    event: HuntEvent,
    kind: "service" | "wmi-child",
    host: string,
    name: string,
    image: string,
    account: AccountName | null,
    sid: string | null,
    psexec: boolean,
    uncSource: string | null,
  ): void {
    const fact = { host, kind, name, account: account?.key ?? null };
    const key = executionFactKey(fact);
    const t = event.timestamp;
    let state = this.executions.get(key);
    if (state === undefined) {
      if (this.executions.size >= this.maxEntries) {
        this.dropped++;
        return;
      }
      state = {
        ...fact,
        image,
        accountSid: null,
        psexec: false,
        uncSource: null,
        count: 0,
        first: null,
        last: null,
        times: new TimeSketchBuilder(),
        samples: [],
      };
      this.executions.set(key, state);
    }
    count(state, t);
    if (t !== null) state.times.add(t);
    if (sid?.startsWith("S-1-5-21-")) state.accountSid ??= sid;
    state.psexec ||= psexec;
    state.uncSource ??= uncSource;
    addSample(state.samples, event, t);
    if (account !== null) this.accountSeen(account, host, t);
  }

  /** Sysmon 1: children of WmiPrvSE.exe, and wmic `/node:` or psexec `\\host` on the source side. */
  private processCreatedSysmon(event: HuntEvent): void {
    const f = event.fields;
    const image = f.get("EventData.Image");
    const parent = f.get("EventData.ParentImage");
    if (typeof image !== "string") return;
    const wmiChild = typeof parent === "string" && endsWithLower(parent, "\\wmiprvse.exe");
    const tool = remoteTool(image);
    if (!wmiChild && tool === null) return;
    const host = this.computerOf(event)?.key ?? null;
    if (host === null) return;
    const account = accountName(f.get("EventData.User"), null, host);
    const user = account !== null && !isCommonAccount(account) ? account : null;
    if (wmiChild) this.execution(event, "wmi-child", host, baseName(image), image, user, null, false, null);
    if (tool !== null) this.remoteCommand(event, tool, host, f.get("EventData.CommandLine"), user);
  }

  /** Security 4688: the same, finding WmiPrvSE.exe parents by process id where ParentProcessName is missing. */
  private processCreated4688(event: HuntEvent): void {
    const f = event.fields;
    const image = f.get("EventData.NewProcessName");
    if (typeof image !== "string") return;
    const parent = f.get("EventData.ParentProcessName");
    let wmiChild = typeof parent === "string" && endsWithLower(parent, "\\wmiprvse.exe");
    const isWmi = endsWithLower(image, "\\wmiprvse.exe");
    const tool = remoteTool(image);
    if (!wmiChild && !isWmi && tool === null && this.wmiProcesses.size === 0) return;
    const computer = f.get("System.Computer");
    if (isWmi) {
      const pid = textOf(f.get("EventData.NewProcessId"));
      const host = hostKey(computer);
      if (pid !== null && host !== null) {
        if (this.wmiProcesses.size >= WMI_PROCESS_MEMORY) this.wmiProcesses.clear();
        this.wmiProcesses.set(pid, host);
      }
      return;
    }
    if (!wmiChild && tool === null) {
      const pid = textOf(f.get("EventData.ProcessId"));
      const parentHost = pid === null ? undefined : this.wmiProcesses.get(pid);
      if (parentHost === undefined || parentHost !== hostKey(computer)) return;
      wmiChild = true;
    }
    const host = this.target(event);
    if (host === null) return;
    let account = accountName(f.get("EventData.TargetUserName"), f.get("EventData.TargetDomainName"), host);
    if (account === null || isCommonAccount(account)) {
      account = accountName(f.get("EventData.SubjectUserName"), f.get("EventData.SubjectDomainName"), host);
    }
    const user = account !== null && !isCommonAccount(account) ? account : null;
    if (wmiChild) this.execution(event, "wmi-child", host, baseName(image), image, user, null, false, null);
    if (tool !== null) this.remoteCommand(event, tool, host, f.get("EventData.CommandLine"), user);
  }

  /** `wmic /node:X … process call create …` and `psexec \\X …`: an edge from this host to X. */
  private remoteCommand(
    event: HuntEvent,
    tool: "wmic" | "psexec",
    host: string,
    commandLine: unknown,
    user: AccountName | null,
  ): void {
    if (typeof commandLine !== "string" || commandLine === "") return;
    const parsed = tool === "wmic" ? parseWmicNode(commandLine) : parsePsexec(commandLine);
    if (parsed === null) return;
    let account = user;
    if (parsed.user !== null) {
      const explicit = accountName(parsed.user, null, null);
      if (explicit !== null && !isCommonAccount(explicit)) account = explicit;
    }
    const method: EdgeMethod = tool === "wmic" ? "wmic-node" : "psexec";
    for (const raw of parsed.targets) {
      const target = endpointOf(raw);
      if (target === null || (target.kind === "host" && target.key === host)) continue;
      if (target.kind === "host") this.namedHost(raw);
      this.edge({ kind: "host", key: host }, target, account, method, event, tool === "wmic" ? "wmic.exe" : "psexec");
    }
  }

  // --- Network, DNS, DHCP, directory -----------------------------------------------------------------------------

  /** Sysmon 3 on SMB/RPC/RDP/WinRM ports: inbound sessions, and which address is which host. */
  private networkConnection(event: HuntEvent): void {
    const f = event.fields;
    const sourcePort = integerOf(f.get("EventData.SourcePort"));
    const destinationPort = integerOf(f.get("EventData.DestinationPort"));
    const sourceService = sourcePort !== null && SESSION_PORTS.has(sourcePort);
    const destinationService = destinationPort !== null && SESSION_PORTS.has(destinationPort);
    if (!sourceService && !destinationService) return;
    const initiated = f.get("EventData.Initiated");
    const outbound = initiated === true || initiated === "true";
    const host = this.computerOf(event)?.key ?? null;
    if (host === null) return;
    // Sysmon writes an inbound connection with either side first, depending on the version: the listening side
    // (the service port) is this host.
    const localIsSource = outbound || (sourceService && !destinationService);
    const local = localIsSource ? "Source" : "Destination";
    const remote = localIsSource ? "Destination" : "Source";
    const t = sysmonTime(f) ?? event.timestamp;
    const localIp = remoteAddress(f.get(`EventData.${local}Ip`));
    if (localIp !== null) this.pair(localIp, host, "sysmon-local", t);
    const remoteIp = remoteAddress(f.get(`EventData.${remote}Ip`));
    if (remoteIp === null) return;
    const remoteName = hostKey(f.get(`EventData.${remote}Hostname`));
    if (remoteName !== null && remoteName !== host) this.pair(remoteIp, remoteName, "sysmon-remote", t);
    if (outbound) return;
    const port = (localIsSource ? sourcePort : destinationPort) ?? 0;
    const fact = { target: host, source: remoteIp, port };
    const key = sessionFactKey(fact);
    let state = this.sessions.get(key);
    if (state === undefined) {
      if (this.sessions.size >= this.maxEntries) {
        this.dropped++;
        return;
      }
      state = {
        target: host,
        source: remoteIp,
        port,
        count: 0,
        first: null,
        last: null,
        times: new TimeSketchBuilder(),
      };
      this.sessions.set(key, state);
    }
    count(state, t);
    if (t !== null) state.times.add(t);
  }

  /** Sysmon 22: a name answered with a private address is that host's address. */
  private dnsQuery(event: HuntEvent): void {
    const f = event.fields;
    const results = f.get("EventData.QueryResults");
    if (typeof results !== "string" || results.length < 7) return;
    const name = f.get("EventData.QueryName");
    const host = hostKey(name);
    if (host === null) return;
    for (const part of results.split(";")) {
      const address = parseAddress(part);
      if (address === null || !isPrivateAddress(address)) continue;
      this.namedHost(name);
      this.pair(address, host, "dns", event.timestamp);
    }
  }

  /** DHCP server lease (10) and renewal (11) events, as exported with their IP address and host name. */
  private dhcpLease(event: HuntEvent): void {
    const f = event.fields;
    const channel = f.get("System.Channel");
    // Sysmon's 10 (process access) and 11 (file created) are frequent: out first.
    if (channel === SYSMON) return;
    const dhcp = (v: unknown): boolean => typeof v === "string" && v.toLowerCase().includes("dhcp");
    if (!dhcp(channel) && !dhcp(f.get("System.Provider.Name"))) return;
    const address = remoteAddress(
      f.get("EventData.IPAddress") ?? f.get("EventData.IP Address") ?? f.get("EventData.IpAddress"),
    );
    const host = hostKey(f.get("EventData.HostName") ?? f.get("EventData.Host Name"));
    if (address !== null && host !== null) this.pair(address, host, "dhcp", event.timestamp);
  }

  /** ESENT 216/325/326/327 about ntds.dit: the Active Directory database (a DC, or a copy being made of it). */
  private esent(event: HuntEvent): void {
    const f = event.fields;
    if (f.get("System.Provider.Name") !== "ESENT") return;
    const data = f.get("EventData.Data");
    const values = Array.isArray(data) ? data : [data];
    if (values.some((v) => typeof v === "string" && v.toLowerCase().includes("ntds")))
      this.tier0(event, "ntds-database");
  }

  // --- Edges ---------------------------------------------------------------------------------------------------

  /** An edge; its account is noted as used on the target. */
  private edge(
    source: Endpoint,
    target: Endpoint,
    user: AccountName | null,
    method: EdgeMethod,
    event: HuntEvent,
    detail: string | null,
  ): void {
    if (source.key === target.key) return;
    const account = user?.key ?? null;
    if (user !== null) this.accountSeen(user, target.kind === "host" ? target.key : null, event.timestamp);
    const key = edgeFactKey({ source: source.key, target: target.key, account, method });
    const t = event.timestamp;
    let state = this.edges.get(key);
    if (state === undefined) {
      if (this.edges.size >= this.maxEntries) {
        this.dropped++;
        return;
      }
      state = {
        source,
        target,
        account,
        method,
        count: 0,
        first: null,
        last: null,
        times: new TimeSketchBuilder(),
        samples: [],
        details: [],
      };
      this.edges.set(key, state);
    }
    count(state, t);
    if (t !== null) state.times.add(t);
    addSample(state.samples, event, t);
    if (
      detail !== null &&
      detail !== "" &&
      state.details.length < DETAILS_PER_EDGE &&
      !state.details.includes(detail)
    ) {
      state.details.push(detail);
    }
  }
}

function count(state: Counted, time: number | null): void {
  state.count++;
  if (time === null) return;
  if (state.first === null || time < state.first) state.first = time;
  if (state.last === null || time > state.last) state.last = time;
}

/** Keeps the earliest SAMPLES_PER_EDGE events (events come in file order, not time order). */
function addSample(samples: EventRef[], event: HuntEvent, time: number | null): void {
  if (samples.length >= SAMPLES_PER_EDGE) {
    const latest = samples[samples.length - 1].timestamp;
    if (time === null || (latest !== null && time >= latest)) return;
    samples.pop();
  }
  const source = event.source;
  const ref: EventRef = {
    file: source.file,
    ...(source.member === undefined ? {} : { member: source.member }),
    recordId: integerOf(event.fields.get("System.EventRecordID")),
    timestamp: time,
  };
  samples.push(ref);
  samples.sort((a, b) => (a.timestamp ?? Number.POSITIVE_INFINITY) - (b.timestamp ?? Number.POSITIVE_INFINITY));
}

function isZeroStatus(status: unknown): boolean {
  const n = integerOf(status);
  return n === 0;
}

function userData(f: FieldView, name: string): unknown {
  return f.get(`UserData.EventXML.${name}`) ?? f.get(`UserData.${name}`);
}

/** Sysmon's own UtcTime (`2019-04-30 20:32:49.659`): when the connection was made, which may be well before the event was written. */
function sysmonTime(f: FieldView): number | null {
  const text = f.get("EventData.UtcTime");
  if (typeof text !== "string" || text.length < 19) return null;
  const ms = Date.parse(`${text.replace(" ", "T")}Z`);
  return Number.isFinite(ms) ? ms : null;
}

/** PsExec's pipes: PSEXESVC, and `<service>-<host>-<pid>-stdin|stdout|stderr` of a renamed service (`-r name`). */
function isPsexecPipe(pipe: string): boolean {
  return (
    pipe.startsWith("psexesvc") ||
    pipe.startsWith("remcom_") ||
    pipe.endsWith("-stdin") ||
    pipe.endsWith("-stdout") ||
    pipe.endsWith("-stderr")
  );
}

/**
 * A process that runs commands on other hosts named on its command line, by its image path. A renamed PsExec is
 * found on the target instead (its service and pipes); reading OriginalFileName of every process would cost more.
 */
function remoteTool(image: string): "wmic" | "psexec" | null {
  if (endsWithLower(image, "\\wmic.exe")) return "wmic";
  if (
    endsWithLower(image, "\\psexec.exe") ||
    endsWithLower(image, "\\psexec64.exe") ||
    endsWithLower(image, "\\paexec.exe")
  ) {
    return "psexec";
  }
  return null;
}

interface RemoteCommand {
  readonly targets: readonly string[];
  readonly user: string | null;
}

/** An option's value in a command line (`/node:"srv01"`, `/user:admin`), case-insensitive. */
function optionValue(commandLine: string, lower: string, option: string): string | null {
  const at = lower.indexOf(option);
  if (at < 0) return null;
  let i = at + option.length;
  let value: string;
  if (commandLine[i] === '"') {
    const end = commandLine.indexOf('"', i + 1);
    value = commandLine.slice(i + 1, end < 0 ? undefined : end);
  } else {
    let end = i;
    while (end < commandLine.length && commandLine[end] !== " " && commandLine[end] !== "\t") end++;
    value = commandLine.slice(i, end);
    i = end;
  }
  return value === "" ? null : value;
}

/** `wmic /node:X[,Y] [/user:U] process call create …`; null unless it creates a process on named nodes. */
export function parseWmicNode(commandLine: string): RemoteCommand | null {
  const lower = commandLine.toLowerCase();
  if (!lower.includes("process") || !lower.includes("call") || !lower.includes("create")) return null;
  const node = optionValue(commandLine, lower, "/node:");
  if (node === null || node.startsWith("@")) return null;
  const targets = node
    .split(",")
    .map((n) => n.trim().replace(/^"|"$/g, ""))
    .filter((n) => n !== "");
  return { targets, user: optionValue(commandLine, lower, "/user:") };
}

/** `psexec [options] \\X[,Y] [-u user] …`; null without a `\\host` argument (`\\*` or a host list file). */
export function parsePsexec(commandLine: string): RemoteCommand | null {
  const match = /(?:^|[\s"])\\\\([^\s"\\]+)/.exec(commandLine);
  if (match === null || match[1] === "*") return null;
  const user = /\s-u\s+("[^"]+"|\S+)/i.exec(commandLine);
  return {
    targets: match[1].split(",").filter((n) => n !== ""),
    user: user === null ? null : user[1].replace(/^"|"$/g, ""),
  };
}
