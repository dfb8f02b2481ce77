/**
 * A cache of loaded rules, so that hunting again with the same rule folders (a SigmaHQ checkout: 3,000+ files) does
 * not parse the same YAML again: parsing is most of a rule set's load time (about 3 s for SigmaHQ, against 0.2 s to
 * read the cache).
 *
 * One cache file per set of rule roots, holding exactly the files loaded last time from them. An entry is keyed by
 * the file's path and the SHA-256 of its text, and the whole cache by a stamp of the loader's own modules, so a new
 * Vigil never reads rules its predecessor parsed. The cache is an accelerator only: any failure to read or write it
 * is ignored and the rules are parsed as without it.
 *
 * Reading and hashing SigmaHQ's 3,000 files took 0.15-0.25 s of every hunt's start (more from a cold disk), against
 * 0.05 s to stat them. So, as git does for its index, a file whose size, inode, and modification and change times (to
 * the nanosecond) are those recorded when its text was last hashed is taken as unchanged without reading it. The
 * change time cannot be set back by tools that restore a modification time (`touch -d`, `rsync -t`, `cp -p`). A file
 * changed within RACY_MS of that hashing (same-second edits on file systems with coarse times) is never taken so: it
 * is read and hashed until its times are safely older than the hashing.
 */
import { createHash } from "node:crypto";
import { type BigIntStats, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { decodeCacheFile, encodeCacheFile } from "./cache-file.js";
import type { RuleProblem, SigmaRule } from "./model.js";
import { revivedRule, type StoredRule, storedRule } from "./stored-rule.js";

/** What loading one file gave. */
export interface CachedFile {
  readonly rules: readonly SigmaRule[];
  readonly problems: readonly RuleProblem[];
}

/** How a file looked (before its text was read) when its text was hashed, and the key that hash gave. */
interface FileLook {
  readonly size: bigint;
  readonly ino: bigint;
  readonly mtimeNs: bigint;
  readonly ctimeNs: bigint;
  /** When the text was hashed (ms since the epoch). */
  readonly hashedAt: number;
  readonly key: string;
}

/** What loading one file gave, as the cache file keeps it (stored-rule.ts). */
interface StoredFile {
  readonly rules: readonly StoredRule[];
  readonly problems: readonly RuleProblem[];
}

interface CacheContents {
  readonly stamp: string;
  /** `path \0 sha256` -> what the file gave. */
  readonly entries: Map<string, StoredFile>;
  /** path -> how the file looked when hashed. */
  readonly looks: Map<string, FileLook>;
}

/** Times closer than this to the hashing are not trusted (FAT keeps times to 2 s; clocks tick coarsely). */
const RACY_MS = 3000;

/** The cache file's tag (cache-file.ts). Its checksum covers the rule bodies, read only when first used. */
const FILE_TAG = "VRC2";

/** `$VIGIL_CACHE_DIR`, else `$XDG_CACHE_HOME/vigil`, else `~/.cache/vigil`. */
export function defaultCacheDir(): string {
  const env = process.env;
  if (env.VIGIL_CACHE_DIR) return env.VIGIL_CACHE_DIR;
  if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, "vigil");
  return join(homedir(), ".cache", "vigil");
}

/** Modules and data files (the log source mapping) by name, size and modification time: changes whenever one does. */
export function codeStamp(dirs: readonly string[]): string {
  const hash = createHash("sha256");
  for (const dir of dirs) {
    hash.update(`${dir}\n`);
    for (const name of readdirSync(dir).sort()) {
      if (!/\.(js|ts|ya?ml|json)$/.test(name)) continue;
      const s = statSync(join(dir, name));
      hash.update(`${name}\0${s.size}\0${s.mtimeMs}\n`);
    }
  }
  return hash.digest("hex");
}

/** The loader's modules (this folder). */
function loaderStamp(): string {
  return codeStamp([dirname(fileURLToPath(import.meta.url))]);
}

export class RuleCache {
  private readonly previous: Map<string, StoredFile>;
  /** The files loaded this time, as rules; and as the cache file keeps them, for those taken from it. */
  private readonly current = new Map<string, CachedFile>();
  private readonly currentStored = new Map<string, StoredFile>();
  private readonly previousLooks: Map<string, FileLook>;
  private readonly looks = new Map<string, FileLook>();
  private changed = false;
  hits = 0;
  misses = 0;
  /** Hits on files taken as unchanged by their look, without reading them. */
  unread = 0;

  private constructor(
    private readonly file: string,
    /** Of the rule roots: names the files kept for them (this cache, and the matcher's bucket store). */
    readonly rootsKey: string,
    private readonly stamp: string,
    previous: Map<string, StoredFile>,
    previousLooks: Map<string, FileLook>,
    /** RACY_MS; tests lower it rather than wait. */
    private readonly racyMs: number,
  ) {
    this.previous = previous;
    this.previousLooks = previousLooks;
  }

