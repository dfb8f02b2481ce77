/**
 * One measurement of `npm run bench:hunt` (bench/hunt.ts), in a process of its own so that its peak RSS (worker
 * threads included) is its own. Plain JavaScript, run by plain Node on the built code, as users run `vigil`: run under
 * tsx, whose module hooks load into the measured process and into each of its workers, a hunt of one small file took
 * 0.2-0.5 s longer and peaked 30-35 MiB higher.
 *
 * Arguments: kind (`read`: the EVTX field iterator over every field; `hunt`; `hunt-out`), threads, repeat (the input that many
 * times over), input (a folder or an .evtx file), cache folder, module root (`dist`, or `src` under tsx when nothing
 * is built), the rule folders as JSON. Prints the measurement as one line of JSON.
 */
import { mkdtempSync, rmSync, statSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const [kind, threadsArg, repeatArg, input, cacheDir, root, rulesArg] = process.argv.slice(2);
const threads = Number(threadsArg);
const repeat = Number(repeatArg);
const rules = JSON.parse(rulesArg);
const load = (module) => import(new URL(`../${root}/${module}.js`, import.meta.url).href);

const { discoverFiles, isEvtxName } = await load("sources/discover");
const files = [];
for await (const f of discoverFiles([input], isEvtxName, [])) files.push(f);
let bytes = 0;
for (const f of files) bytes += statSync(f).size;
bytes *= repeat;

/**
 * The input `repeat` times over, for a hunt: it reads a path given twice (or inside a folder given) once, so each
 * repeat is a symbolic link of its own to the input, in a temporary folder removed at exit.
 */
function repeatedPaths() {
  if (repeat === 1) return [input];
  const dir = mkdtempSync(join(tmpdir(), "vigil-bench-repeat-"));
  process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
  return Array.from({ length: repeat }, (_, i) => {
    const link = join(dir, `copy-${i}${input.endsWith(".evtx") ? ".evtx" : ""}`);
    symlinkSync(resolve(input), link);
    return link;
  });
}

const start = performance.now();
const cpuStart = process.cpuUsage();
let events = 0;
let detections = 0;
let scanThreads = 1;
if (kind === "read") {
  const { readEvtxFile } = await load("evtx/index");
  for (let r = 0; r < repeat; r++) {
    for (const f of files) {
      for await (const record of readEvtxFile(f)) {
        events++;
        // Every field visited, as the matcher visits them (forEach: no entry object per field).
        record.fields.forEach((v) => {
          if (v === undefined) events--;
        });
      }
    }
  }
} else {
  const { hunt } = await load("hunt/hunt");
  const result = await hunt({
    paths: repeatedPaths(),
    rules: { paths: rules, builtin: false, placeholders: [], cacheDir },
    settings: { minLevel: "informational", from: null, to: null, recover: true },
    threads,
    // `hunt`: as `vigil hunt` runs without --timeline, --json-out or --html (its summary and scope); `hunt-out`: with
    // an output that takes every detection and writes nothing.
    ...(kind === "hunt-out" ? { output: async () => {} } : {}),
  });
  events = result.events;
  detections = result.detections;
  scanThreads = result.scanThreads;
}
const ms = performance.now() - start;
const cpu = process.cpuUsage(cpuStart);
const cpuMs = (cpu.user + cpu.system) / 1000;
const maxRssMiB = process.resourceUsage().maxRSS / 1024;
// What stays live once the hunt is over (its result held): the heap after a full collection.
globalThis.gc?.();
const liveHeapMiB = process.memoryUsage().heapUsed / 2 ** 20;
process.stdout.write(
  `${JSON.stringify({ ms, bytes, events, detections, maxRssMiB, liveHeapMiB, cpuMs, scanThreads })}\n`,
);
process.exit(0);
