// A control connection (port 5342): the sessiond's and consumer daemons' commands,
// answered as lttng-relayd 2.13 answers them. A command out of protocol (before
// VERSION, without a session, an unknown id) closes the connection, with a log line;
// a refused name or a failed write is answered with an error code.
import {
  LttngErr, RELAYD_MAJOR, RELAYD_MINOR, RELAYD_MIN_MINOR, RelayCommandDecoder, encodeRelayReply,
  type RelayCommand, type RelayMsg, type RelayReply,
} from '../wire/index.js';
import { Connection, ProtocolError } from './conn.js';
import { closeTraceChunk, createTraceChunk, rotateStreams, traceChunkExists } from './control-chunks.js';
import { addStream, createSession } from './control-session.js';
import type { RelaySession } from './sessions.js';
import { NONE, seqAtLeast, type RelayStream } from './streams.js';


function generic(retCode: number): RelayReply {
  return { reply: 'GENERIC', retCode };
}

export class ControlConnection extends Connection {
  private readonly decoder = new RelayCommandDecoder();
  private session: RelaySession | undefined;
  private versionDone = false;

  protected get kind(): 'control' {
    return 'control';
  }

  protected onBytes(b: Buffer): void {
    this.decoder.push(b);
    for (let f = this.decoder.next(); f && !this.closed; f = this.decoder.next()) {
      if (this.log.enabled('debug')) this.log.debug(`${this.label}: ${f.command.cmd === 'UNKNOWN' ? `command ${f.command.id}` : f.command.cmd}`);
      const reply = this.handle(f.command);
      if (reply) this.send(encodeRelayReply(reply, this.decoder.minor));
    }
  }

  protected onEnd(): void {
    const s = this.session;
    if (!s) return;
    this.log.info(`${s.label}: control connection ended`);
    this.state.closeSession(s, s.dataClosed);
  }

  /** the session this connection created; protocol error before VERSION and CREATE_SESSION */
  private need(what: string): RelaySession {
    if (!this.versionDone) throw new ProtocolError(`${what} before VERSION`);
    if (!this.session) throw new ProtocolError(`${what} before CREATE_SESSION`);
    return this.session;
  }

  private needChunks(what: string): RelaySession {
    const s = this.need(what);
    if (s.init.minor < 11) throw new ProtocolError(`${what} needs protocol 2.11 (peer speaks 2.${s.init.minor})`);
    return s;
  }

  private stream(id: bigint): RelayStream | undefined {
    return this.state.streams.get(id);
  }

