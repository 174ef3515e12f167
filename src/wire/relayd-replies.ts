// Replies on the relayd control port. They carry no header: which struct comes next is
// told by the command that was sent, and for CREATE_SESSION by the negotiated minor.
import { type ByteQueue, Reader, Writer, stringBytes } from './bytes.js';
import { WireError } from './errors.js';
import { RelaydSizes as S, type RelayCommand, type RelayReply } from './relayd-types.js';

/** The reply struct a command gets, or undefined for SEND_METADATA (the relay answers nothing). */
export type RelayReplyKind = RelayReply['reply'];

export function replyKindOf(cmd: RelayCommand['cmd']): RelayReplyKind | undefined {
  switch (cmd) {
    case 'SEND_METADATA':
      return undefined;
    case 'VERSION':
    case 'GET_CONFIGURATION':
    case 'CREATE_SESSION':
    case 'ADD_STREAM':
    case 'CLOSE_TRACE_CHUNK':
    case 'TRACE_CHUNK_EXISTS':
      return cmd;
    default:
      // everything else, unknown ids included, gets lttcomm_relayd_generic_reply
      return 'GENERIC';
  }
}

/** Longest path in CREATE_SESSION / CLOSE_TRACE_CHUNK replies, NUL included (the sessiond refuses PATH_MAX). */
export const RELAYD_MAX_REPLY_PATH = S.PATH_MAX - 1;

function fixedSize(kind: RelayReplyKind, minor: number): number | undefined {
  switch (kind) {
    case 'GENERIC':
      return 4;
    case 'VERSION':
      return 8;
    case 'GET_CONFIGURATION':
    case 'ADD_STREAM':
      return 12;
    case 'TRACE_CHUNK_EXISTS':
      return 5;
    case 'CREATE_SESSION':
      return minor < 11 ? 12 : undefined;
    case 'CLOSE_TRACE_CHUNK':
      return undefined;
  }
}

/**
 * Size of the next reply of this kind, or undefined while the queued bytes do not tell yet.
 * Throws WireError on a path length beyond RELAYD_MAX_REPLY_PATH, before buffering it.
 */
export function measureRelayReply(kind: RelayReplyKind, minor: number, q: ByteQueue): number | undefined {
  const fixed = fixedSize(kind, minor);
  if (fixed !== undefined) return fixed;
  const lenAt = kind === 'CREATE_SESSION' ? 12 : 4;
  if (q.length < lenAt + 4) return undefined;
  const len = q.u32At(lenAt);
  if (len > RELAYD_MAX_REPLY_PATH) {
    throw new WireError('relayd-reply', kind, kind === 'CREATE_SESSION' ? 'output_path_length' : 'path_length', q.consumed + lenAt, `${len} exceeds ${RELAYD_MAX_REPLY_PATH}`);
  }
  return lenAt + 4 + len;
}

