/**
 * `expand` placeholders (`%name%` replaced by each value of a named list; `\%` is a plain percent sign) and
 * `fieldref` (the value names another field of the same event).
 */
import type { FieldValue } from "../../evtx/types.js";
import { ModifierError } from "./errors.js";
import { textOf } from "./strings.js";

type Part = { readonly literal: string } | { readonly placeholder: string };

function splitPlaceholders(text: string): Part[] {
  const parts: Part[] = [];
  let lit = "";
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "\\" && text[i + 1] === "%") {
      lit += "%";
      i++;
    } else if (c === "%") {
      const end = text.indexOf("%", i + 1);
      const name = end > i ? text.slice(i + 1, end) : "";
      if (name === "" || /[\s\\]/.test(name)) {
        lit += c;
        continue;
      }
      if (lit !== "") parts.push({ literal: lit });
      lit = "";
      parts.push({ placeholder: name });
      i = end;
    } else {
      lit += c;
    }
  }
  if (lit !== "") parts.push({ literal: lit });
  return parts;
}

/**
 * Every text the value stands for once its placeholders are replaced: the cartesian product over placeholders,
 * each value of a placeholder's list giving one text. The placeholder values are Sigma strings (wildcards work).
 */
export function expandPlaceholders(
  text: string,
  placeholders: ReadonlyMap<string, readonly string[]> | undefined,
): string[] {
  let acc: string[] = [""];
  for (const part of splitPlaceholders(text)) {
    if ("literal" in part) {
      acc = acc.map((a) => a + part.literal);
      continue;
    }
    const list = placeholders?.get(part.placeholder);
    if (list === undefined) throw new ModifierError(`unresolved placeholder %${part.placeholder}%`);
    acc = acc.flatMap((a) => list.map((v) => a + v));
  }
  return acc;
}

/** The texts a referenced field holds (several when it is an array); empty when absent or null. */
export function referencedTexts(v: FieldValue | undefined): string[] {
  if (v === undefined) return [];
  if (Array.isArray(v)) return v.flatMap((e) => referencedTexts(e));
  const t = textOf(v as FieldValue);
  return t === null ? [] : [t];
}

export type RefMode = "exact" | "contains" | "startswith" | "endswith";

/** Compares a field's text with a referenced field's text under the given mode. */
export function compareRef(text: string, ref: string, mode: RefMode, cased: boolean): boolean {
  const a = cased ? text : text.toLowerCase();
  const b = cased ? ref : ref.toLowerCase();
  switch (mode) {
    case "exact":
      return a === b;
    case "contains":
      return a.includes(b);
    case "startswith":
      return a.startsWith(b);
    case "endswith":
      return a.endsWith(b);
  }
}
