/**
 * Detections as JSON Lines, one object per detection with every field of its event: the machine-readable output
 * for a SIEM, jq or a later `vigil` step. Field values keep their JSON types (bigints were made decimal strings).
 */
import type { Detection, DetectionRuleInfo } from "../hunt/detection.js";
import type { DetectionWriter } from "./detection-writer.js";
import { openFileSink } from "./file-sink.js";
import { isoTime } from "./iso-time.js";

/** The object written for one detection: the detection with ISO times and without the rule's kind. */
export interface JsonDetection extends Omit<Detection, "timestamp" | "rule" | "correlation"> {
  readonly timestamp: string | null;
  readonly rule: Omit<DetectionRuleInfo, "kind">;
  readonly correlation?: JsonCorrelation;
}

type Correlation = NonNullable<Detection["correlation"]>;

/** A detection's correlation with its times, like every time in this output, as ISO-8601 UTC. */
export interface JsonCorrelation extends Omit<Correlation, "firstSeen" | "evidence"> {
  readonly firstSeen: string | null;
  readonly evidence: readonly (Omit<Correlation["evidence"][number], "timestamp"> & {
    readonly timestamp: string | null;
  })[];
}

export function jsonDetection(d: Detection): JsonDetection {
  const { id, title, level, tags, file } = d.rule;
  const source =
    d.source.member === undefined
      ? { file: d.source.file, offset: d.source.offset }
      : { file: d.source.file, member: d.source.member, offset: d.source.offset };
  return {
    timestamp: isoTime(d.timestamp),
    rule: { id, title, level, tags, file },
    computer: d.computer,
    channel: d.channel,
    eventId: d.eventId,
    recordId: d.recordId,
    source,
    details: d.details,
    event: d.event,
    ...(d.correlation === undefined ? {} : { correlation: jsonCorrelation(d.correlation) }),
  };
}

function jsonCorrelation(c: Correlation): JsonCorrelation {
  return {
    ...c,
    firstSeen: isoTime(c.firstSeen),
    evidence: c.evidence.map((e) => ({ ...e, timestamp: isoTime(e.timestamp) })),
  };
}

/** Writes detections to `path`, one JSON object per line. The file is created (or emptied) before this resolves. */
export async function createJsonOutWriter(path: string): Promise<DetectionWriter> {
  const sink = await openFileSink(path);
  let rows = 0;
  return {
    async write(detection: Detection): Promise<void> {
      await sink.write(`${JSON.stringify(jsonDetection(detection))}\n`);
      rows += 1;
    },
    close: () => sink.close(),
    get rows() {
      return rows;
    },
  };
}
