// The live viewer protocol (relayd ⇄ viewer, port 5344) as typed messages: LTTng's
// lttng-viewer-abi.h, packed and big-endian. u64 fields are bigints, u32 fields numbers.
// Every request and most replies are one fixed struct, described once (struct.ts), their
// types derived from that description.
import type { UnknownCommand } from './stream.js';
import { COMMAND_HEADER_FIELDS, LTTNG_HOST_NAME_MAX, LTTNG_NAME_MAX, LTTNG_PATH_MAX, PACKET_INDEX_FIELDS, type StructOf } from './struct.js';

/** `enum lttng_viewer_command` */
export const LiveCmd = {
  CONNECT: 1,
  LIST_SESSIONS: 2,
  ATTACH_SESSION: 3,
  GET_NEXT_INDEX: 4,
  GET_PACKET: 5,
  GET_METADATA: 6,
  GET_NEW_STREAMS: 7,
  CREATE_SESSION: 8,
  DETACH_SESSION: 9,
} as const;
export type LiveCmdName = keyof typeof LiveCmd;

/** Flags of GET_NEXT_INDEX and GET_PACKET replies */
export const LiveFlag = { NEW_METADATA: 1, NEW_STREAM: 2 } as const;

export const ConnectionType = { COMMAND: 1, NOTIFICATION: 2 } as const;
export const Seek = { BEGINNING: 1, LAST: 2 } as const;
export const AttachStatus = { OK: 1, ALREADY: 2, UNK: 3, NOT_LIVE: 4, SEEK_ERR: 5, NO_SESSION: 6 } as const;
export const IndexStatus = { OK: 1, RETRY: 2, HUP: 3, ERR: 4, INACTIVE: 5, EOF: 6 } as const;
export const PacketStatus = { OK: 1, RETRY: 2, ERR: 3, EOF: 4 } as const;
export const MetadataStatus = { OK: 1, NO_NEW: 2, ERR: 3 } as const;
export const NewStreamsStatus = { OK: 1, NO_NEW: 2, ERR: 3, HUP: 4 } as const;
export const CreateSessionStatus = { OK: 1, ERR: 2 } as const;
export const DetachStatus = { OK: 1, UNK: 2, ERR: 3 } as const;
/** 2.15 session list: `enum lttng_live_trace_format` */
export const LiveTraceFormat = { CTF_1_8: 0, CTF_2: 1 } as const;

/** The version this implementation speaks by default: babeltrace2 2.0 asks 2.4, the 2.15 relay answers 2.15. */
export const LIVE_MAJOR = 2;
export const LIVE_MINOR = 4;
/** From this negotiated minor on, LIST_SESSIONS entries use the 2.15 form. */
export const LIVE_MINOR_SESSION_LIST_2_15 = 15;

/** `lttng_viewer_cmd` (16 B) */
export const LIVE_HEADER = COMMAND_HEADER_FIELDS;

/** the header field a frame keeps (the others are implied by its command) */
export type LiveCommandHeader = Pick<StructOf<typeof LIVE_HEADER>, 'cmdVersion'>;

/** `lttng_viewer_connect`: a request, and the relay's reply */
const CONNECT = {
  /** all ones from a new viewer; the relay's reply carries the id it assigned */
  viewerSessionId: ['viewer_session_id', 'u64'],
  major: ['major', 'u32'],
  minor: ['minor', 'u32'],
  /** ConnectionType (0 in LTTng 2.13's reply) */
  type: ['type', 'u32'],
} as const;

/** The request struct of each viewer command. */
export const LIVE_REQUESTS = {
  CONNECT,
  LIST_SESSIONS: {},
  /** offset is unused by LTTng; seek is Seek */
  ATTACH_SESSION: { sessionId: ['session_id', 'u64'], offset: ['offset', 'u64'], seek: ['seek', 'u32'] },
  GET_NEXT_INDEX: { streamId: ['stream_id', 'u64'] },
  /** offset: bytes into the stream file */
  GET_PACKET: { streamId: ['stream_id', 'u64'], offset: ['offset', 'u64'], len: ['len', 'u32'] },
  GET_METADATA: { streamId: ['stream_id', 'u64'] },
  GET_NEW_STREAMS: { sessionId: ['session_id', 'u64'] },
  CREATE_SESSION: {},
  DETACH_SESSION: { sessionId: ['session_id', 'u64'] },
} as const;
export type LiveRequestCmd = keyof typeof LIVE_REQUESTS;
type Request<K extends LiveRequestCmd> = { cmd: K } & StructOf<(typeof LIVE_REQUESTS)[K]>;

/** Every viewer command: one fixed request struct each, or an id the relay does not know. */
export type LiveCommand = { [K in LiveRequestCmd]: Request<K> }[LiveRequestCmd] | UnknownCommand;
/** the command named K, e.g. `LiveMsg<'GET_PACKET'>` */
export type LiveMsg<K extends LiveCommand['cmd']> = Extract<LiveCommand, { cmd: K }>;

