/**
 * Access to the reference data at ../shared and to libevtx's `evtxexport`, shared by the differential test and
 * bench/evtx.ts. Nothing here is a test itself (the runner only picks up `*.test.ts`).
 */
import { execFile, spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

/** The project root (this file sits in test/evtx/). */
export const projectRoot = fileURLToPath(new URL("../../", import.meta.url));

/** Reference data beside the project, as CI has it; a fresh clone has none. */
export const sharedDir = join(projectRoot, "..", "shared");
export const sharedEvtxDir = join(sharedDir, "evtx");
export const hasSharedEvtx = existsSync(sharedEvtxDir);

/** One line for `{ skip }` when ../shared is absent. */
export const noSharedReason = `reference data absent: ${sharedEvtxDir} does not exist (CI has ../shared beside the project)`;

/** Every `*.evtx` under `dir`, recursively, as absolute paths sorted by path relative to `dir`. */
export function listEvtxFiles(dir: string): string[] {
  const found: string[] = [];
  const walk = (d: string): void => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile() && entry.name.toLowerCase().endsWith(".evtx")) found.push(path);
    }
  };
  walk(dir);
  return found.sort((a, b) => compareStrings(relative(dir, a), relative(dir, b)));
}

/** Locale-independent ordering, so file lists and tables read the same on every machine. */
function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Whether a command runs at all (ENOENT means not installed). */
export function commandAvailable(command: string, args: readonly string[]): boolean {
  const probe = spawnSync(command, args, { stdio: "ignore" });
  return probe.error === undefined;
}

export const hasEvtxexport = commandAvailable("evtxexport", ["-V"]);
export const noEvtxexportReason = "evtxexport not installed (apt-get install libevtx-utils)";

/** How many records evtxexport (libevtx 20181227) renders from one file, allocated and recovered together. */
export interface EvtxexportCount {
  /**
   * Records it outputs as XML, sound or not: allocated ones, then those libevtx recovers from chunk slack (it renders
   * some stale slack records as broken XML rather than rejecting them).
   */
  readonly decoded: number;
  /** Recovered record headers it found but could not render ("Unable to export recovered record: I."). */
  readonly unreadable: number;
  /**
   * Why the export of allocated records stopped, or null. libevtx aborts the whole export at the first allocated
   * record it cannot decode: the allocated records after it are lost, and recovered ones come from a separate run.
   */
  readonly itemsError: string | null;
}

/** Runs `evtxexport -f xml -m all` on one file (and `-m recovered` after an aborted export) and counts records. */
export async function countEvtxexport(path: string): Promise<EvtxexportCount> {
  const all = await exec("evtxexport", ["-f", "xml", "-m", "all", path]);
  const allOutcomes = xmlOutcomes(all.stdout);
  if (all.code === 0) {
    return { decoded: countTrue(allOutcomes), unreadable: countFalse(allOutcomes), itemsError: null };
  }
  const recovered = xmlOutcomes((await exec("evtxexport", ["-f", "xml", "-m", "recovered", path])).stdout);
  return {
    decoded: countTrue(allOutcomes) + countTrue(recovered),
    unreadable: countFalse(allOutcomes) + countFalse(recovered),
    itemsError: libyalRootCause(all.stderr),
  };
}

/** One record evtxexport printed: the record header's number and whether it rendered. */
export interface EvtxexportRecord {
  readonly number: number;
  readonly decoded: boolean;
}

/**
 * Every record evtxexport prints from one file, allocated (`-m items`) and recovered (`-m recovered`), for finding
 * which records two readers disagree on. Only the text output gives the record header's number ("Event number"; the
 * XML output shows System.EventRecordID, renumbered in exported logs), but the text output gives up on some records
 * the XML output renders (it fails while collecting the event's strings). Both print one item per record in the same
 * order, so the two are lined up item by item.
 */
export async function listEvtxexportRecords(
  path: string,
): Promise<{ items: EvtxexportRecord[]; recovered: EvtxexportRecord[]; itemsError: string | null }> {
  const mode = async (m: "items" | "recovered") => {
    const [text, xml] = await Promise.all([
      exec("evtxexport", ["-m", m, path]),
      exec("evtxexport", ["-f", "xml", "-m", m, path]),
    ]);
    const numbers = Array.from(text.stdout.matchAll(/^Event number\t+: (\d+)$/gm), (match) => Number(match[1]));
    const decoded = xmlOutcomes(xml.stdout);
    if (numbers.length !== decoded.length) {
      throw new Error(`evtxexport -m ${m} ${path}: ${numbers.length} records in text output, ${decoded.length} in XML`);
    }
    return {
      records: numbers.map((number, i) => ({ number, decoded: decoded[i] })),
      code: text.code,
      stderr: text.stderr,
    };
  };
  const [items, recovered] = await Promise.all([mode("items"), mode("recovered")]);
  return {
    items: items.records,
    recovered: recovered.records,
    itemsError: items.code === 0 ? null : libyalRootCause(items.stderr),
  };
}

/**
 * What became of each record in evtxexport's XML output, in order: true for `<Event xmlns=…>` (rendered; values are
 * XML-escaped, so this cannot occur inside one), false for `Unable to export [recovered ]record: I.`.
 */
function xmlOutcomes(xml: string): boolean[] {
  return Array.from(xml.matchAll(/^(?:<Event xmlns=|Unable to export (?:recovered )?record: \d+\.$)/gm), (m) =>
    m[0].startsWith("<"),
  );
}

const countTrue = (flags: readonly boolean[]): number => flags.filter(Boolean).length;
const countFalse = (flags: readonly boolean[]): number => flags.length - countTrue(flags);

/** libyal prints an error backtrace innermost first, after a summary line; the innermost line is the cause. */
function libyalRootCause(stderr: string): string {
  const lines = stderr.split("\n").filter((l) => l.trim() !== "");
  return lines[1] ?? lines[0] ?? "no message";
}

interface ExecResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** execFile that resolves with the exit code instead of rejecting on a non-zero one. */
export function exec(command: string, args: readonly string[]): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    execFile(
      command,
      args,
      { encoding: "utf8", maxBuffer: 1 << 30, env: { ...process.env, LC_ALL: "C" } },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== "number") reject(error);
        else resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
      },
    );
  });
}

/** Maps `items` through `fn` with at most `limit` calls in flight; results keep the input order. */
export async function mapBounded<T, R>(
  items: readonly T[],
  fn: (item: T) => Promise<R>,
  limit = availableParallelism(),
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
