#!/usr/bin/env node
/** The `vigil` command line: a thin layer over the library; each command lives in its own file. */
import { readFileSync } from "node:fs";
import { Command } from "commander";
import { registerDump } from "./dump.js";
import { registerRules } from "./rules.js";

const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };

const program = new Command()
  .name("vigil")
  .description("Threat hunting in Windows event logs for critical-infrastructure defenders")
  .version(pkg.version);
registerDump(program);
registerRules(program);

await program.parseAsync(process.argv);
