/**
 * The two lookup tables of a chunk header: the 64-bucket string table (chunk offsets of name entries) and the
 * 32-bucket template table (chunk offsets of template definitions). Each bucket is the head of a chain linked
 * through the first four bytes of the entry ("next offset"); a new entry becomes the head and points at the old
 * one. Bucket choice, as observed in Windows-written chunks: names by their 16-bit hash mod 64, templates by the
 * same multiplicative hash over the GUID's eight UTF-16-sized words, mod 32.
 *
 * A record is built against the tables before the chunk knows whether it fits; `begin`/`commit`/`rollback` let
 * the chunk writer undo the entries of a record that moves on to the next chunk.
 */
import { nameHash } from "../binxml/tokens.js";

export const STRING_BUCKETS = 64;
export const TEMPLATE_BUCKETS = 32;

/** The Windows name hash: h = h * 65599 + unit over the UTF-16 code units, kept to 32 bits. */
function hash32(units: ArrayLike<number>): number {
  let h = 0;
  for (let i = 0; i < units.length; i++) h = (Math.imul(h, 65599) + units[i]) >>> 0;
  return h;
}

// Name hashes are the reader's (binxml/tokens.ts), which checks them on every name it reads.
export { nameHash };

/** String-table bucket of a name. */
export function nameBucket(name: string): number {
  return nameHash(name) % STRING_BUCKETS;
}

/** Template-table bucket of a template GUID (16 bytes as stored). */
export function templateBucket(guid: Uint8Array): number {
  const words: number[] = [];
  for (let i = 0; i + 1 < guid.length; i += 2) words.push(guid[i] | (guid[i + 1] << 8));
  return hash32(words) % TEMPLATE_BUCKETS;
}

/** Keys of GUIDs already seen: a template's GUID is one array looked up for every instance. */
const guidKeys = new WeakMap<Uint8Array, string>();

function guidKey(guid: Uint8Array): string {
  let key = guidKeys.get(guid);
  if (key === undefined) {
    key = Buffer.from(guid.buffer, guid.byteOffset, guid.byteLength).toString("hex");
    guidKeys.set(guid, key);
  }
  return key;
}

interface Snapshot {
  /** Bucket heads before the first change since `begin`; null while nothing changed (most records add nothing). */
  strings: number[] | null;
  templates: number[] | null;
  /** Entries replaced or added since `begin`, with what they were before. */
  readonly names: [string, number | undefined][];
  readonly guids: [string, number | undefined][];
}

export class ChunkTables {
  readonly stringBuckets: number[] = new Array(STRING_BUCKETS).fill(0);
  readonly templateBuckets: number[] = new Array(TEMPLATE_BUCKETS).fill(0);
  private readonly names = new Map<string, number>();
  private readonly templates = new Map<string, number>();
  private pending: Snapshot | null = null;

  /** Chunk offset of a name entry already written in this chunk. */
  findName(name: string): number | undefined {
    return this.names.get(name);
  }

  /** Register a name entry written at `offset`; returns the chain link to store in the entry. */
  addName(name: string, offset: number): number {
    const bucket = nameBucket(name);
    if (this.pending !== null && this.pending.strings === null) this.pending.strings = [...this.stringBuckets];
    const next = this.stringBuckets[bucket];
    this.stringBuckets[bucket] = offset;
    this.pending?.names.push([name, this.names.get(name)]);
    this.names.set(name, offset);
    return next;
  }

  /** Chunk offset of a template definition already written in this chunk. */
  findTemplate(guid: Uint8Array): number | undefined {
    return this.templates.get(guidKey(guid));
  }

  /** Register a template definition written at `offset`; returns the chain link to store in the definition. */
  addTemplate(guid: Uint8Array, offset: number): number {
    const bucket = templateBucket(guid);
    if (this.pending !== null && this.pending.templates === null) this.pending.templates = [...this.templateBuckets];
    const next = this.templateBuckets[bucket];
    this.templateBuckets[bucket] = offset;
    const key = guidKey(guid);
    this.pending?.guids.push([key, this.templates.get(key)]);
    this.templates.set(key, offset);
    return next;
  }

  /** Start collecting entries that `rollback` can undo. */
  begin(): void {
    this.pending = { strings: null, templates: null, names: [], guids: [] };
  }

  commit(): void {
    this.pending = null;
  }

  rollback(): void {
    const p = this.pending;
    if (p === null) return;
    const strings = p.strings;
    const templates = p.templates;
    if (strings !== null) for (let i = 0; i < STRING_BUCKETS; i++) this.stringBuckets[i] = strings[i];
    if (templates !== null) for (let i = 0; i < TEMPLATE_BUCKETS; i++) this.templateBuckets[i] = templates[i];
    for (const [name, was] of p.names.reverse()) {
      if (was === undefined) this.names.delete(name);
      else this.names.set(name, was);
    }
    for (const [key, was] of p.guids.reverse()) {
      if (was === undefined) this.templates.delete(key);
      else this.templates.set(key, was);
    }
    this.pending = null;
  }
}
