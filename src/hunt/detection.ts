/**
 * A detection as every output sees it: one rule (detection or correlation) matching one event (or, for a
 * correlation, a window of events), in plain data (JSON-shaped: what --json-out writes) that crosses worker threads
 * and temporary files in V8's serialization.
 */

export type Level = "informational" | "low" | "medium" | "high" | "critical";

export const LEVELS: readonly Level[] = ["informational", "low", "medium", "high", "critical"];

/** Rank of a level for comparisons (`--min-level`, `--fail-on`): informational 0 … critical 4. */
export function levelRank(level: Level): number {
  return LEVELS.indexOf(level);
}

export interface DetectionRuleInfo {
  readonly id: string | null;
  readonly title: string;
  /** The rule's level; a rule without one counts as `medium`. */
  readonly level: Level;
  readonly tags: readonly string[];
  /** The rule file. */
  readonly file: string;
  readonly kind: "detection" | "correlation";
}

/** A field value in JSON form: bigints become decimal strings. */
export type PlainValue = string | number | boolean | null | readonly PlainValue[];

export interface Detection {
  /** Milliseconds since the epoch (UTC); null when the event has no usable time. */
  readonly timestamp: number | null;
  readonly rule: DetectionRuleInfo;
  readonly computer: string | null;
  readonly channel: string | null;
  readonly eventId: number | null;
  readonly recordId: string | null;
  readonly source: { readonly file: string; readonly member?: string; readonly offset: number | null };
  /** The fields that matter for this kind of event (command line, user, logon type…), by short name. */
  readonly details: Readonly<Record<string, string>>;
  /** Every field of the event, by flat path (`EventData.CommandLine`). Empty for correlations. */
  readonly event: Readonly<Record<string, PlainValue>>;
  /** For a correlation: its group, the value that met the condition, and the window. */
  readonly correlation?: {
    readonly type: string;
    readonly group: Readonly<Record<string, string | null>>;
    readonly value: number;
    readonly matchCount: number;
    readonly firstSeen: number;
    readonly values?: readonly string[];
    /** The detections of the window (the first few), as rule title + record id + computer + evidence file. */
    readonly evidence: readonly {
      readonly rule: string;
      readonly timestamp: number;
      readonly recordId: string | null;
      readonly computer: string | null;
      readonly file?: string;
    }[];
  };
}
