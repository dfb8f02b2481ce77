/**
 * A hunt end to end: evidence files found under the paths, scanned by the rules on worker threads, the matches
 * sorted by time (spilling to disk past a bound), correlation rules run over the matches they name in time order,
 * and every reported detection (correlation alerts merged in by time) handed to the outputs, while the summary's
 * counts are gathered.
 */
import { resolve } from "node:path";
import { mapFieldView } from "../events/field-map.js";
import type { FieldValue, FieldView } from "../evtx/types.js";
import { tacticOf } from "../output/attack.js";
import {
  type AssetInventory,
  buildScope,
  IncidentBuilder,
  type IncidentInput,
  incidentInput,
  ScopeFactsMerger,
  type ScopeOptions,
  type ScopeReport,
} from "../scope/index.js";
import type { CorrelationAlert, RuleMatch } from "../sigma/correlation.js";
import { appliesTo, type LogsourceTarget, logsourceTargets, resolveField } from "../sigma/logsources.js";
import type { DetectionRule, RuleProblem } from "../sigma/model.js";
import { type DiscoveryProblem, discoverFiles } from "../sources/discover.js";
import type { SourceStats } from "../sources/types.js";
import { type Detection, type DetectionRuleInfo, LEVELS, type Level, levelRank } from "./detection.js";
import { type FileEnd, FileTallier, type FileTally } from "./file-tally.js";
import { tuneGarbageCollection } from "./gc-tuning.js";
import { compareOrder, detectionOfQueued, type OrderKey, orderKeyOf } from "./match-batch.js";
import { type HuntRules, levelOf, loadHuntRules, type RuleSpec, ruleInfo } from "./rules.js";
import type { FileResult, ScanSettings } from "./scan-file.js";
import { type SplitPolicy, scanFiles } from "./schedule.js";
import { MatchSorter } from "./sorter.js";

export interface HuntOptions {
  readonly paths: readonly string[];
  readonly rules: RuleSpec;
  readonly settings: ScanSettings;
  readonly threads: number;
  /**
   * Receives every reported detection, in time order. A hunt without it (for its summary and scope alone) keeps only
   * what those need of each detection: it neither encodes nor sorts whole events.
   */
  readonly output?: (d: Detection) => Promise<void>;
  /** Called as files finish and detections come in. */
  readonly onProgress?: (p: HuntProgress) => void;
  /** Called as each file ends, with its sources (or why it failed): the result lists only the first FILES_LISTED. */
  readonly onFile?: (path: string, end: FileEnd) => void;
  /**
   * Matches kept in memory before a sorted run goes to a temporary file (default 10,000: a match carries its whole event,
   * a few KB; 32 MiB of detections send a run sooner). See MatchSorter.
   */
  readonly sortRunSize?: number;
  /** How large EVTX files are split between threads (default: from 48 MiB, in 16 MiB parts). */
  readonly split?: SplitPolicy;
  /**
   * Files never read as evidence: the hunt's own outputs, which a responder may well write into the folder being
   * hunted (`vigil hunt . --json-out detections.jsonl`).
   */
  readonly exclude?: readonly string[];
  /** Scoping: the asset inventory (`--assets`) and options; scoping runs in every hunt. */
  readonly scope?: { readonly assets?: AssetInventory; readonly options?: ScopeOptions };
}

export interface HuntProgress {
  readonly files: number;
  readonly filesDone: number;
  readonly bytes: number;
  readonly matches: number;
}

export interface FileOutcome {
  readonly path: string;
  /**
   * The file's counts and sources. Its scope facts are merged into the hunt's as it ends and not kept per file: kept,
   * they were 10 MiB of the live heap after a hunt of the corpus ten times over (3,380 files).
   */
  readonly result?: Omit<FileResult, "scope">;
  readonly failed?: string;
}

/**
 * Files whose outcomes a hunt's result lists; every file is counted in its tally. Listing them all kept 1.5 KB a
 * file for the whole hunt.
 */
