// The daemon side of a ring buffer: maps the shm object an app thread created
// and copies packets out. Everything read from shared memory is untrusted (the
// app may be dead, buggy or hostile): bounds come from the sizes checked at
// open, every loop is bounded, and inconsistent packets are skipped and counted
// in `corrupted`, never thrown.
import { openShm, unlinkShm, unmapShm, ShmError, type ShmMapping } from './shm.js';
import { FLAG_RELEASED, P, RB_MAGIC, RB_VERSION, RingBufferError, W, headerBytes, isPowerOf2, MAX_SUBBUFS, PAGE } from './layout.js';

/** one packet, as it goes in the stream file, with what its index entry needs */
export interface RingBufferPacket {
  /** the packet's bytes (header, context, events, padding) */
  data: Uint8Array;
  /** bits, as in the packet context and the index */
  contentSize: bigint;
  packetSize: bigint;
  timestampBegin: bigint;
  timestampEnd: bigint;
  /** cumulative discarded events of the stream when the packet ended */
  eventsDiscarded: bigint;
  streamId: number;
  streamInstanceId: bigint;
  /** renumbered by the reader: 0, 1, 2… in the order packets are returned */
  packetSeqNum: bigint;
}

const REC_RETRIES = 1000;

export class RingBufferReader {
  readonly name: string;
  readonly subbufSize: number;
  readonly numSubbuf: number;
  readonly overwrite: boolean;
  readonly pid: number;
  readonly tid: number;
  readonly streamId: number;
  readonly chanKey: number;
  /** packets skipped because shared memory held inconsistent values */
  corrupted = 0;
  /** packets the producer overwrote before they were read (overwrite mode, not counted as discarded) */
  overwritten = 0;
  private mapping: ShmMapping | undefined;
  private readonly u8: Uint8Array;
  private readonly dv: DataView;
  private readonly h: Int32Array;
  private readonly base0: number;
  /** next packet seq to read */
  private next: number;
  /** part of packet `takenSeq` already returned by readAll(): up to byte takenOff, last event at takenTs */
  private takenSeq = -1;
  private takenOff = 0;
  private takenTs = 0n;
  private outSeq = 0n;
  private lastDiscarded = 0n;
  private lastEnd = 0n;

  private constructor(m: ShmMapping) {
    this.mapping = m;
    this.name = m.name;
    const size = m.size;
    if (size < PAGE) throw new RingBufferError(`${m.name}: ${size} bytes is too small for a ring buffer`);
    const h = new Int32Array(m.buffer, 0, PAGE / 4);
    if (Atomics.load(h, W.MAGIC) !== RB_MAGIC) throw new RingBufferError(`${m.name}: not a ttng ring buffer (bad magic)`);
    if (h[W.VERSION] !== RB_VERSION) throw new RingBufferError(`${m.name}: ring buffer version ${h[W.VERSION]}, expected ${RB_VERSION}`);
    const sb = h[W.SUBBUF_SIZE]!;
    const n = h[W.NUM_SUBBUF]!;
    if (!isPowerOf2(sb) || sb < PAGE || !isPowerOf2(n) || n < 2 || n > MAX_SUBBUFS)
      throw new RingBufferError(`${m.name}: bad geometry (${n} sub-buffers of ${sb} bytes)`);
    const hb = headerBytes(n);
    if (h[W.HEADER_BYTES] !== hb || hb + sb * n !== size)
      throw new RingBufferError(`${m.name}: size ${size} does not match ${n} sub-buffers of ${sb} bytes`);
    this.subbufSize = sb;
    this.numSubbuf = n;
    this.base0 = hb;
    this.overwrite = h[W.OVERWRITE] !== 0;
    this.pid = h[W.PID]!;
    this.tid = h[W.TID]!;
    this.streamId = h[W.STREAM_ID]!;
    this.chanKey = h[W.CHAN_KEY]!;
    this.u8 = new Uint8Array(m.buffer);
    this.dv = new DataView(m.buffer);
    this.h = new Int32Array(m.buffer, 0, hb / 4);
    this.next = Atomics.load(this.h, W.CONSUMED);
    // a reader that came before us may have taken part of the current packet
    const ts = Atomics.load(this.h, W.TAKEN_SEQ);
    const toff = Atomics.load(this.h, W.TAKEN_OFF);
    if (ts === this.next && toff > P.EVENTS && toff <= sb) {
      this.takenSeq = ts;
      this.takenOff = toff;
      this.takenTs = (BigInt(Atomics.load(this.h, W.TAKEN_TS_HI) >>> 0) << 32n) | BigInt(Atomics.load(this.h, W.TAKEN_TS_LO) >>> 0);
    }
    Atomics.store(this.h, W.READER_PID, process.pid);
  }

