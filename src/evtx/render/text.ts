/** Rendering records as the text formats of `vigil dump`, as UTF-8. */
import type { ChunkRecord } from "../record.js";
import type { EvtxRecord } from "../types.js";
import { stringifyJson } from "./json.js";
import { JsonByteWriter } from "./json-bytes.js";

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

const NEWLINE = 0x0a;

/** One writer per thread, reused for every chunk (see JsonByteWriter.takePages). */
const out = new JsonByteWriter(1 << 20);

/** A chunk's records in `format`, as UTF-8 bytes in pages. */
export function renderChunk(records: readonly ChunkRecord[], format: TextFormat): Buffer[] {
  for (const r of records) {
    if (format === "jsonl") r.writeJson(out);
    else out.text(format === "json" ? stringifyJson(r.toJson(), 2) : r.toXml());
    out.byte(NEWLINE);
  }
  return out.takePages();
}
