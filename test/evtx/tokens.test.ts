/**
 * Every BinXML token (libyal "Token types") written by the builder and read back: the flat fields, the evtx_dump
 * JSON and the XML must all show what the tokens say.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { EvtxRecord } from "../../src/evtx/types.js";
import {
  type BinXmlBuilder,
  CHUNK_SIZE,
  ChunkHeader,
  cdata as cdataPart,
  charRef,
  chunkFileOffset,
  defineTemplate,
  EvtxWriter,
  el,
  entityRef,
  opt,
  sub,
  Token,
  val,
} from "../../src/evtx/write/index.js";
import {
  EVENT_NS,
  eventElement,
  eventJson,
  findAll,
  normXml,
  oneRawRecord,
  oneTemplateRecord,
  read,
  systemValues,
  T0,
  u32,
  utf16,
} from "./fixtures.js";

/** Names listed in a chunk's string table. */
function listedNames(buf: Uint8Array, chunk: number): string[] {
  const c = buf.subarray(chunkFileOffset(chunk), chunkFileOffset(chunk) + CHUNK_SIZE);
  const names: string[] = [];
  for (let bucket = 0; bucket < 64; bucket++) {
    for (let o = u32(c, ChunkHeader.StringTable + 4 * bucket); o !== 0; o = u32(c, o)) {
      const chars = c[o + 6] | (c[o + 7] << 8);
      names.push(Buffer.from(c.subarray(o + 8, o + 8 + 2 * chars)).toString("utf16le"));
    }
  }
  return names;
}

describe("element tokens", () => {
  test("open start 0x01 and 0x41, close start 0x02, close empty 0x03, end element 0x04, fragment 0x0F, EOF 0x00", () => {
    const record = oneRawRecord((b) => {
      b.fragmentHeader();
      b.openStartElement("Event", { attributes: true }).attribute("xmlns").text(EVENT_NS).closeStartElement();
      b.openStartElement("System").closeStartElement();
      b.openStartElement("Provider", { attributes: true });
      b.attribute("Name", true).text("Vigil-Test").attribute("EventSourceName").text("Vigil");
      b.closeEmptyElement();
      b.openStartElement("EventID").closeStartElement().text("4624").endElement();
      b.openStartElement("Correlation").closeEmptyElement();
      b.endElement();
      b.openStartElement("EventData").closeStartElement();
      b.openStartElement("Data", { attributes: true }).attribute("Name").text("Empty").closeEmptyElement();
      b.endElement();
      b.endElement();
      b.endOfStream();
    });
    assert.deepEqual(record.toJson(), {
      Event: {
        "#attributes": { xmlns: EVENT_NS },
        System: {
          Provider: { "#attributes": { Name: "Vigil-Test", EventSourceName: "Vigil" } },
          EventID: "4624",
          Correlation: null,
        },
        EventData: { Empty: "" },
      },
    });
    assert.equal(record.fields.get("System.Provider.Name"), "Vigil-Test");
    assert.equal(record.fields.get("System.Provider.EventSourceName"), "Vigil");
    assert.equal(record.fields.get("System.EventID"), "4624");
    assert.equal(record.fields.get("System.Correlation"), null);
    assert.equal(record.fields.get("EventData.Empty"), "");
    assert.equal(record.fields.get("System.Nothing"), undefined);
    assert.equal(
      normXml(record.toXml()),
      `<Event xmlns="${EVENT_NS}"><System><Provider Name="Vigil-Test" EventSourceName="Vigil"/>` +
        `<EventID>4624</EventID><Correlation/></System><EventData><Data Name="Empty"/></EventData></Event>`,
    );
  });

  test("dependency identifiers in a template definition do not change the reading", () => {
    // Windows sets them to the index of the optional substitution an element depends on, or 0xFFFF.
    const definition = {
      guid: new Uint8Array(16).fill(0x5a),
      emitBody: (d: BinXmlBuilder) => {
        d.fragmentHeader();
        d.openStartElement("Event", { dependencyId: 1 }).closeStartElement();
        d.openStartElement("A", { dependencyId: 0 }).closeStartElement().optionalSubstitution(0, 0x08).endElement();
        d.openStartElement("B", { dependencyId: 0xffff }).closeStartElement().text("2").endElement();
        d.openStartElement("C").closeStartElement().optionalSubstitution(1, 0x01).endElement();
        d.endElement().endOfStream();
      },
    };
    const record = oneRawRecord((b) => {
      b.fragmentHeader()
        .templateInstance(definition, [val.uint32(1), val.string("3")])
        .endOfStream();
    });
    assert.deepEqual(record.toJson(), { Event: { A: 1, B: "2", C: "3" } });
  });

  test("bytes after the end of stream token (stale padding, as Windows leaves it) are not read", () => {
    const record = oneRawRecord((b) => {
      b.fragmentHeader().openStartElement("Event").closeStartElement();
      b.openStartElement("A").closeStartElement().text("1").endElement();
      b.endElement().endOfStream();
      b.sink.bytes(new Uint8Array([Token.OpenStartElement, 0x41, 0x42, 0x43, 0x05]));
    });
    assert.deepEqual(record.toJson(), { Event: { A: "1" } });
  });
});

