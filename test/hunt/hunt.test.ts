/**
 * The hunt engine end to end: evidence of several kinds in, detections out in time order; counts that reconcile;
 * threads that change nothing but speed; --min-level, --from/--to; correlations; sorting past the memory bound.
 * Then the acceptance runs over ../shared: the whole corpus, and every regression case's rule on its own file.
 */
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import type { Detection } from "../../src/hunt/detection.js";
import { FILES_LISTED, type HuntOptions, type HuntResult, hunt } from "../../src/hunt/hunt.js";
import type { QueuedMatch } from "../../src/hunt/match-batch.js";
import { compileRuleSet, loadHuntRules } from "../../src/hunt/rules.js";
import { DEFAULT_SPLIT, planTasks, type SplitPolicy, scanFiles, workersFor } from "../../src/hunt/schedule.js";
import { processCreationFile } from "../evtx/fixtures.js";

const RULES = `
title: Whoami
id: 11111111-1111-4111-8111-111111111111
level: medium
tags: [attack.discovery, attack.t1033]
logsource: { product: windows, category: process_creation }
detection:
  selection: { Image|endswith: '\\whoami.exe' }
  condition: selection
---
title: Mimikatz command line
id: 22222222-2222-4222-8222-222222222222
level: critical
tags: [attack.credential-access, attack.t1003.001]
logsource: { product: windows, category: process_creation }
detection:
  selection: { CommandLine|contains: 'sekurlsa::' }
  condition: selection
---
title: Any process (informational)
id: 33333333-3333-4333-8333-333333333333
level: informational
logsource: { product: windows, category: process_creation }
detection:
  selection: { Image|contains: '\\' }
  condition: selection
`;

function flat(minute: number, host: string, image: string, commandLine: string, user = "jdoe"): string {
  const t = new Date(Date.UTC(2024, 2, 1, 10, minute)).toISOString();
  return JSON.stringify({
    EventID: 4688,
    Channel: "Security",
    Hostname: host,
    EventTime: t,
    RecordNumber: minute + 1,
    NewProcessName: image,
    CommandLine: commandLine,
    SubjectUserName: user,
  });
}

function evidence(): { dir: string; rules: string } {
  const dir = mkdtempSync(join(tmpdir(), "vigil-hunt-"));
  const rules = join(dir, "rules");
  mkdirSync(rules);
  writeFileSync(join(rules, "test.yml"), RULES);
  const ev = join(dir, "evidence");
  mkdirSync(join(ev, "ws1"), { recursive: true });
  writeFileSync(
    join(ev, "ws1", "export.jsonl"),
    [
      flat(5, "WS1", "C:\\Windows\\System32\\whoami.exe", "whoami /all"),
      flat(1, "WS1", "C:\\Windows\\explorer.exe", "explorer.exe"),
      flat(9, "WS1", "C:\\Temp\\m.exe", "m.exe sekurlsa::logonpasswords"),
    ].join("\n"),
  );
  // EVTX records carry the fixture's fixed time (2025-11-27): after every JSON event.
  writeFileSync(
    join(ev, "dc.evtx"),
    processCreationFile(3, (i) => ({
      image: i === 1 ? "C:\\Windows\\System32\\whoami.exe" : "C:\\Windows\\System32\\svchost.exe",
      commandLine: i === 1 ? "whoami" : "svchost -k netsvcs",
    })),
  );
  writeFileSync(join(ev, "notes.txt"), "not evidence");
  return { dir: ev, rules };
}

/**
 * Four Whoami runs (two on WS2 within ten minutes: a "Recon burst" alert; Whoami itself stays quiet, being named by
 * the correlation) and, on WS2 later, a Mimikatz command line.
 */
