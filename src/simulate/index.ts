/**
 * `vigil simulate`: a critical-infrastructure Windows network's event logs with an intrusion inside, written as real
 * EVTX files with the ground truth beside them.
 *
 * Generation runs in ten-minute slices: the intrusion is planned first (a few hundred records, held in memory), then
 * each slice's background is generated, merged with the intrusion records of that time, sorted and appended to the
 * host's files. Only records of the current slice, and the few that run past its end, are held: memory stays flat
 * whatever the number of days.
 */
import { existsSync, mkdirSync, readdirSync } from "node:fs";
import { Recorder } from "./actions.js";
import { Background } from "./benign.js";
import { GroundTruthBuilder, writeAssets, writeGroundTruth } from "./ground-truth.js";
import { LogSet } from "./log-set.js";
import { buildNetwork, MAX_HOSTS, MIN_HOSTS } from "./network.js";
import { Random } from "./random.js";
import { compareRecords, type SimRecord } from "./sim-record.js";
import { planVoltTyphoon } from "./volt-typhoon.js";

export { LEGITIMATE_LOOKALIKES } from "./benign.js";
export type { GroundTruth, GroundTruthStep } from "./ground-truth.js";
export { MAX_HOSTS, MIN_HOSTS } from "./network.js";
export { STEP_IDS, type StepId } from "./volt-typhoon.js";

export const SCENARIOS = ["volt-typhoon"] as const;
export type Scenario = (typeof SCENARIOS)[number];

export const DEFAULT_SEED = 1;
export const DEFAULT_HOSTS = 12;
export const DEFAULT_DAYS = 3;
export const MAX_DAYS = 30;
/** A Monday, 00:00 UTC: every seed's logs start here, so a seed always gives the same files. */
export const DEFAULT_START = "2025-03-03T00:00:00Z";

export interface SimulationOptions {
  /** Folder to write to: created if missing, must be empty if it exists. */
  readonly outDir: string;
  readonly scenario?: Scenario;
  readonly seed?: number;
  readonly hosts?: number;
  readonly days?: number;
  /** Start of the logs (ISO-8601 UTC); default DEFAULT_START. */
  readonly start?: string;
  /** Called after each simulated slice (ten minutes) with the share done (0-1) and the events written so far. */
  readonly onProgress?: (done: number, events: number) => void;
}

export interface SimulationSummary {
  readonly outDir: string;
  readonly scenario: Scenario;
  readonly seed: number;
  readonly hosts: number;
  readonly days: number;
  readonly start: string;
  readonly end: string;
  readonly files: number;
  readonly events: number;
  readonly intrusionEvents: number;
  readonly steps: number;
  readonly bytes: number;
  readonly compromisedHosts: readonly string[];
  readonly compromisedAccounts: readonly string[];
}

const HOUR = 3_600_000;
/**
 * Background is generated in slices of ten minutes: short enough that a slice's records die young (with one-hour
 * slices they outlived the young generation, and garbage collection took a quarter of the time).
 */
const SLICE = 10 * 60_000;
/** How far before the start of its slice an act may log (a failed logon before the logon it precedes). */
const MAX_BACKDATE = 60_000;

export class SimulationError extends Error {}