describe("content tokens", () => {
  test("value text 0x45 then 0x05: one text in several parts", () => {
    const record = oneRawRecord((b) => {
      b.fragmentHeader().openStartElement("Event").closeStartElement();
      b.openStartElement("Message").closeStartElement().text("Hello, ", true).text("wor", true).text("ld").endElement();
      b.endElement().endOfStream();
    });
    assert.equal(record.fields.get("Message"), "Hello, world");
    assert.deepEqual(record.toJson(), { Event: { Message: "Hello, world" } });
    assert.equal(normXml(record.toXml()), "<Event><Message>Hello, world</Message></Event>");
  });

  test("attribute 0x46 then 0x06, attribute values in several parts with references", () => {
    const record = oneRawRecord((b) => {
      b.fragmentHeader().openStartElement("Event").closeStartElement();
      b.openStartElement("Rule", { attributes: true });
      b.attribute("Id", true).text("42");
      b.attribute("Expr", true).text("a", true).entityRef("lt", true).text("b", true).charRef(0x26, true).text("c");
      b.attribute("Last").text("z");
      b.closeEmptyElement();
      b.endElement().endOfStream();
    });
    assert.deepEqual(record.toJson(), { Event: { Rule: { "#attributes": { Id: "42", Expr: "a<b&c", Last: "z" } } } });
    assert.equal(record.fields.get("Rule.Expr"), "a<b&c");
    assert.equal(record.fields.get("Rule.Id"), "42");
    assert.match(normXml(record.toXml()), /<Rule Id="42" Expr="a(&lt;|&#60;)b(&amp;|&#38;)c" Last="z"\/>/);
  });

  test("CDATA section 0x47 then 0x07", () => {
    const record = oneRawRecord((b) => {
      b.fragmentHeader().openStartElement("Event").closeStartElement();
      b.openStartElement("Script").closeStartElement();
      b.cdata("if (a < b && c) {", true).cdata(" return 1; }");
      b.endElement().endElement().endOfStream();
    });
    assert.equal(record.fields.get("Script"), "if (a < b && c) { return 1; }");
    assert.deepEqual(record.toJson(), { Event: { Script: "if (a < b && c) { return 1; }" } });
    const xml = normXml(record.toXml());
    assert.ok(xml.includes("<![CDATA[if (a < b && c) {"), xml);
    assert.ok(xml.includes(" return 1; }]]>"), xml);
  });

  test("character reference 0x48 then 0x08", () => {
    const record = oneRawRecord((b) => {
      b.fragmentHeader().openStartElement("Event").closeStartElement();
      b.openStartElement("Sym").closeStartElement();
      b.text("x", true).charRef(38, true).charRef(0x263a, true).text("y");
      b.endElement().endElement().endOfStream();
    });
    assert.equal(record.fields.get("Sym"), "x&\u263ay");
    assert.deepEqual(record.toJson(), { Event: { Sym: "x&\u263ay" } });
    // libyal: the reference is written as `&#` and the decimal value.
    assert.ok(normXml(record.toXml()).includes("<Sym>x&#38;&#9786;y</Sym>"), record.toXml());
  });

  test("entity reference 0x49 then 0x09, the five XML entities", () => {
    const record = oneRawRecord((b) => {
      b.fragmentHeader().openStartElement("Event").closeStartElement();
      b.openStartElement("Ents").closeStartElement();
      b.text("a ", true).entityRef("amp", true).text(" b ", true).entityRef("lt", true).entityRef("gt", true);
      b.entityRef("quot", true).entityRef("apos");
      b.endElement().endElement().endOfStream();
    });
    assert.equal(record.fields.get("Ents"), "a & b <>\"'");
    assert.deepEqual(record.toJson(), { Event: { Ents: "a & b <>\"'" } });
    assert.ok(normXml(record.toXml()).includes("<Ents>a &amp; b &lt;&gt;&quot;&apos;</Ents>"), record.toXml());
  });

  test("processing instruction target 0x0A and data 0x0B inside an element", () => {
    const record = oneRawRecord((b) => {
      b.fragmentHeader().openStartElement("Event").closeStartElement();
      b.openStartElement("Doc").closeStartElement();
      b.piTarget("xml-stylesheet").piData('href="a.xsl"').text("body");
      b.endElement().endElement().endOfStream();
    });
    assert.ok(normXml(record.toXml()).includes('<Doc><?xml-stylesheet href="a.xsl"?>body</Doc>'), record.toXml());
    assert.equal(record.fields.get("Doc"), "body");
    assert.deepEqual(record.toJson(), { Event: { Doc: "body" } });
  });

  test("processing instruction before the fragment (the document prologue)", () => {
    const record = oneRawRecord((b) => {
      b.piTarget("xml-stylesheet").piData('type="text/xsl"');
      b.fragmentHeader().openStartElement("Event").closeStartElement();
      b.openStartElement("A").closeStartElement().text("1").endElement();
      b.endElement().endOfStream();
    });
    const xml = normXml(record.toXml());
    assert.ok(xml.includes('<?xml-stylesheet type="text/xsl"?>'), xml);
    assert.ok(xml.indexOf("<?xml-stylesheet") < xml.indexOf("<Event>"), xml);
    assert.deepEqual(record.toJson(), { Event: { A: "1" } });
  });

  test("template literals: text, CDATA and references declared in a template", () => {
    const t = defineTemplate(
      el("Event", [
        el("A", ["x", charRef(0x41), entityRef("amp"), cdataPart("<c>"), sub("s", "string")]),
        el("B", { v: ["1", entityRef("gt"), sub("n", "uint8")] }),
      ]),
    );
    const record = oneTemplateRecord(t, { s: "!", n: 0 });
    assert.deepEqual(record.toJson(), { Event: { A: "xA&<c>!", B: { "#attributes": { v: "1>0" } } } });
  });
});

