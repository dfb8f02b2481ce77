/**
 * Reach: every host an intruder could have gone on to from where the incident shows them, along edges in time
 * order. Starting at each of the incident's hosts and sources from its first detection, a host counts as reached at
 * the earliest time an edge into it was used (by its time sketch) after its source was reached; from then on its own
 * edges count. Hosts with no detection of their own among them are where
 * the evidence runs out: collect more from them.
 */
import type { EdgeMethod } from "./facts.js";
import type { ResolvedEdge } from "./graph.js";
import { firstAtOrAfter } from "./time-sketch.js";

export interface ReachStep {
  /** Host key (or address of an unresolved target). */
  readonly host: string;
  readonly kind: "host" | "address";
  /** Where it was reached from, by which edge. */
  readonly from: string;
  readonly method: EdgeMethod;
  readonly account: string | null;
  /** When it was reached (null when the edge has no time). */
  readonly at: number | null;
  readonly hops: number;
}

interface Arrival {
  readonly time: number;
  readonly hops: number;
  readonly step: ReachStep | null;
}

/** The graph by source, built once: each reach then costs what it reaches, not the whole graph. */
export class ReachIndex {
  private readonly outgoing = new Map<string, ResolvedEdge[]>();

  constructor(edges: readonly ResolvedEdge[]) {
    for (const e of edges) {
      const list = this.outgoing.get(e.source);
      if (list === undefined) this.outgoing.set(e.source, [e]);
      else list.push(e);
    }
  }

  /**
   * Hosts reached from the starts (keys, each from its own time on; any time when null), the starts themselves
   * left out, along the edges `accept` lets through (all by default).
   */
  from(starts: ReadonlyMap<string, number | null>, accept?: (edge: ResolvedEdge) => boolean): ReachStep[] {
    const arrival = new Map<string, Arrival>();
    const queue = new MinQueue();
    for (const [s, t] of starts) {
      const begin = t ?? Number.NEGATIVE_INFINITY;
      arrival.set(s, { time: begin, hops: 0, step: null });
      queue.push(begin, 0, s);
    }
    while (queue.size > 0) {
      const [time, hops, node] = queue.pop();
      const current = arrival.get(node);
      if (current === undefined || current.time !== time || current.hops !== hops) continue;
      for (const e of this.outgoing.get(node) ?? []) {
        if ((e.last !== null && e.last < time) || (accept !== undefined && !accept(e))) continue;
        // The first use of the edge from then on: an edge used all week by others is not the way at this hour.
        const at = Number.isFinite(time) ? firstAtOrAfter(e.times, time) : e.first === null ? time : e.first;
        if (at === null) continue;
        const prior = arrival.get(e.target);
        if (prior !== undefined && (prior.time < at || (prior.time === at && prior.hops <= hops + 1))) continue;
        const step: ReachStep = {
          host: e.target,
          kind: e.targetKind,
          from: node,
          method: e.method,
          account: e.account,
          at: Number.isFinite(at) ? at : e.first,
          hops: hops + 1,
        };
        arrival.set(e.target, { time: at, hops: hops + 1, step });
        queue.push(at, hops + 1, e.target);
      }
    }
    const steps: ReachStep[] = [];
    // A start reached before its own time passes the earlier time on, but is no step: it is where reach began.
    for (const [node, a] of arrival) if (a.step !== null && !starts.has(node)) steps.push(a.step);
    return steps.sort(
      (a, b) =>
        (a.at ?? Number.NEGATIVE_INFINITY) - (b.at ?? Number.NEGATIVE_INFINITY) ||
        a.hops - b.hops ||
        a.host.localeCompare(b.host),
    );
  }
}

/** A binary heap of (time, hops, node), smallest time then fewest hops first. */
class MinQueue {
  private readonly items: [number, number, string][] = [];

  get size(): number {
    return this.items.length;
  }

  push(time: number, hops: number, node: string): void {
    const items = this.items;
    items.push([time, hops, node]);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!less(items[i], items[parent])) break;
      [items[i], items[parent]] = [items[parent], items[i]];
      i = parent;
    }
  }

  pop(): [number, number, string] {
    const items = this.items;
    const top = items[0];
    const last = items.pop() as [number, number, string];
    if (items.length > 0) {
      items[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < items.length && less(items[l], items[m])) m = l;
        if (r < items.length && less(items[r], items[m])) m = r;
        if (m === i) break;
        [items[i], items[m]] = [items[m], items[i]];
        i = m;
      }
    }
    return top;
  }
}

function less(a: [number, number, string], b: [number, number, string]): boolean {
  return a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);
}
