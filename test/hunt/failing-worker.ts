/**
 * A stand-in hunt worker for the scheduling tests: it speaks the worker protocol without scanning, finishing each
 * file at once with nothing found, and exits (as a worker killed by its heap bound would) on a file whose name
 * contains `die`.
 */
import { parentPort } from "node:worker_threads";
import type { FromWorker, ToWorker } from "../../src/hunt/messages.js";
import { ScopeCollector } from "../../src/scope/index.js";

const port = parentPort;
if (port === null) throw new Error("not in a worker");
const post = (m: FromWorker): void => port.postMessage(m);
port.on("message", (m: ToWorker) => {
  if (m.type === "init") post({ type: "ready", problems: [] });
  else if (m.type === "file") {
    if (m.path.includes("die")) process.exit(1);
    const source = {
      file: m.path,
      format: "evtx" as const,
      containers: [],
      bytes: 0,
      events: 0,
      recovered: 0,
      skipped: 0,
      problemCount: 0,
      problems: [],
    };
    const result = {
      sources: [source],
      events: 0,
      matched: 0,
      first: null,
      last: null,
      scope: new ScopeCollector().facts(),
    };
    post({ type: "file-done", index: m.index, result });
  } else port.close();
});
