/** Rendering records as the text formats of `vigil dump`. */
import type { EvtxRecord } from "../types.js";
import { stringifyJson } from "./json.js";

export type TextFormat = "jsonl" | "json" | "xml";

export function renderRecord(record: EvtxRecord, format: TextFormat): string {
  switch (format) {
    case "jsonl":
      return `${record.toJsonText()}\n`;
    case "json":
      return `${stringifyJson(record.toJson(), 2)}\n`;
    case "xml":
      return `${record.toXml()}\n`;
  }
}

export function renderChunk(records: readonly EvtxRecord[], format: TextFormat): string {
  const parts: string[] = [];
  for (const r of records) parts.push(renderRecord(r, format));
  return parts.join("");
}