describe("template instance 0x0C", () => {
  const t = defineTemplate(eventElement(el("EventData", [el("Data", { Name: "Value" }, [sub("Value", "string")])])));

  test("inline definition in the first record, a reference in the next ones, each with its own values", () => {
    const writer = new EvtxWriter();
    const written = ["one", "two", "three"].map((v, i) =>
      writer.addRecord({ timestamp: T0, template: t, values: { ...systemValues(i + 1), Value: v } }),
    );
    const buf = writer.toBuffer();
    const defOffsets = written.map((w) => u32(buf, w.offset + 24 + 4 + 6));
    assert.equal(defOffsets[0], written[0].offset - chunkFileOffset(0) + 24 + 4 + 10, "first definition inline");
    assert.equal(defOffsets[1], defOffsets[0], "second refers to the first");
    assert.equal(defOffsets[2], defOffsets[0], "third refers to the first");
    const { records, damage } = read(buf);
    assert.deepEqual(damage, []);
    assert.deepEqual(
      records.map((r) => r.fields.get("EventData.Value")),
      ["one", "two", "three"],
    );
    assert.deepEqual(
      records.map((r) => r.fields.get("System.EventRecordID")),
      [1, 2, 3],
    );
  });

  test("a definition written inline again, and templates interleaved", () => {
    const other = defineTemplate(el("Event", [el("Other", [sub(0, "uint32")])]));
    const writer = new EvtxWriter();
    writer.addRecord({ timestamp: T0, template: t, values: { ...systemValues(1), Value: "a" } });
    writer.addRecord({ timestamp: T0, template: other, values: [7] });
    writer.addRecord({ timestamp: T0, template: t, values: { ...systemValues(3), Value: "c" } });
    writer.addRecord({
      timestamp: T0,
      template: t,
      values: { ...systemValues(4), Value: "d" },
      instance: { definition: "inline" },
    });
    writer.addRecord({ timestamp: T0, template: other, values: [9] });
    const { records, damage } = read(writer.toBuffer());
    assert.deepEqual(damage, []);
    assert.deepEqual(
      records.map((r) => r.fields.get("EventData.Value") ?? r.fields.get("Other")),
      ["a", 7, "c", "d", 9],
    );
  });
});

