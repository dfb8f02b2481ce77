/**
 * Scoping: how far an intrusion reached. Wiring into a hunt:
 *
 * - Each worker (and the main thread of a single-threaded hunt) keeps one ScopeCollector and calls
 *   `observe(event)` on every event it reads (inside --from/--to), then posts `facts()` (plain, structured-cloneable
 *   data) once, when it has no more files; facts may also be posted per file, since they merge.
 * - The main thread folds what comes in with `mergeScopeFacts(a, b)` (starting from `emptyScopeFacts()`), feeds
 *   every reported detection, in the time order it reaches the outputs, to one `IncidentBuilder.add(d)` (or, where
 *   the detection was not kept, `addInput` with the digest made where the match was, `eventDigest`), and at the end
 *   calls `buildScope(facts, builder.incidents(), assets?.inventory, options)`: the ScopeReport that
 *   `--scope-out` writes as JSON and `renderScopeSummary(report, { color })` turns into summary lines.
 * - `--assets FILE` is `readAssets(file)`: the inventory and the problems (file, line, reason) to print; it never
 *   throws.
 */
export {
  type Asset,
  AssetIndex,
  type AssetInventory,
  type AssetProblem,
  type AssetReadResult,
  parseAssets,
  readAssets,
  tier0Role,
  ZONES,
  type Zone,
} from "./assets.js";
export { ScopeCollector, type ScopeCollectorOptions } from "./collector.js";
export {
  type AccountFact,
  type AddressPairFact,
  type EdgeFact,
  type EdgeMethod,
  type EventRef,
  type ExecutionFact,
  emptyScopeFacts,
  type FailureBucketFact,
  type HostFact,
  type LogonFact,
  mergeScopeFacts,
  type PairEvidence,
  type ScopeFacts,
  ScopeFactsMerger,
  type SessionFact,
  type SidFact,
} from "./facts.js";
export {
  DEFAULT_WINDOW_MS,
  type DetectionDigest,
  type DetectionEntities,
  detectionDigest,
  detectionEntities,
  IncidentBuilder,
  type IncidentEndpoint,
  type IncidentEntity,
  type IncidentEvidence,
  type IncidentInput,
  type IncidentOptions,
  type IncidentSummary,
  incidentInput,
} from "./incidents.js";
export type { SprayOptions } from "./logons.js";
export {
  buildScope,
  type EventSample,
  type EvidenceLine,
  type GraphEdge,
  type GraphNode,
  type LogonSummary,
  type OtCrossing,
  REACHED_NO_DETECTION,
  type ReachEntry,
  type ScopeIncident,
  type ScopeOptions,
  type ScopeReport,
  type Tier0Touch,
  type UnattributedExecutionEntry,
} from "./report.js";
export { renderScopeSummary, type ScopeSummaryOptions } from "./summary.js";
export type { TimeSketch } from "./time-sketch.js";
