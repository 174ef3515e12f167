// Relay → viewer replies. No header: the viewer knows which command it sent; the variable
// tails (session list, stream descriptors, packet and metadata bytes) are sized by the
// fixed part, and follow only when the status says OK.
import { type ByteQueue, Reader, Writer, stringBytes } from './bytes.js';
import { WireError } from './errors.js';
import {
  LIVE_FIXED_REPLIES, LIVE_MAJOR, LIVE_MINOR_SESSION_LIST_2_15, MetadataStatus, PacketStatus,
  VIEWER_SESSION_2_15, VIEWER_SESSION_2_4, VIEWER_STREAM,
  type LiveCommand, type LiveFixedReply, type LiveReply, type ViewerSession, type ViewerStream,
} from './live-types.js';
import type { AwaitedReply, ReplyCodec } from './stream.js';
import { LTTNG_HOST_NAME_MAX, LTTNG_NAME_MAX, encodeStruct, readStruct, structSize, writeStruct, type StructOf, type StructSpec } from './struct.js';

/** Default cap of one reply's bytes (a session list, the streams of one attach, one metadata read). */
export const LIVE_MAX_REPLY = 64 * 1024 * 1024;
/** Most entries in one LIST_SESSIONS reply. */
export const LIVE_MAX_SESSIONS = 65536;

export type LiveReplyKind = LiveReply['reply'];

export function liveReplyKindOf(cmd: LiveCommand['cmd']): LiveReplyKind {
  return cmd;
}

const OK = 1; // every status enum's OK
const STREAM_SIZE = structSize(VIEWER_STREAM);
const SESSION_2_4_SIZE = structSize(VIEWER_SESSION_2_4);
const SESSION_2_15_SIZE = structSize(VIEWER_SESSION_2_15);

function isFixed(kind: LiveReplyKind): kind is LiveFixedReply {
  return kind in LIVE_FIXED_REPLIES;
}

function tooBig(kind: string, field: string, at: number, detail: string): never {
  throw new WireError('live-reply', `${kind} reply`, field, at, detail);
}

/** Size of the next reply, or undefined while the queued bytes do not tell yet. */
export function measureLiveReply(want: AwaitedReply<LiveCommand, LiveReplyKind>, minor: number, q: ByteQueue, maxReply = LIVE_MAX_REPLY): number | undefined {
  const ctx = { minor, maxReply };
  const { kind, request } = want;
  const at = q.consumed;
  if (isFixed(kind)) return structSize(LIVE_FIXED_REPLIES[kind]);
  switch (kind) {
    case 'GET_PACKET': {
      if (q.length < 12) return undefined;
      if (q.u32At(0) !== PacketStatus.OK) return 12;
      const len = q.u32At(4);
      const asked = request.cmd === 'GET_PACKET' ? request.len : ctx.maxReply;
      if (len > Math.min(asked, ctx.maxReply)) tooBig(kind, 'len', at + 4, `${len} exceeds the ${Math.min(asked, ctx.maxReply)} bytes asked for`);
      return 12 + len;
    }
    case 'GET_METADATA': {
      if (q.length < 12) return undefined;
      if (q.u32At(8) !== MetadataStatus.OK) return 12;
      const len = q.u64At(0);
      if (len > BigInt(ctx.maxReply)) tooBig(kind, 'len', at, `${len} exceeds ${ctx.maxReply}`);
      return 12 + Number(len);
    }
    case 'ATTACH_SESSION':
    case 'GET_NEW_STREAMS': {
      if (q.length < 8) return undefined;
      if (q.u32At(0) !== OK) return 8;
      const count = q.u32At(4);
      if (8 + count * STREAM_SIZE > ctx.maxReply) tooBig(kind, 'streams_count', at + 4, `${count} streams exceed ${ctx.maxReply} bytes`);
      return 8 + count * STREAM_SIZE;
    }
    case 'LIST_SESSIONS': {
      if (q.length < 4) return undefined;
      const count = q.u32At(0);
      if (count > LIVE_MAX_SESSIONS) tooBig(kind, 'sessions_count', at, `${count} exceeds ${LIVE_MAX_SESSIONS}`);
      if (ctx.minor < LIVE_MINOR_SESSION_LIST_2_15) {
        if (4 + count * SESSION_2_4_SIZE > ctx.maxReply) tooBig(kind, 'sessions_count', at, `${count} sessions exceed ${ctx.maxReply} bytes`);
        return 4 + count * SESSION_2_4_SIZE;
      }
      const w = (want.progress ??= { count, off: 4, i: 0 });
      while (w.i < w.count) {
        if (q.length < w.off + SESSION_2_15_SIZE) return undefined;
        const hl = q.u32At(w.off + 20);
        const sl = q.u32At(w.off + 24);
        if (hl > LTTNG_HOST_NAME_MAX) tooBig(kind, `sessions[${w.i}].hostname_len`, at + w.off + 20, `${hl} exceeds ${LTTNG_HOST_NAME_MAX}`);
        if (sl > LTTNG_NAME_MAX) tooBig(kind, `sessions[${w.i}].session_name_len`, at + w.off + 24, `${sl} exceeds ${LTTNG_NAME_MAX}`);
        w.off += SESSION_2_15_SIZE + hl + sl;
        w.i++;
        if (w.off > ctx.maxReply) tooBig(kind, 'sessions_count', at, `${count} sessions exceed ${ctx.maxReply} bytes`);
      }
      return w.off;
    }
  }
}

