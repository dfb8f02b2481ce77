/** Expanding the paths a user gives into evidence files: files as given, folders walked recursively. */
import { type Dirent, readdirSync, type Stats, statSync } from "node:fs";
import { join } from "node:path";

export interface DiscoveryProblem {
  readonly path: string;
  readonly reason: string;
}

/**
 * Files under `paths`: a file is taken as given; a folder yields, recursively and in name order, the files `accept`
 * keeps. Unreadable paths become problems, not exceptions. In a folder, whatever is not a folder goes to whoever
 * opens it, which says what it is: a symbolic link to a file, a broken one, a FIFO or a device. A symbolic link to a
 * folder is a problem, not followed: it may loop back, or reach files already given.
 */
export async function* discoverFiles(
  paths: readonly string[],
  accept: (name: string) => boolean,
  problems: DiscoveryProblem[],
): AsyncGenerator<string> {
  for (const path of paths) {
    let info: Stats;
    try {
      // Synchronous: a hunt opens each file it scans through here, and an awaited stat waited on the thread pool.
      info = statSync(path);
    } catch (e) {
      problems.push({ path, reason: (e as NodeJS.ErrnoException).code ?? String(e) });
      continue;
    }
    if (info.isDirectory()) yield* walk(path, accept, problems);
    else yield path;
  }
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
