/**
 * `npm run bench:hunt`: a whole hunt over ../shared/evtx with every SigmaHQ rule for Windows event logs, with 1 and 2
 * threads, against reading the same files with the EVTX field iterator alone, in the same run. Each measurement runs
 * in a child process of its own, so that its peak RSS (which includes its worker threads) is its own, and reports
 * the live heap left once it is over (after a full collection). Runs of a few seconds are the median of three, the
 * reader and the hunts taking turns so that both sides of a ratio meet the machine's slow spells alike. The corpus is
 * then given ten times over, medians of three again (and, with one thread, twenty times, once) to show that memory
 * does not grow with the input, and one large Security log shows a single file shared between threads. Two
 * one-thread hunts run side by side, in two processes, give what this machine itself allows two threads. A hunt runs
 * as `vigil hunt` does without a file to write (its summary and scope); "with an output", as with --timeline or
 * --json-out, every detection is kept whole and handed to an output that writes nothing. The first hunt parses the rules' YAML and builds
 * the compiled matcher (cold); the others read the caches it wrote (warm), as every hunt after the first does, and a
 * hunt of one small file shows what a warm hunt pays before any evidence (its fixed start). The measurements run in
 * bench/hunt-child.mjs, on the built code (`dist/`, made by `npm ci` or `npm run build`) by plain Node as users run
 * it, when it is built: under tsx every worker would first compile the TypeScript sources, and tsx's module hooks
 * would load into every measured process.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { writeBigEvtx } from "./big-evtx.js";

const shared = fileURLToPath(new URL("../../shared/", import.meta.url));
const corpus = join(shared, "evtx");
const rules = ["rules", "rules-emerging-threats", "rules-threat-hunting"].map((f) => join(shared, "sigma", f));

interface Measurement {
  readonly ms: number;
  readonly bytes: number;
  readonly events: number;
  readonly detections: number;
  readonly maxRssMiB: number;
  readonly liveHeapMiB: number;
  /** CPU time of the measurement, every thread of its process (user and system). */
  readonly cpuMs: number;
  /** Threads that scanned (a hunt may judge the evidence too small to share; see SplitPolicy.minBytesPerWorker). */
  readonly scanThreads: number;
  /** For a median: the lowest and highest peak RSS of its runs. */
  readonly peakRange?: readonly [number, number];
}

if (!existsSync(corpus) || !existsSync(rules[0] as string)) {
  console.log(`skipped: ${corpus} or the SigmaHQ rules are absent`);
  process.exit(0);
}

const cacheDir = mkdtempSync(join(tmpdir(), "vigil-bench-cache-"));

/** The built code when there is one (plain Node, as users run it), else the sources under tsx. */
const built = existsSync(fileURLToPath(new URL("../dist/hunt/hunt.js", import.meta.url)));
const childScript = fileURLToPath(new URL("./hunt-child.mjs", import.meta.url));

function childArgs(kind: string, threads: number, repeat: number, input: string): string[] {
  return [
    ...(built ? [] : ["--import", "tsx"]),
    "--expose-gc",
    childScript,
    kind,
    String(threads),
    String(repeat),
    input,
    cacheDir,
    built ? "dist" : "src",
    JSON.stringify(rules),
  ];
}

function parse(stdout: string): Measurement {
  return JSON.parse(stdout.trim().split("\n").pop() as string) as Measurement;
}

function child(kind: string, threads: number, repeat: number, input = corpus): Measurement {
  const run = spawnSync(process.execPath, childArgs(kind, threads, repeat, input), {
    encoding: "utf8",
    maxBuffer: 1 << 24,
  });
  if (run.status !== 0) throw new Error(`${kind} ${threads} ${repeat}: ${run.stderr}`);
  return parse(run.stdout);
}

/**
 * The median of three runs (by time) of each configuration, the configurations taking turns (A B C, A B C, A B C):
 * runs of a few seconds vary by 10-20% on a shared machine, and a slow spell of it lasts tens of seconds, so three
 * runs in a row of one configuration could all fall in it while the next configuration's do not.
 */
function medians(configs: readonly [kind: string, threads: number][], input = corpus, repeat = 1): Measurement[] {
  const runs: Measurement[][] = configs.map(() => []);
  for (let round = 0; round < 3; round++) {
    configs.forEach(([kind, threads], i) => {
      runs[i]?.push(child(kind, threads, repeat, input));
    });
  }
  return runs.map((r) => {
    const peaks = r.map((m) => m.maxRssMiB);
    return {
      ...(r.sort((a, b) => a.ms - b.ms)[1] as Measurement),
      peakRange: [Math.min(...peaks), Math.max(...peaks)],
    };
  });
}

/** Two one-thread hunts of the whole corpus at once, in two processes: what this machine gives two threads. */
async function sideBySide(): Promise<Measurement[]> {
  const one = (): Promise<Measurement> =>
    new Promise((resolve, reject) => {
      const p = spawn(process.execPath, childArgs("hunt", 1, 1, corpus), { stdio: ["ignore", "pipe", "pipe"] });
      let out = "";
      let err = "";
      p.stdout.on("data", (d: Buffer) => {
        out += d.toString();
      });
      p.stderr.on("data", (d: Buffer) => {
        err += d.toString();
      });
      p.on("close", (code) => (code === 0 ? resolve(parse(out)) : reject(new Error(err))));
    });
  return Promise.all([one(), one()]);
}

