/** Expanding the paths a user gives into evidence files: files as given, folders walked recursively. */
import { type Dirent, readdirSync, type Stats, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

export interface DiscoveryProblem {
  readonly path: string;
  readonly reason: string;
}

/**
 * Files under `paths`: a file is taken as given; a folder yields, recursively and in name order, the files `accept`
 * keeps. Unreadable paths become problems, not exceptions. In a folder, whatever is not a folder goes to whoever
 * opens it, which says what it is: a symbolic link to a file, a broken one, a FIFO or a device. A symbolic link to a
 * folder is a problem, not followed: it may loop back, or reach files already given. A path given twice, or inside a
 * folder also given, is read once.
 */
export async function* discoverFiles(
  paths: readonly string[],
  accept: (name: string) => boolean,
  problems: DiscoveryProblem[],
): AsyncGenerator<string> {
  const given: { path: string; resolved: string; folder: boolean }[] = [];
  for (const path of paths) {
    let info: Stats;
    try {
      // Synchronous: a hunt opens each file it scans through here, and an awaited stat waited on the thread pool.
      info = statSync(path);
    } catch (e) {
      problems.push({ path, reason: (e as NodeJS.ErrnoException).code ?? String(e) });
      continue;
    }
    given.push({ path, resolved: resolve(path), folder: info.isDirectory() });
  }
  const folders = new Set(given.filter((g) => g.folder).map((g) => g.resolved));
  const taken = new Set<string>();
  for (const g of given) {
    if (taken.has(g.resolved) || insideAny(g.resolved, folders)) continue;
    taken.add(g.resolved);
    if (g.folder) yield* walk(g.path, accept, problems);
    else yield g.path;
  }
}

/**
 * Whether `path` is inside one of `folders` (not one of them itself): a file and a folder holding it (`vigil hunt
 * logs logs/Security.evtx`) are read once. Told by the paths as written: a link to a folder is read through as given.
 */
function insideAny(path: string, folders: ReadonlySet<string>): boolean {
  for (let child = path, up = dirname(path); up !== child; child = up, up = dirname(up)) {
    if (folders.has(up)) return true;
  }
  return false;
}

async function* walk(
  dir: string,
  accept: (name: string) => boolean,
  problems: DiscoveryProblem[],
): AsyncGenerator<string> {
  let entries: Dirent[];
  try {
    // Synchronous too: SigmaHQ's rules are in some 300 folders, and awaiting each listing left a hunt's start idle
    // for a tenth of a second.
    entries = readdirSync(dir, { withFileTypes: true });
  } catch (e) {
    problems.push({ path: dir, reason: (e as NodeJS.ErrnoException).code ?? String(e) });
    return;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(path, accept, problems);
    else if (entry.isSymbolicLink() && linksToFolder(path)) {
      problems.push({ path, reason: "a link to a folder, not followed" });
    } else if (accept(entry.name)) yield path;
  }
}

function linksToFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    // A broken link: its reader reports it.
    return false;
  }
}

export function isEvtxName(name: string): boolean {
  return name.toLowerCase().endsWith(".evtx");
}
