/** The terminal report of `vigil eval`: detection per intrusion step, recall, and the false-positive rate. */
import type { EvalScore, ScopeScore } from "../eval/score.js";
import { fitToWidth, sanitizeForTerminal } from "./terminal.js";

export interface EvalReportOptions {
  readonly color: boolean;
}

const paint = (on: boolean, code: number, text: string): string => (on ? `\u001b[${code}m${text}\u001b[0m` : text);

export function renderEvalScore(score: EvalScore, options: EvalReportOptions): string {
  const { color } = options;
  const lines: string[] = [];
  lines.push("Intrusion steps");
  const idWidth = Math.min(34, Math.max(4, ...score.steps.map((s) => s.id.length)));
  for (const s of score.steps) {
    const mark = s.detected ? paint(color, 32, "detected") : paint(color, 31, "MISSED  ");
    const rules = s.rules.map(sanitizeForTerminal).join("; ");
    lines.push(
      `  ${mark}  ${fitToWidth(sanitizeForTerminal(s.id), idWidth)}  ${fitToWidth(s.technique, 10)}  ${fitToWidth(
        sanitizeForTerminal(s.host),
        18,
      )}  ${String(s.detections).padStart(4)} det.  ${fitToWidth(rules, 60)}`,
    );
  }
  const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
  lines.push("");
  lines.push(`Steps detected:        ${score.stepsDetected} of ${score.steps.length} (recall ${pct(score.recall)})`);
  lines.push(
    `Events:                ${score.events} (${score.truthRecords} intrusion records, ${score.benignEvents} benign)`,
  );
  lines.push(
    `Detections:            ${score.detections} (${score.truePositives} on the intrusion, ${score.falsePositives} false positives)`,
  );
  lines.push(`False positives:       ${score.falsePositivesPer100k.toFixed(2)} per 100,000 benign events`);
  if (score.falsePositiveRules.length > 0) {
    lines.push("False positives by rule:");
    for (const r of score.falsePositiveRules.slice(0, 10)) {
      lines.push(`  ${String(r.count).padStart(6)}  ${fitToWidth(r.level, 13)} ${sanitizeForTerminal(r.title)}`);
    }
  }
  return `${lines.join("\n")}\n`;
}

/** The scoping lines of `vigil eval`: the main incident's hosts and accounts against the truth's. */
export function renderScopeScore(score: ScopeScore): string {
  const pr = (s: ScopeScore["hosts"]): string =>
    `precision ${s.precision.toFixed(2)}, recall ${s.recall.toFixed(2)} (${s.found.length} found, ${s.expected.length} in the truth)`;
  const lines = [
    `Scope:                 ${score.incidents} incident(s); compared: ${score.incident ?? "none"}`,
    `  hosts:               ${pr(score.hosts)}`,
    `  accounts:            ${pr(score.accounts)}`,
    `  crossing toward OT:  ${score.otCrossingFlagged ? "flagged" : "NOT flagged"}`,
    `  edges in time order: ${score.edgesInTimeOrder ? "yes" : "NO"}`,
  ];
  return `${lines.map(sanitizeForTerminal).join("\n")}\n`;
}
