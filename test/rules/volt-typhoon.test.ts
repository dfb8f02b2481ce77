/**
 * The Volt Typhoon rule pack (`rules/volt-typhoon/`): every rule loads, carries its metadata, and has cases that
 * run through the compiled matcher (checked against the reference evaluator) and the correlation engine exactly as
 * a hunt runs them.
 *
 * Cases live in `test/rules/volt-typhoon/<the rule file's relative path>` (same name, `.yml`), one case file per
 * rule file (see `test/rules/volt-typhoon/README.md` for the format):
 *   detections:    [{ rule?, match: [event…], miss: [event…] }]   one entry per detection rule of the file
 *   correlations:  [{ rule?, fire: [sequence…], nearMiss: [sequence…] }]
 * A sequence is `{ name, events: [event…], alerts? }`. An event is a flat field map: `System.…`, `EventData.…` and
 * `UserData.…` paths as given, any other name is `EventData.<name>`; `_source: sysmon/1` (or security/4688,
 * system/7045, powershell/4104, application/325, lsm/21, rcm/1149) fills channel, EventID and provider; `_at`
 * is seconds after 2026-03-02T10:00:00Z.
 *
 * Every case runs against the whole pack, as a hunt would: a near miss must not fire the rule under test, and the
 * benign background (`test/rules/benign-background.yml`) must produce no reported detection at all.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { mapFieldView } from "../../src/events/field-map.js";
import type { FieldValue, FieldView } from "../../src/evtx/types.js";
import { CompiledMatcher } from "../../src/sigma/compile/matcher.js";
import { type CorrelationAlert, CorrelationEngine, type RuleMatch } from "../../src/sigma/correlation.js";
import { loadRules } from "../../src/sigma/load.js";
import { appliesTo, logsourceTargets, resolveField } from "../../src/sigma/logsources.js";
import type { CorrelationRule, DetectionRule, SigmaRule } from "../../src/sigma/model.js";
import { ReferenceEvaluator } from "../../src/sigma/reference.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const RULES_DIR = join(ROOT, "rules", "volt-typhoon");
const CASES_DIR = join(ROOT, "test", "rules", "volt-typhoon");
const BENIGN = join(ROOT, "test", "rules", "benign-background.yml");
const BASE_TIME = Date.parse("2026-03-02T10:00:00Z");

const ADVISORIES = [
  "https://www.cisa.gov/news-events/cybersecurity-advisories/aa23-144a",
  "https://www.cisa.gov/news-events/cybersecurity-advisories/aa24-038a",
  "https://www.cyber.gov.au/about-us/view-all-content/alerts-and-advisories/prc-state-sponsored-actors-compromise-and-maintain-persistent-access-us-critical-infrastructure",
  "https://www.cyber.gov.au/about-us/view-all-content/alerts-and-advisories/identifying-and-mitigating-living-off-the-land-techniques",
  "https://www.cyber.gov.au/resources-business-and-government/maintaining-devices-and-systems/system-hardening-and-administration/system-monitoring/best-practices-event-logging-threat-detection",
  "https://www.microsoft.com/en-us/security/blog/2023/05/24/volt-typhoon-targets-us-critical-infrastructure-with-living-off-the-land-techniques/",
  "https://www.crowdstrike.com/blog/falcon-complete-thwarts-vanguard-panda-tradecraft/",
  "https://blog.lumen.com/routers-roasting-on-an-open-firewall-the-kv-botnet-investigation/",
];

const TACTICS = new Set([
  "reconnaissance",
  "resource-development",
  "initial-access",
  "execution",
  "persistence",
  "privilege-escalation",
  "defense-evasion",
  "credential-access",
  "discovery",
  "lateral-movement",
  "collection",
  "command-and-control",
  "exfiltration",
  "impact",
]);

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

// ---- the pack ----

const loaded = await loadRules([RULES_DIR]);
const allRules: readonly SigmaRule[] = loaded.rules;
const detections = allRules.filter((r): r is DetectionRule => r.kind === "detection");
const correlations = allRules.filter((r): r is CorrelationRule => r.kind === "correlation");
const matcher = new CompiledMatcher(detections);
const reference = new ReferenceEvaluator(detections);
const ruleFiles = [...new Set(allRules.map((r) => r.file))].sort();

/** A rule file's path below `rules/volt-typhoon/`. */
function relativeOf(file: string): string {
  return relative(RULES_DIR, file).split("\\").join("/");
}

