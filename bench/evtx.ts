/**
 * EVTX decoding speed: Vigil's CLI (1 and 2 worker threads) against libevtx's evtxexport and python-evtx's
 * evtx_dump.py, and Vigil's in-process field iterator alone. Runs are interleaved; each figure is the median.
 *
 *   npm run bench:evtx -- [--runs N] [--python-mb MB] [PATH…]
 *
 * PATHs are EVTX files or folders searched recursively for *.evtx; the default is every *.evtx under ../shared/evtx.
 * python-evtx is slow (about 0.4 MB/s), so evtx_dump.py runs on a fixed subset of at most --python-mb MB (every
 * k-th file of the set), and Vigil runs on the same subset for that comparison. Record counts come from each tool's
 * own output, in an untimed pass before the timed runs. The file lists go to bench/out/.
 */
import { spawn, spawnSync } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { closeWorkerPools, type EvtxRecord, readEvtxFile } from "../src/evtx/index.js";
import {
  commandAvailable,
  exec,
  hasEvtxexport,
  listEvtxFiles,
  projectRoot,
  sharedEvtxDir,
} from "../test/evtx/reference.js";

const cli = join(projectRoot, "dist", "cli", "main.js");
const outDir = join(projectRoot, "bench", "out");
const PYTHON_EVTX = "evtx_dump.py";
/** Touched by the in-process variants so the field reads cannot be optimised away. */
let sink = 0;

interface Variant {
  readonly name: string;
  readonly files: readonly string[];
  /** One timed run; output goes to /dev/null. */
  readonly run: () => Promise<void>;
  /** One untimed run that counts the records in the tool's own output. */
  readonly count: () => Promise<number>;
}

interface Result {
  readonly variant: Variant;
  readonly bytes: number;
  readonly records: number;
  readonly seconds: number[];
}

const args = parseArgs(process.argv.slice(2));
const files = args.paths.length > 0 ? expandPaths(args.paths) : listEvtxFiles(sharedEvtxDir);
if (files.length === 0) {
  console.error(
    args.paths.length > 0
      ? "bench: no .evtx files in the given paths"
      : `bench: no files: ${sharedEvtxDir} is absent; pass EVTX paths`,
  );
  process.exit(2);
}
ensureBuilt();
// --python-mb 0 leaves python-evtx out.
const hasPython = args.pythonMb > 0 && commandAvailable(PYTHON_EVTX, ["-h"]);
const subset = hasPython ? pythonSubset(files, args.pythonMb * 1e6) : { stride: 1, files: [] };
const baseDir = args.paths.length > 0 ? process.cwd() : sharedEvtxDir;

mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, "evtx-files.txt"), `${files.join("\n")}\n`);
writeFileSync(join(outDir, "evtx-python-subset.txt"), `${subset.files.join("\n")}\n`);

console.log(
  `EVTX bench, ${new Date().toISOString()}, Node ${process.version}, median of ${args.runs} interleaved runs`,
);
console.log(
  `files: ${files.length} (${mb(totalBytes(files))} MB) ${args.paths.length > 0 ? "from the given paths" : `under ${sharedEvtxDir}`}; list in ${relative(projectRoot, join(outDir, "evtx-files.txt"))}`,
);
if (hasPython)
  console.log(
    `python-evtx subset: ${subset.stride === 1 ? "every file" : `every ${subset.stride}th file`} of the set, ${subset.files.length} files (${mb(totalBytes(subset.files))} MB), at most ${args.pythonMb} MB; list in ${relative(projectRoot, join(outDir, "evtx-python-subset.txt"))}:`,
  );
for (const f of subset.files) console.log(`  ${relative(baseDir, f)}`);

const variants: Variant[] = [
  vigilCli("(a) vigil dump --threads 1", files, 1),
  vigilCli("(b) vigil dump --threads 2", files, 2),
];
if (hasEvtxexport) variants.push(perFileTool("(c) evtxexport", files, "evtxexport", countEvtxexportRecords));
else console.log("(c) skipped: evtxexport not installed (apt-get install libevtx-utils)");
if (hasPython) {
  variants.push(perFileTool("(d) evtx_dump.py [subset]", subset.files, PYTHON_EVTX, countPythonEvtxRecords));
  variants.push(vigilCli("(a') vigil dump --threads 1 [subset]", subset.files, 1));
} else if (args.pythonMb === 0) console.log("(d) left out: --python-mb 0");
else console.log(`(d) skipped: ${PYTHON_EVTX} not installed (apt-get install python3-evtx)`);
variants.push(inProcess("(e) readEvtxFile, every field", files, touchEveryField));
variants.push(inProcess("(f) readEvtxFile, 3 fields", files, touchThreeFields));