function correlationEvidence(): { dir: string; rules: string } {
  const rules = mkdtempSync(join(tmpdir(), "vigil-hunt-corr-"));
  writeFileSync(
    join(rules, "recon.yml"),
    `${RULES}---
title: Recon burst
id: 44444444-4444-4444-8444-444444444444
level: high
correlation:
  type: event_count
  rules: [11111111-1111-4111-8111-111111111111]
  group-by: [Computer]
  timespan: 10m
  condition: { gte: 2 }
`,
  );
  const dir = mkdtempSync(join(tmpdir(), "vigil-hunt-burst-"));
  writeFileSync(
    join(dir, "ws.jsonl"),
    [
      flat(0, "WS2", "C:\\Windows\\System32\\whoami.exe", "whoami"),
      flat(3, "WS2", "C:\\Windows\\System32\\whoami.exe", "whoami /groups"),
      flat(4, "WS3", "C:\\Windows\\System32\\whoami.exe", "whoami"),
      flat(30, "WS2", "C:\\Windows\\System32\\whoami.exe", "whoami"),
      flat(40, "WS2", "C:\\Temp\\m.exe", "m.exe sekurlsa::logonpasswords"),
    ].join("\n"),
  );
  return { dir, rules };
}

async function run(
  paths: string[],
  options: Partial<Omit<HuntOptions, "split">> & {
    rulePaths: string[];
    minLevel?: HuntOptions["settings"]["minLevel"];
    split?: Partial<SplitPolicy>;
    cacheDir?: string;
    /** No output: the hunt keeps each detection's digest alone (see HuntOptions.output). */
    noOutput?: boolean;
  },
): Promise<{ result: HuntResult; detections: Detection[] }> {
  const detections: Detection[] = [];
  const result = await hunt({
    paths,
    rules: {
      paths: options.rulePaths,
      builtin: false,
      placeholders: [],
      ...(options.cacheDir === undefined ? {} : { cacheDir: options.cacheDir }),
    },
    settings: {
      minLevel: options.minLevel ?? "informational",
      from: options.settings?.from ?? null,
      to: options.settings?.to ?? null,
      recover: true,
    },
    threads: options.threads ?? 1,
    ...(options.noOutput
      ? {}
      : {
          output: async (d: Detection) => {
            detections.push(d);
          },
        }),
    ...(options.sortRunSize === undefined ? {} : { sortRunSize: options.sortRunSize }),
    ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
    ...(options.onFile === undefined ? {} : { onFile: options.onFile }),
    // Workers however small the evidence, so that the tests' threads are real ones.
    split: { ...DEFAULT_SPLIT, minBytesPerWorker: 0, ...options.split },
  });
  return { result, detections };
}

