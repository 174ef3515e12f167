// CTF output of the kernel tracer: LTTng's on-disk layout (`metadata`,
// `<channel>_<cpu>`, `index/<channel>_<cpu>.idx`), LTTng's packet header and
// packet context (with `cpu_id`), and an event header made to let event
// payloads be copied from ftrace records as they are:
//
//   event.header := struct { uint64 timestamp (clock); uint16 id; }   (8-byte aligned)
//
// Every event record starts 8-byte aligned, so records are position
// independent and can be assembled with word copies. Packets are filled in
// memory and handed to the trace output (../output/) with their index fields;
// metadata is append-only (new event classes are appended as they appear).
import * as path from 'node:path';
import type { ClockClass, EnvValue, EventClass, FieldType, IntegerType, StreamClass, StructType, TraceClass } from '../ctf/model.js';
import { uuidToString } from '../ctf/model.js';
import { generateTsdl, structSpec } from '../ctf/tsdl-writer.js';
import { lttngPacketContext, lttngPacketHeader } from '../ctf/writer.js';
import { LocalTraceOutput, localStream } from '../output/local.js';
import { nodeFs } from '../output/fs.js';
import type { OutputFs } from '../output/fs.js';
import type { StreamOutput } from '../output/sink.js';

export const CTF_MAGIC = 0xc1fc1fc1;
/** packet header (32) + LTTng kernel packet context (52) */
export const PACKET_HEADER_BYTES = 84;
/** first event record offset in a packet (8-byte aligned) */
export const FIRST_EVENT = 88;

export const intType = (size: number, signed: boolean, opts: Partial<IntegerType> = {}): IntegerType => ({
  kind: 'int', size, align: 8, signed, byteOrder: 'le', base: 10, encoding: 'none', ...opts,
});

/** char name[n] as LTTng writes text arrays */
export const textArray = (n: number): FieldType => ({
  kind: 'array', length: n, align: 8, isText: true, element: intType(8, false, { encoding: 'utf8' }),
});

export const stringType = (): FieldType => ({ kind: 'string', align: 8, encoding: 'utf8' });

export function kernelEventHeader(clock: string): StructType {
  return {
    kind: 'struct', align: 64, fields: [
      { name: 'timestamp', type: intType(64, false, { align: 64, mappedClock: clock }) },
      { name: 'id', type: intType(16, false) },
    ],
  };
}

export function kernelStreamClass(id: number, clock: ClockClass, eventContext: StructType | undefined): StreamClass {
  return {
    id,
    packetContext: lttngPacketContext(clock, [{ name: 'cpu_id', type: intType(32, false) }]),
    eventHeader: kernelEventHeader(clock.name),
    eventContext,
    events: new Map(),
    defaultClock: clock,
  };
}

export interface TraceInfo {
  uuid: Uint8Array;
  env: Map<string, EnvValue>;
  clock: ClockClass;
}

/** metadata text of one event class (same form as ../ctf/tsdl-writer.ts) */
export function eventTsdl(ec: EventClass): string {
  let s = `event {\n\tname = ${JSON.stringify(ec.name)};\n\tid = ${ec.id};\n\tstream_id = ${ec.streamId};\n`;
  if (ec.context) s += `\tcontext := ${structSpec(ec.context, '\t')};\n`;
  if (ec.payload) s += `\tfields := ${structSpec(ec.payload, '\t')};\n`;
  return s + '};\n\n';
}

/**
 * The `metadata` file: trace, env, clock and stream classes first, then event
 * classes appended as the tracer learns them.
 */
export class MetadataWriter {
  private readonly out: LocalTraceOutput;
  private readonly known = new Set<string>();
  private started = false;
  private streams: StreamClass[] = [];
  /** everything written so far (copied into snapshots and new chunks) */
  private text = '';

  constructor(
    dir: string,
    private readonly info: TraceInfo,
    private readonly fs: OutputFs = nodeFs,
  ) {
    this.out = new LocalTraceOutput(dir, { fs });
  }

