// The sessiond/consumerd → relayd protocol (control port 5342, data port 5343) as typed
// messages: LTTng's `lttcomm_relayd_*` structs (src/common/sessiond-comm/relayd.h), all
// packed and big-endian. u64 fields are bigints, u32 fields numbers.

/** `enum lttcomm_relayd_command` */
export const RelayCmd = {
  ADD_STREAM: 1,
  CREATE_SESSION: 2,
  START_DATA: 3,
  UPDATE_SYNC_INFO: 4,
  VERSION: 5,
  SEND_METADATA: 6,
  CLOSE_STREAM: 7,
  DATA_PENDING: 8,
  QUIESCENT_CONTROL: 9,
  BEGIN_DATA_PENDING: 10,
  END_DATA_PENDING: 11,
  ADD_INDEX: 12,
  SEND_INDEX: 13,
  CLOSE_INDEX: 14,
  LIST_SESSIONS: 15,
  STREAMS_SENT: 16,
  RESET_METADATA: 17,
  ROTATE_STREAMS: 18,
  CREATE_TRACE_CHUNK: 19,
  CLOSE_TRACE_CHUNK: 20,
  TRACE_CHUNK_EXISTS: 21,
  GET_CONFIGURATION: 22,
} as const;
export type RelayCmdName = keyof typeof RelayCmd;

/** LTTng error codes the relay answers with (include/lttng/lttng-error.h) */
export const LttngErr = {
  OK: 10,
  UNK: 11,
  FATAL: 25,
  NOMEM: 26,
  INVALID: 97,
  INVALID_PROTOCOL: 152,
  FILE_CREATION_ERROR: 153,
} as const;

/** `enum lttng_trace_chunk_command_type` (CLOSE_TRACE_CHUNK's close_command) */
export const TraceChunkCommand = { MOVE_TO_COMPLETED: 0, NO_OPERATION: 1, DELETE: 2 } as const;

/** GET_CONFIGURATION reply flag: the relay allows `lttng clear` */
export const RELAYD_CONFIGURATION_FLAG_CLEAR_ALLOWED = 1n;

/** The protocol version this implementation speaks by default (Debian's lttng 2.13). */
export const RELAYD_MAJOR = 2;
export const RELAYD_MINOR = 13;
/** Oldest negotiated minor whose structs the codecs know (2.4: live; 2.1–2.3 are not spoken). */
export const RELAYD_MIN_MINOR = 4;

/** Field sizes of the fixed-size forms and the bounds of the variable ones. */
export const RelaydSizes = {
  HOST_NAME_MAX_2_4: 64,
  NAME_MAX_2_4: 255,
  PATH_MAX: 4096,
  STREAM_NAME_LEN: 264,
  /** LTTNG_NAME_MAX: 2.11 session names and ADD_STREAM path names (NUL included) */
  NAME_MAX: 255,
  /** LTTNG_HOST_NAME_MAX (NUL included) */
  HOST_NAME_MAX: 64,
} as const;

/** `lttcomm_relayd_hdr` (24 B) without data_size, which the encoder computes */
export interface RelayCommandHeader {
  circuitId: bigint;
  cmdVersion: number;
}

export interface VersionMsg {
  cmd: 'VERSION';
  major: number;
  minor: number;
}
export interface GetConfigurationMsg {
  cmd: 'GET_CONFIGURATION';
  queryFlags: bigint;
}
/**
 * CREATE_SESSION: the 2.11 form (negotiated minor >= 11, `lttcomm_relayd_create_session_2_11`,
 * + trace_format from 2.15) or the 2.4 form (4 <= minor < 11: name, hostname, live timer, snapshot).
 */
export interface CreateSessionMsg {
  cmd: 'CREATE_SESSION';
  sessionName: string;
  hostname: string;
  liveTimer: number;
  snapshot: boolean;
  /** 2.11+: undefined = base_path_len 0 (no base path); '' = a lone NUL */
  basePath?: string | undefined;
  /** 2.11+ */
  nameContainsCreationTime?: boolean | undefined;
  /** 2.11+: 16 bytes, never all zero (reserved for pre-2.11 peers) */
  sessiondUuid?: Uint8Array | undefined;
  /** 2.11+: the session's id in the sessiond */
  sessionId?: bigint | undefined;
  /** 2.11+: seconds since the epoch */
  creationTime?: bigint | undefined;
  /** 2.11+: undefined = not set */
  currentChunkId?: bigint | undefined;
  /** 2.15+: 0 = CTF 1.8, 1 = CTF 2 */
  traceFormat?: number | undefined;
}
/** ADD_STREAM: 2.11 form (lengths + names, with the trace chunk id) or the 2.2 fixed form */
export interface AddStreamMsg {
  cmd: 'ADD_STREAM';
  channelName: string;
  pathname: string;
  tracefileSize: bigint;
  tracefileCount: bigint;
  /** 2.11+ */
  traceChunkId?: bigint | undefined;
}
export interface StartDataMsg {
  cmd: 'START_DATA';
}
/** metadata bytes appended to the stream's file, then padding_size zero bytes; no reply */
export interface SendMetadataMsg {
  cmd: 'SEND_METADATA';
  streamId: bigint;
  paddingSize: number;
  data: Uint8Array;
}
export interface CloseStreamMsg {
  cmd: 'CLOSE_STREAM';
  streamId: bigint;
  lastNetSeqNum: bigint;
}
export interface DataPendingMsg {
  cmd: 'DATA_PENDING';
  streamId: bigint;
  lastNetSeqNum: bigint;
}
export interface QuiescentControlMsg {
  cmd: 'QUIESCENT_CONTROL';
  streamId: bigint;
}
export interface BeginDataPendingMsg {
  cmd: 'BEGIN_DATA_PENDING';
  sessionId: bigint;
}
export interface EndDataPendingMsg {
  cmd: 'END_DATA_PENDING';
  sessionId: bigint;
}
/** `lttcomm_relayd_index`: 64 B, or 80 B when the negotiated minor is >= 8. packet_size 0 = live beacon. */
export interface SendIndexMsg {
  cmd: 'SEND_INDEX';
  relayStreamId: bigint;
  netSeqNum: bigint;
  /** bits */
  packetSize: bigint;
  /** bits */
  contentSize: bigint;
  timestampBegin: bigint;
  timestampEnd: bigint;
  eventsDiscarded: bigint;
  /** CTF stream class id */
  streamId: bigint;
  /** minor >= 8 */
  streamInstanceId?: bigint | undefined;
  /** minor >= 8 */
  packetSeqNum?: bigint | undefined;
}
export interface StreamsSentMsg {
  cmd: 'STREAMS_SENT';
}
export interface ResetMetadataMsg {
  cmd: 'RESET_METADATA';
  streamId: bigint;
  version: bigint;
}
export interface RotationPosition {
  streamId: bigint;
  /** first packet sequence number of the new chunk (ignored for metadata streams) */
  rotateAtSeqNum: bigint;
}
/**
 * ROTATE_STREAMS. Its optional new_chunk_id was left unpacked in LTTng's struct, so peers send
 * it packed (9 B), or padded after is_set to 4 (x86) or 8 (x86-64) bytes; the padding bytes
 * are whatever was on the sender's stack, kept here so a frame re-encodes to its bytes.
 */
