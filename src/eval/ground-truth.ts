/**
 * The ground truth `vigil simulate` writes beside its evidence (`ground-truth.json`): which records are the
 * intrusion, step by step, and which hosts and accounts it compromised. Read strictly: a score against a truth file
 * that was only half understood would be a false figure.
 */
import { readFile } from "node:fs/promises";

export interface TruthRecord {
  /** The evidence file, relative to the simulation folder, with `/` separators. */
  readonly file: string;
  readonly recordId: string;
}

export interface TruthStep {
  readonly id: string;
  readonly technique: string;
  readonly tactic?: string;
  readonly description?: string;
  readonly host: string;
  readonly records: readonly TruthRecord[];
}

export interface GroundTruth {
  readonly seed?: number;
  readonly steps: readonly TruthStep[];
  readonly compromisedHosts: readonly string[];
  readonly compromisedAccounts: readonly string[];
}

function fail(file: string, what: string): never {
  throw new Error(`${file}: not a ground-truth file: ${what}`);
}

function stringList(file: string, value: unknown, what: string): string[] {
  if (!Array.isArray(value) || value.some((v) => typeof v !== "string"))
    fail(file, `${what} must be a list of strings`);
  return value as string[];
}

export async function readGroundTruth(file: string): Promise<GroundTruth> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, "utf8"));
  } catch (e) {
    throw new Error(`${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (typeof parsed !== "object" || parsed === null) fail(file, "expected an object");
  const root = parsed as Record<string, unknown>;
  if (!Array.isArray(root.steps)) fail(file, "no steps");
  const steps = root.steps.map((s: unknown, i: number): TruthStep => {
    if (typeof s !== "object" || s === null) fail(file, `step ${i} is not an object`);
    const step = s as Record<string, unknown>;
    for (const key of ["id", "technique", "host"]) {
      if (typeof step[key] !== "string") fail(file, `step ${i} has no ${key}`);
    }
    if (!Array.isArray(step.records)) fail(file, `step ${i} has no records`);
    const records = step.records.map((r: unknown, j: number): TruthRecord => {
      const record = (typeof r === "object" && r !== null ? r : {}) as Record<string, unknown>;
      const id = record.recordId;
      if (typeof record.file !== "string" || (typeof id !== "string" && typeof id !== "number")) {
        fail(file, `step ${i} record ${j} needs file and recordId`);
      }
      return { file: record.file.replaceAll("\\", "/"), recordId: String(id) };
    });
    return {
      id: step.id as string,
      technique: step.technique as string,
      host: step.host as string,
      records,
      ...(typeof step.tactic === "string" ? { tactic: step.tactic } : {}),
      ...(typeof step.description === "string" ? { description: step.description } : {}),
    };
  });
  return {
    ...(typeof root.seed === "number" ? { seed: root.seed } : {}),
    steps,
    compromisedHosts: stringList(file, root.compromisedHosts ?? [], "compromisedHosts"),
    compromisedAccounts: stringList(file, root.compromisedAccounts ?? [], "compromisedAccounts"),
  };
}
