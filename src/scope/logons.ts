/**
 * The logon summary (successes and failures per account, source and logon type, the way Hayabusa's logon summary
 * reads) and failure bursts per source. A burst is a run of failure buckets from one source with no empty bucket
 * between them. Spraying (AA23-144A's advice on Get-EventLog 4624 hunting: many 4625s across accounts, then a 4624
 * within minutes) is many failures over many distinct accounts; brute force is many failures on one or two.
 */
import { BURST_BUCKET_MS, type LogonFact, maxTime, minTime, type ScopeFacts } from "./facts.js";
import { parseAddress } from "./names.js";
import type { AddressResolver } from "./resolve.js";

export interface SprayOptions {
  /** Failures a burst needs to be reported. Default 10. */
  readonly minFailures?: number;
  /** Distinct accounts that make a burst spraying. Default 5. */
  readonly minAccounts?: number;
  /** Failures on at most 2 accounts that make a burst brute force. Default 20. */
  readonly bruteForceFailures?: number;
  /** How long after a burst a success from the same source is reported with it. Default 1 hour. */
  readonly successWithinMs?: number;
}

/** Names as the report shows them: host display names, account display names. */
export interface Naming {
  host(key: string): string;
  account(key: string): string;
  address(address: string): string;
}

export interface LogonSummaryEntry {
  readonly account: string;
  /** The address, else the workstation; null for a local logon. */
  readonly source: string | null;
  /** The host the source is (resolved address, or the workstation). */
  readonly sourceHost: string | null;
  readonly logonType: number | null;
  readonly successes: number;
  readonly failures: number;
  /** Hosts logged on to (at most 10). */
  readonly targets: readonly string[];
  readonly firstSeen: number | null;
  readonly lastSeen: number | null;
}

export interface AccountLogons {
  readonly account: string;
  readonly successes: number;
  readonly failures: number;
  readonly sources: number;
  readonly targets: number;
  readonly logonTypes: readonly number[];
}

export interface FailureBurst {
  readonly source: string;
  readonly sourceHost: string | null;
  readonly kind: "spray" | "brute-force";
  readonly firstSeen: number;
  /** End of the last bucket with failures. */
  readonly lastSeen: number;
  readonly failures: number;
  /** Distinct accounts tried (a lower bound past 64 per bucket). */
  readonly accounts: number;
  readonly sampleAccounts: readonly string[];
  readonly targets: readonly string[];
  /** A success from the same source during the burst or within `successWithinMs` after it. */
  readonly followedBySuccess: { readonly account: string; readonly firstSeen: number | null } | null;
}

export interface LogonSummaryData {
  readonly entries: readonly LogonSummaryEntry[];
  /** Entries left out past the limit (the most failed and most used are kept). */
  readonly entriesOmitted: number;
  readonly accounts: readonly AccountLogons[];
  readonly failureBursts: readonly FailureBurst[];
}

const TARGETS_LISTED = 10;
const SAMPLE_ACCOUNTS = 10;

interface EntryState {
  account: string;
  source: string | null;
  sourceHost: string | null;
  logonType: number | null;
  successes: number;
  failures: number;
  targets: Set<string>;
  first: number | null;
  last: number | null;
}

export function summariseLogons(
  facts: ScopeFacts,
  resolver: AddressResolver,
  naming: Naming,
  options: SprayOptions = {},
  limit = 10_000,
): LogonSummaryData {
  const entries = new Map<string, EntryState>();
  const accounts = new Map<
    string,
    { successes: number; failures: number; sources: Set<string>; targets: Set<string>; types: Set<number> }
  >();
  for (const l of facts.logons) {
    const source = l.address ?? l.workstation;
    const sourceHost = l.address !== null ? resolver.resolve(l.address, l.first) : l.workstation;
    const key = `${l.account}|${source ?? ""}|${l.logonType ?? ""}`;
    let e = entries.get(key);
    if (e === undefined) {
      e = {
        account: l.account,
        source,
        sourceHost,
        logonType: l.logonType,
        successes: 0,
        failures: 0,
        targets: new Set(),
        first: null,
        last: null,
      };
      entries.set(key, e);
    }
    if (l.outcome === "success") e.successes += l.count;
    else e.failures += l.count;
    if (l.target !== null) e.targets.add(l.target);
    e.first = minTime(e.first, l.first);
    e.last = maxTime(e.last, l.last);
    let a = accounts.get(l.account);
    if (a === undefined) {
      a = { successes: 0, failures: 0, sources: new Set(), targets: new Set(), types: new Set() };
      accounts.set(l.account, a);
    }
    if (l.outcome === "success") a.successes += l.count;
    else a.failures += l.count;
    if (source !== null) a.sources.add(source);
    if (l.target !== null) a.targets.add(l.target);
    if (l.logonType !== null) a.types.add(l.logonType);
  }
  const sorted = [...entries.values()].sort(
    (a, b) => b.failures - a.failures || b.successes - a.successes || a.account.localeCompare(b.account),
  );
  return {
    entries: sorted.slice(0, limit).map((e) => ({
      account: naming.account(e.account),
      source: e.source === null ? null : parseAddress(e.source) !== null ? e.source : naming.host(e.source),
      sourceHost: e.sourceHost === null ? null : naming.host(e.sourceHost),
      logonType: e.logonType,
      successes: e.successes,
      failures: e.failures,
      targets: [...e.targets].slice(0, TARGETS_LISTED).map((t) => naming.host(t)),
      firstSeen: e.first,
      lastSeen: e.last,
    })),
    entriesOmitted: Math.max(0, sorted.length - limit),
    accounts: [...accounts]
      .map(([account, a]) => ({
        account: naming.account(account),
        successes: a.successes,
        failures: a.failures,
        sources: a.sources.size,
        targets: a.targets.size,
        logonTypes: [...a.types].sort((x, y) => x - y),
      }))
      .sort((a, b) => b.failures - a.failures || b.successes - a.successes || a.account.localeCompare(b.account)),
    failureBursts: failureBursts(facts, resolver, naming, options),
  };
}