describe("hunt", () => {
  const { dir, rules } = evidence();

  test("EVTX and JSONL in one run: every match, in time order, counts that reconcile", async () => {
    const { result, detections } = await run([dir], { rulePaths: [rules] });
    assert.deepEqual(
      detections.map((d) => `${d.rule.title}@${d.computer}`),
      [
        "Any process (informational)@WS1",
        "Whoami@WS1",
        "Any process (informational)@WS1",
        "Mimikatz command line@WS1",
        "Any process (informational)@WS1",
        "Any process (informational)@DC01.corp.example",
        "Whoami@DC01.corp.example",
        "Any process (informational)@DC01.corp.example",
        "Any process (informational)@DC01.corp.example",
      ],
    );
    assert.equal(result.detections, detections.length);
    assert.equal(result.events, 6);
    // Per file, counts and sources only: its scope facts went into the hunt's (which found both hosts).
    for (const f of result.files) assert.ok(f.result === undefined || !("scope" in f.result), f.path);
    assert.ok(result.scope.graph.nodes.length >= 2);
    assert.equal(
      result.sources.reduce((n, s) => n + s.events, 0),
      result.events,
    );
    assert.deepEqual(result.byLevel, { informational: 6, low: 0, medium: 2, high: 0, critical: 1 });
    assert.equal(result.byComputer.get("WS1"), 5);
    assert.equal(result.tactics.get("credential-access"), 1);
    // The text file is read, found to be no evidence, and reported.
    const notes = result.sources.find((s) => basename(s.file) === "notes.txt");
    assert.equal(notes?.format, "unknown");
    assert.deepEqual(
      { ...result.tally, problems: result.tally.problems.length },
      { files: 3, damaged: 0, unreadable: 1, recovered: 0, skipped: 0, problemCount: 1, problems: 1 },
    );
    const whoami = detections.find((d) => d.rule.title === "Whoami" && d.computer === "WS1") as Detection;
    assert.equal(whoami.details.Cmdline ?? whoami.details.CommandLine, "whoami /all");
    assert.equal(whoami.event["EventData.CommandLine"], "whoami /all");
    assert.equal(whoami.source.offset !== null, true);
  });

  test("past FILES_LISTED files the result lists the first and its tally counts every one; a path given twice is read once", async () => {
    const many = mkdtempSync(join(tmpdir(), "vigil-hunt-many-"));
    for (let i = 0; i <= FILES_LISTED; i++) {
      writeFileSync(join(many, `host${i}.jsonl`), flat(i % 60, `WS${i}`, "C:\\Windows\\explorer.exe", "explorer.exe"));
    }
    // A damaged file: a good line, then one that is not JSON.
    const damaged = join(many, "damaged.jsonl");
    writeFileSync(damaged, `${flat(1, "WS1", "C:\\Windows\\explorer.exe", "explorer.exe")}\n{"EventID": 4688,\n`);
    const ended: string[] = [];
    // The damaged file given again, and the folder twice (once through "..").
    const again = join(many, "..", basename(many));
    const { result } = await run([damaged, many, again], { rulePaths: [rules], onFile: (path) => ended.push(path) });
    const files = FILES_LISTED + 2;
    assert.equal(ended.length, files);
    assert.equal(new Set(ended).size, files);
    assert.equal(result.files.length, FILES_LISTED);
    assert.equal(result.events, files);
    assert.deepEqual(
      { ...result.tally, problems: result.tally.problems.map((p) => basename(p.file)) },
      { files, damaged: 1, unreadable: 0, recovered: 0, skipped: 1, problemCount: 1, problems: ["damaged.jsonl"] },
    );
  });

  test("with a cache folder, later hunts read back the compiled buckets, in the main thread and in workers", async () => {
    const plain = await run([dir], { rulePaths: [rules] });
    const cacheDir = mkdtempSync(join(tmpdir(), "vigil-hunt-cache-"));
    const first = await run([dir], { rulePaths: [rules], cacheDir });
    assert.deepEqual(first.detections, plain.detections);
    assert.ok(first.result.rules.matcher.bucketsBuilt > 0);
    assert.equal(first.result.rules.matcher.bucketsRestored, 0);
    assert.ok(readdirSync(cacheDir).some((f) => /^matcher-.*\.bin$/.test(f)));
    const second = await run([dir], { rulePaths: [rules], cacheDir });
    assert.deepEqual(second.detections, plain.detections);
    assert.equal(second.result.rules.matcher.bucketsBuilt, 0);
    assert.equal(second.result.rules.matcher.bucketsRestored, first.result.rules.matcher.bucketsBuilt);
    const workers = await run([dir], { rulePaths: [rules], cacheDir, threads: 2, split: { mainScansUpTo: 0 } });
    assert.deepEqual(workers.detections, plain.detections);
    // Nothing left half-written by the threads that stored their buckets.
    assert.deepEqual(
      readdirSync(cacheDir).filter((f) => f.endsWith(".tmp")),
      [],
    );
  });

  test("two threads give exactly what one gives: two workers, or the main thread and one worker", async () => {
    const one = await run([dir], { rulePaths: [rules], threads: 1 });
    for (const mainScansUpTo of [0, 2]) {
      const two = await run([dir], { rulePaths: [rules], threads: 2, split: { mainScansUpTo } });
      assert.equal(two.result.scanThreads, 2);
      assert.deepEqual(two.detections, one.detections, `mainScansUpTo ${mainScansUpTo}`);
      assert.equal(two.result.events, one.result.events);
      // Files are listed as they finish, in whatever order the threads finish them.
      const byPath = (r: HuntResult) => [...r.files].sort((a, b) => (a.path < b.path ? -1 : 1));
      assert.deepEqual(byPath(two.result), byPath(one.result));
    }
  });

  test("--min-level and --from/--to", async () => {
    const high = await run([dir], { rulePaths: [rules], minLevel: "high" });
    assert.deepEqual(
      high.detections.map((d) => d.rule.title),
      ["Mimikatz command line"],
    );
    const window = await run([dir], {
      rulePaths: [rules],
      settings: {
        minLevel: "informational",
        from: Date.UTC(2024, 2, 1, 10, 2),
        to: Date.UTC(2024, 2, 1, 10, 6),
        recover: true,
      },
    });
    // One event, two rules: in rule load order.
    assert.deepEqual(
      window.detections.map((d) => d.rule.title),
      ["Whoami", "Any process (informational)"],
    );
    assert.equal(window.result.events, 6);
    assert.equal(window.result.eventsMatched, 1);
  });

  test("sorting past the memory bound spills runs and merges them in order", async () => {
    const many = mkdtempSync(join(tmpdir(), "vigil-hunt-many-"));
    const lines = Array.from({ length: 200 }, (_, i) =>
      flat((i * 37) % 200, `H${i % 7}`, "C:\\Windows\\System32\\whoami.exe", "whoami"),
    );
    writeFileSync(join(many, "a.jsonl"), lines.slice(0, 100).join("\n"));
    writeFileSync(join(many, "b.jsonl"), lines.slice(100).join("\n"));
    const { detections } = await run([many], { rulePaths: [rules], sortRunSize: 16, minLevel: "medium" });
    assert.equal(detections.length, 200);
    const times = detections.map((d) => d.timestamp as number);
    assert.deepEqual(
      times,
      [...times].sort((a, b) => a - b),
    );
  });

  test("a hunt whose sorted runs cannot be written stops taking files and fails with the reason", async () => {
    const many = mkdtempSync(join(tmpdir(), "vigil-hunt-notmp-"));
    for (let f = 0; f < 12; f++) {
      const lines = Array.from({ length: 5 }, (_, i) =>
        flat(f * 5 + i, "H1", "C:\\Windows\\System32\\whoami.exe", "whoami"),
      );
      writeFileSync(join(many, `f${String(f).padStart(2, "0")}.jsonl`), lines.join("\n"));
    }
    // The sort's runs go to the system's temporary folder, here one that does not exist.
    const saved = process.env.TMPDIR;
    process.env.TMPDIR = join(many, "missing");
    try {
      for (const threads of [1, 2]) {
        let filesDone = 0;
        await assert.rejects(
          run([many], {
            rulePaths: [rules],
            sortRunSize: 2,
            minLevel: "medium",
            threads,
            onProgress: (p) => {
              filesDone = p.filesDone;
            },
          }),
          (e: Error) => e.message.startsWith(`cannot write detections to sort in ${join(many, "missing")}: `),
        );
        // The first run fails with the first file's matches: the files after the next few are never started.
        assert.ok(filesDone < 12, `${threads} thread(s): ${filesDone} of 12 files scanned`);
      }
    } finally {
      if (saved === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved;
    }
  });

  test("numbers JSON cannot write back (-0, 1e999) survive spilled runs and workers unchanged", async () => {
    const odd = mkdtempSync(join(tmpdir(), "vigil-hunt-odd-"));
    // JSON reads `-0` as -0 and `1e999` as Infinity; written back as JSON they would become 0 and null.
    const lines = Array.from({ length: 40 }, (_, i) =>
      flat((i * 13) % 40, `H${i % 3}`, "C:\\Windows\\System32\\whoami.exe", "whoami").replace(
        /}$/,
        i % 2 === 0 ? ', "Offset": -0, "Ratio": 1e999}' : ', "Offset": 5, "Ratio": 0.5}',
      ),
    );
    writeFileSync(join(odd, "odd.jsonl"), lines.join("\n"));
    const inMemory = await run([odd], { rulePaths: [rules], minLevel: "medium" });
    const spilled = await run([odd], { rulePaths: [rules], minLevel: "medium", sortRunSize: 3 });
    // Two files for two workers: the same lines again in a second folder (a path given twice is read once).
    const again = mkdtempSync(join(tmpdir(), "vigil-hunt-odd-"));
    writeFileSync(join(again, "odd.jsonl"), lines.join("\n"));
    const both = await run([odd, again], { rulePaths: [rules], minLevel: "medium" });
    const workers = await run([odd, again], { rulePaths: [rules], minLevel: "medium", sortRunSize: 3, threads: 2 });
    assert.equal(inMemory.detections.length, 40);
    assert.deepStrictEqual(spilled.detections, inMemory.detections);
    assert.equal(both.detections.length, 80);
    assert.deepStrictEqual(workers.detections, both.detections);
    assert.equal(workers.result.scanThreads, 2);
    const odds = inMemory.detections.filter((d) => d.event["EventData.Offset"] !== 5);
    assert.equal(odds.length, 20);
    for (const d of odds) {
      assert.ok(Object.is(d.event["EventData.Offset"], -0));
      assert.equal(d.event["EventData.Ratio"], Number.POSITIVE_INFINITY);
    }
  });

  test("a hunt without outputs gives the counts, incidents and scope a hunt with outputs gives: one thread or two, spilled", async () => {
    const corr = correlationEvidence();
    for (const [paths, rulePaths] of [
      [[dir], [rules]],
      [[corr.dir], [corr.rules]],
    ] as const) {
      for (const threads of [1, 2]) {
        for (const sortRunSize of [undefined, 2]) {
          const how = `${paths[0]} threads ${threads} runs of ${sortRunSize ?? "default"}`;
          const options = {
            rulePaths: [...rulePaths],
            threads,
            minLevel: "low" as const,
            ...(sortRunSize === undefined ? {} : { sortRunSize }),
          };
          const withOutput = await run([...paths], options);
          const summaryOnly = await run([...paths], { ...options, noOutput: true });
          assert.equal(summaryOnly.detections.length, 0);
          const { elapsedMs: _a, rules: _r, ...mine } = summaryOnly.result;
          const { elapsedMs: _b, rules: _s, ...theirs } = withOutput.result;
          assert.deepEqual(mine, theirs, how);
          assert.equal(mine.detections, withOutput.detections.length, how);
          assert.ok(mine.scope.incidents.length > 0, how);
        }
      }
    }
  });

  test("without outputs, a scan keeps the detections a correlation names and only the digest of the others", async () => {
    const corr = correlationEvidence();
    const huntRules = await loadHuntRules({ paths: [corr.rules], builtin: false, placeholders: [] });
    for (const keepDetections of [false, true]) {
      const matches: QueuedMatch[] = [];
      await scanFiles(
        [join(corr.dir, "ws.jsonl")],
        1,
        huntRules,
        { minLevel: "informational", from: null, to: null, recover: true, keepDetections },
        { onMatches: (batch) => matches.push(...batch), onFile: () => undefined },
      );
      const title = (m: QueuedMatch): string | undefined => huntRules.detections[m.ruleIndex]?.title;
      const whoami = matches.filter((m) => m.consumed);
      const mimikatz = matches.filter((m) => title(m) === "Mimikatz command line");
      assert.deepEqual(new Set(whoami.map(title)), new Set(["Whoami"]));
      assert.equal(whoami.length, 4);
      assert.equal(mimikatz.length, 1);
      // Whoami feeds the correlation: always kept. The others go only to outputs.
      for (const m of whoami) assert.notEqual(m.detection, null);
      for (const m of matches.filter((x) => !x.consumed)) assert.equal(m.detection === null, !keepDetections);
      assert.equal(mimikatz[0]?.digest.computer, "WS2");
      assert.deepEqual(
        mimikatz[0]?.digest.entities.accounts.map((a) => a.display),
        ["jdoe"],
      );
      assert.deepEqual(mimikatz[0]?.digest.details, {
        Cmdline: "m.exe sekurlsa::logonpasswords",
        Proc: "C:\\Temp\\m.exe",
        User: "jdoe",
      });
    }
  });

  test("a correlation alert comes out in time order; the rule it names stays quiet without generate", async () => {
    const corr = correlationEvidence();
    const { detections, result } = await run([corr.dir], { rulePaths: [corr.rules], minLevel: "medium" });
    assert.deepEqual(
      detections.map((d) => d.rule.title),
      ["Recon burst", "Mimikatz command line"],
    );
    const alert = detections[0] as Detection;
    assert.equal(alert.timestamp, Date.UTC(2024, 2, 1, 10, 3));
    assert.equal(alert.correlation?.matchCount, 2);
    assert.deepEqual(alert.correlation?.group, { Computer: "WS2" });
    assert.equal(alert.computer, "WS2");
    assert.equal(result.correlationAlerts, 1);
  });
});

