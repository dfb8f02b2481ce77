/**
 * Incidents: detections joined by what they share. Fed in time order on the main thread, one detection at a time,
 * with memory bounded by the incidents (each an aggregate and its top evidence lines) and the entities seen within
 * the last window.
 *
 * The joining rule. A detection names entities:
 * - the host it fired on (its Computer), except for credential-validation events (4768, 4769, 4770, 4771, 4776),
 *   which a domain controller logs for every logon anywhere: the DC only authenticated, it is not where the activity
 *   was;
 * - the accounts of the event (subject, target, Sysmon User, RDP user), except the target account of a failed logon
 *   (4625, 4771, failed 4768/4776: a sprayed name is not an account the intruder holds) and the accounts that say
 *   nothing about who acted: SYSTEM, LOCAL SERVICE, NETWORK SERVICE, ANONYMOUS LOGON, DWM-/UMFD- sessions,
 *   `NT SERVICE\…`, `IIS APPPOOL\…` and machine accounts (`PC01$`);
 * - the source it came from: IpAddress, WorkstationName, the RDP client address, the far side of a Sysmon 3
 *   connection, a 4648 TargetServerName, never loopback or `-`. A source that is a host name counts as that host.
 * Two detections join when they share an entity and the later one comes within `windowMs` (default 24 h) of the
 * entity's previous detection; joined incidents merge (union-find). Detections below `minLevel` (default `low`:
 * informational rules fire on ordinary logons) neither start nor join incidents. Hosts, accounts or sources listed in
 * `ignore` (a scanner, a jump host every admin uses) never join. Local accounts keep their host in their key
 * (`pc01\administrator`), so the built-in Administrator of two machines is two accounts.
 */
import type { Detection, Level, PlainValue } from "../hunt/detection.js";
import { LEVELS, levelRank } from "../hunt/detection.js";
import { killChainRank, splitTags, tacticOf } from "../output/attack.js";
import { type DetailSource, detailEntriesOf } from "../output/details.js";
import { maxTime, minTime } from "./facts.js";
import {
  type AccountName,
  accountName,
  type Endpoint,
  endpointOf,
  hostKey,
  integerOf,
  isCommonAccount,
} from "./names.js";

export interface IncidentOptions {
  /** Two detections sharing an entity join when at most this far apart (ms). Default 24 hours. */
  readonly windowMs?: number;
  /** Detections below this level are left out. Default `low`. */
  readonly minLevel?: Level;
  /** Evidence lines kept per incident. Default 10. */
  readonly evidence?: number;
  /** Entities that never join detections: host names, account names, source addresses or names. */
  readonly ignore?: {
    readonly hosts?: readonly string[];
    readonly accounts?: readonly string[];
    readonly sources?: readonly string[];
  };
  /** Incidents kept; past it the weakest closed ones are dropped (and counted). Default 50,000. */
  readonly maxIncidents?: number;
}

export const DEFAULT_WINDOW_MS = 24 * 3_600_000;

/** One detection as an incident shows it. */
export interface IncidentEvidence {
  readonly timestamp: number | null;
  readonly host: string | null;
  readonly rule: string;
  readonly ruleId: string | null;
  readonly level: Level;
  /** Tactic ids (`credential-access`). */
  readonly tactics: readonly string[];
  /** The detection's key details (at most 6, values cut to 200 characters). */
  readonly details: Readonly<Record<string, string>>;
  readonly recordId: string | null;
  readonly file: string;
  readonly member?: string;
}

export interface IncidentEntity {
  readonly key: string;
  /** A spelling from the evidence: the Computer, `DOMAIN\user`, the address. */
  readonly name: string;
  readonly detections: number;
  readonly firstSeen: number | null;
  /** The highest level of the detections naming it: the report tells the incident's core from its periphery. */
  readonly maxLevel: Level;
}

export interface IncidentEndpoint extends IncidentEntity {
  readonly kind: "host" | "address";
}