function failureBursts(
  facts: ScopeFacts,
  resolver: AddressResolver,
  naming: Naming,
  options: SprayOptions,
): FailureBurst[] {
  const minFailures = options.minFailures ?? 10;
  const minAccounts = options.minAccounts ?? 5;
  const bruteForce = options.bruteForceFailures ?? 20;
  const successWithin = options.successWithinMs ?? 3_600_000;
  const bySource = new Map<string, (typeof facts.failureBuckets)[number][]>();
  for (const b of facts.failureBuckets) {
    const list = bySource.get(b.source);
    if (list === undefined) bySource.set(b.source, [b]);
    else list.push(b);
  }
  const successes = new Map<string, LogonFact[]>();
  for (const l of facts.logons) {
    if (l.outcome !== "success") continue;
    for (const s of [l.address, l.workstation]) {
      if (s === null) continue;
      const list = successes.get(s);
      if (list === undefined) successes.set(s, [l]);
      else list.push(l);
    }
  }
  const bursts: FailureBurst[] = [];
  for (const [source, buckets] of bySource) {
    buckets.sort((a, b) => a.bucket - b.bucket);
    let run: typeof buckets = [];
    const flush = (): void => {
      if (run.length === 0) return;
      const failures = run.reduce((n, b) => n + b.failures, 0);
      const names = new Set<string>();
      const targets = new Set<string>();
      let more = false;
      for (const b of run) {
        for (const a of b.accounts) names.add(a);
        for (const t of b.targets) targets.add(t);
        more ||= b.moreAccounts;
      }
      const distinct = names.size + (more ? 1 : 0);
      const kind =
        failures >= minFailures && distinct >= minAccounts
          ? "spray"
          : failures >= bruteForce && names.size <= 2
            ? "brute-force"
            : null;
      if (kind !== null) {
        const first = run[0].bucket;
        const last = run[run.length - 1].bucket + BURST_BUCKET_MS;
        const success = (successes.get(source) ?? [])
          .filter(
            (l) =>
              (l.last ?? Number.NEGATIVE_INFINITY) >= first &&
              (l.first ?? Number.POSITIVE_INFINITY) <= last + successWithin,
          )
          .sort((a, b) => (a.first ?? 0) - (b.first ?? 0))[0];
        const isAddress = parseAddress(source) !== null;
        const host = isAddress ? resolver.resolve(source, first) : source;
        bursts.push({
          source: isAddress ? source : naming.host(source),
          sourceHost: host === null ? null : naming.host(host),
          kind,
          firstSeen: first,
          lastSeen: last,
          failures,
          accounts: distinct,
          sampleAccounts: [...names].slice(0, SAMPLE_ACCOUNTS).map((a) => naming.account(a)),
          targets: [...targets].map((t) => naming.host(t)),
          followedBySuccess:
            success === undefined ? null : { account: naming.account(success.account), firstSeen: success.first },
        });
      }
      run = [];
    };
    for (const b of buckets) {
      if (run.length > 0 && b.bucket - run[run.length - 1].bucket > BURST_BUCKET_MS) flush();
      run.push(b);
    }
    flush();
  }
  return bursts.sort((a, b) => a.firstSeen - b.firstSeen || a.source.localeCompare(b.source));
}
