/**
 * Matches as they travel from a worker to the main thread and wait there to be sorted: the fields the sort and the
 * two passes over the matches need (time, place, rule, whether it reports or feeds a correlation, and the digest the
 * summary's incidents take), with the detection itself kept as bytes (detection-codec: JSON text, or V8's
 * serialization) until an output needs it, or not kept at all when none will. A worker encodes a batch's detections
 * into one buffer that moves to the main thread without a copy; the main thread sorts by the keys, spills the bytes as
 * they are, and decodes each detection once, when it is emitted. (Cloning the detections, whole events each, into
 * objects in the main thread, then serializing them again to spill, kept the main thread as busy as a worker.)
 */
import type { DetectionDigest } from "../scope/incidents.js";
import type { Detection } from "./detection.js";
import { decodeDetection, encodeDetection, encodedLength, writeEncoding } from "./detection-codec.js";
import type { MatchRecord } from "./scan-file.js";

/** Where a detection falls in the output's order. */
export interface OrderKey {
  /** Ms since the epoch; null sorts last. */
  readonly timestamp: number | null;
  readonly file: string;
  /** Path inside an archive; "" for none. */
  readonly member: string;
  readonly offset: number | null;
}

export interface QueuedMatch extends OrderKey {
  readonly ruleIndex: number;
  readonly report: boolean;
  readonly consumed: boolean;
  /** What the summary's incidents take from the detection: always there, whether the detection is kept or not. */
  readonly digest: DetectionDigest;
  /**
   * The detection, or its serialization (from a worker, or read back from a sorted run); null when nothing wants it
   * (a hunt without outputs, for a rule no correlation names): such a hunt neither encodes nor sorts whole events.
   */
  readonly detection: Detection | Uint8Array | null;
}

/** A match without its detection: what the sort and the two passes over the matches read. */
export type MatchKey = Omit<QueuedMatch, "detection">;

/** A batch of matches for postMessage: keys as plain data, detections in one transferable buffer. */
export interface PackedBatch {
  readonly keys: readonly MatchKey[];
  readonly bytes: ArrayBuffer;
  /** Where each detection's bytes end in `bytes` (the first starts at 0). */
  readonly ends: Uint32Array;
}

export function orderKeyOf(d: Detection): OrderKey {
  return { timestamp: d.timestamp, file: d.source.file, member: d.source.member ?? "", offset: d.source.offset };
}

/** Time order; events without a time last; then by file, member and offset, so the order is the same every run. */
export function compareOrder(x: OrderKey, y: OrderKey): number {
  if (x.timestamp !== y.timestamp) {
    if (x.timestamp === null) return 1;
    if (y.timestamp === null) return -1;
    return x.timestamp - y.timestamp;
  }
  if (x.file !== y.file) return x.file < y.file ? -1 : 1;
  if (x.member !== y.member) return x.member < y.member ? -1 : 1;
  return (x.offset ?? 0) - (y.offset ?? 0);
}

export function compareQueued(a: QueuedMatch, b: QueuedMatch): number {
  return compareOrder(a, b) || a.ruleIndex - b.ruleIndex;
}

/**
 * The objects made for every match are written out field by field: on Node 20, a literal that spreads an object and
 * then adds a property (`{ ...key, detection }`) takes V8's slow path, over a microsecond per property added.
 */
function keyOf(m: MatchRecord): MatchKey {
  const { order } = m;
  return {
    timestamp: order.timestamp,
    file: order.file,
    member: order.member,
    offset: order.offset,
    ruleIndex: m.ruleIndex,
    report: m.report,
    consumed: m.consumed,
    digest: m.digest,
  };
}

/** A match's key with its detection (or the detection's bytes, or null when it is not kept). */
export function withDetection(key: MatchKey, detection: Detection | Uint8Array | null): QueuedMatch {
  return {
    timestamp: key.timestamp,
    file: key.file,
    member: key.member,
    offset: key.offset,
    ruleIndex: key.ruleIndex,
    report: key.report,
    consumed: key.consumed,
    digest: key.digest,
    detection,
  };
}

/** A match made in this thread, its detection kept as it is (when it is kept). */
export function queuedMatch(m: MatchRecord): QueuedMatch {
  return withDetection(keyOf(m), m.detection);
}

/** The match's detection; only for a match whose detection was kept (see MatchRecord.detection). */
export function detectionOfQueued(m: QueuedMatch): Detection {
  if (m.detection === null) throw new Error("the detection of this match was not kept");
  return m.detection instanceof Uint8Array ? decodeDetection(m.detection) : m.detection;
}

/** Detections not kept take no bytes: their `ends` entry repeats the one before. */
export function packBatch(batch: readonly MatchRecord[]): PackedBatch {
  const parts = batch.map((m) => (m.detection === null ? "" : encodeDetection(m.detection)));
  const ends = new Uint32Array(parts.length);
  let size = 0;
  parts.forEach((p, i) => {
    size += encodedLength(p);
    ends[i] = size;
  });
  const bytes = new ArrayBuffer(size);
  const view = Buffer.from(bytes);
  parts.forEach((p, i) => {
    writeEncoding(p, view, i === 0 ? 0 : (ends[i - 1] as number));
  });
  return { keys: batch.map(keyOf), bytes, ends };
}

export function unpackBatch(batch: PackedBatch): QueuedMatch[] {
  return batch.keys.map((key, i) => {
    const start = i === 0 ? 0 : (batch.ends[i - 1] as number);
    const end = batch.ends[i] as number;
    // An encoded detection is never empty (JSON text, or V8's serialization).
    return withDetection(key, end === start ? null : new Uint8Array(batch.bytes, start, end - start));
  });
}
