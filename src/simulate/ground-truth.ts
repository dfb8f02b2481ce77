/**
 * What the simulation knows and a hunt must find: `ground-truth.json`, every record of every intrusion step, the
 * hosts the intruder executed on or logged on to, the accounts it used; and `assets.csv`, the asset inventory a
 * defender would hold (zone, role, criticality, address).
 *
 * Conventions: hosts are named as System.Computer names them (FQDN, e.g. `DC01.corp.local`); accounts as
 * `DOMAIN\user` (e.g. `CORP\adm.jmiller`); files relative to the output folder with forward slashes.
 */
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { WrittenRef } from "./log-set.js";
import type { Network } from "./network.js";

export interface StepDefinition {
  /** Stable identifier, the same for every seed (e.g. `ntdsutil-ifm`). */
  readonly id: string;
  /** ATT&CK technique, e.g. `T1003.003`. */
  readonly technique: string;
  /** ATT&CK tactic, e.g. `credential-access`. */
  readonly tactic: string;
  readonly description: string;
  /** Computer name of the host the step's main activity happens on. */
  readonly host: string;
}

export interface GroundTruthStep extends StepDefinition {
  readonly records: readonly WrittenRef[];
}

export interface GroundTruth {
  readonly seed: number;
  readonly scenario: string;
  readonly window: { readonly start: string; readonly end: string };
  /** First and last record time of the intrusion. */
  readonly intrusionWindow: { readonly start: string; readonly end: string };
  /** The intruder's addresses outside the network (SOHO routers, VPS). */
  readonly externalAddresses: readonly string[];
  readonly steps: readonly GroundTruthStep[];
  readonly compromisedHosts: readonly string[];
  readonly compromisedAccounts: readonly string[];
}

/** Collects the records of each step as they are written. */
export class GroundTruthBuilder {
  private readonly records = new Map<string, WrittenRef[]>();

  constructor(private readonly steps: readonly StepDefinition[]) {
    for (const s of steps) this.records.set(s.id, []);
  }

  add(step: string, ref: WrittenRef): void {
    const list = this.records.get(step);
    if (list === undefined) throw new Error(`record of unknown step ${step}`);
    list.push(ref);
  }

  build(fields: Omit<GroundTruth, "steps">): GroundTruth {
    const steps = this.steps.map((s) => ({ ...s, records: this.records.get(s.id) ?? [] }));
    const empty = steps.filter((s) => s.records.length === 0).map((s) => s.id);
    if (empty.length > 0) throw new Error(`intrusion steps without records: ${empty.join(", ")}`);
    return { ...fields, steps };
  }
}

export function writeGroundTruth(outDir: string, truth: GroundTruth): void {
  writeFileSync(join(outDir, "ground-truth.json"), `${JSON.stringify(truth, null, 2)}\n`);
}

/** `host,zone,role,criticality,ip`, one line per host with logs, in the network's order. */
export function assetsCsv(network: Network): string {
  const lines = ["host,zone,role,criticality,ip"];
  for (const h of network.hosts) lines.push(`${h.fqdn},${h.zone},${h.role},${h.criticality},${h.ip}`);
  return `${lines.join("\n")}\n`;
}

export function writeAssets(outDir: string, network: Network): void {
  writeFileSync(join(outDir, "assets.csv"), assetsCsv(network));
}
