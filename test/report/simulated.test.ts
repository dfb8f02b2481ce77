/**
 * Acceptance 1 of the report on the real thing: `vigil simulate`'s intrusion hunted by `vigil hunt --html` (with its
 * assets, so the graph knows the zones) opens clean in Chromium, and shows the hunt's own figures: the detection
 * count, the movement graph's hosts and crossings toward OT, an ATT&CK cell of the intrusion, and a table that
 * filters.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { simulate } from "../../src/simulate/index.js";
import { type Browser, findChromium, hooksFired, launchBrowser, NO_CHROMIUM, openReport } from "./browser.js";

const chromium = findChromium();
const main = fileURLToPath(new URL("../../src/cli/main.ts", import.meta.url));

describe("the report of the simulated intrusion", { skip: chromium === null ? NO_CHROMIUM : false }, () => {
  let browser: Browser;
  const root = mkdtempSync(join(tmpdir(), "vigil-report-sim-"));
  before(async () => {
    browser = await launchBrowser(chromium ?? "");
  });
  after(async () => {
    await browser?.close();
    rmSync(root, { recursive: true, force: true });
  });

  test("vigil hunt --html on vigil simulate's evidence: clean, with the hunt's figures, graph, matrix and filters", async () => {
    const sim = join(root, "sim");
    await simulate({ outDir: sim, seed: 1, days: 1 });
    const html = join(root, "report.html");
    const scopeFile = join(root, "scope.json");
    const detectionsFile = join(root, "detections.jsonl");
    const run = spawnSync(
      process.execPath,
      [
        "--import",
        "tsx",
        main,
        "hunt",
        join(sim, "evidence"),
        "--assets",
        join(sim, "assets.csv"),
        "--html",
        html,
        "--scope-out",
        scopeFile,
        "--json-out",
        detectionsFile,
        "--quiet",
        "--no-rule-cache",
      ],
      { encoding: "utf8" },
    );
    assert.equal(run.status, 0, run.stderr);
    const detections = readFileSync(detectionsFile, "utf8").trim().split("\n").length;
    const scope = JSON.parse(readFileSync(scopeFile, "utf8")) as {
      graph: { nodes: unknown[]; edges: unknown[] };
      otCrossings: { targetZone: string }[];
    };

    const opened = await openReport(browser, html);
    const { page } = opened;
    assert.deepEqual(opened.trouble, []);
    const hooks = await hooksFired(page);
    assert.deepEqual([hooks.fired, hooks.violations, hooks.pwned], [[], [], undefined]);

    const text = (selector: string): Promise<string> => page.$eval(selector, (e) => e.textContent ?? "");
    assert.equal(await text('[data-figure="detections"]'), detections.toLocaleString("en-US"));
    const graph = await page.$eval("#movement-graph", (g) => ({ ...g.dataset }));
    assert.equal(Number(graph.drawnHosts), scope.graph.nodes.length);
    assert.equal(Number(graph.drawnEdges), scope.graph.edges.length);
    assert.ok(Number(graph.drawnCrossings) > 0, "crossings toward OT stand out");
    assert.ok(scope.otCrossings.some((c) => c.targetZone === "OT"));
    const ntds = '#attack-matrix .cell[data-tactic="credential-access"][data-technique="T1003.003"]';
    assert.ok(Number(await page.$eval(ntds, (c) => c.dataset.count)) > 0);
    assert.ok((await page.$$("#incidents .incident")).length >= 1);

    const shown = async (): Promise<number> => Number(await page.$eval("#detections-status", (s) => s.dataset.shown));
    assert.equal(await shown(), detections);
    await page.fill("#filter-text", "ntdsutil");
    await page.waitForFunction(
      (total) => Number(document.querySelector<HTMLElement>("#detections-status")?.dataset.shown) < total,
      detections,
    );
    const filtered = await shown();
    assert.ok(filtered > 0 && filtered < detections, `${filtered} of ${detections}`);
    await page.close();
  });
});