  /** writes the head; must come before any event class */
  begin(streams: StreamClass[]): void {
    this.streams = streams;
    const tc: TraceClass = {
      major: 1, minor: 8, uuid: this.info.uuid, byteOrder: 'le', packetHeader: lttngPacketHeader(),
      env: this.info.env, clocks: new Map([[this.info.clock.name, this.info.clock]]),
      streams: new Map(streams.map((s) => [s.id, { ...s, events: new Map() }])),
    };
    this.text = generateTsdl(tc);
    this.out.writeMetadata(this.text);
    this.started = true;
  }

  /** appends the event classes not written yet */
  addEvents(ecs: EventClass[]): void {
    if (!this.started) throw new Error('metadata head not written');
    let text = '';
    for (const ec of ecs) {
      const key = `${ec.streamId}:${ec.id}`;
      if (this.known.has(key)) continue;
      this.known.add(key);
      this.streams.find((s) => s.id === ec.streamId)?.events.set(ec.id, ec);
      text += eventTsdl(ec);
    }
    if (!text) return;
    this.out.appendMetadata(text);
    this.text += text;
  }

  has(streamId: number, id: number): boolean {
    return this.known.has(`${streamId}:${id}`);
  }

  /**
   * The metadata written so far, complete, into `dir` (a snapshot: this
   * writer stays); with `uuid`, as the metadata of another trace.
   */
  copyTo(dir: string, uuid?: Uint8Array, fs: OutputFs = this.fs): void {
    const text = uuid ? this.text.replace(`uuid = "${uuidToString(this.info.uuid)}";`, `uuid = "${uuidToString(uuid)}";`) : this.text;
    new LocalTraceOutput(dir, { fs }).writeMetadata(text);
  }

  /** goes on in `dir` (a new trace chunk), starting with everything written so far */
  moveTo(dir: string): void {
    this.out.rotate(dir);
    this.out.writeMetadata(this.text);
  }
}

/** `--tracefile-size`/`--tracefile-count`: a stream's files `<name>_<k>`, at most `count` of `size` bytes (count 0: no limit) */
export interface TracefileLimit {
  size: number;
  count: number;
}

const TWO32 = 4294967296;

/** A held record (see KernelStream.hold). */
interface Held {
  start: number;
  end: number;
  declEnd: number;
  tsHi: number;
  tsLo: number;
}

/**
 * One data stream file (`<channel>_<cpu>`): packets assembled in memory.
 * Writers call `reserve()`, fill the record at the returned offset of `u8`
 * (or `u32`/`dv`), then `commit()`.
 */
export class KernelStream {
  static readonly dbg = !!process.env['TTNG_KDEBUG'];
  static dbgWrite = -0;
  /** the stream's files (`file`, or `file_<k>` with trace-file rotation) and index */
  private readonly out: StreamOutput;
  private seq = 0;
  private readonly uuid: Uint8Array;

  private pkt: ArrayBuffer;
  /* the packet being filled; public for the consumer's fast path (see ensureRoom) */
  pktU8: Uint8Array;
  pktU32: Uint32Array;
  private pktDv: DataView;
  /** where the next record goes (8-aligned) */
  pktPos = FIRST_EVENT;
  /** where the last record's last field ends */
  pktDecl = PACKET_HEADER_BYTES;
  pktEvents = 0;
  pktBeginHi = -1;
  pktBeginLo = -0;

  /** current target of reserve(): the packet, or the hold buffer */
  u8: Uint8Array;
  u32: Uint32Array;
  dv: DataView;
  private pos = FIRST_EVENT;
  private reserved = 0;

  /** clock of the last event (events never go backwards in a stream) */
  lastHi = -0;
  lastLo = -0;
  /** cumulative events lost in this stream (packet context events_discarded) */
  discarded = -0;
  /** events written */
  events = -0;
  packets = 0;

  private holdBuf: ArrayBuffer | undefined;
  private held: Held[] = [];
  private holdFloorHi = -0;
  private holdFloorLo = -0;
  holding = false;
  /** the events_discarded value written in the last packet */
  private writtenDiscarded = -0;

