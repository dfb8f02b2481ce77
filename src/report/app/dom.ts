/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
/**
 * The one way the report builds its page: elements made with createElement and filled with textContent, never with
 * markup. Text from evidence goes through `shown`, which makes invisible characters visible, and is set in elements
 * that isolate their direction, so that a right-to-left override cannot turn the text around it.
 */

type Child = Node | string | null | undefined | false;

export interface Props {
  readonly className?: string;
  readonly id?: string;
  readonly title?: string;
  /** `data-*` attributes, by name without the prefix. */
  readonly data?: Readonly<Record<string, string | number>>;
  readonly attrs?: Readonly<Record<string, string>>;
}

/** Attributes that take URLs or code are never set from here. */
const FORBIDDEN_ATTRIBUTE = /^(on|href$|src$|srcdoc$|action$|formaction$|style$|xlink:href$)/i;

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Props | null = null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (props !== null) {
    if (props.className !== undefined) node.className = props.className;
    if (props.id !== undefined) node.id = props.id;
    if (props.title !== undefined) node.title = shown(props.title);
    for (const [k, v] of Object.entries(props.data ?? {})) node.dataset[k] = String(v);
    for (const [k, v] of Object.entries(props.attrs ?? {})) {
      if (FORBIDDEN_ATTRIBUTE.test(k)) throw new Error(`attribute not allowed: ${k}`);
      node.setAttribute(k, v);
    }
  }
  append(node, ...children);
  return node;
}

/** Appends children; strings become text nodes (isolated, with invisible characters shown). */
export function append(parent: Node, ...children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    parent.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
  }
}

/** Text from evidence, in a span that isolates its direction. */
export function logText(text: string, className = "log"): HTMLSpanElement {
  const span = document.createElement("span");
  span.className = className;
  span.dir = "auto";
  span.textContent = shown(text);
  return span;
}

export function clear(node: Node): void {
  while (node.firstChild !== null) node.removeChild(node.firstChild);
}

/** A button with a text label. */
export function button(label: string, onClick: () => void, props: Props | null = null): HTMLButtonElement {
  const b = el("button", props, label);
  b.type = "button";
  b.addEventListener("click", onClick);
  return b;
}

/**
 * Invisible and direction-changing characters made visible: C0/C1 controls (except tab and line breaks) as `\xNN`,
 * bidirectional controls, zero-width characters and the line and paragraph separators as `⟨U+202E⟩`, so that what an intruder hid in a field shows.
 */
export function shown(text: string): string {
  return text.replace(
    /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/g,
    (c) => {
      const code = c.charCodeAt(0);
      if (code < 0x100) return `\\x${code.toString(16).padStart(2, "0")}`;
      return `⟨U+${code.toString(16).toUpperCase().padStart(4, "0")}⟩`;
    },
  );
}

/** Text cut to `max` characters with an ellipsis, for table cells and labels (the full text is in the detail). */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
