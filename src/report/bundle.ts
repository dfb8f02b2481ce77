/**
 * The browser app (`app/`) as one script and one stylesheet to inline in the page. `npm run build` bundles them
 * into `dist/report/` (build-app.ts); run from the sources (tests, tsx) there is no such file and the app is
 * bundled here, in memory, with esbuild (a development dependency, loaded only then).
 */
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";

export interface AppBundle {
  readonly script: string;
  readonly style: string;
}

/** Beside the built module: dist/report/app.bundle.js and .css. */
export const BUNDLE_SCRIPT = new URL("./app.bundle.js", import.meta.url);
export const BUNDLE_STYLE = new URL("./app.bundle.css", import.meta.url);

/** The app's sources, from src/report/ or dist/report/ alike. */
const APP_DIR = new URL("../../src/report/app/", import.meta.url);

/**
 * Text that would end or confuse a script element inside the page's markup (HTML's script data states). esbuild
 * escapes `</script` in strings; the check makes sure nothing of the kind is left anywhere in the bundle.
 */
const UNSAFE_IN_SCRIPT = /<\/script|<!--|<script/i;
const UNSAFE_IN_STYLE = /<\/style|<!--/i;

let cached: Promise<AppBundle> | null = null;

/** The bundle: the built one when there is one, else bundled now (once per process). */
export function appBundle(): Promise<AppBundle> {
  cached ??= loadBuilt().then((built) => built ?? bundleApp());
  return cached;
}

async function loadBuilt(): Promise<AppBundle | null> {
  try {
    const [script, style] = await Promise.all([readFile(BUNDLE_SCRIPT, "utf8"), readFile(BUNDLE_STYLE, "utf8")]);
    return checked({ script, style });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw e;
  }
}

/** Bundles and minifies the app with esbuild: an IIFE for current browsers, ASCII only, licences kept at the end. */
export async function bundleApp(): Promise<AppBundle> {
  const esbuild = await import("esbuild");
  const common = { bundle: true, minify: true, write: false, logLevel: "silent", legalComments: "eof" } as const;
  const [script, style] = await Promise.all([
    esbuild.build({
      ...common,
      entryPoints: [fileURLToPath(new URL("main.ts", APP_DIR))],
      format: "iife",
      platform: "browser",
      target: ["chrome109", "firefox115", "safari16"],
      charset: "ascii",
    }),
    esbuild.build({ ...common, entryPoints: [fileURLToPath(new URL("style.css", APP_DIR))] }),
  ]);
  return checked({ script: script.outputFiles[0].text, style: style.outputFiles[0].text });
}

function checked(bundle: AppBundle): AppBundle {
  if (UNSAFE_IN_SCRIPT.test(bundle.script)) throw new Error("the report's script contains </script, <script or <!--");
  if (UNSAFE_IN_STYLE.test(bundle.style)) throw new Error("the report's stylesheet contains </style or <!--");
  return bundle;
}