/** Decodes one whole reply of the given kind. */
export function decodeRelayReply(kind: RelayReplyKind, minor: number, r: Reader): RelayReply {
  r.command = `${kind} reply`;
  let out: RelayReply;
  switch (kind) {
    case 'GENERIC':
      out = { reply: 'GENERIC', retCode: r.u32('ret_code') };
      break;
    case 'VERSION':
      out = { reply: 'VERSION', major: r.u32('major'), minor: r.u32('minor') };
      break;
    case 'GET_CONFIGURATION':
      out = { reply: 'GET_CONFIGURATION', retCode: r.u32('ret_code'), flags: r.u64('relayd_configuration_flags') };
      break;
    case 'ADD_STREAM':
      out = { reply: 'ADD_STREAM', handle: r.u64('handle'), retCode: r.u32('ret_code') };
      break;
    case 'TRACE_CHUNK_EXISTS': {
      const retCode = r.u32('ret_code');
      out = { reply: 'TRACE_CHUNK_EXISTS', retCode, exists: r.u8('trace_chunk_exists') !== 0 };
      break;
    }
    case 'CREATE_SESSION': {
      const sessionId = r.u64('session_id');
      const retCode = r.u32('ret_code');
      out = { reply: 'CREATE_SESSION', sessionId, retCode };
      if (minor >= 11) {
        const len = r.u32('output_path_length');
        if (len > RELAYD_MAX_REPLY_PATH) r.fail('output_path_length', `${len} exceeds ${RELAYD_MAX_REPLY_PATH}`, r.pos - 4);
        if (len > 0) out.outputPath = r.cString(len, 'output_path');
      }
      break;
    }
    case 'CLOSE_TRACE_CHUNK': {
      const retCode = r.u32('ret_code');
      const len = r.u32('path_length');
      if (len > RELAYD_MAX_REPLY_PATH) r.fail('path_length', `${len} exceeds ${RELAYD_MAX_REPLY_PATH}`, r.pos - 4);
      out = { reply: 'CLOSE_TRACE_CHUNK', retCode };
      if (len > 0) out.path = r.cString(len, 'path');
      break;
    }
  }
  r.end();
  return out;
}

/** Encodes a reply (CREATE_SESSION's form by the negotiated minor). */
export function encodeRelayReply(reply: RelayReply, minor: number): Buffer {
  const name = `${reply.reply} reply`;
  switch (reply.reply) {
    case 'GENERIC': {
      const w = new Writer(4, 'relayd-reply', name);
      w.u32(reply.retCode, 'ret_code');
      return w.done();
    }
    case 'VERSION': {
      const w = new Writer(8, 'relayd-reply', name);
      w.u32(reply.major, 'major');
      w.u32(reply.minor, 'minor');
      return w.done();
    }
    case 'GET_CONFIGURATION': {
      const w = new Writer(12, 'relayd-reply', name);
      w.u32(reply.retCode, 'ret_code');
      w.u64(reply.flags, 'relayd_configuration_flags');
      return w.done();
    }
    case 'ADD_STREAM': {
      const w = new Writer(12, 'relayd-reply', name);
      w.u64(reply.handle, 'handle');
      w.u32(reply.retCode, 'ret_code');
      return w.done();
    }
    case 'TRACE_CHUNK_EXISTS': {
      const w = new Writer(5, 'relayd-reply', name);
      w.u32(reply.retCode, 'ret_code');
      w.u8(reply.exists ? 1 : 0, 'trace_chunk_exists');
      return w.done();
    }
    case 'CREATE_SESSION': {
      if (minor < 11) {
        const w = new Writer(12, 'relayd-reply', name);
        w.u64(reply.sessionId, 'session_id');
        w.u32(reply.retCode, 'ret_code');
        return w.done();
      }
      const path = pathBytes(reply.outputPath, 'output_path', name);
      const len = path ? path.length + 1 : 0;
      const w = new Writer(16 + len, 'relayd-reply', name);
      w.u64(reply.sessionId, 'session_id');
      w.u32(reply.retCode, 'ret_code');
      w.u32(len, 'output_path_length');
      if (path) w.cString(path);
      return w.done();
    }
    case 'CLOSE_TRACE_CHUNK': {
      const path = pathBytes(reply.path, 'path', name);
      const len = path ? path.length + 1 : 0;
      const w = new Writer(8 + len, 'relayd-reply', name);
      w.u32(reply.retCode, 'ret_code');
      w.u32(len, 'path_length');
      if (path) w.cString(path);
      return w.done();
    }
  }
}

function pathBytes(p: string | undefined, field: string, name: string): Buffer | undefined {
  if (p === undefined) return undefined;
  const probe = new Writer(0, 'relayd-reply', name);
  const raw = stringBytes(p, field, probe);
  if (raw.length + 1 > RELAYD_MAX_REPLY_PATH) probe.fail(field, `${raw.length + 1} bytes exceed ${RELAYD_MAX_REPLY_PATH}`);
  return raw;
}
