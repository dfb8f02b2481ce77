/** `vigil hunt`: evidence in, detections out: a summary on screen, timelines and JSON for other tools. */

import { existsSync } from "node:fs";
import { type Command, InvalidArgumentError } from "commander";
import { closeWorkerPools, defaultThreads } from "../evtx/index.js";
import { type Detection, LEVELS, type Level, levelRank } from "../hunt/detection.js";
import type { FileEnd } from "../hunt/file-tally.js";
import { type HuntResult, hunt } from "../hunt/hunt.js";
import type { DetectionWriter } from "../output/detection-writer.js";
import { writeWholeFile } from "../output/file-sink.js";
import { createJsonOutWriter } from "../output/json-out.js";
import { createProgress } from "../output/progress.js";
import { type HuntSummary, renderSummary, type SummaryProblem } from "../output/summary.js";
import { sanitizeForTerminal } from "../output/terminal.js";
import { createTimelineWriter, type TimelineProfile } from "../output/timeline.js";
import { createHtmlReportWriter, type ReportWriter, rulesLoadedOf } from "../report/html-report.js";
import { type AssetInventory, readAssets, renderScopeSummary } from "../scope/index.js";
import { readPlaceholders } from "../sigma/check.js";
import { defaultCacheDir } from "../sigma/rule-cache.js";
import { collect, parseLevel, parseThreads } from "./options.js";

interface HuntCliOptions {
  rules: string[];
  builtin: boolean;
  minLevel: Level;
  from?: number;
  to?: number;
  timeline?: string;
  profile: TimelineProfile;
  jsonOut?: string;
  html?: string;
  navigator?: string;
  assets?: string;
  scopeOut?: string;
  threads?: number;
  failOn?: Level;
  quiet: boolean;
  color: boolean;
  stats: boolean;
  placeholders?: string;
  ruleCache: boolean;
  recover: boolean;
}

function parseTime(value: string): number {
  // A date alone is midnight UTC; a time without a zone is UTC too (evidence times are UTC).
  const text = /^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value;
  const withZone = /[zZ]|[+-]\d{2}:?\d{2}$/.test(text) ? text : `${text}Z`;
  const t = Date.parse(withZone);
  if (Number.isNaN(t)) throw new InvalidArgumentError("expected a time such as 2024-03-01 or 2024-03-01T12:00:00Z");
  return t;
}

function parseProfile(value: string): TimelineProfile {
  if (value === "standard" || value === "verbose" || value === "all-field-info") return value;
  throw new InvalidArgumentError("expected standard, verbose or all-field-info");
}

export function registerHunt(program: Command): void {
  program
    .command("hunt")
    .description("Hunt through evidence (EVTX, JSON/JSONL exports, .gz and .zip archives, folders) with Sigma rules")
    .argument("<paths...>", "evidence files or folders (walked recursively; formats are told by content)")
    .option("-r, --rules <path>", "Sigma rule file or folder to add (repeatable), e.g. a SigmaHQ checkout", collect, [])
    .option("--no-builtin", "do not load Vigil's built-in rule pack")
    .option("--placeholders <file>", "values for %placeholders% of the expand modifier (YAML: name: [values])")
    .option(
      "--no-rule-cache",
      "parse and compile every rule (by default parsed rules and compiled matchers are cached in $VIGIL_CACHE_DIR or ~/.cache/vigil)",
    )
    .option("--min-level <level>", "report detections at or above this level", parseLevel, "informational")
    .option("--from <time>", "only events at or after this time (UTC)", parseTime)
    .option("--to <time>", "only events at or before this time (UTC)", parseTime)
    .option("--timeline <file>", "write a timeline: FILE.csv (Timeline Explorer, Timesketch) or FILE.jsonl")
    .option("--profile <profile>", "timeline columns: standard | verbose | all-field-info", parseProfile, "standard")
    .option("--json-out <file>", "write every detection as one JSON object per line, with the whole event")
    .option("--assets <file>", "asset inventory CSV (host,zone,role[,criticality]; zones IT, OT-DMZ, OT) for scoping")
    .option(
      "--scope-out <file>",
      "write the scope as JSON: incidents, movement graph, reach, crossings toward OT, logons",
    )
    .option("--html <file>", "write a self-contained HTML report (no network access; opens from file://)")
    .option("--navigator <file>", "write an ATT&CK Navigator layer (JSON) of the techniques seen")
    .option(
      "-t, --threads <n>",
      "worker threads at most (default: the number of cores; one per 64 MiB of evidence)",
      parseThreads,
    )
    .option("--fail-on <level>", "exit 3 when a detection at or above this level was found", parseLevel)
    .option("-q, --quiet", "no summary and no progress bar", false)
    .option("--no-color", "no colour in the summary")
    .option("--stats", "also print per-file counts", false)
    .option("--no-recover", "do not recover EVTX records from slack, damaged chunks or past the header's chunk count")
    .action(async (paths: string[], options: HuntCliOptions) => {
      process.exitCode = await runHunt(paths, options);
    });
}

