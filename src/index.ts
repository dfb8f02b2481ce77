/** Vigil's library API. */
export * from "./evtx/index.js";
