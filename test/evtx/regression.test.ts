/**
 * Exactness against the reference renderings: every record Vigil reads from each of the 202 SigmaHQ regression
 * `.evtx` files must equal, value by value, the `.json` beside it (the evtx_dump `#attributes` convention).
 *
 * The reference trims trailing whitespace from strings and Vigil does not (census §4.3), so both sides are compared
 * with trailing whitespace trimmed. Records Vigil recovers from chunk slack are not in the reference and are
 * compared separately: they must decode and carry a System element.
 */
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { fieldsFromEvtxJson } from "../../src/events/json-fields.js";
import { readEvtxBuffer } from "../../src/evtx/index.js";
import type { JsonValue } from "../../src/evtx/types.js";
import { parseConcatenatedJson } from "../../src/sources/concatenated-json.js";

const regressionDir = fileURLToPath(new URL("../../../shared/sigma/regression_data", import.meta.url));
const present = existsSync(regressionDir);
const skip = present
  ? false
  : `reference data absent: ${regressionDir} does not exist (CI has ../shared beside the project)`;

/**
 * The one known difference (census §4.3): in case ad691d92 the EVTX bytes say `Explorer.EXE` where the JSON says
 * `Explorer.exe`, and that JSON was written by a renderer that printed nanoseconds in SystemTime.
 */
const KNOWN = "ad691d92-15f2-4181-9aa4-723c74f9ddc3";
const KNOWN_DIFFERENCES: Record<string, [string, JsonValue, JsonValue]> = {
  "Event.EventData.ParentCommandLine": ["ParentCommandLine", "C:\\Windows\\Explorer.EXE", "C:\\Windows\\Explorer.exe"],
  "Event.System.TimeCreated.#attributes.SystemTime": [
    "SystemTime",
    "2026-03-20T08:31:26.751156Z",
    "2026-03-20T08:31:26.751156500Z",
  ],
};

function* walk(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(path);
    else if (entry.name.endsWith(".evtx")) yield path;
  }
}

/** The reference files hold pretty-printed objects one after another, not an array. */
function parseConcatenated(text: string): JsonValue[] {
  const { values, problems } = parseConcatenatedJson(text);
  assert.deepEqual(problems, []);
  return values;
}

function trimmed(v: JsonValue): JsonValue {
  if (typeof v === "string") return v.trimEnd();
  if (Array.isArray(v)) return v.map(trimmed);
  if (v !== null && typeof v === "object")
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, trimmed(x)]));
  return v;
}

/** Paths where the two trees differ, as "Event.System.X" → [mine, theirs]. */
function differences(mine: JsonValue, theirs: JsonValue, path: string, out: Map<string, [JsonValue, JsonValue]>): void {
  if (mine !== null && theirs !== null && typeof mine === "object" && typeof theirs === "object") {
    const keys = new Set([...Object.keys(mine), ...Object.keys(theirs)]);
    for (const k of keys) {
      const a = (mine as Record<string, JsonValue>)[k];
      const b = (theirs as Record<string, JsonValue>)[k];
      differences(a === undefined ? "<missing>" : a, b === undefined ? "<missing>" : b, path ? `${path}.${k}` : k, out);
    }
    const order = JSON.stringify(Object.keys(mine)) === JSON.stringify(Object.keys(theirs));
    if (!order) out.set(`${path} (key order)`, [Object.keys(mine), Object.keys(theirs)]);
    return;
  }
  if (JSON.stringify(mine) !== JSON.stringify(theirs)) out.set(path, [mine, theirs]);
}

test("every regression .evtx reads exactly as the .json beside it (202/202)", { skip }, () => {
  let cases = 0;
  let records = 0;
  let recovered = 0;
  const failures: string[] = [];
  for (const evtx of walk(regressionDir)) {
    cases++;
    const reference = parseConcatenated(readFileSync(evtx.replace(/\.evtx$/, ".json"), "utf8"));
    const result = readEvtxBuffer(readFileSync(evtx), { file: evtx });
    assert.deepEqual(result.damage, [], `${evtx}: no damage expected`);
    const live = result.records.filter((r) => !r.recovered);
    recovered += result.records.length - live.length;
    if (live.length !== reference.length) {
      failures.push(`${evtx}: ${live.length} records, reference has ${reference.length}`);
      continue;
    }
    live.forEach((record, i) => {
      records++;
      // The JSON text is what `vigil dump` writes; it must parse to the same tree as toJson().
      const fromText = JSON.parse(record.toJsonText()) as JsonValue;
      assert.deepEqual(
        fromText,
        JSON.parse(JSON.stringify(record.toJson())),
        `${evtx} record ${record.recordId}: toJsonText and toJson differ`,
      );
      const diff = new Map<string, [JsonValue, JsonValue]>();
      differences(trimmed(fromText), trimmed(reference[i]), "", diff);
      if (evtx.includes(KNOWN)) {
        for (const [path, [, mine, theirs]] of Object.entries(KNOWN_DIFFERENCES)) {
          assert.deepEqual(diff.get(path), [mine, theirs], `${KNOWN}: the known difference at ${path}`);
          diff.delete(path);
        }
      }
      if (diff.size > 0) failures.push(`${evtx} record ${record.recordId}: ${JSON.stringify([...diff].slice(0, 3))}`);
    });
  }
  assert.equal(cases, 202, "the regression set has 202 cases");
  assert.deepEqual(failures, [], `${failures.length} cases differ`);
  assert.equal(records, 238, "238 records in the reference");
  // Slack records are extra evidence: they are reported as recovered, never mixed into the live ones.
  assert.ok(recovered >= 0);
});

test("recovered slack records of the regression files decode to events", { skip }, () => {
  let recovered = 0;
  for (const evtx of walk(regressionDir)) {
    for (const record of readEvtxBuffer(readFileSync(evtx)).records) {
      if (!record.recovered) continue;
      recovered++;
      assert.equal(typeof record.fields.get("System.EventID"), "number", `${evtx} recovered record ${record.recordId}`);
      assert.match(String(record.fields.get("System.Channel")), /\S/);
    }
  }
  assert.ok(recovered > 0, "the exported regression files carry earlier records in their slack");
});

test("the flat field view of each record equals the reference JSON flattened the same way", { skip }, () => {
  let compared = 0;
  for (const evtx of walk(regressionDir)) {
    const reference = parseConcatenated(readFileSync(evtx.replace(/\.evtx$/, ".json"), "utf8"));
    const live = readEvtxBuffer(readFileSync(evtx)).records.filter((r) => !r.recovered);
    live.forEach((record, i) => {
      const theirs = fieldsFromEvtxJson(reference[i]);
      assert.ok(theirs !== null);
      const norm = (entries: Iterable<[string, unknown]>) =>
        JSON.stringify([...entries].map(([k, v]) => [k, typeof v === "string" ? v.trimEnd() : v]));
      const mine = norm(record.fields.entries());
      const expected = norm(theirs.entries());
      if (evtx.includes(KNOWN)) {
        assert.notEqual(mine, expected, `${KNOWN} differs as known`);
      } else {
        assert.equal(mine, expected, `${evtx} record ${record.recordId}`);
      }
      compared++;
    });
  }
  assert.equal(compared, 238);
});
