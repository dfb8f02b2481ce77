/**
 * Event XML as Event Viewer's XML view shows it: two-space indentation, GUIDs in braces, empty elements closed
 * with `/>`. Text and attribute values are escaped; control characters that XML 1.0 forbids become char refs.
 */
import { ValueType, valueText } from "../binxml/values.js";
import type { FieldValue } from "../types.js";
import type { ResolvedAttribute, XmlSink } from "./walk.js";

// XML 1.0 forbids most C0 controls even as references; they are written as `&#xN;` so nothing is lost or raw.
const ESCAPE = /[&<>"\u0000-\u0008\u000b\u000c\u000e-\u001f]/g;
function escapeChar(c: string): string {
  switch (c) {
    case "&":
      return "&amp;";
    case "<":
      return "&lt;";
    case ">":
      return "&gt;";
    case '"':
      return "&quot;";
    default:
      return `&#x${c.charCodeAt(0).toString(16)};`;
  }
}

export function escapeXml(s: string): string {
  return s.replace(ESCAPE, escapeChar);
}

function formatValue(value: FieldValue, type: number): string {
  if (type === ValueType.Guid && typeof value === "string") return `{${value}}`;
  return valueText(value);
}

interface Frame {
  readonly name: string;
  /** Start tag written but not yet closed with `>`. */
  open: boolean;
  hasChildElements: boolean;
}

export class XmlTextSink implements XmlSink {
  private out = "";
  private readonly stack: Frame[] = [];

  private closeStartTag(): Frame | undefined {
    const top = this.stack[this.stack.length - 1];
    if (top?.open) {
      this.out += ">";
      top.open = false;
    }
    return top;
  }

  startElement(name: string, attributes: ResolvedAttribute[]): void {
    const parent = this.closeStartTag();
    if (parent !== undefined) parent.hasChildElements = true;
    if (this.out !== "") this.out += "\n";
    this.out += `${"  ".repeat(this.stack.length)}<${name}`;
    for (const a of attributes) {
      if (a.value === null) continue;
      this.out += ` ${a.name}="${escapeXml(formatValue(a.value, a.type))}"`;
    }
    this.stack.push({ name, open: true, hasChildElements: false });
  }

  text(value: FieldValue, type: number): void {
    if (value === null) return;
    this.closeStartTag();
    this.out += escapeXml(formatValue(value, type));
  }

  entityRef(name: string): void {
    this.closeStartTag();
    this.out += `&${name};`;
  }

  charRef(code: number): void {
    this.closeStartTag();
    this.out += `&#${code};`;
  }

  cdata(text: string): void {
    this.closeStartTag();
    this.out += `<![CDATA[${text.replaceAll("]]>", "]]]]><![CDATA[>")}]]>`;
  }

  processingInstruction(target: string, data: string): void {
    this.closeStartTag();
    this.out += `<?${target}${data ? ` ${data.replaceAll("?>", "? >")}` : ""}?>`;
  }

  endElement(): void {
    const frame = this.stack.pop();
    if (frame === undefined) return;
    if (frame.open) this.out += "/>";
    else if (frame.hasChildElements) this.out += `\n${"  ".repeat(this.stack.length)}</${frame.name}>`;
    else this.out += `</${frame.name}>`;
  }

  result(): string {
    return this.out;
  }
}