export interface RotateStreamsMsg {
  cmd: 'ROTATE_STREAMS';
  newChunkId?: bigint | undefined;
  layout: 'packed' | 'pad3' | 'pad7';
  /** 0, 3 or 7 bytes by layout (zeros when omitted) */
  padding?: Uint8Array | undefined;
  positions: RotationPosition[];
}
export interface CreateTraceChunkMsg {
  cmd: 'CREATE_TRACE_CHUNK';
  chunkId: bigint;
  /** seconds since the epoch */
  creationTimestamp: bigint;
  /** undefined = no override (override_name_length 0) */
  overrideName?: string | undefined;
}
export interface CloseTraceChunkMsg {
  cmd: 'CLOSE_TRACE_CHUNK';
  chunkId: bigint;
  /** seconds since the epoch */
  closeTimestamp: bigint;
  /** TraceChunkCommand; undefined = not set */
  closeCommand?: number | undefined;
}
export interface TraceChunkExistsMsg {
  cmd: 'TRACE_CHUNK_EXISTS';
  chunkId: bigint;
}
/** A command id the relay does not implement (UPDATE_SYNC_INFO, ADD_INDEX, …): answered with LTTNG_ERR_UNK. */
export interface UnknownRelayMsg {
  cmd: 'UNKNOWN';
  id: number;
  payload: Uint8Array;
}

export type RelayCommand =
  | VersionMsg
  | GetConfigurationMsg
  | CreateSessionMsg
  | AddStreamMsg
  | StartDataMsg
  | SendMetadataMsg
  | CloseStreamMsg
  | DataPendingMsg
  | QuiescentControlMsg
  | BeginDataPendingMsg
  | EndDataPendingMsg
  | SendIndexMsg
  | StreamsSentMsg
  | ResetMetadataMsg
  | RotateStreamsMsg
  | CreateTraceChunkMsg
  | CloseTraceChunkMsg
  | TraceChunkExistsMsg
  | UnknownRelayMsg;

/** A decoded control frame: the command, its header fields and where it started in the stream. */
export interface RelayControlFrame extends RelayCommandHeader {
  command: RelayCommand;
  /** stream offset of the frame's first header byte */
  offset: number;
  /** header + payload bytes */
  size: number;
}

// ---- replies (no header: the reader knows which command it is waiting for) ----

/** `lttcomm_relayd_generic_reply`: an LTTng error code, or 0/1 for DATA_PENDING/END_DATA_PENDING */
export interface GenericReply {
  reply: 'GENERIC';
  retCode: number;
}
export interface VersionReply {
  reply: 'VERSION';
  major: number;
  minor: number;
}
/** 2.11: `create_session_reply_2_11`; before: `status_session` (no path) */
export interface CreateSessionReply {
  reply: 'CREATE_SESSION';
  sessionId: bigint;
  retCode: number;
  /** 2.11+: the session's output path relative to the relay's output (undefined = length 0) */
  outputPath?: string | undefined;
}
/** `lttcomm_relayd_status_stream` */
export interface AddStreamReply {
  reply: 'ADD_STREAM';
  handle: bigint;
  retCode: number;
}
export interface CloseTraceChunkReply {
  reply: 'CLOSE_TRACE_CHUNK';
  retCode: number;
  /** path of the closed chunk (undefined = length 0, as on errors) */
  path?: string | undefined;
}
export interface TraceChunkExistsReply {
  reply: 'TRACE_CHUNK_EXISTS';
  retCode: number;
  exists: boolean;
}
export interface GetConfigurationReply {
  reply: 'GET_CONFIGURATION';
  retCode: number;
  flags: bigint;
}

export type RelayReply =
  | GenericReply
  | VersionReply
  | CreateSessionReply
  | AddStreamReply
  | CloseTraceChunkReply
  | TraceChunkExistsReply
  | GetConfigurationReply;

/** `lttcomm_relayd_data_hdr` (32 B); padding_size zero bytes follow the payload on disk but are not sent */
export interface RelayDataHeader {
  circuitId: bigint;
  /** the relay's stream handle (ADD_STREAM reply) */
  streamId: bigint;
  netSeqNum: bigint;
  dataSize: number;
  paddingSize: number;
}
