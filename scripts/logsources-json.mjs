/**
 * `npm run data`: writes src/sigma/data/logsources.json from logsources.yml. The YAML, with its comments, is the
 * mapping's source; hunts read the JSON, so that starting one needs no YAML parser (about 70 ms of every start, in
 * the main thread and in every worker). A test fails when the two disagree.
 */
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";

const yml = new URL("../src/sigma/data/logsources.yml", import.meta.url);
const json = new URL("../src/sigma/data/logsources.json", import.meta.url);
writeFileSync(json, `${JSON.stringify(parse(readFileSync(yml, "utf8")), null, 2)}\n`);
// In the project's format, so that `biome check` passes on the written file.
const biome = fileURLToPath(new URL("../node_modules/.bin/biome", import.meta.url));
execFileSync(biome, ["format", "--write", fileURLToPath(json)], { stdio: "inherit" });
