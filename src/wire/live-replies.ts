// Relay → viewer replies. No header: the viewer knows which command it sent; the variable
// tails (session list, stream descriptors, packet and metadata bytes) are sized by the
// fixed part, and follow only when the status says OK.
import { type ByteQueue, Reader, Writer, stringBytes } from './bytes.js';
import { WireError } from './errors.js';
import {
  LIVE_MINOR_SESSION_LIST_2_15, LiveSizes as S, MetadataStatus, NewStreamsStatus, AttachStatus, PacketStatus,
  type LiveCommand, type LiveReply, type ViewerSession, type ViewerStream,
} from './live-types.js';

/** Default cap of one reply's bytes (a session list, the streams of one attach, one metadata read). */
export const LIVE_MAX_REPLY = 64 * 1024 * 1024;
/** Most entries in one LIST_SESSIONS reply. */
export const LIVE_MAX_SESSIONS = 65536;

export type LiveReplyKind = LiveReply['reply'];

export function liveReplyKindOf(cmd: LiveCommand['cmd']): LiveReplyKind {
  return cmd;
}

const OK = 1; // every status enum's OK

/** Progress through a 2.15 session list, kept between calls so a big list is walked once. */
export interface ListWalk {
  count: number;
  off: number;
  i: number;
}

export interface MeasureContext {
  minor: number;
  maxReply: number;
  /** the request, when known: GET_PACKET's len bounds its reply */
  request?: LiveCommand | undefined;
  walk?: ListWalk | undefined;
}

function tooBig(kind: string, field: string, at: number, detail: string): never {
  throw new WireError('live-reply', `${kind} reply`, field, at, detail);
}

/** Size of the next reply, or undefined while the queued bytes do not tell yet. */
export function measureLiveReply(kind: LiveReplyKind, ctx: MeasureContext, q: ByteQueue): number | undefined {
  const at = q.consumed;
  switch (kind) {
    case 'CONNECT':
      return 20;
    case 'GET_NEXT_INDEX':
      return S.INDEX;
    case 'CREATE_SESSION':
    case 'DETACH_SESSION':
    case 'UNKNOWN':
      return 4;
    case 'GET_PACKET': {
      if (q.length < 12) return undefined;
      if (q.u32At(0) !== PacketStatus.OK) return 12;
      const len = q.u32At(4);
      const asked = ctx.request?.cmd === 'GET_PACKET' ? ctx.request.len : ctx.maxReply;
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
      if (8 + count * S.STREAM > ctx.maxReply) tooBig(kind, 'streams_count', at + 4, `${count} streams exceed ${ctx.maxReply} bytes`);
      return 8 + count * S.STREAM;
    }
    case 'LIST_SESSIONS': {
      if (q.length < 4) return undefined;
      const count = q.u32At(0);
      if (count > LIVE_MAX_SESSIONS) tooBig(kind, 'sessions_count', at, `${count} exceeds ${LIVE_MAX_SESSIONS}`);
      if (ctx.minor < LIVE_MINOR_SESSION_LIST_2_15) {
        if (4 + count * S.SESSION_2_4 > ctx.maxReply) tooBig(kind, 'sessions_count', at, `${count} sessions exceed ${ctx.maxReply} bytes`);
        return 4 + count * S.SESSION_2_4;
      }
      const w = (ctx.walk ??= { count, off: 4, i: 0 });
      while (w.i < w.count) {
        if (q.length < w.off + S.SESSION_2_15) return undefined;
        const hl = q.u32At(w.off + 20);
        const sl = q.u32At(w.off + 24);
        if (hl > S.HOST_NAME_MAX) tooBig(kind, `sessions[${w.i}].hostname_len`, at + w.off + 20, `${hl} exceeds ${S.HOST_NAME_MAX}`);
        if (sl > S.NAME_MAX) tooBig(kind, `sessions[${w.i}].session_name_len`, at + w.off + 24, `${sl} exceeds ${S.NAME_MAX}`);
        w.off += S.SESSION_2_15 + hl + sl;
        w.i++;
        if (w.off > ctx.maxReply) tooBig(kind, 'sessions_count', at, `${count} sessions exceed ${ctx.maxReply} bytes`);
      }
      return w.off;
    }
  }
}

function decodeStream(r: Reader, i: number): ViewerStream {
  return {
    id: r.u64(`streams[${i}].id`),
    ctfTraceId: r.u64(`streams[${i}].ctf_trace_id`),
    metadataFlag: r.u32(`streams[${i}].metadata_flag`),
    pathName: r.fixedString(S.PATH_MAX, `streams[${i}].path_name`),
    channelName: r.fixedString(S.NAME_MAX, `streams[${i}].channel_name`),
  };
}

