/** Running the `vigil` command line from its sources, as the CLI tests do: whole, into a full disk, or read briefly. */
import { spawn, spawnSync } from "node:child_process";
import { once } from "node:events";
import { closeSync, existsSync, openSync } from "node:fs";
import { fileURLToPath } from "node:url";

const main = fileURLToPath(new URL("../../src/cli/main.ts", import.meta.url));
const command = (args: readonly string[]): string[] => ["--import", "tsx", main, ...args];

/** A run that has not ended by then has hung (a reader blocked on a FIFO, say): it is killed, and its test fails. */
const HUNG_AFTER_MS = 180_000;

export interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function vigil(...args: string[]): Run {
  const run = spawnSync(process.execPath, command(args), {
    encoding: "utf8",
    maxBuffer: 1 << 26,
    timeout: HUNG_AFTER_MS,
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** `vigil ARGS > /dev/full`; null where the system has no /dev/full. */
export function vigilToFullDisk(...args: string[]): Omit<Run, "stdout"> | null {
  if (!existsSync("/dev/full")) return null;
  const out = openSync("/dev/full", "w");
  try {
    const run = spawnSync(process.execPath, command(args), {
      encoding: "utf8",
      stdio: ["ignore", out, "pipe"],
      timeout: HUNG_AFTER_MS,
    });
    return { status: run.status, stderr: run.stderr };
  } finally {
    closeSync(out);
  }
}

/** `vigil ARGS | head -c 1`: the reader closes the pipe at the first bytes of standard output. */
export async function vigilReadBriefly(...args: string[]): Promise<Omit<Run, "stdout">> {
  const child = spawn(process.execPath, command(args), { stdio: ["ignore", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  child.stdout.once("data", () => child.stdout.destroy());
  const [status] = (await once(child, "exit")) as [number | null];
  return { status, stderr };
}
