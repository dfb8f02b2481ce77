/**
 * Logsource mapping (src/sigma/data/logsources.yml): unit tests on the data file, plus a corpus test over SigmaHQ's
 * Windows rules and regression cases in ../shared, skipped when that checkout is absent.
 */
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import { mapFieldView } from "../../src/events/field-map.js";
import type { FieldValue, FieldView } from "../../src/evtx/types.js";
import {
  appliesTo,
  eventFieldFor,
  type LogsourceTarget,
  logsourceTargets,
  resolveField,
  resolveLogsource,
} from "../../src/sigma/logsources.js";
import type { LogSource } from "../../src/sigma/model.js";

const SYSMON = "Microsoft-Windows-Sysmon/Operational";

function targets(ls: LogSource): LogsourceTarget[] {
  const t = logsourceTargets(ls);
  assert.ok(t !== null, `expected ${JSON.stringify(ls)} to map`);
  return t;
}

function view(entries: Record<string, FieldValue>): FieldView {
  const map = new Map(Object.entries(entries));
  return mapFieldView(map);
}

describe("logsource mapping", () => {
  test("process_creation applies to Sysmon 1 and Security 4688, not Sysmon 3", () => {
    const t = targets({ product: "windows", category: "process_creation" });
    assert.ok(appliesTo(t, SYSMON, 1));
    assert.ok(appliesTo(t, "Security", 4688));
    assert.ok(appliesTo(t, "security", 4688), "channels compare case-insensitively");
    assert.equal(appliesTo(t, SYSMON, 3), undefined);
    assert.equal(appliesTo(t, "Security", 4624), undefined);
    assert.equal(appliesTo(t, "Microsoft-Windows-PowerShell/Operational", 1), undefined);
  });

  test("Security 4688 renames Image and ParentImage; Sysmon renames nothing", () => {
    const t = targets({ product: "windows", category: "process_creation" });
    const security = appliesTo(t, "Security", 4688);
    const sysmon = appliesTo(t, SYSMON, 1);
    assert.ok(security && sysmon);
    assert.equal(eventFieldFor(security, "Image"), "EventData.NewProcessName");
    assert.equal(eventFieldFor(security, "ParentImage"), "EventData.ParentProcessName");
    assert.equal(eventFieldFor(security, "CommandLine"), "EventData.CommandLine");
    assert.equal(eventFieldFor(sysmon, "Image"), "EventData.Image");
    assert.equal(eventFieldFor(sysmon, "EventID"), "System.EventID");
    assert.equal(eventFieldFor(sysmon, "Provider_Name"), "System.Provider.Name");
    assert.equal(eventFieldFor(sysmon, "Channel"), "System.Channel");
    assert.equal(eventFieldFor(sysmon, "Computer"), "System.Computer");
    assert.equal(eventFieldFor(sysmon, "Security_UserID"), "System.Security.UserID");
    // Asked again (each target remembers its paths), the same answers: one target's renames never reach another's.
    for (let i = 0; i < 2; i++) {
      assert.equal(eventFieldFor(sysmon, "Image"), "EventData.Image");
      assert.equal(eventFieldFor(security, "Image"), "EventData.NewProcessName");
      assert.equal(eventFieldFor(sysmon, "ParentImage"), "EventData.ParentImage");
      assert.equal(eventFieldFor(security, "EventID"), "System.EventID");
    }
  });

  test("service security: the Security channel, every EventID", () => {
    const t = targets({ product: "windows", service: "security" });
    assert.equal(t.length, 1);
    assert.equal(t[0].channel, "Security");
    assert.equal(t[0].eventIds, null);
    assert.ok(appliesTo(t, "SECURITY", 4624));
    assert.equal(appliesTo(t, "System", 7045), undefined);
  });

  test("service powershell has two channels; ps_script is 4104 in both", () => {
    assert.equal(targets({ product: "windows", service: "powershell" }).length, 2);
    const t = targets({ product: "windows", category: "ps_script" });
    assert.ok(appliesTo(t, "PowerShellCore/Operational", 4104));
    assert.ok(appliesTo(t, "Microsoft-Windows-PowerShell/Operational", 4104));
    assert.equal(appliesTo(t, "Microsoft-Windows-PowerShell/Operational", 4103), undefined);
  });

  test("registry_set is Sysmon 13; registry_add carries its EventType condition", () => {
    const set = targets({ product: "windows", category: "registry_set" });
    assert.ok(appliesTo(set, SYSMON, 13));
    assert.equal(appliesTo(set, SYSMON, 12), undefined);
    const add = appliesTo(targets({ product: "windows", category: "registry_add" }), SYSMON, 12);
    assert.deepEqual(add?.conditions.get("EventType"), ["CreateKey"]);
  });

  test("unknown category, ETW category, non-Windows product: null with a reason", () => {
    const unknown = resolveLogsource({ product: "windows", category: "no_such_thing" });
    assert.equal(unknown.targets, null);
    assert.match(unknown.reason ?? "", /unknown windows category no_such_thing/);
    assert.match(resolveLogsource({ product: "windows", category: "file_access" }).reason ?? "", /ETW/);
    assert.equal(logsourceTargets({ product: "linux", category: "process_creation" }), null);
    assert.equal(logsourceTargets({ category: "webserver" }), null);
    assert.equal(logsourceTargets({ product: "windows", service: "no-such-service" }), null);
  });

  test("antivirus maps to Defender with renames; rpc_firewall to RPCFW; product windows alone to any channel", () => {
    const av = targets({ category: "antivirus" });
    const defender = appliesTo(av, "Microsoft-Windows-Windows Defender/Operational", 1116);
    assert.ok(defender);
    assert.equal(eventFieldFor(defender, "Signature"), "EventData.ThreatName");
    const rpc = targets({ product: "rpc_firewall", category: "application" });
    assert.ok(rpc[0] && appliesTo(rpc, "RPCFW", 3));
    assert.equal(eventFieldFor(rpc[0], "EventLog"), "System.Channel");
    assert.ok(appliesTo(targets({ product: "windows" }), "Anything/Operational", 1));
  });

  test("resolveField falls back to UserData and to EventData names with spaces", () => {
    const t = targets({ product: "windows", service: "security" })[0];
    const fields = view({
      "System.EventID": 1102,
      "UserData.LogFileCleared.SubjectUserName": "admin",
      "EventData.Threat Name": "Evil",
    });
    assert.equal(resolveField(t, "EventID", fields), 1102);
    assert.equal(resolveField(t, "SubjectUserName", fields), "admin");
    assert.equal(resolveField(t, "ThreatName", fields), "Evil");
    assert.equal(resolveField(t, "Missing", fields), undefined);
  });

  test("a record layout with no fallback path is not walked for a missing field; one with such a path is", () => {
    const t = targets({ product: "windows", service: "security" })[0];
    /** A view with a layout, as a compiled EVTX record gives it, counting the walks over its fields. */
    const laidOut = (entries: Record<string, FieldValue>) => {
      const inner = view(entries);
      const layout = Object.keys(entries);
      const walks = { count: 0 };
      const fields: FieldView = {
        get: (path) => inner.get(path),
        entries: () => {
          walks.count++;
          return inner.entries();
        },
        forEach: (visit) => {
          walks.count++;
          inner.forEach(visit);
        },
        layout: () => layout,
        layoutValues: () => Object.values(entries),
      };
      return { fields, walks };
    };
    const plain = laidOut({ "System.EventID": 4688, "EventData.CommandLine": "whoami" });
    assert.equal(resolveField(t, "OriginalFileName", plain.fields), undefined);
    assert.equal(resolveField(t, "CommandLine", plain.fields), "whoami");
    assert.equal(plain.walks.count, 0);
    const userData = laidOut({ "System.EventID": 1102, "UserData.LogFileCleared.SubjectUserName": "admin" });
    assert.equal(resolveField(t, "SubjectUserName", userData.fields), "admin");
    assert.equal(resolveField(t, "Missing", userData.fields), undefined);
    assert.equal(userData.walks.count, 1, "walked once, then its index is kept");
  });
});

