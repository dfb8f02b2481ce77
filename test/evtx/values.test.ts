/**
 * Every substitution value type (libyal "Value types") and its array form, written as Windows writes them and read
 * back through the flat fields, the evtx_dump JSON and the XML; and BinXML carried as a value (0x21) in the two
 * forms Windows uses.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ByteView, formatGuid, ValueError, ValueType } from "../../src/evtx/binxml/values.js";
import { ChunkRecord } from "../../src/evtx/record.js";
import { FieldSink } from "../../src/evtx/render/fields.js";
import { stringifyJson } from "../../src/evtx/render/json.js";
import type { EvtxRecord, FieldValue } from "../../src/evtx/types.js";
import {
  defineTemplate,
  type EvtxValue,
  EvtxWriter,
  el,
  elementValue,
  entityRef,
  opt,
  type SlotKind,
  sub,
  templateValue,
  val,
} from "../../src/evtx/write/index.js";
import {
  EVENT_NS,
  eventElement,
  eventJson,
  normXml,
  oneTemplateRecord,
  read,
  systemValues,
  T0,
  T0_ISO,
} from "./fixtures.js";

interface Case {
  /** Data Name of the case. */
  readonly name: string;
  readonly kind: SlotKind;
  readonly value: unknown;
  /** Field and JSON value. */
  readonly expected: FieldValue;
  /** Acceptable XML text of the Data element's content (escaped). */
  readonly xml: RegExp | string;
}

const GUID = "{0197231e-005a-6928-a50b-000000000d00}";
const GUID_TEXT = "0197231E-005A-6928-A50B-000000000D00";
const SID = "S-1-5-21-3464778657-2923532561-1028410934-1000";

const scalars: Case[] = [
  {
    name: "String",
    kind: "string",
    value: 'h\u00e9llo w\u00f6rld \u2713 <&> "q"',
    expected: 'h\u00e9llo w\u00f6rld \u2713 <&> "q"',
    xml: /^h\u00e9llo w\u00f6rld \u2713 &lt;&amp;&gt; ("|&quot;)q("|&quot;)$/,
  },
  { name: "AnsiString", kind: "ansiString", value: "ANSI text", expected: "ANSI text", xml: "ANSI text" },
  { name: "Int8", kind: "int8", value: -5, expected: -5, xml: "-5" },
  { name: "UInt8", kind: "uint8", value: 250, expected: 250, xml: "250" },
  { name: "Int16", kind: "int16", value: -1234, expected: -1234, xml: "-1234" },
  { name: "UInt16", kind: "uint16", value: 65000, expected: 65000, xml: "65000" },
  { name: "Int32", kind: "int32", value: -123456789, expected: -123456789, xml: "-123456789" },
  { name: "UInt32", kind: "uint32", value: 4000000000, expected: 4000000000, xml: "4000000000" },
  { name: "Int64", kind: "int64", value: -1234567890123n, expected: -1234567890123, xml: "-1234567890123" },
  { name: "UInt64", kind: "uint64", value: 12345678901234, expected: 12345678901234, xml: "12345678901234" },
  // types.ts: unsigned 64-bit numbers above 2^53 are bigint.
  { name: "UInt64Big", kind: "uint64", value: 2n ** 63n + 5n, expected: 2n ** 63n + 5n, xml: "9223372036854775813" },
  { name: "Real32", kind: "real32", value: 1.5, expected: 1.5, xml: "1.5" },
  { name: "Real64", kind: "real64", value: -2.25, expected: -2.25, xml: "-2.25" },
  { name: "BoolTrue", kind: "bool", value: true, expected: true, xml: "true" },
  { name: "BoolFalse", kind: "bool", value: false, expected: false, xml: "false" },
  // sample-with-irregular-bool-values.evtx: any non-zero value is true.
  { name: "BoolIrregular", kind: "bool", value: 2, expected: true, xml: "true" },
  {
    name: "Binary",
    kind: "binary",
    value: new Uint8Array([0xde, 0xad, 0xbe, 0xef, 0x00, 0x0a]),
    expected: "DEADBEEF000A",
    xml: "DEADBEEF000A",
  },
  {
    // From 8 bytes on, hex comes from Node's encoder, upper-cased.
    name: "BinaryLong",
    kind: "binary",
    value: Uint8Array.from({ length: 40 }, (_, i) => (i * 37) & 255),
    expected: Buffer.from(Uint8Array.from({ length: 40 }, (_, i) => (i * 37) & 255))
      .toString("hex")
      .toUpperCase(),
    xml: Buffer.from(Uint8Array.from({ length: 40 }, (_, i) => (i * 37) & 255))
      .toString("hex")
      .toUpperCase(),
  },
  { name: "Guid", kind: "guid", value: GUID, expected: GUID_TEXT, xml: new RegExp(`^\\{?${GUID_TEXT}\\}?$`) },
  {
    name: "GuidHighBytes",
    kind: "guid",
    value: "{ffeeddcc-bbaa-9988-7766-554433221100}",
    expected: "FFEEDDCC-BBAA-9988-7766-554433221100",
    xml: /^\{?FFEEDDCC-BBAA-9988-7766-554433221100\}?$/,
  },
  { name: "SizeT64", kind: "sizeT", value: val.sizeT(0x7eec, 8), expected: "0x7eec", xml: "0x7eec" },
  { name: "SizeT32", kind: "sizeT", value: val.sizeT(0x7eec, 4), expected: "0x7eec", xml: "0x7eec" },
  { name: "FileTime", kind: "filetime", value: T0, expected: T0_ISO, xml: T0_ISO },
  // Microseconds with leading zeros, and none at all.
  {
    name: "FileTimeSmallMicros",
    kind: "filetime",
    value: "2024-02-29T23:59:59.0000429Z",
    expected: "2024-02-29T23:59:59.000042Z",
    xml: "2024-02-29T23:59:59.000042Z",
  },
  {
    name: "FileTimeWholeSecond",
    kind: "filetime",
    value: "1999-12-31T00:00:00.0000000Z",
    expected: "1999-12-31T00:00:00.000000Z",
    xml: "1999-12-31T00:00:00.000000Z",
  },
  {
    name: "SysTime",
    kind: "systemtime",
    value: "2025-11-27T07:40:10.123Z",
    expected: "2025-11-27T07:40:10.123000Z",
    xml: "2025-11-27T07:40:10.123000Z",
  },
  { name: "Sid", kind: "sid", value: SID, expected: SID, xml: SID },
  { name: "Hex32", kind: "hex32", value: 0xbeef, expected: "0xbeef", xml: "0xbeef" },
  { name: "Hex32Zero", kind: "hex32", value: 0, expected: "0x0", xml: "0x0" },
  {
    name: "Hex64",
    kind: "hex64",
    value: 0x8000000000000000n,
    expected: "0x8000000000000000",
    xml: "0x8000000000000000",
  },
];