function label(rule: SigmaRule): string {
  return `${relativeOf(rule.file)}: ${rule.name ?? rule.title}`;
}

// ---- cases ----

type RawEvent = Readonly<Record<string, unknown>>;

interface DetectionCases {
  readonly rule?: string;
  readonly match?: readonly RawEvent[];
  readonly miss?: readonly RawEvent[];
}

interface Sequence {
  readonly name: string;
  readonly events: readonly RawEvent[];
  /** Exact number of alerts of the correlation under test (fire: default at least one). */
  readonly alerts?: number;
}

interface CorrelationCases {
  readonly rule?: string;
  readonly fire?: readonly Sequence[];
  readonly nearMiss?: readonly Sequence[];
}

interface CaseFile {
  readonly detections?: readonly DetectionCases[];
  readonly correlations?: readonly CorrelationCases[];
}

const SOURCES: Readonly<Record<string, { channel: string; provider: string }>> = {
  sysmon: { channel: "Microsoft-Windows-Sysmon/Operational", provider: "Microsoft-Windows-Sysmon" },
  security: { channel: "Security", provider: "Microsoft-Windows-Security-Auditing" },
  system: { channel: "System", provider: "Service Control Manager" },
  application: { channel: "Application", provider: "" },
  powershell: { channel: "Microsoft-Windows-PowerShell/Operational", provider: "Microsoft-Windows-PowerShell" },
  lsm: {
    channel: "Microsoft-Windows-TerminalServices-LocalSessionManager/Operational",
    provider: "Microsoft-Windows-TerminalServices-LocalSessionManager",
  },
  rcm: {
    channel: "Microsoft-Windows-TerminalServices-RemoteConnectionManager/Operational",
    provider: "Microsoft-Windows-TerminalServices-RemoteConnectionManager",
  },
};

/** Providers that differ from their channel's usual one. */
const PROVIDERS: Readonly<Record<string, string>> = {
  "security/1102": "Microsoft-Windows-Eventlog",
  "system/104": "Microsoft-Windows-Eventlog",
};

interface CaseEvent {
  readonly view: FieldView;
  readonly timestamp: number;
  readonly text: string;
}

/** A case event as the flat field view a hunt gives rules. */
function caseEvent(raw: RawEvent): CaseEvent {
  const fields = new Map<string, FieldValue>();
  const source = raw._source;
  if (source !== undefined) {
    const m = /^([a-z]+)\/([0-9]+)$/.exec(String(source));
    assert.ok(m !== null && SOURCES[m[1] as string] !== undefined, `unknown _source ${String(source)}`);
    const s = SOURCES[m[1] as string] as { channel: string; provider: string };
    fields.set("System.Channel", s.channel);
    fields.set("System.EventID", Number(m[2]));
    const provider = PROVIDERS[`${m[1]}/${m[2]}`] ?? s.provider;
    if (provider !== "") fields.set("System.Provider.Name", provider);
  }
  fields.set("System.Computer", "SRV01.corp.example");
  const at = raw._at === undefined ? 0 : Number(raw._at);
  assert.ok(Number.isFinite(at), `bad _at ${String(raw._at)}`);
  fields.set("System.TimeCreated.SystemTime", new Date(BASE_TIME + at * 1000).toISOString());
  for (const [name, value] of Object.entries(raw)) {
    if (name.startsWith("_")) continue;
    const path = /^(System|EventData|UserData)\./.test(name) ? name : `EventData.${name}`;
    fields.set(path, value as FieldValue);
  }
  const time = fields.get("System.TimeCreated.SystemTime");
  const timestamp = Date.parse(String(time));
  assert.ok(Number.isFinite(timestamp), `bad time ${String(time)}`);
  const view = mapFieldView(fields);
  const text = JSON.stringify(Object.fromEntries(fields));
  return { view, timestamp, text };
}

