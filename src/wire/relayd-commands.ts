// Payloads of the relayd control commands: encode and decode, by negotiated minor version
// (the relay picks a struct form by the minor agreed in VERSION, never by cmd_version).
import { Reader, Writer, cStringBytes } from './bytes.js';
import {
  ADD_STREAM_2_2, CREATE_SESSION_2_4, INDEX_2_8_FIELDS, RELAYD_FIXED, RELAYD_STREAM_NAME_LEN, RelayCmd,
  type AddStreamMsg, type CreateSessionMsg, type RelayCommand, type RelayFixedCmd, type RotateStreamsMsg,
} from './relayd-types.js';
import { LTTNG_HOST_NAME_MAX, LTTNG_NAME_MAX, LTTNG_PATH_MAX, encodeStruct, readMessage, readStruct, structSize, type StructSpec, type StructOf } from './struct.js';

/** Largest control payload accepted (LTTng's DEFAULT_NETWORK_RELAYD_CTRL_MAX_PAYLOAD_SIZE). */
export const RELAYD_MAX_CONTROL_PAYLOAD = 128 * 1024 * 1024;
/** Largest payload of a command id we do not implement (read whole, then answered UNK). */
export const RELAYD_MAX_UNKNOWN_PAYLOAD = 64 * 1024;
/** Most rotation positions in one ROTATE_STREAMS (16 B each: 16 MiB). */
export const RELAYD_MAX_ROTATE_STREAMS = 1024 * 1024;

const NAME_BY_ID = new Map<number, string>(Object.entries(RelayCmd).map(([k, v]) => [v, k]));
export function relayCommandName(id: number): string {
  return NAME_BY_ID.get(id) ?? `command ${id}`;
}

function fixedCmd(id: number): RelayFixedCmd | undefined {
  const name = NAME_BY_ID.get(id);
  return name !== undefined && name in RELAYD_FIXED ? (name as RelayFixedCmd) : undefined;
}

/** SEND_INDEX stops after stream_id below minor 8 */
function fixedSpec(cmd: RelayFixedCmd, minor: number): StructSpec {
  if (cmd !== 'SEND_INDEX' || minor >= 8) return RELAYD_FIXED[cmd];
  const { streamInstanceId: _a, packetSeqNum: _b, ...base } = RELAYD_FIXED.SEND_INDEX;
  return base;
}

const CREATE_SESSION_2_11_BASE = 59;
const ADD_STREAM_2_11_BASE = 32;
const ROTATE_HEADER = { packed: 13, pad3: 16, pad7: 20 } as const;
const PADDING_LEN = { packed: 0, pad3: 3, pad7: 7 } as const;

/**
 * [min, max] payload size of a command, known from its header alone, so an oversized frame
 * is refused before its payload is buffered. Unknown ids get [0, RELAYD_MAX_UNKNOWN_PAYLOAD].
 */
export function relayPayloadBounds(id: number, minor: number, maxPayload = RELAYD_MAX_CONTROL_PAYLOAD): [number, number] {
  const fixed = fixedCmd(id);
  if (fixed) {
    const n = structSize(fixedSpec(fixed, minor));
    return [n, n];
  }
  switch (id) {
    case RelayCmd.CLOSE_TRACE_CHUNK:
      return [21, 21];
    case RelayCmd.CREATE_SESSION: {
      if (minor < 11) return [structSize(CREATE_SESSION_2_4), structSize(CREATE_SESSION_2_4)];
      const base = CREATE_SESSION_2_11_BASE + (minor >= 15 ? 4 : 0);
      return [base + 2, base + LTTNG_NAME_MAX + LTTNG_HOST_NAME_MAX + LTTNG_PATH_MAX];
    }
    case RelayCmd.ADD_STREAM:
      if (minor < 11) return [structSize(ADD_STREAM_2_2), structSize(ADD_STREAM_2_2)];
      return [ADD_STREAM_2_11_BASE + 2, ADD_STREAM_2_11_BASE + RELAYD_STREAM_NAME_LEN + LTTNG_NAME_MAX];
    case RelayCmd.SEND_METADATA:
      return [12, maxPayload];
    case RelayCmd.ROTATE_STREAMS:
      return [ROTATE_HEADER.packed, ROTATE_HEADER.pad7 + 16 * RELAYD_MAX_ROTATE_STREAMS];
    case RelayCmd.CREATE_TRACE_CHUNK:
      return [20, 20 + LTTNG_NAME_MAX];
    default:
      return [0, RELAYD_MAX_UNKNOWN_PAYLOAD];
  }
}

