/**
 * `vigil hunt --html FILE --navigator FILE`: a DetectionWriter that gathers the hunt's detections for the report
 * as they stream by (bounded: see collect.ts) and, once the hunt is over and its summary and scope are known,
 * writes the self-contained HTML report and the ATT&CK Navigator layer.
 *
 * The files are created when the writer is, so a bad path fails before any evidence is read; `close` (called when
 * the detections end, also after a failed hunt) writes nothing, `finish` writes both.
 */
import { open } from "node:fs/promises";
import type { Detection } from "../hunt/detection.js";
import type { HuntResult } from "../hunt/hunt.js";
import type { DetectionWriter } from "../output/detection-writer.js";
import { writeWholeFile } from "../output/file-sink.js";
import type { RulesLoaded } from "../output/summary.js";
import { type AppBundle, appBundle } from "./bundle.js";
import { type CollectOptions, ReportCollector, type ReportInput } from "./collect.js";
import type { ReportData } from "./data.js";
import { navigatorLayer } from "./navigator.js";
import { reportHtml } from "./page.js";

export interface ReportWriterOptions extends CollectOptions {
  /** Where to write the ATT&CK Navigator layer. */
  readonly navigator?: string;
}

export interface ReportWriter extends DetectionWriter {
  /** Writes the report (and the layer) and returns the report's data. */
  finish(input: ReportInput): Promise<ReportData>;
}

/** A writer for the HTML report at `path` (null: only the Navigator layer of `options.navigator`). */
export async function createHtmlReportWriter(
  path: string | null,
  options: ReportWriterOptions = {},
): Promise<ReportWriter> {
  const navigatorPath = options.navigator ?? null;
  for (const p of [path, navigatorPath]) if (p !== null) await (await open(p, "w")).close();
  // Bundling (when run from the sources) takes a moment: start it now, while the hunt runs.
  const app: Promise<AppBundle> | null = path === null ? null : appBundle();
  app?.catch(() => {});
  const collector = new ReportCollector(options);
  let rows = 0;
  return {
    async write(detection: Detection): Promise<void> {
      collector.add(detection);
      rows++;
    },
    async close(): Promise<void> {},
    get rows() {
      return rows;
    },
    async finish(input: ReportInput): Promise<ReportData> {
      const data = collector.data(input);
      if (path !== null && app !== null) await writeWholeFile(path, reportHtml(data, await app));
      if (navigatorPath !== null) {
        const layer = navigatorLayer(data.rules, { name: input.title ?? "Vigil hunt" });
        await writeWholeFile(navigatorPath, `${JSON.stringify(layer, null, 2)}\n`);
      }
      return data;
    },
  };
}

/** The figures of the rules a hunt ran with, for the summary. */
export function rulesLoadedOf(result: HuntResult): RulesLoaded {
  const { rules } = result;
  return {
    detection: rules.detections.length,
    correlation: rules.correlations.length,
    filter: rules.filters.length,
    files: rules.files,
    unusable: result.ruleProblems.length,
  };
}