describe("substitutions 0x0D and 0x0E", () => {
  const t = defineTemplate(
    el("Event", [
      el("Normal", [sub("n", "string")]),
      el("Optional", [opt("o", "string")]),
      el("Attrs", { a: opt("oa", "string"), c: "literal" }),
      el("EventData", [el("Data", { Name: "Opt" }, [opt("od", "string")])]),
    ]),
  );

  test("with values", () => {
    const record = oneTemplateRecord(t, { n: "N", o: "O", oa: "A", od: "D" });
    assert.deepEqual(record.toJson(), {
      Event: {
        Normal: "N",
        Optional: "O",
        Attrs: { "#attributes": { a: "A", c: "literal" } },
        EventData: { Opt: "D" },
      },
    });
    assert.equal(
      normXml(record.toXml()),
      normXml(
        `<Event><Normal>N</Normal><Optional>O</Optional><Attrs a="A" c="literal"/><EventData><Data Name="Opt">D</Data></EventData></Event>`,
      ),
    );
  });

  test("with null values: optional attributes left out, elements kept empty", () => {
    const record = oneTemplateRecord(t, {});
    assert.deepEqual(record.toJson(), {
      Event: { Normal: null, Optional: null, Attrs: { "#attributes": { c: "literal" } }, EventData: { Opt: "" } },
    });
    assert.equal(record.fields.get("Normal"), null);
    assert.equal(record.fields.get("Optional"), null);
    assert.equal(record.fields.get("Attrs.a"), undefined);
    assert.equal(record.fields.get("Attrs.c"), "literal");
    assert.equal(record.fields.get("EventData.Opt"), "");
    assert.equal(
      normXml(record.toXml()),
      `<Event><Normal/><Optional/><Attrs c="literal"/><EventData><Data Name="Opt"/></EventData></Event>`,
    );
  });

  test("forEach visits exactly the fields entries() gives, in order, compiled or fallen back to the generic view", () => {
    // An empty attribute makes the compiled view give way to the generic one (which leaves the attribute out).
    for (const values of [{ n: "N", o: "O", oa: "A", od: "D" }, {}, { n: "N", oa: "" }]) {
      const record = oneTemplateRecord(t, values);
      const visited: [string, unknown][] = [];
      record.fields.forEach((value, path) => {
        visited.push([path, value]);
      });
      assert.deepEqual(visited, [...record.fields.entries()]);
      assert.ok(visited.length >= 4);
    }
  });

  test("a compiled view's layout: its paths, the same array for each record of the shape, and values by index", () => {
    const [first, second] = [
      { n: "N", o: "O", oa: "A", od: "D" },
      { n: "M", o: "P", oa: "B", od: "E" },
    ].map((v) => oneTemplateRecord(t, v)) as [EvtxRecord, EvtxRecord];
    const layout = first.fields.layout?.();
    assert.ok(layout);
    assert.equal(second.fields.layout?.(), layout);
    const entries = [...first.fields.entries()];
    assert.deepEqual(
      layout,
      entries.map(([path]) => path),
    );
    assert.deepEqual(
      first.fields.layoutValues?.(),
      entries.map(([, value]) => value),
    );
    // A value the compiled shape cannot hold (an empty attribute): no layout, the generic view's fields instead.
    assert.equal(oneTemplateRecord(t, { n: "N", oa: "" }).fields.layout?.(), null);
  });
});