function readCases(path: string): CaseFile {
  const doc: unknown = parse(readFileSync(path, "utf8"));
  assert.ok(doc !== null && typeof doc === "object" && !Array.isArray(doc), `${path}: a map`);
  const keys = Object.keys(doc);
  for (const k of keys) assert.ok(k === "detections" || k === "correlations", `${path}: unknown key ${k}`);
  return doc as CaseFile;
}

/** The rule of `rules` a case names (by name, title or id), or the only rule when it names none. */
function pick<R extends SigmaRule>(rules: readonly R[], ref: string | undefined, where: string): R {
  if (ref === undefined) {
    assert.equal(rules.length, 1, `${where}: the file holds ${rules.length} rules of this kind; say which ('rule:')`);
    return rules[0] as R;
  }
  const found = rules.filter((r) => r.name === ref || r.title === ref || r.id === ref);
  assert.equal(found.length, 1, `${where}: no single rule '${ref}'`);
  return found[0] as R;
}

/** A matched rule's view of an event for correlations, the way the hunt builds it (log source renames applied). */
function ruleMatch(rule: DetectionRule, event: CaseEvent): RuleMatch {
  const targets = logsourceTargets(rule.logsource) ?? [];
  const channel = String(event.view.get("System.Channel") ?? "");
  const eventId = Number(event.view.get("System.EventID") ?? -1);
  const target = appliesTo(targets, channel, eventId);
  return {
    rule,
    timestamp: event.timestamp,
    field: (name) => (target === undefined ? event.view.get(name) : resolveField(target, name, event.view)),
  };
}

interface HuntOutcome {
  /** Detection rules whose own matches are reported, per event. */
  readonly reported: { rule: DetectionRule; event: CaseEvent }[];
  readonly alerts: CorrelationAlert[];
}

/** Runs events (sorted by time) through the whole pack as a hunt does: matcher, correlations, quiet rules. */
function huntEvents(raws: readonly RawEvent[]): HuntOutcome {
  const events = raws.map(caseEvent).sort((a, b) => a.timestamp - b.timestamp);
  const engine = new CorrelationEngine(correlations, detections);
  const reported: HuntOutcome["reported"] = [];
  const alerts: CorrelationAlert[] = [];
  for (const event of events) {
    for (const rule of matcher.match(event.view)) {
      if (engine.reportsOwnMatches(rule)) reported.push({ rule, event });
      alerts.push(...engine.observe(ruleMatch(rule, event)));
    }
  }
  alerts.push(...engine.flush());
  return { reported, alerts };
}

// ---- tests ----

test("the pack loads without problems and is large enough", () => {
  assert.deepEqual(loaded.problems, []);
  assert.deepEqual(matcher.problems, []);
  assert.deepEqual(reference.problems, []);
  assert.equal(matcher.ruleCount, detections.length, "every detection rule applies to Windows event logs");
  const reportedDetections = detections.filter((d) => !correlations.some((c) => c.rules.includes(d.name ?? "")));
  assert.ok(reportedDetections.length >= 40, `${reportedDetections.length} reported detection rules`);
  assert.ok(correlations.length >= 6, `${correlations.length} correlation rules`);
  const engine = new CorrelationEngine(correlations, detections);
  assert.deepEqual(engine.problems, []);
});

