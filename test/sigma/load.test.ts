import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { loadRules } from "../../src/sigma/load.js";
import type { CorrelationRule, DetectionRule, FilterRule, RuleProblem, SigmaRule } from "../../src/sigma/model.js";
import { loadRuleText } from "../../src/sigma/rule-text.js";

function one(text: string): SigmaRule {
  const { rules, problems } = loadRuleText(text, "t.yml");
  assert.deepEqual(problems, []);
  assert.equal(rules.length, 1);
  return rules[0] as SigmaRule;
}

function detection(text: string): DetectionRule {
  const rule = one(text);
  assert.equal(rule.kind, "detection");
  return rule as DetectionRule;
}

function problem(text: string): RuleProblem {
  const { rules, problems } = loadRuleText(text, "t.yml");
  assert.equal(rules.length, 0, "no rule expected");
  assert.equal(problems.length, 1, JSON.stringify(problems));
  return problems[0] as RuleProblem;
}

function invalid(text: string, line: number, column: number, reason: RegExp): void {
  const p = problem(text);
  assert.equal(p.severity, "invalid");
  assert.match(p.reason, reason);
  assert.equal(p.file, "t.yml");
  assert.equal(p.position?.line, line, p.reason);
  assert.equal(p.position?.column, column, p.reason);
}

const HEAD =
  "title: T\nid: 11111111-2222-3333-4444-555555555555\nlogsource:\n  product: windows\n  category: process_creation\n";

test("map selection: fields, modifiers, values keep their source text and positions", () => {
  const rule = detection(`${HEAD}level: high
tags: [attack.execution]
detection:
  selection:
    EventID: 00000429
    Image|endswith|all: ['\\\\a.exe', "b"]
    Hex: 0x1A
    Quoted: '429'
    Flag: true
    Empty: ''
  condition: selection
`);
  assert.equal(rule.title, "T");
  assert.equal(rule.level, "high");
  assert.deepEqual(rule.tags, ["attack.execution"]);
  assert.deepEqual(rule.logsource, { product: "windows", category: "process_creation" });
  assert.deepEqual(rule.position, { file: "t.yml", line: 1, column: 1 });
  assert.deepEqual(rule.conditions, [{ kind: "identifier", name: "selection" }]);
  assert.deepEqual(rule.conditionText, ["selection"]);
  const sel = rule.searches.get("selection");
  assert.equal(sel?.kind, "map");
  if (sel?.kind !== "map") return;
  assert.deepEqual(sel.conditions[0], {
    field: "EventID",
    modifiers: [],
    values: [{ kind: "number", text: "00000429" }],
    position: { file: "t.yml", line: 10, column: 5 },
  });
  assert.deepEqual(sel.conditions[1]?.modifiers, ["endswith", "all"]);
  assert.deepEqual(sel.conditions[1]?.values, [
    { kind: "string", text: "\\\\a.exe" },
    { kind: "string", text: "b" },
  ]);
  assert.deepEqual(sel.conditions[2]?.values, [{ kind: "number", text: "0x1A" }]);
  assert.deepEqual(sel.conditions[3]?.values, [{ kind: "string", text: "429" }]);
  assert.deepEqual(sel.conditions[4]?.values, [{ kind: "boolean", value: true, text: "true" }]);
  assert.deepEqual(sel.conditions[5]?.values, [{ kind: "string", text: "" }]);
});

