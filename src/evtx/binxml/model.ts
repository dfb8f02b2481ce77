/**
 * The parsed form of a BinXML fragment: a tree whose leaves are static text, substitution slots and references.
 * Template definitions parse once per chunk into this form; a record is a template reference plus its values.
 */
import type { FieldValue } from "../types.js";

export type BinXmlNode =
  | ElementNode
  | TextNode
  | SubstitutionNode
  | CharRefNode
  | EntityRefNode
  | CDataNode
  | ProcessingInstructionNode
  | TemplateInstanceNode;

export interface ElementNode {
  readonly kind: "element";
  readonly name: string;
  readonly attributes: AttributeNode[];
  readonly children: BinXmlNode[];
}

/** An attribute's value is a sequence of parts: text, substitutions, character and entity references. */
export interface AttributeNode {
  readonly name: string;
  readonly parts: BinXmlNode[];
}

export interface TextNode {
  readonly kind: "text";
  readonly value: FieldValue;
}

export interface SubstitutionNode {
  readonly kind: "substitution";
  readonly index: number;
  /** Optional substitutions whose value is null are left out entirely. */
  readonly optional: boolean;
  readonly declaredType: number;
}

export interface CharRefNode {
  readonly kind: "charref";
  readonly code: number;
}

export interface EntityRefNode {
  readonly kind: "entityref";
  readonly name: string;
}

export interface CDataNode {
  readonly kind: "cdata";
  readonly text: string;
}

export interface ProcessingInstructionNode {
  readonly kind: "pi";
  readonly target: string;
  data: string;
}

export interface TemplateInstanceNode {
  readonly kind: "template";
  readonly definition: TemplateDefinition;
  readonly values: SubstitutionValues;
  /** Chunk offset just past the instance's values, where the token stream goes on. */
  readonly end: number;
}

export interface TemplateDefinition {
  /** Chunk offset of the definition; the key of the per-chunk template cache. */
  readonly offset: number;
  /** The first four bytes of the GUID, which template instances repeat. */
  readonly id: number;
  readonly guid: string;
  readonly nodes: BinXmlNode[];
}

/**
 * Value descriptors of one template instance; offsets are chunk-relative. Plain arrays: one instance per record,
 * and typed arrays cost far more to allocate.
 */
export interface SubstitutionValues {
  readonly types: readonly number[];
  readonly sizes: readonly number[];
  readonly offsets: readonly number[];
}
