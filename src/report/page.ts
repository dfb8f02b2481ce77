/**
 * The report as one HTML file: the data as JSON in a `<script type="application/json">` (never run, read by the app
 * with JSON.parse), the app's script and stylesheet inline, and a Content-Security-Policy that allows exactly those
 * two by their hashes and nothing else: no remote or inline code, no handlers in attributes, no connections, no
 * forms, images only from data: URLs. The markup around the data is fixed text: nothing from evidence is in it.
 */
import { createHash } from "node:crypto";
import type { AppBundle } from "./bundle.js";
import { REPORT_DATA_ID, type ReportData } from "./data.js";

/**
 * The one stylesheet the app's libraries add themselves: Cytoscape puts this rule in a `<style>` of its own (its
 * renderer's init), so its hash is allowed too. A change of that text shows as a CSP violation in the browser tests.
 */
export const CYTOSCAPE_STYLE = ".__________cytoscape_container { position: relative; }";

/**
 * JSON that can sit inside a script element: `<`, `>` and `&` escaped (so `</script>` or `<!--` in a value cannot
 * end or change the element) and U+2028/U+2029 too (line terminators to older JavaScript). Each is a JSON escape,
 * so JSON.parse reads the same value back.
 */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/** A CSP source expression for inline content: `'sha256-…'` of its UTF-8 bytes. */
export function cspHash(text: string): string {
  return `'sha256-${createHash("sha256").update(text, "utf8").digest("base64")}'`;
}

export function contentSecurityPolicy(app: AppBundle): string {
  return [
    "default-src 'none'",
    `script-src ${cspHash(app.script)}`,
    `style-src ${cspHash(app.style)} ${cspHash(CYTOSCAPE_STYLE)}`,
    "img-src data:",
    "font-src 'none'",
    "connect-src 'none'",
    "object-src 'none'",
    "frame-src 'none'",
    "worker-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join("; ");
}

export function reportHtml(data: ReportData, app: AppBundle): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy(app)}">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="Vigil">
<title>Vigil hunt report</title>
<style>${app.style}</style>
</head>
<body>
<noscript><p>This report is drawn by the script inside this file; allow JavaScript for this file to see it.</p></noscript>
<main id="app"></main>
<script type="application/json" id="${REPORT_DATA_ID}">${scriptJson(data)}</script>
<script>${app.script}</script>
</body>
</html>
`;
}