  /** The cache for these rule roots in `dir`; empty when there is none yet or it cannot be read. */
  static open(dir: string, roots: readonly string[], racyMs = RACY_MS): RuleCache {
    const stamp = loaderStamp();
    const key = createHash("sha256")
      .update(
        roots
          .map((r) => resolve(r))
          .sort()
          .join("\0"),
      )
      .digest("hex")
      .slice(0, 32);
    const file = join(dir, `rules-${key}.bin`);
    let previous = new Map<string, StoredFile>();
    let looks = new Map<string, FileLook>();
    try {
      const contents = decodeCacheFile(FILE_TAG, readFileSync(file)) as CacheContents;
      if (contents.stamp === stamp && contents.entries instanceof Map && contents.looks instanceof Map) {
        previous = contents.entries;
        looks = contents.looks;
      }
    } catch {
      // No cache yet, or one that cannot be read: start empty.
    }
    return new RuleCache(file, key, stamp, previous, looks, racyMs);
  }

  /** A file's entry: its path and the hash of its text (computed once, for the lookup and then the store). */
  static keyOf(path: string, text: string): string {
    return `${path}\0${createHash("sha256").update(text).digest("hex")}`;
  }

  /**
   * What the file gave last time, if it looks exactly as it did when its text was hashed (`look`: statted before any
   * read) and did so safely after its last change; otherwise undefined, and the caller reads and hashes it.
   */
  unchanged(path: string, look: BigIntStats): CachedFile | undefined {
    const was = this.previousLooks.get(path);
    if (was === undefined) return undefined;
    const same =
      was.size === look.size && was.ino === look.ino && was.mtimeNs === look.mtimeNs && was.ctimeNs === look.ctimeNs;
    const settled = BigInt(Math.floor(was.hashedAt - this.racyMs)) * 1_000_000n;
    if (!same || look.mtimeNs >= settled || look.ctimeNs >= settled) return undefined;
    const found = this.taken(was.key);
    if (found === undefined) return undefined;
    this.unread++;
    this.looks.set(path, was);
    return found;
  }

  /** Records how a file looked (statted before its text was read) when its text was hashed into `key`. */
  noteLook(path: string, look: BigIntStats, key: string): void {
    this.looks.set(path, {
      size: look.size,
      ino: look.ino,
      mtimeNs: look.mtimeNs,
      ctimeNs: look.ctimeNs,
      hashedAt: Date.now(),
      key,
    });
    this.changed = true;
  }

  /** What the file (`keyOf`) gave last time, if its text is unchanged. */
  lookup(key: string): CachedFile | undefined {
    const found = this.taken(key);
    if (found === undefined) this.misses++;
    return found;
  }

  /** A file's entry taken from the cache file into this load, its rules revived (bodies still unread). */
  private taken(key: string): CachedFile | undefined {
    const stored = this.previous.get(key);
    if (stored === undefined) return undefined;
    this.hits++;
    let file = this.current.get(key);
    if (file === undefined) {
      file = { rules: stored.rules.map(revivedRule), problems: stored.problems };
      this.current.set(key, file);
      this.currentStored.set(key, stored);
    }
    return file;
  }

  /**
   * What the rules loaded through this cache were made from: the loader's code and every file's path and text (as
   * looked up or stored), plus `extra` (settings that shape compiled rules). Equal fingerprints, equal rules.
   */
  fingerprint(extra: string): string {
    const hash = createHash("sha256").update(`${this.stamp}\n${extra}\n`);
    for (const key of [...this.current.keys()].sort()) hash.update(`${key}\n`);
    return hash.digest("hex");
  }

  store(key: string, loaded: CachedFile): void {
    this.current.set(key, loaded);
    this.currentStored.delete(key);
    this.changed = true;
  }

  /** Writes the cache when it differs from what was read (new, changed or removed files); errors are ignored. */
  save(): void {
    if (!this.changed && this.current.size === this.previous.size) return;
    try {
      mkdirSync(dirname(this.file), { recursive: true });
      const entries = new Map<string, StoredFile>();
      for (const [key, file] of this.current) {
        // Entries taken from the old file keep their stored form: their bodies are not read to be written again.
        entries.set(key, this.currentStored.get(key) ?? { rules: file.rules.map(storedRule), problems: file.problems });
      }
      const contents: CacheContents = { stamp: this.stamp, entries, looks: this.looks };
      // Written aside and renamed, so that a concurrent hunt never reads half a cache.
      const temporary = `${this.file}.${process.pid}.tmp`;
      writeFileSync(temporary, encodeCacheFile(FILE_TAG, contents));
      renameSync(temporary, this.file);
    } catch {
      // A read-only home, a full disk: the next hunt parses the rules again.
    }
  }
}