/** An incident as plain data, before the report resolves addresses and scores it. */
export interface IncidentSummary {
  readonly firstSeen: number | null;
  readonly lastSeen: number | null;
  readonly detections: number;
  readonly byLevel: Readonly<Record<Level, number>>;
  /** Hosts detections fired on. */
  readonly hosts: readonly IncidentEntity[];
  readonly accounts: readonly IncidentEntity[];
  /** Where the activity came from; `kind` tells an address from a host name. */
  readonly sources: readonly IncidentEndpoint[];
  /** Where it went (4648 servers, outbound connections). */
  readonly targets: readonly IncidentEndpoint[];
  /** Domain controllers that only validated credentials of the incident's accounts. */
  readonly authenticators: readonly string[];
  /** Tactic ids in kill-chain order. */
  readonly tactics: readonly string[];
  readonly rules: readonly { readonly title: string; readonly level: Level; readonly count: number }[];
  readonly evidence: readonly IncidentEvidence[];
}

/** What a detection names, for joining. */
export interface DetectionEntities {
  readonly host: { readonly key: string; readonly name: string } | null;
  readonly accounts: readonly AccountName[];
  /** Where the activity came from: a logon's address or workstation, an inbound connection's far side. */
  readonly sources: readonly (Endpoint & { readonly name: string })[];
  /** Where it went: a 4648's TargetServerName and address, an outbound connection's far side. */
  readonly targets: readonly (Endpoint & { readonly name: string })[];
  /** The DC of a credential-validation event (not an entity). */
  readonly authenticator: string | null;
}

const AUTHENTICATION_EVENTS = new Set([4768, 4769, 4770, 4771, 4776]);
const ACCOUNT_FIELDS: readonly (readonly [string, string | null])[] = [
  ["EventData.SubjectUserName", "EventData.SubjectDomainName"],
  ["EventData.TargetUserName", "EventData.TargetDomainName"],
  ["EventData.User", null],
  ["EventData.SamAccountName", null],
  ["EventData.AccountName", null],
  ["UserData.EventXML.Param1", "UserData.EventXML.Param2"],
  ["UserData.EventXML.User", null],
];
const SOURCE_FIELDS = [
  "EventData.IpAddress",
  "EventData.WorkstationName",
  "EventData.Workstation",
  "EventData.ClientIP",
  "EventData.ClientAddress",
  "UserData.EventXML.Address",
  "UserData.EventXML.Param3",
];
/** 4648 names the server the credentials were used toward, and that server's address. */
const EXPLICIT_CREDENTIAL_TARGETS = ["EventData.TargetServerName", "EventData.IpAddress"];
const EVIDENCE_DETAILS = 6;
const DETAIL_LENGTH = 200;
const RULES_LISTED = 20;

function failedLogon(eventId: number | null, read: EventRead): boolean {
  if (eventId === 4625 || eventId === 4771) return true;
  if (eventId === 4768 || eventId === 4776) return integerOf(read("EventData.Status")) !== 0;
  return false;
}

/** The host, accounts and sources a detection names (see the joining rule above). */
export function detectionEntities(d: Detection): DetectionEntities {
  const event = d.event;
  return entitiesOf(d, (path) => event[path], d.correlation);
}

/** What a detection says of its event, as entitiesOf and eventDigest read it. */
export interface EventHeader {
  readonly computer: string | null;
  readonly channel: string | null;
  readonly eventId: number | null;
  readonly recordId: string | null;
}

/** The event's field at a flat path, as a detection's `event` holds it. */
export type EventRead = (path: string) => PlainValue | undefined;

