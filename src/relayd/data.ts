// A data connection (port 5343): packets behind a data header, no handshake, no reply.
// Bytes go once, straight from the socket's read buffer into the packet's buffer (reused
// from earlier packets), with the padding the peer does not send; the stream writes the
// packet with its index entry. The read buffer is reused for every read (see fastread.ts),
// so nothing here keeps a view of it. A packet for an unknown stream, or more packets than
// any peer holds back from their indexes, closes the connection.
import { RELAYD_DATA_HEADER_SIZE, RELAYD_MAX_DATA_PACKET, WireError, decodeRelayDataHeader, type RelayDataHeader } from '../wire/index.js';
import { Connection, ProtocolError } from './conn.js';
import { NONE, type RelayStream } from './streams.js';

export class DataConnection extends Connection {
  private readonly head = Buffer.alloc(RELAYD_DATA_HEADER_SIZE);
  private headFill = 0;
  /** stream offset of the next byte */
  private at = 0;
  private packet: { stream: RelayStream; header: RelayDataHeader; bytes: Buffer; filled: number } | undefined;
  /** sessions whose packets came this way */
  private readonly sessions = new Set<bigint>();

  protected get kind(): 'data' {
    return 'data';
  }

  protected onBytes(b: Buffer): void {
    let off = 0;
    while (off < b.length && !this.closed) {
      const cur = this.packet;
      if (!cur) {
        const n = Math.min(RELAYD_DATA_HEADER_SIZE - this.headFill, b.length - off);
        b.copy(this.head, this.headFill, off, off + n);
        this.headFill += n;
        off += n;
        if (this.headFill === RELAYD_DATA_HEADER_SIZE) this.startPacket();
        continue;
      }
      const n = Math.min(cur.header.dataSize - cur.filled, b.length - off);
      b.copy(cur.bytes, cur.filled, off, off + n);
      cur.filled += n;
      off += n;
      if (cur.filled === cur.header.dataSize) this.endPacket();
    }
    this.at += b.length;
  }

  private startPacket(): void {
    this.headFill = 0;
    const header = decodeRelayDataHeader(this.head, this.at);
    if (header.dataSize + header.paddingSize > RELAYD_MAX_DATA_PACKET) {
      throw new WireError('relayd-data', 'data header', 'data_size', this.at, `${header.dataSize} + padding ${header.paddingSize} exceed ${RELAYD_MAX_DATA_PACKET} bytes`);
    }
    const st = this.state.streams.get(header.streamId);
    if (!st || st.closed) throw new ProtocolError(`packet ${header.netSeqNum} for unknown stream ${header.streamId}`);
    const bytes = this.state.pool.take(header.dataSize + header.paddingSize);
    bytes.fill(0, header.dataSize);
    this.packet = { stream: st, header, bytes, filled: 0 };
    this.sessions.add(st.trace.sessionId);
    if (header.dataSize === 0) this.endPacket();
  }

  private endPacket(): void {
    const { stream: st, header, bytes } = this.packet!;
    this.packet = undefined;
    if (st.closed) return this.state.pool.give(bytes); // closed meanwhile (its session ended)
    const first = st.prevDataSeq === NONE;
    if (!st.receiveData(header.netSeqNum, bytes)) throw new ProtocolError(`${st.name}: more than 64 MiB of packets without their indexes`);
    const s = this.state.sessions.get(st.trace.sessionId);
    // as lttng-relayd: a stream's first packet tells viewers to look for new streams
    if (first && s) s.newStreams = true;
    if (st.closeRequested) this.state.tryClose(st);
  }

  protected onEnd(): void {
    if (this.packet) this.state.pool.give(this.packet.bytes);
    this.packet = undefined;
    for (const id of this.sessions) {
      const s = this.state.sessions.get(id);
      if (!s) continue;
      s.dataClosed = true;
      // no more packets can come: streams still waiting for some close now
      if (s.connectionClosed) this.state.closeSession(s, true);
    }
  }
}
