// Opening inputs as babeltrace2 does (recursive discovery, traces sharing a
// UUID merged), and iterating all their streams merged by time.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DecodeError, DecodeState } from './decoder.js';
import type { BytePrinter, ByteSink, Value } from './decoder.js';
import type { ClockClass, EventClass } from './model.js';
import {
  CompiledStreamClass, CtfTrace, PacketEntry, Stream, TraceError, closeFile, findTraceDirs, insertPacketSorted,
  isTraceDir, nsFromOrigin, openTrace, readAt,
} from './trace.js';

const EMPTY = Buffer.alloc(0);

export interface OpenedTraces {
  traces: CtfTrace[];
  /** every stream of every trace */
  streams: Stream[];
  /** ns from origin that relative times count from */
  baseNs: bigint;
}

function uuidBytesCompare(a: CtfTrace, b: CtfTrace): number {
  const ua = a.tc.uuid;
  const ub = b.tc.uuid;
  if (ua && !ub) return -1;
  if (!ua && ub) return 1;
  if (!ua || !ub) return 0;
  return Buffer.compare(Buffer.from(ua), Buffer.from(ub));
}

/** Number of stream and event classes: babeltrace2 keeps the richest metadata. */
function classCount(t: CtfTrace): number {
  let n = t.tc.streams.size;
  for (const s of t.tc.streams.values()) n += s.events.size;
  return n;
}

export function openInputs(inputs: string[], warn: (msg: string) => void = (m) => process.stderr.write(`ttng: warning: ${m}\n`)): OpenedTraces {
  const traces: CtfTrace[] = [];
  const noTrace: string[] = [];
  for (const input of inputs) {
    const exists = fs.existsSync(input);
    if (!exists && inputs.length === 1) throw new TraceError(input, undefined, 'no such file or directory');
    const dirs = !exists ? [] : isTraceDir(input) ? [input] : findTraceDirs(input);
    if (dirs.length === 0) {
      // as babeltrace2: only a warning when another input has traces
      if (inputs.length > 1) {
        noTrace.push(input);
        continue;
      }
      throw new TraceError(input, undefined, 'no CTF trace found (no directory with a "metadata" file)');
    }
    const opened = dirs.map((d) => openTrace(d));
    // traces sharing a UUID are one trace (snapshots, rotation chunks)
    const groups: CtfTrace[][] = [];
    const byUuid = new Map<string, CtfTrace[]>();
    for (const t of opened) {
      const u = t.uuid;
      if (u === undefined) groups.push([t]);
      else {
        let g = byUuid.get(u);
        if (!g) {
          g = [];
          byUuid.set(u, g);
          groups.push(g);
        }
        g.push(t);
      }
    }
    for (const g of groups) {
      for (const t of g) t.scan();
      let merged: CtfTrace;
      if (g.length === 1) {
        merged = g[0]!;
        const rel = path.relative(input, merged.dir);
        const host = merged.hostname;
        merged.name = host !== undefined ? (rel ? `${host}/${rel}` : host) : rel;
      } else {
        merged = mergeTraces(g);
        merged.name = merged.hostname ?? '';
      }
      assignStreamIds(merged);
      traces.push(merged);
    }
  }
  if (traces.length === 0 && noTrace.length) throw new TraceError(noTrace[0]!, undefined, 'no CTF trace found (no directory with a "metadata" file)');
  for (const p of noTrace) warn(`${p}: no CTF trace found (no directory with a "metadata" file)`);
  const streams = traces.flatMap((t) => t.streams);
  // relative times count from a whole second near the first packet
  let baseNs = 0n;
  for (const s of streams) {
    const c = s.sc.defaultClock;
    const b = s.packets.find((p) => p.begin !== undefined)?.begin;
    if (c && b !== undefined) {
      baseNs = (nsFromOrigin(c, b) / 1000000000n) * 1000000000n;
      break;
    }
    if (c) baseNs = ((c.offsetSeconds * 1000000000n) / 1000000000n) * 1000000000n;
  }
  return { traces, streams, baseNs };
}

function mergeTraces(g: CtfTrace[]): CtfTrace {
  let winner = g[0]!;
  for (const t of g) if (classCount(t) > classCount(winner)) winner = t;
  const byKey = new Map<string, Stream>();
  const out: Stream[] = [];
  for (const t of [winner, ...g.filter((x) => x !== winner)]) {
    for (const s of t.streams) {
      const sc = winner.tc.streams.get(s.sc.id);
      if (!sc) throw new TraceError(t.dir, undefined, `stream class ${s.sc.id} is not in the metadata of ${winner.dir}`);
      if (s.instanceId === undefined) {
        const ns = new Stream(winner, sc, undefined);
        ns.packets.push(...s.packets);
        out.push(ns);
        continue;
      }
      const key = `${s.sc.id}:${s.instanceId}`;
      let d = byKey.get(key);
      if (!d) {
        d = new Stream(winner, sc, s.instanceId);
        byKey.set(key, d);
        out.push(d);
      }
      for (const p of s.packets) insertPacketSorted(d.packets, p);
    }
  }
  winner.streams.length = 0;
  winner.streams.push(...out);
  return winner;
}

