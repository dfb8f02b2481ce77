/**
 * Acceptance (issue 5): independent readers read every simulated file with the same record count as Vigil. Debian's
 * `evtxexport` (libevtx-utils) renders every record as XML; python-evtx (python3-evtx) walks every record of every
 * file and renders the first record of every chunk (where the chunk's templates are defined) and each file's last
 * record as XML (rendering all of them takes python-evtx minutes). Skipped with one line when a reader is absent.
 */
import assert from "node:assert/strict";
import { execFile, spawnSync } from "node:child_process";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { evtxFiles, readBack, removeTemporary, type Simulated, simulateInto } from "./helpers.js";

const hasEvtxexport = spawnSync("evtxexport", ["-V"], { stdio: "ignore" }).error === undefined;

/** The first Python that imports python-evtx: CI's Debian python3, or a PATH python3 that has it. */
function findPythonEvtx(): string | null {
  for (const python of ["python3", "/usr/bin/python3"]) {
    const probe = spawnSync(python, ["-c", "import Evtx.Evtx"], { stdio: "ignore" });
    if (probe.error === undefined && probe.status === 0) return python;
  }
  return null;
}
const python = findPythonEvtx();

let sim: Simulated;
const vigilCounts = new Map<string, number>();

after(removeTemporary);

before(async () => {
  if (!hasEvtxexport && python === null) return;
  sim = await simulateInto({ seed: 3, hosts: 8, days: 1 });
  for (const file of evtxFiles(sim.dir)) {
    const read = await readBack(join(sim.dir, file));
    assert.deepEqual(read.damage, [], file);
    vigilCounts.set(file, read.records.length);
  }
});

/** evtxexport's XML of one file, with its exit code. */
function evtxexport(path: string): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile("evtxexport", ["-f", "xml", path], { encoding: "utf8", maxBuffer: 1 << 30 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === "number" ? error.code : 1;
      resolve({ status: code, stdout, stderr });
    });
  });
}

test("evtxexport renders every record of every simulated file", {
  skip: hasEvtxexport ? false : "evtxexport not installed (apt-get install libevtx-utils)",
}, async () => {
  const queue = [...vigilCounts];
  // Two at a time: evtxexport is single-threaded and the simulation has dozens of files.
  const worker = async (): Promise<void> => {
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
      const [file, expected] = next;
      const run = await evtxexport(join(sim.dir, file));
      assert.equal(run.status, 0, `${file}: ${run.stderr}`);
      const rendered = (run.stdout.match(/^<Event xmlns=/gm) ?? []).length;
      const closed = (run.stdout.match(/<\/Event>/g) ?? []).length;
      assert.equal(rendered, expected, `${file}: evtxexport renders ${rendered} records, Vigil reads ${expected}`);
      assert.equal(closed, expected, `${file}: every record rendered whole`);
      assert.doesNotMatch(run.stdout, /Unable to export/, file);
    }
  };
  await Promise.all([worker(), worker()]);
});

const PYTHON_READER = `
import sys, json
import Evtx.Evtx as evtx
out = {}
for path in sys.argv[1:]:
    count = 0
    last = None
    with evtx.Evtx(path) as log:
        for chunk in log.chunks():
            for i, record in enumerate(chunk.records()):
                count += 1
                last = record
                if i == 0:
                    xml = record.xml()
                    assert xml.startswith("<Event") and xml.rstrip().endswith("</Event>"), path
        if last is not None:
            assert "</Event>" in last.xml(), path
    out[path] = count
print(json.dumps(out))
`;

test("python-evtx reads every record of every simulated file", {
  skip: python === null ? "python-evtx not installed (apt-get install python3-evtx)" : false,
}, () => {
  const paths = [...vigilCounts.keys()].map((f) => join(sim.dir, f));
  const run = spawnSync(python as string, ["-c", PYTHON_READER, ...paths], { encoding: "utf8", maxBuffer: 1 << 26 });
  assert.equal(run.status, 0, run.stderr);
  const counts = JSON.parse(run.stdout) as Record<string, number>;
  for (const [file, expected] of vigilCounts) {
    assert.equal(
      counts[join(sim.dir, file)],
      expected,
      `${file}: python-evtx reads ${counts[join(sim.dir, file)]}, Vigil ${expected}`,
    );
  }
});
