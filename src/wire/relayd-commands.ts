// Payloads of the relayd control commands: encode and decode, by negotiated minor version
// (the relay picks a struct form by the minor agreed in VERSION, never by cmd_version).
import { Reader, Writer, stringBytes } from './bytes.js';
import {
  RelayCmd, RelaydSizes as S,
  type AddStreamMsg, type CreateSessionMsg, type RelayCommand, type RotateStreamsMsg,
} from './relayd-types.js';

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

const CREATE_SESSION_2_4 = S.NAME_MAX_2_4 + S.HOST_NAME_MAX_2_4 + 8;
const CREATE_SESSION_2_11_BASE = 59;
const ADD_STREAM_2_2 = S.STREAM_NAME_LEN + S.PATH_MAX + 16;
const ADD_STREAM_2_11_BASE = 32;
const ROTATE_HEADER = { packed: 13, pad3: 16, pad7: 20 } as const;
const PADDING_LEN = { packed: 0, pad3: 3, pad7: 7 } as const;

function indexSize(minor: number): number {
  return minor >= 8 ? 80 : 64;
}

/**
 * [min, max] payload size of a command, known from its header alone, so an oversized frame
 * is refused before its payload is buffered. Unknown ids get [0, RELAYD_MAX_UNKNOWN_PAYLOAD].
 */
export function relayPayloadBounds(id: number, minor: number, maxPayload = RELAYD_MAX_CONTROL_PAYLOAD): [number, number] {
  switch (id) {
    case RelayCmd.VERSION:
    case RelayCmd.GET_CONFIGURATION:
    case RelayCmd.QUIESCENT_CONTROL:
    case RelayCmd.BEGIN_DATA_PENDING:
    case RelayCmd.END_DATA_PENDING:
    case RelayCmd.TRACE_CHUNK_EXISTS:
      return [8, 8];
    case RelayCmd.CLOSE_STREAM:
    case RelayCmd.DATA_PENDING:
    case RelayCmd.RESET_METADATA:
      return [16, 16];
    case RelayCmd.START_DATA:
    case RelayCmd.STREAMS_SENT:
      return [0, 0];
    case RelayCmd.SEND_INDEX:
      return [indexSize(minor), indexSize(minor)];
    case RelayCmd.CLOSE_TRACE_CHUNK:
      return [21, 21];
    case RelayCmd.CREATE_SESSION:
      if (minor < 11) return [CREATE_SESSION_2_4, CREATE_SESSION_2_4];
      return [
        CREATE_SESSION_2_11_BASE + (minor >= 15 ? 4 : 0) + 2,
        CREATE_SESSION_2_11_BASE + 4 + S.NAME_MAX + S.HOST_NAME_MAX + S.PATH_MAX,
      ];
    case RelayCmd.ADD_STREAM:
      if (minor < 11) return [ADD_STREAM_2_2, ADD_STREAM_2_2];
      return [ADD_STREAM_2_11_BASE + 2, ADD_STREAM_2_11_BASE + S.STREAM_NAME_LEN + S.NAME_MAX];
    case RelayCmd.SEND_METADATA:
      return [12, maxPayload];
    case RelayCmd.ROTATE_STREAMS:
      return [ROTATE_HEADER.packed, ROTATE_HEADER.pad7 + 16 * RELAYD_MAX_ROTATE_STREAMS];
    case RelayCmd.CREATE_TRACE_CHUNK:
      return [20, 20 + S.NAME_MAX];
    default:
      return [0, RELAYD_MAX_UNKNOWN_PAYLOAD];
  }
}

