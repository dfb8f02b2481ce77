/**
 * A detection as bytes, for the trip from a worker to the main thread and for the sort's runs on disk: JSON text
 * when JSON gives the detection back exactly, which is nearly always (its values are texts, finite numbers, booleans,
 * nulls and lists of them), else V8's serialization. The first byte tells them apart: V8's starts with its version
 * tag (0xFF), which UTF-8 text never holds.
 *
 * Why JSON first: over the corpus's 12,018 detections (two passes), V8's serialization, one buffer per detection,
 * took 30-34 µs a detection and left 80-90 MiB of the allocator's memory behind (buffers grown a piece at a time);
 * JSON text written into a block took 15-20 µs and left none. Read back, 6-8 µs against 9-14 µs.
 */
import { deserialize, serialize } from "node:v8";
import type { Detection } from "./detection.js";

const V8_VERSION_TAG = 0xff;

/** A detection ready to be written: its JSON text, or V8's serialization of it when JSON would change it. */
export type DetectionEncoding = string | Uint8Array;

export function encodeDetection(d: Detection): DetectionEncoding {
  return jsonExact(d, 0) ? JSON.stringify(d) : serialize(d);
}

/** The bytes an encoding takes once written. */
export function encodedLength(e: DetectionEncoding): number {
  return typeof e === "string" ? Buffer.byteLength(e, "utf8") : e.length;
}

/** At least `encodedLength(e)`, without reading the text: UTF-8 takes at most three bytes a UTF-16 unit. */
export function encodedLengthBound(e: DetectionEncoding): number {
  return typeof e === "string" ? 3 * e.length : e.length;
}

/** Writes the encoding into `into` at `at`, which has room for it; returns the bytes written. */
export function writeEncoding(e: DetectionEncoding, into: Buffer, at: number): number {
  if (typeof e === "string") return into.write(e, at, "utf8");
  into.set(e, at);
  return e.length;
}

export function decodeDetection(bytes: Uint8Array): Detection {
  if (bytes[0] === V8_VERSION_TAG) return deserialize(bytes) as Detection;
  return JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8")) as Detection;
}

/**
 * Deep enough for any detection: events nested deeper are refused when read (MAX_JSON_DEPTH, 100) and flattened;
 * past it, V8's serialization is used rather than recursing further.
 */
const MAX_DEPTH = 200;

/**
 * Whether JSON keeps `value` as it is: no undefined (JSON drops it), no NaN, infinity or -0 (JSON writes null or 0),
 * no bigint, function or symbol, no holes in arrays, and only plain objects and arrays.
 */
function jsonExact(value: unknown, depth: number): boolean {
  switch (typeof value) {
    case "string":
    case "boolean":
      return true;
    case "number":
      return Number.isFinite(value) && !Object.is(value, -0);
    case "object": {
      if (value === null) return true;
      if (depth >= MAX_DEPTH) return false;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          if (!(i in value) || !jsonExact(value[i], depth + 1)) return false;
        }
        return true;
      }
      if (Object.getPrototypeOf(value) !== Object.prototype) return false;
      const record = value as Record<string, unknown>;
      for (const key in record) {
        if (!jsonExact(record[key], depth + 1)) return false;
      }
      return true;
    }
    default:
      return false;
  }
}
