/**
 * What a ScopeCollector keeps from the events it saw: aggregates, never events. Plain data (arrays, strings,
 * numbers) that survives structured clone, so a hunt worker can post it to the main thread, and merges
 * associatively, so facts from workers that each saw a part of the evidence (in file order, not time order) add up
 * to the facts of the whole. Memory follows the number of distinct entities and pairs, not the number of events;
 * every table also has a hard cap, and what a full table turns away is counted in `dropped`.
 */
import { mergeSketches, type TimeSketch } from "./time-sketch.js";

/** How one host reached another. */
export type EdgeMethod =
  /** Security 4624 logon type 3 from a source address or workstation. */
  | "network-logon"
  /** Security 4624 logon type 10 (RemoteInteractive). */
  | "rdp-logon"
  /** Security 4648 on the source host, naming the target server. */
  | "explicit-credentials"
  /** TerminalServices RemoteConnectionManager 1149, LocalSessionManager 21 and 25. */
  | "rdp"
  /** RemoteDesktopServices-RdpCoreTS 131: a TCP/UDP connection accepted, before any logon. */
  | "rdp-connection"
  /** Security 5140/5145 on ADMIN$ or a drive share (C$). */
  | "admin-share"
  /** 5145 on IPC$\svcctl, or a service installed (7045, 4697, Sysmon 13) right after a session from the source. */
  | "remote-service"
  /** 5145 on IPC$\atsvc: the task scheduler driven over SMB. */
  | "remote-task"
  /** 5145 on IPC$\winreg: the registry driven over SMB. */
  | "remote-registry"
  /** PsExec: PSEXESVC (or a renamed service's `-stdin/-stdout/-stderr` pipes), or psexec.exe `\\host` on the source. */
  | "psexec"
  /** A child of WmiPrvSE.exe right after a session from the source. */
  | "remote-wmi"
  /** `wmic /node:X process call create` on the source. */
  | "wmic-node";

/** Methods that show a session from the source into the target at that time: what a remote execution joins to. */
export const SESSION_METHODS: ReadonlySet<EdgeMethod> = new Set<EdgeMethod>([
  "network-logon",
  "rdp-logon",
  "rdp",
  "admin-share",
  "remote-service",
  "remote-task",
  "remote-registry",
  "psexec",
]);

/** One event, found again: the file (and archive member), the record id, the time. */
export interface EventRef {
  readonly file: string;
  readonly member?: string;
  readonly recordId: number | null;
  readonly timestamp: number | null;
}

/** A host seen in the evidence: as the Computer of its own logs, or named by other hosts' events. */
export interface HostFact {
  readonly key: string;
  /** Spellings seen, most frequent first (at most 4); `computer` when it was the System.Computer of an event. */
  readonly names: readonly { readonly name: string; readonly count: number; readonly computer: boolean }[];
  /** Logs from this host were read (it was the Computer of some event). */
  readonly logs: boolean;
  /** Times of its own events (sampled: the first of each file, every 1024th, and every event scoping reads). */
  readonly first: number | null;
  readonly last: number | null;
  /** Why the events say it is tier 0: `kerberos-kdc`, `directory-service`, `ntds-database`, `backup-software`. */
  readonly tier0: readonly string[];
}

export interface AccountFact {
  readonly key: string;
  /** Spellings seen (at most 4), qualified where the domain was known. */
  readonly names: readonly string[];
  /** Hosts it logged on to or ran processes on (at most 64; `moreHosts` counts the rest). */
  readonly hosts: readonly {
    readonly host: string;
    readonly first: number | null;
    readonly last: number | null;
    readonly count: number;
  }[];
  readonly moreHosts: number;
  /** Got special privileges at logon (4672). */
  readonly privileged: boolean;
  /** Successful logons (4624, 1149, 21/25) and processes (Sysmon 1). Failures are in the logon facts only. */
  readonly seen: number;
}

/** Logons aggregated by (account, source address, source workstation, logon type, target, outcome). */
export interface LogonFact {
  readonly account: string;
  readonly address: string | null;
  readonly workstation: string | null;
  /** 4624/4625 logon type; null for Kerberos (4768, 4771) and NTLM (4776) validation failures. */
  readonly logonType: number | null;
  readonly target: string | null;
  readonly outcome: "success" | "failure";
  readonly count: number;
  readonly first: number | null;
  readonly last: number | null;
}

/** Edges deduplicated by (source, target, account, method). Sources and targets are host keys or addresses. */
export interface EdgeFact {
  readonly source: string;
  readonly sourceKind: "host" | "address";
  readonly target: string;
  readonly targetKind: "host" | "address";
  readonly account: string | null;
  readonly method: EdgeMethod;
  readonly count: number;
  readonly first: number | null;
  readonly last: number | null;
  readonly times: TimeSketch;
  /** The earliest few events (at most 3). */
  readonly samples: readonly EventRef[];
  /** Share, pipe, service or process names seen on the edge (at most 4). */
  readonly details: readonly string[];
}

