/**
 * BinXML token reader (libyal "Binary XML"). Turns a token stream into the BinXmlNode tree. Offsets are relative
 * to the chunk, because names and template definitions are referenced by chunk offset.
 */
import type {
  AttributeNode,
  BinXmlNode,
  ElementNode,
  SubstitutionValues,
  TemplateDefinition,
  TemplateInstanceNode,
} from "./model.js";
import { type ByteView, formatGuid, inlineValue, ValueError } from "./values.js";

export const Token = {
  EndOfStream: 0x00,
  OpenStartElement: 0x01,
  CloseStartElement: 0x02,
  CloseEmptyElement: 0x03,
  EndElement: 0x04,
  Value: 0x05,
  Attribute: 0x06,
  CData: 0x07,
  CharRef: 0x08,
  EntityRef: 0x09,
  PITarget: 0x0a,
  PIData: 0x0b,
  TemplateInstance: 0x0c,
  NormalSubstitution: 0x0d,
  OptionalSubstitution: 0x0e,
  FragmentHeader: 0x0f,
} as const;

/** Set on tokens that have attributes (open-start) or are followed by more of the same kind. */
export const MORE_FLAG = 0x40;

/** Offsets inside a name entry: next-in-hash-chain (4), hash (2), character count (2), UTF-16 text, NUL. */
const NAME_HASH = 4;
const NAME_CHARS = 6;
const NAME_TEXT = 8;
/** Template definition: next definition (4), GUID (16), data size (4), then the fragment. */
const TEMPLATE_GUID = 4;
const TEMPLATE_DATA_SIZE = 20;
const TEMPLATE_BODY = 24;
/** Nesting deeper than this is hostile, not Windows. */
const MAX_DEPTH = 64;

/**
 * A structural error in BinXML. Not an Error subclass on purpose: recovery probes many candidate records and
 * capturing a stack trace for each rejected one was a measurable cost.
 */
export class BinXmlError {
  constructor(
    readonly message: string,
    readonly offset: number,
  ) {}
}

/** What the token reader needs from its chunk: the bytes, and caches of names and template definitions. */
export interface ChunkContext {
  readonly view: ByteView;
  name(offset: number): string;
  template(offset: number, depth: number): TemplateDefinition;
}

/**
 * The name entry at `offset`. `strict` also requires the stored hash to match: that is what tells a name from garbage
 * when recovering from slack. In a chunk's declared records a name whose text took a hit (its hash no longer
 * matches) is still the best reading there is, and the record it names is worth more than its tag.
 */
export function readNameAt(view: ByteView, offset: number, strict = true): string {
  if (offset + NAME_TEXT + 2 > view.length)
    throw new BinXmlError(`name at 0x${offset.toString(16)} is outside the chunk`, offset);
  const chars = view.u16(offset + NAME_CHARS);
  if (offset + NAME_TEXT + 2 * chars + 2 > view.length) {
    throw new BinXmlError(`name at 0x${offset.toString(16)} of ${chars} characters runs past the chunk`, offset);
  }
  const name = view.utf16(offset + NAME_TEXT, chars);
  // Garbage (a stale offset in recovered data) almost never carries a matching hash and terminator.
  if (view.u16(offset + NAME_TEXT + 2 * chars) !== 0 || (strict && view.u16(offset + NAME_HASH) !== nameHash(name))) {
    throw new BinXmlError(`no valid name at 0x${offset.toString(16)}`, offset);
  }
  return name;
}

/** The name entry's 16-bit hash: the low bits of h = h * 65599 + code unit over the UTF-16 name. */
export function nameHash(name: string): number {
  let h = 0;
  for (let i = 0; i < name.length; i++) h = (Math.imul(h, 65599) + name.charCodeAt(i)) >>> 0;
  return h & 0xffff;
}

export function parseTemplateDefinition(ctx: ChunkContext, offset: number, depth: number): TemplateDefinition {
  const v = ctx.view;
  if (offset + TEMPLATE_BODY > v.length) {
    throw new BinXmlError(`template definition at 0x${offset.toString(16)} is outside the chunk`, offset);
  }
  const size = v.u32(offset + TEMPLATE_DATA_SIZE);
  const start = offset + TEMPLATE_BODY;
  const end = Math.min(start + size, v.length);
  const reader = new TokenReader(ctx, true, depth + 1);
  const nodes = reader.fragment(start, end).nodes;
  return { offset, id: v.u32(offset + TEMPLATE_GUID), guid: formatGuid(v, offset + TEMPLATE_GUID), nodes };
}