/** Decodes one whole reply (its size given by measureLiveReply). */
export function decodeLiveReply(kind: LiveReplyKind, minor: number, r: Reader): LiveReply {
  r.command = `${kind} reply`;
  let out: LiveReply;
  switch (kind) {
    case 'CONNECT':
      out = { reply: 'CONNECT', viewerSessionId: r.u64('viewer_session_id'), major: r.u32('major'), minor: r.u32('minor'), type: r.u32('type') };
      break;
    case 'LIST_SESSIONS': {
      const count = r.u32('sessions_count');
      const sessions: ViewerSession[] = [];
      for (let i = 0; i < count; i++) {
        const f = `sessions[${i}]`;
        const id = r.u64(`${f}.id`);
        const liveTimer = r.u32(`${f}.live_timer`);
        const clients = r.u32(`${f}.clients`);
        const streams = r.u32(`${f}.streams`);
        if (minor < LIVE_MINOR_SESSION_LIST_2_15) {
          const hostname = r.fixedString(S.HOST_NAME_MAX, `${f}.hostname`);
          const sessionName = r.fixedString(S.NAME_MAX, `${f}.session_name`);
          sessions.push({ id, liveTimer, clients, streams, hostname, sessionName });
        } else {
          const hl = r.u32(`${f}.hostname_len`);
          const sl = r.u32(`${f}.session_name_len`);
          const traceFormat = r.u32(`${f}.trace_format`);
          if (hl > S.HOST_NAME_MAX) r.fail(`${f}.hostname_len`, `${hl} exceeds ${S.HOST_NAME_MAX}`, r.pos - 12);
          if (sl > S.NAME_MAX) r.fail(`${f}.session_name_len`, `${sl} exceeds ${S.NAME_MAX}`, r.pos - 8);
          const hostname = r.plainString(hl, `${f}.hostname`);
          const sessionName = r.plainString(sl, `${f}.session_name`);
          sessions.push({ id, liveTimer, clients, streams, hostname, sessionName, traceFormat });
        }
      }
      out = { reply: 'LIST_SESSIONS', sessions };
      break;
    }
    case 'ATTACH_SESSION':
    case 'GET_NEW_STREAMS': {
      const status = r.u32('status');
      const count = r.u32('streams_count');
      const streams: ViewerStream[] = [];
      if (status === OK) for (let i = 0; i < count; i++) streams.push(decodeStream(r, i));
      out = { reply: kind, status, streams };
      if (status !== OK) out.streamsCount = count;
      break;
    }
    case 'GET_NEXT_INDEX':
      out = {
        reply: 'GET_NEXT_INDEX',
        offset: r.u64('offset'),
        packetSize: r.u64('packet_size'),
        contentSize: r.u64('content_size'),
        timestampBegin: r.u64('timestamp_begin'),
        timestampEnd: r.u64('timestamp_end'),
        eventsDiscarded: r.u64('events_discarded'),
        streamId: r.u64('stream_id'),
        status: r.u32('status'),
        flags: r.u32('flags'),
      };
      break;
    case 'GET_PACKET': {
      const status = r.u32('status');
      const len = r.u32('len');
      const flags = r.u32('flags');
      out = status === PacketStatus.OK
        ? { reply: 'GET_PACKET', status, flags, data: r.bytes(len, 'data') }
        : { reply: 'GET_PACKET', status, flags, data: new Uint8Array(0), len };
      break;
    }
    case 'GET_METADATA': {
      const len = r.u64('len');
      const status = r.u32('status');
      out = status === MetadataStatus.OK
        ? { reply: 'GET_METADATA', status, data: r.bytes(Number(len), 'data') }
        : { reply: 'GET_METADATA', status, data: new Uint8Array(0), len };
      break;
    }
    case 'CREATE_SESSION':
    case 'DETACH_SESSION':
      out = { reply: kind, status: r.u32('status') };
      break;
    case 'UNKNOWN':
      out = { reply: 'UNKNOWN', retCode: r.u32('ret_code') };
      break;
  }
  r.end();
  return out;
}