describe("metadata", () => {
  const ids = new Map<string, string>();
  const names = new Map<string, string>();
  for (const rule of allRules) {
    test(label(rule), () => {
      assert.match(rule.id ?? "", UUID_V4, "id: a UUID v4");
      assert.equal(ids.get(rule.id as string) ?? label(rule), label(rule), "id unique");
      ids.set(rule.id as string, label(rule));
      if (rule.name !== undefined) {
        assert.equal(names.get(rule.name) ?? label(rule), label(rule), "name unique");
        names.set(rule.name, label(rule));
      }
      assert.match(rule.title, /^Volt Typhoon - /);
      assert.equal(rule.status, "experimental");
      assert.ok((rule.description ?? "").length >= 60, "a description");
      assert.equal(rule.author, "Vigil");
      assert.match(rule.date ?? "", /^\d{4}-\d{2}-\d{2}$/);
      assert.ok(rule.references.length > 0, "references");
      for (const ref of rule.references) assert.ok(ADVISORIES.includes(ref), `reference not a known source: ${ref}`);
      assert.ok(
        rule.references.some((r) => r.includes("cisa.gov") || r.includes("cyber.gov.au")),
        "at least one advisory (AA23-144A, AA24-038A, LOTL or ELOG) among the references",
      );
      const tactics = rule.tags.filter((t) => TACTICS.has(t.replace(/^attack\./, "")) && t.startsWith("attack."));
      const techniques = rule.tags.filter((t) => /^attack\.t\d{4}(\.\d{3})?$/.test(t));
      assert.ok(tactics.length > 0, "an attack.<tactic> tag");
      assert.ok(techniques.length > 0, "an attack.tNNNN technique tag");
      for (const t of rule.tags) assert.match(t, /^attack\.([a-z-]+|t\d{4}(\.\d{3})?|s\d{4}|g\d{4})$/, `tag ${t}`);
      assert.ok(rule.level !== undefined, "level");
      assert.ok(rule.falsepositives.length > 0, "falsepositives");
      if (rule.kind === "detection") {
        assert.ok(logsourceTargets(rule.logsource) !== null, "the log source maps to Windows event logs");
      }
      if (rule.kind === "correlation") {
        for (const ref of rule.rules) {
          const base = allRules.find((r) => r.name === ref || r.id === ref);
          assert.ok(base !== undefined, `names a loaded rule: ${ref}`);
          assert.equal(base.file, rule.file, `its building block ${ref} is in the same file`);
        }
      }
    });
  }
});

test("building blocks are quiet, every other rule is reported at medium or above", () => {
  const engine = new CorrelationEngine(correlations, detections);
  for (const rule of detections) {
    const consumed = engine.consumed.has(rule);
    if (consumed) {
      assert.equal(engine.reportsOwnMatches(rule), false, `${label(rule)}: a building block is not reported`);
      assert.equal(rule.level, "informational", `${label(rule)}: building blocks are informational`);
      assert.match(rule.title, /\(Building Block\)$/);
    } else {
      assert.ok(
        rule.level === "medium" || rule.level === "high" || rule.level === "critical",
        `${label(rule)}: reported rules are medium or above (${rule.level})`,
      );
      assert.doesNotMatch(rule.title, /Building Block/);
    }
  }
  for (const c of correlations) assert.equal(c.generate, false, `${label(c)}: no generate`);
});

test("every rule file has a case file and every case file a rule file", () => {
  const expected = ruleFiles.map((f) => relativeOf(f)).sort();
  const present = (readdirSync(CASES_DIR, { recursive: true, encoding: "utf8" }) as string[])
    .map((f) => f.split("\\").join("/"))
    .filter((f) => f.endsWith(".yml"))
    .sort();
  assert.deepEqual(present, expected);
});

