/**
 * Which JSON shape an event object has, and its flat field view on the EVTX reader's paths, so a Sigma rule reads
 * `EventData.CommandLine` whether the event came from an .evtx file, evtx_dump, Winlogbeat or NXLog.
 */
import type { FieldView, JsonValue } from "../evtx/types.js";
import { isJsonObject, type JsonObject } from "./field-map.js";
import { fieldsFromFlatEvent, isFlatEvent } from "./flat-fields.js";
import { fieldsFromEvtxJson } from "./json-fields.js";
import { fieldsFromWinlogbeat, isWinlogbeatEvent } from "./winlogbeat-fields.js";

export type JsonEventShape =
  | "evtx-json" // evtx_dump: {"Event": {"System": …, "EventData": …}} with #attributes/#text
  | "winlogbeat" // Winlogbeat/ECS: {"@timestamp", "winlog": {…}, "host": …}
  | "flat"; // NXLog / Security-Datasets: top-level EventID, Channel, Hostname, … and the event data beside them

/**
 * The event object inside `value`: the value itself, or the `_source` of an Elasticsearch hit (exports of an index,
 * `{"_index", "_id", "_source": {…}}`).
 */
function eventObject(value: JsonValue): JsonObject | null {
  if (!isJsonObject(value)) return null;
  if (isJsonObject(value._source) && (typeof value._index === "string" || typeof value._id === "string")) {
    return value._source;
  }
  return value;
}

export function jsonEventShape(value: JsonValue): JsonEventShape | null {
  const obj = eventObject(value);
  if (obj === null) return null;
  if (isJsonObject(obj.Event)) return "evtx-json";
  if (isWinlogbeatEvent(obj)) return "winlogbeat";
  if (isFlatEvent(obj)) return "flat";
  return null;
}

/** The flat field view of one JSON event of any known shape; null when `value` is none of them. */
export function fieldsFromJsonEvent(value: JsonValue): FieldView | null {
  const obj = eventObject(value);
  if (obj === null) return null;
  switch (jsonEventShape(obj)) {
    case "evtx-json":
      return fieldsFromEvtxJson(obj);
    case "winlogbeat":
      return fieldsFromWinlogbeat(obj);
    case "flat":
      return fieldsFromFlatEvent(obj);
    case null:
      return null;
  }
}
