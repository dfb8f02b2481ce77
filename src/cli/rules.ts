/** `vigil rules check`: load Sigma rules and report which cannot be used, and why. */
import type { Command } from "commander";
import { sanitizeForTerminal } from "../output/terminal.js";
import { checkRules, readPlaceholders } from "../sigma/check.js";
import { loadRules } from "../sigma/load.js";

interface CheckOptions {
  json: boolean;
  placeholders?: string;
}

export function registerRules(program: Command): void {
  const rules = program.command("rules").description("Work with Sigma rules");
  rules
    .command("check")
    .description("Load Sigma rules (files or folders, recursively) and report invalid and unsupported ones")
    .argument("<paths...>", "rule files (.yml, .yaml) or folders")
    .option("--json", "print the result as JSON", false)
    .option(
      "--placeholders <file>",
      "values of the expand modifier's %placeholders% (YAML: name: [values]); rules with unresolved ones are reported",
    )
    .action(async (paths: string[], options: CheckOptions) => {
      process.exitCode = await check(paths, options);
    });
}

async function check(paths: string[], options: CheckOptions): Promise<number> {
  let placeholders: Map<string, string[]> | undefined;
  if (options.placeholders !== undefined) {
    try {
      placeholders = await readPlaceholders(options.placeholders);
    } catch (e) {
      process.stderr.write(`vigil: ${sanitizeForTerminal((e as Error).message)}\n`);
      return 2;
    }
  }
  const loaded = await loadRules(paths);
  const files = loaded.files;
  // Rules that load but cannot run (a regex RE2 rejects, an unresolved placeholder, a correlation naming a rule
  // that is not there) are reported as unsupported and not counted as loaded.
  const cannotRun = checkRules(loaded.rules, placeholders === undefined ? {} : { placeholders });
  const failed = new Set(cannotRun.map((p) => `${p.file}\u0000${p.id ?? p.title}`));
  const rules = loaded.rules.filter((r) => !failed.has(`${r.file}\u0000${r.id ?? r.title}`));
  const problems = [...loaded.problems, ...cannotRun];
  const unsupported = problems.filter((p) => p.severity === "unsupported");
  const invalid = problems.filter((p) => p.severity === "invalid");
  if (options.json) {
    const out = {
      loaded: rules.length,
      unsupported: unsupported.map((p) => ({ file: p.file, id: p.id ?? null, reason: p.reason })),
      invalid: invalid.map((p) => ({ file: p.file, reason: p.reason })),
    };
    process.stdout.write(`${JSON.stringify(out)}\n`);
  } else {
    for (const p of invalid) process.stdout.write(`invalid: ${sanitizeForTerminal(`${p.file}: ${p.reason}`)}\n`);
    for (const p of unsupported) {
      const id = p.id === undefined ? "" : ` (${p.id})`;
      process.stdout.write(`unsupported: ${sanitizeForTerminal(`${p.file}${id}: ${p.reason}`)}\n`);
    }
    process.stdout.write(
      `${files} files: ${rules.length} rules loaded, ${unsupported.length} unsupported, ${invalid.length} invalid\n`,
    );
  }
  return invalid.length > 0 ? 1 : 0;
}
