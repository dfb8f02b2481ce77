/**
 * The lateral-movement graph from merged facts: edge sources and targets resolved from addresses to hosts where the
 * evidence allows (the same edge seen by address and by name becomes one), and remote execution attributed: a
 * service installed or a WmiPrvSE.exe child on host H counts as an edge from S when a session from S into H (a
 * network or RDP logon, an admin-share or IPC$ access, an inbound Sysmon 3 connection to SMB/RPC/RDP/WinRM) was seen
 * within `joinBeforeMs` before it (or `joinAfterMs` after: logs are written in a slightly different order than
 * things happen). A session by the account that did it wins over a nearer one by another account.
 */
import {
  type EdgeFact,
  type EdgeMethod,
  type EventRef,
  type ExecutionFact,
  earliestRefs,
  maxTime,
  minTime,
  SAMPLES_PER_EDGE,
  type ScopeFacts,
  SESSION_METHODS,
} from "./facts.js";
import { parseAddress } from "./names.js";
import type { AddressResolver } from "./resolve.js";
import { nearestInSketch, type TimeSketch, TimeSketchBuilder } from "./time-sketch.js";

export interface ResolvedEdge extends EdgeFact {
  /** Addresses the source was seen as, before resolution. */
  readonly sourceAddresses: readonly string[];
  /** Attributed by joining a remote execution with the session before it. */
  readonly inferred: boolean;
}

/** Remote execution seen on a host with no session to attribute it to (PsExec's service without a logon). */
export interface UnattributedExecution {
  readonly host: string;
  readonly method: EdgeMethod;
  readonly name: string;
  readonly image: string;
  readonly account: string | null;
  readonly count: number;
  readonly first: number | null;
  readonly last: number | null;
  readonly samples: readonly EventRef[];
}

export interface GraphOptions {
  /** How long before a remote execution a session from its source may start. Default 5 minutes. */
  readonly joinBeforeMs?: number;
  /** How long after (log order differs from event order). Default 10 seconds. */
  readonly joinAfterMs?: number;
}

interface Endpoint {
  readonly key: string;
  readonly kind: "host" | "address";
  readonly via: string | null;
}

class EdgeBuilder {
  count = 0;
  first: number | null = null;
  last: number | null = null;
  readonly times = new TimeSketchBuilder();
  samples: EventRef[] = [];
  readonly details: string[] = [];
  readonly sourceAddresses: string[] = [];

  constructor(
    readonly source: Endpoint,
    readonly target: Endpoint,
    readonly account: string | null,
    readonly method: EdgeMethod,
    readonly inferred: boolean,
  ) {}

  add(
    count: number,
    first: number | null,
    last: number | null,
    times: TimeSketch | null,
    samples: readonly EventRef[],
    details: readonly string[],
  ): void {
    this.count += count;
    this.first = minTime(this.first, first);
    this.last = maxTime(this.last, last);
    if (times !== null) this.times.addSketch(times);
    this.samples = earliestRefs(this.samples, samples, SAMPLES_PER_EDGE);
    for (const d of details) if (this.details.length < 4 && !this.details.includes(d)) this.details.push(d);
    if (this.source.via !== null && !this.sourceAddresses.includes(this.source.via))
      this.sourceAddresses.push(this.source.via);
  }

  toEdge(): ResolvedEdge {
    return {
      source: this.source.key,
      sourceKind: this.source.kind,
      target: this.target.key,
      targetKind: this.target.kind,
      account: this.account,
      method: this.method,
      count: this.count,
      first: this.first,
      last: this.last,
      times: this.times.toSketch(),
      samples: this.samples,
      details: this.details,
      sourceAddresses: this.sourceAddresses.sort(),
      inferred: this.inferred,
    };
  }
}

function endpoint(resolver: AddressResolver, key: string, kind: "host" | "address", time: number | null): Endpoint {
  if (kind === "host") return { key, kind, via: null };
  const host = resolver.resolve(key, time);
  return host === null ? { key, kind, via: null } : { key: host, kind: "host", via: key };
}

interface SessionCandidate {
  readonly source: Endpoint;
  readonly account: string | null;
  readonly times: TimeSketch;
}

export interface Graph {
  /** In order of first time (no time last). */
  readonly edges: readonly ResolvedEdge[];
  readonly unattributed: readonly UnattributedExecution[];
}