function validate(options: SimulationOptions): { seed: number; hosts: number; days: number; start: number } {
  const seed = options.seed ?? DEFAULT_SEED;
  const hosts = options.hosts ?? DEFAULT_HOSTS;
  const days = options.days ?? DEFAULT_DAYS;
  if (!Number.isSafeInteger(seed) || seed < 0) throw new SimulationError("seed must be a whole number from 0");
  if (!Number.isInteger(hosts) || hosts < MIN_HOSTS || hosts > MAX_HOSTS) {
    throw new SimulationError(`hosts must be a whole number from ${MIN_HOSTS} to ${MAX_HOSTS}`);
  }
  if (!Number.isInteger(days) || days < 1 || days > MAX_DAYS) {
    throw new SimulationError(`days must be a whole number from 1 to ${MAX_DAYS}`);
  }
  const start = Date.parse(options.start ?? DEFAULT_START);
  if (Number.isNaN(start)) throw new SimulationError(`not a time: ${options.start}`);
  if ((options.scenario ?? "volt-typhoon") !== "volt-typhoon") {
    throw new SimulationError(`unknown scenario ${options.scenario} (known: ${SCENARIOS.join(", ")})`);
  }
  if (existsSync(options.outDir) && readdirSync(options.outDir).length > 0) {
    throw new SimulationError(`${options.outDir} is not empty: simulate into a new or empty folder`);
  }
  return { seed, hosts, days, start };
}

/** Writes the simulated evidence, its ground truth and asset list to `options.outDir`. */
export async function simulate(options: SimulationOptions): Promise<SimulationSummary> {
  const { seed, hosts, days, start } = validate(options);
  const end = start + days * 24 * HOUR;
  mkdirSync(options.outDir, { recursive: true });
  const random = Random.fromSeed(seed);
  const network = buildNetwork(hosts, random);
  // Long-running processes started at boot, the day before the logs begin.
  const recorder = new Recorder(network, random.fork("recorder"), start - 20 * HOUR);
  const intrusion = planVoltTyphoon(recorder, random, { start, end });
  const background = new Background(recorder, random, { start, end });
  const truth = new GroundTruthBuilder(intrusion.steps);
  const logs = new LogSet(options.outDir, network.hosts);

  let pending: SimRecord[] = [];
  let nextIntrusion = 0;
  const write = (record: SimRecord): void => {
    const ref = logs.write(record);
    for (const step of record.steps) truth.add(step, ref);
  };
  /** Writes, in time order, the pending and intrusion records before `until`. */
  const flush = (until: number): void => {
    pending.sort(compareRecords);
    const keep: SimRecord[] = [];
    for (const record of pending) {
      if (record.time >= until) {
        keep.push(record);
        continue;
      }
      while (nextIntrusion < intrusion.records.length && compareRecords(intrusion.records[nextIntrusion], record) < 0) {
        write(intrusion.records[nextIntrusion++]);
      }
      write(record);
    }
    while (nextIntrusion < intrusion.records.length && intrusion.records[nextIntrusion].time < until) {
      write(intrusion.records[nextIntrusion++]);
    }
    pending = keep;
  };

  try {
    for (let from = start; from < end; from += SLICE) {
      const to = Math.min(from + SLICE, end);
      recorder.sink = pending;
      background.generate(from, to);
      flush(to - MAX_BACKDATE);
      options.onProgress?.((to - start) / (end - start), logs.eventsWritten);
      // Let the event loop breathe between slices (progress output, signals).
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    flush(Number.POSITIVE_INFINITY);
  } finally {
    recorder.sink = [];
  }
  const totals = logs.close();
  const iso = (t: number): string => new Date(t).toISOString();
  writeGroundTruth(
    options.outDir,
    truth.build({
      seed,
      scenario: "volt-typhoon",
      window: { start: iso(start), end: iso(end) },
      intrusionWindow: { start: iso(intrusion.start), end: iso(intrusion.end) },
      externalAddresses: intrusion.externalAddresses,
      compromisedHosts: intrusion.compromisedHosts,
      compromisedAccounts: intrusion.compromisedAccounts,
    }),
  );
  writeAssets(options.outDir, network);
  return {
    outDir: options.outDir,
    scenario: "volt-typhoon",
    seed,
    hosts,
    days,
    start: iso(start),
    end: iso(end),
    files: totals.files,
    events: totals.events,
    intrusionEvents: intrusion.records.length,
    steps: intrusion.steps.length,
    bytes: totals.bytes,
    compromisedHosts: intrusion.compromisedHosts,
    compromisedAccounts: intrusion.compromisedAccounts,
  };
}