for (const file of ruleFiles) {
  const rel = relativeOf(file);
  const casePath = join(CASES_DIR, rel);
  const inFile = allRules.filter((r) => r.file === file);
  const fileDetections = inFile.filter((r): r is DetectionRule => r.kind === "detection");
  const fileCorrelations = inFile.filter((r): r is CorrelationRule => r.kind === "correlation");

  describe(rel, () => {
    if (!existsSync(casePath)) {
      test("has cases", () => assert.fail(`missing ${relative(ROOT, casePath)}`));
      return;
    }
    const cases = readCases(casePath);

    test("every rule of the file has a match and a near miss (or a firing sequence and a near miss)", () => {
      const covered = new Set<SigmaRule>();
      for (const c of cases.detections ?? []) {
        const rule = pick(fileDetections, c.rule, rel);
        assert.ok(!covered.has(rule), `${label(rule)}: cases given twice`);
        covered.add(rule);
        assert.ok((c.match ?? []).length >= 1, `${label(rule)}: at least one event that must match`);
        assert.ok((c.miss ?? []).length >= 1, `${label(rule)}: at least one near miss`);
      }
      for (const c of cases.correlations ?? []) {
        const rule = pick(fileCorrelations, c.rule, rel);
        assert.ok(!covered.has(rule), `${label(rule)}: cases given twice`);
        covered.add(rule);
        assert.ok((c.fire ?? []).length >= 1, `${label(rule)}: at least one sequence that fires`);
        assert.ok((c.nearMiss ?? []).length >= 1, `${label(rule)}: at least one near-miss sequence`);
      }
      for (const rule of inFile) assert.ok(covered.has(rule), `${label(rule)}: no cases`);
    });

    for (const c of cases.detections ?? []) {
      const rule = pick(fileDetections, c.rule, rel);
      const check = (raw: RawEvent, expected: boolean, what: string): void => {
        const event = caseEvent(raw);
        const compiled = matcher.match(event.view).includes(rule);
        const simple = reference.match(event.view).includes(rule);
        assert.equal(compiled, simple, `compiled matcher and reference evaluator disagree on ${what}: ${event.text}`);
        assert.equal(compiled, expected, `${what}: ${event.text}`);
      };
      test(`${rule.name ?? rule.title}: matches`, () => {
        for (const [i, raw] of (c.match ?? []).entries()) check(raw, true, `match[${i}] must match`);
      });
      test(`${rule.name ?? rule.title}: near misses do not match`, () => {
        for (const [i, raw] of (c.miss ?? []).entries()) check(raw, false, `miss[${i}] must not match`);
      });
    }

    for (const c of cases.correlations ?? []) {
      const rule = pick(fileCorrelations, c.rule, rel);
      for (const seq of c.fire ?? []) {
        test(`${rule.name ?? rule.title}: fires: ${seq.name}`, () => {
          const { alerts } = huntEvents(seq.events);
          const mine = alerts.filter((a) => a.rule === rule);
          if (seq.alerts === undefined) assert.ok(mine.length >= 1, "the correlation must fire");
          else assert.equal(mine.length, seq.alerts, "alerts of the correlation");
        });
      }
      for (const seq of c.nearMiss ?? []) {
        test(`${rule.name ?? rule.title}: near miss: ${seq.name}`, () => {
          const { alerts } = huntEvents(seq.events);
          assert.deepEqual(
            alerts.filter((a) => a.rule === rule).map((a) => Object.fromEntries(a.group)),
            [],
            "the correlation must not fire",
          );
        });
      }
    }
  });
}

test("benign background: legitimate use of the same tools gives no reported detection", () => {
  const doc = parse(readFileSync(BENIGN, "utf8")) as { events: RawEvent[] };
  assert.ok(doc.events.length >= 50, `${doc.events.length} benign events`);
  const { reported, alerts } = huntEvents(doc.events);
  assert.deepEqual(
    reported.map((r) => `${label(r.rule)} <- ${r.event.text}`),
    [],
    "no detection rule reports a benign event",
  );
  assert.deepEqual(
    alerts.map((a) => `${label(a.rule)} ${JSON.stringify(Object.fromEntries(a.group))}`),
    [],
    "no correlation fires on benign activity",
  );
});

test("vigil rules check rules/: every rule loads, none unsupported or invalid", async () => {
  const main = join(ROOT, "src", "cli", "main.ts");
  const run = spawnSync(process.execPath, ["--import", "tsx", main, "rules", "check", "--json", join(ROOT, "rules")], {
    encoding: "utf8",
    cwd: ROOT,
  });
  assert.equal(run.status, 0, run.stderr);
  const out = JSON.parse(run.stdout) as { loaded: number; unsupported: unknown[]; invalid: unknown[] };
  assert.deepEqual(out.unsupported, []);
  assert.deepEqual(out.invalid, []);
  const builtin = await loadRules([join(ROOT, "rules")]);
  assert.deepEqual(builtin.problems, []);
  assert.equal(out.loaded, builtin.rules.length, "every rule under rules/ is loaded");
  assert.ok(out.loaded >= allRules.length, `${out.loaded} rules loaded, the pack alone has ${allRules.length}`);
});
