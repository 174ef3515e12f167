// Sample messages of both protocols, one of each command and reply, shared by the unit
// tests and the fuzz runner (which must not import test files: they register tests);
// and the unit tests' check of a WireError.
import assert from 'node:assert/strict';
import {
  AttachStatus, IndexStatus, LiveFlag, LttngErr, MetadataStatus, NewStreamsStatus, PacketStatus, Seek,
  WireError, type LiveCommand, type LiveReply, type RelayCommand, type RelayReply, type ViewerStream,
} from '../../src/wire/index.js';

export const UUID = Uint8Array.from({ length: 16 }, (_, i) => i + 1);

/** one of each command, in the 2.11+ forms */
export const COMMANDS_2_13: RelayCommand[] = [
  { cmd: 'VERSION', major: 2, minor: 13 },
  { cmd: 'GET_CONFIGURATION', queryFlags: 0n },
  {
    cmd: 'CREATE_SESSION', sessionName: 'my-session', hostname: 'host-1', liveTimer: 1_000_000, snapshot: false, basePath: 'a/b',
    nameContainsCreationTime: true, sessiondUuid: UUID, sessionId: 7n, creationTime: 1_700_000_000n, currentChunkId: 3n,
  },
  { cmd: 'ADD_STREAM', channelName: 'channel0_0', pathname: 'kernel', tracefileSize: 0n, tracefileCount: 0n, traceChunkId: 3n },
  { cmd: 'START_DATA' },
  { cmd: 'SEND_METADATA', streamId: 3n, paddingSize: 100, data: Buffer.from('/* CTF 1.8 */\n') },
  { cmd: 'CLOSE_STREAM', streamId: 1n, lastNetSeqNum: 0xffff_ffff_ffff_ffffn },
  { cmd: 'DATA_PENDING', streamId: 1n, lastNetSeqNum: 5n },
  { cmd: 'QUIESCENT_CONTROL', streamId: 1n },
  { cmd: 'BEGIN_DATA_PENDING', sessionId: 1n },
  { cmd: 'END_DATA_PENDING', sessionId: 1n },
  {
    cmd: 'SEND_INDEX', relayStreamId: 1n, netSeqNum: 2n, packetSize: 32768n, contentSize: 1000n, timestampBegin: 10n,
    timestampEnd: 20n, eventsDiscarded: 0n, streamId: 0n, streamInstanceId: 1n, packetSeqNum: 2n,
  },
  { cmd: 'STREAMS_SENT' },
  { cmd: 'RESET_METADATA', streamId: 3n, version: 1n },
  { cmd: 'ROTATE_STREAMS', newChunkId: 4n, layout: 'pad7', padding: Uint8Array.of(1, 2, 3, 4, 5, 6, 7), positions: [{ streamId: 1n, rotateAtSeqNum: 9n }] },
  { cmd: 'ROTATE_STREAMS', newChunkId: undefined, layout: 'packed', padding: new Uint8Array(0), positions: [] },
  { cmd: 'ROTATE_STREAMS', newChunkId: 1n, layout: 'pad3', padding: Uint8Array.of(0, 0, 0), positions: [{ streamId: 1n, rotateAtSeqNum: 0n }, { streamId: 2n, rotateAtSeqNum: 1n }] },
  { cmd: 'CREATE_TRACE_CHUNK', chunkId: 4n, creationTimestamp: 1_700_000_100n, overrideName: 'archive-1' },
  { cmd: 'CREATE_TRACE_CHUNK', chunkId: 5n, creationTimestamp: 1_700_000_200n, overrideName: undefined },
  { cmd: 'CLOSE_TRACE_CHUNK', chunkId: 4n, closeTimestamp: 1_700_000_300n, closeCommand: 0 },
  { cmd: 'CLOSE_TRACE_CHUNK', chunkId: 5n, closeTimestamp: 1_700_000_400n, closeCommand: undefined },
  { cmd: 'TRACE_CHUNK_EXISTS', chunkId: 4n },
  { cmd: 'UNKNOWN', id: 4, payload: Buffer.of(1, 2, 3) },
];

