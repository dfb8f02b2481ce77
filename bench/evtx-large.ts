/**
 * `npm run bench:evtx-large [-- --mb N]`: the speed comparison of bench/evtx.ts in steady state, on one large file
 * (default 256 MB of chunks copied from a corpus Security log) instead of hundreds of small ones, where process start
 * and JIT warm-up weigh as much as decoding. python-evtx is left out (about 0.4 MB/s: an hour for this file).
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { writeBigEvtx } from "./big-evtx.js";

const root = fileURLToPath(new URL("../", import.meta.url));
const mbArg = process.argv.indexOf("--mb");
const mb = mbArg >= 0 ? Number(process.argv[mbArg + 1]) : 256;
const source = join(root, "../shared/evtx/parser-edge-cases/security.evtx");
if (!existsSync(source)) {
  console.log(`skipped: ${source} is absent`);
  process.exit(0);
}
const dir = mkdtempSync(join(tmpdir(), "vigil-large-"));
const big = join(dir, "security-large.evtx");
try {
  const size = writeBigEvtx(source, big, Math.ceil((mb * 1e6) / 0x10000));
  console.log(`file: ${(size / 1e6).toFixed(0)} MB, chunks of ${source}`);
  const run = spawnSync(process.execPath, ["--import", "tsx", join(root, "bench/evtx.ts"), "--python-mb", "0", big], {
    stdio: "inherit",
    cwd: root,
  });
  process.exitCode = run.status ?? 1;
} finally {
  rmSync(dir, { recursive: true, force: true });
}