function readStreams(r: Reader, count: number): ViewerStream[] {
  const streams: ViewerStream[] = [];
  for (let i = 0; i < count; i++) streams.push(readStruct(r, VIEWER_STREAM, `streams[${i}].`));
  return streams;
}

/** The struct of the replies that are one fixed struct. */
export function liveReplySpec(kind: LiveReplyKind): StructSpec | undefined {
  return isFixed(kind) ? LIVE_FIXED_REPLIES[kind] : undefined;
}

/** Decodes one whole reply with a variable tail (its size given by measureLiveReply). */
export function decodeLiveReplyTail(kind: LiveReplyKind, minor: number, r: Reader): LiveReply {
  if (kind === 'LIST_SESSIONS') {
    const count = r.u32('sessions_count');
    const sessions: ViewerSession[] = [];
    for (let i = 0; i < count; i++) sessions.push(minor < LIVE_MINOR_SESSION_LIST_2_15 ? readStruct(r, VIEWER_SESSION_2_4, `sessions[${i}].`) : readSession215(r, i));
    return { reply: kind, sessions };
  }
  if (kind === 'ATTACH_SESSION' || kind === 'GET_NEW_STREAMS') {
    const status = r.u32('status');
    const count = r.u32('streams_count');
    return status === OK ? { reply: kind, status, streams: readStreams(r, count) } : { reply: kind, status, streams: [], streamsCount: count };
  }
  if (kind === 'GET_PACKET') {
    const status = r.u32('status');
    const len = r.u32('len');
    const flags = r.u32('flags');
    return status === PacketStatus.OK ? { reply: kind, status, flags, data: r.bytes(len, 'data') } : { reply: kind, status, flags, data: new Uint8Array(0), len };
  }
  const len = r.u64('len');
  const status = r.u32('status');
  return status === MetadataStatus.OK ? { reply: 'GET_METADATA', status, data: r.bytes(Number(len), 'data') } : { reply: 'GET_METADATA', status, data: new Uint8Array(0), len };
}

function readSession215(r: Reader, i: number): ViewerSession {
  const f = `sessions[${i}].`;
  const { hostnameLen, sessionNameLen, ...common } = readStruct(r, VIEWER_SESSION_2_15, f);
  if (hostnameLen > LTTNG_HOST_NAME_MAX) r.fail(`${f}hostname_len`, `${hostnameLen} exceeds ${LTTNG_HOST_NAME_MAX}`, r.pos - 12);
  if (sessionNameLen > LTTNG_NAME_MAX) r.fail(`${f}session_name_len`, `${sessionNameLen} exceeds ${LTTNG_NAME_MAX}`, r.pos - 8);
  return { ...common, hostname: r.plainString(hostnameLen, `${f}hostname`), sessionName: r.plainString(sessionNameLen, `${f}session_name`) };
}

