/**
 * The scope report: merged facts (from every worker), the incidents built from the hunt's detections and, when
 * given, the asset inventory, turned into what `--scope-out` writes and the summary shows: incidents with their
 * hosts, accounts, tactics in kill-chain order, severity and evidence; the lateral-movement graph; reach (with the
 * hosts reached but not detected on); crossings toward OT; tier-0 hosts touched; the logon summary and failure
 * bursts. Times are ISO-8601 UTC; hosts carry the spelling of their own logs' Computer where there is one.
 *
 * Incidents the hunt built apart are merged here when address resolution shows they share a host (a detection's
 * source address that is another incident's host) within the window. An incident's hosts, accounts and sources are
 * then its core (those its detections at `coreLevel`, default high, name: see coreOf) plus the hosts its core
 * accounts moved to from its core hosts, along the graph in time order; what only weaker detections name is listed
 * apart as `related`. Reach runs from the core hosts and sources, each from its first detection; an edge counts from
 * its first use after its source was reached (by its time sketch), so a path others used all week is not taken for
 * the intruder's.
 */
import { type Level, levelRank } from "../hunt/detection.js";
import { isoTime } from "../output/iso-time.js";
import { type Asset, AssetIndex, type AssetInventory, type Zone, zoneRank } from "./assets.js";
import type { EdgeMethod, EventRef, ScopeFacts } from "./facts.js";
import { buildGraph, type GraphOptions, type ResolvedEdge } from "./graph.js";
import {
  DEFAULT_WINDOW_MS,
  IncidentAggregate,
  type IncidentEndpoint,
  type IncidentEntity,
  type IncidentEvidence,
  type IncidentOptions,
  type IncidentSummary,
  ignoredKeys,
} from "./incidents.js";
import {
  type AccountLogons,
  type FailureBurst,
  type LogonSummaryEntry,
  type Naming,
  type SprayOptions,
  summariseLogons,
} from "./logons.js";
import { parseAddress } from "./names.js";
import { ReachIndex, type ReachStep } from "./reach.js";
import { AddressResolver } from "./resolve.js";
import { scoreIncident } from "./severity.js";

export interface ScopeOptions extends GraphOptions {
  /**
   * Detections at this level or above name an incident's core: its hosts, accounts and sources; lower ones only
   * related entities (unless the incident has nothing at this level). Default `high`.
   */
  readonly coreLevel?: Level;
  /** Incidents whose entities meet within this many ms are one (as IncidentOptions.windowMs). Default 24 hours. */
  readonly windowMs?: number;
  /** Evidence lines per incident. Default 10. */
  readonly evidence?: number;
  readonly spray?: SprayOptions;
  /** The same entities as IncidentOptions.ignore: address resolution does not join incidents through them either. */
  readonly ignore?: IncidentOptions["ignore"];
  /** Logon summary entries written. Default 10,000. */
  readonly logonEntries?: number;
}

/** The flag on a host reached along the graph that has no detection of its own. */
export const REACHED_NO_DETECTION = "reached, no detection: collect more evidence from it";

export interface EventSample {
  readonly file: string;
  readonly member?: string;
  readonly recordId: number | null;
  readonly time: string | null;
}

/** An incident's evidence as the JSON shows it: the time in ISO-8601. */
export interface EvidenceLine extends Omit<IncidentEvidence, "timestamp"> {
  readonly time: string | null;
}

