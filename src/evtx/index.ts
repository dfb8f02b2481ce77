/** The EVTX reader's public API. */
export { formatDamage } from "./damage.js";
export type { RenderedItem } from "./parallel/pool.js";
export { closeWorkerPools, defaultThreads } from "./parallel/pool.js";
export { ReadBuffers } from "./read-buffers.js";
export { type BufferReadResult, type EvtxFileReader, readEvtxBuffer, readEvtxFile } from "./reader.js";
export { stringifyJson } from "./render/json.js";
export { renderRecord, type TextFormat } from "./render/text.js";
export { type RenderOptions, renderEvtxFiles } from "./render-file.js";
export type * from "./types.js";