function assignStreamIds(t: CtfTrace): void {
  t.streams.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const next = new Map<number, number>();
  for (const s of t.streams) {
    if (s.instanceId !== undefined) s.id = Number(s.instanceId);
    else {
      const n = next.get(s.sc.id) ?? 0;
      s.id = n;
      next.set(s.sc.id, n + 1);
    }
  }
}

/* ------------------------------ iteration ------------------------------ */

export type Item =
  | { kind: 'event'; cursor: Cursor }
  | { kind: 'discarded-events'; cursor: Cursor; count?: bigint; begin?: bigint; end?: bigint }
  | { kind: 'discarded-packets'; cursor: Cursor; count: bigint; begin?: bigint; end?: bigint };

/** Reads the messages of one stream in order, decoding lazily. */
export class Cursor {
  readonly st = new DecodeState();
  readonly cs: CompiledStreamClass;
  readonly clock?: ClockClass;
  private pkt = -1;
  private inPacket = false;
  private pending: Item[] = [];
  /** the current item, and its time (ns relative to baseNs; -Infinity without clock) */
  item: Item | undefined;
  time = -Infinity;
  /** event class of the current event */
  ec: EventClass | undefined;
  ceIndex: ReturnType<CompiledStreamClass['event']>;
  /** text of the packet context as babeltrace2 prints it ('' if not printed) */
  packetText = '';
  packetBytes: Buffer = EMPTY;
  packetValues: Value[] | undefined;
  private prevDiscarded: bigint | undefined;
  private prevSeq: bigint | undefined;
  private prevEnd: bigint | undefined;
  private relK = 0;
  /** clkHi that relK was computed for (-1: not yet) */
  private relHi = -1;
  private readonly freq1GHz: boolean;
  /** babeltrace2 gives discarded-item messages a time range only with both packet times */
  private readonly packetsHaveTimes: boolean;

  constructor(
    readonly stream: Stream,
    readonly baseNs: bigint,
    readonly wantText: boolean,
  ) {
    this.cs = stream.trace.compiledFor(stream.sc);
    this.clock = stream.sc.defaultClock;
    this.freq1GHz = !this.clock || this.clock.freq === 1000000000n;
    const pcNames = new Set(stream.sc.packetContext?.fields.map((f) => f.name));
    this.packetsHaveTimes = pcNames.has('timestamp_begin') && pcNames.has('timestamp_end');
    this.st.saved = new Array(64).fill(0);
  }

  get trace(): CtfTrace {
    return this.stream.trace;
  }

  /** the packet being read */
  get packet(): PacketEntry | undefined {
    return this.stream.packets[this.pkt];
  }

  /** ns relative to baseNs of a raw clock value */
  relOf(cycles: bigint): number {
    return Number(nsFromOrigin(this.clock!, cycles) - this.baseNs);
  }

  /** current clock value in cycles */
  cycles(): bigint {
    return (BigInt(this.st.clkHi) << 32n) | BigInt(this.st.clkLo);
  }

  private eventTime(): number {
    if (!this.clock) return -Infinity;
    const st = this.st;
    if (this.freq1GHz) {
      if (st.clkHi !== this.relHi) this.rebase();
      return st.clkLo + this.relK;
    }
    return this.relOf(this.cycles());
  }

  private rebase(): void {
    // time = (clkHi - relHi) * 2^32 + clkLo + K, exact while spans stay < 2^53 ns
    this.relHi = this.st.clkHi;
    this.relK = Number(nsFromOrigin(this.clock!, BigInt(this.relHi) << 32n) - this.baseNs);
  }

  /** Moves to the next item; false at the end of the stream. Throws TraceError. */
  next(): boolean {
    for (;;) {
      const p = this.pending.shift();
      if (p) {
        this.item = p;
        this.time = this.itemTime(p);
        return true;
      }
      if (this.inPacket) {
        const st = this.st;
        if (st.pos < st.end) {
          this.readEventHeader();
          return true;
        }
        this.endPacket();
      }
      if (!this.loadPacket()) {
        this.item = undefined;
        return false;
      }
    }
  }

  private itemTime(it: Item): number {
    if (it.kind === 'event' || !this.clock) return -Infinity;
    return it.begin !== undefined ? this.relOf(it.begin) : -Infinity;
  }

  private fail(e: PacketEntry, bitPos: number, msg: string): never {
    throw new TraceError(e.file.path, e.offset + Math.floor(bitPos / 8), msg);
  }

  private readEventHeader(): void {
    const st = this.st;
    const e = this.stream.packets[this.pkt]!;
    const at = st.pos;
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
    if (!ce) this.fail(e, at, `no event class with id ${id} in stream class ${this.stream.sc.id}`);
    this.ceIndex = ce;
    this.ec = ce.ec;
    this.item = this.eventItem;
    this.time = this.eventTime();
    this.headerPos = at;
  }
  headerPos = 0;
  private readonly eventItem: Item = { kind: 'event', cursor: this };