function entitiesOf(d: EventHeader, read: EventRead, correlation: Detection["correlation"]): DetectionEntities {
  const authentication = d.eventId !== null && AUTHENTICATION_EVENTS.has(d.eventId) && d.channel === "Security";
  const computerKey = hostKey(d.computer);
  const host =
    computerKey !== null && !authentication && d.computer !== null ? { key: computerKey, name: d.computer } : null;
  const accounts: AccountName[] = [];
  const sources: (Endpoint & { name: string })[] = [];
  const targets: (Endpoint & { name: string })[] = [];
  const addAccount = (name: unknown, domain: unknown): void => {
    const account = accountName(name, domain, computerKey);
    if (account !== null && !isCommonAccount(account) && !accounts.some((a) => a.key === account.key)) {
      accounts.push(account);
    }
  };
  const addEndpoint = (list: (Endpoint & { name: string })[], raw: unknown): void => {
    const endpoint = endpointOf(raw);
    if (endpoint === null || (endpoint.kind === "host" && endpoint.key === computerKey)) return;
    if (list.some((s) => s.key === endpoint.key)) return;
    list.push({ kind: endpoint.kind, key: endpoint.key, name: String(raw).trim() });
  };
  const addSource = (raw: unknown): void => addEndpoint(sources, raw);
  const addTarget = (raw: unknown): void => addEndpoint(targets, raw);
  const failure = failedLogon(d.eventId, read);
  for (const [nameField, domainField] of ACCOUNT_FIELDS) {
    if (failure && nameField === "EventData.TargetUserName") continue;
    const name = read(nameField);
    if (name !== undefined) addAccount(name, domainField === null ? null : read(domainField));
  }
  if (d.eventId === 4648) {
    for (const field of EXPLICIT_CREDENTIAL_TARGETS) if (read(field) !== undefined) addTarget(read(field));
  } else if (d.eventId === 3 && d.channel === "Microsoft-Windows-Sysmon/Operational") {
    // Outbound, the far side is the destination; inbound, Sysmon writes either side first: the far side is the one
    // not on the lower (service) port.
    const outbound = read("EventData.Initiated") === true || read("EventData.Initiated") === "true";
    const sourcePort = integerOf(read("EventData.SourcePort")) ?? 0;
    const destinationPort = integerOf(read("EventData.DestinationPort")) ?? 0;
    if (outbound) addTarget(read("EventData.DestinationIp"));
    else addSource(sourcePort < destinationPort ? read("EventData.DestinationIp") : read("EventData.SourceIp"));
  } else {
    for (const field of SOURCE_FIELDS) if (read(field) !== undefined) addSource(read(field));
  }
  let extraHost: { key: string; name: string } | null = null;
  if (correlation !== undefined) {
    for (const [name, value] of Object.entries(correlation.group)) {
      const field = name.toLowerCase();
      if (value === null) continue;
      if (field.includes("user") || field.includes("account")) addAccount(value, null);
      else if (/ip|address|workstation|source|client/.test(field)) addSource(value);
      else if (field.includes("computer") || field.includes("host")) {
        const key = hostKey(value);
        if (key !== null && host === null) extraHost = { key, name: value };
      }
    }
  }
  return {
    host: host ?? extraHost,
    accounts,
    sources,
    targets,
    authenticator: authentication ? computerKey : null,
  };
}

/**
 * What an incident takes from a detection: its rule, time and place, and its digest. A hunt makes the digest where it
 * makes the detection (in a worker), so that a hunt whose outputs do not want detections (one for its summary) need
 * not keep them, or sort them, for the incidents' sake.
 */
export interface IncidentInput extends DetectionDigest {
  readonly timestamp: number | null;
  readonly rule: Detection["rule"];
  readonly source: { readonly file: string; readonly member?: string };
}

/** The entities a detection names and the details incident evidence shows (EVIDENCE_DETAILS, cut to DETAIL_LENGTH). */
export interface DetectionDigest {
  readonly computer: string | null;
  readonly recordId: string | null;
  readonly entities: DetectionEntities;
  readonly details: Readonly<Record<string, string>>;
}

export function detectionDigest(d: Detection): DetectionDigest {
  return {
    computer: d.computer,
    recordId: d.recordId,
    entities: detectionEntities(d),
    details: evidenceDetails(Object.entries(d.details)),
  };
}

/**
 * The digest of the detection an event would make, without making it: what a hunt keeps of a match no output wants.
 * `header` as detectionOf derives it; `fields` reads and walks the event as its `event` would hold it.
 */