// ---- corpus (../shared) ----

const SHARED_SIGMA = fileURLToPath(new URL("../../../shared/sigma/", import.meta.url));
const HAVE_SHARED = existsSync(join(SHARED_SIGMA, "rules", "windows"));
const SKIP = HAVE_SHARED ? false : `../shared/sigma absent (${SHARED_SIGMA}): corpus test skipped`;

function walk(dir: string, accept: (name: string) => boolean, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) walk(p, accept, out);
    else if (accept(entry.name)) out.push(p);
  }
  return out;
}

const isYaml = (n: string) => n.endsWith(".yml") || n.endsWith(".yaml");

function readLogsource(file: string): LogSource | null {
  let doc: unknown;
  try {
    doc = parse(readFileSync(file, "utf8"));
  } catch {
    return null;
  }
  if (typeof doc !== "object" || doc === null || !("logsource" in doc)) return null;
  const ls = (doc as { logsource: unknown }).logsource;
  if (typeof ls !== "object" || ls === null) return null;
  const pick = (k: string) => {
    const v = (ls as Record<string, unknown>)[k];
    return typeof v === "string" ? v : undefined;
  };
  return { product: pick("product"), category: pick("category"), service: pick("service") };
}

/** Records of a regression .json: concatenated pretty-printed objects, each closed by a `}` line. */
function jsonRecords(text: string): { channel: string; eventId: number }[] {
  return text
    .split(/^\}$/m)
    .filter((part) => part.trim() !== "")
    .map((part) => {
      const system = JSON.parse(`${part}}`).Event.System;
      const id = system.EventID;
      return { channel: String(system.Channel), eventId: Number(typeof id === "object" ? id["#text"] : id) };
    });
}