export interface ScopeIncident {
  /** `INC-001`, in order of first detection. */
  readonly id: string;
  readonly firstSeen: string | null;
  readonly lastSeen: string | null;
  /**
   * The incident's hosts: those its core detections fired on, then those its core accounts moved to from them
   * (time-respecting, see `movedTo`), in that order.
   */
  readonly hosts: readonly string[];
  /** Accounts its core detections name. */
  readonly accounts: readonly string[];
  /** Addresses and hosts the detections name as where it came from. */
  readonly sources: readonly string[];
  /** Hosts and addresses the detections name as where it went (4648 servers, outbound connections). */
  readonly targets: readonly string[];
  /** How the incident's accounts reached the hosts of `hosts` that have no core detection. */
  readonly movedTo: readonly {
    readonly host: string;
    readonly from: string;
    readonly method: EdgeMethod;
    readonly account: string | null;
    readonly at: string | null;
  }[];
  /** Named only by detections below the core level (an admin's ordinary session on a host the intruder holds). */
  readonly related: {
    readonly hosts: readonly string[];
    readonly accounts: readonly string[];
    readonly sources: readonly string[];
  };
  /** ATT&CK tactic ids in kill-chain order. */
  readonly tactics: readonly string[];
  /** 0 to 100; see severity.ts. */
  readonly severity: number;
  readonly severityLevel: Level;
  readonly severityReasons: readonly string[];
  readonly detections: number;
  readonly byLevel: Readonly<Record<Level, number>>;
  readonly rules: readonly { readonly title: string; readonly level: Level; readonly count: number }[];
  readonly evidence: readonly EvidenceLine[];
  /** Hosts reached along the graph from the incident (see `reach`). */
  readonly reached: readonly string[];
  /** Edges into the incident's hosts before its first detection: the way in. */
  readonly origins: readonly {
    readonly host: string;
    readonly from: string;
    readonly method: EdgeMethod;
    readonly account: string | null;
    readonly firstSeen: string | null;
  }[];
  readonly tier0: readonly string[];
  readonly zones: readonly Zone[];
  /** Domain controllers that validated the incident's credentials (not counted as its hosts). */
  readonly authenticators: readonly string[];
  /** Where else the incident's accounts logged on or ran processes. */
  readonly accountFootprint: readonly {
    readonly account: string;
    readonly hosts: readonly {
      readonly host: string;
      readonly firstSeen: string | null;
      readonly lastSeen: string | null;
      readonly count: number;
    }[];
  }[];
}

export interface GraphNode {
  /** Display name (the host's Computer spelling) or address. */
  readonly id: string;
  readonly kind: "host" | "address";
  readonly key: string;
  readonly names: readonly string[];
  /** Addresses resolved to this host. */
  readonly addresses: readonly string[];
  readonly zone: Zone | null;
  readonly role: string | null;
  readonly criticality: string | null;
  readonly tier0: string | null;
  /** Logs from this host were in the evidence. */
  readonly logs: boolean;
  readonly detections: number;
  readonly incidents: readonly string[];
  readonly reachedBy: readonly string[];
}

export interface GraphEdge {
  readonly source: string;
  readonly target: string;
  readonly account: string | null;
  readonly method: EdgeMethod;
  readonly firstSeen: string | null;
  readonly lastSeen: string | null;
  readonly count: number;
  readonly details: readonly string[];
  /** The addresses the source was seen as, when it was resolved to a host. */
  readonly sourceAddresses: readonly string[];
  /** Attributed by joining a service install or WMI child with the session just before it. */
  readonly inferred: boolean;
  readonly samples: readonly EventSample[];
}

export interface ReachEntry {
  readonly incident: string;
  readonly host: string;
  readonly from: string;
  readonly method: EdgeMethod;
  readonly account: string | null;
  readonly at: string | null;
  readonly hops: number;
  /** The host has detections (in any incident). */
  readonly detection: boolean;
  readonly logs: boolean;
  readonly zone: Zone | null;
  readonly tier0: string | null;
  /** REACHED_NO_DETECTION when the host has no detection, else null. */
  readonly flag: string | null;
}

