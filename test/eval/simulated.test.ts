/**
 * Acceptance on the simulated intrusion (issues 5 and 6), on the default seed and three others: the built-in pack
 * detects every intrusion step with at most 1 false positive per 100,000 benign events at the default minimum
 * level, and scoping names exactly the compromised hosts and accounts, lists the movement in time order and flags
 * the crossing toward OT. Self-contained: the evidence is simulated here.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { evaluate } from "../../src/eval/evaluate.js";
import { simulate } from "../../src/simulate/index.js";

describe("the simulated intrusion, hunted with the built-in pack", () => {
  for (const seed of [1, 2, 3, 4]) {
    test(`seed ${seed}: every step detected, false positives within budget, scope exact`, async () => {
      const dir = join(mkdtempSync(join(tmpdir(), "vigil-eval-")), "sim");
      try {
        await simulate({ outDir: dir, seed });
        const { score, scope } = await evaluate(dir, {
          rules: { paths: [], builtin: true, placeholders: [] },
          minLevel: "informational",
          threads: 2,
        });
        const missed = score.steps.filter((s) => !s.detected).map((s) => s.id);
        assert.deepEqual(missed, [], `seed ${seed}: steps missed`);
        assert.ok(score.benignEvents > 100_000, `seed ${seed}: ${score.benignEvents} benign events`);
        assert.ok(
          score.falsePositivesPer100k <= 1,
          `seed ${seed}: ${score.falsePositives} false positives (${score.falsePositiveRules
            .map((r) => `${r.title} x${r.count}`)
            .join("; ")})`,
        );
        assert.deepEqual(
          [scope.hosts.precision, scope.hosts.recall, scope.accounts.precision, scope.accounts.recall],
          [1, 1, 1, 1],
          `seed ${seed}: hosts ${scope.hosts.found.join(", ")}; accounts ${scope.accounts.found.join(", ")}`,
        );
        assert.ok(scope.otCrossingFlagged, `seed ${seed}: crossing toward OT`);
        assert.ok(scope.edgesInTimeOrder, `seed ${seed}: edges in time order`);
      } finally {
        rmSync(join(dir, ".."), { recursive: true, force: true });
      }
    });
  }
});
