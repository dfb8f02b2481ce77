/**
 * Low-level BinXML token emitter (libyal "Binary XML"). One method per token; the caller decides the order, so
 * both well-formed streams and deliberately odd ones can be produced. Sizes that a token carries for its content
 * (element data size, attribute list size, template definition size) are patched when the content ends.
 *
 * Names are chunk string-table entries: written inline (next-in-chain, hash, character count, UTF-16, NUL) the
 * first time a chunk uses them and referenced by offset afterwards, as Windows does. Template definitions are
 * inline at their first instance in a chunk and referenced by offset afterwards.
 *
 * Open-start-element tokens carry a 2-byte dependency identifier only inside template definitions. Elements
 * written straight into a record (forwarded events, issue_201.evtx) or into a BinXML value (CAPI2 logs) have
 * none, as Windows writes them; the builder follows that unless told otherwise.
 */
import { MORE_FLAG, Token } from "../binxml/tokens.js";
import type { ByteSink } from "./byte-sink.js";
import { type ChunkTables, nameHash } from "./chunk-tables.js";
import { type BinXmlValue, type EvtxValue, valueTypeCode, writeValue } from "./values.js";

// The token codes are the reader's: one table for both directions.
export { MORE_FLAG, Token } from "../binxml/tokens.js";

/** Dependency identifier meaning "none". */
export const NO_DEPENDENCY = 0xffff;

/** Layout of a name entry. */
export const NameEntry = { Next: 0, Hash: 4, Chars: 6, Text: 8 } as const;

/** Layout of a template definition, from its chunk offset (which the instance and the template table hold). */
export const TemplateDefinitionLayout = { Next: 0, Guid: 4, DataSize: 20, Body: 24 } as const;

/**
 * How a name is written.
 * - `"shared"` (default): referenced when this chunk already has it, else inline and listed in the string table;
 * - `"unlisted"`: always inline and never listed, so the string table does not know the name;
 * - `{ offset }`: a bare reference to any chunk offset (dangling references for damage tests).
 */
export type NamePlacement = "shared" | "unlisted" | { readonly offset: number };

export type NameRef = string | { readonly name: string; readonly placement?: NamePlacement };

/** A template definition the builder can emit: its GUID and its body (fragment header, element, end of stream). */
export interface TemplateDefinition {
  readonly guid: Uint8Array;
  emitBody(b: BinXmlBuilder): void;
}

export interface TemplateInstanceOptions {
  /**
   * `"auto"` (default): inline the first time in the chunk, then a reference; `"inline"`: always inline;
   * `{ offset }`: reference any chunk offset.
   */
  readonly definition?: "auto" | "inline" | { readonly offset: number };
  /** List an inline definition in the template table (default true). */
  readonly register?: boolean;
  /** The byte after the token (libyal: unknown, always 1). */
  readonly version?: number;
  /** Template identifier in the instance; defaults to the first four bytes of the GUID, as Windows writes it. */
  readonly templateId?: number;
}

export interface OpenElementOptions {
  /** Set the 0x40 flag: an attribute list follows the name. */
  readonly attributes?: boolean;
  /**
   * Dependency identifier. Default: 0xFFFF inside template definitions, nothing elsewhere. A number writes it
   * whatever the form; `null` leaves it out whatever the form.
   */
  readonly dependencyId?: number | null;
}

interface ElementFrame {
  /** Sink index of the element's data size. */
  readonly sizeAt: number;
  /** Sink index of the attribute list size, until the start tag closes. */
  attributesAt: number | null;
}

export interface BuilderOptions {
  /**
   * Whether open-start-element tokens carry the dependency identifier by default. Default false: the form of
   * records and BinXML values. Template definitions switch it on for their body.
   */
  readonly dependencyIds?: boolean;
}

export class BinXmlBuilder {
  private readonly frames: ElementFrame[] = [];
  private dependencyIds: boolean;

  constructor(
    readonly sink: ByteSink,
    readonly tables: ChunkTables,
    options: BuilderOptions = {},
  ) {
    this.dependencyIds = options.dependencyIds ?? false;
  }

  /** Chunk offset of the next byte. */
  get offset(): number {
    return this.sink.offset;
  }

  /** Elements opened and not yet closed. */
  get openElements(): number {
    return this.frames.length;
  }

  fragmentHeader(major = 1, minor = 1, flags = 0): this {
    this.sink.u8(Token.FragmentHeader).u8(major).u8(minor).u8(flags);
    return this;
  }

  endOfStream(): this {
    this.sink.u8(Token.EndOfStream);
    return this;
  }

  openStartElement(name: NameRef, options: OpenElementOptions = {}): this {
    const s = this.sink;
    s.u8(Token.OpenStartElement | (options.attributes ? MORE_FLAG : 0));
    const dependency =
      options.dependencyId === undefined ? (this.dependencyIds ? NO_DEPENDENCY : null) : options.dependencyId;
    if (dependency !== null) s.u16(dependency);
    const sizeAt = s.length;
    s.u32(0);
    this.name(name);
    let attributesAt: number | null = null;
    if (options.attributes) {
      attributesAt = s.length;
      s.u32(0);
    }
    this.frames.push({ sizeAt, attributesAt });
    return this;
  }

  /** Attribute token; its value (text, substitution, references) follows. `more`: another attribute follows. */
  attribute(name: NameRef, more = false): this {
    this.sink.u8(Token.Attribute | (more ? MORE_FLAG : 0));
    this.name(name);
    return this;
  }

  closeStartElement(): this {
    this.endAttributeList();
    this.sink.u8(Token.CloseStartElement);
    return this;
  }

  closeEmptyElement(): this {
    this.endAttributeList();
    this.sink.u8(Token.CloseEmptyElement);
    this.endElementData();
    return this;
  }