const shared = fileURLToPath(new URL("../../../shared/", import.meta.url));
const skip = existsSync(join(shared, "sigma")) ? false : `corpus absent: ${shared} has no sigma/ or evtx/`;

test("a worker is started for each 64 MiB of evidence at most, never more than the threads or the tasks", () => {
  const MiB = 1024 * 1024;
  const tasks = (...sizes: number[]) => sizes.map((bytes, i) => ({ path: `f${i}`, bytes }));
  assert.equal(workersFor(tasks(30 * MiB, 40 * MiB), 2, DEFAULT_SPLIT), 1);
  assert.equal(workersFor(tasks(100 * MiB, 40 * MiB), 2, DEFAULT_SPLIT), 2);
  assert.equal(workersFor(tasks(...Array.from({ length: 40 }, () => 16 * MiB)), 64, DEFAULT_SPLIT), 10);
  assert.equal(workersFor(tasks(700 * MiB), 16, DEFAULT_SPLIT), 1);
  assert.equal(workersFor(tasks(1, 1, 1), 8, { ...DEFAULT_SPLIT, minBytesPerWorker: 0 }), 3);
  assert.equal(workersFor(tasks(), 8, { ...DEFAULT_SPLIT, minBytesPerWorker: 0 }), 1);
});

test("a worker that dies loses only the file it was scanning; the files queued behind it go to a new worker", {
  timeout: 60_000,
}, async () => {
  const files = Array.from({ length: 40 }, (_, i) => `/nonexistent/${i === 7 || i === 23 ? "die" : "file"}-${i}.evtx`);
  const rules = compileRuleSet({ rules: [], problems: [], files: 0, placeholders: [], matcherStore: null });
  const settings = { minLevel: "informational" as const, from: null, to: null, recover: true, keepDetections: true };
  const outcomes = new Map<string, string>();
  await scanFiles(
    files,
    2,
    rules,
    settings,
    {
      onMatches: () => undefined,
      onFile: (path, outcome) => {
        assert.equal(outcomes.has(path), false, `${path} reported twice`);
        outcomes.set(path, "failed" in outcome ? outcome.failed : "ok");
      },
    },
    // Workers only: the main thread scanning a "die" file would not die.
    { ...DEFAULT_SPLIT, minBytesPerWorker: 0, mainScansUpTo: 0 },
    new URL("./failing-worker.js", import.meta.url),
  );
  assert.equal(outcomes.size, files.length);
  for (const file of files) assert.equal(outcomes.get(file), file.includes("die") ? "worker exited" : "ok", file);
});

