/**
 * Events that arrive as JSON in the evtx_dump shape (`{"Event": {"System": …, "EventData": …}}`, with
 * `#attributes` and `#text`) as the same flat field view the EVTX reader gives: attributes become child paths,
 * `#text` the element's own path, so a rule reads `EventData.CommandLine` whichever way the event came in.
 */
import type { FieldValue, FieldView, JsonValue } from "../evtx/types.js";
import { isJsonObject as isObject, type JsonObject, mapFieldView } from "./field-map.js";

function flatten(obj: JsonObject, prefix: string, out: Map<string, FieldValue>): void {
  const at = (key: string): string => (prefix === "" ? key : `${prefix}.${key}`);
  for (const [key, value] of Object.entries(obj)) {
    if (key === "#attributes" && isObject(value)) {
      for (const [name, v] of Object.entries(value)) out.set(at(name), v as FieldValue);
    } else if (key === "#text") {
      if (prefix !== "") out.set(prefix, value as FieldValue);
    } else if (isObject(value)) {
      flatten(value, at(key), out);
    } else {
      out.set(at(key), value as FieldValue);
    }
  }
}

/** The flat field view of one evtx_dump-shaped event; null when the object has no `Event`. */
export function fieldsFromEvtxJson(event: JsonValue): FieldView | null {
  if (!isObject(event) || !isObject(event.Event)) return null;
  const map = new Map<string, FieldValue>();
  flatten(event.Event, "", map);
  return mapFieldView(map);
}
