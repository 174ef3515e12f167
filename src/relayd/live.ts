// A live viewer connection (port 5344, protocol 2.4; the 2.15 session list for viewers
// asking 2.15), answered as lttng-relayd's live.cpp does. Commands are handled one at
// a time, in order; while some wait for file reads, later ones queue (up to a bound,
// then the socket stops being read), so a viewer only ever slows itself.
import {
  AttachStatus, ConnectionType, CreateSessionStatus, DetachStatus, IndexStatus, LIVE_MAJOR, LiveCommandDecoder, LiveFlag, LttngErr, MetadataStatus, NewStreamsStatus, PacketStatus, Seek,
  encodeLiveReply, type LiveCommand, type LiveCommandFrame, type LiveReply,
} from '../wire/index.js';
import { Connection, ProtocolError } from './conn.js';
import type { RelaySession } from './sessions.js';
import { ViewerStream, indexReply, nextIndex, readMetadata, readPacket } from './viewer.js';

/** the live protocol minor this relay speaks: 2.15's session list for viewers that ask it */
export const LIVE_SERVER_MINOR = 15;
const MAX_QUEUED = 32;

export class LiveConnection extends Connection {
  private readonly decoder = new LiveCommandDecoder({ serverMinor: LIVE_SERVER_MINOR });
  private readonly queue: LiveCommandFrame[] = [];
  private busy = false;
  private versionDone = false;
  private viewerSession = false;
  private readonly attached = new Set<RelaySession>();
  /** by relay stream handle (the viewer's stream id) */
  private readonly streams = new Map<bigint, ViewerStream>();

  protected get kind(): 'live' {
    return 'live';
  }

  protected onBytes(b: Buffer): void {
    this.queue.push(...this.decoder.drain(b));
    if (this.queue.length > MAX_QUEUED) this.sock.pause();
    void this.run();
  }

  protected onEnd(): void {
    this.queue.length = 0;
    for (const s of [...this.attached]) this.detach(s);
  }