async function runHunt(paths: string[], options: HuntCliOptions): Promise<number> {
  // An inverted window would hunt nothing and report nothing found.
  if (options.from !== undefined && options.to !== undefined && options.from > options.to) {
    const [from, to] = [options.from, options.to].map((t) => new Date(t).toISOString());
    process.stderr.write(`vigil hunt: --from ${from} is after --to ${to}\n`);
    return 2;
  }
  // A mistyped rules path would otherwise hunt with fewer rules than asked and report nothing found.
  for (const path of options.rules) {
    if (!existsSync(path)) {
      process.stderr.write(`vigil hunt: --rules ${sanitizeForTerminal(path)}: no such file or folder\n`);
      return 2;
    }
  }
  let placeholders: [string, string[]][] = [];
  if (options.placeholders !== undefined) {
    try {
      placeholders = [...(await readPlaceholders(options.placeholders))];
    } catch (e) {
      process.stderr.write(`vigil hunt: ${sanitizeForTerminal((e as Error).message)}\n`);
      return 2;
    }
  }
  let assets: AssetInventory | undefined;
  if (options.assets !== undefined) {
    const read = await readAssets(options.assets);
    for (const p of read.problems) {
      const where = p.line === 0 ? p.file : `${p.file}:${p.line}`;
      process.stderr.write(`vigil hunt: ${sanitizeForTerminal(`${where}: ${p.reason}`)}\n`);
    }
    if (read.inventory.assets.length === 0) {
      process.stderr.write(`vigil hunt: ${sanitizeForTerminal(options.assets)}: no assets read\n`);
      return 2;
    }
    assets = read.inventory;
  }
  let timeline: DetectionWriter | null = null;
  let jsonOut: DetectionWriter | null = null;
  let report: ReportWriter | null = null;
  try {
    if (options.timeline !== undefined) timeline = await createTimelineWriter(options.timeline, options.profile);
    if (options.jsonOut !== undefined) jsonOut = await createJsonOutWriter(options.jsonOut);
    if (options.html !== undefined || options.navigator !== undefined) {
      report = await createHtmlReportWriter(options.html ?? null, { navigator: options.navigator });
    }
  } catch (e) {
    process.stderr.write(`vigil hunt: ${sanitizeForTerminal((e as Error).message)}\n`);
    await timeline?.close();
    return 2;
  }
  const progress = createProgress(process.stderr, !options.quiet);
  // --stats: a line for every source, gathered as files end (the result lists only the first files).
  const statsLines: string[] | null = options.stats ? [] : null;
  // The hunt starts fewer workers than this when the evidence is too small to repay them (SplitPolicy).
  const threads = options.threads ?? defaultThreads();
  let result: HuntResult | undefined;
  let failure: unknown;
  try {
    result = await hunt({
      paths,
      rules: {
        paths: options.rules,
        builtin: options.builtin,
        placeholders,
        ...(options.ruleCache ? { cacheDir: defaultCacheDir() } : {}),
      },
      settings: {
        minLevel: options.minLevel,
        from: options.from ?? null,
        to: options.to ?? null,
        recover: options.recover,
      },
      threads,
      // Without a file to write, the summary and the scope need only each detection's digest (see HuntOptions.output).
      ...(timeline === null && jsonOut === null && report === null
        ? {}
        : {
            output: async (d: Detection) => {
              await timeline?.write(d);
              await jsonOut?.write(d);
              await report?.write(d);
            },
          }),
      onProgress: (p) => progress.update(p),
      ...(statsLines === null ? {} : { onFile: (_path: string, end: FileEnd) => statsLines.push(...sourceLines(end)) }),
      exclude: [options.timeline, options.jsonOut, options.html, options.navigator, options.scopeOut].filter(
        (p): p is string => p !== undefined,
      ),
      ...(assets === undefined ? {} : { scope: { assets } }),
    });
  } catch (e) {
    failure = e;
  }
  // Every output is closed even when the hunt or another output failed; a file that cannot be finished (a full
  // disk) is reported, once, rather than thrown past this function.
  const problems: unknown[] = failure === undefined ? [] : [failure];
  for (const writer of [timeline, jsonOut, report]) {
    try {
      await writer?.close();
    } catch (e) {
      if (!problems.includes(e)) problems.push(e);
    }
  }
  await closeWorkerPools();
  progress.stop();
  if (problems.length > 0 || result === undefined) {
    for (const e of problems) {
      process.stderr.write(`vigil hunt: ${sanitizeForTerminal(e instanceof Error ? e.message : String(e))}\n`);
    }
    return 2;
  }
  const summary = summaryOf(result);
  if (result.rules.detections.length + result.rules.correlations.length === 0) {
    process.stderr.write("vigil hunt: no rules loaded: nothing was looked for (see --rules and --no-builtin)\n");
  }
  try {
    await report?.finish({ summary, rulesLoaded: summary.rulesLoaded, scope: result.scope });
    if (options.scopeOut !== undefined)
      await writeWholeFile(options.scopeOut, `${JSON.stringify(result.scope, null, 2)}\n`);
  } catch (e) {
    process.stderr.write(`vigil hunt: ${sanitizeForTerminal((e as Error).message)}\n`);
    return 2;
  }
  if (!options.quiet) {
    const color = options.color && process.stdout.isTTY === true;
    process.stdout.write(renderSummary(summary, { color }));
    const scopeLines = renderScopeSummary(result.scope, { color });
    if (scopeLines.length > 0) process.stdout.write(`${scopeLines.join("\n")}\n`);
  }
  if (statsLines !== null) for (const line of statsLines) process.stderr.write(line);
  const failed = options.failOn;
  if (failed !== undefined && LEVELS.some((l) => levelRank(l) >= levelRank(failed) && result.byLevel[l] > 0)) return 3;
  const damaged = summary.filesDamaged + summary.filesUnreadable;
  return damaged > 0 ? 1 : 0;
}