  /** maps the buffer `shmName` (as reported by `ust.channelReady`) */
  static open(shmName: string): RingBufferReader {
    let m: ShmMapping;
    try {
      m = openShm(shmName);
    } catch (e) {
      throw new RingBufferError(e instanceof ShmError ? e.message : String(e));
    }
    try {
      return new RingBufferReader(m);
    } catch (e) {
      unmapShm(m);
      throw e;
    }
  }

  private get live(): boolean {
    return this.mapping !== undefined;
  }

  /** cumulative events the producer discarded (buffer full) */
  get discarded(): number {
    if (!this.live) return Number(this.lastDiscarded);
    return (this.h[W.DISCARDED_LO]! >>> 0) + (this.h[W.DISCARDED_HI]! >>> 0) * 4294967296;
  }

  /** the producer released the buffer (thread exited or channel removed) */
  get released(): boolean {
    return this.live && (Atomics.load(this.h, W.FLAGS) & FLAG_RELEASED) !== 0;
  }

  /** the complete packets ready now, oldest first */
  read(): RingBufferPacket[] {
    const out: RingBufferPacket[] = [];
    if (!this.live) return out;
    const n = this.numSubbuf;
    const h = this.h;
    // at most one pass over the ring (plus skips) per call
    for (let guard = 0; guard < 2 * n + 2; guard++) {
      const R = this.next;
      const w = R & (n - 1);
      if (Atomics.load(h, W.SLOTS + n + w) !== R || Atomics.load(h, W.SLOTS + w) !== R) {
        if (this.overwrite) {
          // lapped: the producer is n or more packets ahead, R is gone
          const cur = this.recordSeq();
          const ahead = cur === undefined ? 0 : (cur - R) | 0;
          if (ahead >= n) {
            const to = (cur! - n + 1) | 0;
            this.overwritten += (to - R) | 0;
            this.skipTo(to);
            continue;
          }
        }
        break;
      }
      const b = this.base0 + w * this.subbufSize;
      const content = this.dv.getBigUint64(b + P.CONTENT_SIZE, true);
      const cBytes = Number(content / 8n);
      if (content % 8n !== 0n || cBytes < P.EVENTS || cBytes > this.subbufSize) {
        this.corrupted++;
        this.skipTo((R + 1) | 0);
        continue;
      }
      const start = this.takenSeq === R ? this.takenOff : 0;
      const end = this.readTs(b + P.TS_END);
      let pkt: RingBufferPacket | undefined;
      if (start === 0) {
        pkt = this.copy(b, 0, this.subbufSize, cBytes, this.readTs(b + P.TS_BEGIN), end, this.dv.getBigUint64(b + P.EVENTS_DISCARDED, true));
      } else if (cBytes > start) {
        pkt = this.copy(b, start, 0, cBytes, this.takenTs, end, this.dv.getBigUint64(b + P.EVENTS_DISCARDED, true));
      }
      if (this.overwrite && Atomics.load(h, W.SLOTS + w) !== R) {
        // overwritten while we copied
        this.overwritten++;
        this.skipTo((R + 1) | 0);
        continue;
      }
      if (pkt) out.push(this.number(pkt));
      this.skipTo((R + 1) | 0);
    }
    return out;
  }

