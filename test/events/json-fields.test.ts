/** evtx_dump-shaped JSON as flat fields, and concatenated JSON values. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { fieldsFromEvtxJson } from "../../src/events/json-fields.js";
import { parseConcatenatedJson } from "../../src/sources/concatenated-json.js";

test("attributes become child paths, #text the element's own path, unnamed Data an array", () => {
  const fields = fieldsFromEvtxJson({
    Event: {
      "#attributes": { xmlns: "http://schemas.microsoft.com/win/2004/08/events/event" },
      System: {
        Provider: { "#attributes": { Name: "Service Control Manager", Guid: "555908D1-A6D7-4695-8E1E-26931D2012F4" } },
        EventID: { "#attributes": { Qualifiers: 16384 }, "#text": 7045 },
        Correlation: null,
        Channel: "System",
      },
      EventData: { ServiceName: "PSEXESVC", Data: { "#text": ["a", ""] } },
    },
  });
  assert.ok(fields !== null);
  assert.deepEqual(Object.fromEntries(fields.entries()), {
    xmlns: "http://schemas.microsoft.com/win/2004/08/events/event",
    "System.Provider.Name": "Service Control Manager",
    "System.Provider.Guid": "555908D1-A6D7-4695-8E1E-26931D2012F4",
    "System.EventID.Qualifiers": 16384,
    "System.EventID": 7045,
    "System.Correlation": null,
    "System.Channel": "System",
    "EventData.ServiceName": "PSEXESVC",
    "EventData.Data": ["a", ""],
  });
  assert.equal(fieldsFromEvtxJson({ not: "an event" }), null);
});

test("concatenated values: pretty objects, JSONL, braces and newlines inside strings, a broken value in between", () => {
  const text = '{\n  "a": "}{\\n\\"",\n  "b": [1, {"c": 2}]\n}\n{"d": 3}\n{"broken": }\n[4, 5]';
  const { values, problems } = parseConcatenatedJson(text);
  assert.deepEqual(values, [{ a: '}{\n"', b: [1, { c: 2 }] }, { d: 3 }, [4, 5]]);
  assert.equal(problems.length, 1);
  assert.equal(problems[0].offset, text.indexOf('{"broken"'));
  assert.deepEqual(
    parseConcatenatedJson('{"open": [').problems.map((p) => p.reason),
    ["the text ends inside a value"],
  );
});
