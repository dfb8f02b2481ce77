/**
 * Walks a parsed record (template definition + substitution values) and reports it as XML events to a sink. The
 * JSON tree, the XML text and the flat field view are three sinks of this one walk, so they cannot disagree.
 */
import type { BinXmlNode, SubstitutionValues } from "../binxml/model.js";
import { type ChunkContext, TokenReader } from "../binxml/tokens.js";
import { decodeValue, ValueType, valueText } from "../binxml/values.js";
import type { FieldValue } from "../types.js";

export interface ResolvedAttribute {
  readonly name: string;
  /** null when the attribute has no value (an optional substitution left out, or a null value). */
  readonly value: FieldValue;
  /** Value type of a single-substitution attribute, else String. */
  readonly type: number;
}

export interface XmlSink {
  startElement(name: string, attributes: ResolvedAttribute[]): void;
  /** Element content. `type` is the BinXML value type (String for literal text). */
  text(value: FieldValue, type: number): void;
  entityRef(name: string): void;
  charRef(code: number): void;
  cdata(text: string): void;
  processingInstruction(target: string, data: string): void;
  endElement(): void;
}

/** Character for the five predefined XML entities; other entity names have no character. */
export const XML_ENTITIES: Readonly<Record<string, string>> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

/**
 * Stand-ins for values, used to compile a template's output shape once (render/compiled.ts): each substitution
 * renders as a placeholder naming its index instead of its decoded value.
 */
export interface Placeholders {
  /** `scope` names the nesting: "" for the record's values, "17" for the values of BinXML in value 17, … */
  value(scope: string, index: number, attribute: boolean): string;
  /** BinXML inside a value: its nested values, or a throw when that shape cannot be compiled. */
  nested(
    scope: string,
    nodes: readonly BinXmlNode[],
  ): { definition: readonly BinXmlNode[]; values: SubstitutionValues };
}

const NO_VALUES: SubstitutionValues = { types: [], sizes: [], offsets: [] };

export class RecordWalker {
  /** Problems met while decoding values (the value then renders as null); the caller may report them. */
  readonly problems: string[] = [];

  constructor(
    private readonly ctx: ChunkContext,
    private readonly sink: XmlSink,
    private readonly placeholders: Placeholders | null = null,
  ) {}

  /** Nesting of the values being walked, for placeholders. */
  private scope = "";

  walk(nodes: readonly BinXmlNode[], values: SubstitutionValues = NO_VALUES, depth = 0): void {
    const sink = this.sink;
    for (const node of nodes) {
      switch (node.kind) {
        case "element":
          sink.startElement(node.name, this.attributes(node.attributes, values));
          this.walk(node.children, values, depth);
          sink.endElement();
          break;
        case "text":
          sink.text(node.value, ValueType.String);
          break;
        case "substitution":
          this.substitution(node.index, node.optional, values, depth);
          break;
        case "charref":
          sink.charRef(node.code);
          break;
        case "entityref":
          sink.entityRef(node.name);
          break;
        case "cdata":
          sink.cdata(node.text);
          break;
        case "pi":
          sink.processingInstruction(node.target, node.data);
          break;
        case "template":
          this.walk(node.definition.nodes, node.values, depth);
          break;
      }
    }
  }

  private substitution(index: number, optional: boolean, values: SubstitutionValues, depth: number): void {
    if (index >= values.types.length) {
      if (!optional) this.sink.text(null, ValueType.Null);
      return;
    }
    const type = values.types[index];
    if (type === ValueType.Null) {
      if (!optional) this.sink.text(null, ValueType.Null);
      return;
    }
    if (type === ValueType.BinXml) {
      // BinXML carried as a value: parse it as a fragment of its own and walk it in place.
      let nodes: BinXmlNode[];
      try {
        nodes = parseNestedBinXml(this.ctx, values, index, depth);
      } catch (e) {
        this.problems.push(`substitution ${index}: nested BinXML: ${(e as Error).message}`);
        return;
      }
      if (this.placeholders !== null) {
        const outer = this.scope;
        this.scope = outer === "" ? String(index) : `${outer}.${index}`;
        const nested = this.placeholders.nested(this.scope, nodes);
        this.walk(nested.definition, nested.values, depth + 1);
        this.scope = outer;
      } else {
        this.walk(nodes, NO_VALUES, depth + 1);
      }
      return;
    }
    this.sink.text(this.decode(values, index, false), type);
  }

  private decode(values: SubstitutionValues, index: number, attribute: boolean): FieldValue {
    if (this.placeholders !== null) {
      return values.types[index] === ValueType.Null ? null : this.placeholders.value(this.scope, index, attribute);
    }
    try {
      return decodeValue(this.ctx.view, values.types[index], values.offsets[index], values.sizes[index]);
    } catch (e) {
      this.problems.push(`substitution ${index}: ${(e as Error).message}`);
      return null;
    }
  }

  private attributes(attributes: readonly { name: string; parts: BinXmlNode[] }[], values: SubstitutionValues) {
    const out: ResolvedAttribute[] = [];
    for (const a of attributes) out.push(this.attribute(a.name, a.parts, values));
    return out;
  }

  private attribute(name: string, parts: readonly BinXmlNode[], values: SubstitutionValues): ResolvedAttribute {
    if (parts.length === 1) {
      const p = parts[0];
      if (p.kind === "substitution") {
        const type = p.index < values.types.length ? values.types[p.index] : ValueType.Null;
        if (type === ValueType.Null || type === ValueType.BinXml) return { name, value: null, type: ValueType.Null };
        return { name, value: this.decode(values, p.index, true), type };
      }
      if (p.kind === "text") return { name, value: p.value, type: ValueType.String };
    }
    let text = "";
    for (const p of parts) {
      if (p.kind === "text") text += valueText(p.value);
      else if (p.kind === "substitution") {
        if (p.index < values.types.length && values.types[p.index] !== ValueType.BinXml) {
          text += valueText(this.decode(values, p.index, true));
        }
      } else if (p.kind === "charref") text += String.fromCharCode(p.code);
      else if (p.kind === "entityref") text += XML_ENTITIES[p.name] ?? `&${p.name};`;
      else if (p.kind === "cdata") text += p.text;
    }
    return { name, value: text, type: ValueType.String };
  }
}

/** The nodes of BinXML carried in substitution value `index`. Throws BinXmlError when it does not parse. */
export function parseNestedBinXml(
  ctx: ChunkContext,
  values: SubstitutionValues,
  index: number,
  depth: number,
): BinXmlNode[] {
  const start = values.offsets[index];
  return new TokenReader(ctx, false, depth + 1).fragment(start, start + values.sizes[index]).nodes;
}
