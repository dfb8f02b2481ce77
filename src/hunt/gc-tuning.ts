/**
 * Two settings of V8's garbage collector for a hunt.
 *
 * First, V8's allocation-site pretenuring is turned off: once objects from an allocation site have mostly survived
 * young-generation collections, V8 allocates that site's objects straight into the old generation. A hunt misleads it.
 * Loading and compiling thousands of rules makes long-lived objects in bursts, then the EVTX parser makes short-lived
 * ones from the same helpers. Records then went straight to the old generation, and every young collection had to keep
 * alive what those dead records pointed to.
 *
 * Measured with SigmaHQ's rules, one thread, in paired runs with and without pretenuring:
 * - on a 128 MiB Security log, the hunt took 7.8-10.2 s with it and 7.5-7.8 s without;
 * - peak RSS went from 405 MiB to 242-264 MiB;
 * - young collections took 7-8 ms and promoted 2.4 MB each with it, 2 ms and 0.16 MB without;
 * - a hunt of the corpus ten times over took 29.7 s with it and 21.2 s without.
 *
 * Second, the old generation may grow to only 1.5 times what survived the last full collection. V8's own factor goes
 * up to 4 when collections are cheap next to the program's work, and much of a hunt's garbage lives long enough to be
 * promoted (detections held for the sort until a run of them is written out): the heap grew with the length of the
 * hunt, not with what it kept (a hunt that kept few detections grew far less). One thread, the corpus ten times over,
 * paired runs: peak RSS 635-679 MiB with V8's factor, 456-477 MiB with 1.5, in the same time (22.2-26.2 s and 25.0 s);
 * on the 128 MiB log 206 MiB against 186-187 MiB.
 *
 * The flags are the process's, shared by its worker threads. They are set before the scan starts; V8 reads them as
 * it collects.
 */
import { setFlagsFromString } from "node:v8";

let tuned = false;

export function tuneGarbageCollection(): void {
  if (tuned) return;
  tuned = true;
  setFlagsFromString("--no-allocation-site-pretenuring");
  setFlagsFromString("--heap-growing-percent=50");
}
