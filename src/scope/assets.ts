/**
 * The asset inventory of `--assets FILE.csv`: one line per host, `host,zone,role[,criticality]`, zones IT, OT-DMZ and
 * OT (the Purdue model's enterprise zone, the industrial DMZ between them, and the plant). A header line is
 * recognised (and may put the columns in another order), blank lines and `#` comments are skipped, cells may be
 * quoted, names and zones are matched without regard to case, and a host may be written as a short name, an FQDN or
 * an IP address. A bad line is reported with its number and left out; reading never fails.
 */
import { readFile } from "node:fs/promises";
import { hostKey, parseAddress } from "./names.js";

export type Zone = "IT" | "OT-DMZ" | "OT";

/** Zones from the outside in: an edge toward a higher rank crosses toward the plant. */
export const ZONES: readonly Zone[] = ["IT", "OT-DMZ", "OT"];

export function zoneRank(zone: Zone): number {
  return ZONES.indexOf(zone);
}

export interface Asset {
  /** As written in the file. */
  readonly host: string;
  /** Host key or address, as scoping matches it. */
  readonly key: string;
  readonly zone: Zone;
  readonly role: string;
  readonly criticality: string | null;
  /** Why the role makes it tier 0 (`domain controller`), or null. */
  readonly tier0: string | null;
  readonly line: number;
}

export interface AssetInventory {
  readonly file: string;
  readonly assets: readonly Asset[];
}

export interface AssetProblem {
  readonly file: string;
  /** 1-based; 0 for a problem of the whole file. */
  readonly line: number;
  readonly reason: string;
}

export interface AssetReadResult {
  readonly inventory: AssetInventory;
  readonly problems: readonly AssetProblem[];
}

const ZONE_NAMES = new Map<string, Zone>([
  ["it", "IT"],
  ["ot-dmz", "OT-DMZ"],
  ["otdmz", "OT-DMZ"],
  ["idmz", "OT-DMZ"],
  ["ot", "OT"],
]);

const COLUMN_NAMES: Readonly<Record<string, "host" | "zone" | "role" | "criticality">> = {
  host: "host",
  hostname: "host",
  "host name": "host",
  computer: "host",
  name: "host",
  zone: "zone",
  role: "role",
  criticality: "criticality",
};

/** Roles that hold the keys to everything: domain controllers, hypervisor managers, backup servers. */
const TIER0_ROLES: readonly (readonly [RegExp, string])[] = [
  [/\bdomain[\s_-]*controllers?\b|^dc$|^pdc$|\bactive[\s_-]*directory\b/, "domain controller"],
  [/\bv-?center\b|\bvcsa\b|\bhypervisor\b|\besxi?\b|\bhyper-v\b|\bscvmm\b|\bproxmox\b/, "hypervisor manager"],
  [/\bbackups?\b|\bveeam\b/, "backup server"],
];

/** Why a role is tier 0, or null. */
export function tier0Role(role: string): string | null {
  const lower = role.trim().toLowerCase();
  for (const [pattern, reason] of TIER0_ROLES) if (pattern.test(lower)) return reason;
  return null;
}

/** The zone a cell names (`ot_dmz`, `OT DMZ`, `it`), or null. */
export function parseZone(text: string): Zone | null {
  return (
    ZONE_NAMES.get(
      text
        .trim()
        .toLowerCase()
        .replace(/[\s_]+/g, "-"),
    ) ?? null
  );
}

/** Splits one CSV line: commas, double-quoted cells with `""` for a quote. Null when a quote is left open. */
function cells(line: string): string[] | null {
  const out: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"' && cell.trim() === "") {
      cell = "";
      quoted = true;
    } else if (c === ",") {
      out.push(cell.trim());
      cell = "";
    } else cell += c;
  }
  if (quoted) return null;
  out.push(cell.trim());
  return out;
}

/** The key an inventory host is matched by: its address, or its host key. */
export function assetKey(host: string): string | null {
  return parseAddress(host) ?? hostKey(host);
}

export function parseAssets(text: string, file = "<assets>"): AssetReadResult {
  const problems: AssetProblem[] = [];
  const assets: Asset[] = [];
  const byKey = new Map<string, Asset>();
  let columns: readonly ("host" | "zone" | "role" | "criticality" | null)[] = ["host", "zone", "role", "criticality"];
  let sawContent = false;
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const lineNumber = i + 1;
    const raw = lines[i];
    if (raw.trim() === "" || raw.trimStart().startsWith("#")) continue;
    const row = cells(raw);
    const problem = (reason: string): void => {
      problems.push({ file, line: lineNumber, reason });
    };
    if (row === null) {
      problem("unclosed quote");
      continue;
    }
    if (!sawContent) {
      sawContent = true;
      const header = row.map((c) => COLUMN_NAMES[c.toLowerCase()] ?? null);
      if (header[0] !== null && header.includes("zone")) {
        if (!header.includes("host") || !header.includes("role")) {
          problem("header needs host, zone and role columns");
          return { inventory: { file, assets }, problems };
        }
        columns = header;
        continue;
      }
    }
    const value = (name: "host" | "zone" | "role" | "criticality"): string => {
      const at = columns.indexOf(name);
      return at < 0 ? "" : (row[at] ?? "");
    };
    if (row.length < 3) {
      problem(`expected host,zone,role[,criticality], found ${row.length} ${row.length === 1 ? "column" : "columns"}`);
      continue;
    }
    const host = value("host");
    const key = assetKey(host);
    if (key === null) {
      problem(host === "" ? "no host name" : `not a host name or address: ${JSON.stringify(host)}`);
      continue;
    }
    const zone = parseZone(value("zone"));
    if (zone === null) {
      problem(`unknown zone ${JSON.stringify(value("zone"))} (expected IT, OT-DMZ or OT)`);
      continue;
    }
    const role = value("role");
    const criticality = value("criticality");
    const asset: Asset = {
      host,
      key,
      zone,
      role,
      criticality: criticality === "" ? null : criticality,
      tier0: tier0Role(role),
      line: lineNumber,
    };
    const prior = byKey.get(key);
    if (prior !== undefined) {
      problem(
        `${host} is already listed on line ${prior.line}${prior.zone === zone ? "" : ` in zone ${prior.zone}`}; this line is ignored`,
      );
      continue;
    }
    byKey.set(key, asset);
    assets.push(asset);
  }
  return { inventory: { file, assets }, problems };
}

/** Reads the inventory file; an unreadable file is a problem (line 0) and an empty inventory, never an exception. */
export async function readAssets(file: string): Promise<AssetReadResult> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    return { inventory: { file, assets: [] }, problems: [{ file, line: 0, reason }] };
  }
  return parseAssets(text, file);
}

/** Looks hosts and addresses up in an inventory. */
export class AssetIndex {
  private readonly byKey = new Map<string, Asset>();

  constructor(inventory: AssetInventory | undefined) {
    for (const a of inventory?.assets ?? []) this.byKey.set(a.key, a);
  }

  get size(): number {
    return this.byKey.size;
  }

  /** The asset of a host key or address (each of `keys` tried in turn: a host, then its addresses). */
  lookup(...keys: readonly (string | null)[]): Asset | undefined {
    for (const k of keys) {
      if (k === null) continue;
      const asset = this.byKey.get(k);
      if (asset !== undefined) return asset;
    }
    return undefined;
  }
}
