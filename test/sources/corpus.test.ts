/**
 * The SigmaHQ regression corpus through openEvidence: each case's `.json` (the evtx_dump rendering of its `.evtx`)
 * must give the same events as the `.evtx` itself (the records the file holds, not those recovered from slack), in
 * the same order with the same record IDs, event IDs, channels and times; the folder's other files are reported as
 * unknown, never fatal.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import type { HuntEvent } from "../../src/events/event.js";
import { readAll } from "./fixtures.js";

const regression = fileURLToPath(new URL("../../../shared/sigma/regression_data", import.meta.url));
const skip = existsSync(regression)
  ? false
  : `reference data absent: ${regression} does not exist (CI has ../shared beside the project)`;

test("each regression .json gives the events of the .evtx beside it (202 pairs)", { skip }, async () => {
  const { events, sources } = await readAll([regression]);
  const byFile = new Map<string, HuntEvent[]>();
  for (const e of events) {
    const list = byFile.get(e.source.file);
    if (list === undefined) byFile.set(e.source.file, [e]);
    else list.push(e);
  }
  const summary = (e: HuntEvent) =>
    [
      e.fields.get("System.EventRecordID"),
      e.fields.get("System.EventID"),
      e.fields.get("System.Channel"),
      e.timestamp,
    ].join(" ");
  let pairs = 0;
  const failures: string[] = [];
  for (const s of sources) {
    if (!s.file.endsWith(".json")) continue;
    const evtx = s.file.replace(/\.json$/, ".evtx");
    if (!existsSync(evtx)) continue;
    pairs++;
    assert.equal(s.format, "json", s.file);
    assert.deepEqual(s.problems, [], s.file);
    const fromJson = (byFile.get(s.file) ?? []).map(summary);
    const fromEvtx = (byFile.get(evtx) ?? []).filter((e) => !e.recovered).map(summary);
    if (fromJson.length === 0 || fromJson.join("\n") !== fromEvtx.join("\n")) {
      failures.push(`${s.file}: ${fromJson.length} events from JSON, ${fromEvtx.length} from EVTX`);
    }
  }
  assert.equal(pairs, 202);
  assert.deepEqual(failures, []);
  const formats = new Set(sources.map((s) => s.format));
  assert.deepEqual([...formats].sort(), ["evtx", "json", "unknown"]);
});