/** one of each reply kind, with the command that asks for it */
export const REPLIES_2_13: [RelayCommand, RelayReply][] = [
  [COMMANDS_2_13[0]!, { reply: 'VERSION', major: 2, minor: 13 }],
  [COMMANDS_2_13[1]!, { reply: 'GET_CONFIGURATION', retCode: LttngErr.OK, flags: 1n }],
  [COMMANDS_2_13[2]!, { reply: 'CREATE_SESSION', sessionId: 1n, retCode: LttngErr.OK, outputPath: 'host-1/my-session-20240101-000000' }],
  [COMMANDS_2_13[2]!, { reply: 'CREATE_SESSION', sessionId: 0n, retCode: LttngErr.FATAL }],
  [COMMANDS_2_13[3]!, { reply: 'ADD_STREAM', handle: 1n, retCode: LttngErr.OK }],
  [COMMANDS_2_13[7]!, { reply: 'GENERIC', retCode: 1 }],
  [COMMANDS_2_13[19]!, { reply: 'CLOSE_TRACE_CHUNK', retCode: LttngErr.OK, path: 'host-1/my-session/archives/x-y-4' }],
  [COMMANDS_2_13[20]!, { reply: 'CLOSE_TRACE_CHUNK', retCode: LttngErr.UNK }],
  [COMMANDS_2_13[21]!, { reply: 'TRACE_CHUNK_EXISTS', retCode: LttngErr.OK, exists: true }],
  [COMMANDS_2_13[22]!, { reply: 'GENERIC', retCode: LttngErr.UNK }],
];

export const LIVE_COMMANDS: LiveCommand[] = [
  { cmd: 'CONNECT', viewerSessionId: 0xffff_ffff_ffff_ffffn, major: 2, minor: 4, type: 1 },
  { cmd: 'CREATE_SESSION' },
  { cmd: 'LIST_SESSIONS' },
  { cmd: 'ATTACH_SESSION', sessionId: 1n, offset: 0n, seek: Seek.LAST },
  { cmd: 'GET_NEW_STREAMS', sessionId: 1n },
  { cmd: 'GET_METADATA', streamId: 3n },
  { cmd: 'GET_NEXT_INDEX', streamId: 1n },
  { cmd: 'GET_PACKET', streamId: 1n, offset: 4096n, len: 8 },
  { cmd: 'DETACH_SESSION', sessionId: 1n },
  { cmd: 'UNKNOWN', id: 77, payload: Buffer.of(9) },
];

export const STREAM: ViewerStream = { id: 1n, ctfTraceId: 1n, metadataFlag: 0, pathName: 'host/s-20240101-000000/kernel', channelName: 'channel0_0' };

/** a reply for each of LIST_COMMANDS, in order (2.4 session list) */
export const LIVE_REPLIES: LiveReply[] = [
  { reply: 'CONNECT', viewerSessionId: 1n, major: 2, minor: 13, type: 0 },
  { reply: 'CREATE_SESSION', status: 1 },
  { reply: 'LIST_SESSIONS', sessions: [{ id: 1n, liveTimer: 1_000_000, clients: 0, streams: 3, hostname: 'host', sessionName: 's' }] },
  { reply: 'ATTACH_SESSION', status: AttachStatus.OK, streams: [STREAM, { ...STREAM, id: 2n, metadataFlag: 1, channelName: 'metadata' }] },
  { reply: 'GET_NEW_STREAMS', status: NewStreamsStatus.NO_NEW, streams: [], streamsCount: 0 },
  { reply: 'GET_METADATA', status: MetadataStatus.OK, data: Buffer.from('/* CTF 1.8 */') },
  {
    reply: 'GET_NEXT_INDEX', offset: 4096n, packetSize: 32768n, contentSize: 1000n, timestampBegin: 1n, timestampEnd: 2n,
    eventsDiscarded: 0n, streamId: 0n, status: IndexStatus.OK, flags: LiveFlag.NEW_METADATA | LiveFlag.NEW_STREAM,
  },
  { reply: 'GET_PACKET', status: PacketStatus.OK, flags: 0, data: Buffer.of(1, 2, 3, 4, 5, 6, 7, 8) },
  { reply: 'DETACH_SESSION', status: 1 },
  { reply: 'UNKNOWN', retCode: 11 },
];

/** runs fn, which must throw a WireError naming this field (and this command, when given) */
export function wireError(fn: () => unknown, field: RegExp | string, command?: string): WireError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof WireError, `expected a WireError, got ${String(caught)}`);
  if (typeof field === 'string') assert.equal(caught.field, field, caught.message);
  else assert.match(caught.field, field, caught.message);
  if (command !== undefined) assert.equal(caught.command, command);
  return caught;
}
