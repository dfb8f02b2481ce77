/** Progress: a bar on a terminal only, redrawn at most once per interval, cleared on stop. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { createProgress, type ProgressStream, progressLine } from "../../src/output/progress.js";

function stream(isTTY: boolean, columns = 100): ProgressStream & { readonly out: string[] } {
  const out: string[] = [];
  return {
    out,
    isTTY,
    columns,
    write(text: string) {
      out.push(text);
      return true;
    },
  };
}

const STATE = { files: 12, filesDone: 3, bytes: 456_700_000, matches: 12 };

test("not a terminal: updates and stop write nothing; printed lines pass straight through", async () => {
  const s = stream(false);
  const progress = createProgress(s, true, { intervalMs: 0 });
  progress.update(STATE);
  progress.update({ ...STATE, filesDone: 4 });
  await sleep(20);
  progress.stop();
  assert.deepEqual(s.out, []);
  progress.print("a.evtx: chunk 2: bad CRC");
  assert.deepEqual(s.out, ["a.evtx: chunk 2: bad CRC\n"]);
});

test("disabled (--quiet) on a terminal: nothing drawn", () => {
  const s = stream(true);
  const progress = createProgress(s, false, { intervalMs: 0 });
  progress.update(STATE);
  progress.stop();
  assert.deepEqual(s.out, []);
});

test("a terminal gets the bar, rewritten in place, and stop clears it", () => {
  const s = stream(true);
  const progress = createProgress(s, true, { intervalMs: 0 });
  progress.update(STATE);
  assert.equal(s.out.length, 1);
  assert.equal(s.out[0], `\r${progressLine(STATE)}\u001b[K`);
  assert.match(progressLine(STATE), /^\[█{6}░{18}\] 3\/12 files {2}456\.7 MB {2}12 detections$/);
  progress.stop();
  assert.equal(s.out.at(-1), "\r\u001b[K");
  progress.update(STATE);
  progress.stop();
  assert.equal(s.out.length, 2, "nothing after stop");
});

test("redraws are throttled: the latest state is drawn when the interval has passed", async () => {
  let now = 0;
  const s = stream(true);
  const progress = createProgress(s, true, { intervalMs: 30, now: () => now });
  progress.update({ ...STATE, filesDone: 1 });
  progress.update({ ...STATE, filesDone: 2 });
  progress.update({ ...STATE, filesDone: 3 });
  assert.equal(s.out.length, 1, "one drawing within the interval");
  assert.ok(s.out[0].includes(" 1/12 files"));
  now = 30;
  await sleep(60);
  assert.equal(s.out.length, 2, "the pending drawing happened");
  assert.ok(s.out[1].includes(" 3/12 files"));
  now = 100;
  progress.update({ ...STATE, filesDone: 4 });
  assert.equal(s.out.length, 3);
  progress.stop();
});

test("stop cancels a pending drawing", async () => {
  const s = stream(true);
  const progress = createProgress(s, true, { intervalMs: 20, now: () => 0 });
  progress.update(STATE);
  progress.update({ ...STATE, filesDone: 5 });
  progress.stop();
  await sleep(50);
  assert.deepEqual(s.out, [`\r${progressLine(STATE)}\u001b[K`, "\r\u001b[K"]);
});

test("a printed line clears the bar and the bar comes back under it", () => {
  const s = stream(true);
  const progress = createProgress(s, true, { intervalMs: 0 });
  progress.update(STATE);
  progress.print("b.evtx: truncated");
  assert.deepEqual(s.out.slice(1), ["\r\u001b[K", "b.evtx: truncated\n", `\r${progressLine(STATE)}\u001b[K`]);
  progress.stop();
});

test("the line never outgrows the terminal; no bar while the files are still being counted", () => {
  const s = stream(true, 30);
  const progress = createProgress(s, true, { intervalMs: 0 });
  progress.update(STATE);
  progress.stop();
  const drawn = (s.out[0] ?? "").slice(1, -"\u001b[K".length);
  assert.ok([...drawn].length <= 29, drawn);
  assert.equal(progressLine({ files: 0, filesDone: 0, bytes: 0, matches: 1 }), "0 files  0.0 MB  1 detection");
});