export interface LiveCommandFrame extends LiveCommandHeader {
  command: LiveCommand;
  /** stream offset of the frame's first header byte */
  offset: number;
  size: number;
}

/** One LIST_SESSIONS entry (2.4: fixed char arrays; 2.15: lengths, no NUL, and the trace format). */
export interface ViewerSession {
  id: bigint;
  /** µs */
  liveTimer: number;
  /** viewers attached (0 or 1) */
  clients: number;
  streams: number;
  hostname: string;
  sessionName: string;
  /** 2.15 form only (LiveTraceFormat) */
  traceFormat?: number | undefined;
}

/** `lttng_viewer_stream` (4371 B) */
export const VIEWER_STREAM = {
  /** viewer stream id: the handle of GET_NEXT_INDEX / GET_PACKET / GET_METADATA */
  id: ['id', 'u64'],
  /** streams of one CTF trace share it */
  ctfTraceId: ['ctf_trace_id', 'u64'],
  /** 1 for the metadata stream */
  metadataFlag: ['metadata_flag', 'u32'],
  /** trace path relative to the session */
  pathName: ['path_name', { chars: LTTNG_PATH_MAX }],
  channelName: ['channel_name', { chars: LTTNG_NAME_MAX }],
} as const;
export type ViewerStream = StructOf<typeof VIEWER_STREAM>;

/** `lttng_viewer_session_common`, the head of both session-list entry forms */
export const VIEWER_SESSION_COMMON = {
  id: ['id', 'u64'],
  /** µs */
  liveTimer: ['live_timer', 'u32'],
  /** viewers attached (0 or 1) */
  clients: ['clients', 'u32'],
  streams: ['streams', 'u32'],
} as const;
/** `lttng_viewer_session_2_4` (339 B) */
export const VIEWER_SESSION_2_4 = {
  ...VIEWER_SESSION_COMMON,
  hostname: ['hostname', { chars: LTTNG_HOST_NAME_MAX }],
  sessionName: ['session_name', { chars: LTTNG_NAME_MAX }],
} as const;
/** the fixed part of `lttng_viewer_session_2_15` (32 B); the two strings follow, no NUL */
export const VIEWER_SESSION_2_15 = {
  ...VIEWER_SESSION_COMMON,
  hostnameLen: ['hostname_len', 'u32'],
  sessionNameLen: ['session_name_len', 'u32'],
  /** LiveTraceFormat */
  traceFormat: ['trace_format', 'u32'],
} as const;

/** The replies that are one fixed struct. */
export const LIVE_FIXED_REPLIES = {
  CONNECT,
  /** `lttng_viewer_index` (64 B). INACTIVE: only timestamp_end and stream_id mean something. */
  GET_NEXT_INDEX: {
    /** bytes into the stream file */
    offset: ['offset', 'u64'],
    ...PACKET_INDEX_FIELDS,
    /** IndexStatus */
    status: ['status', 'u32'],
    /** LiveFlag bits */
    flags: ['flags', 'u32'],
  },
  CREATE_SESSION: { status: ['status', 'u32'] },
  DETACH_SESSION: { status: ['status', 'u32'] },
  /** the relay's answer to an unknown command: LTTNG_ERR_UNK */
  UNKNOWN: { retCode: ['ret_code', 'u32'] },
} as const;
export type LiveFixedReply = keyof typeof LIVE_FIXED_REPLIES;
type FixedReply<K extends LiveFixedReply> = { reply: K } & StructOf<(typeof LIVE_FIXED_REPLIES)[K]>;

export interface ListSessionsReply {
  reply: 'LIST_SESSIONS';
  sessions: ViewerSession[];
}
/** ATTACH_SESSION and GET_NEW_STREAMS: status, count, then the streams when the status is OK */
export interface StreamsReply {
  reply: 'ATTACH_SESSION' | 'GET_NEW_STREAMS';
  status: number;
  streams: ViewerStream[];
  /** streams_count of a non-OK reply (nothing follows it); default 0 */
  streamsCount?: number | undefined;
}
/** `lttng_viewer_trace_packet`: the data follows only when the status is OK */
export interface PacketReply {
  reply: 'GET_PACKET';
  status: number;
  flags: number;
  data: Uint8Array;
  /** len of a non-OK reply (no data follows); default 0 */
  len?: number | undefined;
}
/** `lttng_viewer_metadata_packet`: the data follows only when the status is OK */
export interface MetadataReply {
  reply: 'GET_METADATA';
  status: number;
  data: Uint8Array;
  /** len of a non-OK reply (no data follows); default 0n */
  len?: bigint | undefined;
}

/** Every relay reply: the fixed structs and those with a variable tail. */
export type LiveReply = { [K in LiveFixedReply]: FixedReply<K> }[LiveFixedReply] | ListSessionsReply | StreamsReply | PacketReply | MetadataReply;
/** the reply named K, e.g. `LiveReplyOf<'GET_NEXT_INDEX'>` */
export type LiveReplyOf<K extends LiveReply['reply']> = Extract<LiveReply, { reply: K }>;