/** Decodes one command payload (the whole of it: trailing bytes are an error). */
export function decodeRelayPayload(id: number, r: Reader, minor: number): RelayCommand {
  r.command = relayCommandName(id);
  const fixed = fixedCmd(id);
  return readMessage<RelayCommand>(r, 'cmd', r.command, fixed && fixedSpec(fixed, minor), () => decodeVariable(id, r, minor));
}

function decodeVariable(id: number, r: Reader, minor: number): RelayCommand {
  switch (id) {
    case RelayCmd.CREATE_SESSION:
      if (minor < 11) {
        const v = readStruct(r, CREATE_SESSION_2_4);
        return { cmd: 'CREATE_SESSION', ...v, snapshot: v.snapshot !== 0 };
      }
      return decodeCreateSession211(r, minor);
    case RelayCmd.ADD_STREAM:
      return minor < 11 ? { cmd: 'ADD_STREAM', ...readStruct(r, ADD_STREAM_2_2) } : decodeAddStream211(r);
    case RelayCmd.SEND_METADATA: {
      const streamId = r.u64('stream_id');
      const paddingSize = r.u32('padding_size');
      return { cmd: 'SEND_METADATA', streamId, paddingSize, data: r.bytes(r.remaining, 'payload') };
    }
    case RelayCmd.ROTATE_STREAMS:
      return decodeRotateStreams(r);
    case RelayCmd.CREATE_TRACE_CHUNK: {
      const chunkId = r.u64('chunk_id');
      const creationTimestamp = r.u64('creation_timestamp');
      const len = r.u32Max('override_name_length', LTTNG_NAME_MAX);
      return { cmd: 'CREATE_TRACE_CHUNK', chunkId, creationTimestamp, overrideName: len === 0 ? undefined : r.cString(len, 'override_name') };
    }
    case RelayCmd.CLOSE_TRACE_CHUNK: {
      const chunkId = r.u64('chunk_id');
      const closeTimestamp = r.u64('close_timestamp');
      const isSet = r.u8('close_command.is_set');
      const value = r.u32('close_command.value');
      return { cmd: 'CLOSE_TRACE_CHUNK', chunkId, closeTimestamp, closeCommand: isSet ? value : undefined };
    }
    default:
      return { cmd: 'UNKNOWN', id, payload: r.bytes(r.remaining, 'payload') };
  }
}

function decodeCreateSession211(r: Reader, minor: number): CreateSessionMsg {
  const nameLen = r.u32Max('session_name_len', LTTNG_NAME_MAX);
  const hostLen = r.u32Max('hostname_len', LTTNG_HOST_NAME_MAX);
  const baseLen = r.u32Max('base_path_len', LTTNG_PATH_MAX);
  const liveTimer = r.u32('live_timer');
  const snapshot = r.u8('snapshot') !== 0;
  const nameContainsCreationTime = r.u8('session_name_contains_creation_time') !== 0;
  const uuidAt = r.pos;
  const sessiondUuid = new Uint8Array(r.bytes(16, 'sessiond_uuid')); // a copy: it outlives the frame
  if (sessiondUuid.every((b) => b === 0)) r.fail('sessiond_uuid', 'is nil (reserved for pre-2.11 peers)', uuidAt);
  const sessionId = r.u64('session_id');
  const creationTime = r.u64('creation_time');
  const chunkSet = r.u8('current_chunk_id.is_set');
  const chunkValue = r.u64('current_chunk_id.value');
  const traceFormat = minor >= 15 ? r.u32('trace_format') : undefined;
  const sessionName = r.cString(nameLen, 'session_name');
  const hostname = r.cString(hostLen, 'hostname');
  const basePath = baseLen === 0 ? undefined : r.cString(baseLen, 'base_path');
  const msg: CreateSessionMsg = {
    cmd: 'CREATE_SESSION', sessionName, hostname, liveTimer, snapshot, basePath, nameContainsCreationTime,
    sessiondUuid, sessionId, creationTime, currentChunkId: chunkSet ? chunkValue : undefined,
  };
  if (traceFormat !== undefined) msg.traceFormat = traceFormat;
  return msg;
}