  constructor(
    readonly file: string,
    readonly streamId: number,
    readonly cpu: number,
    private capacity: number,
    uuid: Uint8Array,
    readonly tracefile?: TracefileLimit,
    fs: OutputFs = nodeFs,
  ) {
    this.uuid = uuid;
    this.out = localStream(file, { tracefileSize: tracefile?.size, tracefileCount: tracefile?.count, fs });
    this.pkt = new ArrayBuffer(capacity);
    this.pktU8 = new Uint8Array(this.pkt);
    this.pktU32 = new Uint32Array(this.pkt);
    this.pktDv = new DataView(this.pkt);
    this.u8 = this.pktU8;
    this.u32 = this.pktU32;
    this.dv = this.pktDv;
    // Fields that hold large numbers start as -0 (a heap number, not a small
    // integer), and fields that are reassigned later are assigned twice here:
    // either way the object's shape is final from the start, so the JIT's
    // optimised hot loop is never thrown away when tracing starts.
    this.u8 = this.pktU8;
    this.u32 = this.pktU32;
    this.dv = this.pktDv;
    this.pktU8 = this.u8;
    this.pktU32 = this.u32;
    this.pktDv = this.dv;
    this.holding = false;
  }

  /**
   * A new chunk of the same stream (session rotation): the clock floor, the
   * packet sequence number and the cumulative counts go on from `prev`.
   */
  continueFrom(prev: KernelStream): void {
    // one ns later: the previous chunk's last packet ends at its floor, and a packet of this
    // chunk (even an empty one) must not begin at the same time (readers order a stream's
    // files by time)
    const lo = prev.lastLo + 1;
    this.setFloor(prev.lastHi + (lo >= TWO32 ? 1 : 0), lo >= TWO32 ? 0 : lo);
    this.seq = prev.seq;
    this.discarded = prev.discarded;
    this.writtenDiscarded = prev.writtenDiscarded;
    this.events = prev.events;
  }

  /** sets the stream's clock floor (e.g. the session start) */
  setFloor(hi: number, lo: number): void {
    if (hi > this.lastHi || (hi === this.lastHi && lo > this.lastLo)) {
      this.lastHi = hi;
      this.lastLo = lo;
    }
  }

  /**
   * Room for a record of at most `bytes` bytes at an 8-aligned offset; writes
   * the timestamp (clamped so that it never goes backwards) and returns the
   * offset. The caller then writes the id at +8 and the rest.
   */
  reserve(tsHi: number, tsLo: number, bytes: number): number {
    if (tsHi < this.lastHi || (tsHi === this.lastHi && tsLo < this.lastLo)) {
      tsHi = this.lastHi;
      tsLo = this.lastLo;
    } else {
      this.lastHi = tsHi;
      this.lastLo = tsLo;
    }
    if (this.holding) return this.reserveHold(tsHi, tsLo, bytes);
    if (this.pktPos + bytes > this.capacity) {
      if (this.pktEvents > 0) this.flushPacket();
      if (FIRST_EVENT + bytes > this.capacity) this.growPacket(FIRST_EVENT + bytes);
    }
    if (this.pktBeginHi < 0) {
      this.pktBeginHi = tsHi;
      this.pktBeginLo = tsLo;
    }
    const o = this.pktPos;
    this.pos = o;
    this.reserved = bytes;
    const u32 = this.pktU32;
    u32[o >> 2] = tsLo;
    u32[(o >> 2) + 1] = tsHi;
    return o;
  }

  /**
   * Makes room for `n` bytes of records at pktPos in the current packet
   * (flushing it if needed), for writers that fill pktU32 directly and then
   * advance pktPos/pktDecl/pktEvents/events/lastHi/lastLo themselves. Not
   * while holding.
   */
  ensureRoom(n: number): void {
    if (this.pktPos + n <= this.capacity) return;
    if (this.pktEvents > 0) this.flushPacket();
    if (FIRST_EVENT + n > this.capacity) this.growPacket(FIRST_EVENT + n);
  }

