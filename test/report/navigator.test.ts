/**
 * The ATT&CK Navigator layer, checked against the layer format 4.5 (LAYERFORMATv4_5.md of the ATT&CK Navigator):
 * required `name`, `domain` and `versions.layer`/`versions.navigator`, techniques with a techniqueID of the right
 * form, numeric scores, tactics by their short names, a gradient with at least two colours and maxValue > minValue.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import type { Detection } from "../../src/hunt/detection.js";
import { ReportCollector } from "../../src/report/collect.js";
import { createHtmlReportWriter } from "../../src/report/html-report.js";
import { navigatorLayer } from "../../src/report/navigator.js";
import { intrusionDetections, RULES, summaryFor, tempDir } from "./fixtures.js";

const TACTIC_SHORT_NAMES = new Set([
  "reconnaissance",
  "resource-development",
  "initial-access",
  "execution",
  "persistence",
  "privilege-escalation",
  "defense-evasion",
  "stealth",
  "defense-impairment",
  "credential-access",
  "discovery",
  "lateral-movement",
  "collection",
  "command-and-control",
  "exfiltration",
  "impact",
]);

/** The problems of a layer against format 4.5; empty when it is valid. */
function layerProblems(layer: unknown): string[] {
  const problems: string[] = [];
  const isObject = (v: unknown): v is Record<string, unknown> =>
    typeof v === "object" && v !== null && !Array.isArray(v);
  if (!isObject(layer)) return ["not an object"];
  if (typeof layer.name !== "string" || layer.name === "") problems.push("name: required string");
  if (!["enterprise-attack", "mobile-attack", "ics-attack"].includes(layer.domain as string)) problems.push("domain");
  const versions = layer.versions;
  if (!isObject(versions)) problems.push("versions: object expected");
  else {
    if (versions.layer !== "4.5") problems.push("versions.layer must be 4.5");
    const nav = String(versions.navigator ?? "")
      .split(".")
      .map(Number);
    if (nav.length !== 3 || nav.some(Number.isNaN) || nav[0] < 4 || (nav[0] === 4 && nav[1] < 9)) {
      problems.push("versions.navigator must be at least 4.9.0");
    }
    if (versions.attack !== undefined && typeof versions.attack !== "string") problems.push("versions.attack");
  }
  if (layer.description !== undefined && typeof layer.description !== "string") problems.push("description");
  if (layer.sorting !== undefined && ![0, 1, 2, 3].includes(layer.sorting as number)) problems.push("sorting");
  if (!Array.isArray(layer.techniques)) problems.push("techniques: array expected");
  for (const [i, t] of ((layer.techniques as unknown[]) ?? []).entries()) {
    if (!isObject(t)) {
      problems.push(`techniques[${i}]: object expected`);
      continue;
    }
    if (typeof t.techniqueID !== "string" || !/^T\d{4}(\.\d{3})?$/.test(t.techniqueID)) {
      problems.push(`techniques[${i}].techniqueID`);
    }
    if (t.tactic !== undefined && !TACTIC_SHORT_NAMES.has(t.tactic as string)) problems.push(`techniques[${i}].tactic`);
    if (t.score !== undefined && (typeof t.score !== "number" || !Number.isFinite(t.score))) {
      problems.push(`techniques[${i}].score`);
    }
    if (t.comment !== undefined && typeof t.comment !== "string") problems.push(`techniques[${i}].comment`);
    if (t.enabled !== undefined && typeof t.enabled !== "boolean") problems.push(`techniques[${i}].enabled`);
    for (const m of (t.metadata as unknown[]) ?? []) {
      if (!isObject(m) || (m.divider !== true && (typeof m.name !== "string" || typeof m.value !== "string"))) {
        problems.push(`techniques[${i}].metadata`);
      }
    }
  }
  const g = layer.gradient;
  if (g !== undefined) {
    if (!isObject(g)) problems.push("gradient");
    else {
      if (!Array.isArray(g.colors) || g.colors.length < 2) problems.push("gradient.colors: at least two");
      if (typeof g.minValue !== "number" || typeof g.maxValue !== "number" || g.maxValue <= g.minValue) {
        problems.push("gradient: maxValue must exceed minValue");
      }
    }
  }
  for (const item of (layer.legendItems as unknown[]) ?? []) {
    if (!isObject(item) || typeof item.label !== "string" || typeof item.color !== "string")
      problems.push("legendItems");
  }
  return problems;
}

