import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import type { Detection } from "../../src/hunt/detection.js";
import { compareQueued, detectionOfQueued, type QueuedMatch } from "../../src/hunt/match-batch.js";
import { decodeKey, encodeKey, heldBytes, MatchSorter } from "../../src/hunt/sorter.js";
import { detectionDigest } from "../../src/scope/incidents.js";

const temp = mkdtempSync(join(tmpdir(), "vigil-sorter-"));
after(() => rmSync(temp, { recursive: true, force: true }));

function match(i: number, timestamp: number | null, file: string, member = ""): QueuedMatch {
  const detection: Detection = {
    timestamp,
    rule: { id: `r${i}`, title: `Rule ${i}`, level: "high", tags: [], file: "rule.yml", kind: "detection" },
    computer: "WS1",
    channel: "Security",
    eventId: 4688,
    recordId: String(i),
    source: { file, ...(member === "" ? {} : { member }), offset: i * 10 },
    details: { CommandLine: `cmd /c ${i}` },
    event: { "EventData.CommandLine": `cmd /c ${i}`, "System.EventID": 4688 },
  };
  return {
    timestamp,
    file,
    member,
    offset: i * 10,
    ruleIndex: i % 3,
    report: i % 2 === 0,
    consumed: i % 5 === 0,
    digest: detectionDigest(detection),
    detection,
  };
}

/** A match from `sorted()` kept past the next one: its detection's bytes are a view of a read block, reused after. */
function kept(m: QueuedMatch): QueuedMatch {
  return { ...m, detection: detectionOfQueued(m) };
}

const NO_DIGEST = {
  computer: null,
  recordId: null,
  entities: { host: null, accounts: [], sources: [], targets: [], authenticator: null },
  details: {},
};

test("a match's key survives its encoding: no time, no offset, no member, non-ASCII names, its digest", () => {
  const keys = [
    {
      timestamp: 1_700_000_000_123,
      file: "/e/a.evtx",
      member: "",
      offset: 4096,
      ruleIndex: 7,
      report: true,
      consumed: false,
      digest: {
        computer: "WS1.corp.example",
        recordId: "42",
        entities: {
          host: { key: "ws1", name: "WS1.corp.example" },
          accounts: [],
          sources: [{ kind: "address" as const, key: "10.0.0.5", name: "10.0.0.5" }],
          targets: [],
          authenticator: null,
        },
        details: { CommandLine: 'cmd /c \u00e9t\u00e9 "quoted"' },
      },
    },
    {
      timestamp: null,
      file: "/e/Ärger ünd 日本.evtx",
      member: "inner/ü.evtx",
      offset: null,
      ruleIndex: 0,
      report: false,
      consumed: true,
      digest: NO_DIGEST,
    },
    {
      timestamp: -5,
      file: "",
      member: "",
      offset: 0,
      ruleIndex: 4_000_000_000,
      report: true,
      consumed: true,
      digest: NO_DIGEST,
    },
  ];
  for (const key of keys) assert.deepEqual(decodeKey(encodeKey(key)), key);
});

test("matches spilled in runs come back merged in order, with their detections", async () => {
  const sorter = new MatchSorter({ runSize: 7, tempDir: temp });
  const added: QueuedMatch[] = [];
  // A scrambled order, times repeating, some without a time; more than four runs' worth.
  for (let i = 0; i < 40; i++) {
    const t = i % 9 === 4 ? null : ((i * 37) % 11) * 1000;
    const m = match(i, t, i % 2 === 0 ? "/e/b.evtx" : "/e/a.evtx", i % 4 === 1 ? "m.evtx" : "");
    added.push(m);
    sorter.add(m);
  }
  for (let pass = 0; pass < 2; pass++) {
    const out: QueuedMatch[] = [];
    for await (const m of sorter.sorted()) out.push(kept(m));
    const expected = [...added].sort(compareQueued);
    const key = ({ detection: _, ...k }: QueuedMatch) => k;
    assert.deepEqual(out.map(key), expected.map(key), `pass ${pass}`);
    assert.deepEqual(out.map(detectionOfQueued), expected.map(detectionOfQueued), `pass ${pass}`);
  }
  assert.ok(readdirSync(temp).length > 0, "runs were written");
  sorter.cleanup();
  assert.deepEqual(readdirSync(temp), []);
});

test("matches whose detections were not kept spill with their digests alone, and come back so", async () => {
  const sorter = new MatchSorter({ runSize: 4, tempDir: temp });
  const added: QueuedMatch[] = [];
  for (let i = 0; i < 20; i++) {
    const m = match(i, ((i * 7) % 13) * 1000, "/e/a.evtx");
    const entry = i % 3 === 0 ? m : { ...m, detection: null };
    added.push(entry);
    sorter.add(entry);
  }
  const out: QueuedMatch[] = [];
  for await (const m of sorter.sorted()) out.push(m.detection === null ? m : kept(m));
  const expected = [...added].sort(compareQueued);
  assert.deepEqual(
    out.map((m) => m.digest),
    expected.map((m) => m.digest),
  );
  assert.deepEqual(
    out.map((m) => (m.detection === null ? null : detectionOfQueued(m))),
    expected.map((m) => (m.detection === null ? null : detectionOfQueued(m))),
  );
  assert.equal(out.filter((m) => m.detection === null).length, 13);
  sorter.cleanup();
});