  /** ends the record reserved last: `declEnd` = where its last field ends */
  commit(declEnd: number): void {
    const end = (declEnd + 7) & ~7;
    if (declEnd - this.pos > this.reserved) throw new Error(`event record overflows its reservation (${declEnd - this.pos} > ${this.reserved})`);
    if (this.holding) {
      const h = this.held[this.held.length - 1]!;
      h.declEnd = declEnd;
      h.end = end;
      this.pos = end;
      return;
    }
    // zero the alignment padding so files are deterministic
    for (let i = declEnd; i < end; i++) this.pktU8[i] = 0;
    this.pktDecl = declEnd;
    this.pktPos = end;
    this.pktEvents++;
    this.events++;
  }

  private growPacket(n: number): void {
    const size = Math.max(n, this.capacity * 2);
    const b = new ArrayBuffer(size);
    new Uint8Array(b).set(this.pktU8.subarray(0, this.pktPos));
    this.pkt = b;
    this.pktU8 = new Uint8Array(b);
    this.pktU32 = new Uint32Array(b);
    this.pktDv = new DataView(b);
    this.capacity = size;
    if (!this.holding) {
      this.u8 = this.pktU8;
      this.u32 = this.pktU32;
      this.dv = this.pktDv;
    }
  }

  /* ----- holding: records go aside until release() (e.g. an openat whose path comes with its exit) ----- */

  /** From now on, records are kept aside, in order, until release(). */
  hold(): void {
    if (this.holding) return;
    this.holding = true;
    this.holdFloorHi = this.lastHi;
    this.holdFloorLo = this.lastLo;
    if (!this.holdBuf) this.holdBuf = new ArrayBuffer(64 * 1024);
    this.setTarget(this.holdBuf);
    this.pos = 0;
    this.held = [];
  }

  private setTarget(b: ArrayBuffer): void {
    this.u8 = new Uint8Array(b);
    this.u32 = new Uint32Array(b);
    this.dv = new DataView(b);
  }

  private reserveHold(tsHi: number, tsLo: number, bytes: number): number {
    const last = this.held[this.held.length - 1];
    const o = last ? last.end : 0;
    if (o + bytes > this.holdBuf!.byteLength) {
      const b = new ArrayBuffer(Math.max(o + bytes, this.holdBuf!.byteLength * 2));
      new Uint8Array(b).set(new Uint8Array(this.holdBuf!, 0, o));
      this.holdBuf = b;
      this.setTarget(b);
    }
    this.held.push({ start: o, end: o, declEnd: o, tsHi, tsLo });
    this.pos = o;
    this.reserved = bytes;
    this.u32[o >> 2] = tsLo;
    this.u32[(o >> 2) + 1] = tsHi;
    return o;
  }

  /** records held so far */
  get heldCount(): number {
    return this.held.length;
  }

  /**
   * Stops holding. `before` (optional) writes one record into the packet
   * first (it is given the stream back in normal mode); then the held records
   * follow in their order.
   */
  release(before?: () => void): void {
    if (!this.holding) return;
    const held = this.held;
    const src = new Uint8Array(this.holdBuf!);
    this.holding = false;
    this.held = [];
    this.u8 = this.pktU8;
    this.u32 = this.pktU32;
    this.dv = this.pktDv;
    // the clock floor goes back to where it was when holding began, so that
    // `before` (older than the held records) is not clamped forward
    if (held.length) {
      const floorHi = this.lastHi;
      const floorLo = this.lastLo;
      this.lastHi = this.holdFloorHi;
      this.lastLo = this.holdFloorLo;
      before?.();
      for (const h of held) {
        const n = h.end - h.start;
        const o = this.reserve(h.tsHi, h.tsLo, n);
        // reserve() may have switched to a new packet: copy into the current one
        this.u8.set(src.subarray(h.start + 8, h.end), o + 8);
        this.commit(o + (h.declEnd - h.start));
      }
      if (floorHi > this.lastHi || (floorHi === this.lastHi && floorLo > this.lastLo)) {
        this.lastHi = floorHi;
        this.lastLo = floorLo;
      }
    } else before?.();
  }

