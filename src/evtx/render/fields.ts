/**
 * The flat field view: each value of the JSON convention under its path below `Event`, with `#attributes` and
 * `#text` dropped (`System.Provider.Name`, `System.EventID`, `System.EventID.Qualifiers`, `EventData.CommandLine`,
 * `EventData.Data` for unnamed Data). Built straight from the walk, without the JSON tree.
 */
import type { FieldValue, FieldView } from "../types.js";
import { appendText, elementKey, uniqueKey } from "./json.js";
import { type ResolvedAttribute, XML_ENTITIES, type XmlSink } from "./walk.js";

interface Frame {
  readonly path: string;
  readonly unnamedData: boolean;
  readonly namedData: boolean;
  hasContent: boolean;
  text: FieldValue | undefined;
  childKeys: Set<string> | null;
  unnamed: FieldValue[] | null;
}

export class FieldSink implements XmlSink {
  readonly fields = new Map<string, FieldValue>();
  private readonly stack: Frame[] = [];

  startElement(name: string, attributes: ResolvedAttribute[]): void {
    const parent = this.stack[this.stack.length - 1];
    const key = elementKey(name, attributes);
    let path: string;
    if (parent === undefined) {
      // The root element (Event) is not part of the paths.
      path = "";
    } else {
      parent.hasContent = true;
      let k = key.key;
      if (!key.unnamedData) {
        parent.childKeys ??= new Set();
        k = uniqueKey(parent.childKeys, k);
        parent.childKeys.add(k);
      }
      path = parent.path === "" ? k : `${parent.path}.${k}`;
    }
    const namedData = name === "Data" && !key.unnamedData;
    const frame: Frame = {
      path,
      unnamedData: key.unnamedData,
      namedData,
      hasContent: false,
      text: undefined,
      childKeys: null,
      unnamed: null,
    };
    for (const a of attributes) {
      if (a.value === null || a.value === "" || (namedData && a.name === "Name")) continue;
      frame.hasContent = true;
      this.fields.set(path === "" ? a.name : `${path}.${a.name}`, a.value);
    }
    this.stack.push(frame);
  }

  text(value: FieldValue): void {
    const top = this.stack[this.stack.length - 1];
    if (top !== undefined) top.text = appendText(top.text, value);
  }

  entityRef(name: string): void {
    this.text(XML_ENTITIES[name] ?? `&${name};`);
  }

  charRef(code: number): void {
    this.text(String.fromCharCode(code));
  }

  cdata(text: string): void {
    this.text(text);
  }

  processingInstruction(): void {}

  endElement(): void {
    const frame = this.stack.pop();
    if (frame === undefined) return;
    const parent = this.stack[this.stack.length - 1];
    if (frame.unnamedData && parent !== undefined) {
      parent.unnamed ??= [];
      parent.unnamed.push(frame.text ?? "");
      return;
    }
    if (frame.unnamed !== null) this.fields.set(frame.path === "" ? "Data" : `${frame.path}.Data`, frame.unnamed);
    if (frame.path === "") return;
    if (frame.text !== undefined && frame.text !== null) this.fields.set(frame.path, frame.text);
    else if (frame.namedData) this.fields.set(frame.path, "");
    else if (!frame.hasContent) this.fields.set(frame.path, null);
  }
}

export class MapFieldView implements FieldView {
  constructor(private readonly map: ReadonlyMap<string, FieldValue>) {}

  get(path: string): FieldValue | undefined {
    return this.map.get(path);
  }

  entries(): IterableIterator<[string, FieldValue]> {
    return this.map.entries();
  }

  forEach(visit: (value: FieldValue, path: string) => void): void {
    this.map.forEach(visit);
  }
}
