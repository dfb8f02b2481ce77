/**
 * When something happened, in bounded space: the distinct time buckets of its occurrences, at most MAX_BUCKETS of
 * them. Buckets start one millisecond wide (exact times); when there would be more, the width grows eightfold and
 * buckets that now fall together merge. An edge seen a handful of times keeps its exact times, one seen all year
 * keeps them to about two weeks. Scoping uses it to ask "was there a session from S into H shortly before this service was
 * installed?" after facts from several workers have been merged, which first/last times alone cannot answer.
 */

export interface TimeSketch {
  /** Bucket width in ms (8^k). */
  readonly width: number;
  /** Bucket starts (multiples of width), ascending, distinct. */
  readonly buckets: readonly number[];
}

export const MAX_BUCKETS = 32;
const BASE_WIDTH = 1;
const GROWTH = 8;

export class TimeSketchBuilder {
  width = BASE_WIDTH;
  buckets: number[] = [];
  private lastBucket = Number.NaN;

  add(time: number): void {
    const bucket = time - mod(time, this.width);
    if (bucket === this.lastBucket) return;
    this.lastBucket = bucket;
    insertSorted(this.buckets, bucket);
    if (this.buckets.length > MAX_BUCKETS) this.coarsen();
  }

  addSketch(sketch: TimeSketch): void {
    while (this.width < sketch.width) this.grow();
    for (const b of sketch.buckets) insertSorted(this.buckets, b - mod(b, this.width));
    while (this.buckets.length > MAX_BUCKETS) this.grow();
    this.lastBucket = Number.NaN;
  }

  toSketch(): TimeSketch {
    return { width: this.width, buckets: [...this.buckets] };
  }

  private coarsen(): void {
    while (this.buckets.length > MAX_BUCKETS) this.grow();
    this.lastBucket = Number.NaN;
  }

  private grow(): void {
    this.width *= GROWTH;
    const out: number[] = [];
    for (const b of this.buckets) {
      const c = b - mod(b, this.width);
      if (out.length === 0 || out[out.length - 1] !== c) out.push(c);
    }
    this.buckets = out;
  }
}

function mod(a: number, m: number): number {
  const r = a % m;
  return r < 0 ? r + m : r;
}

function insertSorted(list: number[], value: number): void {
  let lo = 0;
  let hi = list.length;
  if (hi > 0 && list[hi - 1] < value) {
    list.push(value);
    return;
  }
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  if (list[lo] !== value) list.splice(lo, 0, value);
}

export function mergeSketches(a: TimeSketch, b: TimeSketch): TimeSketch {
  const builder = new TimeSketchBuilder();
  builder.addSketch(a);
  builder.addSketch(b);
  return builder.toSketch();
}

export function emptySketch(): TimeSketch {
  return { width: BASE_WIDTH, buckets: [] };
}

/**
 * The time (a bucket's start, or `time` itself when its bucket holds it) of the occurrence nearest to `time` within
 * [time - before, time + after], or null. A bucket counts when any part of it falls in the interval.
 */
export function nearestInSketch(sketch: TimeSketch, time: number, before: number, after: number): number | null {
  let best: number | null = null;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const b of sketch.buckets) {
    const end = b + sketch.width;
    if (end <= time - before || b > time + after) continue;
    const at = time >= b && time < end ? time : b > time ? b : end - 1;
    const distance = Math.abs(at - time);
    if (distance < bestDistance) {
      bestDistance = distance;
      best = at;
    }
  }
  return best;
}

/**
 * The first occurrence at or after `time` (a bucket's start, or `time` itself when its bucket holds it), or null
 * when none is; `time` itself for an empty sketch (nothing known about when, so no bound).
 */
export function firstAtOrAfter(sketch: TimeSketch, time: number): number | null {
  if (sketch.buckets.length === 0) return time;
  for (const b of sketch.buckets) if (b + sketch.width > time) return Math.max(b, time);
  return null;
}