describe("names", () => {
  test("repeated sibling names get _1, _2; unnamed Data gather under Data.#text", () => {
    const record = oneRawRecord((b) => {
      b.fragmentHeader().openStartElement("Event").closeStartElement();
      for (const v of ["a", "b", "c"]) b.openStartElement("Item").closeStartElement().text(v).endElement();
      b.openStartElement("EventData").closeStartElement();
      b.openStartElement("Data").closeStartElement().text("first").endElement();
      b.openStartElement("Data").closeStartElement().text("second").endElement();
      b.openStartElement("Data").closeEmptyElement();
      b.endElement();
      b.endElement().endOfStream();
    });
    assert.deepEqual(record.toJson(), {
      Event: { Item: "a", Item_1: "b", Item_2: "c", EventData: { Data: { "#text": ["first", "second", ""] } } },
    });
    assert.equal(record.fields.get("Item_2"), "c");
    assert.deepEqual(record.fields.get("EventData.Data"), ["first", "second", ""]);
  });

  test("a name the chunk string table does not list is read from the record", () => {
    const writer = new EvtxWriter();
    const build = (value: string) => (b: BinXmlBuilder) => {
      b.fragmentHeader().openStartElement({ name: "Hidden", placement: "unlisted" }).closeStartElement();
      b.openStartElement({ name: "Secret", placement: "unlisted" }, { attributes: true });
      b.attribute({ name: "Kind", placement: "unlisted" }).text(value).closeEmptyElement();
      b.endElement().endOfStream();
    };
    writer.addRecord({ timestamp: T0, build: build("one") });
    writer.addRecord({ timestamp: T0, build: build("two") });
    const buf = writer.toBuffer();
    assert.deepEqual(listedNames(buf, 0), [], "string table lists nothing");
    assert.equal(findAll(buf, utf16("Hidden")).length, 2, "each record carries the name inline");
    const { records, damage } = read(buf);
    assert.deepEqual(damage, []);
    assert.deepEqual(
      records.map((r) => r.toJson()),
      [
        { Hidden: { Secret: { "#attributes": { Kind: "one" } } } },
        { Hidden: { Secret: { "#attributes": { Kind: "two" } } } },
      ],
    );
  });

  test("a name defined inline in one record is referenced by offset from later ones", () => {
    const writer = new EvtxWriter();
    const written = [1, 2].map((n) =>
      writer.addRecord({
        timestamp: T0,
        build: (b) => {
          b.fragmentHeader().openStartElement("Custom").closeStartElement().text(String(n)).endElement().endOfStream();
        },
      }),
    );
    const buf = writer.toBuffer();
    const second = buf.subarray(written[1].offset, written[1].offset + written[1].size);
    assert.equal(findAll(second, utf16("Custom")).length, 0, "second record has no copy of the name");
    assert.deepEqual(listedNames(buf, 0), ["Custom"]);
    const { records } = read(buf);
    assert.deepEqual(
      records.map((r) => r.toJson()),
      [{ Custom: "1" }, { Custom: "2" }],
    );
  });

  test("UserData paths: UserData.<Root>.<Child>", () => {
    const t = defineTemplate(
      eventElement(
        el("UserData", [
          el("LogFileCleared", { xmlns: "http://manifests.microsoft.com/win/2004/08/windows/eventlog" }, [
            el("SubjectUserName", [sub("SubjectUserName", "string")]),
            el("SubjectLogonId", [sub("SubjectLogonId", "hex64")]),
          ]),
        ]),
      ),
    );
    const record = oneTemplateRecord(t, { ...systemValues(1), SubjectUserName: "alice", SubjectLogonId: 0x3e7 });
    assert.equal(record.fields.get("UserData.LogFileCleared.SubjectUserName"), "alice");
    assert.equal(record.fields.get("UserData.LogFileCleared.SubjectLogonId"), "0x3e7");
    assert.equal(
      record.fields.get("UserData.LogFileCleared.xmlns"),
      "http://manifests.microsoft.com/win/2004/08/windows/eventlog",
    );
    const event = eventJson(record);
    assert.deepEqual(event.UserData, {
      LogFileCleared: {
        "#attributes": { xmlns: "http://manifests.microsoft.com/win/2004/08/windows/eventlog" },
        SubjectUserName: "alice",
        SubjectLogonId: "0x3e7",
      },
    });
  });
});
