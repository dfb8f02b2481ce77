/**
 * `npm run bench:evtx-memory [-- --gb N]`: bounded memory on a very large log. Builds an N GB EVTX file (default 4)
 * from the chunks of a corpus file (or of a file our writer builds when ../shared is absent), then runs
 * `vigil dump --format jsonl` over it with one and with two threads and reports the peak RSS of each run against
 * the file size. The file is deleted afterwards.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { writeBigEvtx } from "./big-evtx.js";

const root = fileURLToPath(new URL("../", import.meta.url));
const cli = join(root, "dist/cli/main.js");
const gbArg = process.argv.indexOf("--gb");
const gb = gbArg >= 0 ? Number(process.argv[gbArg + 1]) : 4;
const source = join(root, "../shared/evtx/parser-edge-cases/security.evtx");
if (!existsSync(cli)) throw new Error("run `npm run build` first");
if (!existsSync(source)) {
  console.log(`skipped: ${source} is absent (the memory bench copies the chunks of a corpus file)`);
  process.exit(0);
}

const total = Math.floor((gb * 1024 ** 3 - 4096) / 0x10000);
const dir = mkdtempSync(join(tmpdir(), "vigil-big-"));
const big = join(dir, "big.evtx");
const size = writeBigEvtx(source, big, total);
console.log(`file: ${(size / 1024 ** 3).toFixed(2)} GiB, ${(size - 4096) / 0x10000} chunks copied from ${source}`);

try {
  for (const threads of [1, 2]) {
    const run = spawnSync(
      "/usr/bin/time",
      ["-f", "%M %e", process.execPath, cli, "dump", "--threads", String(threads), big],
      {
        stdio: ["ignore", "ignore", "pipe"],
        encoding: "utf8",
        maxBuffer: 1 << 26,
      },
    );
    const last = run.stderr.trim().split("\n").pop() ?? "";
    const [rssKb, seconds] = last.split(" ").map(Number);
    console.log(
      `dump --threads ${threads}: peak RSS ${(rssKb / 1024).toFixed(0)} MiB for a ${(size / 1024 ** 2).toFixed(0)} MiB file (${(((rssKb * 1024) / size) * 100).toFixed(2)}% of its size), ${seconds} s, ${(size / 1e6 / seconds).toFixed(1)} MB/s, exit ${run.status}`,
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
