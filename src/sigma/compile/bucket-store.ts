/**
 * The compiled matcher's per-(channel, EventID) buckets, kept in a file between hunts. Building a bucket (the rules'
 * prefilter clauses, then an Aho-Corasick automaton per field) is most of a hunt's fixed start: about 1 s for
 * SigmaHQ's rules over the 666 kinds of event of ../shared/evtx, in every thread that scans. A stored bucket is read
 * back as typed arrays instead.
 *
 * The file belongs to one set of rule roots (beside the parsed-rule cache, rule-cache.ts) and holds a fingerprint of
 * exactly what its buckets were built from: the rule files' texts, the placeholders, and the code that loads and
 * compiles rules. A file with another fingerprint is ignored, then replaced. Like the rule cache it is an accelerator
 * only: a file that cannot be read, or whose contents do not check out, is ignored and the buckets are built.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { threadId } from "node:worker_threads";
import { decodeCacheFile, encodeCacheFile } from "../cache-file.js";
import type { RuleProblem } from "../model.js";
import { codeStamp } from "../rule-cache.js";
import type { CompileOutcome } from "../rule-eval.js";
import type { AutomatonTables } from "./aho-corasick.js";

/** One field's prefilter: see FieldPrefilter in matcher.ts. */
export interface StoredField {
  readonly path: string | null;
  /** The automaton's key (AutomatonCache), or null: the field has only empty exact atoms. */
  readonly automaton: string | null;
  readonly empty: Int32Array;
  readonly offsets: Int32Array;
  readonly entries: Int32Array;
}

/** A bucket: its rules as indexes (in the matcher's load order, and in the rule's log source targets), its prefilters. */
export interface StoredBucket {
  readonly rules: Int32Array;
  readonly targets: Int32Array;
  readonly always: Int32Array;
  readonly full: Uint32Array;
  readonly fields: readonly StoredField[];
  readonly keywords: StoredField | null;
}

interface StoreContents {
  readonly format: number;
  readonly fingerprint: string;
  readonly buckets: Map<string, StoredBucket>;
  readonly automata: Map<string, AutomatonTables>;
  readonly compiled: CompileOutcome;
}

/** Bumped whenever the contents' shape changes (the code stamp changes too, but says nothing of the shape). */
const FORMAT = 3;
/** The file's tag (cache-file.ts: checked whole, its typed arrays read back as views of the file's bytes). */
const FILE_TAG = "VMS3";

function isCompileOutcome(x: unknown): x is CompileOutcome {
  const o = x as Partial<CompileOutcome> | null;
  return (
    typeof o === "object" &&
    o !== null &&
    Array.isArray(o.failed) &&
    o.failed.every((i) => Number.isInteger(i)) &&
    Array.isArray(o.problems) &&
    o.problems.every((p: RuleProblem) => typeof p === "object" && p !== null && typeof p.reason === "string")
  );
}

/**
 * What decides what a bucket holds besides the rules: the rule loader and evaluator, the modifiers, the compiler, and
 * the log source mapping (which rules apply to which channel and EventID, and the fields they read there).
 */
function compilerStamp(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  return codeStamp([here, join(here, ".."), join(here, "..", "modifiers"), join(here, "..", "data")]);
}

export class BucketStore {
  /** Buckets and automata read from the file (empty when there was none, or another rule set's). */
  private constructor(
    readonly file: string,
    private readonly fingerprint: string,
    private readonly buckets: Map<string, StoredBucket>,
    private readonly automata: Map<string, AutomatonTables>,
    /** Which rules could not compile, when the file had it: the matcher then compiles rules as it needs them. */
    readonly compiled: CompileOutcome | undefined,
  ) {}

  /** `fingerprint`: of the rules the buckets are built from (RuleCache.fingerprint); the code's is added here. */
  static open(file: string, rulesFingerprint: string): BucketStore {
    const fingerprint = `${rulesFingerprint}:${compilerStamp()}`;
    try {
      const contents = decodeCacheFile(FILE_TAG, readFileSync(file)) as StoreContents;
      if (
        contents.format === FORMAT &&
        contents.fingerprint === fingerprint &&
        contents.buckets instanceof Map &&
        contents.automata instanceof Map &&
        isCompileOutcome(contents.compiled)
      ) {
        return new BucketStore(file, fingerprint, contents.buckets, contents.automata, contents.compiled);
      }
    } catch {
      // No file yet, or one that cannot be read: start empty.
    }
    return new BucketStore(file, fingerprint, new Map(), new Map(), undefined);
  }

  get size(): number {
    return this.buckets.size;
  }

  /** The stored bucket for a dispatch key; its contents are checked by whoever restores it (matcher.ts). */
  bucket(key: string): StoredBucket | undefined {
    return this.buckets.get(key);
  }

  automaton(key: string): AutomatonTables | undefined {
    return this.automata.get(key);
  }

  keys(): IterableIterator<string> {
    return this.buckets.keys();
  }

  /** Replaces the file with these buckets and automata; errors are ignored (a read-only or full disk). */
  save(
    buckets: ReadonlyMap<string, StoredBucket>,
    automata: ReadonlyMap<string, AutomatonTables>,
    compiled: CompileOutcome,
  ): void {
    const temporary = `${this.file}.${process.pid}-${threadId}.tmp`;
    try {
      mkdirSync(dirname(this.file), { recursive: true });
      const contents: StoreContents = {
        format: FORMAT,
        fingerprint: this.fingerprint,
        buckets: new Map(buckets),
        automata: new Map(automata),
        compiled: { failed: [...compiled.failed], problems: [...compiled.problems] },
      };
      // Written aside and renamed, so that a concurrent hunt (or a worker of this one) never reads half a file.
      writeFileSync(temporary, encodeCacheFile(FILE_TAG, contents));
      renameSync(temporary, this.file);
    } catch {
      // The next hunt builds the buckets again.
      try {
        rmSync(temporary, { force: true });
      } catch {
        // Nothing was written where nothing can be.
      }
    }
  }
}
