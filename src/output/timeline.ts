/**
 * The detection timeline in Hayabusa's column profiles (config/profiles.yaml), as CSV (`.csv`) or one JSON object
 * per row (`.jsonl`) with the same columns and the same text. Rows come in the caller's order (sorted by time).
 */
import { basename, extname } from "node:path";
import type { Detection, PlainValue } from "../hunt/detection.js";
import { splitTags } from "./attack.js";
import { csvRow } from "./csv.js";
import { cutText, detailEntries, fieldLabel, fieldText, isDataField, isNamespaceDeclaration } from "./details.js";
import type { DetectionWriter } from "./detection-writer.js";
import { openFileSink } from "./file-sink.js";
import { isoTime } from "./iso-time.js";

export type TimelineProfile = "standard" | "verbose" | "all-field-info";

export const TIMELINE_PROFILES: readonly TimelineProfile[] = ["standard", "verbose", "all-field-info"];

export type TimelineColumn =
  | "Timestamp"
  | "RuleTitle"
  | "Level"
  | "Computer"
  | "Channel"
  | "EventID"
  | "MitreTactics"
  | "MitreTags"
  | "OtherTags"
  | "RecordID"
  | "Details"
  | "ExtraFieldInfo"
  | "AllFieldInfo"
  | "RuleFile"
  | "RuleID"
  | "EvtxFile";

/** The columns every profile starts with. */
const LEAD: readonly TimelineColumn[] = ["Timestamp", "RuleTitle", "Level", "Computer", "Channel", "EventID"];

export const TIMELINE_COLUMNS: Readonly<Record<TimelineProfile, readonly TimelineColumn[]>> = {
  standard: [...LEAD, "RecordID", "Details", "ExtraFieldInfo", "RuleID"],
  verbose: [
    ...LEAD,
    "MitreTactics",
    "MitreTags",
    "OtherTags",
    "RecordID",
    "Details",
    "ExtraFieldInfo",
    "RuleFile",
    "RuleID",
    "EvtxFile",
  ],
  "all-field-info": [...LEAD, "RecordID", "AllFieldInfo", "RuleID"],
};

export type TimelineFormat = "csv" | "jsonl";

/** Hayabusa's separator between `Key: value` pairs and between tags. */
export const FIELD_SEPARATOR = " ¦ ";

/** Excel holds at most 32,767 characters in a cell; a longer one is cut with a marker. */
const MAX_CELL_CHARS = 32_000;

/** The format a timeline path asks for, by its extension; throws for any other. */
export function timelineFormat(path: string): TimelineFormat {
  const ext = extname(path).toLowerCase();
  if (ext === ".csv") return "csv";
  if (ext === ".jsonl") return "jsonl";
  throw new Error(`timeline ${path}: the file name must end in .csv or .jsonl`);
}

/** A row's cells by column: the profile's columns, in its order. */
export type TimelineRow = { [C in TimelineColumn]?: string };

/** One row of the timeline, by column, in the profile's column order. */
export function timelineRow(detection: Detection, profile: TimelineProfile): TimelineRow {
  const row: TimelineRow = {};
  const tags = splitTags(detection.rule.tags);
  for (const column of TIMELINE_COLUMNS[profile]) row[column] = cutText(cell(column, detection, tags), MAX_CELL_CHARS);
  return row;
}

/**
 * Writes detections to `path` (`.csv` or `.jsonl`) in `profile`'s columns. The file is created (or emptied) before
 * this resolves; a CSV has its header row even when no detection follows.
 */
export async function createTimelineWriter(path: string, profile: TimelineProfile): Promise<DetectionWriter> {
  const format = timelineFormat(path);
  const columns = TIMELINE_COLUMNS[profile];
  const sink = await openFileSink(path);
  if (format === "csv") await sink.write(csvRow(columns));
  let rows = 0;
  return {
    async write(detection: Detection): Promise<void> {
      const row = timelineRow(detection, profile);
      await sink.write(format === "csv" ? csvRow(columns.map((c) => row[c] ?? "")) : `${JSON.stringify(row)}\n`);
      rows += 1;
    },
    close: () => sink.close(),
    get rows() {
      return rows;
    },
  };
}

function cell(column: TimelineColumn, d: Detection, tags: ReturnType<typeof splitTags>): string {
  switch (column) {
    case "Timestamp":
      return isoTime(d.timestamp) ?? "";
    case "RuleTitle":
      return d.rule.title;
    case "Level":
      return d.rule.level;
    case "Computer":
      return d.computer ?? "";
    case "Channel":
      return d.channel ?? "";
    case "EventID":
      return d.eventId === null ? "" : String(d.eventId);
    case "MitreTactics":
      return tags.tactics.map((t) => t.abbreviation).join(FIELD_SEPARATOR);
    case "MitreTags":
      return tags.attackIds.join(FIELD_SEPARATOR);
    case "OtherTags":
      return tags.other.join(FIELD_SEPARATOR);
    case "RecordID":
      return d.recordId ?? "";
    case "Details":
      return pairs(Object.entries(d.details));
    case "ExtraFieldInfo":
      return pairs([...correlationPairs(d), ...extraFields(d)]);
    case "AllFieldInfo":
      return pairs([...correlationPairs(d), ...allFields(d.event)]);
    case "RuleFile":
      return basename(d.rule.file);
    case "RuleID":
      return d.rule.id ?? "";
    case "EvtxFile":
      // Archive members are named as the evidence reader names nested ones: joined with `!/`.
      return d.source.member === undefined ? d.source.file : `${d.source.file}!/${d.source.member}`;
  }
}

/** The event data the Details column does not show already. */
function extraFields(d: Detection): [string, string][] {
  const shown = new Set(detailEntries(d.event, d.channel, d.eventId).map((e) => e.path));
  const out: [string, string][] = [];
  for (const [path, value] of Object.entries(d.event)) {
    if (isDataField(path) && !shown.has(path)) out.push([fieldLabel(path), fieldText(value)]);
  }
  return out;
}

function allFields(event: Readonly<Record<string, PlainValue>>): [string, string][] {
  const out: [string, string][] = [];
  for (const [path, value] of Object.entries(event)) {
    if (!isNamespaceDeclaration(path)) out.push([fieldLabel(path), fieldText(value)]);
  }
  return out;
}

/** A correlation has no event of its own: its type, value and group stand in for the event's fields. */
function correlationPairs(d: Detection): [string, string][] {
  const c = d.correlation;
  if (c === undefined) return [];
  const out: [string, string][] = [
    ["CorrelationType", c.type],
    ["Value", String(c.value)],
    ["Matches", String(c.matchCount)],
    ["FirstSeen", isoTime(c.firstSeen) ?? ""],
  ];
  for (const [key, value] of Object.entries(c.group)) out.push([key, value ?? ""]);
  if (c.values !== undefined && c.values.length > 0) out.push(["Values", fieldText(c.values)]);
  return out;
}

function pairs(entries: readonly (readonly [string, string])[]): string {
  return entries.map(([key, value]) => `${key}: ${value}`).join(FIELD_SEPARATOR);
}
