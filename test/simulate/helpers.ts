/** Shared by the simulator's tests: a simulation into a temporary folder, and its files read back with Vigil's reader. */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { readEvtxFile } from "../../src/evtx/index.js";
import type { Damage, FieldValue } from "../../src/evtx/types.js";
import {
  type GroundTruth,
  type SimulationOptions,
  type SimulationSummary,
  simulate,
} from "../../src/simulate/index.js";

export interface Simulated {
  readonly dir: string;
  readonly summary: SimulationSummary;
  readonly truth: GroundTruth;
}

const created: string[] = [];

/** A temporary folder for a test, removed by `removeTemporary`. */
export function temporaryFolder(): string {
  const dir = mkdtempSync(join(tmpdir(), "vigil-sim-"));
  created.push(dir);
  return dir;
}

/** Removes the folders this test file made (a simulation is tens of megabytes). */
export function removeTemporary(): void {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export async function simulateInto(options: Omit<SimulationOptions, "outDir">): Promise<Simulated> {
  const dir = join(temporaryFolder(), "out");
  const summary = await simulate({ ...options, outDir: dir });
  const truth = JSON.parse(readFileSync(join(dir, "ground-truth.json"), "utf8")) as GroundTruth;
  return { dir, summary, truth };
}

/** Every `*.evtx` under `dir`, relative with forward slashes, sorted. */
export function evtxFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, e.name);
      if (e.isDirectory()) walk(path);
      else if (e.name.endsWith(".evtx")) out.push(relative(dir, path).split("\\").join("/"));
    }
  };
  walk(dir);
  return out.sort();
}

export interface ReadRecord {
  readonly recordId: number;
  readonly timestamp: string;
  /** Every field, flat (`System.EventID`, `EventData.CommandLine`, `UserData.EventXML.Param1`…). */
  readonly fields: ReadonlyMap<string, FieldValue>;
}

export interface ReadFile {
  readonly records: readonly ReadRecord[];
  readonly damage: readonly Damage[];
}

/** One file read back with Vigil's reader, every field materialised. */
export async function readBack(path: string): Promise<ReadFile> {
  const reader = readEvtxFile(path, { threads: 1 });
  const records: ReadRecord[] = [];
  for await (const r of reader) {
    records.push({ recordId: r.recordId, timestamp: r.timestamp, fields: new Map(r.fields.entries()) });
  }
  return { records, damage: reader.damage };
}

/** A field by the last part of its path (`CommandLine`, `Param3`), whatever wraps it. */
export function field(record: ReadRecord, name: string): FieldValue | undefined {
  for (const [path, value] of record.fields) {
    if (path === name || path.endsWith(`.${name}`)) return value;
  }
  return undefined;
}

export function text(record: ReadRecord, name: string): string {
  const v = field(record, name);
  if (v === undefined) return "";
  return typeof v === "string" ? v : JSON.stringify(v, (_key, x) => (typeof x === "bigint" ? x.toString() : x));
}

export function eventId(record: ReadRecord): number {
  return Number(record.fields.get("System.EventID"));
}
