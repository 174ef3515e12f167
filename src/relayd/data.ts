// A data connection (port 5343): packets behind a data header, no handshake, no reply.
// Each packet is assembled once (with the padding the peer does not send) and handed
// to its stream, which writes it with its index entry. A packet for an unknown stream,
// or more packets than any peer holds back from their indexes, closes the connection.
import { RelayDataDecoder } from '../wire/index.js';
import { Connection, ProtocolError } from './conn.js';
import { NONE, type RelayStream } from './streams.js';

export class DataConnection extends Connection {
  private readonly decoder = new RelayDataDecoder();
  private packet: { stream: RelayStream; bytes: Buffer } | undefined;
  /** sessions whose packets came this way */
  private readonly sessions = new Set<bigint>();

  protected get kind(): 'data' {
    return 'data';
  }

  protected onBytes(b: Buffer): void {
    this.decoder.push(b);
    for (let p = this.decoder.next(); p && !this.closed; p = this.decoder.next()) {
      if (p.offset === 0) {
        const st = this.state.streams.get(p.header.streamId);
        if (!st || st.closed) throw new ProtocolError(`packet ${p.header.netSeqNum} for unknown stream ${p.header.streamId}`);
        const total = p.header.dataSize + p.header.paddingSize;
        const bytes = Buffer.allocUnsafe(total);
        bytes.fill(0, p.header.dataSize);
        this.packet = { stream: st, bytes };
        this.sessions.add(st.trace.sessionId);
      }
      const cur = this.packet!;
      cur.bytes.set(p.bytes, p.offset);
      if (!p.end) continue;
      this.packet = undefined;
      const st = cur.stream;
      if (st.closed) continue; // closed meanwhile (its session ended): nothing to write to
      const first = st.prevDataSeq === NONE;
      if (!st.receiveData(p.header.netSeqNum, cur.bytes)) throw new ProtocolError(`${st.name}: more than 64 MiB of packets without their indexes`);
      const s = this.state.sessions.get(st.trace.sessionId);
      if (first && s) s.newStreams = true;
      if (st.closeRequested) this.state.tryClose(st);
    }
  }

  protected onEnd(): void {
    for (const id of this.sessions) {
      const s = this.state.sessions.get(id);
      if (!s) continue;
      s.dataClosed = true;
      // no more packets can come: streams still waiting for some close now
      if (s.connectionClosed) this.state.closeSession(s, true);
    }
  }
}