  /** Writes the current event's contexts and payload with `fn`; errors name the place. */
  printBytes(fn: BytePrinter, ob: ByteSink): boolean {
    try {
      return fn(this.st, ob);
    } catch (err) {
      return this.bodyError(err);
    }
  }

  private bodyError(err: unknown): never {
    const e = this.stream.packets[this.pkt]!;
    if (err instanceof DecodeError) this.fail(e, err.bitPos, `event "${this.ec!.name}": ${err.message}`);
    if (err instanceof RangeError) this.fail(e, this.headerPos, `event "${this.ec!.name}" goes past the end of the packet`);
    throw err;
  }

  /** Decodes the current event's contexts and payload with `fn`; errors name the place. */
  decodeBody<R>(fn: (st: DecodeState) => R): R {
    try {
      return fn(this.st);
    } catch (err) {
      const e = this.stream.packets[this.pkt]!;
      if (err instanceof DecodeError) this.fail(e, err.bitPos, `event "${this.ec!.name}": ${err.message}`);
      if (err instanceof RangeError) this.fail(e, this.headerPos, `event "${this.ec!.name}" goes past the end of the packet`);
      throw err;
    }
  }

  private endPacket(): void {
    this.inPacket = false;
    const e = this.stream.packets[this.pkt]!;
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

  private loadPacket(): boolean {
    const packets = this.stream.packets;
    if (this.pkt >= 0) closeIfLast(packets, this.pkt);
    this.pkt++;
    if (this.pkt >= packets.length) return false;
    const e = packets[this.pkt]!;
    const buf = readAt(e.file, e.offset, e.packetBits / 8);
    if (buf.length * 8 < e.packetBits) this.fail(e, buf.length * 8, 'packet is truncated (file shorter than its packet size)');
    const head = this.trace.decodeHead(this.st, buf, e.file, e.offset);
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
    return true;
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

function closeIfLast(packets: PacketEntry[], i: number): void {
  const f = packets[i]!.file;
  if (!packets.slice(i + 1).some((p) => p.file === f)) closeFile(f);
}

/* ----------------------- babeltrace2's tie-breaking ----------------------- */

const TYPE_WEIGHT: Record<Item['kind'], number> = { event: 5, 'discarded-events': 4, 'discarded-packets': 1 };

function strcmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function compareCursors(a: Cursor, b: Cursor): number {
  if (a.time !== b.time) return a.time < b.time ? -1 : 1;
  const ta = a.trace;
  const tb = b.trace;
  let r = uuidBytesCompare(ta, tb);
  if (r) return r;
  r = strcmp(ta.name, tb.name);
  if (r) return r;
  if (a.stream.sc.id !== b.stream.sc.id) return a.stream.sc.id < b.stream.sc.id ? -1 : 1;
  if (a.stream.id !== b.stream.id) return a.stream.id < b.stream.id ? -1 : 1;
  const ka = a.item!.kind;
  const kb = b.item!.kind;
  if (ka !== kb) return TYPE_WEIGHT[kb] - TYPE_WEIGHT[ka];
  if (ka === 'event') {
    const ea = a.ec!;
    const eb = b.ec!;
    if (ea.id !== eb.id) return ea.id < eb.id ? -1 : 1;
    r = strcmp(ea.name, eb.name);
    if (r) return r;
  }
  return strcmp(a.stream.name, b.stream.name);
}

/** Binary min-heap of cursors. */
export class CursorHeap {
  private readonly h: Cursor[] = [];
  get size(): number {
    return this.h.length;
  }
  peek(): Cursor | undefined {
    return this.h[0];
  }
  push(c: Cursor): void {
    const h = this.h;
    h.push(c);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (compareCursors(h[i]!, h[p]!) >= 0) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }
  pop(): Cursor | undefined {
    const h = this.h;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last) {
      h[0] = last;
      this.siftDown(0);
    }
    return top;
  }
  /** the top's key changed (it advanced): restore order */
  replaceTop(): void {
    this.siftDown(0);
  }
  private siftDown(i: number): void {
    const h = this.h;
    const n = h.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < n && compareCursors(h[l]!, h[m]!) < 0) m = l;
      if (r < n && compareCursors(h[r]!, h[m]!) < 0) m = r;
      if (m === i) return;
      [h[i], h[m]] = [h[m]!, h[i]!];
      i = m;
    }
  }
}

/**
 * Calls `onItem` for every message of every stream in time order. The cursor
 * passed is positioned on the item; for events, the body is still to decode.
 */
export function iterate(opened: OpenedTraces, wantText: boolean, onItem: (c: Cursor) => boolean | void): void {
  const heap = new CursorHeap();
  for (const s of opened.streams) {
    const c = new Cursor(s, opened.baseNs, wantText);
    if (c.next()) heap.push(c);
  }
  // one stream: no heap work per event
  while (heap.size > 0) {
    const c = heap.peek()!;
    if (onItem(c) === false) return;
    if (c.next()) heap.replaceTop();
    else heap.pop();
  }
}