interface Frame {
  element: ElementNode;
  /** Where the element's attribute values go while its start tag is open. */
  attribute: AttributeNode | null;
  inStartTag: boolean;
}

/**
 * Reads one token stream. `inTemplate` is true inside a template definition: only there does the open-start-element
 * token carry a dependency identifier. Elements outside templates (BinXML carried as a value, as in CAPI2 logs, and
 * records written without templates, as forwarded events are) have none; python-evtx fails on both.
 */
export class TokenReader {
  constructor(
    private readonly ctx: ChunkContext,
    private readonly inTemplate: boolean,
    private readonly depth = 0,
  ) {
    if (depth > MAX_DEPTH) throw new BinXmlError("BinXML nested too deeply", 0);
  }

  /** Parse tokens from `start` until end of stream or `end`; returns the nodes and where reading stopped. */
  fragment(start: number, end: number): { nodes: BinXmlNode[]; end: number } {
    const v = this.ctx.view;
    const roots: BinXmlNode[] = [];
    const stack: Frame[] = [];
    let o = start;
    const limit = Math.min(end, v.length);

    const add = (node: BinXmlNode): void => {
      const top = stack[stack.length - 1];
      if (top === undefined) roots.push(node);
      else if (top.inStartTag) {
        if (top.attribute === null) throw new BinXmlError("value inside a start tag before any attribute", o);
        top.attribute.parts.push(node);
      } else top.element.children.push(node);
    };
    const close = (): void => {
      const frame = stack.pop();
      if (frame === undefined) throw new BinXmlError("end of element with no element open", o);
      const parent = stack[stack.length - 1];
      if (parent === undefined) roots.push(frame.element);
      else parent.element.children.push(frame.element);
    };

    while (o < limit) {
      const token = v.u8(o);
      const base = token & ~MORE_FLAG;
      switch (base) {
        case Token.EndOfStream:
          o += 1;
          while (stack.length > 0) close();
          return { nodes: roots, end: o };
        case Token.FragmentHeader:
          o += 4; // token, major, minor, flags
          break;
        case Token.OpenStartElement: {
          if (stack.length >= MAX_DEPTH) throw new BinXmlError("elements nested too deeply", o);
          let p = o + 1;
          if (this.inTemplate) p += 2; // dependency identifier
          p += 4; // element data size
          const [name, next] = this.nameRef(p);
          p = next;
          if (token & MORE_FLAG) p += 4; // attribute list data size
          this.check(p, limit, o);
          const element: ElementNode = { kind: "element", name, attributes: [], children: [] };
          stack.push({ element, attribute: null, inStartTag: true });
          o = p;
          break;
        }
        case Token.Attribute: {
          const top = stack[stack.length - 1];
          if (top === undefined || !top.inStartTag) throw new BinXmlError("attribute outside a start tag", o);
          const [name, next] = this.nameRef(o + 1);
          const attribute: AttributeNode = { name, parts: [] };
          top.element.attributes.push(attribute);
          top.attribute = attribute;
          o = next;
          break;
        }
        case Token.CloseStartElement: {
          const top = stack[stack.length - 1];
          if (top === undefined) throw new BinXmlError("close of start tag with no element open", o);
          top.inStartTag = false;
          top.attribute = null;
          o += 1;
          break;
        }
        case Token.CloseEmptyElement:
        case Token.EndElement:
          close();
          o += 1;
          break;
        case Token.Value: {
          this.check(o + 2, limit, o);
          const { value, size } = inlineValue(v, v.u8(o + 1), o + 2);
          o += 2 + size;
          this.check(o, limit, o);
          add({ kind: "text", value });
          break;
        }
        case Token.CData: {
          const chars = v.u16(o + 1);
          this.check(o + 3 + 2 * chars, limit, o);
          add({ kind: "cdata", text: v.utf16(o + 3, chars) });
          o += 3 + 2 * chars;
          break;
        }
        case Token.CharRef:
          this.check(o + 3, limit, o);
          add({ kind: "charref", code: v.u16(o + 1) });
          o += 3;
          break;
        case Token.EntityRef: {
          const [name, next] = this.nameRef(o + 1);
          add({ kind: "entityref", name });
          o = next;
          break;
        }
        case Token.PITarget: {
          const [target, next] = this.nameRef(o + 1);
          add({ kind: "pi", target, data: "" });
          o = next;
          break;
        }
        case Token.PIData: {
          const chars = v.u16(o + 1);
          this.check(o + 3 + 2 * chars, limit, o);
          const top = stack[stack.length - 1];
          const siblings = top === undefined ? roots : top.element.children;
          const pi = siblings[siblings.length - 1];
          if (pi === undefined || pi.kind !== "pi") throw new BinXmlError("PI data without a PI target", o);
          pi.data = v.utf16(o + 3, chars);
          o += 3 + 2 * chars;
          break;
        }
        case Token.TemplateInstance: {
          const node = this.templateInstance(o, limit);
          add(node);
          o = node.end;
          break;
        }
        case Token.NormalSubstitution:
        case Token.OptionalSubstitution:
          this.check(o + 4, limit, o);
          add({
            kind: "substitution",
            index: v.u16(o + 1),
            declaredType: v.u8(o + 3),
            optional: base === Token.OptionalSubstitution,
          });
          o += 4;
          break;
        default:
          throw new BinXmlError(`unknown BinXML token 0x${token.toString(16)}`, o);
      }
    }
    // The data ran out before an end-of-stream token: keep what was read (incomplete templates do this).
    while (stack.length > 0) close();
    return { nodes: roots, end: o };
  }