test("acceptance: all of ../shared/evtx with SigmaHQ's rules; totals reconcile", { skip }, async () => {
  const { result, detections } = await run([join(shared, "evtx")], {
    rulePaths: [join(shared, "sigma", "rules")],
    threads: 2,
  });
  const perSource = result.sources.reduce((n, s) => n + s.events, 0);
  assert.equal(perSource, result.events);
  assert.equal(detections.length, result.detections);
  const byLevel = Object.values(result.byLevel).reduce((a, b) => a + b, 0);
  assert.equal(byLevel, result.detections);
  console.log(
    `${result.files.length} files, ${result.events} events, ${result.detections} detections, ${result.byRule.size} rules fired`,
  );
  assert.ok(result.events >= 41_000);
});

test("acceptance: with all SigmaHQ rules loaded, each regression case's rule fires on its own .evtx", {
  skip,
}, async () => {
  const data = join(shared, "sigma", "regression_data");
  const cases: { evtx: string; id: string }[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name === "info.yml") {
        const info = parse(readFileSync(p, "utf8")) as { rule_metadata?: { id?: string }[] };
        const id = info.rule_metadata?.[0]?.id;
        const evtx = readdirSync(dirname(p)).find((f) => f.endsWith(".evtx"));
        if (id !== undefined && evtx !== undefined) cases.push({ evtx: join(dirname(p), evtx), id });
      }
    }
  };
  walk(data);
  const folders = ["rules", "rules-emerging-threats", "rules-threat-hunting", "rules-dfir", "rules-compliance"];
  const { detections } = await run(
    cases.map((c) => c.evtx),
    { rulePaths: folders.map((f) => join(shared, "sigma", f)), threads: 2 },
  );
  const fired = new Set(detections.map((d) => `${d.source.file}\u0000${d.rule.id}`));
  const missing = cases.filter((c) => !fired.has(`${c.evtx}\u0000${c.id}`));
  console.log(`${cases.length - missing.length}/${cases.length} regression cases' rules fire on their own .evtx`);
  assert.deepEqual(missing, []);
  assert.equal(cases.length, 202);
});