const arrays: { name: string; kind: SlotKind; value: unknown; expected: FieldValue[]; xml: string[] }[] = [
  {
    name: "StringArray",
    kind: "string[]",
    value: ["alpha", "", "gamma"],
    expected: ["alpha", "", "gamma"],
    xml: ["alpha", "", "gamma"],
  },
  {
    name: "AnsiStringArray",
    kind: "ansiString[]",
    value: ["one", "two"],
    expected: ["one", "two"],
    xml: ["one", "two"],
  },
  { name: "Int8Array", kind: "int8[]", value: [-1, 2], expected: [-1, 2], xml: ["-1", "2"] },
  { name: "UInt8Array", kind: "uint8[]", value: [1, 255], expected: [1, 255], xml: ["1", "255"] },
  { name: "Int16Array", kind: "int16[]", value: [-300, 300], expected: [-300, 300], xml: ["-300", "300"] },
  { name: "UInt16Array", kind: "uint16[]", value: [1, 65535], expected: [1, 65535], xml: ["1", "65535"] },
  { name: "Int32Array", kind: "int32[]", value: [-1, 7], expected: [-1, 7], xml: ["-1", "7"] },
  {
    name: "UInt32Array",
    kind: "uint32[]",
    value: [0, 4294967295],
    expected: [0, 4294967295],
    xml: ["0", "4294967295"],
  },
  { name: "Int64Array", kind: "int64[]", value: [-5, 6], expected: [-5, 6], xml: ["-5", "6"] },
  { name: "UInt64Array", kind: "uint64[]", value: [1, 2], expected: [1, 2], xml: ["1", "2"] },
  { name: "Real32Array", kind: "real32[]", value: [0.5, -1.25], expected: [0.5, -1.25], xml: ["0.5", "-1.25"] },
  { name: "Real64Array", kind: "real64[]", value: [0.125, 2.5], expected: [0.125, 2.5], xml: ["0.125", "2.5"] },
  { name: "BoolArray", kind: "bool[]", value: [true, false], expected: [true, false], xml: ["true", "false"] },
  {
    name: "GuidArray",
    kind: "guid[]",
    value: [GUID, "54849625-5478-4994-a5ba-3e3b0328c30d"],
    expected: [GUID_TEXT, "54849625-5478-4994-A5BA-3E3B0328C30D"],
    xml: [GUID_TEXT, "54849625-5478-4994-A5BA-3E3B0328C30D"],
  },
  // 64-bit items only: an array of 4-byte size_t cannot be told from one of 8-byte ones by its bytes (libyal pairs
  // size_t with HexInt32/HexInt64 to say which).
  {
    name: "SizeTArray",
    kind: "sizeT[]",
    value: val.array("sizeT", [1, 0xff], 8),
    expected: ["0x1", "0xff"],
    xml: ["0x1", "0xff"],
  },
  {
    name: "FileTimeArray",
    kind: "filetime[]",
    value: [T0, "2025-01-01T00:00:00Z"],
    expected: [T0_ISO, "2025-01-01T00:00:00.000000Z"],
    xml: [T0_ISO, "2025-01-01T00:00:00.000000Z"],
  },
  {
    name: "SystemTimeArray",
    kind: "systemtime[]",
    value: ["2025-11-27T07:40:10.123Z", "2024-02-29T23:59:59.999Z"],
    expected: ["2025-11-27T07:40:10.123000Z", "2024-02-29T23:59:59.999000Z"],
    xml: ["2025-11-27T07:40:10.123000Z", "2024-02-29T23:59:59.999000Z"],
  },
  {
    name: "SidArray",
    kind: "sid[]",
    value: ["S-1-1-0", "S-1-5-18", SID],
    expected: ["S-1-1-0", "S-1-5-18", SID],
    xml: ["S-1-1-0", "S-1-5-18", SID],
  },
  { name: "Hex32Array", kind: "hex32[]", value: [1, 0xabc], expected: ["0x1", "0xabc"], xml: ["0x1", "0xabc"] },
  {
    name: "Hex64Array",
    kind: "hex64[]",
    value: [0x10n, 0xffffffffffffffffn],
    expected: ["0x10", "0xffffffffffffffff"],
    xml: ["0x10", "0xffffffffffffffff"],
  },
];

