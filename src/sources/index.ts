/** The evidence-source layer's public API: everything that yields events. */
export { openEvidence } from "./open.js";
export type * from "./types.js";
export { SKIPPED_RECORD_KINDS } from "./types.js";
