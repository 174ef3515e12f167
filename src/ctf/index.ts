// Public API of `ttng/ctf`.
export * from './model.js';
export { parseMetadata, TsdlError } from './metadata.js';
export { decodeMetadata, MetadataFileError } from './metadata-file.js';
export { DecodeState, DecodeError } from './decoder.js';
export type { Value, VariantValue } from './decoder.js';
export { openInputs, iterate, messageIterator, Cursor } from './reader.js';
export type { OpenedTraces, Item, DiscardedItem, MessageIterator, ReadOptions } from './reader.js';
export { GrowingTraces } from './follow.js';
export type { StreamSet } from './muxer.js';
export { CtfTrace, Stream, TraceError } from './trace.js';
export type { PacketSource, SourcePacket, PacketEntry, StreamFile } from './trace.js';
export { openTrace, findTraceDirs } from './discover.js';
export { PrettyPrinter, defaultPrettyOptions } from './pretty.js';
export type { PrettyOptions } from './pretty.js';
export { eventJson } from './json.js';
export { CtfWriter, StreamWriter, BitWriter, lttngStreamClass, lttngEventHeader, lttngPacketContext, lttngPacketHeader } from './writer.js';
export type { WriterOptions, PacketInfo, StreamClassSpec } from './writer.js';
export { generateTsdl } from './tsdl-writer.js';