export interface OtCrossing {
  readonly source: string;
  readonly target: string;
  /** Null when the source is not in the inventory. */
  readonly sourceZone: Zone | null;
  readonly targetZone: Zone;
  /** IT straight into OT, past the OT-DMZ. */
  readonly skipsDmz: boolean;
  readonly method: EdgeMethod;
  readonly account: string | null;
  readonly firstSeen: string | null;
  readonly lastSeen: string | null;
  readonly count: number;
  /** Incidents whose hosts or reach include the source by the time of the crossing. */
  readonly incidents: readonly string[];
  readonly samples: readonly EventSample[];
}

export interface Tier0Touch {
  readonly host: string;
  readonly reason: string;
  readonly how: "detection" | "reached";
  readonly incidents: readonly string[];
}

export interface UnattributedExecutionEntry {
  readonly host: string;
  readonly method: EdgeMethod;
  readonly name: string;
  readonly image: string;
  readonly account: string | null;
  readonly count: number;
  readonly firstSeen: string | null;
  readonly lastSeen: string | null;
  readonly samples: readonly EventSample[];
}

export interface LogonSummary {
  readonly entries: readonly (Omit<LogonSummaryEntry, "firstSeen" | "lastSeen"> & {
    readonly firstSeen: string | null;
    readonly lastSeen: string | null;
  })[];
  readonly entriesOmitted: number;
  readonly accounts: readonly AccountLogons[];
  readonly failureBursts: readonly (Omit<FailureBurst, "firstSeen" | "lastSeen" | "followedBySuccess"> & {
    readonly firstSeen: string | null;
    readonly lastSeen: string | null;
    readonly followedBySuccess: { readonly account: string; readonly firstSeen: string | null } | null;
  })[];
}

export interface ScopeReport {
  readonly incidents: readonly ScopeIncident[];
  readonly graph: { readonly nodes: readonly GraphNode[]; readonly edges: readonly GraphEdge[] };
  readonly reach: readonly ReachEntry[];
  readonly otCrossings: readonly OtCrossing[];
  readonly logonSummary: LogonSummary;
  readonly tier0Touched: readonly Tier0Touch[];
  /** PsExec-style services with no session to name their source: the targets of movement from somewhere unseen. */
  readonly unattributedRemoteExecution: readonly UnattributedExecutionEntry[];
  readonly stats: {
    readonly eventsObserved: number;
    /** Facts turned away by full tables (scoping is then partial). */
    readonly factsDropped: number;
    readonly assets: number;
    readonly windowMs: number;
  };
}

function sample(r: EventRef): EventSample {
  return {
    file: r.file,
    ...(r.member === undefined ? {} : { member: r.member }),
    recordId: r.recordId,
    time: isoTime(r.timestamp),
  };
}

/** Display names: hosts by the Computer spelling of their own logs, accounts qualified with a NetBIOS domain. */
class Names implements Naming {
  private readonly hosts = new Map<string, string>();
  private readonly accounts = new Map<string, string>();

  constructor(facts: ScopeFacts, incidents: readonly IncidentSummary[]) {
    // A Computer spelling from the host's own logs, else one from a detection on it (also a Computer), else any.
    for (const h of facts.hosts) {
      const best = h.names.find((n) => n.computer);
      if (best !== undefined) this.hosts.set(h.key, best.name);
    }
    for (const i of incidents) for (const h of i.hosts) if (!this.hosts.has(h.key)) this.hosts.set(h.key, h.name);
    for (const h of facts.hosts)
      if (!this.hosts.has(h.key) && h.names.length > 0) this.hosts.set(h.key, h.names[0].name);
    const candidates = new Map<string, string[]>();
    const offer = (key: string, name: string): void => {
      const list = candidates.get(key);
      if (list === undefined) candidates.set(key, [name]);
      else if (!list.includes(name)) list.push(name);
    };
    for (const a of facts.accounts) for (const n of a.names) offer(a.key, n);
    for (const i of incidents) for (const a of i.accounts) offer(a.key, a.name);
    for (const [key, names] of candidates) this.accounts.set(key, bestAccountName(names));
  }

  host(key: string): string {
    return this.hosts.get(key) ?? key;
  }

