/**
 * The report in headless Chromium (Debian's `chromium`, driven by playwright-core): the intrusion's report opens
 * clean and shows the right figures, matrix, graph and table; payloads in every evidence field stay text; a report
 * of 10,000 detections opens (its size and open time are printed; bench/report.ts measures them properly).
 * One Chromium for the whole file; skipped in one line when there is none.
 */
import assert from "node:assert/strict";
import { statSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import type { Page } from "playwright-core";
import {
  type Browser,
  findChromium,
  hooksFired,
  launchBrowser,
  NO_CHROMIUM,
  type OpenedReport,
  openReport,
} from "./browser.js";
import {
  HOSTS,
  intrusionDetections,
  intrusionScope,
  manyDetections,
  PAYLOADS,
  payloadDetections,
  payloadScope,
  RULES,
  writeReport,
} from "./fixtures.js";

const chromium = findChromium();

const text = (page: Page, selector: string): Promise<string> => page.$eval(selector, (e) => e.textContent ?? "");

async function assertClean(opened: OpenedReport): Promise<void> {
  assert.deepEqual(opened.trouble, []);
  const hooks = await hooksFired(opened.page);
  assert.deepEqual(hooks.fired, [], "no alert, confirm or prompt");
  assert.deepEqual(hooks.violations, [], "no CSP violation");
  assert.equal(hooks.pwned, undefined, "no payload ran");
  assert.equal(await opened.page.$eval("body", (b) => b.dataset.error ?? null), null);
}

describe("the report in Chromium", { skip: chromium === null ? NO_CHROMIUM : false }, () => {
  let browser: Browser;
  before(async () => {
    browser = await launchBrowser(chromium ?? "");
  });
  after(async () => {
    await browser?.close();
  });

  test("the intrusion: figures, matrix, graph, incidents, and a table that filters, sorts and shows events", async () => {
    const detections = intrusionDetections();
    const { path, data } = await writeReport(detections, { scope: intrusionScope() });
    const opened = await openReport(browser, path);
    const { page } = opened;
    await assertClean(opened);

    // Summary.
    assert.equal(await text(page, '[data-figure="detections"]'), detections.length.toLocaleString("en-US"));
    assert.equal(await text(page, '[data-figure="events"]'), "1,482,113");
    assert.equal(await text(page, '[data-level-count="critical"]'), "15");
    assert.equal(await text(page, '[data-level-count="informational"]'), "260");
    assert.match(await text(page, '[data-figure="rules"]'), /^14 of 221 matched$/);
    assert.match(await text(page, "#summary"), /chunk 24: bad chunk header CRC/);

    // Timeline: a canvas drawn from every bucket.
    assert.ok((await page.$$("#timeline-chart canvas")).length > 0);
    assert.match(await text(page, "#timeline"), /#2 INC-2 Movement into OT/);

    // ATT&CK matrix.
    assert.equal((await page.$$("#attack-matrix .cell")).length, data.matrix.cells.length);
    assert.equal(
      await page.$$eval("#attack-matrix thead th", (ths) => ths.map((th) => th.dataset.tactic).join(",")),
      data.matrix.tactics.map((t) => t.id).join(","),
    );
    const ntds = '#attack-matrix .cell[data-tactic="credential-access"][data-technique="T1003.003"]';
    assert.equal(await page.$eval(ntds, (c) => c.dataset.count), "2");
    assert.match(await text(page, ntds), /NTDS\.dit Copy via Ntdsutil IFM/);
    assert.match(
      await text(page, '#attack-matrix .cell[data-tactic="stealth"]'),
      /T1070\.001.*Security Event Log Cleared/,
    );

    // Lateral movement: every host and connection drawn, three of them toward OT.
    const graph = await page.$eval("#movement-graph", (g) => ({ ...g.dataset }));
    assert.deepEqual([graph.drawnHosts, graph.drawnEdges, graph.drawnCrossings], ["11", "9", "3"]);
    assert.equal((await page.$$("#movement-edges tbody tr")).length, 9);
    const crossings = await page.$$eval("#movement-edges tr[data-crossing='1']", (rows) =>
      rows.map((r) =>
        [...r.querySelectorAll("td")]
          .slice(0, 3)
          .map((td) => td.textContent?.trim())
          .join(" | "),
      ),
    );
    assert.deepEqual(crossings, [
      "FS01.corp.local IT | JUMP01.corp.local OT-DMZ | RDP",
      "JUMP01.corp.local OT-DMZ | EWS01.corp.local OT | RDP",
      "JUMP01.corp.local OT-DMZ | HMI01.corp.local OT | RDP",
    ]);

    // Incidents.
    assert.equal((await page.$$("#incidents .incident")).length, 2);
    assert.match(await text(page, '[data-incident="2"]'), /CORP\\ot-eng/);
    assert.match(await text(page, '[data-incident="1"]'), /Credential Access/);

    // Detections table: filters.
    const status = async () => Number(await page.$eval("#detections-status", (s) => s.dataset.shown));
    assert.equal(await status(), detections.length);
    assert.equal((await page.$$("#detections-table tbody tr")).length, 100, "a page at a time");
    await page.uncheck('input[data-level="informational"]');
    assert.equal(await status(), detections.length - 260);
    await page.selectOption("#filter-host", String(data.hosts.findIndex((h) => h.name === HOSTS.dc1)));
    const onDc1 = detections.filter((d) => d.rule.level !== "informational" && d.computer === HOSTS.dc1).length;
    assert.equal(await status(), onDc1);
    await page.selectOption("#filter-host", "-1");
    await page.fill("#filter-text", "NTDSUTIL");
    await page.waitForFunction(
      (n) => document.querySelector<HTMLElement>("#detections-status")?.dataset.shown === n,
      "10",
    );
    // 8 WMIC commands that start ntdsutil, and the two ntdsutil runs.
    assert.deepEqual(
      await page.$$eval("#detections-table tbody tr", (rows) => [
        ...new Set(rows.map((r) => r.children[2].textContent)),
      ]),
      [RULES.wmic.title, RULES.ntds.title],
    );
    // Sorting: by level, most severe first.
    await page.click('button[data-sort="level"]');
    assert.equal(await page.$eval("#detections-table tbody tr", (r) => r.dataset.level), "critical");
    // A row shows its whole event and its rule.
    await page.click("#detections-table tbody tr");
    assert.match(await text(page, "#detail-rule"), /NTDS\.dit Copy via Ntdsutil IFM/);
    assert.match(await text(page, "#detail-rule"), /attack\.t1003\.003/);
    assert.match(await text(page, "#detail-event"), /System\.EventRecordID/);
    assert.match(await text(page, "#detail-event"), /ntdsutil "ac i ntds" ifm/);
    // A rule in the matrix filters the table to it.
    await page.fill("#filter-text", "");
    await page.check('input[data-level="informational"]');
    await page.click(`#attack-matrix .cell[data-technique="T1654"] button`);
    await page.waitForFunction(
      (n) => document.querySelector<HTMLElement>("#detections-status")?.dataset.shown === n,
      "260",
    );
    await assertClean(opened);
    await page.close();
  });

  test("payloads in every evidence field never run and show as text", async () => {
    const { path } = await writeReport(payloadDetections(), { scope: payloadScope() });
    const opened = await openReport(browser, path);
    const { page } = opened;
    await assertClean(opened);
    const table = await text(page, "#detections-table");
    assert.ok(table.includes(PAYLOADS[0]), "the rule title with <script> is text");
    assert.ok(table.includes(PAYLOADS[1]));
    assert.ok(table.includes("invoice⟨U+202E⟩gpj.exe"), "the right-to-left override is shown, not obeyed");
    // Open every detection: each event's fields are set as text.
    const rows = await page.$$("#detections-table tbody tr");
    assert.equal(rows.length, PAYLOADS.length);
    for (let i = 0; i < rows.length; i++) {
      await page.click(`#detections-table tbody tr:nth-child(${i + 1})`);
      const event = await text(page, "#detail-event");
      const payload =
        PAYLOADS[Number(await page.$eval(`#detections-table tbody tr:nth-child(${i + 1})`, (r) => r.dataset.row))];
      const shown = payload.replace("\u202e", "⟨U+202E⟩").replace("\u2028", "⟨U+2028⟩").replace("\u2029", "⟨U+2029⟩");
      if (payload.length <= 4096) assert.ok(event.includes(shown), `payload ${i} shown as text`);
      else assert.match(event, /more characters not kept in the report/);
    }
    assert.match(await text(page, "#incidents"), /<script>window\.__pwned='script'/);
    assert.match(await text(page, "#movement-edges"), /<img src=x onerror=/);
    const injected = await page.evaluate(() => ({
      elements: document.querySelectorAll("#app img, #app iframe, #app svg, #app object, #app embed, #app script")
        .length,
      scripts: document.scripts.length,
      jsLinks: document.querySelectorAll('[href^="javascript:" i], [src^="javascript:" i]').length,
      handlers: [...document.querySelectorAll("#app *")].filter((e) =>
        [...e.attributes].some((a) => a.name.startsWith("on")),
      ).length,
    }));
    assert.deepEqual(injected, { elements: 0, scripts: 2, jsLinks: 0, handlers: 0 });
    // Wait for anything delayed (a timer or an image error) before the last check.
    await page.waitForTimeout(300);
    await assertClean(opened);
    await page.close();
  });

  test("10,000 detections: the file stays small and opens", async () => {
    const { path } = await writeReport(manyDetections(10_000), { scope: intrusionScope() });
    const bytes = statSync(path).size;
    const opened = await openReport(browser, path);
    await assertClean(opened);
    assert.equal(await opened.page.$eval("#detections-status", (s) => s.dataset.shown), "10000");
    assert.equal((await opened.page.$$("#detections-table tbody tr")).length, 100);
    console.log(
      `# 10,000 detections: ${(bytes / 1e6).toFixed(1)} MB, ready ${Math.round(opened.readyMs)} ms after navigation`,
    );
    await opened.page.close();
  });
});
