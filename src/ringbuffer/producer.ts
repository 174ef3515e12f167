// The app side of a ring buffer: one producer per (JS thread, channel). Only
// this thread writes events; it never waits for the reader (full buffer: the
// event is discarded and counted, or in overwrite mode the oldest sub-buffer is
// reused). Hot path: reserve() → the caller writes the payload at the returned
// offset through `dv`/`u8` → commit(end).
import { createShm, unlinkShm, unmapShm, type ShmMapping } from './shm.js';
import * as L from './layout.js';
import { RingBufferError, checkConfig, headerBytes, initHeader, type RingBufferConfig } from './layout.js';

// module-local copies: the hot path must not read imported bindings (a
// transpiler may turn them into getters, which costs more than the event)
const CTF_MAGIC = L.CTF_MAGIC;
const COMPACT_HEADER = L.COMPACT_HEADER;
const EXTENDED_HEADER = L.EXTENDED_HEADER;
const EXTENDED_ID = L.EXTENDED_ID;
const FLAG_RELEASED = L.FLAG_RELEASED;
const P = { ...L.P };
const W = { ...L.W };
const REC = L.W.REC;
const REC_VER = L.W.REC_VER;
/** x86 keeps stores in program order (TSO); elsewhere the commit needs a real barrier */
const TSO = process.arch === 'x64' || process.arch === 'ia32';

const TWO32 = 4294967296;
const COMPACT_LIMIT = 1 << 27;

const hrtimeBigint = process.hrtime.bigint;
/** clock scratch: writing the bigint into a BigUint64Array and reading two
 * 32-bit halves is the cheapest exact CLOCK_MONOTONIC read in Node (no BigInt math) */
const clockBig = new BigUint64Array(1);
const clockHalves = new Uint32Array(clockBig.buffer);

export class RingBufferProducer {
  readonly name: string;
  readonly u8: Uint8Array;
  readonly dv: DataView;
  /** Buffer view of the mapping, for UTF-8 string writes */
  readonly buf: Buffer;
  readonly subbufSize: number;
  readonly numSubbuf: number;
  readonly overwrite: boolean;
  private readonly h: Int32Array;
  private readonly base0: number;
  private mapping: ShmMapping | undefined;
  /** packet seq of the current (or last) packet; -1 before the first */
  private seq = -1;
  private open = false;
  /** absolute offset of the current sub-buffer, of the write position, of the sub-buffer end */
  private base = 0;
  private pos = 0;
  private end = 0;
  private lastHi = 0;
  private lastLo = 0;
  private ver = 0;
  private discardedCount = 0;
  /** events written (committed) since creation */
  written = 0;
  /** the event being reserved: its timestamp (hi/lo) */
  private tHi = 0;
  private tLo = 0;

  private constructor(mapping: ShmMapping, c: RingBufferConfig) {
    this.mapping = mapping;
    this.name = mapping.name;
    this.u8 = new Uint8Array(mapping.buffer);
    this.dv = new DataView(mapping.buffer);
    this.buf = Buffer.from(mapping.buffer);
    this.h = new Int32Array(mapping.buffer, 0, headerBytes(c.numSubbuf) / 4);
    this.subbufSize = c.subbufSize;
    this.numSubbuf = c.numSubbuf;
    this.overwrite = c.overwrite;
    this.base0 = headerBytes(c.numSubbuf);
    // the static part of every packet header is written once per sub-buffer
    for (let i = 0; i < c.numSubbuf; i++) {
      const b = this.base0 + i * c.subbufSize;
      this.dv.setUint32(b + P.MAGIC, CTF_MAGIC, true);
      this.u8.set(c.uuid.subarray(0, 16), b + P.UUID);
      this.dv.setUint32(b + P.STREAM_ID, c.streamId, true);
      this.dv.setBigUint64(b + P.STREAM_INSTANCE_ID, BigInt(c.streamInstanceId), true);
      this.dv.setUint32(b + P.CPU_ID, c.cpuId, true);
    }
  }

  /** creates the shm object `name` (see layout.shmName) and its header */
  static create(name: string, c: RingBufferConfig, pid = process.pid, tid = 0): RingBufferProducer {
    const size = checkConfig(c);
    if (c.uuid.length !== 16) throw new RingBufferError('trace uuid must be 16 bytes');
    const m = createShm(name, size);
    const p = new RingBufferProducer(m, c);
    initHeader(p.h, c, pid, tid);
    return p;
  }

  get discarded(): number {
    return this.discardedCount;
  }

  /** reads the clock into the reservation (call once per event, before reserve) */
  clock(): void {
    clockBig[0] = hrtimeBigint();
    this.tLo = clockHalves[0]!;
    this.tHi = clockHalves[1]!;
  }

  /** uses an already-read timestamp (several buffers, one clock read) */
  setTime(hi: number, lo: number): void {
    this.tHi = hi;
    this.tLo = lo;
  }

  get timeHi(): number {
    return this.tHi;
  }
  get timeLo(): number {
    return this.tLo;
  }

