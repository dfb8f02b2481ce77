import assert from "node:assert/strict";
import { test } from "node:test";
import type { Detection, PlainValue } from "../../src/hunt/detection.js";
import {
  type DetectionEncoding,
  decodeDetection,
  encodeDetection,
  encodedLength,
  writeEncoding,
} from "../../src/hunt/detection-codec.js";
import { detectionOfQueued, orderKeyOf, packBatch, type QueuedMatch, unpackBatch } from "../../src/hunt/match-batch.js";
import type { MatchRecord } from "../../src/hunt/scan-file.js";
import { detectionDigest } from "../../src/scope/incidents.js";

function detection(
  event: Record<string, PlainValue>,
  source: Detection["source"] = { file: "/e/a.evtx", offset: 4096 },
) {
  const d: Detection = {
    timestamp: 1_700_000_000_123,
    rule: { id: "r1", title: "Rule", level: "high", tags: ["attack.execution"], file: "rule.yml", kind: "detection" },
    computer: "WS1",
    channel: "Security",
    eventId: 4688,
    recordId: "17",
    source,
    details: { CommandLine: "cmd /c whoami" },
    event,
  };
  return d;
}

function bytesOf(e: DetectionEncoding): Buffer {
  const out = Buffer.alloc(encodedLength(e));
  assert.equal(writeEncoding(e, out, 0), out.length);
  return out;
}

test("a detection goes as JSON text and comes back the same: texts in any script, lists, hostile names", () => {
  const d = detection({
    "EventData.CommandLine": "=cmd|' /C calc'!A0 \u001b[31m\u0000 日本語 😀 lone \ud800 surrogate",
    "EventData.Hashes": ["SHA1=AB", "MD5=CD"],
    "EventData.Nested": [
      ["a", 1],
      [true, null],
    ],
    "System.EventID": 4688,
    "System.Level": 0,
    ["__proto__"]: "not a prototype",
    toJSON: "not a method",
    "1": "an index-like name",
  });
  const encoded = encodeDetection(d);
  assert.equal(typeof encoded, "string");
  const bytes = bytesOf(encoded);
  assert.equal(bytes[0], "{".charCodeAt(0));
  const back = decodeDetection(bytes);
  assert.deepStrictEqual(back, d);
  assert.deepEqual(Object.keys(back.event), Object.keys(d.event));
  assert.equal(Object.getPrototypeOf(back.event), Object.prototype);
  assert.ok(Object.hasOwn(back.event, "__proto__"));
});

test("a detection JSON would change goes as V8's serialization: NaN, infinities, -0, undefined, holes", () => {
  const holes: PlainValue[] = ["a"];
  holes[2] = "c";
  const cases: Detection[] = [
    detection({ "EventData.Real": Number.NaN }),
    detection({ "EventData.Real": Number.POSITIVE_INFINITY }),
    detection({ "EventData.List": ["x", Number.NEGATIVE_INFINITY] }),
    detection({ "EventData.Zero": -0 }),
    detection({ "EventData.Holes": holes }),
    detection({}, { file: "/e/a.evtx", member: undefined as unknown as string, offset: null }),
  ];
  for (const d of cases) {
    const encoded = encodeDetection(d);
    assert.ok(encoded instanceof Uint8Array, JSON.stringify(d.event));
    const bytes = bytesOf(encoded);
    assert.equal(bytes[0], 0xff);
    assert.deepStrictEqual(decodeDetection(bytes), d);
  }
  // The same values, written as JSON, would not come back.
  assert.notDeepStrictEqual(JSON.parse(JSON.stringify(cases[0])), cases[0]);
});

test("a worker's batch: detections of both encodings come back in order from one buffer", () => {
  const ds = [
    detection({ "EventData.CommandLine": "first" }),
    detection({ "EventData.Real": Number.NaN }),
    detection({ "EventData.CommandLine": "x".repeat(10_000) }),
  ];
  const batch: MatchRecord[] = ds.map((d, i) => ({
    order: orderKeyOf(d),
    detection: d,
    digest: detectionDigest(d),
    ruleIndex: i,
    report: true,
    consumed: false,
  }));
  const packed = packBatch(batch);
  const back = unpackBatch(structuredClone(packed)).map(detectionOfQueued);
  assert.deepStrictEqual(back, ds);
});

test("a worker's batch: detections not kept take no bytes and come back as their digests alone", () => {
  const ds = [
    detection({ "EventData.CommandLine": "kept", "EventData.TargetUserName": "alice" }),
    detection({ "EventData.CommandLine": "x".repeat(10_000), "EventData.TargetUserName": "bob" }),
    detection({ "EventData.CommandLine": "kept too" }),
  ];
  const batch: MatchRecord[] = ds.map((d, i) => ({
    order: orderKeyOf(d),
    detection: i === 1 ? null : d,
    digest: detectionDigest(d),
    ruleIndex: i,
    report: true,
    consumed: false,
  }));
  const packed = packBatch(batch);
  const kept = packBatch([batch[0], batch[2]] as MatchRecord[]);
  assert.equal(packed.bytes.byteLength, kept.bytes.byteLength, "the one not kept adds no bytes");
  const back = unpackBatch(structuredClone(packed));
  assert.deepStrictEqual(detectionOfQueued(back[0] as QueuedMatch), ds[0]);
  assert.equal(back[1]?.detection, null);
  assert.throws(() => detectionOfQueued(back[1] as QueuedMatch), /not kept/);
  assert.deepStrictEqual(back[1]?.digest, detectionDigest(ds[1] as Detection));
  assert.deepStrictEqual(detectionOfQueued(back[2] as QueuedMatch), ds[2]);
});