  account(key: string): string {
    return this.accounts.get(key) ?? key;
  }

  address(address: string): string {
    return address;
  }

  endpoint(key: string, kind: "host" | "address"): string {
    return kind === "host" ? this.host(key) : key;
  }
}

/** `CORP\jdoe` over `corp.local\jdoe` over `jdoe`. */
function bestAccountName(names: readonly string[]): string {
  const qualified = names.filter((n) => n.includes("\\"));
  const netbios = qualified.find((n) => !n.slice(0, n.indexOf("\\")).includes("."));
  return netbios ?? qualified[0] ?? names[0];
}

/**
 * Incidents the builder kept apart but that address resolution shows to share a host: a source or target address of
 * one is a host of the other (or both resolve to the same host), within the window of each other. Links the builder
 * already weighed (the same name on both sides) are not weighed again here; ignored entities link nothing.
 */
function consolidate(
  incidents: readonly IncidentSummary[],
  resolver: AddressResolver,
  windowMs: number,
  evidence: number,
  ignored: ReadonlySet<string>,
): IncidentSummary[] {
  const parent = incidents.map((_, i) => i);
  const find = (i: number): number => {
    let root = i;
    while (parent[root] !== root) root = parent[root];
    return root;
  };
  const named = new Map<string, number[]>();
  const resolved = new Map<string, number[]>();
  const note = (map: Map<string, number[]>, key: string, i: number): void => {
    if (ignored.has(key)) return;
    const list = map.get(key);
    if (list === undefined) map.set(key, [i]);
    else if (!list.includes(i)) list.push(i);
  };
  incidents.forEach((s, i) => {
    for (const h of s.hosts) note(named, `h:${h.key}`, i);
    for (const e of [...s.sources, ...s.targets]) {
      if (e.kind === "host") note(named, `h:${e.key}`, i);
      else if (!ignored.has(`s:${e.key}`)) {
        const host = resolver.resolve(e.key, e.firstSeen);
        if (host !== null) note(resolved, `h:${host}`, i);
      }
    }
  });
  const near = (a: IncidentSummary, b: IncidentSummary): boolean => {
    if (a.firstSeen === null || a.lastSeen === null || b.firstSeen === null || b.lastSeen === null) return true;
    return Math.max(a.firstSeen, b.firstSeen) - Math.min(a.lastSeen, b.lastSeen) <= windowMs;
  };
  for (const [key, via] of resolved) {
    const others = [...new Set([...via, ...(named.get(key) ?? [])])];
    for (const i of via) {
      for (const j of others) if (i !== j && near(incidents[i], incidents[j])) parent[find(j)] = find(i);
    }
  }
  const merged = new Map<number, IncidentAggregate>();
  incidents.forEach((s, i) => {
    const root = find(i);
    const aggregate = IncidentAggregate.fromSummary(s, evidence);
    const prior = merged.get(root);
    if (prior === undefined) merged.set(root, aggregate);
    else prior.absorb(aggregate);
  });
  return [...merged.values()]
    .map((a) => a.toSummary())
    .sort((a, b) => (a.firstSeen ?? Number.POSITIVE_INFINITY) - (b.firstSeen ?? Number.POSITIVE_INFINITY));
}