export function eventDigest(header: EventHeader, fields: DetailSource): DetectionDigest {
  return {
    computer: header.computer,
    recordId: header.recordId,
    entities: entitiesOf(header, (path) => fields.get(path), undefined),
    details: evidenceDetails(detailEntriesOf(fields, header.channel, header.eventId).map((e) => [e.name, e.value])),
  };
}

/** The first details, cut, as incident evidence shows them. */
function evidenceDetails(entries: readonly (readonly [string, string])[]): Record<string, string> {
  const details: Record<string, string> = {};
  let n = 0;
  for (const [k, v] of entries) {
    if (n++ >= EVIDENCE_DETAILS) break;
    details[k] = v.length > DETAIL_LENGTH ? `${v.slice(0, DETAIL_LENGTH - 1)}…` : v;
  }
  return details;
}

export function incidentInput(d: Detection): IncidentInput {
  const { computer, recordId, entities, details } = detectionDigest(d);
  return {
    timestamp: d.timestamp,
    rule: d.rule,
    source: d.source.member === undefined ? { file: d.source.file } : { file: d.source.file, member: d.source.member },
    computer,
    recordId,
    entities,
    details,
  };
}

function evidenceOf(d: IncidentInput, host: string | null): IncidentEvidence {
  return {
    timestamp: d.timestamp,
    host,
    rule: d.rule.title,
    ruleId: d.rule.id,
    level: d.rule.level,
    tactics: splitTags(d.rule.tags).tactics.map((t) => t.id),
    details: d.details,
    recordId: d.recordId,
    file: d.source.file,
    ...(d.source.member === undefined ? {} : { member: d.source.member }),
  };
}

/** Evidence ordered by importance: level, then time (earlier first). */
function compareEvidence(a: IncidentEvidence, b: IncidentEvidence): number {
  return (
    levelRank(b.level) - levelRank(a.level) ||
    (a.timestamp ?? Number.POSITIVE_INFINITY) - (b.timestamp ?? Number.POSITIVE_INFINITY)
  );
}

interface EntityState {
  name: string;
  detections: number;
  firstSeen: number | null;
  maxLevel: Level;
  kind?: "host" | "address";
}

/**
 * One detection's share of an entity, written out: on Node 20 `{ ...one, name }` takes V8's slow path (over a
 * microsecond per property after the spread), and this runs for every entity of every detection.
 */
function oneDetection(firstSeen: number | null, maxLevel: Level, name: string, kind?: "host" | "address"): EntityState {
  return kind === undefined
    ? { detections: 1, firstSeen, maxLevel, name }
    : { detections: 1, firstSeen, maxLevel, name, kind };
}

function addEntity(map: Map<string, EntityState>, key: string, entity: EntityState): void {
  const prior = map.get(key);
  if (prior === undefined) map.set(key, { ...entity });
  else {
    prior.detections += entity.detections;
    prior.firstSeen = minTime(prior.firstSeen, entity.firstSeen);
    if (levelRank(entity.maxLevel) > levelRank(prior.maxLevel)) prior.maxLevel = entity.maxLevel;
  }
}

function byFirstSeen(a: IncidentEntity, b: IncidentEntity): number {
  return (
    (a.firstSeen ?? Number.POSITIVE_INFINITY) - (b.firstSeen ?? Number.POSITIVE_INFINITY) || a.key.localeCompare(b.key)
  );
}

function entityList(map: Map<string, EntityState>): IncidentEntity[] {
  return [...map]
    .map(([key, e]) => ({ key, name: e.name, detections: e.detections, firstSeen: e.firstSeen, maxLevel: e.maxLevel }))
    .sort(byFirstSeen);
}

function endpointList(map: Map<string, EntityState>): IncidentEndpoint[] {
  return [...map]
    .map(([key, e]) => ({
      key,
      name: e.name,
      detections: e.detections,
      firstSeen: e.firstSeen,
      maxLevel: e.maxLevel,
      kind: e.kind ?? "host",
    }))
    .sort(byFirstSeen);
}

/**
 * An incident while it is built: counts, entity maps, tactics, per-rule counts and the top evidence (one line per
 * rule, the most important rules). Also rebuilt from summaries when the report merges incidents its address
 * resolution shows to be one.
 */