export const FILES_LISTED = 1_000;

export interface RuleCount {
  readonly title: string;
  readonly level: Level;
  count: number;
}

export interface HuntResult {
  readonly rules: HuntRules;
  /** The first FILES_LISTED files to end, and their sources; `tally` counts them all (onFile sees each). */
  readonly files: readonly FileOutcome[];
  readonly sources: readonly SourceStats[];
  readonly tally: FileTally;
  readonly discoveryProblems: readonly DiscoveryProblem[];
  /** Events read from all sources; of them, those inside --from/--to. */
  readonly events: number;
  readonly eventsMatched: number;
  readonly bytes: number;
  readonly first: number | null;
  readonly last: number | null;
  /** Reported detections (correlation alerts included). */
  readonly detections: number;
  readonly byLevel: Readonly<Record<Level, number>>;
  /** By rule file + title. */
  readonly byRule: ReadonlyMap<string, RuleCount>;
  readonly byComputer: ReadonlyMap<string, number>;
  /** ATT&CK tactic (`execution`, `credential-access`…) -> detections. */
  readonly tactics: ReadonlyMap<string, number>;
  readonly correlationAlerts: number;
  /** Rules that were not loaded or cannot run, each with its reason. */
  readonly ruleProblems: readonly RuleProblem[];
  /** How far the intrusion reached: incidents, the movement graph, reach, crossings toward OT, logons. */
  readonly scope: ScopeReport;
  readonly elapsedMs: number;
  /** Threads that scanned: the main thread alone (1), or that many workers (see SplitPolicy.minBytesPerWorker). */
  readonly scanThreads: number;
}

/** A detection's event as a field view, for reading group-by fields the way the rule reads them. */
function viewOf(d: Detection): FieldView {
  const fields = d.event as Record<string, FieldValue>;
  return mapFieldView(new Map(Object.entries(fields)));
}

/** A match as the hunt feeds it to correlations: with its detection, for an alert's evidence. */
interface HuntMatch extends RuleMatch {
  readonly detection: Detection;
}

/** The detection behind a correlation's match; none for a chained correlation's alert. */
function detectionBehind(m: RuleMatch | undefined): Detection | undefined {
  return m !== undefined && "detection" in m ? (m as HuntMatch).detection : undefined;
}

/** `targets`: the rule's log source targets, to read fields the way the rule read them. */
function matchFor(rule: DetectionRule, targets: readonly LogsourceTarget[], d: Detection): HuntMatch | null {
  if (d.timestamp === null) return null;
  const target = appliesTo(targets, d.channel ?? "", d.eventId ?? -1);
  const view = viewOf(d);
  return {
    rule,
    timestamp: d.timestamp,
    detection: d,
    field: (name) => (target === undefined ? view.get(name) : resolveField(target, name, view)),
  };
}

function alertDetection(alert: CorrelationAlert): Detection {
  const group: Record<string, string | null> = Object.fromEntries(alert.group);
  const evidence = alert.matches.map((m) => {
    const d = detectionBehind(m);
    return {
      rule: m.rule.title,
      timestamp: m.timestamp,
      recordId: d?.recordId ?? null,
      computer: d?.computer ?? null,
      ...(d === undefined
        ? {}
        : { file: d.source.member === undefined ? d.source.file : `${d.source.file}!/${d.source.member}` }),
    };
  });
  const firstEvidence = detectionBehind(alert.matches[0]);
  const details: Record<string, string> = {};
  for (const [k, v] of alert.group) details[k] = v ?? "";
  details.Count = String(alert.value);
  return {
    timestamp: alert.timestamp,
    rule: ruleInfo(alert.rule),
    computer: group.Computer ?? group.ComputerName ?? firstEvidence?.computer ?? null,
    channel: firstEvidence?.channel ?? null,
    eventId: null,
    recordId: null,
    source: firstEvidence?.source ?? { file: alert.rule.file, offset: null },
    details,
    event: {},
    correlation: {
      type: alert.rule.type,
      group,
      value: alert.value,
      matchCount: alert.matchCount,
      firstSeen: alert.firstSeen,
      ...(alert.values === undefined ? {} : { values: alert.values }),
      evidence,
    },
  };
}

