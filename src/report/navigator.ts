/**
 * An ATT&CK Navigator layer of the techniques a hunt saw (layer format 4.5, LAYERFORMATv4_5.md of
 * mitre-attack/attack-navigator): one technique entry per technique and tactic, scored by detections, with the rules
 * that saw it in the comment and the metadata.
 *
 * The `tactic` of an entry: the Navigator shows an entry with a tactic only where the technique sits under that
 * tactic in the ATT&CK version it loads, and without one under every tactic of the technique. Sigma tags do not say
 * which of a rule's tactics goes with which technique, so a tactic is written only when every rule naming the
 * technique names that one tactic alone, and never for Stealth or Defense Impairment, the two halves of the old
 * Defense Evasion (ATT&CK v19), whose techniques older tags cannot place in either.
 */
import type { ReportRule } from "./data.js";

export const LAYER_FORMAT_VERSION = "4.5";
/** The lowest Navigator release that reads layer format 4.5. */
export const NAVIGATOR_VERSION = "4.9.0";

export interface NavigatorLayer {
  readonly name: string;
  readonly versions: { readonly layer: string; readonly navigator: string };
  readonly domain: "enterprise-attack";
  readonly description: string;
  readonly sorting: number;
  readonly layout: { readonly layout: "side"; readonly showID: boolean; readonly showName: boolean };
  readonly hideDisabled: boolean;
  readonly techniques: readonly NavigatorTechnique[];
  readonly gradient: { readonly colors: readonly string[]; readonly minValue: number; readonly maxValue: number };
  readonly legendItems: readonly { readonly label: string; readonly color: string }[];
  readonly metadata: readonly { readonly name: string; readonly value: string }[];
}

export interface NavigatorTechnique {
  readonly techniqueID: string;
  readonly tactic?: string;
  readonly score: number;
  readonly comment: string;
  readonly enabled: boolean;
  readonly showSubtechniques: boolean;
  readonly metadata: readonly { readonly name: string; readonly value: string }[];
}

export interface LayerOptions {
  readonly name?: string;
  readonly description?: string;
}

const UNPLACEABLE_TACTICS = new Set(["stealth", "defense-impairment"]);
/** Rules named in a technique's comment; the rest are counted. */
const COMMENT_RULES = 10;
const TECHNIQUE_ID = /^T\d{4}(?:\.\d{3})?$/;

export function navigatorLayer(rules: readonly ReportRule[], options: LayerOptions = {}): NavigatorLayer {
  const byTechnique = new Map<string, ReportRule[]>();
  for (const rule of rules) {
    for (const technique of rule.techniques) {
      if (!TECHNIQUE_ID.test(technique)) continue;
      byTechnique.set(technique, [...(byTechnique.get(technique) ?? []), rule]);
    }
  }
  const techniques: NavigatorTechnique[] = [];
  for (const [techniqueID, seenBy] of [...byTechnique].sort((a, b) => compareIds(a[0], b[0]))) {
    const score = seenBy.reduce((n, r) => n + r.count, 0);
    const ordered = [...seenBy].sort((a, b) => b.count - a.count || a.title.localeCompare(b.title));
    const named = ordered.slice(0, COMMENT_RULES).map((r) => `${r.title} (${r.count})`);
    const more = ordered.length - named.length;
    const comment = `${score} ${score === 1 ? "detection" : "detections"}: ${named.join("; ")}${more > 0 ? `; and ${more} more rules` : ""}`;
    const tactic = soleTactic(seenBy);
    techniques.push({
      techniqueID,
      ...(tactic === null ? {} : { tactic }),
      score,
      comment,
      enabled: true,
      showSubtechniques: false,
      metadata: ordered.map((r) => ({ name: `${r.level} rule`, value: `${r.title} (${r.count})` })),
    });
  }
  const maxScore = techniques.reduce((m, t) => Math.max(m, t.score), 0);
  return {
    name: options.name ?? "Vigil hunt",
    versions: { layer: LAYER_FORMAT_VERSION, navigator: NAVIGATOR_VERSION },
    domain: "enterprise-attack",
    description: options.description ?? "Techniques of the Sigma rules that matched, scored by detections",
    sorting: 3,
    layout: { layout: "side", showID: true, showName: true },
    hideDisabled: false,
    techniques,
    // maxValue must exceed minValue, also for a hunt that found nothing.
    gradient: { colors: ["#fff3e0", "#ff9800", "#b71c1c"], minValue: 0, maxValue: Math.max(1, maxScore) },
    legendItems: [
      { label: "few detections", color: "#fff3e0" },
      { label: "many detections", color: "#b71c1c" },
    ],
    metadata: [{ name: "generator", value: "Vigil" }],
  };
}

function soleTactic(rules: readonly ReportRule[]): string | null {
  const tactics = new Set<string>();
  for (const r of rules) {
    if (r.tactics.length !== 1) return null;
    tactics.add(r.tactics[0]);
  }
  const [only] = tactics;
  return tactics.size === 1 && !UNPLACEABLE_TACTICS.has(only) ? only : null;
}

/** T1003 before T1003.001 before T1021. */
function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
