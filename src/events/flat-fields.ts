/**
 * Flat events, one JSON object per event with the System values as top-level keys beside the event's data: the
 * shape of NXLog's im_msvistalog (EventTime, Hostname, SourceName, RecordNumber, ProcessID, …), which is how the
 * Security-Datasets (Mordor) collections are written, and of similar exports (Computer, TimeCreated, ProviderName,
 * EventRecordID). System values go to the EVTX reader's System paths; every other top-level key is `EventData.<key>`.
 */
import type { FieldValue, FieldView } from "../evtx/types.js";
import {
  fieldValueOf,
  flattenJson,
  integerValue,
  isJsonObject,
  type JsonObject,
  keywordsHex,
  mapFieldView,
  systemGuid,
} from "./field-map.js";
import { parseTime } from "./time.js";

type Convert = (v: FieldValue) => FieldValue;
const same: Convert = (v) => v;

const TIME = "System.TimeCreated.SystemTime";

/**
 * EVTX System path <- top-level keys (first present wins), in the order of the System element. NXLog writes the
 * numeric Task and Opcode as TaskValue/OpcodeValue (its Task/Opcode may be the display names) and, in some
 * versions, Execution's IDs as ExecutionProcessID/ExecutionThreadID. The time is chosen by `eventTime`.
 */
const SYSTEM: readonly (readonly [string, readonly string[], Convert])[] = [
  ["System.Provider.Name", ["SourceName", "ProviderName"], same],
  ["System.Provider.Guid", ["ProviderGuid"], systemGuid],
  ["System.EventID", ["EventID"], integerValue],
  ["System.Version", ["Version"], integerValue],
  ["System.Task", ["TaskValue", "Task"], integerValue],
  ["System.Opcode", ["OpcodeValue"], integerValue],
  ["System.Keywords", ["Keywords"], keywordsHex],
  [TIME, [], same],
  ["System.EventRecordID", ["RecordNumber", "EventRecordID"], integerValue],
  ["System.Correlation.ActivityID", ["ActivityID"], systemGuid],
  ["System.Correlation.RelatedActivityID", ["RelatedActivityID"], systemGuid],
  ["System.Execution.ProcessID", ["ProcessID", "ExecutionProcessID"], integerValue],
  ["System.Execution.ThreadID", ["ThreadID", "ExecutionThreadID"], integerValue],
  ["System.Channel", ["Channel"], same],
  ["System.Computer", ["Hostname", "Computer"], same],
  ["System.Security.UserID", ["UserID"], same],
];

/**
 * Where the event's time may be. NXLog's EventTime is the collector's local time, with no zone in older versions
 * (`2020-08-06 01:23:59`) while `@timestamp` (added by Logstash) is UTC: a time that names its zone is taken
 * first, in this order, and a zoneless one, read as UTC, only when no other is there.
 */
const TIME_KEYS = ["TimeCreated", "EventTime", "@timestamp"] as const;

export function isFlatEvent(obj: JsonObject): boolean {
  const id = obj.EventID;
  return typeof id === "number" || (typeof id === "string" && /^\d+$/.test(id));
}

export function fieldsFromFlatEvent(obj: JsonObject): FieldView {
  const out = new Map<string, FieldValue>();
  const consumed = new Set<string>();
  for (const [path, keys, convert] of SYSTEM) {
    if (path === TIME) {
      const time = eventTime(obj);
      if (time === null) continue;
      out.set(path, time.iso);
      consumed.add(time.key);
      continue;
    }
    const key = keys.find((k) => obj[k] !== undefined && !isJsonObject(obj[k]));
    if (key === undefined) continue;
    out.set(path, convert(fieldValueOf(obj[key])));
    consumed.add(key);
  }
  for (const [key, value] of Object.entries(obj)) {
    if (consumed.has(key)) continue;
    if (isJsonObject(value)) flattenJson(value, `EventData.${key}`, out);
    else out.set(`EventData.${key}`, fieldValueOf(value));
  }
  return mapFieldView(out);
}

/** The key holding the event's time, and that time as ISO-8601 UTC (kept as written when it already is). */
function eventTime(obj: JsonObject): { key: string; iso: string } | null {
  let zoneless: { key: string; iso: string } | null = null;
  for (const key of TIME_KEYS) {
    const text = obj[key];
    if (typeof text !== "string") continue;
    const time = parseTime(text);
    if (time === null) continue;
    const iso = /Z$/i.test(text.trim()) && text.includes("T") ? text.trim() : new Date(time.ms).toISOString();
    if (time.zoned) return { key, iso };
    zoneless ??= { key, iso };
  }
  return zoneless;
}