/**
 * Something run on a host that is remote execution if a session from another host came just before it: a service
 * installed (7045, 4697, Sysmon 13 on `Services\X\ImagePath` by services.exe) or a child of WmiPrvSE.exe. Aggregated
 * by (host, kind, name, account); joined with sessions when the report is built, once all facts are merged.
 */
export interface ExecutionFact {
  readonly host: string;
  readonly kind: "service" | "wmi-child";
  /** Service name, or the child's image file name. */
  readonly name: string;
  /** The service binary path, or the child's image path (the first seen). */
  readonly image: string;
  /** Who did it, when the event says: 4697 subject, 7045 Security.UserID, the child's user. */
  readonly account: string | null;
  readonly accountSid: string | null;
  /** PSEXESVC (or its pipes) behind it. */
  readonly psexec: boolean;
  /** The host or address of a `\\X\share\…` service binary path, a source by itself. */
  readonly uncSource: string | null;
  readonly count: number;
  readonly first: number | null;
  readonly last: number | null;
  readonly times: TimeSketch;
  readonly samples: readonly EventRef[];
}

/** Inbound connections to SMB, RPC, RDP or WinRM seen by Sysmon 3, by (target host, source address, port). */
export interface SessionFact {
  readonly target: string;
  readonly source: string;
  readonly port: number;
  readonly count: number;
  readonly first: number | null;
  readonly last: number | null;
  readonly times: TimeSketch;
}

/** Failed logons from one source in one time bucket (BURST_BUCKET_MS wide): the stuff of spraying. */
export interface FailureBucketFact {
  /** Address, or workstation host key when there is no address. */
  readonly source: string;
  readonly bucket: number;
  readonly failures: number;
  /** Distinct accounts tried (at most 64 kept; `moreAccounts` when there were more). */
  readonly accounts: readonly string[];
  readonly moreAccounts: boolean;
  /** Hosts that logged the failures (at most 8). */
  readonly targets: readonly string[];
}

/** Why an address is taken to be a host's. */
export type PairEvidence =
  /** A machine account (`PC01$`) logged on from the address: the machine itself. */
  | "machine-account"
  /** Sysmon 3 on the host, its own side of a connection. */
  | "sysmon-local"
  /** 4624 with IpAddress and WorkstationName (NTLM workstation names are the client's claim). */
  | "workstation"
  /** 4648 with TargetServerName and its network address. */
  | "explicit-credentials"
  /** A DHCP lease or renewal event. */
  | "dhcp"
  /** Sysmon 22: a DNS answer with a private address. */
  | "dns"
  /** Sysmon 3 on another host: the name it resolved the far side to. */
  | "sysmon-remote";

export interface AddressPairFact {
  readonly address: string;
  readonly host: string;
  readonly evidence: PairEvidence;
  readonly count: number;
  readonly first: number | null;
  readonly last: number | null;
}

/** Account SID -> account key, to name the installer of a 7045 (which gives only Security.UserID). */
export interface SidFact {
  readonly sid: string;
  readonly account: string;
}

export interface ScopeFacts {
  readonly hosts: readonly HostFact[];
  readonly accounts: readonly AccountFact[];
  readonly logons: readonly LogonFact[];
  readonly edges: readonly EdgeFact[];
  readonly executions: readonly ExecutionFact[];
  readonly sessions: readonly SessionFact[];
  readonly failureBuckets: readonly FailureBucketFact[];
  readonly addressPairs: readonly AddressPairFact[];
  readonly sids: readonly SidFact[];
  /** Events of the EventIDs scoping reads (before channel checks), and aggregates turned away by a full table. */
  readonly eventsObserved: number;
  readonly dropped: number;
}

/** Width of a failure bucket: spraying shows as many failures over many accounts within minutes. */
export const BURST_BUCKET_MS = 5 * 60_000;
export const SAMPLES_PER_EDGE = 3;
export const DETAILS_PER_EDGE = 4;
export const NAMES_PER_ENTITY = 4;
export const HOSTS_PER_ACCOUNT = 64;
export const ACCOUNTS_PER_BUCKET = 64;
export const TARGETS_PER_BUCKET = 8;

export function emptyScopeFacts(): ScopeFacts {
  return {
    hosts: [],
    accounts: [],
    logons: [],
    edges: [],
    executions: [],
    sessions: [],
    failureBuckets: [],
    addressPairs: [],
    sids: [],
    eventsObserved: 0,
    dropped: 0,
  };
}

