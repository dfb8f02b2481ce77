/** The EVTX reader's public API. */
export { formatDamage } from "./damage.js";
export { closeWorkerPools, defaultThreads } from "./parallel/pool.js";
export { type BufferReadResult, type EvtxFileReader, readEvtxBuffer, readEvtxFile } from "./reader.js";
export { stringifyJson } from "./render/json.js";
export { renderRecord, type TextFormat } from "./render/text.js";
export type * from "./types.js";
export { type RenderFileOptions, renderEvtxFile } from "./render-file.js";
