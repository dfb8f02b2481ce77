/**
 * Scoring a hunt against a simulation's ground truth: which intrusion steps were detected, how many detections fell
 * on benign events, per 100,000 benign events (the rate a responder lives with). A detection is true when its
 * event is one of the truth's records; a correlation alert when any event of its window is.
 */
import { relative, resolve, sep } from "node:path";
import type { Detection, Level } from "../hunt/detection.js";
import type { ScopeReport } from "../scope/index.js";
import type { GroundTruth, TruthStep } from "./ground-truth.js";

export interface StepScore {
  readonly id: string;
  readonly technique: string;
  readonly host: string;
  readonly records: number;
  readonly detected: boolean;
  /** Detections on the step's records (correlation alerts included). */
  readonly detections: number;
  /** Titles of the rules that fired on it. */
  readonly rules: readonly string[];
}

export interface RuleTally {
  readonly title: string;
  readonly level: Level;
  count: number;
}

export interface EvalScore {
  readonly steps: readonly StepScore[];
  readonly stepsDetected: number;
  /** Detected steps / steps. */
  readonly recall: number;
  readonly events: number;
  readonly truthRecords: number;
  readonly benignEvents: number;
  readonly detections: number;
  readonly truePositives: number;
  readonly falsePositives: number;
  readonly falsePositivesPer100k: number;
  /** The rules behind the false positives, most first. */
  readonly falsePositiveRules: readonly RuleTally[];
}

interface StepTally {
  readonly step: TruthStep;
  detections: number;
  readonly rules: Set<string>;
}

export class Scorer {
  private readonly root: string;
  /** `file \0 recordId` -> the steps that record belongs to. */
  private readonly byRecord = new Map<string, StepTally[]>();
  private readonly tallies: StepTally[];
  private readonly fpRules = new Map<string, RuleTally>();
  private detections = 0;
  private truePositives = 0;
  private falsePositives = 0;

  /** `root`: the simulation folder the truth's file names are relative to. */
  constructor(
    private readonly truth: GroundTruth,
    root: string,
  ) {
    this.root = resolve(root);
    this.tallies = truth.steps.map((step) => ({ step, detections: 0, rules: new Set<string>() }));
    for (const tally of this.tallies) {
      for (const r of tally.step.records) {
        const key = `${r.file}\0${r.recordId}`;
        const list = this.byRecord.get(key);
        if (list === undefined) this.byRecord.set(key, [tally]);
        else if (!list.includes(tally)) list.push(tally);
      }
    }
  }

  /** A detection's evidence file as the truth names it: relative to the simulation folder, `/`-separated. */
  private keyOf(file: string, recordId: string | null): string | null {
    if (recordId === null) return null;
    return `${relative(this.root, resolve(file)).split(sep).join("/")}\0${recordId}`;
  }

  add(d: Detection): void {
    this.detections++;
    const keys: (string | null)[] = [];
    if (d.correlation !== undefined) {
      for (const e of d.correlation.evidence) if (e.file !== undefined) keys.push(this.keyOf(e.file, e.recordId));
    } else {
      keys.push(this.keyOf(d.source.file, d.recordId));
    }
    const hit = new Set<StepTally>();
    for (const key of keys) {
      if (key === null) continue;
      for (const tally of this.byRecord.get(key) ?? []) hit.add(tally);
    }
    if (hit.size === 0) {
      this.falsePositives++;
      const key = `${d.rule.file}\0${d.rule.title}`;
      const tally = this.fpRules.get(key);
      if (tally === undefined) this.fpRules.set(key, { title: d.rule.title, level: d.rule.level, count: 1 });
      else tally.count++;
      return;
    }
    this.truePositives++;
    for (const tally of hit) {
      tally.detections++;
      tally.rules.add(d.rule.title);
    }
  }

  /** `events`: every event the hunt read. */
  finish(events: number): EvalScore {
    const truthRecords = this.byRecord.size;
    const benignEvents = Math.max(0, events - truthRecords);
    const steps = this.tallies.map(
      (t): StepScore => ({
        id: t.step.id,
        technique: t.step.technique,
        host: t.step.host,
        records: t.step.records.length,
        detected: t.detections > 0,
        detections: t.detections,
        rules: [...t.rules].sort(),
      }),
    );
    const stepsDetected = steps.filter((s) => s.detected).length;
    return {
      steps,
      stepsDetected,
      recall: steps.length === 0 ? 1 : stepsDetected / steps.length,
      events,
      truthRecords,
      benignEvents,
      detections: this.detections,
      truePositives: this.truePositives,
      falsePositives: this.falsePositives,
      falsePositivesPer100k: benignEvents === 0 ? 0 : (this.falsePositives / benignEvents) * 100_000,
      falsePositiveRules: [...this.fpRules.values()].sort((a, b) => b.count - a.count),
    };
  }

  get groundTruth(): GroundTruth {
    return this.truth;
  }
}

/** How well scoping found the intrusion's extent: the main incident's hosts and accounts against the truth's. */
export interface ScopeScore {
  readonly incidents: number;
  /** The incident compared: the most severe. */
  readonly incident: string | null;
  readonly hosts: SetScore;
  readonly accounts: SetScore;
  /** A crossing into the OT zone is listed for that incident. */
  readonly otCrossingFlagged: boolean;
  /** The movement graph's edges are listed in time order of their first sighting. */
  readonly edgesInTimeOrder: boolean;
}

export interface SetScore {
  readonly found: readonly string[];
  readonly expected: readonly string[];
  readonly precision: number;
  readonly recall: number;
}

function setScore(found: readonly string[], expected: readonly string[]): SetScore {
  const key = (s: string): string => s.toLowerCase();
  const want = new Set(expected.map(key));
  const got = new Set(found.map(key));
  const hits = [...got].filter((x) => want.has(x)).length;
  return {
    found,
    expected,
    precision: got.size === 0 ? 0 : hits / got.size,
    recall: want.size === 0 ? 1 : hits / want.size,
  };
}

export function scoreScope(truth: GroundTruth, report: ScopeReport): ScopeScore {
  const main = [...report.incidents].sort((a, b) => b.severity - a.severity)[0];
  const firstSeen = report.graph.edges.map((e) => e.firstSeen);
  return {
    incidents: report.incidents.length,
    incident: main?.id ?? null,
    hosts: setScore(main?.hosts ?? [], truth.compromisedHosts),
    accounts: setScore(main?.accounts ?? [], truth.compromisedAccounts),
    otCrossingFlagged:
      main !== undefined && report.otCrossings.some((c) => c.targetZone === "OT" && c.incidents.includes(main.id)),
    edgesInTimeOrder: firstSeen.every((t, i) => i === 0 || t === null || (firstSeen[i - 1] ?? "") <= t),
  };
}