test("a run's records that straddle its read blocks, or outgrow one, come back whole", async () => {
  const sorter = new MatchSorter({ runSize: 5, tempDir: temp });
  const added: QueuedMatch[] = [];
  // Runs are read a mebibyte at a time: detections of 300 KiB fall across block ends, and one of 2.5 MiB spans three.
  for (let i = 0; i < 12; i++) {
    const m = match(i, (i * 7) % 12, "/e/big.evtx");
    const size = i === 6 ? 2.5 * 2 ** 20 : 300 * 1024;
    (m.detection as { event: Record<string, unknown> }).event["EventData.Blob"] = `${i}`.padEnd(size / 2, "x");
    added.push(m);
    sorter.add(m);
  }
  const out: QueuedMatch[] = [];
  for await (const m of sorter.sorted()) out.push(kept(m));
  assert.deepEqual(out.map(detectionOfQueued), [...added].sort(compareQueued).map(detectionOfQueued));
  sorter.cleanup();
});

test("past `fanIn` runs, runs are merged into fewer first; the order and the detections are unchanged", async () => {
  const dir = mkdtempSync(join(temp, "fan-in-"));
  const sorter = new MatchSorter({ runSize: 4, fanIn: 3, tempDir: dir });
  const added: QueuedMatch[] = [];
  // 61 matches: 15 runs of 4 and one left in memory; with 3 runs merged at a time, two passes bring them down to 2.
  for (let i = 0; i < 61; i++) {
    const m = match(i, i % 13 === 0 ? null : ((i * 53) % 17) * 1000, `/e/${i % 3}.evtx`);
    added.push(m);
    sorter.add(m);
  }
  const expected = [...added].sort(compareQueued);
  for (let pass = 0; pass < 2; pass++) {
    const out: QueuedMatch[] = [];
    for await (const m of sorter.sorted()) out.push(kept(m));
    assert.deepEqual(out.map(detectionOfQueued), expected.map(detectionOfQueued), `pass ${pass}`);
    assert.deepEqual(
      out.map((m) => [m.ruleIndex, m.report, m.consumed]),
      expected.map((m) => [m.ruleIndex, m.report, m.consumed]),
    );
    assert.ok(sorter.runCount <= 3, `${sorter.runCount} runs merged at the end`);
    // The runs merged away are gone from disk: only those the last merge reads are left.
    const [folder] = readdirSync(dir);
    assert.equal(readdirSync(join(dir, folder as string)).length, sorter.runCount);
  }
  sorter.cleanup();
});

test("large detections go to a run by their size before their count fills one", async () => {
  const sorter = new MatchSorter({ runSize: 1000, runBytes: 64 * 1024, tempDir: temp });
  const added: QueuedMatch[] = [];
  // Script blocks of 40,000 characters: a run every two of them, not every thousand.
  for (let i = 0; i < 10; i++) {
    const m = match(i, (i * 7) % 10, "/e/ps.evtx");
    (m.detection as { event: Record<string, unknown> }).event["EventData.ScriptBlockText"] = "x".repeat(40_000);
    added.push(m);
    sorter.add(m);
  }
  const out: QueuedMatch[] = [];
  for await (const m of sorter.sorted()) out.push(kept(m));
  assert.equal(sorter.runCount, 5);
  assert.deepEqual(out.map(detectionOfQueued), [...added].sort(compareQueued).map(detectionOfQueued));
  sorter.cleanup();
});

test("a detection's size in memory: a worker's bytes as they are, an object's from its event's texts", () => {
  assert.equal(heldBytes(new Uint8Array(1234)), 1234);
  const small = match(1, 0, "/e/a.evtx").detection as Detection;
  const large: Detection = { ...small, event: { ...small.event, "EventData.ScriptBlockText": "y".repeat(50_000) } };
  assert.ok(heldBytes(small) >= 256 && heldBytes(small) < 1024, `${heldBytes(small)}`);
  assert.ok(heldBytes(large) >= 50_000 && heldBytes(large) < 52_000, `${heldBytes(large)}`);
});

test("a run that cannot be written (no such folder) fails `sorted()` with the reason, not the process", async () => {
  const missing = join(temp, "no-such-folder");
  const sorter = new MatchSorter({ runSize: 2, tempDir: missing });
  for (let i = 0; i < 7; i++) sorter.add(match(i, i * 1000, "/e/a.evtx"));
  // The failed writes are settled before anyone asks for the order: nothing is left unhandled meanwhile.
  await new Promise((resolve) => setTimeout(resolve, 20));
  await assert.rejects(
    async () => {
      for await (const m of sorter.sorted()) kept(m);
    },
    (e: Error) => e.message.startsWith(`cannot write detections to sort in ${missing}: `) && /ENOENT/.test(e.message),
  );
  sorter.cleanup();
});

test("runs still queued when the sorter is cleaned up are dropped, leaving no folder behind", async () => {
  const dir = mkdtempSync(join(temp, "closed-"));
  const sorter = new MatchSorter({ runSize: 2, tempDir: dir });
  for (let i = 0; i < 6; i++) sorter.add(match(i, i * 1000, "/e/a.evtx"));
  // Cleaned up at once, as when the scan fails: the three queued runs have not started.
  sorter.cleanup();
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.deepEqual(readdirSync(dir), []);
});