/** Builds the report. `incidents` from IncidentBuilder.incidents(); `facts` merged from every collector. */
export function buildScope(
  facts: ScopeFacts,
  incidents: readonly IncidentSummary[],
  assets?: AssetInventory,
  options: ScopeOptions = {},
): ScopeReport {
  const windowMs = options.windowMs ?? DEFAULT_WINDOW_MS;
  const resolver = new AddressResolver(facts.addressPairs);
  const index = new AssetIndex(assets);
  const names = new Names(facts, incidents);
  const hostFacts = new Map(facts.hosts.map((h) => [h.key, h]));
  const accountFacts = new Map(facts.accounts.map((a) => [a.key, a]));
  const graph = buildGraph(facts, resolver, options);
  const edges = graph.edges;
  const merged = consolidate(incidents, resolver, windowMs, options.evidence ?? 10, ignoredKeys(options.ignore));
  const width = Math.max(3, String(merged.length).length);
  const ids = merged.map((_, i) => `INC-${String(i + 1).padStart(width, "0")}`);

  const assetOf = (key: string, kind: "host" | "address"): Asset | undefined =>
    kind === "host" ? index.lookup(key, ...resolver.addressesOf(key)) : index.lookup(key);
  const tier0Of = (key: string, kind: "host" | "address"): string | null => {
    const asset = assetOf(key, kind);
    if (asset?.tier0 != null) return `${asset.tier0} (inventory role ${asset.role})`;
    const evidence = hostFacts.get(key)?.tier0 ?? [];
    if (evidence.length === 0) return null;
    const role = evidence.some((e) => e !== "backup-software") ? "domain controller" : "backup server";
    return `${role} (logs: ${evidence.join(", ")})`;
  };

  // Hosts with detections (any level), for the reach flag.
  const detections = new Map<string, number>();
  for (const s of merged) for (const h of s.hosts) detections.set(h.key, (detections.get(h.key) ?? 0) + h.detections);

  const reachIndex = new ReachIndex(edges);
  const edgesInto = new Map<string, ResolvedEdge[]>();
  for (const e of edges) {
    const list = edgesInto.get(e.target);
    if (list === undefined) edgesInto.set(e.target, [e]);
    else list.push(e);
  }

  // Each incident's core (see coreOf), the hosts its accounts moved to, and its reach from the core.
  const coreRank = levelRank(options.coreLevel ?? "high");
  const incidentsOfHost = new Map<string, string[]>();
  const reach: ReachEntry[] = [];
  const reachedBy = new Map<string, string[]>();
  const scopes = merged.map((s, i) => {
    const core = coreOf(s, coreRank);
    // Each core host counts as the intruder's from its first detection, each core source from its first mention.
    const hostStarts = new Map(core.hosts.map((h) => [h.key, h.firstSeen]));
    const coreAccounts = new Set(core.accounts.map((a) => a.key));
    const movement = reachIndex
      .from(hostStarts, (e) => e.account !== null && coreAccounts.has(e.account))
      .filter((step) => step.kind === "host" && !hostStarts.has(step.host));
    const hostKeys = [...hostStarts.keys(), ...movement.map((m) => m.host)];
    for (const k of hostKeys) {
      const list = incidentsOfHost.get(k);
      if (list === undefined) incidentsOfHost.set(k, [ids[i]]);
      else list.push(ids[i]);
    }
    const startTimes = new Map(hostStarts);
    for (const src of core.sources) {
      const key = src.kind === "host" ? src.key : (resolver.resolve(src.key, src.firstSeen) ?? src.key);
      if (!startTimes.has(key)) startTimes.set(key, src.firstSeen);
    }
    const starts = new Set(startTimes.keys());
    const arrival = new Map<string, number | null>(startTimes);
    const entries: ReachEntry[] = [];
    // Where the incident's accounts moved to a host, that move is the step shown: the intruder's own way there.
    const moves = new Map(movement.map((m) => [m.host, m]));
    for (const step of reachIndex.from(startTimes)) {
      arrival.set(step.host, step.at);
      const entry = reachEntry(ids[i], moves.get(step.host) ?? step);
      entries.push(entry);
      reach.push(entry);
      const list = reachedBy.get(step.host);
      if (list === undefined) reachedBy.set(step.host, [ids[i]]);
      else list.push(ids[i]);
    }
    return { summary: s, core, movement, hostKeys, starts, arrival, reach: entries };
  });

  function reachEntry(incident: string, step: ReachStep): ReachEntry {
    const detected = detections.has(step.host);
    const zone = assetOf(step.host, step.kind)?.zone ?? null;
    return {
      incident,
      host: names.endpoint(step.host, step.kind),
      from: names.endpoint(step.from, parseAddress(step.from) === null ? "host" : "address"),
      method: step.method,
      account: step.account === null ? null : names.account(step.account),
      at: isoTime(step.at),
      hops: step.hops,
      detection: detected,
      logs: hostFacts.get(step.host)?.logs ?? false,
      zone,
      tier0: tier0Of(step.host, step.kind),
      flag: detected ? null : REACHED_NO_DETECTION,
    };
  }

  // Crossings toward the plant.
  const otCrossings: OtCrossing[] = [];
  const crossingsOf = new Map<string, number>();
  for (const e of edges) {
    const targetZone = assetOf(e.target, e.targetKind)?.zone;
    if (targetZone === undefined) continue;
    const sourceZone = assetOf(e.source, e.sourceKind)?.zone ?? null;
    const crossing = sourceZone === null ? targetZone !== "IT" : zoneRank(targetZone) > zoneRank(sourceZone);
    if (!crossing) continue;
    const involved: string[] = [];
    scopes.forEach(({ arrival }, i) => {
      if (!arrival.has(e.source)) return;
      const at = arrival.get(e.source) ?? null;
      if (at === null || e.last === null || at <= e.last) involved.push(ids[i]);
    });
    for (const id of involved) crossingsOf.set(id, (crossingsOf.get(id) ?? 0) + 1);
    otCrossings.push({
      source: names.endpoint(e.source, e.sourceKind),
      target: names.endpoint(e.target, e.targetKind),
      sourceZone,
      targetZone,
      skipsDmz: sourceZone === "IT" && targetZone === "OT",
      method: e.method,
      account: e.account === null ? null : names.account(e.account),
      firstSeen: isoTime(e.first),
      lastSeen: isoTime(e.last),
      count: e.count,
      incidents: involved,
      samples: e.samples.map(sample),
    });
  }

  // Incidents, scored.
  const tier0Touched: Tier0Touch[] = [];
  const tier0Seen = new Map<string, Tier0Touch & { incidents: string[] }>();
  const scoped: ScopeIncident[] = scopes.map(
    ({ summary: s, core, movement, hostKeys, starts, arrival, reach: reached }, i) => {
      const id = ids[i];
      const reachedKeys = [...arrival.keys()].filter((k) => !starts.has(k) && !hostKeys.includes(k));
      const tier0: string[] = [];
      const zones = new Set<Zone>();
      const touch = (key: string, kind: "host" | "address", how: "detection" | "reached"): void => {
        const zone = assetOf(key, kind)?.zone;
        if (zone !== undefined) zones.add(zone);
        const reason = tier0Of(key, kind);
        if (reason === null) return;
        const name = names.endpoint(key, kind);
        if (!tier0.includes(name)) tier0.push(name);
        const prior = tier0Seen.get(`${key}|${how}`);
        if (prior !== undefined) prior.incidents.push(id);
        else {
          const entry = { host: name, reason, how, incidents: [id] };
          tier0Seen.set(`${key}|${how}`, entry);
          tier0Touched.push(entry);
        }
      };
      for (const k of hostKeys) touch(k, "host", detections.has(k) ? "detection" : "reached");
      for (const k of reachedKeys) touch(k, parseAddress(k) === null ? "host" : "address", "reached");
      const severity = scoreIncident({
        maxLevel: maxLevel(s.byLevel),
        highOrCritical: s.byLevel.high + s.byLevel.critical,
        tactics: s.tactics.length,
        hosts: hostKeys.length + reachedKeys.length,
        tier0,
        zones,
        crossings: crossingsOf.get(id) ?? 0,
      });
      const first = s.firstSeen;
      const origins = hostKeys
        .flatMap((k) => edgesInto.get(k) ?? [])
        .filter(
          (e) =>
            !starts.has(e.source) &&
            first !== null &&
            e.first !== null &&
            e.first <= first &&
            (e.last ?? e.first) >= first - windowMs,
        )
        .sort((a, b) => (a.first ?? 0) - (b.first ?? 0))
        .slice(0, 10)
        .map((e) => ({
          host: names.host(e.target),
          from: names.endpoint(e.source, e.sourceKind),
          method: e.method,
          account: e.account === null ? null : names.account(e.account),
          firstSeen: isoTime(e.first),
        }));
      return {
        id,
        firstSeen: isoTime(s.firstSeen),
        lastSeen: isoTime(s.lastSeen),
        hosts: hostKeys.map((k) => names.host(k)),
        accounts: core.accounts.map((a) => names.account(a.key)),
        sources: core.sources.map((src) => names.endpoint(src.key, src.kind)),
        targets: core.targets.map((x) => names.endpoint(x.key, x.kind)),
        movedTo: movement.map((m) => ({
          host: names.host(m.host),
          from: names.host(m.from),
          method: m.method,
          account: m.account === null ? null : names.account(m.account),
          at: isoTime(m.at),
        })),
        related: {
          hosts: core.relatedHosts.map((h) => names.host(h.key)),
          accounts: core.relatedAccounts.map((a) => names.account(a.key)),
          sources: core.relatedSources.map((src) => names.endpoint(src.key, src.kind)),
        },
        tactics: s.tactics,
        severity: severity.score,
        severityLevel: severity.level,
        severityReasons: severity.reasons,
        detections: s.detections,
        byLevel: s.byLevel,
        rules: s.rules,
        evidence: s.evidence.map((e) => ({
          time: isoTime(e.timestamp),
          host: e.host,
          rule: e.rule,
          ruleId: e.ruleId,
          level: e.level,
          tactics: e.tactics,
          details: e.details,
          recordId: e.recordId,
          file: e.file,
          ...(e.member === undefined ? {} : { member: e.member }),
        })),
        reached: reached.map((r) => r.host),
        origins,
        tier0,
        zones: [...zones].sort((a, b) => zoneRank(a) - zoneRank(b)),
        authenticators: s.authenticators.map((k) => names.host(k)),
        accountFootprint: core.accounts.map((a) => ({
          account: names.account(a.key),
          hosts: (accountFacts.get(a.key)?.hosts ?? [])
            .slice()
            .sort((x, y) => (x.first ?? 0) - (y.first ?? 0))
            .map((h) => ({
              host: names.host(h.host),
              firstSeen: isoTime(h.first),
              lastSeen: isoTime(h.last),
              count: h.count,
            })),
        })),
      };
    },
  );

  // Nodes: every host the facts know, every endpoint of an edge, every incident host and source.
  const nodeKeys = new Map<string, "host" | "address">();
  for (const h of facts.hosts) nodeKeys.set(h.key, "host");
  for (const e of edges) {
    nodeKeys.set(e.source, e.sourceKind);
    nodeKeys.set(e.target, e.targetKind);
  }
  for (const s of merged) {
    for (const h of s.hosts) nodeKeys.set(h.key, "host");
    for (const src of s.sources)
      if (!nodeKeys.has(src.key) && src.kind === "address" && resolver.resolve(src.key) === null)
        nodeKeys.set(src.key, "address");
  }
  const nodes: GraphNode[] = [...nodeKeys].map(([key, kind]) => {
    const asset = assetOf(key, kind);
    const fact = hostFacts.get(key);
    return {
      id: names.endpoint(key, kind),
      kind,
      key,
      names: fact?.names.map((n) => n.name) ?? [],
      addresses: kind === "host" ? resolver.addressesOf(key) : [],
      zone: asset?.zone ?? null,
      role: asset?.role ?? null,
      criticality: asset?.criticality ?? null,
      tier0: tier0Of(key, kind),
      logs: fact?.logs ?? false,
      detections: detections.get(key) ?? 0,
      incidents: incidentsOfHost.get(key) ?? [],
      reachedBy: [...new Set(reachedBy.get(key) ?? [])],
    };
  });
  nodes.sort((a, b) => a.id.localeCompare(b.id));

  const logons = summariseLogons(facts, resolver, names, options.spray, options.logonEntries);
  return {
    incidents: scoped,
    graph: {
      nodes,
      edges: edges.map(
        (e: ResolvedEdge): GraphEdge => ({
          source: names.endpoint(e.source, e.sourceKind),
          target: names.endpoint(e.target, e.targetKind),
          account: e.account === null ? null : names.account(e.account),
          method: e.method,
          firstSeen: isoTime(e.first),
          lastSeen: isoTime(e.last),
          count: e.count,
          details: e.details,
          sourceAddresses: e.sourceAddresses,
          inferred: e.inferred,
          samples: e.samples.map(sample),
        }),
      ),
    },
    reach,
    otCrossings,
    logonSummary: {
      entries: logons.entries.map((e) => ({ ...e, firstSeen: isoTime(e.firstSeen), lastSeen: isoTime(e.lastSeen) })),
      entriesOmitted: logons.entriesOmitted,
      accounts: logons.accounts,
      failureBursts: logons.failureBursts.map((b) => ({
        ...b,
        firstSeen: isoTime(b.firstSeen),
        lastSeen: isoTime(b.lastSeen),
        followedBySuccess:
          b.followedBySuccess === null
            ? null
            : { account: b.followedBySuccess.account, firstSeen: isoTime(b.followedBySuccess.firstSeen) },
      })),
    },
    tier0Touched,
    unattributedRemoteExecution: graph.unattributed.map((u) => ({
      host: names.host(u.host),
      method: u.method,
      name: u.name,
      image: u.image,
      account: u.account === null ? null : names.account(u.account),
      count: u.count,
      firstSeen: isoTime(u.first),
      lastSeen: isoTime(u.last),
      samples: u.samples.map(sample),
    })),
    stats: { eventsObserved: facts.eventsObserved, factsDropped: facts.dropped, assets: index.size, windowMs },
  };
}