// Keys of each table: what makes two facts one.
export const hostFactKey = (f: HostFact): string => f.key;
export const accountFactKey = (f: AccountFact): string => f.key;
export const logonFactKey = (
  f: Pick<LogonFact, "account" | "address" | "workstation" | "logonType" | "target" | "outcome">,
): string =>
  `${f.account}|${f.address ?? ""}|${f.workstation ?? ""}|${f.logonType ?? ""}|${f.target ?? ""}|${f.outcome}`;
export const edgeFactKey = (f: Pick<EdgeFact, "source" | "target" | "account" | "method">): string =>
  `${f.source}|${f.target}|${f.account ?? ""}|${f.method}`;
export const executionFactKey = (f: Pick<ExecutionFact, "host" | "kind" | "name" | "account">): string =>
  `${f.host}|${f.kind}|${f.name.toLowerCase()}|${f.account ?? ""}`;
export const sessionFactKey = (f: Pick<SessionFact, "target" | "source" | "port">): string =>
  `${f.target}|${f.source}|${f.port}`;
export const bucketFactKey = (f: Pick<FailureBucketFact, "source" | "bucket">): string => `${f.source}|${f.bucket}`;
export const pairFactKey = (f: Pick<AddressPairFact, "address" | "host" | "evidence">): string =>
  `${f.address}|${f.host}|${f.evidence}`;

export function minTime(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return a < b ? a : b;
}

export function maxTime(a: number | null, b: number | null): number | null {
  if (a === null) return b;
  if (b === null) return a;
  return a > b ? a : b;
}

/** Distinct values of both lists, `a`'s first, at most `limit`. */
function union<T>(a: readonly T[], b: readonly T[], limit: number): T[] {
  const out = [...a];
  for (const x of b) if (out.length < limit && !out.includes(x)) out.push(x);
  return out;
}

/** The earliest `limit` event references of both lists (no time sorts last), without duplicates. */
export function earliestRefs(a: readonly EventRef[], b: readonly EventRef[], limit: number): EventRef[] {
  const all = [...a];
  for (const r of b) {
    if (!all.some((x) => x.file === r.file && x.member === r.member && x.recordId === r.recordId)) all.push(r);
  }
  all.sort((x, y) => (x.timestamp ?? Number.POSITIVE_INFINITY) - (y.timestamp ?? Number.POSITIVE_INFINITY));
  return all.slice(0, limit);
}

function mergeNames(a: HostFact["names"], b: HostFact["names"]): { name: string; count: number; computer: boolean }[] {
  const map = new Map<string, { name: string; count: number; computer: boolean }>();
  for (const n of [...a, ...b]) {
    const prior = map.get(n.name);
    map.set(
      n.name,
      prior === undefined
        ? { ...n }
        : { name: n.name, count: prior.count + n.count, computer: prior.computer || n.computer },
    );
  }
  return [...map.values()].sort((x, y) => y.count - x.count).slice(0, NAMES_PER_ENTITY);
}

function mergeHostFacts(a: HostFact, b: HostFact): HostFact {
  return {
    key: a.key,
    names: mergeNames(a.names, b.names),
    logs: a.logs || b.logs,
    first: minTime(a.first, b.first),
    last: maxTime(a.last, b.last),
    tier0: union(a.tier0, b.tier0, 8),
  };
}

function mergeAccountFacts(a: AccountFact, b: AccountFact): AccountFact {
  const hosts = new Map(a.hosts.map((h) => [h.host, { ...h }]));
  let moreHosts = a.moreHosts + b.moreHosts;
  for (const h of b.hosts) {
    const prior = hosts.get(h.host);
    if (prior !== undefined) {
      prior.first = minTime(prior.first, h.first);
      prior.last = maxTime(prior.last, h.last);
      prior.count += h.count;
    } else if (hosts.size < HOSTS_PER_ACCOUNT) hosts.set(h.host, { ...h });
    else moreHosts++;
  }
  return {
    key: a.key,
    names: union(a.names, b.names, NAMES_PER_ENTITY),
    hosts: [...hosts.values()],
    moreHosts,
    privileged: a.privileged || b.privileged,
    seen: a.seen + b.seen,
  };
}

function mergeLogonFacts(a: LogonFact, b: LogonFact): LogonFact {
  return { ...a, count: a.count + b.count, first: minTime(a.first, b.first), last: maxTime(a.last, b.last) };
}

