/** A hunt summary with a bit of everything, hostile names included. */
import type { HuntSummary } from "../../src/output/summary.js";

export const HOSTILE_COMPUTER = "EVIL\u001b[2J\u001b[31mPC\u202egnp.exe";

export function sampleSummary(overrides: Partial<HuntSummary> = {}): HuntSummary {
  return {
    filesRead: 12,
    filesDamaged: 1,
    filesUnreadable: 2,
    eventsRead: 1_234_567,
    eventsRecovered: 12,
    recordsSkipped: 3,
    bytes: 456_700_000,
    elapsedSeconds: 12.3,
    firstEvent: Date.UTC(2019, 2, 19, 23, 34, 25, 894),
    lastEvent: Date.UTC(2019, 2, 20, 1, 0, 0, 0),
    detectionsByLevel: { critical: 3, high: 12, medium: 100, low: 0, informational: 5 },
    rules: [
      { title: "Whoami Execution", level: "medium", count: 90 },
      { title: "Mimikatz Use", level: "critical", count: 3 },
      { title: "PsExec Service Installation", level: "high", count: 12 },
      { title: `Very Long Rule Title ${"x".repeat(150)}`, level: "medium", count: 10 },
      { title: "Log Cleared\u001b]0;pwned\u0007", level: "informational", count: 5 },
    ],
    computers: new Map([
      ["WS01.corp.example", 80],
      ["DC01.corp.example", 35],
      [HOSTILE_COMPUTER, 5],
    ]),
    tactics: new Map([
      ["attack.impact", 1],
      ["attack.execution", 90],
      ["attack.defense-evasion", 4],
      ["attack.stealth", 2],
      ["attack.credential_access", 3],
      ["attack.reconnaissance", 1],
    ]),
    problemCount: 7,
    problems: [
      { file: "/evidence/broken.evtx", offset: 0x11000, reason: "chunk 3: bad chunk header CRC" },
      { file: "/evidence/logs.zip", member: "a/b.json", offset: 120, reason: "bad JSON: Unexpected token" },
      { file: `/evidence/${"deep/".repeat(40)}file.evtx`, offset: null, reason: "not an event log\u001b[0m" },
    ],
    correlationWarnings: [
      "Correlation 'Password Spray' reached its cap of 10,000 open groups: the least recently matched groups were closed early, so alerts may have been missed",
    ],
    ...overrides,
  };
}