  /* -------------------------------- packets -------------------------------- */

  /** Closes the current packet (if it has events, or `force`) and writes it. */
  flushPacket(force = false): void {
    if (this.pktEvents === 0 && !force) return;
    let bHi = this.pktBeginHi;
    let bLo = this.pktBeginLo;
    if (bHi < 0) {
      bHi = this.lastHi;
      bLo = this.lastLo;
    }
    // end = the last event's time (never before begin)
    let eHi = this.lastHi;
    let eLo = this.lastLo;
    if (this.pktEvents === 0) {
      eHi = bHi;
      eLo = bLo;
    }
    const content = this.pktDecl;
    const size = (content + 7) & ~7;
    const dv = this.pktDv;
    dv.setUint32(0, CTF_MAGIC, true);
    this.pktU8.set(this.uuid, 4);
    dv.setUint32(20, this.streamId, true);
    dv.setUint32(24, this.cpu, true);
    dv.setUint32(28, 0, true);
    dv.setUint32(32, bLo, true);
    dv.setUint32(36, bHi, true);
    dv.setUint32(40, eLo, true);
    dv.setUint32(44, eHi, true);
    setU64(dv, 48, content * 8);
    setU64(dv, 56, size * 8);
    setU64(dv, 64, this.seq);
    setU64(dv, 72, this.discarded);
    dv.setUint32(80, this.cpu, true);
    for (let i = content; i < size; i++) this.pktU8[i] = 0;
    if (content < FIRST_EVENT) for (let i = PACKET_HEADER_BYTES; i < FIRST_EVENT; i++) this.pktU8[i] = 0;
    const data = this.pktU8.subarray(0, size);
    const t0 = KernelStream.dbg ? performance.now() : 0;
    this.out.appendPacket(data, {
      packetSize: BigInt(size * 8),
      contentSize: BigInt(content * 8),
      timestampBegin: u64(bHi, bLo),
      timestampEnd: u64(eHi, eLo),
      eventsDiscarded: BigInt(this.discarded),
      streamId: BigInt(this.streamId),
      streamInstanceId: BigInt(this.cpu),
      packetSeqNum: BigInt(this.seq),
    });
    if (KernelStream.dbg) KernelStream.dbgWrite += performance.now() - t0;
    this.seq++;
    this.packets++;
    this.pktPos = FIRST_EVENT;
    this.pktDecl = PACKET_HEADER_BYTES;
    this.pktEvents = 0;
    this.pktBeginHi = -1;
    this.writtenDiscarded = this.discarded;
  }

  /** events in the packet being filled */
  get pendingEvents(): number {
    return this.pktEvents;
  }

  /**
   * Flushes the packet; writes an empty one when the stream has none yet or
   * when the lost-event count changed since the last packet (so readers see it).
   */
  sync(): void {
    if (this.holding) return;
    if (this.pktEvents > 0 || this.packets === 0 || this.discarded !== this.writtenDiscarded) {
      this.flushPacket(true);
    }
  }

  close(): void {
    if (this.holding) this.release();
    this.sync();
    this.out.close();
  }
}

function setU64(dv: DataView, off: number, v: number): void {
  dv.setUint32(off, v % TWO32, true);
  dv.setUint32(off + 4, Math.floor(v / TWO32), true);
}

/** a clock value from its two 32-bit halves */
function u64(hi: number, lo: number): bigint {
  return (BigInt(hi) << 32n) | BigInt(lo);
}

/**
 * Keeps the newest packets of a stream file (and its index) so that both
 * together take at most `budget` bytes (snapshot `--max-size`): see
 * ../output/local.ts. Returns the bytes kept.
 */
export function keepNewestPackets(file: string, budget: number, fs: OutputFs = nodeFs): number {
  return new LocalTraceOutput(path.dirname(file), { fs }).keepNewest(path.basename(file), budget);
}

/** bytes of the regular files under `dir` */
export { treeBytes } from '../output/local.js';