test("list of maps, keywords, keyword map with |all, null values, empty lists", () => {
  const rule = detection(`${HEAD}detection:
  sel_maps:
    - Image: a
    - Image: b
      User: c
  keywords:
    - 'mimikatz'
    - 4624
  kw_all:
    '|all':
      - x
      - y
  nulls:
    CommandLine: null
    Image:
    Other: ~
  empty:
    Field: []
  condition: 1 of sel_* or keywords or all of kw_* or (nulls and not empty)
`);
  const maps = rule.searches.get("sel_maps");
  assert.equal(maps?.kind, "maps");
  if (maps?.kind === "maps") {
    assert.equal(maps.maps.length, 2);
    assert.equal(maps.maps[1]?.length, 2);
  }
  const kw = rule.searches.get("keywords");
  assert.deepEqual(kw?.kind === "keywords" ? kw.condition.values : null, [
    { kind: "string", text: "mimikatz" },
    { kind: "number", text: "4624" },
  ]);
  assert.equal(kw?.kind === "keywords" ? kw.condition.field : "x", null);
  const all = rule.searches.get("kw_all");
  assert.deepEqual(all?.kind === "map" ? [all.conditions[0]?.field, all.conditions[0]?.modifiers] : null, [
    null,
    ["all"],
  ]);
  const nulls = rule.searches.get("nulls");
  assert.deepEqual(nulls?.kind === "map" ? nulls.conditions.map((c) => c.values) : null, [
    [{ kind: "null" }],
    [{ kind: "null" }],
    [{ kind: "null" }],
  ]);
  const empty = rule.searches.get("empty");
  assert.deepEqual(empty?.kind === "map" ? empty.conditions[0]?.values : null, []);
  assert.equal(rule.conditions[0]?.kind, "or");
});

test("a list of conditions", () => {
  const rule = detection(`${HEAD}detection:
  a: {X: 1}
  b: {Y: 2}
  condition:
    - a
    - not b
`);
  assert.deepEqual(rule.conditionText, ["a", "not b"]);
  assert.equal(rule.conditions.length, 2);
});

test("multi-document files: every document is a rule, empty documents are skipped", () => {
  const { rules, problems } = loadRuleText(
    `${HEAD}detection: {s: {A: 1}, condition: s}\n---\n${HEAD.replace("T", "U")}detection: {s: {A: 2}, condition: s}\n---\n`,
    "m.yml",
  );
  assert.deepEqual(problems, []);
  assert.deepEqual(
    rules.map((r) => [r.title, r.position.line]),
    [
      ["T", 1],
      ["U", 8],
    ],
  );
});

test("correlation rule", () => {
  const rule = one(`title: Many failed logins
id: 0e95725d-7320-415d-80f7-004da920fc11
name: many_failed
correlation:
  type: value_count
  rules:
    - failed_logon
  group-by:
    - ComputerName
  timespan: 90m
  condition:
    gte: 10
    field: User
  aliases:
    ip:
      failed_logon: IpAddress
generate: true
level: high
`) as CorrelationRule;
  assert.equal(rule.kind, "correlation");
  assert.equal(rule.type, "value_count");
  assert.deepEqual(rule.rules, ["failed_logon"]);
  assert.deepEqual(rule.groupBy, ["ComputerName"]);
  assert.equal(rule.timespanMs, 90 * 60_000);
  assert.deepEqual(rule.condition, { bounds: [{ operator: "gte", value: 10 }], field: "User" });
  assert.equal(rule.aliases.get("ip")?.get("failed_logon"), "IpAddress");
  assert.equal(rule.generate, true);
  assert.equal(rule.name, "many_failed");
});

test("temporal correlation without condition; a range condition keeps both bounds", () => {
  const base = "title: C\ncorrelation:\n  type: temporal\n  rules: [a, b]\n  group-by: [Host]\n  timespan: 5s\n";
  const rule = one(base) as CorrelationRule;
  assert.equal(rule.timespanMs, 5000);
  assert.equal(rule.condition, undefined);
  const range = one(`${base.replace("temporal", "event_count")}  condition:\n    gt: 100\n    lte: 200\n`);
  assert.deepEqual((range as CorrelationRule).condition?.bounds, [
    { operator: "gt", value: 100 },
    { operator: "lte", value: 200 },
  ]);
});

test("filter rule", () => {
  const rule = one(`title: Filter admin
logsource:
  product: windows
filter:
  rules:
    - 11111111-2222-3333-4444-555555555555
  selection:
    User: admin
  condition: not selection
`) as FilterRule;
  assert.equal(rule.kind, "filter");
  assert.deepEqual(rule.rules, ["11111111-2222-3333-4444-555555555555"]);
  assert.equal(rule.searches.size, 1);
  assert.deepEqual(rule.conditions, [{ kind: "not", operand: { kind: "identifier", name: "selection" } }]);
});