  private check(p: number, limit: number, at: number): void {
    if (p > limit) throw new BinXmlError("token runs past the end of its data", at);
  }

  /** A name reference: a chunk offset, with the name entry inline right after it at first use. */
  private nameRef(p: number): [string, number] {
    const v = this.ctx.view;
    if (p + 4 > v.length) throw new BinXmlError("name reference runs past the chunk", p);
    const offset = v.u32(p);
    if (offset === p + 4) {
      const chars = v.u16(offset + NAME_CHARS);
      const name = this.ctx.name(offset);
      return [name, offset + NAME_TEXT + 2 * chars + 2];
    }
    return [this.ctx.name(offset), p + 4];
  }

  private templateInstance(o: number, limit: number): TemplateInstanceNode {
    return readTemplateInstance(this.ctx, o, limit, this.depth);
  }
}

/** A template instance token at `o`: the definition (cached per chunk) and the value descriptors that follow. */
export function readTemplateInstance(ctx: ChunkContext, o: number, limit: number, depth: number): TemplateInstanceNode {
  const v = ctx.view;
  if (o + 10 > limit) throw new BinXmlError("template instance runs past the end of its data", o);
  // token (1), unknown (1), template id (4), definition offset (4)
  const defOffset = v.u32(o + 6);
  let p = o + 10;
  if (defOffset === p) {
    // The definition is inline here at its first use; skip it.
    if (p + TEMPLATE_BODY > limit) throw new BinXmlError("template definition runs past the end of its data", o);
    p += TEMPLATE_BODY + v.u32(p + TEMPLATE_DATA_SIZE);
  }
  const definition = ctx.template(defOffset, depth);
  // The definition's GUID starts with the template id: a stale or garbage offset fails this.
  if (v.u32(o + 2) !== definition.id) {
    throw new BinXmlError(
      `template id 0x${v.u32(o + 2).toString(16)} does not match the definition at 0x${defOffset.toString(16)}`,
      o,
    );
  }
  if (p + 4 > limit) throw new BinXmlError("template instance runs past the end of its data", o);
  const count = v.u32(p);
  p += 4;
  if (p + 4 * count > limit) throw new BinXmlError(`template instance declares ${count} values`, o);
  // Made at their length: grown by push, a record's three lists left most of the reader's garbage.
  const types = new Array<number>(count);
  const sizes = new Array<number>(count);
  const offsets = new Array<number>(count);
  let data = p + 4 * count;
  for (let i = 0; i < count; i++) {
    const size = v.u16(p + 4 * i);
    sizes[i] = size;
    types[i] = v.u8(p + 4 * i + 2);
    offsets[i] = data;
    data += size;
  }
  if (data > limit) throw new BinXmlError("template values run past the end of the record", o);
  const values: SubstitutionValues = { types, sizes, offsets };
  return { kind: "template", definition, values, end: data };
}

/**
 * The common record body: an optional fragment header, one template instance, end of stream. Read without the
 * general token reader; null when the bytes hold anything else (the caller then uses the token reader).
 */
export function readSoleTemplateInstance(
  ctx: ChunkContext,
  start: number,
  end: number,
  depth: number,
): TemplateInstanceNode | null {
  const v = ctx.view;
  const limit = Math.min(end, v.length);
  let o = start;
  if (o < limit && v.u8(o) === Token.FragmentHeader) o += 4;
  if (o >= limit || v.u8(o) !== Token.TemplateInstance) return null;
  const node = readTemplateInstance(ctx, o, limit, depth);
  if (node.end < limit && v.u8(node.end) !== Token.EndOfStream) return null;
  return node;
}

export { ValueError };
