/**
 * An incident's severity: a score from 0 to 100 and the level it maps to, with the reasons that made it. Points for
 * the worst detection (critical 40, high 30, medium 20, low 10), for how many high and critical detections there are
 * (up to 10, logarithmic), for the breadth of tactics reached (4 each, up to 24), for every host beyond the first,
 * detected or reached (3 each, up to 15), for a tier-0 host touched (15), for the OT-DMZ (10) or OT (20) zone
 * touched and for an edge crossing toward the plant (10). Levels: 80 critical, 60 high, 40 medium, 20 low.
 */
import type { Level } from "../hunt/detection.js";
import type { Zone } from "./assets.js";

export interface SeverityInput {
  readonly maxLevel: Level;
  readonly highOrCritical: number;
  readonly tactics: number;
  /** Hosts with detections plus hosts reached. */
  readonly hosts: number;
  readonly tier0: readonly string[];
  readonly zones: ReadonlySet<Zone>;
  readonly crossings: number;
}

export interface Severity {
  readonly score: number;
  readonly level: Level;
  readonly reasons: readonly string[];
}

const LEVEL_POINTS: Readonly<Record<Level, number>> = { informational: 0, low: 10, medium: 20, high: 30, critical: 40 };

export function scoreIncident(input: SeverityInput): Severity {
  const reasons: string[] = [];
  let score = LEVEL_POINTS[input.maxLevel];
  reasons.push(`worst detection ${input.maxLevel}`);
  if (input.highOrCritical > 0) {
    score += Math.min(10, Math.round(3 * Math.log2(1 + input.highOrCritical)));
    reasons.push(`${input.highOrCritical} high or critical ${input.highOrCritical === 1 ? "detection" : "detections"}`);
  }
  if (input.tactics > 0) {
    score += Math.min(24, 4 * input.tactics);
    reasons.push(`${input.tactics} ATT&CK ${input.tactics === 1 ? "tactic" : "tactics"}`);
  }
  if (input.hosts > 1) {
    score += Math.min(15, 3 * (input.hosts - 1));
    reasons.push(`${input.hosts} hosts`);
  }
  if (input.tier0.length > 0) {
    score += 15;
    reasons.push(`tier-0 touched: ${input.tier0.join(", ")}`);
  }
  if (input.zones.has("OT")) {
    score += 20;
    reasons.push("OT zone touched");
  } else if (input.zones.has("OT-DMZ")) {
    score += 10;
    reasons.push("OT-DMZ touched");
  }
  if (input.crossings > 0) {
    score += 10;
    reasons.push(`${input.crossings} ${input.crossings === 1 ? "crossing" : "crossings"} toward OT`);
  }
  score = Math.min(100, score);
  const level: Level =
    score >= 80 ? "critical" : score >= 60 ? "high" : score >= 40 ? "medium" : score >= 20 ? "low" : "informational";
  return { score, level, reasons };
}
