/**
 * EVTX writer: BinXML tokens, substitution values, chunks and files, as Windows lays them out. Backs
 * `vigil simulate` and the parser tests.
 */
export * from "./binxml-builder.js";
export { ByteSink } from "./byte-sink.js";
export * from "./chunk-tables.js";
export * from "./chunk-writer.js";
export * from "./file-writer.js";
export * from "./template.js";
export * from "./values.js";