/** Decodes one command payload (the whole of it: trailing bytes are an error). */
export function decodeRelayPayload(id: number, r: Reader, minor: number): RelayCommand {
  r.command = relayCommandName(id);
  let msg: RelayCommand;
  switch (id) {
    case RelayCmd.VERSION:
      msg = { cmd: 'VERSION', major: r.u32('major'), minor: r.u32('minor') };
      break;
    case RelayCmd.GET_CONFIGURATION:
      msg = { cmd: 'GET_CONFIGURATION', queryFlags: r.u64('query_flags') };
      break;
    case RelayCmd.CREATE_SESSION:
      msg = minor < 11 ? decodeCreateSession24(r) : decodeCreateSession211(r, minor);
      break;
    case RelayCmd.ADD_STREAM:
      msg = minor < 11 ? decodeAddStream22(r) : decodeAddStream211(r);
      break;
    case RelayCmd.START_DATA:
      msg = { cmd: 'START_DATA' };
      break;
    case RelayCmd.SEND_METADATA: {
      const streamId = r.u64('stream_id');
      const paddingSize = r.u32('padding_size');
      msg = { cmd: 'SEND_METADATA', streamId, paddingSize, data: r.bytes(r.remaining, 'payload') };
      break;
    }
    case RelayCmd.CLOSE_STREAM:
      msg = { cmd: 'CLOSE_STREAM', streamId: r.u64('stream_id'), lastNetSeqNum: r.u64('last_net_seq_num') };
      break;
    case RelayCmd.DATA_PENDING:
      msg = { cmd: 'DATA_PENDING', streamId: r.u64('stream_id'), lastNetSeqNum: r.u64('last_net_seq_num') };
      break;
    case RelayCmd.QUIESCENT_CONTROL:
      msg = { cmd: 'QUIESCENT_CONTROL', streamId: r.u64('stream_id') };
      break;
    case RelayCmd.BEGIN_DATA_PENDING:
      msg = { cmd: 'BEGIN_DATA_PENDING', sessionId: r.u64('session_id') };
      break;
    case RelayCmd.END_DATA_PENDING:
      msg = { cmd: 'END_DATA_PENDING', sessionId: r.u64('session_id') };
      break;
    case RelayCmd.SEND_INDEX:
      msg = {
        cmd: 'SEND_INDEX',
        relayStreamId: r.u64('relay_stream_id'),
        netSeqNum: r.u64('net_seq_num'),
        packetSize: r.u64('packet_size'),
        contentSize: r.u64('content_size'),
        timestampBegin: r.u64('timestamp_begin'),
        timestampEnd: r.u64('timestamp_end'),
        eventsDiscarded: r.u64('events_discarded'),
        streamId: r.u64('stream_id'),
      };
      if (minor >= 8) {
        msg.streamInstanceId = r.u64('stream_instance_id');
        msg.packetSeqNum = r.u64('packet_seq_num');
      }
      break;
    case RelayCmd.STREAMS_SENT:
      msg = { cmd: 'STREAMS_SENT' };
      break;
    case RelayCmd.RESET_METADATA:
      msg = { cmd: 'RESET_METADATA', streamId: r.u64('stream_id'), version: r.u64('version') };
      break;
    case RelayCmd.ROTATE_STREAMS:
      msg = decodeRotateStreams(r);
      break;
    case RelayCmd.CREATE_TRACE_CHUNK: {
      const chunkId = r.u64('chunk_id');
      const creationTimestamp = r.u64('creation_timestamp');
      const len = r.u32('override_name_length');
      if (len > S.NAME_MAX) r.fail('override_name_length', `${len} exceeds ${S.NAME_MAX}`, r.pos - 4);
      msg = { cmd: 'CREATE_TRACE_CHUNK', chunkId, creationTimestamp, overrideName: len === 0 ? undefined : r.cString(len, 'override_name') };
      break;
    }
    case RelayCmd.CLOSE_TRACE_CHUNK: {
      const chunkId = r.u64('chunk_id');
      const closeTimestamp = r.u64('close_timestamp');
      const isSet = r.u8('close_command.is_set');
      const value = r.u32('close_command.value');
      msg = { cmd: 'CLOSE_TRACE_CHUNK', chunkId, closeTimestamp, closeCommand: isSet ? value : undefined };
      break;
    }
    case RelayCmd.TRACE_CHUNK_EXISTS:
      msg = { cmd: 'TRACE_CHUNK_EXISTS', chunkId: r.u64('chunk_id') };
      break;
    default:
      msg = { cmd: 'UNKNOWN', id, payload: r.bytes(r.remaining, 'payload') };
  }
  r.end();
  return msg;
}