function rulesOf(detections: readonly Detection[]) {
  const c = new ReportCollector();
  for (const d of detections) c.add(d);
  return c.data({ summary: summaryFor(detections) }).rules;
}

test("the layer of the intrusion is valid format 4.5, scored by detections", () => {
  const layer = navigatorLayer(rulesOf(intrusionDetections()));
  assert.deepEqual(layerProblems(JSON.parse(JSON.stringify(layer))), []);
  assert.equal(layer.domain, "enterprise-attack");
  assert.equal(layer.versions.layer, "4.5");
  const byId = new Map(layer.techniques.map((t) => [t.techniqueID, t]));
  assert.equal(byId.get("T1003.003")?.score, 2);
  assert.equal(byId.get("T1003.003")?.tactic, "credential-access");
  assert.match(byId.get("T1003.003")?.comment ?? "", /NTDS\.dit Copy via Ntdsutil IFM \(2\)/);
  assert.equal(byId.get("T1654")?.score, 260);
  assert.equal(layer.gradient.maxValue, 260);
  // A rule naming two tactics cannot place its techniques: no tactic, shown under every tactic of the technique.
  assert.equal(byId.get("T1505.003")?.tactic, undefined);
  // Stealth and Defense Impairment split Defense Evasion: old tags cannot place a technique in either.
  assert.equal(byId.get("T1070.001")?.tactic, undefined);
  assert.ok(byId.has("T1070.001"));
  // Techniques only: no tactic-only entry, no group or software ids.
  assert.ok(layer.techniques.every((t) => /^T\d{4}(\.\d{3})?$/.test(t.techniqueID)));
  assert.deepEqual(
    layer.techniques.map((t) => t.techniqueID),
    [...byId.keys()].sort(),
  );
});

test("a hunt without detections still gives a valid layer", () => {
  const layer = navigatorLayer([]);
  assert.deepEqual(layerProblems(layer), []);
  assert.equal(layer.techniques.length, 0);
});

test("the validator rejects what the format forbids", () => {
  const good = navigatorLayer(rulesOf(intrusionDetections()));
  assert.ok(layerProblems({ ...good, domain: "enterprise" }).length > 0);
  assert.ok(layerProblems({ ...good, versions: { layer: "4.4", navigator: "4.9.0" } }).length > 0);
  assert.ok(layerProblems({ ...good, techniques: [{ techniqueID: "1003", score: 1 }] }).length > 0);
  assert.ok(layerProblems({ ...good, techniques: [{ techniqueID: "T1003", score: "1" }] }).length > 0);
  assert.ok(layerProblems({ ...good, gradient: { colors: ["#fff"], minValue: 0, maxValue: 0 } }).length > 0);
  const { name: _, ...nameless } = good;
  assert.ok(layerProblems(nameless).length > 0);
});

test("--navigator alone: the writer writes the layer and no HTML", async () => {
  const dir = tempDir();
  const path = join(dir, "layer.json");
  const writer = await createHtmlReportWriter(null, { navigator: path });
  const detections = intrusionDetections().filter((d) => d.rule.title === RULES.lsass.title);
  for (const d of detections) await writer.write(d);
  await writer.close();
  assert.equal(readFileSync(path, "utf8"), "", "created when the writer is, written by finish");
  await writer.finish({ summary: summaryFor(detections) });
  const layer = JSON.parse(readFileSync(path, "utf8"));
  assert.deepEqual(layerProblems(layer), []);
  assert.deepEqual(
    layer.techniques.map((t: { techniqueID: string }) => t.techniqueID),
    ["T1003.001"],
  );
  assert.equal(writer.rows, 1);
});