console.log("\ncounting records in each tool's output (untimed)…");
const results: Result[] = [];
for (const variant of variants) {
  results.push({ variant, bytes: totalBytes(variant.files), records: await variant.count(), seconds: [] });
}
for (let run = 0; run < args.runs; run++) {
  // Rotate the order each run so no variant always runs first (cold caches) or after the same neighbour.
  for (let i = 0; i < results.length; i++) {
    const result = results[(i + run) % results.length];
    const start = performance.now();
    await result.variant.run();
    result.seconds.push((performance.now() - start) / 1000);
  }
  console.log(`run ${run + 1}/${args.runs} done`);
}
await closeWorkerPools();

console.log("");
printTable(results);
console.log("");
printRatios(results);
console.log(
  "\nnotes: (c) and (d) start one process per file, (a) and (b) one for all files; (c) prints allocated records only",
  "(evtxexport's default mode) while Vigil also recovers records, so compare MB/s first. Records (a), (b): JSONL lines;",
  "(c): 'Event number' blocks; (d): <Event> elements; (e), (f): records iterated.",
);
const report = join(outDir, `evtx-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
writeFileSync(
  report,
  `${JSON.stringify(
    {
      node: process.version,
      runs: args.runs,
      files,
      pythonSubset: subset.files,
      results: results.map((r) => ({
        name: r.variant.name,
        files: r.variant.files.length,
        bytes: r.bytes,
        records: r.records,
        seconds: r.seconds,
        medianSeconds: median(r.seconds),
      })),
      sink,
    },
    null,
    2,
  )}\n`,
);
console.log(`results: ${relative(projectRoot, report)}`);

function vigilCli(name: string, set: readonly string[], threads: number): Variant {
  const argv = [cli, "dump", "--format", "jsonl", "--threads", String(threads), ...set];
  return {
    name,
    files: set,
    run: () => runToDevNull(process.execPath, argv),
    count: async () => {
      const { code, stdout, stderr } = await exec(process.execPath, argv);
      // 1 means damage was reported but records were read, which the reference data has plenty of.
      if (code > 1) throw new Error(`${name}: exit ${code}: ${stderr.slice(-500)}`);
      return countOccurrences(stdout, "\n");
    },
  };
}

function perFileTool(
  name: string,
  set: readonly string[],
  command: string,
  records: (stdout: string) => number,
): Variant {
  return {
    name,
    files: set,
    run: async () => {
      for (const file of set) await runToDevNull(command, [file]);
    },
    count: async () => {
      let total = 0;
      for (const file of set) total += records((await exec(command, [file])).stdout);
      return total;
    },
  };
}

function inProcess(name: string, set: readonly string[], touch: (rec: EvtxRecord) => void): Variant {
  const iterate = async (): Promise<number> => {
    let n = 0;
    for (const file of set) {
      for await (const rec of readEvtxFile(file, { threads: 0 })) {
        touch(rec);
        n++;
      }
    }
    return n;
  };
  return {
    name,
    files: set,
    run: async () => {
      await iterate();
    },
    count: iterate,
  };
}

function touchEveryField(rec: EvtxRecord): void {
  for (const [path, value] of rec.fields.entries()) sink += path.length + (value === null ? 0 : 1);
}

function touchThreeFields(rec: EvtxRecord): void {
  for (const path of ["System.EventID", "System.Channel", "System.Computer"]) {
    if (rec.fields.get(path) !== undefined) sink++;
  }
}

/** evtxexport's default (text) output starts each record with `Event number\t\t\t: N`. */
function countEvtxexportRecords(stdout: string): number {
  return stdout.match(/^Event number\t/gm)?.length ?? 0;
}

/** evtx_dump.py prints one `<Event xmlns=…>` line start per record (text is XML-escaped). */
function countPythonEvtxRecords(stdout: string): number {
  return stdout.match(/^<Event xmlns=/gm)?.length ?? 0;
}

function countOccurrences(text: string, needle: string): number {
  let n = 0;
  for (let i = text.indexOf(needle); i !== -1; i = text.indexOf(needle, i + needle.length)) n++;
  return n;
}

/** Runs a command with stdout and stderr on /dev/null; any exit status counts (damage gives 1). */
function runToDevNull(command: string, argv: readonly string[]): Promise<void> {
  const devNull = openSync("/dev/null", "w");
  return new Promise<void>((done, fail) => {
    const child = spawn(command, argv, { stdio: ["ignore", devNull, devNull] });
    child.on("error", fail);
    child.on("close", (_code, signal) => {
      if (signal !== null) fail(new Error(`${command} killed by ${signal}`));
      else done();
    });
  }).finally(() => closeSync(devNull));
}

/** Every k-th file of the set, for the smallest k that keeps the subset within `budget` bytes. */
function pythonSubset(set: readonly string[], budget: number): { stride: number; files: string[] } {
  for (let stride = Math.max(1, Math.ceil(totalBytes(set) / budget)); ; stride++) {
    const picked = set.filter((_, i) => i % stride === 0);
    if (totalBytes(picked) <= budget || picked.length === 1) return { stride, files: picked };
  }
}

function printTable(rows: readonly Result[]): void {
  const header = ["variant", "files", "MB", "records", "median s", "MB/s", "records/s", "runs (s)"];
  const lines = rows.map((r) => {
    const s = median(r.seconds);
    return [
      r.variant.name,
      String(r.variant.files.length),
      mb(r.bytes),
      String(r.records),
      s.toFixed(2),
      (r.bytes / 1e6 / s).toFixed(2),
      Math.round(r.records / s).toString(),
      r.seconds.map((x) => x.toFixed(2)).join(" "),
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const format = (cells: readonly string[]): string =>
    cells.map((c, i) => (i === 0 || i === cells.length - 1 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  console.log(format(header));
  for (const l of lines) console.log(format(l));
}

function printRatios(rows: readonly Result[]): void {
  const find = (prefix: string): Result | undefined => rows.find((r) => r.variant.name.startsWith(prefix));
  const speed = (r: Result): { mbs: number; rps: number } => {
    const s = median(r.seconds);
    return { mbs: r.bytes / 1e6 / s, rps: r.records / s };
  };
  const ratio = (label: string, a: Result | undefined, b: Result | undefined): void => {
    if (a === undefined || b === undefined) return;
    const x = speed(a);
    const y = speed(b);
    console.log(
      `${label}: ${(x.mbs / y.mbs).toFixed(2)}x MB/s, ${(x.rps / y.rps).toFixed(2)}x records/s (${b.variant.files.length} files)`,
    );
  };
  ratio("vigil 1 thread vs evtxexport", find("(a)"), find("(c)"));
  ratio("vigil 1 thread vs evtx_dump.py, on the subset", find("(a')"), find("(d)"));
  ratio("vigil 2 threads vs 1 thread", find("(b)"), find("(a)"));
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

function totalBytes(set: readonly string[]): number {
  return set.reduce((sum, f) => sum + statSync(f).size, 0);
}

function mb(bytes: number): string {
  return (bytes / 1e6).toFixed(1);
}

function expandPaths(paths: readonly string[]): string[] {
  const out: string[] = [];
  for (const p of paths.map((x) => resolve(x))) {
    if (statSync(p).isDirectory()) out.push(...listEvtxFiles(p));
    else out.push(p);
  }
  return out;
}

/** Builds dist/ when it is missing or older than a source file, so the CLI measured is the code in src/. */
function ensureBuilt(): void {
  const newestSource = newestMtime(join(projectRoot, "src"));
  if (existsSync(cli) && statSync(cli).mtimeMs >= newestSource) return;
  console.log("dist/ is missing or older than src/: npm run build");
  const build = spawnSync("npm", ["run", "build"], { cwd: projectRoot, stdio: "inherit" });
  if (build.status !== 0) process.exit(2);
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

function parseArgs(argv: readonly string[]): { runs: number; pythonMb: number; paths: string[] } {
  const out = { runs: 3, pythonMb: 8, paths: [] as string[] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--runs" || a === "--python-mb") {
      const n = Number(argv[++i]);
      if (!(n > 0) && !(a === "--python-mb" && n === 0)) throw new Error(`${a} needs a positive number`);
      if (a === "--runs") out.runs = Math.max(3, Math.floor(n));
      else out.pythonMb = n;
    } else if (a === "-h" || a === "--help") {
      console.log("npm run bench:evtx -- [--runs N (at least 3)] [--python-mb MB (0: leave python-evtx out)] [PATH…]");
      process.exit(0);
    } else out.paths.push(a);
  }
  return out;
}
