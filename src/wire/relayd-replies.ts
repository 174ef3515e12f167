// Replies on the relayd control port. They carry no header: which struct comes next is
// told by the command that was sent, and for CREATE_SESSION by the negotiated minor.
import { type ByteQueue, Reader, Writer, cStringBytes } from './bytes.js';
import { WireError } from './errors.js';
import {
  CREATE_SESSION_REPLY_HEAD, RELAYD_FIXED_REPLIES, RELAYD_MAJOR,
  type RelayCommand, type RelayFixedReply, type RelayReply,
} from './relayd-types.js';
import type { ReplyCodec } from './stream.js';
import { LTTNG_PATH_MAX, encodeStruct, readStruct, structSize, writeStruct, type StructOf, type StructSpec } from './struct.js';

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
export const RELAYD_MAX_REPLY_PATH = LTTNG_PATH_MAX - 1;

function isFixed(kind: RelayReplyKind): kind is RelayFixedReply {
  return kind in RELAYD_FIXED_REPLIES;
}

/** where the path length sits in the replies that end with a path */
function pathLengthAt(kind: RelayReplyKind, minor: number): number | undefined {
  if (kind === 'CREATE_SESSION') return minor >= 11 ? 12 : undefined;
  return kind === 'CLOSE_TRACE_CHUNK' ? 4 : undefined;
}

/**
 * Size of the next reply of this kind, or undefined while the queued bytes do not tell yet.
 * Throws WireError on a path length beyond RELAYD_MAX_REPLY_PATH, before buffering it.
 */
export function measureRelayReply(kind: RelayReplyKind, minor: number, q: ByteQueue, maxPath = RELAYD_MAX_REPLY_PATH): number | undefined {
  if (isFixed(kind)) return structSize(RELAYD_FIXED_REPLIES[kind]);
  if (kind === 'TRACE_CHUNK_EXISTS') return 5;
  const lenAt = pathLengthAt(kind, minor);
  if (lenAt === undefined) return structSize(CREATE_SESSION_REPLY_HEAD);
  if (q.length < lenAt + 4) return undefined;
  const len = q.u32At(lenAt);
  if (len > maxPath) {
    throw new WireError('relayd-reply', `${kind} reply`, kind === 'CREATE_SESSION' ? 'output_path_length' : 'path_length', q.consumed + lenAt, `${len} exceeds ${maxPath}`);
  }
  return lenAt + 4 + len;
}

/** The struct of the replies that are one fixed struct. */
export function relayReplySpec(kind: RelayReplyKind): StructSpec | undefined {
  return isFixed(kind) ? RELAYD_FIXED_REPLIES[kind] : undefined;
}

/** Decodes one whole reply of the other kinds (those ending with a path, TRACE_CHUNK_EXISTS). */
export function decodeRelayReplyTail(kind: RelayReplyKind, minor: number, r: Reader): RelayReply {
  if (kind === 'TRACE_CHUNK_EXISTS') {
    const retCode = r.u32('ret_code');
    return { reply: kind, retCode, exists: r.u8('trace_chunk_exists') !== 0 };
  }
  if (kind === 'CREATE_SESSION') {
    const out: RelayReply = { reply: kind, ...readStruct(r, CREATE_SESSION_REPLY_HEAD) };
    const path = minor >= 11 ? readPath(r, 'output_path') : undefined;
    if (path !== undefined) out.outputPath = path;
    return out;
  }
  const out: RelayReply = { reply: 'CLOSE_TRACE_CHUNK', retCode: r.u32('ret_code') };
  const path = readPath(r, 'path');
  if (path !== undefined) out.path = path;
  return out;
}

function readPath(r: Reader, field: string): string | undefined {
  const len = r.u32Max(`${field}_length`, RELAYD_MAX_REPLY_PATH);
  return len > 0 ? r.cString(len, field) : undefined;
}

/** The relayd control port's replies, for ReplyDecoder (the limit is the longest path). */
export const RELAYD_REPLIES: ReplyCodec<RelayCommand, RelayReplyKind, RelayReply> = {
  protocol: 'relayd-reply',
  major: RELAYD_MAJOR,
  kindOf: (command) => replyKindOf(command.cmd),
  measure: (want, minor, q, limit) => measureRelayReply(want.kind, minor, q, limit),
  fixedSpec: relayReplySpec,
  decodeTail: decodeRelayReplyTail,
  version: (m) => (('cmd' in m && m.cmd === 'VERSION') || ('reply' in m && m.reply === 'VERSION') ? m : undefined),
};

/** Encodes a reply (CREATE_SESSION's form by the negotiated minor). */
export function encodeRelayReply(reply: RelayReply, minor: number): Buffer {
  const name = `${reply.reply} reply`;
  if (isFixed(reply.reply)) return encodeStruct('relayd-reply', name, RELAYD_FIXED_REPLIES[reply.reply], reply as unknown as StructOf<StructSpec>);
  switch (reply.reply) {
    case 'TRACE_CHUNK_EXISTS': {
      const w = new Writer(5, 'relayd-reply', name);
      w.u32(reply.retCode, 'ret_code');
      w.u8(reply.exists ? 1 : 0, 'trace_chunk_exists');
      return w.done();
    }
    case 'CREATE_SESSION':
      return withPath(name, CREATE_SESSION_REPLY_HEAD, reply, minor >= 11, reply.outputPath, 'output_path');
    case 'CLOSE_TRACE_CHUNK':
      return withPath(name, RELAYD_FIXED_REPLIES.GENERIC, reply, true, reply.path, 'path');
    default:
      return new Writer(0, 'relayd-reply', name).fail('reply', 'not a relayd reply');
  }
}

/** a fixed head, then (when hasPath) a u32 length (NUL included, 0 = none) and the path */
function withPath<T extends StructSpec>(name: string, head: T, v: StructOf<T>, hasPath: boolean, path: string | undefined, field: string): Buffer {
  const probe = new Writer(0, 'relayd-reply', name);
  const raw = hasPath && path !== undefined ? cStringBytes(path, field, RELAYD_MAX_REPLY_PATH, probe) : undefined;
  const w = new Writer(structSize(head) + (hasPath ? 4 : 0) + (raw ? raw.length + 1 : 0), 'relayd-reply', name);
  writeStruct(w, head, v);
  if (hasPath) w.u32(raw ? raw.length + 1 : 0, `${field}_length`);
  if (raw) w.cString(raw);
  return w.done();
}