test("validation errors give the line, column and reason", () => {
  invalid("id: x\nlogsource: {product: windows}\ndetection: {s: {A: 1}, condition: s}\n", 1, 1, /missing 'title'/);
  invalid("title: T\nlogsource: {product: windows}\n", 1, 1, /no 'detection', 'correlation' or 'filter'/);
  invalid(`${HEAD}detection:\n  s:\n    A: 1\n`, 7, 3, /missing 'detection.condition'/);
  invalid(`${HEAD}detection:\n  s:\n    A: 1\n  condition: s and t\n`, 9, 20, /'t', which is not a search identifier/);
  invalid(
    `${HEAD}detection:\n  s:\n    A: 1\n  condition: 1 of x*\n`,
    9,
    19,
    /pattern 'x\*' matches no search identifier/,
  );
  invalid(`${HEAD}detection:\n  s:\n    A: 1\n  condition: "s and (s"\n`, 9, 23, /expected '\)'/);
  invalid(`${HEAD}detection:\n  s:\n    Field|: 1\n  condition: s\n`, 8, 5, /bad modifier syntax in 'Field\|'/);
  invalid(`${HEAD}detection:\n  s:\n    A|contains||all: 1\n  condition: s\n`, 8, 5, /bad modifier syntax/);
  invalid(`${HEAD}detection:\n  s: 5\n  condition: s\n`, 7, 6, /must be a map or a list/);
  invalid(`${HEAD}detection:\n  s:\n    A:\n      B: 1\n  condition: s\n`, 9, 7, /not a map/);
  invalid(`${HEAD}level: severe\ndetection: {s: {A: 1}, condition: s}\n`, 6, 8, /'level' must be one of/);
  invalid("title: T\ndetection: {s: {A: 1}, condition: s}\n", 1, 1, /missing 'logsource'/);
  invalid("- a\n- b\n", 1, 1, /must be a YAML map/);
  invalid("title: T\ntitle: U\n", 2, 1, /YAML/);
  invalid("title: C\ncorrelation:\n  rules: [a]\n  timespan: 5m\n", 3, 3, /missing 'correlation.type'/);
  invalid("title: C\ncorrelation:\n  type: event_count\n  timespan: 5m\n", 3, 3, /missing 'correlation.rules'/);
  invalid("title: C\ncorrelation:\n  type: event_count\n  rules: [a]\n", 3, 3, /missing 'correlation.timespan'/);
  invalid(
    "title: C\ncorrelation:\n  type: event_count\n  rules: [a]\n  timespan: 5x\n  condition: {gte: 1}\n",
    5,
    13,
    /bad 'correlation.timespan' '5x'/,
  );
  invalid(
    "title: C\ncorrelation:\n  type: nope\n  rules: [a]\n  timespan: 5m\n",
    3,
    9,
    /'correlation.type' must be one of/,
  );
  invalid(
    "title: C\ncorrelation:\n  type: event_count\n  rules: [a]\n  timespan: 5m\n",
    3,
    3,
    /missing 'correlation.condition'/,
  );
  invalid(
    "title: F\nlogsource: {product: windows}\nfilter:\n  s: {A: 1}\n  condition: s\n",
    4,
    3,
    /missing 'filter.rules'/,
  );
});

test("unsupported: unknown modifiers, Sigma 1 aggregations and collections, with the reason", () => {
  const mod = problem(`${HEAD}detection:\n  s:\n    A|frobnicate: 1\n  condition: s\n`);
  assert.equal(mod.severity, "unsupported");
  assert.equal(mod.id, "11111111-2222-3333-4444-555555555555");
  assert.match(mod.reason, /unknown modifier 'frobnicate'/);
  const agg = problem(`${HEAD}detection:\n  s: {A: 1}\n  timeframe: 5m\n  condition: s | count() > 5\n`);
  assert.equal(agg.severity, "unsupported");
  assert.match(agg.reason, /aggregation/);
  const coll = problem(
    `action: global\ntitle: G\n---\nlogsource: {product: windows}\ndetection: {s: {A: 1}, condition: s}\n`,
  );
  assert.equal(coll.severity, "unsupported");
  assert.match(coll.reason, /collection/);
});