function decodeAddStream211(r: Reader): AddStreamMsg {
  const chanLen = r.u32Max('channel_name_len', RELAYD_STREAM_NAME_LEN);
  const pathLen = r.u32Max('pathname_len', LTTNG_NAME_MAX);
  const tracefileSize = r.u64('tracefile_size');
  const tracefileCount = r.u64('tracefile_count');
  const traceChunkId = r.u64('trace_chunk_id');
  const channelName = r.cString(chanLen, 'channel_name');
  const pathname = r.cString(pathLen, 'pathname');
  return { cmd: 'ADD_STREAM', channelName, pathname, tracefileSize, tracefileCount, traceChunkId };
}

function decodeRotateStreams(r: Reader): RotateStreamsMsg {
  const count = r.u32Max('stream_count', RELAYD_MAX_ROTATE_STREAMS);
  // the layout is told by the payload size, as lttng-relayd does (13, 16 or 20 B header)
  const size = r.buf.length;
  const layout = (['packed', 'pad3', 'pad7'] as const).find((l) => size === ROTATE_HEADER[l] + 16 * count);
  if (!layout) return r.fail('size', `${size} bytes fit no layout for ${count} positions (${13 + 16 * count}, ${16 + 16 * count} or ${20 + 16 * count})`, 0);
  const isSet = r.u8('new_chunk_id.is_set');
  const padding = new Uint8Array(r.bytes(PADDING_LEN[layout], 'new_chunk_id.padding'));
  const value = r.u64('new_chunk_id.value');
  const positions = [];
  for (let i = 0; i < count; i++) positions.push({ streamId: r.u64(`positions[${i}].stream_id`), rotateAtSeqNum: r.u64(`positions[${i}].rotate_at_seq_num`) });
  return { cmd: 'ROTATE_STREAMS', newChunkId: isSet ? value : undefined, layout, padding, positions };
}

const ALL_ONES = 0xffff_ffff_ffff_ffffn;

/** Encodes a command's payload for the given negotiated minor. */
export function encodeRelayPayload(msg: RelayCommand, minor: number): Buffer {
  const name = msg.cmd === 'UNKNOWN' ? relayCommandName(msg.id) : msg.cmd;
  if (msg.cmd in RELAYD_FIXED) {
    const cmd = msg.cmd as RelayFixedCmd;
    // an old peer's index has no instance id nor sequence number: -1, as LTTng's relay fills them
    const values = cmd === 'SEND_INDEX' ? Object.fromEntries(INDEX_2_8_FIELDS.map((f) => [f, (msg as Record<string, unknown>)[f] ?? ALL_ONES])) : {};
    return encodeStruct('relayd-control', name, fixedSpec(cmd, minor), { ...msg, ...values } as StructOf<StructSpec>);
  }
  switch (msg.cmd) {
    case 'CREATE_SESSION':
      return minor < 11 ? encodeStruct('relayd-control', name, CREATE_SESSION_2_4, { ...msg, snapshot: msg.snapshot ? 1 : 0 }) : encodeCreateSession211(msg, minor);
    case 'ADD_STREAM':
      return minor < 11 ? encodeStruct('relayd-control', name, ADD_STREAM_2_2, msg) : encodeAddStream211(msg);
    case 'SEND_METADATA': {
      const w = new Writer(12 + msg.data.length, 'relayd-control', name);
      w.u64(msg.streamId, 'stream_id');
      w.u32(msg.paddingSize, 'padding_size');
      w.bytes(msg.data);
      return w.done();
    }
    case 'ROTATE_STREAMS':
      return encodeRotateStreams(msg);
    case 'CREATE_TRACE_CHUNK': {
      const probe = new Writer(0, 'relayd-control', name);
      const raw = msg.overrideName === undefined ? undefined : cStringBytes(msg.overrideName, 'override_name', LTTNG_NAME_MAX, probe);
      const w = new Writer(20 + (raw ? raw.length + 1 : 0), 'relayd-control', name);
      w.u64(msg.chunkId, 'chunk_id');
      w.u64(msg.creationTimestamp, 'creation_timestamp');
      w.u32(raw ? raw.length + 1 : 0, 'override_name_length');
      if (raw) w.cString(raw);
      return w.done();
    }
    case 'CLOSE_TRACE_CHUNK': {
      const w = new Writer(21, 'relayd-control', name);
      w.u64(msg.chunkId, 'chunk_id');
      w.u64(msg.closeTimestamp, 'close_timestamp');
      w.u8(msg.closeCommand === undefined ? 0 : 1, 'close_command.is_set');
      w.u32(msg.closeCommand ?? 0, 'close_command.value');
      return w.done();
    }
    case 'UNKNOWN':
      return Buffer.from(msg.payload);
    default:
      return new Writer(0, 'relayd-control', name).fail('cmd', 'not a relayd command');
  }
}