function dataTemplate(cases: readonly { name: string; kind: SlotKind }[]) {
  return defineTemplate(
    eventElement(
      el(
        "EventData",
        cases.map((c) => el("Data", { Name: c.name }, [sub(c.name, c.kind)])),
      ),
    ),
  );
}

function dataRecord(cases: readonly { name: string; kind: SlotKind; value: unknown }[]): EvtxRecord {
  const values: Record<string, unknown> = { ...systemValues(1) };
  for (const c of cases) values[c.name] = c.value;
  return oneTemplateRecord(dataTemplate(cases), values);
}

/** Content of `<Data Name="name">…</Data>` in normalised XML, or null when the element is empty or missing. */
function dataXml(xml: string, name: string): string | null {
  const m = new RegExp(`<Data Name="${name}">(.*?)</Data>`).exec(xml);
  return m === null ? null : m[1];
}

describe("scalar values", () => {
  const record = dataRecord(scalars);
  const json = eventJson(record).EventData as Record<string, unknown>;
  const xml = normXml(record.toXml());

  for (const c of scalars) {
    test(`${c.name} (${c.kind})`, () => {
      assert.deepEqual(record.fields.get(`EventData.${c.name}`), c.expected, "field");
      assert.deepEqual(json[c.name], c.expected, "JSON");
      const text = dataXml(xml, c.name);
      assert.notEqual(text, null, `XML has <Data Name="${c.name}">: ${xml}`);
      if (typeof c.xml === "string") assert.equal(text, c.xml, "XML");
      else assert.match(text as string, c.xml, "XML");
    });
  }

  test("the System values keep their types", () => {
    assert.equal(record.fields.get("System.EventID"), 4688);
    assert.equal(record.fields.get("System.Level"), 0);
    assert.equal(record.fields.get("System.Keywords"), "0x8020000000000000");
    assert.equal(record.fields.get("System.EventRecordID"), 1);
    assert.equal(record.fields.get("System.Execution.ProcessID"), 4);
    assert.equal(record.fields.get("System.TimeCreated.SystemTime"), T0_ISO);
    assert.equal(record.fields.get("System.Provider.Guid"), "54849625-5478-4994-A5BA-3E3B0328C30D");
  });

  test("null (0x00) in a normal substitution: an empty Data", () => {
    const r = dataRecord([{ name: "Nothing", kind: "string", value: null }]);
    assert.equal(r.fields.get("EventData.Nothing"), "");
    assert.equal((eventJson(r).EventData as Record<string, unknown>).Nothing, "");
    assert.ok(normXml(r.toXml()).includes('<Data Name="Nothing"/>'), r.toXml());
  });

  test("a null value in a slot declared with another type, and a typed value in a null slot", () => {
    const r = dataRecord([
      { name: "DeclaredUInt32", kind: "uint32", value: val.null() },
      { name: "DeclaredNull", kind: "null", value: val.uint32(7) },
    ]);
    assert.equal(r.fields.get("EventData.DeclaredUInt32"), "");
    assert.equal(r.fields.get("EventData.DeclaredNull"), 7, "the descriptor's type decides, not the template's");
  });

  test("EvtHandle (0x20) decodes as its number", () => {
    const r = dataRecord([{ name: "Handle", kind: "evtHandle", value: 42 }]);
    const v = r.fields.get("EventData.Handle");
    assert.ok(v === 42 || v === "0x2a", `EvtHandle 42 read as ${String(v)}`);
  });

  test("strings stored with a terminating NUL, as some providers write them, read without it", () => {
    const r = dataRecord([
      { name: "Terminated", kind: "string", value: val.raw(0x01, Buffer.from("abc\0", "utf16le")) },
    ]);
    assert.equal(r.fields.get("EventData.Terminated"), "abc");
  });
});

