/** Seeds for the fuzzer: corpus files when ../shared is present, and always files built by our own writer. */
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { processCreationFile } from "./fixtures.js";
import { loadSeeds } from "./fuzz-cases.js";

const shared = fileURLToPath(new URL("../../../shared/evtx/", import.meta.url));

/** Files of varied structure: damaged ones, nested BinXML, CAPI2 UserData, WEC, size_t, many chunks. */
const CORPUS_SEEDS = [
  "parser-edge-cases/security.evtx",
  "parser-edge-cases/system.evtx",
  "parser-edge-cases/sample_with_a_bad_chunk_magic.evtx",
  "parser-edge-cases/E_Windows_system32_winevt_logs_Microsoft-Windows-CAPI2%4Operational.evtx",
  "parser-edge-cases/MSExchange_Management_wec.evtx",
  "parser-edge-cases/Security_with_size_t.evtx",
  "parser-edge-cases/Microsoft-Windows-LanguagePackSetup%4Operational.evtx",
  "parser-edge-cases/Microsoft-Windows-HelloForBusiness%4Operational.evtx",
  "parser-edge-cases/issue_201.evtx",
  "parser-edge-cases/new-user-security.evtx",
];

/** A multi-chunk file of process-creation events built in code. */
function builtSeed(records: number): Buffer {
  return Buffer.from(
    processCreationFile(records, (i) => ({
      image: "C:\\Windows\\System32\\cmd.exe",
      commandLine: i % 3 === 0 ? null : `cmd.exe /c whoami /all & echo ${"x".repeat(i % 50)}`,
      computer: `WS${i % 7}.corp.example`,
    })),
  );
}

export function fuzzSeeds(): { seeds: Buffer[]; fromCorpus: boolean } {
  const built = [builtSeed(40), builtSeed(400)];
  if (!existsSync(shared)) return { seeds: built, fromCorpus: false };
  return { seeds: [...built, ...loadSeeds(CORPUS_SEEDS.map((p) => shared + p))], fromCorpus: true };
}
