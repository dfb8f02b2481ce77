/**
 * Templates as Windows uses them: an element tree declared once, with substitution slots in attribute values and
 * element content, instantiated by every record with its own substitution array. The first record of a chunk
 * carries the definition inline; the others refer to it by offset.
 *
 *   const processCreate = defineTemplate(
 *     el("Event", { xmlns: EVENT_NS }, [
 *       el("System", [el("EventID", [sub("EventID", "uint16")]), …]),
 *       el("EventData", [el("Data", { Name: "CommandLine" }, [sub("CommandLine", "string")])]),
 *     ]),
 *   );
 */
import { createHash } from "node:crypto";
import type { BinXmlBuilder, NameRef, TemplateDefinition } from "./binxml-builder.js";
import { coerceValue, type EvtxValue, guidBytes, type SlotKind, slotTypeCode, val } from "./values.js";

/** A substitution slot, keyed by name (indexes assigned in document order) or by an explicit index. */
export interface TemplateSlot {
  readonly kind: "slot";
  readonly key: string | number;
  readonly type: SlotKind;
  /** Optional substitution (0x0E): a null value leaves the attribute or content out. */
  readonly optional: boolean;
}

export interface TemplateCData {
  readonly kind: "cdata";
  readonly text: string;
}

export interface TemplateCharRef {
  readonly kind: "charRef";
  readonly code: number;
}

export interface TemplateEntityRef {
  readonly kind: "entityRef";
  readonly name: NameRef;
}

export interface TemplatePI {
  readonly kind: "pi";
  readonly target: NameRef;
  readonly data: string;
}

/** Literal text is a plain string. */
export type AttributePart = string | TemplateSlot | TemplateCharRef | TemplateEntityRef;

export interface TemplateAttribute {
  readonly name: NameRef;
  readonly parts: readonly AttributePart[];
}

export interface TemplateElement {
  readonly kind: "element";
  readonly name: NameRef;
  readonly attributes: readonly TemplateAttribute[];
  readonly children: readonly TemplateContent[];
  /** Dependency identifier; by default the index of an optional substitution among the element's content. */
  readonly dependencyId?: number;
}

export type TemplateContent =
  | TemplateElement
  | TemplateSlot
  | TemplateCData
  | TemplateCharRef
  | TemplateEntityRef
  | TemplatePI
  | string;

export type AttributeInput = AttributePart | readonly AttributePart[];

/** Normal substitution (0x0D) slot. */
export function sub(key: string | number, type: SlotKind): TemplateSlot {
  return { kind: "slot", key, type, optional: false };
}

/** Optional substitution (0x0E) slot. */
export function opt(key: string | number, type: SlotKind): TemplateSlot {
  return { kind: "slot", key, type, optional: true };
}

export function cdata(text: string): TemplateCData {
  return { kind: "cdata", text };
}

export function charRef(code: number): TemplateCharRef {
  return { kind: "charRef", code };
}

export function entityRef(name: NameRef): TemplateEntityRef {
  return { kind: "entityRef", name };
}

export function pi(target: NameRef, data: string): TemplatePI {
  return { kind: "pi", target, data };
}

/**
 * An element: `el(name)`, `el(name, children)`, `el(name, attributes)`, `el(name, attributes, children)`.
 * Attribute values are literal text, slots, references, or a list of those parts.
 */
export function el(
  name: NameRef,
  attributesOrChildren?: Readonly<Record<string, AttributeInput>> | readonly TemplateContent[],
  children: readonly TemplateContent[] = [],
  options: { dependencyId?: number } = {},
): TemplateElement {
  let attrs: Readonly<Record<string, AttributeInput>> = {};
  let kids = children;
  if (Array.isArray(attributesOrChildren)) kids = attributesOrChildren as readonly TemplateContent[];
  else if (attributesOrChildren !== undefined) attrs = attributesOrChildren as Readonly<Record<string, AttributeInput>>;
  const attributes = Object.entries(attrs).map(([n, v]) => ({
    name: n,
    parts: Array.isArray(v) ? (v as readonly AttributePart[]) : [v as AttributePart],
  }));
  return { kind: "element", name, attributes, children: kids, dependencyId: options.dependencyId };
}

export interface ResolvedSlot {
  readonly index: number;
  readonly key: string | number;
  readonly type: SlotKind;
}

function isTextLike(part: AttributePart | TemplateContent | undefined): boolean {
  return (
    typeof part === "string" ||
    (part !== undefined && (part.kind === "charRef" || part.kind === "entityRef" || part.kind === "cdata"))
  );
}

export class ElementTemplate implements TemplateDefinition {
  readonly guid: Uint8Array;
  /** Slots by index; gaps (indexes no slot uses) are undefined and get null values. */
  readonly slots: readonly (ResolvedSlot | undefined)[];
  private readonly indexOf = new Map<string | number, number>();

  constructor(
    readonly root: TemplateElement,
    options: { guid?: string } = {},
  ) {
    this.slots = this.assignIndexes();
    this.guid = guidBytes(options.guid ?? this.derivedGuid());
  }

  /** Index of a slot by its key. */
  slotIndex(key: string | number): number | undefined {
    return this.indexOf.get(key);
  }