  endElement(): this {
    this.sink.u8(Token.EndElement);
    this.endElementData();
    return this;
  }

  /** Value token holding a UTF-16 string (the only type Windows uses here). */
  text(value: string, more = false): this {
    this.sink
      .u8(Token.Value | (more ? MORE_FLAG : 0))
      .u8(0x01)
      .u16(value.length)
      .utf16(value);
    return this;
  }

  /** Value token of any type with the bytes given as they are (after the type byte). */
  rawValue(type: number, bytes: Uint8Array, more = false): this {
    this.sink.u8(Token.Value | (more ? MORE_FLAG : 0)).u8(type);
    this.sink.bytes(bytes);
    return this;
  }

  cdata(text: string, more = false): this {
    this.sink
      .u8(Token.CData | (more ? MORE_FLAG : 0))
      .u16(text.length)
      .utf16(text);
    return this;
  }

  charRef(code: number, more = false): this {
    this.sink.u8(Token.CharRef | (more ? MORE_FLAG : 0)).u16(code);
    return this;
  }

  entityRef(name: NameRef, more = false): this {
    this.sink.u8(Token.EntityRef | (more ? MORE_FLAG : 0));
    this.name(name);
    return this;
  }

  piTarget(name: NameRef): this {
    this.sink.u8(Token.PITarget);
    this.name(name);
    return this;
  }

  piData(text: string): this {
    this.sink.u8(Token.PIData).u16(text.length).utf16(text);
    return this;
  }

  normalSubstitution(index: number, type: number): this {
    this.sink.u8(Token.NormalSubstitution).u16(index).u8(type);
    return this;
  }

  optionalSubstitution(index: number, type: number): this {
    this.sink.u8(Token.OptionalSubstitution).u16(index).u8(type);
    return this;
  }

  /**
   * Template instance: token, version byte, template id, definition offset, the definition itself when inline,
   * then the substitution array (count, size/type descriptors, value data).
   */
  templateInstance(
    definition: TemplateDefinition,
    values: readonly EvtxValue[],
    options: TemplateInstanceOptions = {},
  ): this {
    const s = this.sink;
    const guid = definition.guid;
    const id = options.templateId ?? (guid[0] | (guid[1] << 8) | (guid[2] << 16) | (guid[3] << 24)) >>> 0;
    s.u8(Token.TemplateInstance)
      .u8(options.version ?? 0x01)
      .u32(id);
    const mode = options.definition ?? "auto";
    const known = this.tables.findTemplate(guid);
    if (typeof mode === "object") s.u32(mode.offset);
    else if (mode === "auto" && known !== undefined) s.u32(known);
    else this.inlineDefinition(definition, options.register ?? true);
    this.substitutionArray(values);
    return this;
  }

  /** Count, descriptors (size u16, type u8, 0) and data of substitution values. */
  substitutionArray(values: readonly EvtxValue[]): this {
    const s = this.sink;
    s.u32(values.length);
    const descriptorsAt = s.length;
    s.zeros(4 * values.length);
    values.forEach((value, i) => {
      const start = s.length;
      writeValue(s, value, (nested, sink) => this.nestedValue(nested, sink));
      const size = value.kind === "raw" && value.declaredSize !== undefined ? value.declaredSize : s.length - start;
      if (size > 0xffff)
        throw new RangeError(`substitution value ${i} is ${size} bytes; a descriptor holds at most 65535`);
      s.setU16(descriptorsAt + 4 * i, size);
      s.setU8(descriptorsAt + 4 * i + 2, valueTypeCode(value));
    });
    return this;
  }

  private inlineDefinition(definition: TemplateDefinition, register: boolean): void {
    const s = this.sink;
    const at = s.offset + 4;
    s.u32(at);
    const next = register ? this.tables.addTemplate(definition.guid, at) : 0;
    s.u32(next).bytes(definition.guid);
    const sizeAt = s.length;
    s.u32(0);
    // Template definitions always use the form with dependency identifiers, wherever they are embedded.
    const saved = this.dependencyIds;
    const depth = this.frames.length;
    this.dependencyIds = true;
    definition.emitBody(this);
    this.dependencyIds = saved;
    if (this.frames.length !== depth) throw new Error("template definition left elements open");
    s.setU32(sizeAt, s.length - sizeAt - 4);
  }

  private nestedValue(value: BinXmlValue, sink: ByteSink): void {
    const b = new BinXmlBuilder(sink, this.tables, { dependencyIds: value.dependencyIds });
    value.build(b);
  }

  /** Name reference, with the name entry inline when this is its first use (or it is unlisted). */
  name(ref: NameRef): this {
    const s = this.sink;
    const name = typeof ref === "string" ? ref : ref.name;
    const placement = (typeof ref === "string" ? undefined : ref.placement) ?? "shared";
    if (typeof placement === "object") {
      s.u32(placement.offset);
      return this;
    }
    if (placement === "shared") {
      const known = this.tables.findName(name);
      if (known !== undefined) {
        s.u32(known);
        return this;
      }
    }
    const at = s.offset + 4;
    s.u32(at);
    const next = placement === "shared" ? this.tables.addName(name, at) : 0;
    s.u32(next).u16(nameHash(name)).u16(name.length).utf16(name).u16(0);
    return this;
  }

  private endAttributeList(): void {
    const top = this.frames[this.frames.length - 1];
    if (top?.attributesAt == null) return;
    this.sink.setU32(top.attributesAt, this.sink.length - top.attributesAt - 4);
    top.attributesAt = null;
  }

  private endElementData(): void {
    const top = this.frames.pop();
    if (top === undefined) return;
    this.sink.setU32(top.sizeAt, this.sink.length - top.sizeAt - 4);
  }
}
