// Viewer → relay commands: `lttng_viewer_cmd` header (16 B) + a fixed-size request struct.
import { Reader, Writer } from './bytes.js';
import { LiveCmd, LiveSizes, type LiveCommand } from './live-types.js';

/** Largest payload of an unknown command id (read whole, then answered LTTNG_ERR_UNK). */
export const LIVE_MAX_UNKNOWN_PAYLOAD = 64 * 1024;

const NAME_BY_ID = new Map<number, string>(Object.entries(LiveCmd).map(([k, v]) => [v, k]));
export function liveCommandName(id: number): string {
  return NAME_BY_ID.get(id) ?? `command ${id}`;
}

/** Exact payload size of each known command; unknown ids: [0, LIVE_MAX_UNKNOWN_PAYLOAD]. */
export function livePayloadBounds(id: number): [number, number] {
  switch (id) {
    case LiveCmd.CONNECT:
    case LiveCmd.ATTACH_SESSION:
    case LiveCmd.GET_PACKET:
      return [20, 20];
    case LiveCmd.GET_NEXT_INDEX:
    case LiveCmd.GET_METADATA:
    case LiveCmd.GET_NEW_STREAMS:
    case LiveCmd.DETACH_SESSION:
      return [8, 8];
    case LiveCmd.LIST_SESSIONS:
    case LiveCmd.CREATE_SESSION:
      return [0, 0];
    default:
      return [0, LIVE_MAX_UNKNOWN_PAYLOAD];
  }
}

export function decodeLivePayload(id: number, r: Reader): LiveCommand {
  r.command = liveCommandName(id);
  let msg: LiveCommand;
  switch (id) {
    case LiveCmd.CONNECT:
      msg = { cmd: 'CONNECT', viewerSessionId: r.u64('viewer_session_id'), major: r.u32('major'), minor: r.u32('minor'), type: r.u32('type') };
      break;
    case LiveCmd.LIST_SESSIONS:
      msg = { cmd: 'LIST_SESSIONS' };
      break;
    case LiveCmd.ATTACH_SESSION:
      msg = { cmd: 'ATTACH_SESSION', sessionId: r.u64('session_id'), offset: r.u64('offset'), seek: r.u32('seek') };
      break;
    case LiveCmd.GET_NEXT_INDEX:
      msg = { cmd: 'GET_NEXT_INDEX', streamId: r.u64('stream_id') };
      break;
    case LiveCmd.GET_PACKET:
      msg = { cmd: 'GET_PACKET', streamId: r.u64('stream_id'), offset: r.u64('offset'), len: r.u32('len') };
      break;
    case LiveCmd.GET_METADATA:
      msg = { cmd: 'GET_METADATA', streamId: r.u64('stream_id') };
      break;
    case LiveCmd.GET_NEW_STREAMS:
      msg = { cmd: 'GET_NEW_STREAMS', sessionId: r.u64('session_id') };
      break;
    case LiveCmd.CREATE_SESSION:
      msg = { cmd: 'CREATE_SESSION' };
      break;
    case LiveCmd.DETACH_SESSION:
      msg = { cmd: 'DETACH_SESSION', sessionId: r.u64('session_id') };
      break;
    default:
      msg = { cmd: 'UNKNOWN', id, payload: r.bytes(r.remaining, 'payload') };
  }
  r.end();
  return msg;
}

export interface EncodeLiveOptions {
  cmdVersion?: number;
}

/** Header + payload of one viewer command, in one buffer (babeltrace2 writes them together to dodge Nagle). */
export function encodeLiveCommand(msg: LiveCommand, opts: EncodeLiveOptions = {}): Buffer {
  const id = msg.cmd === 'UNKNOWN' ? msg.id : LiveCmd[msg.cmd];
  const name = liveCommandName(id);
  const size = msg.cmd === 'UNKNOWN' ? msg.payload.length : livePayloadBounds(id)[0];
  const w = new Writer(LiveSizes.HEADER + size, 'live-command', name);
  w.u64(BigInt(size), 'data_size');
  w.u32(id, 'cmd');
  w.u32(opts.cmdVersion ?? 0, 'cmd_version');
  switch (msg.cmd) {
    case 'CONNECT':
      w.u64(msg.viewerSessionId, 'viewer_session_id');
      w.u32(msg.major, 'major');
      w.u32(msg.minor, 'minor');
      w.u32(msg.type, 'type');
      break;
    case 'ATTACH_SESSION':
      w.u64(msg.sessionId, 'session_id');
      w.u64(msg.offset, 'offset');
      w.u32(msg.seek, 'seek');
      break;
    case 'GET_PACKET':
      w.u64(msg.streamId, 'stream_id');
      w.u64(msg.offset, 'offset');
      w.u32(msg.len, 'len');
      break;
    case 'GET_NEXT_INDEX':
    case 'GET_METADATA':
      w.u64(msg.streamId, 'stream_id');
      break;
    case 'GET_NEW_STREAMS':
    case 'DETACH_SESSION':
      w.u64(msg.sessionId, 'session_id');
      break;
    case 'LIST_SESSIONS':
    case 'CREATE_SESSION':
      break;
    case 'UNKNOWN':
      w.bytes(msg.payload);
      break;
  }
  return w.done();
}
