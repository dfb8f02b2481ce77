/**
 * Which host an address was, from the address-host pairs the evidence shows. The strongest kind of evidence wins
 * (a machine account logging on from the address is the machine; a host's own side of a Sysmon connection is that
 * host; a DHCP lease; an NTLM WorkstationName, which is the client's claim; a 4648 target; a DNS answer; a name
 * another host resolved the address to), then, among pairs of that kind, one whose first..last span holds the time
 * asked about, then the most seen; a pair far from the time asked about does not count (DHCP gives an address to
 * another host later). An address never seen with a name stays an address.
 */
import type { AddressPairFact, PairEvidence } from "./facts.js";

const STRENGTH: Readonly<Record<PairEvidence, number>> = {
  "machine-account": 7,
  "sysmon-local": 6,
  dhcp: 5,
  workstation: 4,
  "explicit-credentials": 3,
  dns: 2,
  "sysmon-remote": 1,
};

/** How long before its first and after its last sighting an address-host pair still holds. */
export const PAIR_MARGIN_MS = 8 * 24 * 3_600_000;

export class AddressResolver {
  private readonly byAddress = new Map<string, AddressPairFact[]>();
  private readonly byHost = new Map<string, Set<string>>();

  constructor(pairs: readonly AddressPairFact[]) {
    for (const p of pairs) {
      const list = this.byAddress.get(p.address);
      if (list === undefined) this.byAddress.set(p.address, [p]);
      else list.push(p);
    }
    for (const list of this.byAddress.values()) {
      list.sort(
        (a, b) => STRENGTH[b.evidence] - STRENGTH[a.evidence] || b.count - a.count || (b.last ?? 0) - (a.last ?? 0),
      );
      const best = list[0];
      let set = this.byHost.get(best.host);
      if (set === undefined) {
        set = new Set();
        this.byHost.set(best.host, set);
      }
      set.add(best.address);
    }
  }

  /**
   * The host key the address was at `time`, or null when the evidence names none then. A pair holds from
   * PAIR_MARGIN_MS before it was first seen to PAIR_MARGIN_MS after it was last seen (a DHCP lease lasts 8 days
   * by default); without a time, or for pairs without times, any pair holds.
   */
  resolve(address: string, time: number | null = null): string | null {
    const list = this.byAddress.get(address);
    if (list === undefined) return null;
    let best: AddressPairFact | null = null;
    let bestScore = Number.NEGATIVE_INFINITY;
    for (const p of list) {
      const covers = time === null || p.first === null || p.last === null || (p.first <= time && time <= p.last);
      const near =
        covers ||
        (p.first !== null &&
          p.last !== null &&
          time !== null &&
          p.first - PAIR_MARGIN_MS <= time &&
          time <= p.last + PAIR_MARGIN_MS);
      if (!near) continue;
      const score = STRENGTH[p.evidence] * 10 + (covers ? 1 : 0);
      if (score > bestScore) {
        best = p;
        bestScore = score;
      }
    }
    return best?.host ?? null;
  }

  /** Addresses that resolve to the host (by their strongest evidence). */
  addressesOf(host: string): string[] {
    return [...(this.byHost.get(host) ?? [])].sort();
  }

  /** The evidence behind an address's host, for the report. */
  evidenceOf(address: string): PairEvidence | null {
    return this.byAddress.get(address)?.[0].evidence ?? null;
  }
}
