/** The flat field view of a record with a compiled shape: a field's value is decoded when it is first asked for. */
import type { SubstitutionValues } from "../binxml/model.js";
import type { ChunkContext } from "../binxml/tokens.js";
import type { FieldValue, FieldView } from "../types.js";
import { type CompiledFields, decodeSlot, FALLBACK, type FieldItem, type ValueSlot } from "./compiled.js";

const UNDECODED = Symbol("undecoded");

export class CompiledFieldView implements FieldView {
  private decoded: (FieldValue | typeof UNDECODED)[] | null = null;
  private fallback: FieldView | null = null;
  /** Every value is decoded and in `decoded`, the static ones too (decodeAll ran and needed no generic view). */
  private whole = false;

  constructor(
    private readonly ctx: ChunkContext,
    private readonly compiled: CompiledFields,
    private readonly scopes: readonly SubstitutionValues[],
    /** The generic view, for a value the compiled shape cannot hold (it failed to decode, or is an empty attribute). */
    private readonly generic: () => FieldView,
  ) {}

  get(path: string): FieldValue | undefined {
    if (this.fallback !== null) return this.fallback.get(path);
    const i = this.compiled.byPath.get(path);
    if (i === undefined) return undefined;
    const value = this.at(i);
    return this.fallback !== null ? (this.fallback as FieldView).get(path) : value;
  }

  *entries(): IterableIterator<[string, FieldValue]> {
    const fallback = this.decodeAll();
    if (fallback !== null) {
      yield* fallback.entries();
      return;
    }
    const { paths } = this.compiled;
    const values = this.decoded as FieldValue[];
    for (let i = 0; i < paths.length; i++) yield [paths[i] as string, values[i] as FieldValue];
  }

  /** Every field in document order, without an entry or iterator object per field (the matcher's hot loop). */
  forEach(visit: (value: FieldValue, path: string) => void): void {
    const fallback = this.decodeAll();
    if (fallback !== null) {
      fallback.forEach(visit);
      return;
    }
    const { paths } = this.compiled;
    const values = this.decoded as FieldValue[];
    for (let i = 0; i < paths.length; i++) visit(values[i] as FieldValue, paths[i] as string);
  }

  /** The compiled shape's paths, once every value is decoded; null when one of them needed the generic view. */
  layout(): readonly string[] | null {
    return this.decodeAll() === null ? this.compiled.paths : null;
  }

  layoutValues(): readonly FieldValue[] {
    if (this.decodeAll() !== null) throw new Error("layoutValues of a record without a layout");
    return this.decoded as FieldValue[];
  }

  /**
   * Decodes every field before any is given out, once: the generic view when one of them cannot be held, else null,
   * with every value (the static ones put in too) in `decoded`.
   */
  private decodeAll(): FieldView | null {
    if (this.whole || this.fallback !== null) return this.fallback;
    const { paths } = this.compiled;
    this.decoded ??= new Array(paths.length).fill(UNDECODED);
    const decoded = this.decoded;
    for (let i = 0; i < paths.length && this.fallback === null; i++) decoded[i] = this.at(i);
    this.whole = this.fallback === null;
    return this.fallback;
  }

  private at(i: number): FieldValue {
    const source = this.compiled.sources[i];
    if ("value" in source) return source.value;
    this.decoded ??= new Array(this.compiled.paths.length).fill(UNDECODED);
    const cached = this.decoded[i];
    if (cached !== UNDECODED) return cached;
    const value = "items" in source ? this.list(source.items) : this.slot(source);
    if (value === FALLBACK) {
      this.fallback = this.generic();
      return null;
    }
    this.decoded[i] = value;
    return value;
  }

  /** A slot's value; FALLBACK when the compiled shape cannot hold it. */
  private slot(source: ValueSlot): FieldValue | typeof FALLBACK {
    const value = decodeSlot(this.ctx, this.scopes, source.scope, source.index);
    return source.attribute && (value === "" || value === null) ? FALLBACK : value;
  }

  /** Unnamed Data: each value, an empty text where it is null (as the walk keeps a Data without text). */
  private list(items: readonly FieldItem[]): FieldValue | typeof FALLBACK {
    const out: FieldValue[] = [];
    for (const item of items) {
      if ("value" in item) {
        out.push(item.value);
        continue;
      }
      const value = this.slot(item);
      if (value === FALLBACK) return FALLBACK;
      out.push(value ?? "");
    }
    return out;
  }
}
