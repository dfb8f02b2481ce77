/**
 * The page as text: the embedded JSON cannot end its script element, the Content-Security-Policy allows exactly the
 * inlined script and stylesheet, and the app's own code builds no markup from strings.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { appBundle } from "../../src/report/bundle.js";
import { REPORT_DATA_ID } from "../../src/report/data.js";
import { contentSecurityPolicy, cspHash, reportHtml, scriptJson } from "../../src/report/page.js";
import { PAYLOADS, payloadDetections, payloadScope, writeReport } from "./fixtures.js";

test("scriptJson: <, >, &, U+2028 and U+2029 escaped; JSON.parse reads the same value", () => {
  const value = { a: "</script><!-- <script>&amp;\u2028\u2029", b: [PAYLOADS], "<key>": 1, lone: "\ud800" };
  const text = scriptJson(value);
  assert.doesNotMatch(text, /[<>&\u2028\u2029]/);
  assert.deepEqual(JSON.parse(text), value);
});

test("the page: data in a JSON script element that payloads cannot close; only two script elements", async () => {
  const { html, data } = await writeReport(payloadDetections(), { scope: payloadScope() });
  // Exactly the data element and the app: no payload opened or closed a script element.
  assert.equal(html.match(/<script/gi)?.length, 2);
  assert.equal(html.match(/<\/script/gi)?.length, 2);
  const start = html.indexOf(`<script type="application/json" id="${REPORT_DATA_ID}">`);
  assert.ok(start > 0);
  const from = html.indexOf(">", start) + 1;
  const json = html.slice(from, html.indexOf("</script>", from));
  assert.deepEqual(JSON.parse(json), JSON.parse(JSON.stringify(data)));
  for (const p of PAYLOADS) assert.ok(!html.includes(p.slice(0, 40)) || !/[<>&]/.test(p.slice(0, 40)), p.slice(0, 40));
  // The page's fixed text: nothing from evidence in the markup around the data.
  const markup = html.slice(0, start) + html.slice(html.indexOf("</script>", from));
  assert.doesNotMatch(markup, /__pwned/);
});

test("the Content-Security-Policy: nothing but the inlined script and stylesheet, by hash", async () => {
  const app = await appBundle();
  const csp = contentSecurityPolicy(app);
  const directives = new Map(csp.split("; ").map((d) => [d.split(" ")[0], d.split(" ").slice(1)]));
  assert.deepEqual(directives.get("default-src"), ["'none'"]);
  assert.deepEqual(directives.get("script-src"), [cspHash(app.script)]);
  assert.equal(directives.get("style-src")?.[0], cspHash(app.style));
  assert.deepEqual(directives.get("connect-src"), ["'none'"]);
  assert.deepEqual(directives.get("img-src"), ["data:"]);
  assert.deepEqual(directives.get("base-uri"), ["'none'"]);
  assert.deepEqual(directives.get("form-action"), ["'none'"]);
  assert.doesNotMatch(csp, /unsafe-|\*|https?:/);
  const html = reportHtml((await writeReport([])).data, app);
  // The policy comes first in <head>, before any script or style, and the inlined code is the hashed code.
  assert.ok(html.indexOf("Content-Security-Policy") < html.indexOf("<style>"));
  assert.ok(html.includes(`<script>${app.script}</script>`));
  assert.ok(html.includes(`<style>${app.style}</style>`));
});

test("the app builds no markup from strings: no innerHTML, outerHTML, insertAdjacentHTML, document.write, eval", () => {
  const dir = fileURLToPath(new URL("../../src/report/app/", import.meta.url));
  const forbidden =
    /innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function|javascript:|setAttribute\(\s*["']on/;
  const files = readdirSync(dir).filter((f) => f.endsWith(".ts"));
  assert.ok(files.length >= 8);
  for (const f of files) {
    const source = readFileSync(`${dir}${f}`, "utf8").replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, "");
    assert.doesNotMatch(source, forbidden, f);
  }
  // ECharts' HTML tooltip is never used: its tooltip stays on the canvas.
  assert.match(readFileSync(`${dir}timeline.ts`, "utf8"), /renderMode: "richText"/);
});