export function buildGraph(facts: ScopeFacts, resolver: AddressResolver, options: GraphOptions = {}): Graph {
  const before = options.joinBeforeMs ?? 5 * 60_000;
  const after = options.joinAfterMs ?? 10_000;
  const builders = new Map<string, EdgeBuilder>();
  const builder = (
    source: Endpoint,
    target: Endpoint,
    account: string | null,
    method: EdgeMethod,
    inferred: boolean,
  ): EdgeBuilder | null => {
    if (source.key === target.key) return null;
    const key = `${source.key}|${target.key}|${account ?? ""}|${method}`;
    let b = builders.get(key);
    if (b === undefined) {
      b = new EdgeBuilder(source, target, account, method, inferred);
      builders.set(key, b);
    }
    return b;
  };
  const sessions = new Map<string, SessionCandidate[]>();
  const addSession = (target: string, candidate: SessionCandidate): void => {
    const list = sessions.get(target);
    if (list === undefined) sessions.set(target, [candidate]);
    else list.push(candidate);
  };

  for (const e of facts.edges) {
    const source = endpoint(resolver, e.source, e.sourceKind, e.first);
    const target = endpoint(resolver, e.target, e.targetKind, e.first);
    builder(source, target, e.account, e.method, false)?.add(e.count, e.first, e.last, e.times, e.samples, e.details);
    if (SESSION_METHODS.has(e.method) && target.kind === "host" && source.key !== target.key) {
      addSession(target.key, { source, account: e.account, times: e.times });
    }
  }
  for (const s of facts.sessions) {
    const source = endpoint(resolver, s.source, "address", s.first);
    if (source.key !== s.target) addSession(s.target, { source, account: null, times: s.times });
  }

  const sidAccounts = new Map(facts.sids.map((s) => [s.sid, s.account]));
  const unattributed: UnattributedExecution[] = [];
  for (const x of facts.executions) {
    const account = x.account ?? (x.accountSid === null ? null : (sidAccounts.get(x.accountSid) ?? null));
    const method: EdgeMethod = x.psexec ? "psexec" : x.kind === "service" ? "remote-service" : "remote-wmi";
    const target: Endpoint = { key: x.host, kind: "host", via: null };
    if (x.uncSource !== null) {
      const kind = parseAddress(x.uncSource) === null ? "host" : "address";
      const source = endpoint(resolver, x.uncSource, kind, x.first);
      builder(source, target, account, method, true)?.add(x.count, x.first, x.last, x.times, x.samples, [x.name]);
      continue;
    }
    if (!attribute(x, account, method, target, sessions.get(x.host) ?? [], before, after, builder) && x.psexec) {
      unattributed.push({
        host: x.host,
        method,
        name: x.name,
        image: x.image,
        account,
        count: x.count,
        first: x.first,
        last: x.last,
        samples: x.samples,
      });
    }
  }

  const edges = [...builders.values()].map((b) => b.toEdge());
  edges.sort(
    (a, b) =>
      (a.first ?? Number.POSITIVE_INFINITY) - (b.first ?? Number.POSITIVE_INFINITY) ||
      a.source.localeCompare(b.source) ||
      a.target.localeCompare(b.target) ||
      a.method.localeCompare(b.method),
  );
  return { edges, unattributed };
}

/** The times an execution happened at: its sketch's buckets, with the exact first and last. */
function executionTimes(x: ExecutionFact): number[] {
  const times = new Set<number>();
  if (x.first !== null) times.add(x.first);
  if (x.last !== null) times.add(x.last);
  for (const b of x.times.buckets) {
    const t = Math.min(Math.max(b, x.first ?? b), x.last ?? b);
    times.add(t);
  }
  return [...times].sort((a, b) => a - b);
}

function attribute(
  x: ExecutionFact,
  account: string | null,
  method: EdgeMethod,
  target: Endpoint,
  candidates: readonly SessionCandidate[],
  before: number,
  after: number,
  builder: (s: Endpoint, t: Endpoint, a: string | null, m: EdgeMethod, inferred: boolean) => EdgeBuilder | null,
): boolean {
  if (candidates.length === 0) return false;
  const matched = new Map<SessionCandidate, number[]>();
  for (const t of executionTimes(x)) {
    let best: SessionCandidate | null = null;
    let bestScore = Number.POSITIVE_INFINITY;
    for (const c of candidates) {
      const at = nearestInSketch(c.times, t, before, after);
      if (at === null) continue;
      // A session by the same account first, then one that began before the execution (a logon logged after it is
      // another session; the tolerance after is for logs written late), then the nearest.
      const sameAccount = account !== null && c.account === account;
      const score = (sameAccount ? 0 : 2e15) + (at <= t ? t - at : 1e15 + (at - t));
      if (score < bestScore) {
        bestScore = score;
        best = c;
      }
    }
    if (best === null) continue;
    const list = matched.get(best);
    if (list === undefined) matched.set(best, [t]);
    else list.push(t);
  }
  if (matched.size === 0) return false;
  const total = [...matched.values()].reduce((n, l) => n + l.length, 0);
  for (const [c, times] of matched) {
    const sketch = new TimeSketchBuilder();
    for (const t of times) sketch.add(t);
    // The execution's count shared out by matched times (a sketch bucket may hold several executions).
    const count = matched.size === 1 ? x.count : Math.max(1, Math.round((x.count * times.length) / total));
    builder(c.source, target, account ?? c.account, method, true)?.add(
      count,
      times[0],
      times[times.length - 1],
      sketch.toSketch(),
      x.samples.filter(
        (s) =>
          s.timestamp === null || (s.timestamp >= times[0] - 1000 && s.timestamp <= times[times.length - 1] + 1000),
      ),
      [x.name],
    );
  }
  return true;
}
