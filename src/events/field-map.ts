/**
 * Building flat field views from parsed JSON: the one flattening every JSON shape shares (nested keys joined with
 * dots), and the map-backed FieldView the mappers hand out.
 */
import { MapFieldView } from "../evtx/render/fields.js";
import type { FieldValue, FieldView, JsonValue } from "../evtx/types.js";

export type JsonObject = { [key: string]: JsonValue };

export function isJsonObject(v: JsonValue | undefined): v is JsonObject {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/**
 * A JSON value as a field value. FieldValue has no objects: an object inside an array (rare in event exports) is
 * kept as its JSON text so nothing is lost.
 */
export function fieldValueOf(v: JsonValue): FieldValue {
  if (Array.isArray(v)) return v.map((item) => (isJsonObject(item) ? JSON.stringify(item) : fieldValueOf(item)));
  if (isJsonObject(v)) return JSON.stringify(v);
  return v;
}

/** Every leaf of `obj` under `prefix`, nested keys joined with dots (`host.os.name`), in document order. */
export function flattenJson(obj: JsonObject, prefix: string, out: Map<string, FieldValue>): void {
  for (const [key, value] of Object.entries(obj)) {
    const path = prefix === "" ? key : `${prefix}.${key}`;
    if (isJsonObject(value)) flattenJson(value, path, out);
    else out.set(path, fieldValueOf(value));
  }
}

export function mapFieldView(map: ReadonlyMap<string, FieldValue>): FieldView {
  return new MapFieldView(map);
}

/**
 * An integer written as a number or as decimal digits (exports disagree: Winlogbeat 8 writes `event_id` as a
 * string); anything else is returned unchanged so no value is lost.
 */
export function integerValue(v: FieldValue): FieldValue {
  if (typeof v === "string" && /^-?\d{1,15}$/.test(v)) return Number(v);
  return v;
}

/** A GUID as the EVTX renderer writes System GUIDs: uppercase, without braces. */
export function systemGuid(v: FieldValue): FieldValue {
  if (typeof v !== "string") return v;
  const m = /^\{?([0-9a-fA-F-]{36})\}?$/.exec(v);
  return m === null ? v : m[1].toUpperCase();
}

/**
 * Keywords as the EVTX renderer writes them (unpadded lowercase hex). Collectors write the 64-bit mask as a signed
 * decimal (NXLog: -9214364837600034816) or an unsigned decimal string; the masks have only high bits set, so a
 * JSON number carries them exactly.
 */
export function keywordsHex(v: FieldValue): FieldValue {
  let n: bigint;
  if (typeof v === "number" && Number.isInteger(v)) n = BigInt(v);
  else if (typeof v === "string" && /^-?\d{1,20}$/.test(v)) n = BigInt(v);
  else return v;
  return `0x${BigInt.asUintN(64, n).toString(16)}`;
}
