/**
 * Mutation fuzzing of the EVTX reader, shared by `npm test` (2,000 cases) and `npm run fuzz` (100,000): seeds are
 * corpus files when ../shared is present and files built by our own writer otherwise; each case mutates one seed
 * (bit flips, truncation, spliced chunks, absurd size and offset fields) and reads it fully: fields, JSON, XML.
 * Cases are reproducible from (seed, case number).
 */
import { readFileSync } from "node:fs";
import { readEvtxBuffer } from "../../src/evtx/index.js";
import type { ReadStats } from "../../src/evtx/types.js";

/** Deterministic PRNG (mulberry32): a failing case number reproduces exactly. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CHUNK = 0x10000;
const HEADER = 0x1000;
const ABSURD = [0, 1, 0x7f, 0xff, 0xffff, 0x10000, 0x7fffffff, 0xffffffff];

type Mutation = (bytes: Buffer, rand: () => number, seeds: readonly Buffer[]) => Buffer;

const int = (rand: () => number, n: number): number => Math.floor(rand() * n);

/** Offsets of record magics, so size fields and BinXML get hit more often than random bytes would. */
function recordOffsets(bytes: Buffer): number[] {
  const found: number[] = [];
  const magic = Buffer.from([0x2a, 0x2a, 0, 0]);
  for (let i = bytes.indexOf(magic); i >= 0 && found.length < 4096; i = bytes.indexOf(magic, i + 1)) found.push(i);
  return found;
}

const mutations: Record<string, Mutation> = {
  bitFlips(bytes, rand) {
    const n = 1 + int(rand, 16);
    for (let i = 0; i < n; i++) bytes[int(rand, bytes.length)] ^= 1 << int(rand, 8);
    return bytes;
  },
  byteRun(bytes, rand) {
    const at = int(rand, bytes.length);
    const len = 1 + int(rand, 512);
    const fill = [0x00, 0xff, int(rand, 256)][int(rand, 3)];
    bytes.fill(fill, at, Math.min(bytes.length, at + len));
    return bytes;
  },
  truncate(bytes, rand) {
    return bytes.subarray(0, int(rand, bytes.length));
  },
  spliceChunk(bytes, rand, seeds) {
    const donor = seeds[int(rand, seeds.length)];
    if (donor.length < HEADER + CHUNK || bytes.length < HEADER + CHUNK) return bytes;
    const from = HEADER + CHUNK * int(rand, Math.floor((donor.length - HEADER) / CHUNK));
    // Sometimes aligned, sometimes not: a chunk copied to an odd offset is a carving accident.
    const to =
      rand() < 0.7 ? HEADER + CHUNK * int(rand, Math.floor((bytes.length - HEADER) / CHUNK)) : int(rand, bytes.length);
    donor.copy(bytes, to, from, Math.min(from + CHUNK, from + bytes.length - to));
    return bytes;
  },
  absurdHeaderField(bytes, rand) {
    // File header: chunk numbers, header size, versions, chunk count, flags; chunk header: record numbers, offsets.
    const fileFields = [8, 16, 24, 32, 36, 38, 40, 42, 120];
    const chunkFields = [8, 16, 24, 32, 40, 44, 48, 52];
    const value = ABSURD[int(rand, ABSURD.length)];
    if (rand() < 0.3 && bytes.length >= 128) {
      bytes.writeUInt16LE(value & 0xffff, fileFields[int(rand, fileFields.length)]);
    } else {
      const chunks = Math.floor((bytes.length - HEADER) / CHUNK);
      if (chunks <= 0) return bytes;
      const base = HEADER + CHUNK * int(rand, chunks);
      bytes.writeUInt32LE(value, base + chunkFields[int(rand, chunkFields.length)]);
    }
    return bytes;
  },
  absurdRecordField(bytes, rand) {
    const records = recordOffsets(bytes);
    if (records.length === 0) return bytes;
    const at = records[int(rand, records.length)];
    const value = ABSURD[int(rand, ABSURD.length)];
    // Record size, the size copy via a bogus size, or a byte inside the BinXML (token, name offset, value sizes).
    const which = int(rand, 3);
    if (which === 0 && at + 8 <= bytes.length) bytes.writeUInt32LE(value, at + 4);
    else if (which === 1) {
      const p = at + 24 + int(rand, 4);
      if (p + 4 <= bytes.length) bytes.writeUInt32LE(value, p);
    } else {
      const p = at + 24 + int(rand, 400);
      if (p + 4 <= bytes.length) bytes.writeUInt32LE(value, p);
    }
    return bytes;
  },
};