test("the loader never throws on bad input", () => {
  for (const text of ["", "::::", "title: [", "\t- x", "%YAML 9.9\n---\na: 1", "a: *nothing", "? [a]\n: b"]) {
    const result = loadRuleText(text, "bad.yml");
    assert.equal(result.rules.length, 0);
  }
});

const sigmaDir = fileURLToPath(new URL("../../../shared/sigma", import.meta.url));
const skip = existsSync(sigmaDir) ? false : `SigmaHQ corpus absent: ${sigmaDir} does not exist`;
const FOLDERS = [
  "rules",
  "rules-emerging-threats",
  "rules-threat-hunting",
  "rules-dfir",
  "rules-compliance",
  "rules-placeholder",
];

test("every SigmaHQ rule loads, none invalid or unsupported", { skip }, async () => {
  const started = performance.now();
  const { rules, problems, files } = await loadRules(FOLDERS.map((f) => join(sigmaDir, f)));
  const ms = Math.round(performance.now() - started);
  console.log(`loaded ${rules.length} rules from ${files} files in ${ms} ms`);
  assert.deepEqual(
    problems.map((p) => `${p.severity} ${p.file}: ${p.reason}`),
    [],
  );
  assert.ok(rules.length >= 3000, `${rules.length} rules`);
});

test("every file of SigmaHQ unsupported/ loads or is reported with a reason", { skip }, async () => {
  const { rules, problems, files } = await loadRules([join(sigmaDir, "unsupported")]);
  const reported = new Set([...rules.map((r) => r.file), ...problems.map((p) => p.file)]);
  assert.ok(files > 0);
  const { readdirSync } = await import("node:fs");
  const all = readdirSync(join(sigmaDir, "unsupported"), { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".yml") || f.endsWith(".yaml"))
    .map((f) => join(sigmaDir, "unsupported", f));
  for (const f of all) assert.ok(reported.has(f), `${f} neither loaded nor reported`);
  for (const p of problems) assert.ok(p.reason.length > 0);
});

test("a rule folder's FIFO, broken link and link to a folder are reported, with and without the cache; the rest loads", {
  skip: process.platform === "win32" ? "no FIFOs or symbolic links without privileges" : false,
}, async (t) => {
  const { execFileSync } = await import("node:child_process");
  const { mkdtempSync, rmSync, symlinkSync, writeFileSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const dir = mkdtempSync(join(tmpdir(), "vigil-rule-links-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(
    join(dir, "good.yml"),
    "title: Good\nlogsource: { product: windows }\ndetection: { selection: { EventID: 1 }, condition: selection }\n",
  );
  execFileSync("mkfifo", [join(dir, "pipe.yml")]);
  symlinkSync(join(dir, "gone.yml"), join(dir, "broken.yml"));
  symlinkSync(tmpdir(), join(dir, "folder-link"));
  const { RuleCache } = await import("../../src/sigma/rule-cache.js");
  const cacheDir = mkdtempSync(join(tmpdir(), "vigil-rule-links-cache-"));
  t.after(() => rmSync(cacheDir, { recursive: true, force: true }));
  for (const cache of [undefined, RuleCache.open(cacheDir, [dir])]) {
    const { rules, problems } = await loadRules([dir], cache === undefined ? {} : { cache });
    assert.deepEqual(
      rules.map((r) => r.title),
      ["Good"],
    );
    assert.deepEqual(
      problems.map((p) => `${p.file.slice(dir.length + 1)}: ${p.reason}`),
      [
        "broken.yml: cannot read: ENOENT",
        "pipe.yml: cannot read: not a regular file",
        "folder-link: cannot read: a link to a folder, not followed",
      ],
    );
  }
});