/** --stats: a source's counts, a line each. */
function sourceLines(end: FileEnd): string[] {
  if (!("sources" in end)) return [];
  return end.sources.map((s) => {
    const name = s.member === undefined ? s.file : `${s.file}!/${s.member}`;
    return `${sanitizeForTerminal(name)}: ${s.format}, ${s.events} events (${s.recovered} recovered), ${s.skipped} skipped, ${s.problemCount} problems, ${s.bytes} bytes\n`;
  });
}

/** The summary's figures from a hunt's result. */
export function summaryOf(result: HuntResult): HuntSummary {
  const { tally } = result;
  const problems: SummaryProblem[] = [...tally.problems];
  for (const p of result.discoveryProblems) problems.push({ file: p.path, offset: null, reason: p.reason });
  const discovered = result.discoveryProblems.length;
  const stats = result.rules.correlation.stats;
  const correlationWarnings = [...stats.capped].map(
    (title) => `${title}: too many open groups; the least recent were closed early (${stats.groupsEvicted} in all)`,
  );
  if (stats.matchesDropped > 0) {
    correlationWarnings.push(`${stats.matchesDropped} matches dropped from full correlation windows`);
  }
  return {
    filesRead: tally.files,
    filesDamaged: tally.damaged,
    filesUnreadable: tally.unreadable + discovered,
    eventsRead: result.events,
    eventsRecovered: tally.recovered,
    recordsSkipped: tally.skipped,
    bytes: result.bytes,
    elapsedSeconds: result.elapsedMs / 1000,
    scanThreads: result.scanThreads,
    firstEvent: result.first,
    lastEvent: result.last,
    detectionsByLevel: result.byLevel,
    rules: [...result.byRule.values()],
    computers: result.byComputer,
    tactics: result.tactics,
    problemCount: tally.problemCount + discovered,
    problems,
    correlationWarnings,
    rulesLoaded: rulesLoadedOf(result),
  };
}
