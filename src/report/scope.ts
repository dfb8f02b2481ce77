/**
 * Scoping's findings as the report takes them: the JSON shape of the scope report (`incidents`, `graph`, `reach`,
 * `otCrossings`, `logonSummary`) with most fields optional, so that the scope report maps onto it field by field
 * (or is passed as it is) and a partial one still shows what it has. Fields the report does not name are shown
 * too, as labelled facts or table columns. `normalizeScope` turns it into the report's data (ReportScopeData):
 * times to ms, zones and crossings decided, everything else to plain strings.
 */
import type {
  ReportEdgeData,
  ReportFact,
  ReportIncidentData,
  ReportNodeData,
  ReportScopeData,
  ReportTable,
} from "./data.js";

/** Milliseconds since the epoch, or an ISO-8601 text. */
export type ReportTime = number | string | null;

export interface ReportScope {
  readonly incidents?: readonly ReportIncident[];
  readonly graph?: {
    readonly nodes?: readonly ReportGraphNode[];
    readonly edges?: readonly ReportGraphEdge[];
  };
  /**
   * What the intrusion reached: a list of entries (host, from, method, account, at, hops, zone…), shown as a table,
   * or one object of figures and lists, shown as labelled facts.
   */
  readonly reach?: readonly object[] | object;
  /** Moves toward OT; the matching graph edges are drawn as crossings. */
  readonly otCrossings?: readonly ReportGraphEdge[];
  /** Logons per account and source (any columns), shown as a table: a list, or an object with such a list in `entries`. */
  readonly logonSummary?: readonly object[] | { readonly entries?: readonly object[] };
}

export interface ReportIncident {
  readonly id: string;
  readonly firstSeen?: ReportTime;
  readonly lastSeen?: ReportTime;
  readonly hosts?: readonly string[];
  readonly accounts?: readonly string[];
  /** Tactic ids (`lateral-movement`) or names. */
  readonly tactics?: readonly string[];
  /** A level (`critical`), any label, or a score (then `severityLevel` names its level). */
  readonly severity?: string | number | null;
  readonly severityLevel?: string | null;
  /** Key evidence: lines of text, or objects whose fields (`time`, `rule`, `host`, `details`…) are shown as facts. */
  readonly evidence?: readonly (string | object)[];
}

export interface ReportGraphNode {
  /** The host as the edges name it. */
  readonly id: string;
  readonly label?: string;
  /** Other spellings of the host; the first is the label when there is no `label`. */
  readonly names?: readonly string[];
  /** `IT`, `OT-DMZ` or `OT` when an assets file was given. */
  readonly zone?: string | null;
  /** Whether the host is compromised; when absent, a host in an incident (`incidents`) is. */
  readonly compromised?: boolean;
  readonly incidents?: readonly string[];
  // Any other field (role, addresses, criticality…) is shown when the host is selected.
}

export interface ReportGraphEdge {
  readonly source: string;
  readonly target: string;
  readonly account?: string | null;
  readonly method?: string | null;
  readonly firstSeen?: ReportTime;
  readonly lastSeen?: ReportTime;
  readonly count?: number;
}

/** Zones in the order toward the plant. */
const ZONE_RANK = new Map<string, number>([
  ["IT", 0],
  ["OT-DMZ", 1],
  ["OT", 2],
]);

/** Keys that name a time, in evidence, facts and tables. */
const TIME_KEYS = /^(timestamp|time|at|firstSeen|lastSeen|first|last|start|end)$/i;

/** Facts of a node, an evidence item or the reach: at most this many. */
const MAX_FACTS = 40;
/** Rows of a table (the reach, the logons). */
const MAX_ROWS = 2000;
/** Fields of a node or an edge the report shows in its own way, not as facts. */
const NODE_FIELDS = new Set(["id", "label", "zone", "compromised"]);

