// src/output: the one trace-output layer (see README.md).
export * from './ctf-index.js';
export * from './ring.js';
export * from './trim.js';
export type { StreamOptions, StreamOutput, TraceOutput } from './sink.js';
export { nodeFs } from './fs.js';
export type { OutputFs } from './fs.js';
export { LocalStreamOutput, LocalTraceOutput, localStream, treeBytes } from './local.js';
export type { LocalOutputOptions } from './local.js';
export { archiveChunk, chunkExists, deleteChunk } from './chunk.js';
