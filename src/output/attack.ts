/**
 * MITRE ATT&CK in Sigma tags: `attack.<tactic>`, `attack.t1059.001` (technique), `attack.g0035` (group),
 * `attack.s0002` (software). Older rules spell tactics with underscores (`attack.credential_access`), newer ones with
 * hyphens; both are read. ATT&CK v19 (SigmaHQ tags 2.1) renamed TA0005 Defense Evasion to Stealth and added
 * TA0112 Defense Impairment: `attack.defense-evasion` counts as Stealth.
 */

export interface Tactic {
  /** The tactic's tag name, hyphenated: `credential-access`. */
  readonly id: string;
  readonly name: string;
  /** Hayabusa's abbreviation for the MitreTactics column (config/mitre_tactics.txt). */
  readonly abbreviation: string;
}

/** Every tactic, in kill-chain order. */
export const TACTICS: readonly Tactic[] = [
  { id: "reconnaissance", name: "Reconnaissance", abbreviation: "Recon" },
  { id: "resource-development", name: "Resource Development", abbreviation: "ResDev" },
  { id: "initial-access", name: "Initial Access", abbreviation: "InitAccess" },
  { id: "execution", name: "Execution", abbreviation: "Exec" },
  { id: "persistence", name: "Persistence", abbreviation: "Persis" },
  { id: "privilege-escalation", name: "Privilege Escalation", abbreviation: "PrivEsc" },
  { id: "stealth", name: "Stealth (Defense Evasion)", abbreviation: "Stealth" },
  { id: "defense-impairment", name: "Defense Impairment", abbreviation: "DefImpair" },
  { id: "credential-access", name: "Credential Access", abbreviation: "CredAccess" },
  { id: "discovery", name: "Discovery", abbreviation: "Disc" },
  { id: "lateral-movement", name: "Lateral Movement", abbreviation: "LatMov" },
  { id: "collection", name: "Collection", abbreviation: "Collect" },
  { id: "command-and-control", name: "Command and Control", abbreviation: "C2" },
  { id: "exfiltration", name: "Exfiltration", abbreviation: "Exfil" },
  { id: "impact", name: "Impact", abbreviation: "Impact" },
];

const BY_ID = new Map<string, Tactic>(TACTICS.map((t) => [t.id, t]));
const ALIASES = new Map<string, string>([["defense-evasion", "stealth"]]);

/** Technique (t1234, t1234.001), group (g0035) and software (s0002) identifiers. */
const ATTACK_ID = /^[tgs]\d{4}(?:\.\d{3})?$/;

/**
 * Tags already read, with their tactic: a hunt asks twice per tag of every detection (the summary's tactics and the
 * incident's), and the tags are those of its rules. Bounded all the same: cleared past TAGS_REMEMBERED.
 */
const tacticsOfTags = new Map<string, Tactic | null>();
const TAGS_REMEMBERED = 10_000;

/** The tactic a tag names (`attack.defense_evasion` -> Stealth), or null when it names none. */
export function tacticOf(tag: string): Tactic | null {
  let tactic = tacticsOfTags.get(tag);
  if (tactic === undefined) {
    const name = attackName(tag);
    const id = name?.replace(/_/g, "-");
    tactic = id === undefined ? null : (BY_ID.get(ALIASES.get(id) ?? id) ?? null);
    if (tacticsOfTags.size >= TAGS_REMEMBERED) tacticsOfTags.clear();
    tacticsOfTags.set(tag, tactic);
  }
  return tactic;
}

/** Position of a tactic in the kill chain (Reconnaissance 0 … Impact 14). */
export function killChainRank(tactic: Tactic): number {
  return TACTICS.indexOf(tactic);
}

export interface SplitTags {
  /** Distinct tactics, in tag order. */
  readonly tactics: readonly Tactic[];
  /** Techniques, groups and software as ATT&CK writes them: `T1059.001`, `G0035`, `S0002`. */
  readonly attackIds: readonly string[];
  /** Every other tag, as written (`car.2016-04-002`, `detection.emerging-threats`, an unknown `attack.x`). */
  readonly other: readonly string[];
}

export function splitTags(tags: readonly string[]): SplitTags {
  const tactics: Tactic[] = [];
  const attackIds: string[] = [];
  const other: string[] = [];
  for (const tag of tags) {
    const tactic = tacticOf(tag);
    if (tactic !== null) {
      if (!tactics.includes(tactic)) tactics.push(tactic);
      continue;
    }
    const name = attackName(tag);
    if (name !== null && ATTACK_ID.test(name)) {
      const id = name.toUpperCase();
      if (!attackIds.includes(id)) attackIds.push(id);
      continue;
    }
    other.push(tag);
  }
  return { tactics, attackIds, other };
}

function attackName(tag: string): string | null {
  const lower = tag.trim().toLowerCase();
  return lower.startsWith("attack.") ? lower.slice("attack.".length) : null;
}