describe("array values (type | 0x80)", () => {
  const record = dataRecord(arrays);
  const json = eventJson(record).EventData as Record<string, unknown>;
  const xml = normXml(record.toXml());

  for (const c of arrays) {
    test(`${c.name} (${c.kind})`, () => {
      assert.deepEqual(record.fields.get(`EventData.${c.name}`), c.expected, "field");
      assert.deepEqual(json[c.name], c.expected, "JSON");
      // XML renderers either join the items (evtx_dump) or repeat the element per item (MS-EVEN6, libevtx).
      const joined = `<Data Name="${c.name}">${c.xml.join(",")}</Data>`;
      const repeated = c.xml
        .map((t) => (t === "" ? `<Data Name="${c.name}"/>` : `<Data Name="${c.name}">${t}</Data>`))
        .join("");
      assert.ok(xml.includes(joined) || xml.includes(repeated), `XML shows ${c.name} items ${c.xml.join(" ")}: ${xml}`);
    });
  }

  test("an empty array", () => {
    const r = dataRecord([{ name: "NoItems", kind: "uint32[]", value: [] }]);
    const v = r.fields.get("EventData.NoItems");
    assert.ok(v === "" || (Array.isArray(v) && v.length === 0), `empty array read as ${JSON.stringify(v)}`);
  });
});

