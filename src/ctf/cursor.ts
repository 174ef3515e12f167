// One stream's messages in order, decoded lazily: babeltrace2's per-stream
// message iterator over a packet source. `next()` says ITEM, AGAIN (the next
// packet has not fully arrived: try again later) or END.
import { DecodeError, DecodeState } from './decoder.js';
import type { BytePrinter, ByteSink, Value } from './decoder.js';
import { IndexedPackets } from './file-index.js';
import type { ClockClass, EventClass } from './model.js';
import { CompiledStreamClass, CtfTrace, TraceError, nsFromOrigin } from './trace.js';
import type { PacketEntry, PacketSource, Stream } from './trace.js';

const EMPTY = Buffer.alloc(0);

/** A message of a stream: an event, or what babeltrace2 reports about losses. */
export type Item = { kind: 'event'; cursor: Cursor } | DiscardedItem;

/** Events or packets lost between two clock values (count undefined: unknown) */
export interface DiscardedItem {
  kind: 'discarded-events' | 'discarded-packets';
  cursor: Cursor;
  count?: bigint;
  begin?: bigint;
  end?: bigint;
}

/** Statuses of Cursor.next() */
export const ITEM = 0;
export const AGAIN = 1;
export const END = 2;
export type NextStatus = typeof ITEM | typeof AGAIN | typeof END;

/**
 * The ns from origin that relative times count from: set when the traces are
 * opened, or by the first packet that has a time (live traces).
 */
export class TimeBase {
  constructor(public ns?: bigint) {}
  /** fixes the base from the first packet seen (a whole second near it) */
  fix(clock: ClockClass, begin: bigint | undefined): bigint {
    if (this.ns === undefined) {
      const from = begin !== undefined ? nsFromOrigin(clock, begin) : clock.offsetSeconds * 1000000000n;
      this.ns = (from / 1000000000n) * 1000000000n;
    }
    return this.ns;
  }
}

/** the fast path adds clkLo (< 2^32) to relK: both stay exact below this */
const SAFE_K = 2 ** 53 - 2 ** 32;

export class Cursor {
  readonly st = new DecodeState();
  cs!: CompiledStreamClass;
  clock?: ClockClass;
  private readonly source: PacketSource;
  private entry: PacketEntry | undefined;
  private inPacket = false;
  private pending: Item[] = [];
  /** the current message (undefined after AGAIN or END) */
  item: Item | undefined;
  /**
   * After AGAIN: nothing of this stream can come before `time` (the end of its
   * last packet), babeltrace2's message iterator inactivity. The muxer keeps
   * such a stream in order so that the others need not wait for it.
   */
  idle = false;
  /**
   * Time of the current item: ns relative to the base, the nearest double, and
   * `timeRem` the exact rest (0 within 2^53 ns of the base); -Infinity without clock.
   */
  time = -Infinity;
  timeRem = 0;
  /** event class of the current event */
  ec: EventClass | undefined;
  ceIndex: ReturnType<CompiledStreamClass['event']>;
  /** text of the packet context as babeltrace2 prints it ('' if not printed) */
  packetText = '';
  packetBytes: Buffer = EMPTY;
  packetValues: Value[] | undefined;
  /** bit position of the current event's header in its packet */
  headerPos = 0;
  private bodyPending = false;
  private prevDiscarded: bigint | undefined;
  private prevSeq: bigint | undefined;
  private prevEnd: bigint | undefined;
  private relK = 0;
  /** clkHi that relK was computed for (-1: not yet, or no fast path) */
  private relHi = -1;
  private freq1GHz = false;
  /** babeltrace2 gives discarded-item messages a time range only with both packet times */
  private packetsHaveTimes = false;
  private readonly eventItem: Item = { kind: 'event', cursor: this };

  constructor(
    readonly stream: Stream,
    readonly base: TimeBase,
    readonly wantText: boolean,
    source?: PacketSource,
  ) {
    this.source = source ?? stream.source ?? new IndexedPackets(stream.packets);
    this.bind();
    this.st.saved = new Array(64).fill(0);
  }

  /** (re)reads what depends on the stream class: at start, and when the metadata grew */
  private bind(): void {
    const sc = this.stream.sc;
    this.cs = this.stream.trace.compiledFor(sc);
    this.clock = sc.defaultClock;
    this.freq1GHz = !!this.clock && this.clock.freq === 1000000000n;
    const pcNames = new Set(sc.packetContext?.fields.map((f) => f.name));
    this.packetsHaveTimes = pcNames.has('timestamp_begin') && pcNames.has('timestamp_end');
    this.relHi = -1;
  }