export async function hunt(options: HuntOptions): Promise<HuntResult> {
  const started = performance.now();
  tuneGarbageCollection();
  const rules = await loadHuntRules(options.rules);
  const discoveryProblems: DiscoveryProblem[] = [];
  const files: string[] = [];
  const excluded = new Set((options.exclude ?? []).map((p) => resolve(p)));
  for await (const f of discoverFiles(options.paths, () => true, discoveryProblems)) {
    if (!excluded.has(resolve(f))) files.push(f);
  }

  const sorter = new MatchSorter(options.sortRunSize === undefined ? {} : { runSize: options.sortRunSize });
  try {
    return await scanAndReport(options, rules, files, discoveryProblems, sorter, started);
  } finally {
    // Also when the scan or the sort fails: its runs do not outlive the hunt.
    sorter.cleanup();
  }
}

/** The scan of `files`, then the two passes over its sorted matches, and the result. */
async function scanAndReport(
  options: HuntOptions,
  rules: HuntRules,
  files: readonly string[],
  discoveryProblems: readonly DiscoveryProblem[],
  sorter: MatchSorter,
  started: number,
): Promise<HuntResult> {
  let matcherProblems: readonly RuleProblem[] | null = null;
  const facts = new ScopeFactsMerger();
  const scopeOptions = options.scope?.options ?? {};
  const incidents = new IncidentBuilder({
    ...(scopeOptions.windowMs === undefined ? {} : { windowMs: scopeOptions.windowMs }),
    ...(scopeOptions.ignore === undefined ? {} : { ignore: scopeOptions.ignore }),
  });
  const outcomes: FileOutcome[] = [];
  const sources: SourceStats[] = [];
  const tallier = new FileTallier();
  let filesDone = 0;
  let events = 0;
  let eventsMatched = 0;
  let bytes = 0;
  let first: number | null = null;
  let last: number | null = null;
  const progress = (): void => options.onProgress?.({ files: files.length, filesDone, bytes, matches: sorter.count });
  const scanThreads = await scanFiles(
    files,
    options.threads,
    rules,
    { ...options.settings, keepDetections: options.output !== undefined },
    {
      onCompiled: (problems) => {
        matcherProblems = problems;
      },
      onMatches: (batch) => {
        for (const m of batch) sorter.add(m);
        progress();
      },
      onFile: (path, outcome) => {
        filesDone++;
        const end: FileEnd = "result" in outcome ? { sources: outcome.result.sources } : { failed: outcome.failed };
        tallier.add(path, end);
        options.onFile?.(path, end);
        const listed = outcomes.length < FILES_LISTED;
        if ("result" in outcome) {
          const { scope, ...r } = outcome.result;
          if (listed) {
            outcomes.push({ path, result: r });
            sources.push(...r.sources);
          }
          facts.add(scope);
          events += r.events;
          eventsMatched += r.matched;
          for (const s of r.sources) if (s.containers.length === 0 || s.member !== undefined) bytes += s.bytes;
          if (r.first !== null && (first === null || r.first < first)) first = r.first;
          if (r.last !== null && (last === null || r.last > last)) last = r.last;
        } else if (listed) {
          outcomes.push({ path, failed: outcome.failed });
        }
        progress();
      },
      stopReason: () => sorter.failed?.message ?? null,
    },
    options.split,
  );
  // The buckets the main thread's matcher built, if it scanned (workers keep their own as they close).
  rules.persistMatcher();

  // Pass 1: correlations over the matches they name, in time order.
  const alerts: Detection[] = [];
  const minRank = levelRank(options.settings.minLevel);
  const report = (a: CorrelationAlert): void => {
    if (levelRank(levelOf(a.rule)) >= minRank && rules.correlation.reportsOwnMatches(a.rule)) {
      alerts.push(alertDetection(a));
    }
  };
  if (rules.correlations.length > 0) {
    const targets = new Map<DetectionRule, readonly LogsourceTarget[]>();
    for await (const m of sorter.sorted()) {
      if (!m.consumed) continue;
      const rule = rules.detections[m.ruleIndex] as DetectionRule;
      let ruleTargets = targets.get(rule);
      if (ruleTargets === undefined) {
        ruleTargets = logsourceTargets(rule.logsource) ?? [];
        targets.set(rule, ruleTargets);
      }
      const match = matchFor(rule, ruleTargets, detectionOfQueued(m));
      if (match === null) continue;
      for (const a of rules.correlation.observe(match)) report(a);
    }
    for (const a of rules.correlation.flush()) report(a);
    alerts.sort((x, y) => compareOrder(orderKeyOf(x), orderKeyOf(y)));
  }
  // Each alert's place in the order, worked out once rather than for every match it is compared with.
  const alertKeys = alerts.map(orderKeyOf);

  // Pass 2: the outputs, detections and alerts merged by time, and the summary's counts.
  const byLevel = Object.fromEntries(LEVELS.map((l) => [l, 0])) as Record<Level, number>;
  const byRule = new Map<string, RuleCount>();
  const byComputer = new Map<string, number>();
  const tactics = new Map<string, number>();
  let detections = 0;
  const output = options.output;
  /** The summary's counts and the incidents from what every detection carries; the detection itself, for outputs. */
  const emit = async (d: IncidentInput, detection: () => Detection): Promise<void> => {
    const { rule } = d;
    detections++;
    byLevel[rule.level]++;
    const key = `${rule.file}\u0000${rule.title}`;
    const count = byRule.get(key);
    if (count === undefined) byRule.set(key, { title: rule.title, level: rule.level, count: 1 });
    else count.count++;
    if (d.computer !== null) byComputer.set(d.computer, (byComputer.get(d.computer) ?? 0) + 1);
    incidents.addInput(d);
    for (const tag of rule.tags) {
      const tactic = tacticOf(tag);
      if (tactic !== null) tactics.set(tactic.id, (tactics.get(tactic.id) ?? 0) + 1);
    }
    if (output !== undefined) await output(detection());
  };
  const emitAlert = (alert: Detection): Promise<void> => emit(incidentInput(alert), () => alert);
  const ruleInfos = rules.detections.map(ruleInfo);
  let a = 0;
  for await (const m of sorter.sorted()) {
    if (!m.report) continue;
    while (a < alerts.length && compareOrder(alertKeys[a] as OrderKey, m) <= 0) {
      await emitAlert(alerts[a++] as Detection);
    }
    const input: IncidentInput = {
      timestamp: m.timestamp,
      rule: ruleInfos[m.ruleIndex] as DetectionRuleInfo,
      source: m.member === "" ? { file: m.file } : { file: m.file, member: m.member },
      computer: m.digest.computer,
      recordId: m.digest.recordId,
      entities: m.digest.entities,
      details: m.digest.details,
    };
    await emit(input, () => detectionOfQueued(m));
  }
  while (a < alerts.length) await emitAlert(alerts[a++] as Detection);

  return {
    rules,
    files: outcomes,
    sources,
    tally: tallier.tally(),
    discoveryProblems,
    events,
    eventsMatched,
    bytes,
    first,
    last,
    detections,
    byLevel,
    byRule,
    byComputer,
    tactics,
    correlationAlerts: alerts.length,
    scope: buildScope(facts.facts(), incidents.incidents(), options.scope?.assets, scopeOptions),
    ruleProblems: [
      ...rules.set.problems,
      ...(matcherProblems ?? rules.matcher.problems),
      ...rules.correlation.problems,
    ],
    elapsedMs: performance.now() - started,
    scanThreads,
  };
}