  private handle(c: RelayCommand): RelayReply | undefined {
    const state = this.state;
    switch (c.cmd) {
      case 'VERSION': {
        this.versionDone = true;
        const reply: RelayReply = { reply: 'VERSION', major: RELAYD_MAJOR, minor: RELAYD_MINOR };
        if (c.major !== RELAYD_MAJOR || c.minor < RELAYD_MIN_MINOR) {
          this.send(encodeRelayReply(reply, this.decoder.minor));
          this.closeAfterReply(`peer speaks protocol ${c.major}.${c.minor}, this relay ${RELAYD_MAJOR}.${RELAYD_MIN_MINOR} to ${RELAYD_MAJOR}.${RELAYD_MINOR}`);
          return undefined;
        }
        return reply;
      }
      case 'GET_CONFIGURATION':
        // clear is not allowed (see chunks.ts): lttng-relayd --disallow-clear answers the same
        return { reply: 'GET_CONFIGURATION', retCode: c.queryFlags === 0n ? LttngErr.OK : LttngErr.INVALID_PROTOCOL, flags: 0n };
      case 'CREATE_SESSION': {
        if (!this.versionDone) throw new ProtocolError('CREATE_SESSION before VERSION');
        if (this.session) throw new ProtocolError('a second CREATE_SESSION on one connection');
        const r = createSession(state, c, RELAYD_MAJOR, this.decoder.minor);
        this.session = r.session;
        return r.reply;
      }
      case 'ADD_STREAM':
        return addStream(state, this.need('ADD_STREAM'), c);
      case 'START_DATA':
        return generic(LttngErr.OK);
      case 'STREAMS_SENT': {
        const s = this.need('STREAMS_SENT');
        for (const st of s.streams) st.published = true;
        if (s.viewer) s.newStreams = true;
        return generic(LttngErr.OK);
      }
      case 'SEND_METADATA':
        return this.sendMetadata(c);
      case 'SEND_INDEX':
        return this.sendIndex(c);
      case 'CLOSE_STREAM': {
        this.need('CLOSE_STREAM');
        const st = this.stream(c.streamId);
        if (!st) return generic(LttngErr.UNK);
        st.lastNetSeqNum = c.lastNetSeqNum;
        const failure = st.takeFailure();
        state.tryClose(st);
        return generic(failure ? LttngErr.UNK : LttngErr.OK);
      }
      case 'DATA_PENDING': {
        const s = this.need('DATA_PENDING');
        const st = this.stream(c.streamId);
        if (!st) return generic(0xffff_ffff); // lttng-relayd answers -1
        st.dataPendingCheckDone = true;
        return generic(this.pending(s, st, c.lastNetSeqNum) ? 1 : 0);
      }
      case 'QUIESCENT_CONTROL': {
        this.need('QUIESCENT_CONTROL');
        const st = this.stream(c.streamId);
        if (st) st.dataPendingCheckDone = true;
        return generic(LttngErr.OK);
      }
      case 'BEGIN_DATA_PENDING':
        this.need('BEGIN_DATA_PENDING');
        for (const st of state.streams.values()) if (st.trace.sessionId === c.sessionId) st.dataPendingCheckDone = false;
        return generic(LttngErr.OK);
      case 'END_DATA_PENDING': {
        const s = this.need('END_DATA_PENDING');
        let inflight = false;
        for (const st of state.streams.values()) {
          if (st.trace.sessionId !== c.sessionId || st.dataPendingCheckDone) continue;
          if (!st.closed || this.pending(s, st, st.lastNetSeqNum)) inflight = true;
        }
        return generic(inflight ? 1 : 0);
      }
      case 'RESET_METADATA': {
        const s = this.need('RESET_METADATA');
        const st = this.stream(c.streamId);
        // as lttng-relayd: not for live sessions
        const ok = s.init.liveTimer === 0 && st !== undefined && st.isMetadata && st.resetMetadata();
        return generic(ok ? LttngErr.OK : LttngErr.UNK);
      }
      case 'ROTATE_STREAMS':
        return rotateStreams(state, this.needChunks('ROTATE_STREAMS'), c);
      case 'CREATE_TRACE_CHUNK':
        return createTraceChunk(state, this.needChunks('CREATE_TRACE_CHUNK'), c);
      case 'CLOSE_TRACE_CHUNK':
        return closeTraceChunk(state, this.needChunks('CLOSE_TRACE_CHUNK'), c);
      case 'TRACE_CHUNK_EXISTS':
        return traceChunkExists(state, this.needChunks('TRACE_CHUNK_EXISTS'), c);
      case 'UNKNOWN':
        this.send(encodeRelayReply(generic(LttngErr.UNK), this.decoder.minor));
        this.closeAfterReply(`unknown command ${c.id}`);
        return undefined;
    }
  }

  /** DATA_PENDING's question: has the stream's data (and index) up to `last` been written? */
  private pending(s: RelaySession, st: RelayStream, last: bigint): boolean {
    const data = st.prevDataSeq;
    const index = st.prevIndexSeq;
    // NONE is the largest u64: the other one wins the min, as in lttng-relayd
    const seq = s.withIndex ? (data < index ? data : index) : data;
    return !seqAtLeast(seq, last);
  }

  private sendMetadata(c: RelayMsg<'SEND_METADATA'>): undefined {
    this.need('SEND_METADATA');
    const st = this.stream(c.streamId);
    if (!st) throw new ProtocolError(`SEND_METADATA for unknown stream ${c.streamId}`);
    // no reply exists to carry a failure: as lttng-relayd, the connection ends on it
    if (!st.appendMetadata(c.data, c.paddingSize)) throw new ProtocolError(`${st.name}: metadata not written: ${st.takeFailure() ?? 'not a metadata stream'}`);
    return undefined;
  }

  private sendIndex(c: RelayMsg<'SEND_INDEX'>): RelayReply {
    this.need('SEND_INDEX');
    const st = this.stream(c.relayStreamId);
    if (!st) return generic(LttngErr.UNK);
    if (c.packetSize === 0n) {
      st.receiveBeacon(c.timestampEnd);
      return generic(LttngErr.OK);
    }
    if (st.inFlight >= 4096) throw new ProtocolError(`${st.name}: thousands of indexes without their packets`);
    const ok = st.receiveIndex(c.netSeqNum, {
      packetSize: c.packetSize, contentSize: c.contentSize, timestampBegin: c.timestampBegin, timestampEnd: c.timestampEnd,
      eventsDiscarded: c.eventsDiscarded, streamId: c.streamId, streamInstanceId: c.streamInstanceId ?? NONE, packetSeqNum: c.packetSeqNum ?? NONE,
    });
    const failure = st.takeFailure();
    return generic(ok && !failure ? LttngErr.OK : LttngErr.UNK);
  }
}