describe("BinXML values (0x21)", () => {
  const inner = defineTemplate(
    el("EventData", [
      el("Data", { Name: "TargetUserName" }, [sub("TargetUserName", "string")]),
      el("Data", { Name: "TargetSid" }, [sub("TargetSid", "sid")]),
      el("Data", { Name: "PrivilegeList" }, [sub("PrivilegeList", "string")]),
    ]),
  );
  // As in Windows' Security log: the EventData is an optional BinXML substitution straight inside Event.
  const outer = defineTemplate(eventElement(opt("EventData", "binxml")));

  function securityRecord(id: number, user: string): Record<string, unknown> {
    return {
      ...systemValues(id),
      EventData: templateValue(inner, {
        TargetUserName: user,
        TargetSid: `S-1-5-21-1-2-3-${1000 + id}`,
        PrivilegeList: "-",
      }),
    };
  }

  test("fragment with a template instance, its definition reused by the next record's value", () => {
    const writer = new EvtxWriter();
    writer.addRecord({ timestamp: T0, template: outer, values: securityRecord(1, "bob") });
    writer.addRecord({ timestamp: T0, template: outer, values: securityRecord(2, "eve") });
    const { records, damage } = read(writer.toBuffer());
    assert.deepEqual(damage, []);
    assert.deepEqual(
      records.map((r) => [r.fields.get("EventData.TargetUserName"), r.fields.get("EventData.TargetSid")]),
      [
        ["bob", "S-1-5-21-1-2-3-1001"],
        ["eve", "S-1-5-21-1-2-3-1002"],
      ],
    );
    assert.deepEqual(eventJson(records[1]).EventData, {
      TargetUserName: "eve",
      TargetSid: "S-1-5-21-1-2-3-1002",
      PrivilegeList: "-",
    });
    assert.ok(
      normXml(records[0].toXml()).includes(
        '</System><EventData><Data Name="TargetUserName">bob</Data><Data Name="TargetSid">S-1-5-21-1-2-3-1001</Data>' +
          '<Data Name="PrivilegeList">-</Data></EventData></Event>',
      ),
      records[0].toXml(),
    );
  });

  test("optional BinXML substitution with a null value leaves nothing", () => {
    const record = oneTemplateRecord(outer, { ...systemValues(1), EventData: null });
    assert.equal("EventData" in eventJson(record), false);
    assert.equal(
      [...record.fields.entries()].some(([k]) => k.startsWith("EventData")),
      false,
    );
  });

  test("element form without dependency identifiers, as CAPI2 writes UserData", () => {
    const t = defineTemplate(eventElement(el("UserData", [opt("UserData", "binxml")])));
    const record = oneTemplateRecord(t, {
      ...systemValues(1),
      UserData: elementValue(
        el("CertGetCertificateChainStart", [
          el("Certificate", { fileRef: "A0B1.cer", subjectName: "Contoso Root CA" }),
          el("Flags", { value: "40000000" }),
          el("Text", ["a ", entityRef("amp"), " b"]),
        ]),
      ),
    });
    assert.equal(record.fields.get("UserData.CertGetCertificateChainStart.Certificate.fileRef"), "A0B1.cer");
    assert.equal(record.fields.get("UserData.CertGetCertificateChainStart.Certificate.subjectName"), "Contoso Root CA");
    assert.equal(record.fields.get("UserData.CertGetCertificateChainStart.Flags.value"), "40000000");
    assert.equal(record.fields.get("UserData.CertGetCertificateChainStart.Text"), "a & b");
    assert.deepEqual(eventJson(record).UserData, {
      CertGetCertificateChainStart: {
        Certificate: { "#attributes": { fileRef: "A0B1.cer", subjectName: "Contoso Root CA" } },
        Flags: { "#attributes": { value: "40000000" } },
        Text: "a & b",
      },
    });
    assert.ok(
      normXml(record.toXml()).includes(
        '<UserData><CertGetCertificateChainStart><Certificate fileRef="A0B1.cer" subjectName="Contoso Root CA"/>' +
          '<Flags value="40000000"/><Text>a &amp; b</Text></CertGetCertificateChainStart></UserData>',
      ),
      record.toXml(),
    );
  });

  test("BinXML values nested two deep", () => {
    const leaf = defineTemplate(el("Leaf", { n: sub("n", "uint32") }, [sub("text", "string")]));
    const middle = defineTemplate(el("Middle", [sub("leaf", "binxml"), el("After", [sub("after", "string")])]));
    const t = defineTemplate(eventElement(el("UserData", [sub("middle", "binxml")])));
    const record = oneTemplateRecord(t, {
      ...systemValues(1),
      middle: templateValue(middle, { leaf: templateValue(leaf, { n: 5, text: "deep" }), after: "x" }),
    });
    assert.deepEqual(eventJson(record).UserData, {
      Middle: { Leaf: { "#attributes": { n: 5 }, "#text": "deep" }, After: "x" },
    });
    assert.equal(record.fields.get("UserData.Middle.Leaf.n"), 5);
    assert.equal(record.fields.get("UserData.Middle.Leaf"), "deep");
  });

  test("BinXML that does not parse is left out, and the record keeps its compiled shape (a recovered record's, say)", () => {
    // A template instance whose definition offset points at no definition: what a record recovered from slack holds
    // once the chunk that defined its nested template has been written over.
    const stale = new Uint8Array(14);
    const view = new DataView(stale.buffer);
    stale[0] = 0x0c;
    stale[1] = 0x01;
    view.setUint32(2, 0x3dd8d37f, true);
    view.setUint32(6, 0x1e65, true);
    const writer = new EvtxWriter();
    for (const id of [1, 2]) {
      writer.addRecord({
        timestamp: T0,
        template: outer,
        values: { ...systemValues(id), EventData: val.raw(ValueType.BinXml, stale) },
      });
    }
    writer.addRecord({ timestamp: T0, template: outer, values: securityRecord(3, "eve") });
    const { records } = read(writer.toBuffer());
    const [first, second, sound] = records as [EvtxRecord, EvtxRecord, EvtxRecord];
    for (const record of [first, second]) {
      // The walk leaves the value out, and says why.
      const sink = new FieldSink();
      assert.ok(record instanceof ChunkRecord);
      assert.match(record.walk(sink).join("\n"), /substitution \d+: nested BinXML/);
      assert.deepEqual([...record.fields.entries()], [...sink.fields]);
      assert.equal(
        [...record.fields.entries()].some(([k]) => k.startsWith("EventData")),
        false,
      );
      assert.equal(record.toJsonText(), stringifyJson(record.toJson()));
      // Compiled: a layout, one for both records of the shape.
      assert.notEqual(record.fields.layout?.() ?? null, null);
    }
    assert.equal(first.fields.layout?.(), second.fields.layout?.());
    assert.equal(first.fields.get("System.EventRecordID"), 1);
    // A sound value of the same slot is another shape: its fields are there.
    assert.equal(sound.fields.get("EventData.TargetUserName"), "eve");
    assert.notEqual(sound.fields.layout?.(), first.fields.layout?.());
  });

  test("unnamed Data, as classic Application and System logs write it: a list, compiled, as the walk gives it", () => {
    const t = defineTemplate(
      eventElement(
        el("EventData", [
          el("Data", [sub("name", "string")]),
          el("Data", [sub("count", "uint32")]),
          el("Data", [opt("maybe", "string")]),
          el("Data", ["fixed"]),
          el("Data", [sub("list", "string[]")]),
        ]),
      ),
    );
    const writer = new EvtxWriter();
    const rows = [
      { name: "svc", count: 3, maybe: "here", list: ["a", "b"] },
      { name: "other", count: 0, maybe: "again", list: ["c"] },
      { name: "", count: 7, maybe: null, list: [] },
    ];
    rows.forEach((row, i) => {
      writer.addRecord({ timestamp: T0, template: t, values: { ...systemValues(i + 1), ...row } });
    });
    const { records } = read(writer.toBuffer());
    assert.deepEqual(records[0]?.fields.get("EventData.Data"), ["svc", 3, "here", "fixed", ["a", "b"]]);
    assert.deepEqual(records[1]?.fields.get("EventData.Data"), ["other", 0, "again", "fixed", ["c"]]);
    for (const record of records) {
      const sink = new FieldSink();
      assert.ok(record instanceof ChunkRecord);
      record.walk(sink);
      assert.deepEqual([...record.fields.entries()], [...sink.fields]);
      assert.equal(record.toJsonText(), stringifyJson(record.toJson()));
      assert.notEqual(record.fields.layout?.() ?? null, null, `record ${record.recordId} has a compiled shape`);
    }
    // Records of one shape share it, and each has a list of its own.
    assert.equal(records[0]?.fields.layout?.(), records[1]?.fields.layout?.());
    assert.notEqual(records[0]?.fields.get("EventData.Data"), records[1]?.fields.get("EventData.Data"));
  });

  test("built token by token: a bare element tree with text values", () => {
    const value: EvtxValue = val.binxml((b) => {
      b.openStartElement("Root", { attributes: true }).attribute("id").text("r1").closeStartElement();
      b.openStartElement("Child").closeStartElement().text("one").endElement();
      b.endElement().endOfStream();
    });
    const t = defineTemplate(el("Event", { xmlns: EVENT_NS }, [el("UserData", [sub(0, "binxml")])]));
    const record = oneTemplateRecord(t, [value]);
    assert.deepEqual(eventJson(record).UserData, { Root: { "#attributes": { id: "r1" }, Child: "one" } });
  });
});

test("a GUID cut short by the end of the chunk is a value error, not text made of missing bytes", () => {
  const bytes = new ByteView(Uint8Array.from({ length: 20 }, (_, i) => i));
  assert.equal(formatGuid(bytes, 4), "07060504-0908-0B0A-0C0D-0E0F10111213");
  assert.throws(() => formatGuid(bytes, 5), ValueError);
  assert.throws(() => formatGuid(bytes, -1), ValueError);
});
