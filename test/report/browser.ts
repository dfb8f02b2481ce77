/**
 * Headless Chromium for the report tests and the benchmark: Debian's `chromium` driven by playwright-core, started
 * with a fresh profile and without any network-using background service. Each page records what must not happen:
 * console errors, uncaught exceptions, CSP violations, dialogs (alert, confirm, prompt) and requests that leave
 * the file.
 */
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { type BrowserContext, chromium, type Page } from "playwright-core";

const CANDIDATES = [process.env.CHROMIUM_PATH, "/usr/bin/chromium", "/usr/bin/chromium-browser"];

/** The Chromium executable, or null when none is installed. */
export function findChromium(): string | null {
  for (const c of CANDIDATES) if (c !== undefined && c !== "" && existsSync(c)) return c;
  return null;
}

export const NO_CHROMIUM = "browser tests skipped: no Chromium (apt-get install chromium, or set CHROMIUM_PATH)";

export interface Browser {
  readonly context: BrowserContext;
  close(): Promise<void>;
}

export async function launchBrowser(executablePath: string): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), "vigil-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--no-first-run",
    ],
    viewport: { width: 1440, height: 900 },
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export interface OpenedReport {
  readonly page: Page;
  /** Console errors, page errors, CSP violations, dialogs and requests to anything but the file itself. */
  readonly trouble: string[];
  /** Milliseconds from navigation start until the app set `data-ready`. */
  readonly readyMs: number;
}

/**
 * Opens a report file in a new page with hooks installed before any script of the page runs: `window.alert`,
 * `confirm` and `prompt` record into `window.__fired`, and CSP violations into `window.__violations`.
 */
export async function openReport(browser: Browser, path: string): Promise<OpenedReport> {
  const page = await browser.context.newPage();
  const trouble: string[] = [];
  const url = pathToFileURL(path).href;
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") trouble.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on("pageerror", (e) => trouble.push(`page error: ${e.message}`));
  page.on("dialog", (d) => {
    trouble.push(`dialog ${d.type()}: ${d.message()}`);
    void d.dismiss();
  });
  page.on("request", (r) => {
    if (r.url() !== url && !r.url().startsWith("data:")) trouble.push(`request: ${r.url().slice(0, 200)}`);
  });
  await page.addInitScript(() => {
    const w = window as unknown as Record<string, unknown>;
    const fired: string[] = [];
    const violations: string[] = [];
    w.__fired = fired;
    w.__violations = violations;
    for (const name of ["alert", "confirm", "prompt", "print"]) {
      w[name] = (...args: unknown[]) => {
        fired.push(`${name}(${args.map(String).join(", ")})`);
      };
    }
    document.addEventListener("securitypolicyviolation", (e) => {
      violations.push(`${e.violatedDirective}: ${e.blockedURI} ${e.sample}`);
    });
  });
  await page.goto(url);
  await page.waitForSelector("body[data-ready], body[data-error]", { timeout: 20_000 });
  const readyMs = await page.evaluate(() => performance.getEntriesByName("vigil-ready")[0]?.startTime ?? -1);
  return { page, trouble, readyMs };
}

/** What the hooks recorded: dialogs fired, CSP violations and the payloads' global marker. */
export async function hooksFired(page: Page): Promise<{ fired: string[]; violations: string[]; pwned: unknown }> {
  return page.evaluate(() => {
    const w = window as unknown as Record<string, unknown>;
    return { fired: w.__fired as string[], violations: w.__violations as string[], pwned: w.__pwned };
  });
}