export class IncidentAggregate {
  firstSeen: number | null = null;
  lastSeen: number | null = null;
  detections = 0;
  readonly byLevel: Record<Level, number> = { informational: 0, low: 0, medium: 0, high: 0, critical: 0 };
  readonly hosts = new Map<string, EntityState>();
  readonly accounts = new Map<string, EntityState>();
  readonly sources = new Map<string, EntityState>();
  readonly targets = new Map<string, EntityState>();
  readonly authenticators = new Set<string>();
  readonly tactics = new Set<string>();
  readonly rules = new Map<string, { title: string; level: Level; count: number }>();
  evidence: IncidentEvidence[] = [];

  constructor(private readonly evidenceLimit: number) {}

  static fromSummary(summary: IncidentSummary, evidenceLimit: number): IncidentAggregate {
    const a = new IncidentAggregate(evidenceLimit);
    a.firstSeen = summary.firstSeen;
    a.lastSeen = summary.lastSeen;
    a.detections = summary.detections;
    for (const l of LEVELS) a.byLevel[l] = summary.byLevel[l];
    for (const e of summary.hosts) addEntity(a.hosts, e.key, e);
    for (const e of summary.accounts) addEntity(a.accounts, e.key, e);
    for (const e of summary.sources) addEntity(a.sources, e.key, e);
    for (const e of summary.targets) addEntity(a.targets, e.key, e);
    for (const h of summary.authenticators) a.authenticators.add(h);
    for (const t of summary.tactics) a.tactics.add(t);
    for (const r of summary.rules) a.rules.set(`${r.level}|${r.title}`, { ...r });
    a.evidence = [...summary.evidence];
    return a;
  }

  add(d: IncidentInput): void {
    const { entities } = d;
    const t = d.timestamp;
    this.firstSeen = minTime(this.firstSeen, t);
    this.lastSeen = maxTime(this.lastSeen, t);
    this.detections++;
    this.byLevel[d.rule.level]++;
    const level = d.rule.level;
    if (entities.host !== null) addEntity(this.hosts, entities.host.key, oneDetection(t, level, entities.host.name));
    for (const a of entities.accounts) addEntity(this.accounts, a.key, oneDetection(t, level, a.display));
    for (const e of entities.sources) addEntity(this.sources, e.key, oneDetection(t, level, e.name, e.kind));
    for (const e of entities.targets) addEntity(this.targets, e.key, oneDetection(t, level, e.name, e.kind));
    if (entities.authenticator !== null) this.authenticators.add(entities.authenticator);
    for (const tag of d.rule.tags) {
      const tactic = tacticOf(tag);
      if (tactic !== null) this.tactics.add(tactic.id);
    }
    const ruleKey = `${d.rule.level}|${d.rule.id ?? d.rule.file}|${d.rule.title}`;
    const rule = this.rules.get(ruleKey);
    if (rule !== undefined) {
      rule.count++;
      return;
    }
    this.rules.set(ruleKey, { title: d.rule.title, level: d.rule.level, count: 1 });
    this.offerEvidence(evidenceOf(d, entities.host?.name ?? d.computer));
  }

  private offerEvidence(line: IncidentEvidence): void {
    if (this.evidence.length < this.evidenceLimit) {
      this.evidence.push(line);
      return;
    }
    let weakest = 0;
    for (let i = 1; i < this.evidence.length; i++) {
      if (compareEvidence(this.evidence[i], this.evidence[weakest]) > 0) weakest = i;
    }
    if (compareEvidence(line, this.evidence[weakest]) < 0) this.evidence[weakest] = line;
  }