export function normalizeScope(scope: ReportScope): ReportScopeData {
  const nodes = new Map<string, ReportNodeData>();
  for (const n of scope.graph?.nodes ?? []) {
    const id = text(n.id);
    if (id === "" || nodes.has(id)) continue;
    nodes.set(id, {
      id,
      label: text(n.label ?? n.names?.[0] ?? id),
      zone: zoneOf(n.zone),
      compromised: n.compromised ?? (Array.isArray(n.incidents) && n.incidents.length > 0),
      facts: facts(n, NODE_FIELDS),
    });
  }
  const key = (source: string, target: string): string => `${source}\u0000${target}`;
  const listedCrossings = new Set((scope.otCrossings ?? []).map((e) => key(text(e.source), text(e.target))));
  const edges: ReportEdgeData[] = [];
  const addEdge = (e: ReportGraphEdge): void => {
    const source = text(e.source);
    const target = text(e.target);
    for (const id of [source, target]) {
      if (!nodes.has(id)) nodes.set(id, { id, label: id, zone: null, compromised: false, facts: [] });
    }
    const from = ZONE_RANK.get(nodes.get(source)?.zone ?? "");
    const to = ZONE_RANK.get(nodes.get(target)?.zone ?? "");
    const towardOt = from !== undefined && to !== undefined && to > from;
    edges.push({
      source,
      target,
      account: optionalText(e.account),
      method: optionalText(e.method),
      firstSeen: timeOf(e.firstSeen),
      lastSeen: timeOf(e.lastSeen),
      count: typeof e.count === "number" && Number.isFinite(e.count) ? e.count : 1,
      crossing: towardOt || listedCrossings.has(key(source, target)),
    });
  };
  for (const e of scope.graph?.edges ?? []) addEdge(e);
  // A crossing scoping listed without a matching graph edge still belongs in the graph.
  const drawn = new Set(edges.map((e) => key(e.source, e.target)));
  for (const e of scope.otCrossings ?? []) if (!drawn.has(key(text(e.source), text(e.target)))) addEdge(e);

  const incidents: ReportIncidentData[] = (scope.incidents ?? []).map((i) => ({
    id: text(i.id),
    firstSeen: timeOf(i.firstSeen),
    lastSeen: timeOf(i.lastSeen),
    hosts: (i.hosts ?? []).map(text),
    accounts: (i.accounts ?? []).map(text),
    tactics: (i.tactics ?? []).map(text),
    severity: optionalText(i.severityLevel) ?? optionalText(i.severity),
    evidence: (i.evidence ?? []).map((e) => (typeof e === "string" ? [{ label: "", text: e }] : facts(e, new Set()))),
  }));

  const reach = scope.reach;
  const logons = scope.logonSummary;
  return {
    incidents,
    nodes: [...nodes.values()],
    edges,
    reach: reach === undefined || Array.isArray(reach) ? [] : facts(reach, new Set()),
    reachTable: Array.isArray(reach) ? tableOf(reach) : null,
    logonSummary: Array.isArray(logons) ? tableOf(logons) : tableOf((logons as { entries?: object[] })?.entries ?? []),
  };
}

/** The zone as scoping names it (`ot-dmz` -> `OT-DMZ`), any other name as written, or null. */
function zoneOf(zone: unknown): string | null {
  if (typeof zone !== "string" || zone.trim() === "") return null;
  const upper = zone.trim().toUpperCase().replace(/[_\s]/g, "-");
  return ZONE_RANK.has(upper) ? upper : zone;
}

/** A time as ms since the epoch, or null. */
export function timeOf(value: unknown): number | null {
  if (typeof value === "number") return Number.isFinite(value) ? value : null;
  if (typeof value !== "string" || value === "") return null;
  const t = Date.parse(value);
  return Number.isNaN(t) ? null : t;
}

function facts(object: object, skip: ReadonlySet<string>): ReportFact[] {
  const out: ReportFact[] = [];
  for (const [label, value] of Object.entries(object)) {
    if (skip.has(label) || value === undefined) continue;
    if (out.length >= MAX_FACTS) break;
    const time = TIME_KEYS.test(label) ? timeOf(value) : null;
    out.push(time === null ? { label, text: text(value) } : { label, text: "", time });
  }
  return out;
}

/** Rows of objects as a table: the columns are their keys, in first-seen order; times as ISO-8601. */
function tableOf(rows: readonly object[]): ReportTable | null {
  if (rows.length === 0) return null;
  const columns: string[] = [];
  const records = rows.slice(0, MAX_ROWS).map((r) => r as Record<string, unknown>);
  for (const row of records) for (const k of Object.keys(row)) if (!columns.includes(k)) columns.push(k);
  const cell = (column: string, value: unknown): string => {
    const time = TIME_KEYS.test(column) && typeof value === "number" ? timeOf(value) : null;
    return time !== null ? new Date(time).toISOString() : text(value);
  };
  return { columns, rows: records.map((row) => columns.map((c) => cell(c, row[c]))), total: rows.length };
}

function optionalText(value: unknown): string | null {
  return value === undefined || value === null || value === "" ? null : text(value);
}

/** Any value as display text: strings as they are, lists joined, objects as `key: value` pairs. */
function text(value: unknown): string {
  if (typeof value === "string") return value;
  if (value === null || value === undefined) return "";
  if (Array.isArray(value)) return value.map(text).join(", ");
  if (typeof value === "object") {
    return Object.entries(value as Record<string, unknown>)
      .map(([k, v]) => `${k}: ${text(v)}`)
      .join(", ");
  }
  return String(value);
}
