/**
 * `npm run bench:report`: the HTML report's size and open time in headless Chromium for hunts of 1,000, 10,000
 * and 100,000 detections (the last kept to 10,000 in full, as `--html` does), built in code like the tests' large
 * hunt (events of about 25 fields on 60 hosts, 30 rules) with the simulated intrusion's scope. Each report is
 * opened 5 times in a fresh page of one browser; the figures are medians: time to the app's `data-ready` mark
 * (data parsed, every section built, the timeline and the graph drawn) and to the load event.
 *
 * `npm run screenshots` (`--screenshots`): the simulated intrusion's report, captured section by section into
 * docs/screenshots/ for the README.
 */
import { mkdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { findChromium, launchBrowser, NO_CHROMIUM, openReport } from "../test/report/browser.js";
import { intrusionDetections, intrusionScope, manyDetections, writeReport } from "../test/report/fixtures.js";

const RUNS = 5;
const screenshotsOnly = process.argv.includes("--screenshots");
const chromium = findChromium();
if (chromium === null) {
  console.error(NO_CHROMIUM);
  process.exit(1);
}
const browser = await launchBrowser(chromium);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

try {
  if (!screenshotsOnly) {
    console.log(`report open time in headless Chromium (${chromium}), median of ${RUNS} opens`);
    console.log("detections  kept in full  file size  build (node)  ready      load event");
    for (const n of [1_000, 10_000, 100_000]) {
      const detections = manyDetections(n);
      const started = performance.now();
      const { path } = await writeReport(detections, { scope: intrusionScope() });
      const buildMs = performance.now() - started;
      const ready: number[] = [];
      const load: number[] = [];
      for (let run = 0; run < RUNS; run++) {
        const opened = await openReport(browser, path);
        if (opened.trouble.length > 0) throw new Error(opened.trouble.join("\n"));
        ready.push(opened.readyMs);
        load.push(
          await opened.page.evaluate(() => {
            const nav = performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming | undefined;
            return nav?.loadEventEnd ?? -1;
          }),
        );
        await opened.page.close();
      }
      const size = statSync(path).size;
      console.log(
        [
          n.toLocaleString("en-US").padStart(10),
          Math.min(n, 10_000).toLocaleString("en-US").padStart(12),
          `${(size / 1e6).toFixed(2)} MB`.padStart(9),
          `${Math.round(buildMs)} ms`.padStart(12),
          `${Math.round(median(ready))} ms`.padStart(9),
          `${Math.round(median(load))} ms`.padStart(14),
        ].join("  "),
      );
    }
  }

  // Screenshots only when asked: they are the README's, taken from the demo's report (`--report FILE`).
  if (screenshotsOnly) {
    const out = fileURLToPath(new URL("../docs/screenshots/", import.meta.url));
    mkdirSync(out, { recursive: true });
    // `--report FILE`: capture a report written by `vigil hunt --html` (the demo's), rather than the test fixture's.
    const given = process.argv.indexOf("--report");
    const path =
      given > 0 && process.argv[given + 1] !== undefined
        ? process.argv[given + 1]
        : (await writeReport(intrusionDetections(), { scope: intrusionScope() })).path;
    const opened = await openReport(browser, path);
    const { page } = opened;
    await page.setViewportSize({ width: 1400, height: 900 });
    // The sticky header would sit over the sections captured below it.
    await page.evaluate(() => document.querySelector<HTMLElement>(".top")?.style.setProperty("position", "static"));
    await page.waitForTimeout(300);
    const shots: [string, string][] = [
      ["report-summary.png", "#summary"],
      ["report-timeline.png", "#timeline"],
      ["report-attack.png", "#attack"],
      ["report-movement.png", "#movement"],
      ["report-incidents.png", "#incidents"],
    ];
    for (const [file, selector] of shots) await page.locator(selector).screenshot({ path: join(out, file) });
    await page.click('#attack-matrix .cell[data-technique="T1003.003"] button');
    await page.click("#detections-table tbody tr");
    await page.locator("#detections").screenshot({ path: join(out, "report-detections.png") });
    await page.evaluate(() => {
      document.querySelector<HTMLElement>(".top")?.style.removeProperty("position");
      window.scrollTo(0, 0);
    });
    await page.screenshot({ path: join(out, "report-overview.png") });
    console.log(
      `screenshots: ${[...shots.map((s) => s[0]), "report-detections.png", "report-overview.png"].join(", ")} in ${out}`,
    );
  }
} finally {
  await browser.close();
}
