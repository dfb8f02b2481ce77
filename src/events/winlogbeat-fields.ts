/**
 * Winlogbeat / Elastic Common Schema events (`{"@timestamp", "winlog": {"channel", "event_id", "event_data": …},
 * "host": …}`) on the EVTX reader's flat paths. Winlogbeat keeps the event's own fields under `winlog`: those become
 * the System, EventData and UserData paths a record read from the .evtx has; every other key (ECS `host.name`,
 * `event.code`, `process.command_line`, `@timestamp`) stays under its own dotted name.
 *
 * Nested objects and keys already written dotted (`"winlog.event_data.CommandLine"`, as some exports flatten
 * documents) are read the same way, since both are flattened before mapping.
 */
import type { FieldValue, FieldView } from "../evtx/types.js";
import { flattenJson, integerValue, isJsonObject, type JsonObject, mapFieldView, systemGuid } from "./field-map.js";

/** Winlogbeat path -> EVTX System path, in the order of the System element, with the conversion of its value. */
const SYSTEM: readonly (readonly [string, string, (v: FieldValue) => FieldValue])[] = [
  ["winlog.provider_name", "System.Provider.Name", (v) => v],
  ["winlog.provider_guid", "System.Provider.Guid", systemGuid],
  ["winlog.event_id", "System.EventID", integerValue],
  ["winlog.version", "System.Version", integerValue],
  ["@timestamp", "System.TimeCreated.SystemTime", (v) => v],
  ["winlog.record_id", "System.EventRecordID", integerValue],
  ["winlog.activity_id", "System.Correlation.ActivityID", systemGuid],
  ["winlog.related_activity_id", "System.Correlation.RelatedActivityID", systemGuid],
  ["winlog.process.pid", "System.Execution.ProcessID", integerValue],
  ["winlog.process.thread.id", "System.Execution.ThreadID", integerValue],
  ["winlog.channel", "System.Channel", (v) => v],
  ["winlog.computer_name", "System.Computer", (v) => v],
  ["winlog.user.identifier", "System.Security.UserID", (v) => v],
];

/** Keys mapped to System paths that are ECS fields in their own right, so they stay under their own name too. */
const ECS_KEPT = new Set(["@timestamp", "host.name"]);

const EVENT_DATA = "winlog.event_data.";
const USER_DATA = "winlog.user_data.";
/** Winlogbeat names the UserData root element (`<LogFileCleared>`) in this key rather than nesting under it. */
const USER_DATA_ROOT = "winlog.user_data.xml_name";

export function isWinlogbeatEvent(obj: JsonObject): boolean {
  return isJsonObject(obj.winlog) || "winlog.channel" in obj || "winlog.event_id" in obj;
}

export function fieldsFromWinlogbeat(obj: JsonObject): FieldView {
  const flat = new Map<string, FieldValue>();
  flattenJson(obj, "", flat);
  const out = new Map<string, FieldValue>();
  const consumed = new Set<string>();
  for (const [from, to, convert] of SYSTEM) {
    let source = from;
    let value = flat.get(from);
    if (value === undefined && to === "System.Computer") {
      source = "host.name";
      value = flat.get(source);
    }
    if (value === undefined) continue;
    out.set(to, convert(value));
    if (!ECS_KEPT.has(source)) consumed.add(source);
  }
  const root = flat.get(USER_DATA_ROOT);
  const userPrefix = typeof root === "string" && root !== "" ? `UserData.${root}.` : "UserData.";
  for (const [key, value] of flat) {
    if (key.startsWith(EVENT_DATA)) out.set(`EventData.${key.slice(EVENT_DATA.length)}`, value);
    else if (key.startsWith(USER_DATA) && key !== USER_DATA_ROOT)
      out.set(userPrefix + key.slice(USER_DATA.length), value);
    else if (key !== USER_DATA_ROOT) continue;
    consumed.add(key);
  }
  for (const [key, value] of flat) if (!consumed.has(key) && !out.has(key)) out.set(key, value);
  return mapFieldView(out);
}