  private async run(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      while (this.queue.length > 0 && !this.closed) {
        const f = this.queue.shift()!;
        if (this.log.enabled('debug')) this.log.debug(`${this.label}: ${f.command.cmd === 'UNKNOWN' ? `command ${f.command.id}` : f.command.cmd}`);
        const reply = await this.handle(f.command);
        if (reply && !this.closed) this.send(encodeLiveReply(reply, this.decoder.minor));
        if (this.queue.length <= MAX_QUEUED / 2 && this.sock.isPaused() && this.sock.writableLength === 0) this.sock.resume();
      }
    } catch (e) {
      this.fail(e);
    } finally {
      this.busy = false;
    }
  }

  private detach(s: RelaySession): void {
    this.attached.delete(s);
    if (s.viewer === this) s.viewer = undefined;
    for (const [id, vs] of this.streams) if (vs.session === s) this.streams.delete(id);
    this.state.forget(s);
  }

  /**
   * Viewer streams for the session's published streams that have none yet (LTTng's
   * make_viewer_streams); `open`: the streams still open (a closed one is done on the relay side).
   */
  private makeStreams(s: RelaySession, seek: number): { open: number } {
    let open = 0;
    for (const trace of s.traces.values()) {
      const meta = trace.metadata;
      // a trace without its metadata stream stays hidden until it has one
      if (!(meta && meta.published && !meta.closed) && !(meta && this.streams.has(meta.handle))) continue;
      for (const st of trace.streams) {
        if (!st.published || st.closed) continue;
        if (!this.streams.has(st.handle)) this.streams.set(st.handle, new ViewerStream(st, s, seek));
        open++;
      }
    }
    return { open };
  }

  /** the viewer streams of `s` not announced yet, now announced */
  private announce(s: RelaySession, all: boolean): ReturnType<ViewerStream['describe']>[] {
    const out = [];
    for (const vs of this.streams.values()) {
      if (vs.session !== s || (vs.announced && !all)) continue;
      vs.announced = true;
      out.push(vs.describe());
    }
    return out;
  }

  private async handle(c: LiveCommand): Promise<LiveReply | undefined> {
    if (c.cmd !== 'CONNECT' && !this.versionDone) throw new ProtocolError(`${c.cmd === 'UNKNOWN' ? `command ${c.id}` : c.cmd} before CONNECT`);
    const state = this.state;
    switch (c.cmd) {
      case 'CONNECT': {
        this.versionDone = true;
        if (c.major !== LIVE_MAJOR) throw new ProtocolError(`viewer speaks protocol ${c.major}.${c.minor}`);
        if (c.type !== ConnectionType.COMMAND && c.type !== ConnectionType.NOTIFICATION) throw new ProtocolError(`unknown connection type ${c.type}`);
        const id = c.type === ConnectionType.COMMAND ? state.newViewerId() : 0n;
        return { reply: 'CONNECT', viewerSessionId: id, major: LIVE_MAJOR, minor: LIVE_SERVER_MINOR, type: 0 };
      }
      case 'LIST_SESSIONS': {
        const sessions = [...state.sessions.values()]
          .filter((s) => !s.connectionClosed)
          .map((s) => ({ id: s.id, liveTimer: s.init.liveTimer, clients: s.viewer ? 1 : 0, streams: s.streamCount, hostname: s.init.hostname, sessionName: s.init.name, traceFormat: 0 }));
        return { reply: 'LIST_SESSIONS', sessions };
      }
      case 'CREATE_SESSION':
        this.viewerSession = true;
        return { reply: 'CREATE_SESSION', status: CreateSessionStatus.OK };
      case 'ATTACH_SESSION':
        return this.attach(c.sessionId, c.seek);
      case 'GET_NEW_STREAMS': {
        const s = state.sessions.get(c.sessionId);
        if (!s || !this.attached.has(s)) return { reply: 'GET_NEW_STREAMS', status: NewStreamsStatus.ERR, streams: [] };
        if (s.ongoingRotation) return { reply: 'GET_NEW_STREAMS', status: NewStreamsStatus.NO_NEW, streams: [] };
        const { open } = this.makeStreams(s, Seek.BEGINNING);
        s.newStreams = false;
        if (s.connectionClosed && open === 0) return { reply: 'GET_NEW_STREAMS', status: NewStreamsStatus.HUP, streams: [] };
        return { reply: 'GET_NEW_STREAMS', status: NewStreamsStatus.OK, streams: this.announce(s, false) };
      }
      case 'GET_NEXT_INDEX': {
        const vs = this.streams.get(c.streamId);
        if (!vs) return indexReply(IndexStatus.ERR);
        const reply = await nextIndex(vs, () => this.streams.delete(c.streamId));
        const meta = vs.stream.trace.metadata && this.streams.get(vs.stream.trace.metadata.handle);
        if (meta && (meta.stream.metadataReceived === 0 || meta.stream.metadataReceived > meta.metadataSent)) reply.flags |= LiveFlag.NEW_METADATA;
        if ([...this.attached].some((s) => s.newStreams)) reply.flags |= LiveFlag.NEW_STREAM;
        return reply;
      }
      case 'GET_PACKET': {
        const vs = this.streams.get(c.streamId);
        const data = vs && (await readPacket(vs, c.offset, c.len));
        return data ? { reply: 'GET_PACKET', status: PacketStatus.OK, flags: 0, data } : { reply: 'GET_PACKET', status: PacketStatus.ERR, flags: 0, data: new Uint8Array(0) };
      }
      case 'GET_METADATA': {
        const vs = this.streams.get(c.streamId);
        if (!vs) return { reply: 'GET_METADATA', status: MetadataStatus.ERR, data: new Uint8Array(0) };
        const { reply, dispose } = await readMetadata(vs);
        if (dispose) this.streams.delete(c.streamId);
        return reply;
      }
      case 'DETACH_SESSION': {
        if (!this.viewerSession) return { reply: 'DETACH_SESSION', status: DetachStatus.ERR };
        const s = state.sessions.get(c.sessionId);
        if (!s) return { reply: 'DETACH_SESSION', status: DetachStatus.UNK };
        if (!this.attached.has(s)) return { reply: 'DETACH_SESSION', status: DetachStatus.ERR };
        this.detach(s);
        return { reply: 'DETACH_SESSION', status: DetachStatus.OK };
      }
      case 'UNKNOWN':
        this.send(encodeLiveReply({ reply: 'UNKNOWN', retCode: LttngErr.UNK }, this.decoder.minor));
        this.closeAfterReply(`unknown viewer command ${c.id}`);
        return undefined;
    }
  }

  private attach(id: bigint, seek: number): LiveReply {
    const answer = (status: number, streams: ReturnType<ViewerStream['describe']>[] = []): LiveReply => ({ reply: 'ATTACH_SESSION', status, streams });
    if (!this.viewerSession) return answer(AttachStatus.NO_SESSION);
    const s = this.state.sessions.get(id);
    if (!s) return answer(AttachStatus.UNK);
    if (s.init.liveTimer === 0) return answer(AttachStatus.NOT_LIVE);
    // one viewer per session (lttng-relayd refuses a second attach even from the same viewer)
    if (s.viewer !== undefined) return answer(AttachStatus.ALREADY);
    s.viewer = this;
    this.attached.add(s);
    if (seek !== Seek.BEGINNING && seek !== Seek.LAST) return answer(AttachStatus.SEEK_ERR);
    if (s.ongoingRotation) return answer(AttachStatus.OK);
    this.makeStreams(s, seek);
    if (s.connectionClosed) return answer(AttachStatus.UNK);
    this.log.info(`${this.label}: attached to ${s.label}`);
    return answer(AttachStatus.OK, this.announce(s, true));
  }
}
