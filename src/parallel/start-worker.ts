/**
 * Starting a worker thread on one of the project's modules, from the compiled `.js` or, under tsx (tests and benches
 * run from sources), through a small bootstrap that registers tsx in the worker before importing the `.ts` module,
 * since loader flags are not inherited by workers.
 */
import { type ResourceLimits, Worker } from "node:worker_threads";

/**
 * `module`: the worker module's URL as `new URL("./x.js", import.meta.url)` names it from the caller.
 * `resourceLimits`: a heap bound, for workers that make much short-lived garbage: without one, V8 sizes each
 * worker's heap for the whole machine and collects late, so resident memory grows with the input though little of
 * it is live.
 */
export function startWorker(module: URL, callerUrl: string, resourceLimits?: ResourceLimits): Worker {
  const options = resourceLimits === undefined ? {} : { resourceLimits };
  if (!callerUrl.endsWith(".ts")) return new Worker(module, options);
  const api = import.meta.resolve("tsx/esm/api");
  const entry = module.href.replace(/\.js$/, ".ts");
  const code = `import(${JSON.stringify(api)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(code, { eval: true, ...options });
}