  /**
   * The complete packets and the partially written one, without the producer's
   * help (stop, app busy or dead). What is returned of the partial packet is
   * not returned again: a later read() returns only what was written after it.
   */
  readAll(): RingBufferPacket[] {
    const out = this.read();
    if (!this.live) return out;
    for (let tries = 0; tries < 4; tries++) {
      const rec = this.record();
      if (!rec) break;
      const R = this.next;
      if (rec.seq !== R) break;
      const n = this.numSubbuf;
      const w = R & (n - 1);
      if (Atomics.load(this.h, W.SLOTS + n + w) === R) {
        // closed meanwhile: it is a complete packet now
        out.push(...this.read());
        continue;
      }
      if (Atomics.load(this.h, W.SLOTS + w) !== R) break;
      if (rec.commit < P.EVENTS || rec.commit > this.subbufSize) {
        this.corrupted++;
        break;
      }
      const start = this.takenSeq === R ? this.takenOff : 0;
      if (rec.commit <= Math.max(start, P.EVENTS)) break;
      const b = this.base0 + w * this.subbufSize;
      const begin = start === 0 ? this.readTs(b + P.TS_BEGIN) : this.takenTs;
      const pkt = this.copy(b, start, 0, rec.commit, begin, rec.ts, BigInt(this.discarded));
      if (Atomics.load(this.h, W.SLOTS + w) !== R) {
        this.overwritten++;
        break;
      }
      this.takenSeq = R;
      this.takenOff = rec.commit;
      this.takenTs = rec.ts;
      Atomics.store(this.h, W.TAKEN_OFF, rec.commit);
      Atomics.store(this.h, W.TAKEN_TS_LO, Number(rec.ts & 0xffffffffn) | 0);
      Atomics.store(this.h, W.TAKEN_TS_HI, Number(rec.ts >> 32n) | 0);
      Atomics.store(this.h, W.TAKEN_SEQ, R);
      out.push(this.number(pkt));
      break;
    }
    return out;
  }

  /**
   * A copy of what the buffer holds now (flight recorder / `snapshot record`):
   * the packets still intact, oldest first, and the one being written up to
   * its last committed event, without consuming anything. Packets are
   * numbered 0, 1, 2… within the snapshot.
   */
  snapshot(): RingBufferPacket[] {
    const out: RingBufferPacket[] = [];
    if (!this.live) return out;
    const rec = this.record();
    if (!rec) return out;
    const n = this.numSubbuf;
    const h = this.h;
    const saved = { lastDiscarded: this.lastDiscarded };
    this.lastDiscarded = 0n;
    let last = 0n;
    const cur = rec.seq;
    let from = (cur - n + 1) | 0;
    if (((this.next - from) | 0) > 0) from = this.next;
    for (let s = from; ((cur - s) | 0) >= 0; s = (s + 1) | 0) {
      const w = s & (n - 1);
      if (Atomics.load(h, W.SLOTS + w) !== s) continue;
      const b = this.base0 + w * this.subbufSize;
      // what readAll() already took of this packet (consumed: `clear`) is not in the snapshot
      const start = this.takenSeq === s ? this.takenOff : 0;
      const begin = start === 0 ? this.readTs(b + P.TS_BEGIN) : this.takenTs;
      let pkt: RingBufferPacket | undefined;
      if (Atomics.load(h, W.SLOTS + n + w) === s) {
        const cBytes = Number(this.dv.getBigUint64(b + P.CONTENT_SIZE, true) / 8n);
        if (cBytes < P.EVENTS || cBytes > this.subbufSize || cBytes <= Math.max(start, P.EVENTS)) continue;
        pkt = this.copy(b, start, start === 0 ? this.subbufSize : 0, cBytes, begin, this.readTs(b + P.TS_END), this.dv.getBigUint64(b + P.EVENTS_DISCARDED, true));
      } else if (s === cur && rec.commit > Math.max(start, P.EVENTS) && rec.commit <= this.subbufSize) {
        pkt = this.copy(b, start, 0, rec.commit, begin, rec.ts, BigInt(this.discarded));
      }
      // overwritten while copied: drop it
      if (!pkt || Atomics.load(h, W.SLOTS + w) !== s) continue;
      if (pkt.timestampBegin < last) continue;
      last = pkt.timestampEnd;
      pkt.packetSeqNum = BigInt(out.length);
      new DataView(pkt.data.buffer).setBigUint64(P.SEQ_NUM, pkt.packetSeqNum, true);
      out.push(pkt);
    }
    this.lastDiscarded = saved.lastDiscarded;
    return out;
  }

