/**
 * `npm run demo`: Vigil end to end on evidence it makes itself. `vigil simulate` writes a small critical-
 * infrastructure network's event logs with a Volt Typhoon-style intrusion inside; `vigil hunt` hunts them with the
 * built-in pack and writes a timeline, JSON, the HTML report and an ATT&CK Navigator layer; `vigil eval` scores the
 * hunt against the simulation's ground truth. Runs the built CLI (`npm ci` builds it).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const cli = fileURLToPath(new URL("../dist/cli/main.js", import.meta.url));
if (!existsSync(cli)) {
  console.error("vigil is not built: run `npm ci` (or `npm run build`) first");
  process.exit(2);
}
const dir = join(mkdtempSync(join(tmpdir(), "vigil-demo-")), "sim");
const out = (name) => join(dir, name);

function vigil(title, args, okCodes = [0]) {
  console.log(`\n== ${title}\n$ vigil ${args.join(" ")}\n`);
  const run = spawnSync(process.execPath, [cli, ...args], { stdio: "inherit" });
  if (!okCodes.includes(run.status ?? -1)) {
    console.error(`vigil ${args[0]} exited ${run.status}`);
    process.exit(run.status ?? 2);
  }
}

vigil("Simulate a network with an intrusion inside", ["simulate", "volt-typhoon", "--out", dir]);
vigil(
  "Hunt it with the built-in Volt Typhoon pack",
  [
    "hunt",
    out("evidence"),
    "--assets",
    out("assets.csv"),
    "--scope-out",
    out("scope.json"),
    "--timeline",
    out("timeline.csv"),
    "--json-out",
    out("detections.jsonl"),
    "--html",
    out("report.html"),
    "--navigator",
    out("navigator.json"),
  ],
  [0, 3],
);
vigil("Score the hunt against the ground truth", ["eval", dir]);
console.log(`
Outputs in ${dir}:
  report.html       the HTML report (open it in a browser; it makes no network requests)
  timeline.csv      Hayabusa-style timeline for Timeline Explorer / Timesketch
  detections.jsonl  every detection with its whole event
  scope.json        incidents, lateral-movement graph, reach and the crossings toward OT
  navigator.json    ATT&CK Navigator layer
  ground-truth.json what the intrusion was, record by record`);
