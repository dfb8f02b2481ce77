/** `npm run build` step: bundles the report's browser app into dist/report/app.bundle.js and app.bundle.css. */
import { writeFile } from "node:fs/promises";
import { BUNDLE_SCRIPT, BUNDLE_STYLE, bundleApp } from "./bundle.js";

const bundle = await bundleApp();
await Promise.all([writeFile(BUNDLE_SCRIPT, bundle.script), writeFile(BUNDLE_STYLE, bundle.style)]);
process.stdout.write(
  `report app: ${(bundle.script.length / 1024).toFixed(0)} KiB script, ${(bundle.style.length / 1024).toFixed(0)} KiB style\n`,
);