  /**
   * The substitution array of one record. `values` is by index (an array) or by slot key (an object); plain
   * inputs are encoded as the slot's kind, `val.*` values are taken as they are, missing ones are null.
   */
  bind(values: readonly unknown[] | Readonly<Record<string, unknown>> = []): EvtxValue[] {
    const out: EvtxValue[] = this.slots.map(() => val.null());
    if (Array.isArray(values)) {
      if (values.length > out.length)
        throw new RangeError(`template has ${out.length} slots, got ${values.length} values`);
      values.forEach((v, i) => {
        out[i] = coerceValue(this.slots[i]?.type ?? "null", v);
      });
      return out;
    }
    for (const [key, v] of Object.entries(values)) {
      const index = this.indexOf.get(key) ?? (/^\d+$/.test(key) ? this.indexOf.get(Number(key)) : undefined);
      if (index === undefined) throw new RangeError(`template has no slot ${JSON.stringify(key)}`);
      out[index] = coerceValue(this.slots[index]?.type ?? "null", v);
    }
    return out;
  }

  emitBody(b: BinXmlBuilder): void {
    b.fragmentHeader();
    this.emitElement(b, this.root);
    b.endOfStream();
  }

  /** The element tree alone (no fragment header or end of stream), for embedding in other BinXML. */
  emitElement(b: BinXmlBuilder, e: TemplateElement): void {
    const hasAttributes = e.attributes.length > 0;
    b.openStartElement(e.name, { attributes: hasAttributes, dependencyId: e.dependencyId ?? this.dependencyOf(e) });
    e.attributes.forEach((a, i) => {
      b.attribute(a.name, i < e.attributes.length - 1);
      this.emitParts(b, a.parts);
    });
    if (e.children.length === 0) {
      b.closeEmptyElement();
      return;
    }
    b.closeStartElement();
    this.emitParts(b, e.children);
    b.endElement();
  }

  private emitParts(b: BinXmlBuilder, parts: readonly (AttributePart | TemplateContent)[]): void {
    parts.forEach((p, i) => {
      // The 0x40 flag on text-like tokens says more text-like content follows in the same run.
      const more = isTextLike(parts[i + 1]);
      if (typeof p === "string") b.text(p, more);
      else if (p.kind === "slot") {
        const index = this.indexOf.get(p.key) as number;
        const type = slotTypeCode(p.type);
        if (p.optional) b.optionalSubstitution(index, type);
        else b.normalSubstitution(index, type);
      } else if (p.kind === "charRef") b.charRef(p.code, more);
      else if (p.kind === "entityRef") b.entityRef(p.name, more);
      else if (p.kind === "cdata") b.cdata(p.text, more);
      else if (p.kind === "pi") b.piTarget(p.target).piData(p.data);
      else this.emitElement(b, p);
    });
  }

  /**
   * Windows sets an element's dependency identifier to the optional substitution in its content, if any;
   * otherwise the builder's default applies (0xFFFF in a template definition, nothing elsewhere).
   */
  private dependencyOf(e: TemplateElement): number | undefined {
    for (const c of e.children) {
      if (typeof c !== "string" && c.kind === "slot" && c.optional) return this.indexOf.get(c.key);
    }
    return undefined;
  }

  private assignIndexes(): (ResolvedSlot | undefined)[] {
    const order: TemplateSlot[] = [];
    const visit = (e: TemplateElement): void => {
      for (const a of e.attributes)
        for (const p of a.parts) if (typeof p !== "string" && p.kind === "slot") order.push(p);
      for (const c of e.children) {
        if (typeof c === "string") continue;
        if (c.kind === "slot") order.push(c);
        else if (c.kind === "element") visit(c);
      }
    };
    visit(this.root);
    const types = new Map<string | number, SlotKind>();
    for (const s of order) {
      const seen = types.get(s.key);
      if (seen !== undefined && seen !== s.type)
        throw new TypeError(`slot ${String(s.key)} declared as ${seen} and ${s.type}`);
      types.set(s.key, s.type);
    }
    const used = new Set<number>();
    for (const key of types.keys()) {
      if (typeof key === "number") {
        if (!Number.isInteger(key) || key < 0 || key > 0xffff) throw new RangeError(`slot index ${key}`);
        this.indexOf.set(key, key);
        used.add(key);
      }
    }
    let next = 0;
    for (const key of types.keys()) {
      if (typeof key === "number") continue;
      while (used.has(next)) next++;
      this.indexOf.set(key, next);
      used.add(next);
    }
    const slots: (ResolvedSlot | undefined)[] = [];
    const count = used.size === 0 ? 0 : Math.max(...used) + 1;
    for (let i = 0; i < count; i++) slots.push(undefined);
    for (const [key, type] of types) {
      const index = this.indexOf.get(key) as number;
      slots[index] = { index, key, type };
    }
    return slots;
  }

  /** A GUID derived from the template's shape, so the same declaration gets the same GUID in every run. */
  private derivedGuid(): string {
    const shape = JSON.stringify(this.root, (_k, v) => (typeof v === "bigint" ? v.toString() : v));
    const h = createHash("sha256").update(shape).digest("hex");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
  }
}

export function defineTemplate(root: TemplateElement, options: { guid?: string } = {}): ElementTemplate {
  return new ElementTemplate(root, options);
}

/** Nested BinXML value in the form Windows uses for EventData/UserData: fragment header, template instance, EOF. */
export function templateValue(
  template: ElementTemplate,
  values: readonly unknown[] | Readonly<Record<string, unknown>> = [],
): EvtxValue {
  const bound = template.bind(values);
  return val.binxml((b) => {
    b.fragmentHeader();
    b.templateInstance(template, bound);
    b.endOfStream();
  });
}

/**
 * Nested BinXML value holding a literal element tree in the element form (no fragment header, no dependency
 * identifiers; CAPI2 logs carry their UserData this way). The tree must not contain slots.
 */
export function elementValue(root: TemplateElement): EvtxValue {
  const carrier = new ElementTemplate(root);
  if (carrier.slots.length > 0) throw new TypeError("an element value has no substitution values; use templateValue");
  return val.binxml((b) => {
    carrier.emitElement(b, root);
    b.endOfStream();
  });
}