  /**
   * Reserves room for one event of event id `id` with `payload` bytes after
   * the event header (context included), writes the header, and returns the
   * absolute payload offset, or -1 when the event is discarded.
   */
  reserve(id: number, payload: number): number {
    const hi = this.tHi;
    const lo = this.tLo;
    if (this.open) {
      let hdr = EXTENDED_HEADER;
      if (id < EXTENDED_ID) {
        const dHi = hi - this.lastHi;
        if ((dHi === 0 || (dHi === 1 && lo < this.lastLo)) && ((lo - this.lastLo) >>> 0) < COMPACT_LIMIT) hdr = COMPACT_HEADER;
      }
      const o = this.pos;
      if (o + hdr + payload <= this.end) {
        if (hdr === COMPACT_HEADER) {
          this.dv.setUint32(o, (id | ((lo & 0x7ffffff) << 5)) >>> 0, true);
        } else {
          this.u8[o] = EXTENDED_ID;
          this.dv.setUint32(o + 1, id, true);
          this.dv.setUint32(o + 5, lo, true);
          this.dv.setUint32(o + 9, hi, true);
        }
        this.lastHi = hi;
        this.lastLo = lo;
        return o + hdr;
      }
      // an event no packet can hold does not close the current one
      if (P.EVENTS + EXTENDED_HEADER + payload > this.subbufSize) return this.discard();
      this.closePacket();
    }
    return this.reserveSlow(id, payload);
  }

  /** publishes the event reserved last, which ends at absolute offset `end` */
  commit(end: number): void {
    this.pos = end;
    const v = (this.ver = (this.ver + 1) | 0);
    const h = this.h;
    const r = REC + ((v & 1) << 2);
    h[r] = this.seq;
    h[r + 1] = end - this.base;
    h[r + 2] = this.lastLo;
    h[r + 3] = this.lastHi;
    // on x86 a plain store: stores become visible in program order and V8 keeps
    // typed-array stores in order; Atomics.store would double the commit cost
    if (TSO) h[REC_VER] = v;
    else Atomics.store(h, REC_VER, v);
    this.written++;
  }

  /** the current packet is full or there is none: open the next one, or discard */
  private reserveSlow(id: number, payload: number): number {
    if (this.mapping === undefined) return -1;
    if (P.EVENTS + EXTENDED_HEADER + payload > this.subbufSize) return this.discard();
    const next = (this.seq + 1) | 0;
    if (!this.overwrite && ((next - Atomics.load(this.h, W.CONSUMED)) | 0) >= this.numSubbuf) return this.discard();
    this.openPacket(next);
    // first event: timestamp_begin is its own time, so the compact header always fits
    return this.reserve(id, payload);
  }

  private discard(): number {
    this.discardedCount++;
    const d = this.discardedCount;
    this.h[W.DISCARDED_LO] = d | 0;
    this.h[W.DISCARDED_HI] = Math.floor(d / TWO32);
    return -1;
  }

  private openPacket(seq: number): void {
    const w = seq & (this.numSubbuf - 1);
    const h = this.h;
    // claim the sub-buffer before touching it (a reader copying it sees the change)
    Atomics.store(h, W.SLOTS + w, seq);
    this.seq = seq;
    this.base = this.base0 + w * this.subbufSize;
    this.pos = this.base + P.EVENTS;
    this.end = this.base + this.subbufSize;
    const dv = this.dv;
    const b = this.base;
    dv.setUint32(b + P.TS_BEGIN, this.tLo, true);
    dv.setUint32(b + P.TS_BEGIN + 4, this.tHi, true);
    dv.setBigUint64(b + P.SEQ_NUM, BigInt(seq >>> 0), true);
    this.lastHi = this.tHi;
    this.lastLo = this.tLo;
    this.open = true;
    this.commit(this.pos);
    this.written--;
  }

  private closePacket(): void {
    const dv = this.dv;
    const b = this.base;
    const content = this.pos - b;
    dv.setUint32(b + P.TS_END, this.lastLo, true);
    dv.setUint32(b + P.TS_END + 4, this.lastHi, true);
    dv.setBigUint64(b + P.CONTENT_SIZE, BigInt(content * 8), true);
    dv.setBigUint64(b + P.PACKET_SIZE, BigInt(this.subbufSize * 8), true);
    dv.setBigUint64(b + P.EVENTS_DISCARDED, BigInt(this.discardedCount), true);
    this.open = false;
    Atomics.store(this.h, W.SLOTS + this.numSubbuf + (this.seq & (this.numSubbuf - 1)), this.seq);
  }

  /** closes the current packet if it holds events (ust.flush, switch timer) */
  flush(): void {
    if (this.mapping && this.open && this.pos > this.base + P.EVENTS) this.closePacket();
  }

  /** true when a packet is open with events in it */
  get pending(): boolean {
    return this.open && this.pos > this.base + P.EVENTS;
  }

  /**
   * Flushes, marks the buffer released and unmaps it. The shm name stays for
   * the reader to drain and unlink (pass `unlink` when no reader will).
   */
  release(unlink = false): void {
    if (!this.mapping) return;
    this.flush();
    Atomics.or(this.h, W.FLAGS, FLAG_RELEASED);
    const m = this.mapping;
    // later emits find no open packet and no mapping: they return -1 without touching memory
    this.mapping = undefined;
    this.open = false;
    if (unlink) unlinkShm(m.name);
    unmapShm(m);
  }
}
