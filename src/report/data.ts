/**
 * The data model of the HTML report: one JSON object, embedded in the page as `<script type="application/json">`,
 * that the browser app (`app/`) reads with JSON.parse. Both sides import these types; nothing here runs.
 *
 * Every string in it may come from evidence an intruder wrote (computer names, command lines, rule titles of a
 * planted rule file…): the page never interprets it as HTML.
 *
 * Size: detections carry their whole event, so events are stored against tables: `values` holds every distinct
 * value once (the provider name, a user SID or an image path that recur in thousands of events cost one entry each)
 * and `shapes` every distinct list of fields (the fields of one kind of event), so an event is its shape's index and
 * its value indexes. Times are milliseconds since the epoch (UTC), null when unknown.
 */
import type { Level } from "../hunt/detection.js";
import type { RulesLoaded } from "../output/summary.js";

export const REPORT_DATA_VERSION = 1;

/** The element id of the embedded data. */
export const REPORT_DATA_ID = "vigil-report-data";

/** A field value as the event holds it (bigints were made decimal strings). */
export type ReportValue = string | number | boolean | null | readonly ReportValue[];

export interface ReportData {
  readonly version: typeof REPORT_DATA_VERSION;
  readonly title: string;
  readonly generatedAt: number;
  /** `Vigil 0.1.0`. */
  readonly generator: string;
  readonly summary: ReportSummary;
  readonly rules: readonly ReportRule[];
  /** Computers with detections, most detections first. */
  readonly hosts: readonly ReportHost[];
  readonly timeline: ReportTimeline;
  readonly matrix: ReportMatrix;
  readonly detections: ReportDetections;
  /** Scoping's findings, when the hunt was scoped. */
  readonly scope: ReportScopeData | null;
}

/** Per level, in the order of LEVELS (informational … critical). */
export type LevelCounts = readonly [number, number, number, number, number];

export interface ReportSummary {
  readonly filesRead: number;
  readonly filesDamaged: number;
  readonly filesUnreadable: number;
  readonly eventsRead: number;
  readonly eventsRecovered: number;
  readonly recordsSkipped: number;
  readonly bytes: number;
  readonly elapsedSeconds: number;
  readonly firstEvent: number | null;
  readonly lastEvent: number | null;
  readonly detections: number;
  readonly byLevel: LevelCounts;
  readonly firstDetection: number | null;
  readonly lastDetection: number | null;
  /** Rules the hunt ran with, when known. */
  readonly rulesLoaded: RulesLoaded | null;
  readonly problemCount: number;
  readonly problems: readonly ReportProblem[];
  readonly correlationWarnings: readonly string[];
}

export interface ReportProblem {
  readonly file: string;
  readonly member: string | null;
  readonly offset: number | null;
  readonly reason: string;
}

/** A rule that matched. Detections refer to rules by index. */
export interface ReportRule {
  readonly id: string | null;
  readonly title: string;
  readonly level: Level;
  readonly tags: readonly string[];
  readonly file: string;
  readonly kind: "detection" | "correlation";
  readonly count: number;
  readonly firstSeen: number | null;
  readonly lastSeen: number | null;
  /** ATT&CK tactic ids (`credential-access`) and technique ids (`T1003.001`) from the tags. */
  readonly tactics: readonly string[];
  readonly techniques: readonly string[];
  /** Computers the rule fired on (the first 20). */
  readonly hosts: readonly string[];
}

export interface ReportHost {
  readonly name: string;
  readonly count: number;
  readonly byLevel: LevelCounts;
}

/** Detections per time bucket and level: every detection, not only those kept in full. */
export interface ReportTimeline {
  /** Width of a bucket in ms (1 s up to 7 days, coarsened as the hunt's span grows). */
  readonly bucketMs: number;
  /** `[bucket start, informational, low, medium, high, critical]`, by time; empty buckets are left out. */
  readonly buckets: readonly (readonly [number, number, number, number, number, number])[];
  /** Detections without a usable time. */
  readonly untimed: number;
}

/**
 * The ATT&CK matrix: tactics as columns, a cell per (tactic, technique) that rules name together. Sigma tags do not
 * say which of a rule's techniques belongs to which of its tactics, so a rule's techniques are placed under each of
 * its tactics.
 */
