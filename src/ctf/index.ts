// Public API of `ttng/ctf`.
export * from './model.js';
export { parseMetadata, TsdlError } from './metadata.js';
export { decodeMetadata, MetadataFileError } from './metadata-file.js';
export { DecodeState, DecodeError } from './decoder.js';
export type { Value, VariantValue } from './decoder.js';
export { openInputs, iterate, Cursor } from './reader.js';
export type { OpenedTraces, Item } from './reader.js';
export { CtfTrace, Stream, TraceError, openTrace, findTraceDirs } from './trace.js';
export { PrettyPrinter, defaultPrettyOptions } from './pretty.js';
export type { PrettyOptions } from './pretty.js';
export { eventJson } from './json.js';
export { CtfWriter, StreamWriter, BitWriter, lttngStreamClass, lttngEventHeader, lttngPacketContext, lttngPacketHeader } from './writer.js';
export type { WriterOptions, PacketInfo, StreamClassSpec } from './writer.js';
export { generateTsdl } from './tsdl-writer.js';
