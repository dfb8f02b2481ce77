/**
 * CSV as RFC 4180 writes it (fields separated by commas, records by CRLF; a field holding a comma, quote, CR or LF
 * is quoted and its quotes doubled), with cells that a spreadsheet would run as a formula defused.
 *
 * Log content is attacker-controlled: a command line of `=HYPERLINK(…)` or `@SUM(…)` opened in Excel or LibreOffice
 * is a formula. Following OWASP's CSV injection guidance, a cell starting with `=`, `+`, `-`, `@`, tab or CR gets a
 * leading `'`, which spreadsheets show as text. Spreadsheets skip leading spaces before reading a formula, so a cell
 * whose first character after leading whitespace is one of those is defused too. A negative number such as `-5`
 * becomes `'-5`: the price of never guessing which cells are safe. Control characters other than tab, CR and LF
 * (NUL, ESC and the ANSI sequences it starts) are written as visible `\xNN` escapes: a timeline is read in viewers
 * and terminals, and a NUL breaks some CSV tools.
 */

const FORMULA_START = /^[\s\u00a0\u3000]*[=+\-@]|^[\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g;

/** One field, defused and quoted as needed. */
export function csvCell(value: string): string {
  const visible = value.replace(CONTROL, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
  const text = FORMULA_START.test(visible) ? `'${visible}` : visible;
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One record, CRLF-terminated. */
export function csvRow(cells: readonly string[]): string {
  return `${cells.map(csvCell).join(",")}\r\n`;
}