export interface ReportMatrix {
  /** Columns in kill-chain order; `other` holds techniques of rules that name no tactic. */
  readonly tactics: readonly { readonly id: string; readonly name: string; readonly count: number }[];
  readonly cells: readonly ReportMatrixCell[];
  /** Detections of rules without any ATT&CK tag. */
  readonly untagged: number;
}

export interface ReportMatrixCell {
  readonly tactic: string;
  /** `T1059.001`; null for a rule that names the tactic but no technique. */
  readonly technique: string | null;
  readonly count: number;
  /** Indexes into `rules`, most detections first. */
  readonly rules: readonly number[];
}

export interface ReportDetections {
  /** Detections the hunt reported. */
  readonly total: number;
  /** Of them, those kept in full below: the most severe, and the first of each level. */
  readonly kept: number;
  /** Field values cut to `maxValueLength` characters, counted where they occur (the cut is marked in the value). */
  readonly truncatedValues: number;
  readonly maxValueLength: number;
  /** Field paths (`EventData.CommandLine`) and detail names (`CommandLine`). */
  readonly fields: readonly string[];
  /** Lists of fields, as indexes into `fields`. */
  readonly shapes: readonly (readonly number[])[];
  /** Every distinct value of the events, details, channels and sources. */
  readonly values: readonly ReportValue[];
  /** In time order. */
  readonly rows: readonly ReportRow[];
}

/** `[shape index, value index, value index, …]`: the n-th value is that of the shape's n-th field. */
export type FieldValues = readonly number[];

export interface ReportRow {
  readonly time: number | null;
  /** Index into `rules`. */
  readonly rule: number;
  /** Index into `hosts`, or -1. */
  readonly host: number;
  /** Index into `values`, or -1 (for the channel, record id and source). */
  readonly channel: number;
  readonly eventId: number | null;
  readonly recordId: number;
  /** The evidence file (and archive member). */
  readonly source: number;
  readonly offset: number | null;
  readonly details: FieldValues;
  readonly event: FieldValues;
  readonly correlation?: ReportCorrelation;
}

export interface ReportCorrelation {
  readonly type: string;
  readonly group: readonly (readonly [string, string | null])[];
  readonly value: number;
  readonly matchCount: number;
  readonly firstSeen: number;
  readonly values: readonly string[];
  readonly evidence: readonly {
    readonly rule: string;
    readonly time: number;
    readonly recordId: string | null;
    readonly computer: string | null;
    readonly file: string | null;
  }[];
}

/** Scoping's findings, normalised (see scope.ts for the input shape). */
export interface ReportScopeData {
  readonly incidents: readonly ReportIncidentData[];
  readonly nodes: readonly ReportNodeData[];
  readonly edges: readonly ReportEdgeData[];
  /** What the intrusion reached, as labelled figures or lists, or as a table of entries. */
  readonly reach: readonly ReportFact[];
  readonly reachTable: ReportTable | null;
  readonly logonSummary: ReportTable | null;
}

export interface ReportIncidentData {
  readonly id: string;
  readonly firstSeen: number | null;
  readonly lastSeen: number | null;
  readonly hosts: readonly string[];
  readonly accounts: readonly string[];
  readonly tactics: readonly string[];
  readonly severity: string | null;
  /** Key evidence, each as labelled facts (`time`, `rule`, `host`, …) or one line of text. */
  readonly evidence: readonly (readonly ReportFact[])[];
}

export interface ReportFact {
  readonly label: string;
  /** Text; a time is given in `time` instead. */
  readonly text: string;
  readonly time?: number;
}

/** Zones as scoping names them; any other name is kept as written. */
export type ZoneName = "IT" | "OT-DMZ" | "OT";

export interface ReportNodeData {
  readonly id: string;
  readonly label: string;
  readonly zone: string | null;
  readonly compromised: boolean;
  /** Further facts to show on selection (role, address…). */
  readonly facts: readonly ReportFact[];
}

export interface ReportEdgeData {
  readonly source: string;
  readonly target: string;
  readonly account: string | null;
  readonly method: string | null;
  readonly firstSeen: number | null;
  readonly lastSeen: number | null;
  readonly count: number;
  /** A move toward OT: into a zone closer to the plant (IT -> OT-DMZ -> OT), or one scoping listed as a crossing. */
  readonly crossing: boolean;
}

export interface ReportTable {
  readonly columns: readonly string[];
  /** The first rows (up to 2,000). */
  readonly rows: readonly (readonly string[])[];
  /** Rows in all. */
  readonly total: number;
}
