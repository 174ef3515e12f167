// The sessiond/consumerd → relayd protocol (control port 5342, data port 5343) as typed
// messages: LTTng's `lttcomm_relayd_*` structs (src/common/sessiond-comm/relayd.h), all
// packed and big-endian. u64 fields are bigints, u32 fields numbers. The fixed-layout
// structs are described once (struct.ts) and their types derived from that description.
import type { UnknownCommand } from './stream.js';
import { COMMAND_HEADER_FIELDS, LTTNG_HOST_NAME_MAX, LTTNG_NAME_MAX, LTTNG_PATH_MAX, PACKET_INDEX_FIELDS, type StructOf } from './struct.js';

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

/** char[] size of a channel name in ADD_STREAM (LTTNG_SYMBOL_NAME_LEN + 8), and its 2.11 bound */
export const RELAYD_STREAM_NAME_LEN = 264;

/**
 * The commands whose payload is one fixed struct, by command name. SEND_INDEX's is the
 * 2.8+ form; below minor 8 it stops after stream_id (INDEX_2_8_FIELDS are absent).
 */
export const RELAYD_FIXED = {
  VERSION: { major: ['major', 'u32'], minor: ['minor', 'u32'] },
  GET_CONFIGURATION: { queryFlags: ['query_flags', 'u64'] },
  START_DATA: {},
  STREAMS_SENT: {},
  CLOSE_STREAM: { streamId: ['stream_id', 'u64'], lastNetSeqNum: ['last_net_seq_num', 'u64'] },
  DATA_PENDING: { streamId: ['stream_id', 'u64'], lastNetSeqNum: ['last_net_seq_num', 'u64'] },
  QUIESCENT_CONTROL: { streamId: ['stream_id', 'u64'] },
  BEGIN_DATA_PENDING: { sessionId: ['session_id', 'u64'] },
  END_DATA_PENDING: { sessionId: ['session_id', 'u64'] },
  RESET_METADATA: { streamId: ['stream_id', 'u64'], version: ['version', 'u64'] },
  TRACE_CHUNK_EXISTS: { chunkId: ['chunk_id', 'u64'] },
  SEND_INDEX: {
    relayStreamId: ['relay_stream_id', 'u64'],
    netSeqNum: ['net_seq_num', 'u64'],
    ...PACKET_INDEX_FIELDS,
    streamInstanceId: ['stream_instance_id', 'u64'],
    packetSeqNum: ['packet_seq_num', 'u64'],
  },
} as const;
export type RelayFixedCmd = keyof typeof RELAYD_FIXED;
/** fields SEND_INDEX has from minor 8 on */
export const INDEX_2_8_FIELDS = ['streamInstanceId', 'packetSeqNum'] as const;

/** CREATE_SESSION 2.4 (4 <= minor < 11) */
export const CREATE_SESSION_2_4 = {
  sessionName: ['session_name', { chars: LTTNG_NAME_MAX }],
  hostname: ['hostname', { chars: LTTNG_HOST_NAME_MAX }],
  liveTimer: ['live_timer', 'u32'],
  snapshot: ['snapshot', 'u32'],
} as const;
/** ADD_STREAM 2.2 (minor < 11) */
export const ADD_STREAM_2_2 = {
  channelName: ['channel_name', { chars: RELAYD_STREAM_NAME_LEN }],
  pathname: ['pathname', { chars: LTTNG_PATH_MAX }],
  tracefileSize: ['tracefile_size', 'u64'],
  tracefileCount: ['tracefile_count', 'u64'],
} as const;

type Fixed<K extends RelayFixedCmd> = { cmd: K } & StructOf<(typeof RELAYD_FIXED)[K]>;

/** `lttcomm_relayd_hdr` (24 B) */
export const RELAYD_HEADER = {
  /** unused by LTTng: always 0 */
  circuitId: ['circuit_id', 'u64'],
  ...COMMAND_HEADER_FIELDS,
} as const;
/** the header fields a frame keeps (the others are implied by its command) */
export type RelayCommandHeader = Pick<StructOf<typeof RELAYD_HEADER>, 'circuitId' | 'cmdVersion'>;

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
/** metadata bytes appended to the stream's file, then padding_size zero bytes; no reply */
export interface SendMetadataMsg {
  cmd: 'SEND_METADATA';
  streamId: bigint;
  paddingSize: number;
  data: Uint8Array;
}
/**
 * `lttcomm_relayd_index`: 64 B, or 80 B when the negotiated minor is >= 8 (then a missing
 * stream_instance_id / packet_seq_num is sent as -1, as LTTng's relay stores for old peers).
 * Sizes in bits; stream_id is the CTF stream class; packet_size 0 = live beacon.
 */