const line = (label: string, m: Measurement): string =>
  `${label.padEnd(34)} ${(m.ms / 1000).toFixed(1).padStart(6)} s  ${((m.bytes / m.ms) * 1e-3).toFixed(1).padStart(6)} MB/s  ${Math.round(
    (m.events / m.ms) * 1000,
  )
    .toString()
    .padStart(
      7,
    )} events/s  CPU ${(m.cpuMs / 1000).toFixed(1)} s  peak RSS ${m.maxRssMiB.toFixed(0)} MiB, live heap after ${m.liveHeapMiB.toFixed(0)} MiB${m.detections > 0 ? `  ${m.detections} detections, scanned on ${m.scanThreads} thread(s)` : ""}`;

/** Prints a measurement's line and gives the measurement back. */
function shown(label: string, m: Measurement): Measurement {
  console.log(line(label, m));
  return m;
}

console.log(`corpus ${corpus}; rules ${rules.join(", ")}`);
const cold = shown("hunt, 1 thread, rules parsed (cold)", child("hunt", 1, 1));
const [read, one, two, oneOut] = medians([
  ["read", 1],
  ["hunt", 1],
  ["hunt", 2],
  ["hunt-out", 1],
]) as [Measurement, Measurement, Measurement, Measurement];
shown("read (field iterator), 1 thread, median of 3", read);
shown("hunt, 1 thread, median of 3", one);
shown("hunt, 2 threads, median of 3", two);
shown("hunt with an output, 1 thread, median", oneOut);
const pair = await sideBySide();
for (const m of pair) console.log(line("hunt, 1 thread, beside another", m));
// A hunt of one small file (one event): what every hunt pays before its evidence, with the caches warm.
const [fixedStart] = medians([["hunt", 1]], join(shared, "evtx/parser-edge-cases/issue_201.evtx")) as [Measurement];
shown("hunt of one small file (fixed start), median", fixedStart);
// Ten times over, the median of three too: a single run of 10-15 s met the machine's slow spells as often as not.
const [readTen, oneTen, twoTen, oneOutTen] = medians(
  [
    ["read", 1],
    ["hunt", 1],
    ["hunt", 2],
    ["hunt-out", 1],
  ],
  corpus,
  10,
) as [Measurement, Measurement, Measurement, Measurement];
shown("read, corpus x10, median", readTen);
shown("hunt, 1 thread, corpus x10, median", oneTen);
shown("hunt with an output, 1 thread, corpus x10, median", oneOutTen);
// Twenty times over: whether the peak still grows past ten times, or V8's heap had reached its steady size.
const oneTwenty = shown("hunt, 1 thread, corpus x20", child("hunt", 1, 20));
shown("hunt, 2 threads, corpus x10, median", twoTen);
const bigDir = mkdtempSync(join(tmpdir(), "vigil-bench-big-"));
const big = join(bigDir, "security-large.evtx");
writeBigEvtx(join(shared, "evtx/parser-edge-cases/security.evtx"), big, 2048);
const [readBig, oneBig, twoBig] = medians(
  [
    ["read", 1],
    ["hunt", 1],
    ["hunt", 2],
  ],
  big,
) as [Measurement, Measurement, Measurement];
shown("read, one 128 MiB Security log, median", readBig);
shown("hunt, 1 thread, that log, median", oneBig);
shown("hunt, 2 threads, that log, median", twoBig);
rmSync(bigDir, { recursive: true, force: true });
rmSync(cacheDir, { recursive: true, force: true });
const pct = (r: Measurement, h: Measurement): string => `${((100 * r.ms) / h.ms).toFixed(0)}%`;
console.log(
  `hunt vs read, 1 thread: ${pct(read, one)} of the reader's speed (${pct(read, cold)} cold); corpus x10 ${pct(readTen, oneTen)}; large log ${pct(readBig, oneBig)}`,
);
console.log(
  `with an output taking every detection (as --timeline or --json-out): ${pct(read, oneOut)} on the corpus, ${pct(readTen, oneOutTen)} at x10`,
);
console.log(
  `2 threads vs 1: corpus ${(one.ms / two.ms).toFixed(2)}x, corpus x10 ${(oneTen.ms / twoTen.ms).toFixed(2)}x, large log ${(oneBig.ms / twoBig.ms).toFixed(2)}x`,
);
// The work two threads do against one: CPU time of all threads. Where it is about the same, the hunt's threads add
// little work of their own, and what keeps two threads from twice the speed is the machine (see the line below).
const cpuRatio = (o: Measurement, t: Measurement): string => `${(t.cpuMs / o.cpuMs).toFixed(2)}x`;
console.log(
  `CPU time of 2 threads against 1: corpus ${cpuRatio(one, two)}, corpus x10 ${cpuRatio(oneTen, twoTen)}, large log ${cpuRatio(oneBig, twoBig)}`,
);
const slowest = Math.max(...pair.map((m) => m.ms));
console.log(
  `this machine's ceiling for two threads: two one-thread hunts side by side ${((2 * one.ms) / slowest).toFixed(2)}x the work of one in the same time, each taking ${pair.map((m) => (m.cpuMs / 1000).toFixed(1)).join(" and ")} CPU s against ${(one.cpuMs / 1000).toFixed(1)} alone`,
);
const peaks = (m: Measurement): string =>
  m.peakRange === undefined ? m.maxRssMiB.toFixed(0) : m.peakRange.map((p) => p.toFixed(0)).join("-");
console.log(
  `peak RSS (lowest-highest of three runs), 2 threads: ${peaks(two)} MiB on the corpus, ${peaks(twoTen)} MiB on ten times it; 1 thread: ${peaks(one)} and ${peaks(oneTen)} MiB, ${peaks(oneTwenty)} MiB on twenty times it (one run)`,
);