function mergeEdgeFacts(a: EdgeFact, b: EdgeFact): EdgeFact {
  return {
    ...a,
    count: a.count + b.count,
    first: minTime(a.first, b.first),
    last: maxTime(a.last, b.last),
    times: mergeSketches(a.times, b.times),
    samples: earliestRefs(a.samples, b.samples, SAMPLES_PER_EDGE),
    details: union(a.details, b.details, DETAILS_PER_EDGE),
  };
}

function mergeExecutionFacts(a: ExecutionFact, b: ExecutionFact): ExecutionFact {
  return {
    ...a,
    accountSid: a.accountSid ?? b.accountSid,
    psexec: a.psexec || b.psexec,
    uncSource: a.uncSource ?? b.uncSource,
    count: a.count + b.count,
    first: minTime(a.first, b.first),
    last: maxTime(a.last, b.last),
    times: mergeSketches(a.times, b.times),
    samples: earliestRefs(a.samples, b.samples, SAMPLES_PER_EDGE),
  };
}

function mergeSessionFacts(a: SessionFact, b: SessionFact): SessionFact {
  return {
    ...a,
    count: a.count + b.count,
    first: minTime(a.first, b.first),
    last: maxTime(a.last, b.last),
    times: mergeSketches(a.times, b.times),
  };
}

function mergeBucketFacts(a: FailureBucketFact, b: FailureBucketFact): FailureBucketFact {
  const accounts = union(a.accounts, b.accounts, ACCOUNTS_PER_BUCKET);
  const overflow = b.accounts.some((x) => !accounts.includes(x));
  return {
    ...a,
    failures: a.failures + b.failures,
    accounts,
    moreAccounts: a.moreAccounts || b.moreAccounts || overflow,
    targets: union(a.targets, b.targets, TARGETS_PER_BUCKET),
  };
}

function mergePairFacts(a: AddressPairFact, b: AddressPairFact): AddressPairFact {
  return { ...a, count: a.count + b.count, first: minTime(a.first, b.first), last: maxTime(a.last, b.last) };
}

/** The facts of both: what one collector would have kept had it seen the events of both. */
export function mergeScopeFacts(a: ScopeFacts, b: ScopeFacts): ScopeFacts {
  const merger = new ScopeFactsMerger();
  merger.add(a);
  merger.add(b);
  return merger.facts();
}

/**
 * Facts merged as they come in (one file's after another), each table kept keyed: adding facts costs their own
 * size, not the size of what was merged before (merging pairwise would copy the whole table per file).
 */
export class ScopeFactsMerger {
  private readonly hosts = new KeyedTable(hostFactKey, mergeHostFacts);
  private readonly accounts = new KeyedTable(accountFactKey, mergeAccountFacts);
  private readonly logons = new KeyedTable(logonFactKey, mergeLogonFacts);
  private readonly edges = new KeyedTable(edgeFactKey, mergeEdgeFacts);
  private readonly executions = new KeyedTable(executionFactKey, mergeExecutionFacts);
  private readonly sessions = new KeyedTable(sessionFactKey, mergeSessionFacts);
  private readonly failureBuckets = new KeyedTable(bucketFactKey, mergeBucketFacts);
  private readonly addressPairs = new KeyedTable(pairFactKey, mergePairFacts);
  private readonly sids = new KeyedTable<SidFact>(
    (f) => f.sid,
    (x) => x,
  );
  private eventsObserved = 0;
  private dropped = 0;

  add(f: ScopeFacts): void {
    this.hosts.add(f.hosts);
    this.accounts.add(f.accounts);
    this.logons.add(f.logons);
    this.edges.add(f.edges);
    this.executions.add(f.executions);
    this.sessions.add(f.sessions);
    this.failureBuckets.add(f.failureBuckets);
    this.addressPairs.add(f.addressPairs);
    this.sids.add(f.sids);
    this.eventsObserved += f.eventsObserved;
    this.dropped += f.dropped;
  }

  facts(): ScopeFacts {
    return {
      hosts: this.hosts.values(),
      accounts: this.accounts.values(),
      logons: this.logons.values(),
      edges: this.edges.values(),
      executions: this.executions.values(),
      sessions: this.sessions.values(),
      failureBuckets: this.failureBuckets.values(),
      addressPairs: this.addressPairs.values(),
      sids: this.sids.values(),
      eventsObserved: this.eventsObserved,
      dropped: this.dropped,
    };
  }
}

class KeyedTable<T> {
  private readonly map = new Map<string, T>();

  constructor(
    private readonly key: (f: T) => string,
    private readonly merge: (x: T, y: T) => T,
  ) {}

  add(facts: readonly T[]): void {
    for (const f of facts) {
      const k = this.key(f);
      const prior = this.map.get(k);
      this.map.set(k, prior === undefined ? f : this.merge(prior, f));
    }
  }

  values(): T[] {
    return [...this.map.values()];
  }
}