/** Encodes a reply; LIST_SESSIONS entries take the 2.15 form when minor >= 15. */
export function encodeLiveReply(reply: LiveReply, minor: number): Buffer {
  const name = `${reply.reply} reply`;
  switch (reply.reply) {
    case 'CONNECT': {
      const w = new Writer(20, 'live-reply', name);
      w.u64(reply.viewerSessionId, 'viewer_session_id');
      w.u32(reply.major, 'major');
      w.u32(reply.minor, 'minor');
      w.u32(reply.type, 'type');
      return w.done();
    }
    case 'LIST_SESSIONS': {
      const probe = new Writer(0, 'live-reply', name);
      const v215 = minor >= LIVE_MINOR_SESSION_LIST_2_15;
      const names = reply.sessions.map((s, i) => [stringBytes(s.hostname, `sessions[${i}].hostname`, probe), stringBytes(s.sessionName, `sessions[${i}].session_name`, probe)] as const);
      let size = 4;
      for (const [h, n] of names) size += v215 ? S.SESSION_2_15 + h.length + n.length : S.SESSION_2_4;
      const w = new Writer(size, 'live-reply', name);
      w.u32(reply.sessions.length, 'sessions_count');
      reply.sessions.forEach((s, i) => {
        const f = `sessions[${i}]`;
        w.u64(s.id, `${f}.id`);
        w.u32(s.liveTimer, `${f}.live_timer`);
        w.u32(s.clients, `${f}.clients`);
        w.u32(s.streams, `${f}.streams`);
        if (!v215) {
          w.fixedString(s.hostname, S.HOST_NAME_MAX, `${f}.hostname`);
          w.fixedString(s.sessionName, S.NAME_MAX, `${f}.session_name`);
          return;
        }
        const [h, n] = names[i]!;
        if (h.length > S.HOST_NAME_MAX) w.fail(`${f}.hostname`, `${h.length} bytes exceed ${S.HOST_NAME_MAX}`);
        if (n.length > S.NAME_MAX) w.fail(`${f}.session_name`, `${n.length} bytes exceed ${S.NAME_MAX}`);
        w.u32(h.length, `${f}.hostname_len`);
        w.u32(n.length, `${f}.session_name_len`);
        w.u32(s.traceFormat ?? 0, `${f}.trace_format`);
        w.bytes(h);
        w.bytes(n);
      });
      return w.done();
    }
    case 'ATTACH_SESSION':
    case 'GET_NEW_STREAMS': {
      const ok = reply.status === (reply.reply === 'ATTACH_SESSION' ? AttachStatus.OK : NewStreamsStatus.OK);
      if (!ok && reply.streams.length > 0) new Writer(0, 'live-reply', name).fail('streams', 'only an OK reply carries streams');
      const w = new Writer(8 + (ok ? reply.streams.length * S.STREAM : 0), 'live-reply', name);
      w.u32(reply.status, 'status');
      w.u32(ok ? reply.streams.length : (reply.streamsCount ?? 0), 'streams_count');
      reply.streams.forEach((s, i) => {
        w.u64(s.id, `streams[${i}].id`);
        w.u64(s.ctfTraceId, `streams[${i}].ctf_trace_id`);
        w.u32(s.metadataFlag, `streams[${i}].metadata_flag`);
        w.fixedString(s.pathName, S.PATH_MAX, `streams[${i}].path_name`);
        w.fixedString(s.channelName, S.NAME_MAX, `streams[${i}].channel_name`);
      });
      return w.done();
    }
    case 'GET_NEXT_INDEX': {
      const w = new Writer(S.INDEX, 'live-reply', name);
      w.u64(reply.offset, 'offset');
      w.u64(reply.packetSize, 'packet_size');
      w.u64(reply.contentSize, 'content_size');
      w.u64(reply.timestampBegin, 'timestamp_begin');
      w.u64(reply.timestampEnd, 'timestamp_end');
      w.u64(reply.eventsDiscarded, 'events_discarded');
      w.u64(reply.streamId, 'stream_id');
      w.u32(reply.status, 'status');
      w.u32(reply.flags, 'flags');
      return w.done();
    }
    case 'GET_PACKET': {
      const ok = reply.status === PacketStatus.OK;
      if (!ok && reply.data.length > 0) new Writer(0, 'live-reply', name).fail('data', 'only an OK reply carries data');
      const w = new Writer(12 + reply.data.length, 'live-reply', name);
      w.u32(reply.status, 'status');
      w.u32(ok ? reply.data.length : (reply.len ?? 0), 'len');
      w.u32(reply.flags, 'flags');
      w.bytes(reply.data);
      return w.done();
    }
    case 'GET_METADATA': {
      const ok = reply.status === MetadataStatus.OK;
      if (!ok && reply.data.length > 0) new Writer(0, 'live-reply', name).fail('data', 'only an OK reply carries data');
      const w = new Writer(12 + reply.data.length, 'live-reply', name);
      w.u64(ok ? BigInt(reply.data.length) : (reply.len ?? 0n), 'len');
      w.u32(reply.status, 'status');
      w.bytes(reply.data);
      return w.done();
    }
    case 'CREATE_SESSION':
    case 'DETACH_SESSION': {
      const w = new Writer(4, 'live-reply', name);
      w.u32(reply.status, 'status');
      return w.done();
    }
    case 'UNKNOWN': {
      const w = new Writer(4, 'live-reply', name);
      w.u32(reply.retCode, 'ret_code');
      return w.done();
    }
  }
}