  get trace(): CtfTrace {
    return this.stream.trace;
  }

  /** the packet being read */
  get packet(): PacketEntry | undefined {
    return this.entry;
  }

  private baseNs(): bigint {
    return this.base.ns ?? this.base.fix(this.clock!, this.entry?.begin);
  }

  /** exact ns relative to the base of a raw clock value */
  relNsOf(cycles: bigint): bigint {
    return nsFromOrigin(this.clock!, cycles) - this.baseNs();
  }

  /** exact ns relative to the base of the current item (with a clock) */
  relNs(): bigint {
    return BigInt(this.time) + BigInt(this.timeRem);
  }

  /** current clock value in cycles */
  cycles(): bigint {
    return (BigInt(this.st.clkHi) << 32n) | BigInt(this.st.clkLo);
  }

  private eventTime(): number {
    const st = this.st;
    if (st.clkHi === this.relHi) return st.clkLo + this.relK;
    return this.slowTime();
  }

  private slowTime(): number {
    if (!this.clock) return -Infinity;
    const st = this.st;
    if (this.freq1GHz) {
      // time = (clkHi - relHi) * 2^32 + clkLo + K, exact while K stays small
      const k = nsFromOrigin(this.clock, BigInt(st.clkHi) * 4294967296n) - this.baseNs();
      if (k > -SAFE_K && k < SAFE_K) {
        this.relHi = st.clkHi;
        this.relK = Number(k);
        this.timeRem = 0;
        return st.clkLo + this.relK;
      }
    }
    // far from the base (or not 1 GHz): exact, in two parts
    this.relHi = -1;
    return this.splitTime(this.relNsOf(this.cycles()));
  }

  private splitTime(rel: bigint): number {
    const t = Number(rel);
    this.timeRem = Number(rel - BigInt(t));
    return t;
  }

  /** Moves to the next message: ITEM, AGAIN (see `item` for an inactivity) or END. Throws TraceError. */
  next(): NextStatus {
    if (this.bodyPending) this.decodeBody(this.cs.skip(this.ceIndex!));
    for (;;) {
      if (this.pending.length !== 0) {
        const p = this.pending.shift()!;
        this.item = p;
        this.time = this.itemTime(p);
        return ITEM;
      }
      if (this.inPacket) {
        const st = this.st;
        if (st.pos < st.end) {
          this.readEventHeader();
          return ITEM;
        }
        this.endPacket();
      }
      const s = this.loadPacket();
      if (s !== ITEM) return s;
    }
  }

  private itemTime(it: Item): number {
    this.relHi = -1; // timeRem changes: the next event recomputes its own
    if (it.kind === 'event' || !this.clock || it.begin === undefined) return -Infinity;
    return this.splitTime(this.relNsOf(it.begin));
  }

  private fail(e: PacketEntry, bitPos: number, msg: string): never {
    throw new TraceError(e.file.path, e.offset + Math.floor(bitPos / 8), msg);
  }

  /** where the current message is, for errors: file and byte offset */
  where(): { file: string; offset: number } {
    const e = this.entry!;
    return { file: e.file.path, offset: e.offset + (this.item?.kind === 'event' ? Math.floor(this.headerPos / 8) : 0) };
  }

  private readEventHeader(): void {
    const st = this.st;
    const e = this.entry!;
    const at = st.pos;
    const hi = st.clkHi;
    const lo = st.clkLo;
    for (let retried = false; ; retried = true) {
      try {
        if (this.cs.header) this.cs.header(st);
        else st.eventId = -1;
      } catch (err) {
        if (err instanceof DecodeError || err instanceof RangeError) this.fail(e, at, `event header: ${err instanceof DecodeError ? err.message : 'goes past the end of the packet'}`);
        throw err;
      }
      let id = st.eventId;
      if (id < 0) {
        if (this.stream.sc.events.size !== 1) this.fail(e, at, 'event has no id and the stream class has several event classes');
        id = [...this.stream.sc.events.keys()][0]!;
      }
      const ce = this.cs.event(id);
      if (ce) {
        this.ceIndex = ce;
        this.ec = ce.ec;
        break;
      }
      // a live trace's metadata may not have caught up yet: read it again, once
      if (retried || !this.source.refreshMetadata?.()) this.fail(e, at, `no event class with id ${id} in stream class ${this.stream.sc.id}`);
      this.bind();
      st.pos = at;
      st.clkHi = hi;
      st.clkLo = lo;
    }
    this.item = this.eventItem;
    this.time = this.eventTime();
    this.headerPos = at;
    this.bodyPending = true;
  }