function encodeRotateStreams(msg: RotateStreamsMsg): Buffer {
  const w = new Writer(0, 'relayd-control', 'ROTATE_STREAMS');
  const padLen = PADDING_LEN[msg.layout];
  if (padLen === undefined) return w.fail('layout', `unknown layout ${String(msg.layout)}`);
  const padding = msg.padding ?? new Uint8Array(padLen);
  if (padding.length !== padLen) return w.fail('new_chunk_id.padding', `${padding.length} bytes for layout ${msg.layout} (${padLen})`);
  const out = new Writer(ROTATE_HEADER[msg.layout] + 16 * msg.positions.length, 'relayd-control', 'ROTATE_STREAMS');
  out.u32(msg.positions.length, 'stream_count');
  out.u8(msg.newChunkId === undefined ? 0 : 1, 'new_chunk_id.is_set');
  out.bytes(padding);
  out.u64(msg.newChunkId ?? 0n, 'new_chunk_id.value');
  for (const p of msg.positions) {
    out.u64(p.streamId, 'stream_id');
    out.u64(p.rotateAtSeqNum, 'rotate_at_seq_num');
  }
  return out.done();
}

function encodeCreateSession211(msg: CreateSessionMsg, minor: number): Buffer {
  const probe = new Writer(0, 'relayd-control', 'CREATE_SESSION');
  const strings = [
    cStringBytes(msg.sessionName, 'session_name', LTTNG_NAME_MAX, probe),
    cStringBytes(msg.hostname, 'hostname', LTTNG_HOST_NAME_MAX, probe),
    msg.basePath === undefined ? undefined : cStringBytes(msg.basePath, 'base_path', LTTNG_PATH_MAX, probe),
  ];
  const uuid = msg.sessiondUuid;
  if (!uuid || uuid.length !== 16 || uuid.every((b) => b === 0)) return probe.fail('sessiond_uuid', 'must be 16 bytes, not all zero');
  const withFormat = minor >= 15;
  const lens = strings.map((b) => (b ? b.length + 1 : 0));
  const w = new Writer(CREATE_SESSION_2_11_BASE + (withFormat ? 4 : 0) + lens[0]! + lens[1]! + lens[2]!, 'relayd-control', 'CREATE_SESSION');
  w.u32(lens[0]!, 'session_name_len');
  w.u32(lens[1]!, 'hostname_len');
  w.u32(lens[2]!, 'base_path_len');
  w.u32(msg.liveTimer, 'live_timer');
  w.u8(msg.snapshot ? 1 : 0, 'snapshot');
  w.u8(msg.nameContainsCreationTime ? 1 : 0, 'session_name_contains_creation_time');
  w.bytes(uuid);
  w.u64(msg.sessionId ?? 0n, 'session_id');
  w.u64(msg.creationTime ?? 0n, 'creation_time');
  w.u8(msg.currentChunkId === undefined ? 0 : 1, 'current_chunk_id.is_set');
  w.u64(msg.currentChunkId ?? 0n, 'current_chunk_id.value');
  if (withFormat) w.u32(msg.traceFormat ?? 0, 'trace_format');
  for (const b of strings) if (b) w.cString(b);
  return w.done();
}

function encodeAddStream211(msg: AddStreamMsg): Buffer {
  const probe = new Writer(0, 'relayd-control', 'ADD_STREAM');
  const chan = cStringBytes(msg.channelName, 'channel_name', RELAYD_STREAM_NAME_LEN, probe);
  const path = cStringBytes(msg.pathname, 'pathname', LTTNG_NAME_MAX, probe);
  const w = new Writer(ADD_STREAM_2_11_BASE + chan.length + 1 + path.length + 1, 'relayd-control', 'ADD_STREAM');
  w.u32(chan.length + 1, 'channel_name_len');
  w.u32(path.length + 1, 'pathname_len');
  w.u64(msg.tracefileSize, 'tracefile_size');
  w.u64(msg.tracefileCount, 'tracefile_count');
  w.u64(msg.traceChunkId ?? 0n, 'trace_chunk_id');
  w.cString(chan);
  w.cString(path);
  return w.done();
}