  /** Takes in another incident (the two are one). */
  absorb(other: IncidentAggregate): void {
    this.firstSeen = minTime(this.firstSeen, other.firstSeen);
    this.lastSeen = maxTime(this.lastSeen, other.lastSeen);
    this.detections += other.detections;
    for (const l of LEVELS) this.byLevel[l] += other.byLevel[l];
    for (const [k, e] of other.hosts) addEntity(this.hosts, k, e);
    for (const [k, e] of other.accounts) addEntity(this.accounts, k, e);
    for (const [k, e] of other.sources) addEntity(this.sources, k, e);
    for (const [k, e] of other.targets) addEntity(this.targets, k, e);
    for (const h of other.authenticators) this.authenticators.add(h);
    for (const t of other.tactics) this.tactics.add(t);
    for (const [k, r] of other.rules) {
      const prior = this.rules.get(k);
      if (prior === undefined) this.rules.set(k, { ...r });
      else prior.count += r.count;
    }
    const seen = new Set<string>();
    this.evidence = [...this.evidence, ...other.evidence]
      .sort(compareEvidence)
      .filter((e) => {
        const key = `${e.level}|${e.ruleId ?? ""}|${e.rule}`;
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
      })
      .slice(0, this.evidenceLimit);
  }

  maxLevel(): Level {
    for (const l of [...LEVELS].reverse()) if (this.byLevel[l] > 0) return l;
    return "informational";
  }

  toSummary(): IncidentSummary {
    const tactics = [...this.tactics].sort(
      (a, b) => killChainRank(tacticOf(`attack.${a}`) ?? never()) - killChainRank(tacticOf(`attack.${b}`) ?? never()),
    );
    return {
      firstSeen: this.firstSeen,
      lastSeen: this.lastSeen,
      detections: this.detections,
      byLevel: { ...this.byLevel },
      hosts: entityList(this.hosts),
      accounts: entityList(this.accounts),
      sources: endpointList(this.sources),
      targets: endpointList(this.targets),
      authenticators: [...this.authenticators].sort(),
      tactics,
      rules: [...this.rules.values()]
        .sort((a, b) => levelRank(b.level) - levelRank(a.level) || b.count - a.count || a.title.localeCompare(b.title))
        .slice(0, RULES_LISTED),
      evidence: [...this.evidence].sort(compareEvidence),
    };
  }
}

/** The entity keys (`h:`, `a:`, `s:`) of an `ignore` option. */
export function ignoredKeys(ignore: IncidentOptions["ignore"]): Set<string> {
  const keys = new Set<string>();
  for (const h of ignore?.hosts ?? []) {
    const key = hostKey(h);
    if (key !== null) keys.add(`h:${key}`);
  }
  for (const a of ignore?.accounts ?? []) {
    const account = accountName(a, null, null);
    if (account !== null) keys.add(`a:${account.key}`);
  }
  for (const s of ignore?.sources ?? []) {
    const endpoint = endpointOf(s);
    if (endpoint !== null) keys.add(endpoint.kind === "host" ? `h:${endpoint.key}` : `s:${endpoint.key}`);
  }
  return keys;
}

function never(): never {
  throw new Error("unknown tactic id");
}

interface EntitySeen {
  incident: number;
  last: number | null;
}

/** Builds incidents from detections fed in time order (see the joining rule at the top of this file). */
export class IncidentBuilder {
  private readonly windowMs: number;
  private readonly minRank: number;
  private readonly evidenceLimit: number;
  private readonly maxIncidents: number;
  private readonly ignored: Set<string>;
  /** Union-find over incident indexes; an absorbed incident points to the one that took it in. */
  private readonly parent: number[] = [];
  private readonly aggregates: (IncidentAggregate | null)[] = [];
  private readonly entities = new Map<string, EntitySeen>();
  private live = 0;
  private added = 0;
  private latest: number | null = null;
  /** Incidents dropped to stay within maxIncidents. */
  dropped = 0;

  constructor(options: IncidentOptions = {}) {
    this.windowMs = options.windowMs ?? DEFAULT_WINDOW_MS;
    this.minRank = levelRank(options.minLevel ?? "low");
    this.evidenceLimit = options.evidence ?? 10;
    this.maxIncidents = options.maxIncidents ?? 50_000;
    this.ignored = ignoredKeys(options.ignore);
  }

  /** Adds the next detection (in time order). */
  add(d: Detection): void {
    if (levelRank(d.rule.level) >= this.minRank) this.addInput(incidentInput(d));
  }

