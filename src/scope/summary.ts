/**
 * The scope section of the hunt's terminal summary: incidents (worst first), hosts reached with no detection, crossings
 * toward OT, tier-0 hosts touched, failure bursts. Lines fit in 100 columns; host, account and rule names come from
 * evidence, so they pass through sanitizeForTerminal before they are measured or shown.
 */
import pc from "picocolors";
import type { Level } from "../hunt/detection.js";
import { TACTICS } from "../output/attack.js";
import {
  displayWidth,
  SUMMARY_INDENT,
  SUMMARY_WIDTH,
  sanitizeForTerminal,
  truncateToWidth,
} from "../output/terminal.js";
import type { ScopeReport } from "./report.js";

export interface ScopeSummaryOptions {
  readonly color: boolean;
  /** Incidents shown. Default 5. */
  readonly incidents?: number;
  /** Lines per list (reach, crossings, tier 0, bursts). Default 10. */
  readonly top?: number;
}

const HANG = "           ";

type Paint = (text: string) => string;

/** The section as lines (no trailing newlines), starting with a blank line. Empty when there is nothing to scope. */
export function renderScopeSummary(report: ScopeReport, options: ScopeSummaryOptions): string[] {
  const c = pc.createColors(options.color);
  const level: Record<Level, Paint> = {
    critical: (t) => c.bold(c.red(t)),
    high: c.red,
    medium: c.yellow,
    low: c.green,
    informational: c.gray,
  };
  const top = options.top ?? 10;
  const lines: string[] = [];
  const text = (t: string): string => sanitizeForTerminal(t);
  const line = (indent: string, body: string): void => {
    lines.push(indent + truncateToWidth(body, SUMMARY_WIDTH - displayWidth(indent)));
  };
  const heading = (t: string): void => {
    lines.push("", c.bold(t));
  };
  const more = (shown: number, total: number): void => {
    if (total > shown) lines.push(`${SUMMARY_INDENT}… and ${total - shown} more`);
  };
  const list = (items: readonly string[], max: number): string => {
    const shown = items.slice(0, max).map(text).join(", ");
    return items.length > max ? `${shown} (+${items.length - max})` : shown;
  };

  const { incidents, graph, reach, otCrossings, tier0Touched, logonSummary } = report;
  const hostsInGraph = new Set<string>();
  for (const e of graph.edges) {
    hostsInGraph.add(e.source);
    hostsInGraph.add(e.target);
  }
  if (incidents.length === 0 && graph.edges.length === 0 && logonSummary.failureBursts.length === 0) return [];
  heading(
    `Scope: ${plural(incidents.length, "incident")}, ${plural(graph.edges.length, "lateral-movement edge")} ` +
      `between ${plural(hostsInGraph.size, "host")}`,
  );

  const worst = [...incidents].sort((a, b) => b.severity - a.severity || a.id.localeCompare(b.id));
  const shownIncidents = worst.slice(0, options.incidents ?? 5);
  for (const i of shownIncidents) {
    const span = i.firstSeen === null ? "no time" : `${i.firstSeen} .. ${i.lastSeen ?? "?"}`;
    const head = `${i.id}  ${i.severityLevel} ${i.severity}`;
    lines.push(
      SUMMARY_INDENT +
        level[i.severityLevel](head) +
        truncateToWidth(
          `  ${span}  ${plural(i.hosts.length, "host")}, ${plural(i.accounts.length, "account")}`,
          SUMMARY_WIDTH - SUMMARY_INDENT.length - displayWidth(head),
        ),
    );
    const tactics = TACTICS.filter((t) => i.tactics.includes(t.id)).map((t) => t.abbreviation);
    if (tactics.length > 0) line(HANG, tactics.join(" > "));
    if (i.hosts.length > 0) line(HANG, `hosts: ${list(i.hosts, 6)}`);
    if (i.accounts.length > 0) line(HANG, `accounts: ${list(i.accounts, 6)}`);
    const flagged = i.reached.length;
    if (flagged > 0) line(HANG, `reached: ${list(i.reached, 6)}`);
    const worstEvidence = i.evidence[0];
    if (worstEvidence !== undefined) {
      line(
        HANG,
        `top: ${text(worstEvidence.rule)} on ${text(worstEvidence.host ?? "?")} at ${worstEvidence.time ?? "?"}`,
      );
    }
  }
  more(shownIncidents.length, incidents.length);

  const unseen = reach.filter((r) => r.flag !== null);
  if (unseen.length > 0) {
    heading(`Reached, no detection: collect more evidence (${unseen.length})`);
    for (const r of unseen.slice(0, top)) {
      const account = r.account === null ? "" : ` as ${text(r.account)}`;
      const logs = r.logs ? "" : " (no logs read)";
      line(
        SUMMARY_INDENT,
        `${r.incident}  ${text(r.host)}${logs} <- ${text(r.from)} by ${r.method}${account} at ${r.at ?? "?"}`,
      );
    }
    more(Math.min(top, unseen.length), unseen.length);
  }

  if (otCrossings.length > 0) {
    // Crossings by an incident's accounts from its hosts first (the way the intruder went), then others from its
    // hosts, then the rest (approved jump paths look the same in logs: a responder checks them against the allowed).
    const accountsOf = new Map(incidents.map((i) => [i.id, new Set(i.accounts)]));
    const byIncidentAccount = (x: (typeof otCrossings)[number]): boolean =>
      x.account !== null && x.incidents.some((id) => accountsOf.get(id)?.has(x.account as string));
    const ofIncidents = otCrossings.filter((x) => x.incidents.length > 0);
    heading(`Toward OT: ${plural(otCrossings.length, "crossing")}, ${ofIncidents.length} from incidents`);
    const shown = [
      ...ofIncidents.filter(byIncidentAccount),
      ...ofIncidents.filter((x) => !byIncidentAccount(x)),
      ...otCrossings.filter((x) => x.incidents.length === 0),
    ].slice(0, top);
    for (const x of shown) {
      const account = x.account === null ? "" : ` as ${text(x.account)}`;
      const incidents = x.incidents.length > 0 ? `${x.incidents.join(",")}  ` : "";
      const body =
        `${incidents}${text(x.source)} (${x.sourceZone ?? "?"}) -> ${text(x.target)} (${x.targetZone})` +
        `${x.skipsDmz ? " skipping the OT-DMZ" : ""} by ${x.method}${account} at ${x.firstSeen ?? "?"}`;
      const paint = x.incidents.length > 0 ? c.red : (t: string): string => t;
      lines.push(SUMMARY_INDENT + paint(truncateToWidth(body, SUMMARY_WIDTH - SUMMARY_INDENT.length)));
    }
    more(shown.length, otCrossings.length);
  }

  if (tier0Touched.length > 0) {
    heading("Tier-0 hosts touched");
    for (const t of tier0Touched.slice(0, top)) {
      line(
        SUMMARY_INDENT,
        `${text(t.host)}: ${text(t.reason)}, ${t.how === "detection" ? "detections on it" : "reached"} (${t.incidents.join(", ")})`,
      );
    }
    more(Math.min(top, tier0Touched.length), tier0Touched.length);
  }

  const bursts = logonSummary.failureBursts;
  if (bursts.length > 0) {
    heading(`Failure bursts: ${bursts.length}`);
    for (const b of bursts.slice(0, top)) {
      const host = b.sourceHost !== null && b.sourceHost !== b.source ? ` (${text(b.sourceHost)})` : "";
      const success = b.followedBySuccess === null ? "" : `, then a logon as ${text(b.followedBySuccess.account)}`;
      line(
        SUMMARY_INDENT,
        `${text(b.source)}${host} ${b.kind}: ${plural(b.failures, "failure")} over ${plural(b.accounts, "account")} ` +
          `from ${b.firstSeen ?? "?"}${success}`,
      );
    }
    more(Math.min(top, bursts.length), bursts.length);
  }

  const unattributed = report.unattributedRemoteExecution;
  if (unattributed.length > 0) {
    heading(`Remote execution from an unseen source: ${unattributed.length}`);
    for (const u of unattributed.slice(0, top)) {
      line(SUMMARY_INDENT, `${text(u.host)}: ${u.method} service ${text(u.name)} at ${u.firstSeen ?? "?"}`);
    }
    more(Math.min(top, unattributed.length), unattributed.length);
  }
  return lines;
}

function plural(n: number, noun: string): string {
  return `${n.toLocaleString("en-US")} ${n === 1 ? noun : `${noun}s`}`;
}
