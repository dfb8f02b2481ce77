#!/usr/bin/env node
/** The `vigil` command line: a thin layer over the library; each command lives in its own file. */
import { readFileSync } from "node:fs";
import { Command, CommanderError } from "commander";
import { sanitizeForTerminal } from "../output/terminal.js";
import { registerDump } from "./dump.js";
import { registerEval } from "./eval.js";
import { registerHunt } from "./hunt.js";
import { registerRules } from "./rules.js";
import { registerSimulate } from "./simulate.js";

const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };

const program = new Command()
  .name("vigil")
  .description("Threat hunting in Windows event logs for critical-infrastructure defenders")
  .version(pkg.version);
// Usage errors exit 2 (commander's own code is 1, which vigil keeps for damaged input); help and version exit 0.
// Set before the commands are added: subcommands copy it when created.
program.exitOverride();
registerHunt(program);
registerDump(program);
registerRules(program);
registerSimulate(program);
registerEval(program);

// Standard output that fails (a reader that stopped early, a full disk) emits an error that nothing awaits when a
// summary is written at the end: without a listener that ended the process with a stack trace. The first such error
// is kept and, unless a command reported it already, named once at exit.
let stdoutError: NodeJS.ErrnoException | null = null;
let reported: unknown = null;
process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  stdoutError ??= e;
});
process.on("exit", () => {
  // A reader that stopped reading (`vigil hunt … | head`): their choice, nothing to report.
  if (stdoutError === null || stdoutError === reported || stdoutError.code === "EPIPE") return;
  process.stderr.write(`vigil: standard output: ${sanitizeForTerminal(stdoutError.message)}\n`);
  process.exitCode = 2;
});

try {
  await program.parseAsync(process.argv);
} catch (e) {
  reported = e;
  if (e instanceof CommanderError) {
    process.exitCode = e.exitCode === 0 ? 0 : 2;
  } else if ((e as NodeJS.ErrnoException).code === "EPIPE") {
    process.exitCode = 0;
  } else {
    // A failure no command reported itself: a line and exit code 2 (fatal), not a stack trace and exit code 1, which
    // vigil keeps for damaged input.
    process.stderr.write(`vigil: ${sanitizeForTerminal(e instanceof Error ? e.message : String(e))}\n`);
    process.exitCode = 2;
  }
}
