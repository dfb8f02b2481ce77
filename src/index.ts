/** Vigil's library API. */
export type { EventOrigin, HuntEvent } from "./events/event.js";
export { fieldsFromJsonEvent, type JsonEventShape, jsonEventShape } from "./events/json-event.js";
export * from "./evtx/index.js";
export * from "./sources/index.js";