/** The live port's replies, for ReplyDecoder (the limit is LIVE_MAX_REPLY or the viewer's own). */
export const LIVE_REPLIES: ReplyCodec<LiveCommand, LiveReplyKind, LiveReply> = {
  protocol: 'live-reply',
  major: LIVE_MAJOR,
  kindOf: (command) => liveReplyKindOf(command.cmd),
  measure: measureLiveReply,
  fixedSpec: liveReplySpec,
  decodeTail: decodeLiveReplyTail,
  version: (m) => (('cmd' in m && m.cmd === 'CONNECT') || ('reply' in m && m.reply === 'CONNECT') ? m : undefined),
};

/** Encodes a reply; LIST_SESSIONS entries take the 2.15 form when minor >= 15. */
export function encodeLiveReply(reply: LiveReply, minor: number): Buffer {
  const name = `${reply.reply} reply`;
  const probe = new Writer(0, 'live-reply', name);
  if (isFixed(reply.reply)) return encodeStruct('live-reply', name, LIVE_FIXED_REPLIES[reply.reply], reply as unknown as StructOf<StructSpec>);
  switch (reply.reply) {
    case 'LIST_SESSIONS': {
      const v215 = minor >= LIVE_MINOR_SESSION_LIST_2_15;
      const names = reply.sessions.map((s, i) => [stringBytes(s.hostname, `sessions[${i}].hostname`, probe), stringBytes(s.sessionName, `sessions[${i}].session_name`, probe)] as const);
      let size = 4;
      for (const [h, n] of names) size += v215 ? SESSION_2_15_SIZE + h.length + n.length : SESSION_2_4_SIZE;
      const w = new Writer(size, 'live-reply', name);
      w.u32(reply.sessions.length, 'sessions_count');
      reply.sessions.forEach((s, i) => {
        const f = `sessions[${i}].`;
        if (!v215) return writeStruct(w, VIEWER_SESSION_2_4, s, f);
        const [h, n] = names[i]!;
        if (h.length > LTTNG_HOST_NAME_MAX) w.fail(`${f}hostname`, `${h.length} bytes exceed ${LTTNG_HOST_NAME_MAX}`);
        if (n.length > LTTNG_NAME_MAX) w.fail(`${f}session_name`, `${n.length} bytes exceed ${LTTNG_NAME_MAX}`);
        writeStruct(w, VIEWER_SESSION_2_15, { ...s, hostnameLen: h.length, sessionNameLen: n.length, traceFormat: s.traceFormat ?? 0 }, f);
        w.bytes(h);
        w.bytes(n);
      });
      return w.done();
    }
    case 'ATTACH_SESSION':
    case 'GET_NEW_STREAMS': {
      const ok = reply.status === OK;
      if (!ok && reply.streams.length > 0) probe.fail('streams', 'only an OK reply carries streams');
      const w = new Writer(8 + reply.streams.length * STREAM_SIZE, 'live-reply', name);
      w.u32(reply.status, 'status');
      w.u32(ok ? reply.streams.length : (reply.streamsCount ?? 0), 'streams_count');
      reply.streams.forEach((s, i) => writeStruct(w, VIEWER_STREAM, s, `streams[${i}].`));
      return w.done();
    }
    case 'GET_PACKET': {
      const ok = reply.status === PacketStatus.OK;
      if (!ok && reply.data.length > 0) probe.fail('data', 'only an OK reply carries data');
      const w = new Writer(12 + reply.data.length, 'live-reply', name);
      w.u32(reply.status, 'status');
      w.u32(ok ? reply.data.length : (reply.len ?? 0), 'len');
      w.u32(reply.flags, 'flags');
      w.bytes(reply.data);
      return w.done();
    }
    case 'GET_METADATA': {
      const ok = reply.status === MetadataStatus.OK;
      if (!ok && reply.data.length > 0) probe.fail('data', 'only an OK reply carries data');
      const w = new Writer(12 + reply.data.length, 'live-reply', name);
      w.u64(ok ? BigInt(reply.data.length) : (reply.len ?? 0n), 'len');
      w.u32(reply.status, 'status');
      w.bytes(reply.data);
      return w.done();
    }
    default:
      return probe.fail('reply', 'not a live reply');
  }
}