export type SendIndexMsg = Omit<Fixed<'SEND_INDEX'>, (typeof INDEX_2_8_FIELDS)[number]> & Partial<Pick<Fixed<'SEND_INDEX'>, (typeof INDEX_2_8_FIELDS)[number]>>;
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

/** Every command: the fixed structs (SEND_INDEX with its 2.8 fields optional) and the variable ones. */
export type RelayCommand =
  | { [K in Exclude<RelayFixedCmd, 'SEND_INDEX'>]: Fixed<K> }[Exclude<RelayFixedCmd, 'SEND_INDEX'>]
  | SendIndexMsg
  | CreateSessionMsg
  | AddStreamMsg
  | SendMetadataMsg
  | RotateStreamsMsg
  | CreateTraceChunkMsg
  | CloseTraceChunkMsg
  | UnknownCommand;
/** the command named K, e.g. `RelayMsg<'VERSION'>` */
export type RelayMsg<K extends RelayCommand['cmd']> = Extract<RelayCommand, { cmd: K }>;

/** A decoded control frame: the command, its header fields and where it started in the stream. */
export interface RelayControlFrame extends RelayCommandHeader {
  command: RelayCommand;
  /** stream offset of the frame's first header byte */
  offset: number;
  /** header + payload bytes */
  size: number;
}

// ---- replies (no header: the reader knows which command it is waiting for) ----

/**
 * The replies that are one fixed struct: `lttcomm_relayd_generic_reply` (an LTTng error code,
 * or 0/1 for DATA_PENDING and END_DATA_PENDING), the version, the configuration (2.12+),
 * `lttcomm_relayd_status_stream` (ADD_STREAM). CREATE_SESSION's 12-byte pre-2.11 form is
 * the head of its 2.11 form.
 */
export const RELAYD_FIXED_REPLIES = {
  GENERIC: { retCode: ['ret_code', 'u32'] },
  VERSION: { major: ['major', 'u32'], minor: ['minor', 'u32'] },
  GET_CONFIGURATION: { retCode: ['ret_code', 'u32'], flags: ['relayd_configuration_flags', 'u64'] },
  ADD_STREAM: { handle: ['handle', 'u64'], retCode: ['ret_code', 'u32'] },
} as const;
export const CREATE_SESSION_REPLY_HEAD = { sessionId: ['session_id', 'u64'], retCode: ['ret_code', 'u32'] } as const;
export type RelayFixedReply = keyof typeof RELAYD_FIXED_REPLIES;
type FixedReply<K extends RelayFixedReply> = { reply: K } & StructOf<(typeof RELAYD_FIXED_REPLIES)[K]>;

/** 2.11: `create_session_reply_2_11`; before: `status_session` (no path) */
export type CreateSessionReply = { reply: 'CREATE_SESSION' } & StructOf<typeof CREATE_SESSION_REPLY_HEAD> & {
  /** 2.11+: the session's output path relative to the relay's output (undefined = length 0) */
  outputPath?: string | undefined;
};
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

/** Every reply: the fixed structs (GENERIC is `lttcomm_relayd_generic_reply`) and those ending with a path. */
export type RelayReply = { [K in RelayFixedReply]: FixedReply<K> }[RelayFixedReply] | CreateSessionReply | CloseTraceChunkReply | TraceChunkExistsReply;
/** the reply named K, e.g. `RelayReplyOf<'ADD_STREAM'>` */
export type RelayReplyOf<K extends RelayReply['reply']> = Extract<RelayReply, { reply: K }>;

/** `lttcomm_relayd_data_hdr` (32 B); padding_size zero bytes follow the payload on disk but are not sent */
export const RELAYD_DATA_HEADER = {
  circuitId: ['circuit_id', 'u64'],
  /** the relay's stream handle (ADD_STREAM reply) */
  streamId: ['stream_id', 'u64'],
  netSeqNum: ['net_seq_num', 'u64'],
  dataSize: ['data_size', 'u32'],
  paddingSize: ['padding_size', 'u32'],
} as const;
export type RelayDataHeader = StructOf<typeof RELAYD_DATA_HEADER>;