interface IncidentCore {
  readonly hosts: readonly IncidentEntity[];
  readonly accounts: readonly IncidentEntity[];
  readonly sources: readonly IncidentEndpoint[];
  readonly targets: readonly IncidentEndpoint[];
  readonly relatedHosts: readonly IncidentEntity[];
  readonly relatedAccounts: readonly IncidentEntity[];
  readonly relatedSources: readonly IncidentEndpoint[];
}

/**
 * An incident's core: the hosts, accounts and sources named by its detections at the core level (`high` by
 * default, or the incident's highest level when that is lower). Detections join an incident through anything they
 * share, so an ordinary admin's medium-level RDP to a domain controller the intruder also holds joins it; the core
 * keeps such a periphery apart (as `related`) from what the strongest evidence names.
 */
function coreOf(s: IncidentSummary, coreRank: number): IncidentCore {
  const threshold = Math.min(levelRank(maxLevel(s.byLevel)), coreRank);
  const inCore = (e: IncidentEntity): boolean => levelRank(e.maxLevel) >= threshold;
  return {
    hosts: s.hosts.filter(inCore),
    accounts: s.accounts.filter(inCore),
    sources: s.sources.filter(inCore),
    targets: s.targets.filter(inCore),
    relatedHosts: s.hosts.filter((e) => !inCore(e)),
    relatedAccounts: s.accounts.filter((e) => !inCore(e)),
    relatedSources: s.sources.filter((e) => !inCore(e)),
  };
}

function maxLevel(byLevel: Readonly<Record<Level, number>>): Level {
  for (const l of ["critical", "high", "medium", "low"] as const) if (byLevel[l] > 0) return l;
  return "informational";
}