function decodeCreateSession24(r: Reader): CreateSessionMsg {
  const sessionName = r.fixedString(S.NAME_MAX_2_4, 'session_name');
  const hostname = r.fixedString(S.HOST_NAME_MAX_2_4, 'hostname');
  const liveTimer = r.u32('live_timer');
  const snapshot = r.u32('snapshot') !== 0;
  return { cmd: 'CREATE_SESSION', sessionName, hostname, liveTimer, snapshot };
}

function decodeCreateSession211(r: Reader, minor: number): CreateSessionMsg {
  const start = r.pos;
  const nameLen = r.u32('session_name_len');
  const hostLen = r.u32('hostname_len');
  const baseLen = r.u32('base_path_len');
  if (nameLen > S.NAME_MAX) r.fail('session_name_len', `${nameLen} exceeds ${S.NAME_MAX}`, start);
  if (hostLen > S.HOST_NAME_MAX) r.fail('hostname_len', `${hostLen} exceeds ${S.HOST_NAME_MAX}`, start + 4);
  if (baseLen > S.PATH_MAX) r.fail('base_path_len', `${baseLen} exceeds ${S.PATH_MAX}`, start + 8);
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

function decodeAddStream22(r: Reader): AddStreamMsg {
  const channelName = r.fixedString(S.STREAM_NAME_LEN, 'channel_name');
  const pathname = r.fixedString(S.PATH_MAX, 'pathname');
  return { cmd: 'ADD_STREAM', channelName, pathname, tracefileSize: r.u64('tracefile_size'), tracefileCount: r.u64('tracefile_count') };
}

function decodeAddStream211(r: Reader): AddStreamMsg {
  const start = r.pos;
  const chanLen = r.u32('channel_name_len');
  const pathLen = r.u32('pathname_len');
  if (chanLen > S.STREAM_NAME_LEN) r.fail('channel_name_len', `${chanLen} exceeds ${S.STREAM_NAME_LEN}`, start);
  if (pathLen > S.NAME_MAX) r.fail('pathname_len', `${pathLen} exceeds ${S.NAME_MAX}`, start + 4);
  const tracefileSize = r.u64('tracefile_size');
  const tracefileCount = r.u64('tracefile_count');
  const traceChunkId = r.u64('trace_chunk_id');
  const channelName = r.cString(chanLen, 'channel_name');
  const pathname = r.cString(pathLen, 'pathname');
  return { cmd: 'ADD_STREAM', channelName, pathname, tracefileSize, tracefileCount, traceChunkId };
}

function decodeRotateStreams(r: Reader): RotateStreamsMsg {
  const count = r.u32('stream_count');
  if (count > RELAYD_MAX_ROTATE_STREAMS) r.fail('stream_count', `${count} exceeds ${RELAYD_MAX_ROTATE_STREAMS}`, r.pos - 4);
  // the layout is told by the payload size, as lttng-relayd does (13, 16 or 20 B header)
  const size = r.buf.length;
  let layout: RotateStreamsMsg['layout'] | undefined;
  for (const l of ['packed', 'pad3', 'pad7'] as const) if (size === ROTATE_HEADER[l] + 16 * count) layout = l;
  if (!layout) r.fail('size', `${size} bytes fit no layout for ${count} positions (${13 + 16 * count}, ${16 + 16 * count} or ${20 + 16 * count})`, 0);
  const isSet = r.u8('new_chunk_id.is_set');
  const padding = new Uint8Array(r.bytes(PADDING_LEN[layout], 'new_chunk_id.padding'));
  const value = r.u64('new_chunk_id.value');
  const positions = [];
  for (let i = 0; i < count; i++) positions.push({ streamId: r.u64(`positions[${i}].stream_id`), rotateAtSeqNum: r.u64(`positions[${i}].rotate_at_seq_num`) });
  return { cmd: 'ROTATE_STREAMS', newChunkId: isSet ? value : undefined, layout, padding, positions };
}

/** Encodes a command's payload for the given negotiated minor. */
export function encodeRelayPayload(msg: RelayCommand, minor: number): Buffer {
  const name = msg.cmd === 'UNKNOWN' ? relayCommandName(msg.id) : msg.cmd;
  const fail = (field: string, detail: string): never => new Writer(0, 'relayd-control', name).fail(field, detail);
  switch (msg.cmd) {
    case 'VERSION': {
      const w = new Writer(8, 'relayd-control', name);
      w.u32(msg.major, 'major');
      w.u32(msg.minor, 'minor');
      return w.done();
    }
    case 'GET_CONFIGURATION':
      return u64s(name, [msg.queryFlags, 'query_flags']);
    case 'CREATE_SESSION':
      return minor < 11 ? encodeCreateSession24(msg) : encodeCreateSession211(msg, minor);
    case 'ADD_STREAM':
      return minor < 11 ? encodeAddStream22(msg) : encodeAddStream211(msg);
    case 'START_DATA':
    case 'STREAMS_SENT':
      return Buffer.alloc(0);
    case 'SEND_METADATA': {
      const w = new Writer(12 + msg.data.length, 'relayd-control', name);
      w.u64(msg.streamId, 'stream_id');
      w.u32(msg.paddingSize, 'padding_size');
      w.bytes(msg.data);
      return w.done();
    }
    case 'CLOSE_STREAM':
    case 'DATA_PENDING':
      return u64s(name, [msg.streamId, 'stream_id'], [msg.lastNetSeqNum, 'last_net_seq_num']);
    case 'QUIESCENT_CONTROL':
      return u64s(name, [msg.streamId, 'stream_id']);
    case 'BEGIN_DATA_PENDING':
    case 'END_DATA_PENDING':
      return u64s(name, [msg.sessionId, 'session_id']);
    case 'SEND_INDEX': {
      const fields: [bigint, string][] = [
        [msg.relayStreamId, 'relay_stream_id'], [msg.netSeqNum, 'net_seq_num'], [msg.packetSize, 'packet_size'],
        [msg.contentSize, 'content_size'], [msg.timestampBegin, 'timestamp_begin'], [msg.timestampEnd, 'timestamp_end'],
        [msg.eventsDiscarded, 'events_discarded'], [msg.streamId, 'stream_id'],
      ];
      // peers below 2.8 have no such fields; LTTng's relay fills them with -1
      if (minor >= 8) fields.push([msg.streamInstanceId ?? 0xffff_ffff_ffff_ffffn, 'stream_instance_id'], [msg.packetSeqNum ?? 0xffff_ffff_ffff_ffffn, 'packet_seq_num']);
      return u64s(name, ...fields);
    }
    case 'RESET_METADATA':
      return u64s(name, [msg.streamId, 'stream_id'], [msg.version, 'version']);
    case 'ROTATE_STREAMS': {
      const padLen = PADDING_LEN[msg.layout];
      if (padLen === undefined) return fail('layout', `unknown layout ${String(msg.layout)}`);
      const padding = msg.padding ?? new Uint8Array(padLen);
      if (padding.length !== padLen) return fail('new_chunk_id.padding', `${padding.length} bytes for layout ${msg.layout} (${padLen})`);
      const w = new Writer(ROTATE_HEADER[msg.layout] + 16 * msg.positions.length, 'relayd-control', name);
      w.u32(msg.positions.length, 'stream_count');
      w.u8(msg.newChunkId === undefined ? 0 : 1, 'new_chunk_id.is_set');
      w.bytes(padding);
      w.u64(msg.newChunkId ?? 0n, 'new_chunk_id.value');
      for (const p of msg.positions) {
        w.u64(p.streamId, 'stream_id');
        w.u64(p.rotateAtSeqNum, 'rotate_at_seq_num');
      }
      return w.done();
    }
    case 'CREATE_TRACE_CHUNK': {
      const raw = msg.overrideName === undefined ? undefined : stringBytes(msg.overrideName, 'override_name', { fail });
      const len = raw ? raw.length + 1 : 0;
      if (len > S.NAME_MAX) fail('override_name', `${len} bytes exceed ${S.NAME_MAX}`);
      const w = new Writer(20 + len, 'relayd-control', name);
      w.u64(msg.chunkId, 'chunk_id');
      w.u64(msg.creationTimestamp, 'creation_timestamp');
      w.u32(len, 'override_name_length');
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
    case 'TRACE_CHUNK_EXISTS':
      return u64s(name, [msg.chunkId, 'chunk_id']);
    case 'UNKNOWN':
      return Buffer.from(msg.payload);
  }
}

function u64s(name: string, ...fields: [bigint, string][]): Buffer {
  const w = new Writer(8 * fields.length, 'relayd-control', name);
  for (const [v, f] of fields) w.u64(v, f);
  return w.done();
}

function encodeCreateSession24(msg: CreateSessionMsg): Buffer {
  const w = new Writer(CREATE_SESSION_2_4, 'relayd-control', 'CREATE_SESSION');
  w.fixedString(msg.sessionName, S.NAME_MAX_2_4, 'session_name');
  w.fixedString(msg.hostname, S.HOST_NAME_MAX_2_4, 'hostname');
  w.u32(msg.liveTimer, 'live_timer');
  w.u32(msg.snapshot ? 1 : 0, 'snapshot');
  return w.done();
}

function encodeCreateSession211(msg: CreateSessionMsg, minor: number): Buffer {
  const probe = new Writer(0, 'relayd-control', 'CREATE_SESSION');
  const name = stringBytes(msg.sessionName, 'session_name', probe);
  const host = stringBytes(msg.hostname, 'hostname', probe);
  const base = msg.basePath === undefined ? undefined : stringBytes(msg.basePath, 'base_path', probe);
  if (name.length + 1 > S.NAME_MAX) probe.fail('session_name', `${name.length + 1} bytes exceed ${S.NAME_MAX}`);
  if (host.length + 1 > S.HOST_NAME_MAX) probe.fail('hostname', `${host.length + 1} bytes exceed ${S.HOST_NAME_MAX}`);
  if (base && base.length + 1 > S.PATH_MAX) probe.fail('base_path', `${base.length + 1} bytes exceed ${S.PATH_MAX}`);
  const uuid = msg.sessiondUuid;
  if (!uuid || uuid.length !== 16 || uuid.every((b) => b === 0)) return probe.fail('sessiond_uuid', 'must be 16 bytes, not all zero');
  const withFormat = minor >= 15;
  const baseLen = base ? base.length + 1 : 0;
  const w = new Writer(CREATE_SESSION_2_11_BASE + (withFormat ? 4 : 0) + name.length + 1 + host.length + 1 + baseLen, 'relayd-control', 'CREATE_SESSION');
  w.u32(name.length + 1, 'session_name_len');
  w.u32(host.length + 1, 'hostname_len');
  w.u32(baseLen, 'base_path_len');
  w.u32(msg.liveTimer, 'live_timer');
  w.u8(msg.snapshot ? 1 : 0, 'snapshot');
  w.u8(msg.nameContainsCreationTime ? 1 : 0, 'session_name_contains_creation_time');
  w.bytes(uuid);
  w.u64(msg.sessionId ?? 0n, 'session_id');
  w.u64(msg.creationTime ?? 0n, 'creation_time');
  w.u8(msg.currentChunkId === undefined ? 0 : 1, 'current_chunk_id.is_set');
  w.u64(msg.currentChunkId ?? 0n, 'current_chunk_id.value');
  if (withFormat) w.u32(msg.traceFormat ?? 0, 'trace_format');
  w.cString(name);
  w.cString(host);
  if (base) w.cString(base);
  return w.done();
}

function encodeAddStream22(msg: AddStreamMsg): Buffer {
  const w = new Writer(ADD_STREAM_2_2, 'relayd-control', 'ADD_STREAM');
  w.fixedString(msg.channelName, S.STREAM_NAME_LEN, 'channel_name');
  w.fixedString(msg.pathname, S.PATH_MAX, 'pathname');
  w.u64(msg.tracefileSize, 'tracefile_size');
  w.u64(msg.tracefileCount, 'tracefile_count');
  return w.done();
}

function encodeAddStream211(msg: AddStreamMsg): Buffer {
  const probe = new Writer(0, 'relayd-control', 'ADD_STREAM');
  const chan = stringBytes(msg.channelName, 'channel_name', probe);
  const path = stringBytes(msg.pathname, 'pathname', probe);
  if (chan.length + 1 > S.STREAM_NAME_LEN) probe.fail('channel_name', `${chan.length + 1} bytes exceed ${S.STREAM_NAME_LEN}`);
  if (path.length + 1 > S.NAME_MAX) probe.fail('pathname', `${path.length + 1} bytes exceed ${S.NAME_MAX}`);
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
