// The live viewer protocol (relayd ⇄ viewer, port 5344) as typed messages: LTTng's
// lttng-viewer-abi.h, packed and big-endian. u64 fields are bigints, u32 fields numbers.

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

export const LiveSizes = {
  PATH_MAX: 4096,
  NAME_MAX: 255,
  HOST_NAME_MAX: 64,
  HEADER: 16,
  /** `lttng_viewer_session_2_4` */
  SESSION_2_4: 339,
  /** fixed part of `lttng_viewer_session_2_15` */
  SESSION_2_15: 32,
  /** `lttng_viewer_stream` */
  STREAM: 4371,
  /** `lttng_viewer_index` */
  INDEX: 64,
} as const;

/** `lttng_viewer_cmd` (16 B) without data_size, which the encoder computes */
export interface LiveCommandHeader {
  cmdVersion: number;
}

export interface ConnectMsg {
  cmd: 'CONNECT';
  /** all ones from a new viewer; the relay's reply carries the id it assigned */
  viewerSessionId: bigint;
  major: number;
  minor: number;
  /** ConnectionType */
  type: number;
}
export interface ListSessionsMsg {
  cmd: 'LIST_SESSIONS';
}
export interface AttachSessionMsg {
  cmd: 'ATTACH_SESSION';
  sessionId: bigint;
  /** unused by LTTng */
  offset: bigint;
  /** Seek */
  seek: number;
}
export interface GetNextIndexMsg {
  cmd: 'GET_NEXT_INDEX';
  streamId: bigint;
}
export interface GetPacketMsg {
  cmd: 'GET_PACKET';
  streamId: bigint;
  /** byte offset in the stream file */
  offset: bigint;
  len: number;
}
export interface GetMetadataMsg {
  cmd: 'GET_METADATA';
  streamId: bigint;
}
export interface GetNewStreamsMsg {
  cmd: 'GET_NEW_STREAMS';
  sessionId: bigint;
}
export interface CreateViewerSessionMsg {
  cmd: 'CREATE_SESSION';
}
export interface DetachSessionMsg {
  cmd: 'DETACH_SESSION';
  sessionId: bigint;
}
/** A command id the relay does not know: answered with a 4-byte LTTNG_ERR_UNK. */
export interface UnknownLiveMsg {
  cmd: 'UNKNOWN';
  id: number;
  payload: Uint8Array;
}

export type LiveCommand =
  | ConnectMsg
  | ListSessionsMsg
  | AttachSessionMsg
  | GetNextIndexMsg
  | GetPacketMsg
  | GetMetadataMsg
  | GetNewStreamsMsg
  | CreateViewerSessionMsg
  | DetachSessionMsg
  | UnknownLiveMsg;

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
export interface ViewerStream {
  /** viewer stream id: the handle of GET_NEXT_INDEX / GET_PACKET / GET_METADATA */
  id: bigint;
  /** streams of one CTF trace share it */
  ctfTraceId: bigint;
  /** 1 for the metadata stream */
  metadataFlag: number;
  /** trace path relative to the session */
  pathName: string;
  channelName: string;
}

export interface ConnectReply {
  reply: 'CONNECT';
  viewerSessionId: bigint;
  major: number;
  minor: number;
  type: number;
}
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
/** `lttng_viewer_index` (64 B). INACTIVE: only timestampEnd and streamId mean something. */
export interface NextIndexReply {
  reply: 'GET_NEXT_INDEX';
  offset: bigint;
  /** bits */
  packetSize: bigint;
  /** bits */
  contentSize: bigint;
  timestampBegin: bigint;
  timestampEnd: bigint;
  eventsDiscarded: bigint;
  /** CTF stream class id */
  streamId: bigint;
  /** IndexStatus */
  status: number;
  /** LiveFlag bits */
  flags: number;
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
export interface StatusReply {
  reply: 'CREATE_SESSION' | 'DETACH_SESSION';
  status: number;
}
/** the relay's answer to an unknown command: a u32 LTTNG_ERR_UNK */
export interface UnknownReply {
  reply: 'UNKNOWN';
  retCode: number;
}

export type LiveReply = ConnectReply | ListSessionsReply | StreamsReply | NextIndexReply | PacketReply | MetadataReply | StatusReply | UnknownReply;