describe("logsource mapping on the SigmaHQ corpus", { skip: SKIP }, () => {
  test("Windows rules: mapped and unmapped logsources", (t) => {
    const files = walk(join(SHARED_SIGMA, "rules", "windows"), isYaml);
    let mapped = 0;
    const unmapped = new Map<string, number>();
    for (const file of files) {
      const ls = readLogsource(file);
      if (ls === null) continue;
      const r = resolveLogsource(ls);
      if (r.targets !== null) mapped++;
      else {
        const key = `${ls.product ?? "-"}/${ls.category ?? "-"}/${ls.service ?? "-"}`;
        unmapped.set(key, (unmapped.get(key) ?? 0) + 1);
      }
    }
    const unmappedCount = [...unmapped.values()].reduce((a, b) => a + b, 0);
    t.diagnostic(`rules/windows: ${files.length} files, ${mapped} mapped, ${unmappedCount} unmapped`);
    for (const [key, n] of [...unmapped].sort()) t.diagnostic(`  unmapped ${key}: ${n}`);
    // Only the ETW-only categories (census §3.1) stay unmapped.
    for (const key of unmapped.keys()) assert.match(key, /^windows\/(file_access|file_rename)\/-$/);
    assert.ok(mapped > 2000);
  });

  test("regression cases: the rule's logsource applies to a record of its .json", (t) => {
    const idToFile = new Map<string, string>();
    for (const dir of readdirSync(SHARED_SIGMA).filter((d) => d.startsWith("rules"))) {
      for (const file of walk(join(SHARED_SIGMA, dir), isYaml)) {
        const m = /^id:\s*['"]?([0-9a-fA-F-]+)/m.exec(readFileSync(file, "utf8"));
        if (m) idToFile.set(m[1].toLowerCase(), file);
      }
    }
    const cases = walk(join(SHARED_SIGMA, "regression_data"), (n) => n === "info.yml");
    let total = 0;
    let applies = 0;
    const failures: string[] = [];
    for (const info of cases) {
      const dir = join(info, "..");
      const json = readdirSync(dir).find((n) => n.endsWith(".json"));
      if (json === undefined) continue; // non-EVTX case (the cisco .raw)
      total++;
      const meta = parse(readFileSync(info, "utf8")) as { rule_metadata?: { id?: string }[] };
      const id = String(meta.rule_metadata?.[0]?.id ?? "").toLowerCase();
      const ruleFile = idToFile.get(id);
      const ls = ruleFile === undefined ? null : readLogsource(ruleFile);
      const targets = ls === null ? null : logsourceTargets(ls);
      const records = jsonRecords(readFileSync(join(dir, json), "utf8"));
      if (targets !== null && records.some((r) => appliesTo(targets, r.channel, r.eventId) !== undefined)) {
        applies++;
      } else {
        const seen = records.map((r) => `${r.channel}/${r.eventId}`).join(", ");
        failures.push(`${id} (${ruleFile === undefined ? "rule not found" : JSON.stringify(ls)}): ${seen}`);
      }
    }
    t.diagnostic(`regression cases: logsource applies in ${applies}/${total}`);
    for (const f of failures) t.diagnostic(`  does not apply: ${f}`);
    assert.equal(total, 202);
    assert.deepEqual(failures, []);
  });
});

test("the mapping hunts read (logsources.json) is the documented YAML's, value for value: `npm run data` after editing it", () => {
  const data = new URL("../../src/sigma/data/", import.meta.url);
  assert.deepEqual(
    JSON.parse(readFileSync(new URL("logsources.json", data), "utf8")),
    parse(readFileSync(new URL("logsources.yml", data), "utf8")),
  );
});
