/** Vigil's library API. */

export { type Evaluation, evaluate } from "./eval/evaluate.js";
export { type GroundTruth, readGroundTruth } from "./eval/ground-truth.js";
export type { EventOrigin, HuntEvent } from "./events/event.js";
export { fieldsFromJsonEvent, type JsonEventShape, jsonEventShape } from "./events/json-event.js";
export * from "./evtx/index.js";
export { type Detection, LEVELS, type Level } from "./hunt/detection.js";
export type { FileEnd, FileTally } from "./hunt/file-tally.js";
export { FILES_LISTED, type HuntOptions, type HuntResult, hunt } from "./hunt/hunt.js";
export { buildScope, IncidentBuilder, readAssets, ScopeCollector, type ScopeReport } from "./scope/index.js";
export { loadRules } from "./sigma/load.js";
export { type SimulationOptions, simulate } from "./simulate/index.js";
export * from "./sources/index.js";