  private skipTo(seq: number): void {
    this.next = seq;
    if (this.takenSeq !== seq) this.takenSeq = -1;
    Atomics.store(this.h, W.CONSUMED, seq);
  }

  private readTs(off: number): bigint {
    return this.dv.getBigUint64(off, true);
  }

  private recordSeq(): number | undefined {
    return this.record()?.seq;
  }

  /** the producer's commit record, read consistently (undefined when it keeps changing or there is none) */
  private record(): { seq: number; commit: number; ts: bigint } | undefined {
    const h = this.h;
    for (let i = 0; i < REC_RETRIES; i++) {
      const v = Atomics.load(h, W.REC_VER);
      const r = W.REC + ((v & 1) << 2);
      const seq = Atomics.load(h, r);
      const commit = Atomics.load(h, r + 1);
      const lo = Atomics.load(h, r + 2) >>> 0;
      const hi = Atomics.load(h, r + 3) >>> 0;
      if (Atomics.load(h, W.REC_VER) !== v) continue;
      if (v === 0 && seq === -1) return undefined;
      return { seq, commit, ts: (BigInt(hi) << 32n) | BigInt(lo) };
    }
    return undefined;
  }

  /**
   * Copies a packet out of sub-buffer at `b`: the 84-byte header, then bytes
   * [from, contentEnd) of the sub-buffer (from = 0: all of it), padded to
   * `size` bytes (0: to the next multiple of 8).
   */
  private copy(b: number, from: number, size: number, contentEnd: number, begin: bigint, end: bigint, discarded: bigint): RingBufferPacket {
    const bodyFrom = from === 0 ? P.EVENTS : from;
    const content = P.EVENTS + (contentEnd - bodyFrom);
    const total = size || Math.ceil(content / 8) * 8;
    const data = new Uint8Array(total);
    data.set(this.u8.subarray(b, b + P.EVENTS), 0);
    data.set(this.u8.subarray(b + bodyFrom, b + contentEnd), P.EVENTS);
    if (end < begin) end = begin;
    if (discarded < this.lastDiscarded) discarded = this.lastDiscarded;
    this.lastDiscarded = discarded;
    const dv = new DataView(data.buffer);
    dv.setBigUint64(P.TS_BEGIN, begin, true);
    dv.setBigUint64(P.TS_END, end, true);
    dv.setBigUint64(P.CONTENT_SIZE, BigInt(content * 8), true);
    dv.setBigUint64(P.PACKET_SIZE, BigInt(total * 8), true);
    dv.setBigUint64(P.EVENTS_DISCARDED, discarded, true);
    return {
      data, contentSize: BigInt(content * 8), packetSize: BigInt(total * 8), timestampBegin: begin, timestampEnd: end,
      eventsDiscarded: discarded, streamId: dv.getUint32(P.STREAM_ID, true), streamInstanceId: dv.getBigUint64(P.STREAM_INSTANCE_ID, true),
      packetSeqNum: 0n,
    };
  }

  private number(p: RingBufferPacket): RingBufferPacket {
    p.packetSeqNum = this.outSeq++;
    new DataView(p.data.buffer).setBigUint64(P.SEQ_NUM, p.packetSeqNum, true);
    // packets of a stream never go back in time, whatever shared memory says
    if (p.timestampBegin < this.lastEnd) {
      p.timestampBegin = this.lastEnd;
      if (p.timestampEnd < p.timestampBegin) p.timestampEnd = p.timestampBegin;
      const dv = new DataView(p.data.buffer);
      dv.setBigUint64(P.TS_BEGIN, p.timestampBegin, true);
      dv.setBigUint64(P.TS_END, p.timestampEnd, true);
    }
    this.lastEnd = p.timestampEnd;
    return p;
  }

  /** unmaps; with `unlink`, also removes the shm name (the buffer is drained for good) */
  close(unlink = false): void {
    const m = this.mapping;
    if (!m) return;
    this.mapping = undefined;
    if (unlink) unlinkShm(m.name);
    unmapShm(m);
  }
}