  /** Adds the next detection (in time order) by what incidents take from it. */
  addInput(d: IncidentInput): void {
    if (levelRank(d.rule.level) < this.minRank) return;
    const { entities } = d;
    const keys: string[] = [];
    if (entities.host !== null) keys.push(`h:${entities.host.key}`);
    for (const a of entities.accounts) keys.push(`a:${a.key}`);
    for (const s of [...entities.sources, ...entities.targets])
      keys.push(s.kind === "host" ? `h:${s.key}` : `s:${s.key}`);
    const joining = keys.filter((k) => !this.ignored.has(k));
    const t = d.timestamp;
    let root = -1;
    for (const key of joining) {
      const seen = this.entities.get(key);
      if (seen === undefined) continue;
      if (t !== null && seen.last !== null && t - seen.last > this.windowMs) continue;
      const other = this.find(seen.incident);
      if (this.aggregates[other] === null) continue;
      root = root < 0 ? other : this.union(root, other);
    }
    if (root < 0) root = this.open();
    (this.aggregates[root] as IncidentAggregate).add(d);
    for (const key of joining) {
      const seen = this.entities.get(key);
      this.entities.set(key, { incident: root, last: t ?? seen?.last ?? null });
    }
    if (t !== null) this.latest = maxTime(this.latest, t);
    if (++this.added % 4096 === 0) this.prune();
  }

  /** The incidents so far, plain data, in order of first detection. */
  incidents(): IncidentSummary[] {
    return this.aggregates
      .filter((a): a is IncidentAggregate => a !== null)
      .map((a) => a.toSummary())
      .sort((a, b) => (a.firstSeen ?? Number.POSITIVE_INFINITY) - (b.firstSeen ?? Number.POSITIVE_INFINITY));
  }

  private open(): number {
    if (this.live >= this.maxIncidents) this.evict();
    const index = this.aggregates.length;
    this.parent.push(index);
    this.aggregates.push(new IncidentAggregate(this.evidenceLimit));
    this.live++;
    return index;
  }

  private find(i: number): number {
    let root = i;
    while (this.parent[root] !== root) root = this.parent[root];
    let j = i;
    while (this.parent[j] !== root) {
      const next = this.parent[j];
      this.parent[j] = root;
      j = next;
    }
    return root;
  }

  private union(a: number, b: number): number {
    if (a === b) return a;
    const big = this.aggregates[a] as IncidentAggregate;
    const small = this.aggregates[b] as IncidentAggregate;
    const [keep, drop] = big.detections >= small.detections ? [a, b] : [b, a];
    (this.aggregates[keep] as IncidentAggregate).absorb(this.aggregates[drop] as IncidentAggregate);
    this.aggregates[drop] = null;
    this.parent[drop] = keep;
    this.live--;
    return keep;
  }

  /** Forgets entities whose last detection is more than a window back: they can join nothing any more. */
  private prune(): void {
    if (this.latest === null) return;
    const horizon = this.latest - this.windowMs;
    for (const [key, seen] of this.entities) if (seen.last !== null && seen.last < horizon) this.entities.delete(key);
  }

  /** Drops the weakest tenth of the closed incidents (lowest level, fewest detections). */
  private evict(): void {
    this.prune();
    const open = new Set<number>();
    for (const seen of this.entities.values()) open.add(this.find(seen.incident));
    const closed: number[] = [];
    for (let i = 0; i < this.aggregates.length; i++) {
      if (this.aggregates[i] !== null && !open.has(i) && this.parent[i] === i) closed.push(i);
    }
    const weight = (i: number): number => {
      const a = this.aggregates[i] as IncidentAggregate;
      return levelRank(a.maxLevel()) * 1e9 + a.detections;
    };
    closed.sort((x, y) => weight(x) - weight(y));
    for (const i of closed.slice(0, Math.max(1, Math.floor(this.maxIncidents / 10)))) {
      this.aggregates[i] = null;
      this.live--;
      this.dropped++;
    }
  }
}