  /** Writes the current event's contexts and payload with `fn`; errors name the place. */
  printBytes(fn: BytePrinter, ob: ByteSink): boolean {
    this.bodyPending = false;
    try {
      return fn(this.st, ob);
    } catch (err) {
      return this.bodyError(err);
    }
  }

  /** Decodes the current event's contexts and payload with `fn`; errors name the place. */
  decodeBody<R>(fn: (st: DecodeState) => R): R {
    this.bodyPending = false;
    try {
      return fn(this.st);
    } catch (err) {
      return this.bodyError(err);
    }
  }

  private bodyError(err: unknown): never {
    const e = this.entry!;
    if (err instanceof DecodeError) this.fail(e, err.bitPos, `event "${this.ec!.name}": ${err.message}`);
    if (err instanceof RangeError) this.fail(e, this.headerPos, `event "${this.ec!.name}" goes past the end of the packet`);
    throw err;
  }

  private endPacket(): void {
    this.inPacket = false;
    const e = this.entry!;
    if (e.end !== undefined && this.clock) {
      // babeltrace2 moves the stream clock to the packet end, unless a tracer
      // bug makes the end look older than the last event (quirks)
      const cur = this.cycles();
      const lttng = this.trace.tc.env.get('tracer_name');
      const crashQuirk = typeof lttng === 'string' && lttng.startsWith('lttng') && e.begin !== 0n && e.end === 0n;
      if (!crashQuirk && e.end >= cur) {
        this.st.clkHi = Number(e.end >> 32n);
        this.st.clkLo = Number(e.end & 0xffffffffn);
      }
    }
    this.prevEnd = e.end;
  }

  private loadPacket(): NextStatus {
    const got = this.source.nextPacket();
    if (got === 'again') return this.waiting();
    this.idle = false;
    if (got === 'end') {
      this.item = undefined;
      return END;
    }
    const e = got.entry;
    this.entry = e;
    // a live stream learns its class from its first packet; a grown metadata brings new ones
    if (this.cs.sc !== this.stream.sc) this.bind();
    const head = this.trace.decodeHead(this.st, got.bytes, e.file, e.offset);
    if (e.contentBits < head.pos) this.fail(e, 0, `packet content size (${e.contentBits} bits) is smaller than its header and context`);
    this.packetValues = head.contextValues;
    const st = this.st;
    st.end = e.contentBits;
    if (this.cs.packetContextText && this.stream.sc.packetContext!.inIr && this.wantText) {
      // decode the context again for its text (once per packet)
      st.pos = head.contextPos;
      this.packetText = this.cs.packetContextText(st);
      this.packetBytes = Buffer.from(this.packetText, 'utf8');
    } else {
      this.packetText = '';
      this.packetBytes = EMPTY;
    }
    st.pos = head.pos;
    this.inPacket = true;
    this.queueDiscarded(e);
    this.prevSeq = e.seq;
    this.prevDiscarded = e.discarded;
    return ITEM;
  }

  /** AGAIN: with a clock and a packet read, nothing can come before the clock's value */
  private waiting(): NextStatus {
    this.item = undefined;
    this.idle = !!this.clock && this.entry !== undefined;
    this.time = this.idle ? this.eventTime() : -Infinity;
    return AGAIN;
  }

  private queueDiscarded(e: PacketEntry): void {
    const hasTimes = this.packetsHaveTimes;
    if (e.discarded !== undefined) {
      if (this.prevDiscarded === undefined) {
        if (e.discarded !== 0n) {
          this.pending.push({ kind: 'discarded-events', cursor: this, begin: hasTimes ? e.begin : undefined, end: hasTimes ? e.end : undefined });
        }
      } else if (e.discarded !== this.prevDiscarded) {
        const count = BigInt.asUintN(64, e.discarded - this.prevDiscarded);
        this.pending.push({ kind: 'discarded-events', cursor: this, count, begin: hasTimes ? this.prevEnd : undefined, end: hasTimes ? e.end : undefined });
      }
    }
    if (e.seq !== undefined && this.prevSeq !== undefined && e.seq - this.prevSeq > 1n) {
      this.pending.push({ kind: 'discarded-packets', cursor: this, count: e.seq - this.prevSeq - 1n, begin: hasTimes ? this.prevEnd : undefined, end: hasTimes ? e.begin : undefined });
    }
  }
}