test("a large EVTX file is split between workers by chunks: the same detections and counts as one thread", async () => {
  const dir = mkdtempSync(join(tmpdir(), "vigil-split-"));
  const rules = join(dir, "rules");
  mkdirSync(rules);
  writeFileSync(join(rules, "test.yml"), RULES);
  const file = join(dir, "big.evtx");
  const bytes = processCreationFile(3000, (i) => ({
    image: i % 7 === 0 ? "C:\\Windows\\System32\\whoami.exe" : "C:\\Windows\\System32\\svchost.exe",
    commandLine: i % 500 === 0 ? "m.exe sekurlsa::logonpasswords" : "svchost -k netsvcs",
  }));
  writeFileSync(file, bytes);
  const planned = await planTasks([file], 2, { minBytes: 0, partChunks: 2, minBytesPerWorker: 0, mainScansUpTo: 0 });
  assert.ok(planned.length >= 3, `expected several parts, got ${planned.length}`);
  assert.equal(planned.filter((t) => t.chunks?.first === 0).length, 1);
  const one = await run([file], { rulePaths: [rules], threads: 1 });
  // Three threads: the parts shared by three workers, or by the main thread and two workers.
  for (const mainScansUpTo of [0, 3]) {
    const two = await run([file], {
      rulePaths: [rules],
      threads: 3,
      split: { minBytes: 0, partChunks: 2, minBytesPerWorker: 0, mainScansUpTo },
    });
    const key = (d: Detection): string => `${d.rule.title}#${d.recordId}`;
    assert.deepEqual(two.detections.map(key).sort(), one.detections.map(key).sort());
    assert.equal(two.result.scanThreads, 3);
    assert.equal(two.result.events, 3000);
    assert.equal(two.result.files.length, 1);
    assert.equal(two.result.sources.length, 1);
    assert.equal(two.result.sources[0]?.events, 3000);
    assert.equal(two.result.bytes, bytes.length);
    assert.deepEqual(two.result.byLevel, one.result.byLevel);
  }
});
