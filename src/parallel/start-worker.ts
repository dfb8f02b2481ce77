/**
 * Starting a worker thread on one of the project's modules, from the compiled `.js` or, under tsx (tests and benches
 * run from sources), through a small bootstrap that registers tsx in the worker before importing the `.ts` module,
 * since loader flags are not inherited by workers.
 */
import { Worker } from "node:worker_threads";

/** `module`: the worker module's URL as `new URL("./x.js", import.meta.url)` names it from the caller. */
export function startWorker(module: URL, callerUrl: string): Worker {
  if (!callerUrl.endsWith(".ts")) return new Worker(module);
  const api = import.meta.resolve("tsx/esm/api");
  const entry = module.href.replace(/\.js$/, ".ts");
  const code = `import(${JSON.stringify(api)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(code, { eval: true });
}