export const mutationNames = Object.keys(mutations);

export interface FuzzSummary {
  cases: number;
  byMutation: Record<string, number>;
  records: number;
  damage: number;
  slowestMs: number;
  slowestCase: number;
  heapGrowthMB: number;
}

/**
 * Every record exercised: all fields and the JSON text (the hunt and dump paths); on every fourth case also the JSON
 * tree and the XML (the generic walk). Throws on any reader exception.
 */
function readEverything(bytes: Buffer, full: boolean): { records: number; damage: number; stats: ReadStats } {
  const { records, damage, stats } = readEvtxBuffer(bytes, { file: "<fuzz>" });
  for (const r of records) {
    for (const _ of r.fields.entries()) {
      // decode every field
    }
    r.toJsonText();
    if (full) {
      r.toJson();
      r.toXml();
    }
  }
  return { records: records.length, damage: damage.length, stats };
}

/** Seed files cut to the file header and their first few chunks: structure enough, and cases stay quick. */
export const SEED_CHUNKS = 3;

export function loadSeeds(paths: readonly string[]): Buffer[] {
  return paths.map((p) => readFileSync(p).subarray(0, HEADER + SEED_CHUNKS * CHUNK));
}

/**
 * Run `count` cases from `seed`. `onCase` may assert per case; the summary reports the slowest case and how much the
 * heap grew (memory stays bounded: nothing is kept between cases).
 */
export function runFuzz(
  seeds: readonly Buffer[],
  count: number,
  seed: number,
  onCase?: (info: { n: number; mutation: string; ms: number; stats: ReadStats }) => void,
): FuzzSummary {
  const rand = prng(seed);
  const summary: FuzzSummary = {
    cases: 0,
    byMutation: {},
    records: 0,
    damage: 0,
    slowestMs: 0,
    slowestCase: -1,
    heapGrowthMB: 0,
  };
  // With --expose-gc (npm run fuzz) the heap is measured after a full collection, so growth means retention.
  const collect = (globalThis as { gc?: () => void }).gc;
  collect?.();
  const heapBefore = process.memoryUsage().heapUsed;
  for (let n = 0; n < count; n++) {
    const source = seeds[int(rand, seeds.length)];
    const name = mutationNames[int(rand, mutationNames.length)];
    let bytes: Buffer = Buffer.from(source);
    // One to three mutations stacked.
    const stack = 1 + int(rand, 3);
    for (let i = 0; i < stack; i++)
      bytes = mutations[i === 0 ? name : mutationNames[int(rand, mutationNames.length)]](bytes, rand, seeds);
    const start = performance.now();
    let result: ReturnType<typeof readEverything>;
    try {
      result = readEverything(bytes, n % 4 === 0);
    } catch (e) {
      throw new Error(`fuzz case ${n} (seed ${seed}, ${name}): ${(e as Error).stack ?? e}`);
    }
    const ms = performance.now() - start;
    if (ms > summary.slowestMs) {
      summary.slowestMs = ms;
      summary.slowestCase = n;
    }
    summary.cases++;
    summary.byMutation[name] = (summary.byMutation[name] ?? 0) + 1;
    summary.records += result.records;
    summary.damage += result.damage;
    onCase?.({ n, mutation: name, ms, stats: result.stats });
  }
  collect?.();
  summary.heapGrowthMB = (process.memoryUsage().heapUsed - heapBefore) / 1e6;
  return summary;
}
