/**
 * CSV as RFC 4180 writes it (fields separated by commas, records by CRLF; a field holding a comma, quote, CR or LF
 * is quoted and its quotes doubled), with cells that a spreadsheet would run as a formula defused.
 *
 * Log content is attacker-controlled: a command line of `=HYPERLINK(…)` or `@SUM(…)` opened in Excel or LibreOffice
 * is a formula. Following OWASP's CSV injection guidance, a cell starting with `=`, `+`, `-`, `@`, tab or CR gets a
 * leading `'`, which spreadsheets show as text. Spreadsheets skip leading spaces before reading a formula, so a cell
 * whose first character after leading whitespace is one of those is defused too. A negative number such as `-5`
 * becomes `'-5`: the price of never guessing which cells are safe.
 */

const FORMULA_START = /^[\s\u00a0\u3000]*[=+\-@]|^[\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

/** One field, defused and quoted as needed. */
export function csvCell(value: string): string {
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One record, CRLF-terminated. */
export function csvRow(cells: readonly string[]): string {
  return `${cells.map(csvCell).join(",")}\r\n`;
}
