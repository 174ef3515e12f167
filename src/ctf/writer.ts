// Writing CTF 1.8 traces: LTTng-style stream classes, packets encoded from
// values, text or packetized metadata. The files (per-stream packets,
// `index/*.idx`, `metadata`) are written by the trace output (../output/).
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Value, VariantValue } from './decoder.js';
import type { ClockClass, EnumType, EventClass, FieldType, IntegerType, StreamClass, StructType, TraceClass } from './model.js';
import { uuidFromString } from './model.js';
import { generateTsdl } from './tsdl-writer.js';
import { METADATA_HEADER_SIZE, METADATA_MAGIC } from './metadata-file.js';
import { PACKET_MAGIC } from './trace.js';
import { LocalTraceOutput, localStream } from '../output/local.js';
import type { StreamOutput } from '../output/sink.js';

/* ------------------------------ bit encoder ------------------------------ */

export class BitWriter {
  buf = Buffer.alloc(4096);
  /** position in bits */
  pos = 0;

  private ensure(bits: number): void {
    const need = Math.ceil((this.pos + bits) / 8) + 8;
    if (need <= this.buf.length) return;
    let n = this.buf.length * 2;
    while (n < need) n *= 2;
    const b = Buffer.alloc(n);
    this.buf.copy(b);
    this.buf = b;
  }
  align(a: number): void {
    if (a > 1) this.pos = Math.ceil(this.pos / a) * a;
  }
  /** integer of `size` bits (two's complement for negatives) */
  int(v: number | bigint, size: number, le: boolean): void {
    this.ensure(size);
    let u = BigInt.asUintN(size, typeof v === 'bigint' ? v : BigInt(Math.trunc(v)));
    if (this.pos % 8 === 0 && size % 8 === 0) {
      let o = this.pos >>> 3;
      const n = size / 8;
      for (let i = 0; i < n; i++) {
        const shift = le ? BigInt(i * 8) : BigInt((n - 1 - i) * 8);
        this.buf[o++] = Number((u >> shift) & 0xffn);
      }
      this.pos += size;
      return;
    }
    if (le) {
      // LSB first, filling each byte from its least significant bit
      for (let i = 0; i < size; i++) {
        const bit = Number(u & 1n);
        u >>= 1n;
        const p = this.pos + i;
        if (bit) this.buf[p >>> 3]! |= 1 << (p & 7);
        else this.buf[p >>> 3]! &= ~(1 << (p & 7));
      }
    } else {
      for (let i = size - 1; i >= 0; i--) {
        const bit = Number((u >> BigInt(i)) & 1n);
        const p = this.pos + (size - 1 - i);
        const mask = 0x80 >> (p & 7);
        if (bit) this.buf[p >>> 3]! |= mask;
        else this.buf[p >>> 3]! &= ~mask;
      }
    }
    this.pos += size;
  }
  bytes(b: Uint8Array): void {
    this.ensure(b.length * 8);
    this.buf.set(b, this.pos >>> 3);
    this.pos += b.length * 8;
  }
  float(v: number, mantDig: number, le: boolean): void {
    const b = Buffer.alloc(mantDig === 24 ? 4 : 8);
    if (mantDig === 24) {
      if (le) b.writeFloatLE(v);
      else b.writeFloatBE(v);
    } else if (le) b.writeDoubleLE(v);
    else b.writeDoubleBE(v);
    if (this.pos % 8 === 0) this.bytes(b);
    else this.int(le ? (mantDig === 24 ? BigInt(b.readUInt32LE()) : b.readBigUInt64LE()) : mantDig === 24 ? BigInt(b.readUInt32BE()) : b.readBigUInt64BE(), mantDig === 24 ? 32 : 64, le);
  }
  take(): Buffer {
    return this.buf.subarray(0, Math.ceil(this.pos / 8));
  }
}

export class EncodeError extends Error {}

/** Encodes `v` as type `t`; `lengths` is filled so sequences can be checked. */
export function encodeField(w: BitWriter, t: FieldType, v: Value | undefined): void {
  switch (t.kind) {
    case 'int':
      w.align(t.align);
      w.int((v ?? 0) as number | bigint, t.size, t.byteOrder === 'le');
      return;
    case 'enum':
      encodeField(w, t.container, v);
      return;
    case 'float':
      w.align(t.align);
      w.float((v ?? 0) as number, t.mantDig, t.byteOrder === 'le');
      return;
    case 'string':
      w.align(8);
      // bytes that are not UTF-8 come as bytes and are kept as they are
      w.bytes(v instanceof Uint8Array ? Buffer.concat([v, Buffer.alloc(1)]) : Buffer.from(((v ?? '') as string) + '\0', 'utf8'));
      return;
    case 'struct': {
      w.align(t.align);
      const vals = (v ?? []) as Value[];
      t.fields.forEach((f, i) => encodeField(w, f.type, vals[i]));
      return;
    }
    case 'variant': {
      const vv = v as VariantValue;
      if (!vv || typeof vv !== 'object' || !('sel' in vv)) throw new EncodeError('variant value must be { sel, v }');
      encodeField(w, t.options[vv.sel]!.type, vv.v);
      return;
    }
    case 'array':
    case 'sequence': {
      const arr = (v ?? []) as Value[];
      if (t.kind === 'array' && arr.length !== t.length) throw new EncodeError(`array needs ${t.length} elements, got ${arr.length}`);
      w.align(t.element.align);
      for (const e of arr) encodeField(w, t.element, e);
      return;
    }
  }
}

/* ------------------------- LTTng stream class layout ------------------------- */

const u = (size: number, opts: Partial<IntegerType> = {}): IntegerType => ({
  kind: 'int', size, align: 8, signed: false, byteOrder: 'le', base: 10, encoding: 'none', ...opts,
});

/** LTTng's packet header: magic, uuid, stream_id, stream_instance_id. */
export function lttngPacketHeader(): StructType {
  return {
    kind: 'struct', align: 8, fields: [
      { name: 'magic', type: u(32, { base: 16 }) },
      { name: 'uuid', type: { kind: 'array', length: 16, element: u(8), align: 8, isText: false } },
      { name: 'stream_id', type: u(32) },
      { name: 'stream_instance_id', type: u(64) },
    ],
  };
}

/** LTTng's packet context, plus extra fields (e.g. cpu_id) after it. */
export function lttngPacketContext(clock: ClockClass | undefined, extra: { name: string; type: FieldType }[] = []): StructType {
  const fields: { name: string; type: FieldType }[] = [];
  if (clock) {
    fields.push({ name: 'timestamp_begin', type: u(64, { mappedClock: clock.name }) });
    fields.push({ name: 'timestamp_end', type: u(64, { mappedClock: clock.name }) });
  }
  fields.push({ name: 'content_size', type: u(64) }, { name: 'packet_size', type: u(64) }, { name: 'packet_seq_num', type: u(64) });
  fields.push({ name: 'events_discarded', type: u(64) });
  fields.push(...extra);
  return { kind: 'struct', align: 8, fields };
}

/** LTTng event headers: `compact` (5-bit id, 27-bit time) or `large` (16/32). */
export function lttngEventHeader(kind: 'compact' | 'large', clock: ClockClass | undefined): StructType {
  const small = kind === 'compact' ? 5 : 16;
  const smallTs = kind === 'compact' ? 27 : 32;
  const max = 2 ** small - 1;
  const idType: IntegerType = u(small, kind === 'compact' ? { align: 1 } : {});
  const id: EnumType = {
    kind: 'enum', container: idType, align: idType.align,
    mappings: [{ label: 'compact', ranges: [[0n, BigInt(max - 1)]] }, { label: 'extended', ranges: [[BigInt(max), BigInt(max)]] }],
  };
  const ts = (size: number): IntegerType => u(size, { align: size % 8 ? 1 : 8, mappedClock: clock?.name });
  const compact: StructType = { kind: 'struct', align: 1, fields: clock ? [{ name: 'timestamp', type: ts(smallTs) }] : [] };
  compact.align = Math.max(1, ...compact.fields.map((f) => f.type.align));
  const extended: StructType = {
    kind: 'struct', align: 8,
    fields: [{ name: 'id', type: u(32) }, ...(clock ? [{ name: 'timestamp', type: ts(64) }] : [])],
  };
  return {
    kind: 'struct', align: 8, fields: [
      { name: 'id', type: id },
      { name: 'v', type: { kind: 'variant', tagPath: 'id', align: 1, options: [{ name: 'compact', type: compact }, { name: 'extended', type: extended }] } },
    ],
  };
}

export interface StreamClassSpec {
  id: number;
  clock?: ClockClass;
  header: 'compact' | 'large';
  /** fields after LTTng's packet context (e.g. `cpu_id`) */
  packetContextExtra?: { name: string; type: FieldType }[];
  eventContext?: StructType;
  events: EventClass[];
}

export function lttngStreamClass(spec: StreamClassSpec): StreamClass {
  const events = new Map<number, EventClass>();
  for (const e of spec.events) events.set(e.id, { ...e, streamId: spec.id });
  return {
    id: spec.id,
    packetContext: lttngPacketContext(spec.clock, spec.packetContextExtra),
    eventHeader: lttngEventHeader(spec.header, spec.clock),
    eventContext: spec.eventContext,
    events,
    defaultClock: spec.clock,
  };
}

/* --------------------------------- writer --------------------------------- */

export interface WriterOptions {
  /** packetized metadata (as LTTng writes it) instead of plain text */
  packetizedMetadata?: boolean;
}

export interface PacketInfo {
  /** values of the extra packet context fields, in order */
  extra?: Value[];
  /** cumulative count of events lost so far in this stream */
  eventsDiscarded?: bigint;
  /** begin/end clock values; default: first/last event's */
  begin?: bigint;
  end?: bigint;
  /** packet sequence number; default: one more than the previous packet's */
  seq?: bigint;
}

/**
 * Writes one trace. The trace class must use LTTng's packet header and, for
 * every stream class, the packet context and event header made above.
 */
export class CtfWriter {
  readonly tc: TraceClass;
  private readonly streams: StreamWriter[] = [];
  private readonly out: LocalTraceOutput;
  constructor(
    readonly dir: string,
    tc: Omit<TraceClass, 'packetHeader' | 'uuid' | 'major' | 'minor'> & { uuid?: Uint8Array },
    readonly opts: WriterOptions = {},
  ) {
    this.tc = { ...tc, major: 1, minor: 8, uuid: tc.uuid ?? uuidFromString(randomUUID())!, packetHeader: lttngPacketHeader() };
    this.out = new LocalTraceOutput(dir);
    this.out.mkdirs();
  }

  /** A data stream file `NAME` (LTTng: `CHANNEL_CPU`) of stream class `scId`. */
  stream(scId: number, name: string, instanceId: bigint): StreamWriter {
    const sc = this.tc.streams.get(scId);
    if (!sc) throw new EncodeError(`no stream class ${scId}`);
    const s = new StreamWriter(this, sc, path.join(this.dir, name), instanceId);
    this.streams.push(s);
    return s;
  }

  metadataText(): string {
    return generateTsdl(this.tc);
  }

  close(): void {
    for (const s of this.streams) s.close();
    const text = Buffer.from(this.metadataText(), 'utf8');
    this.out.writeMetadata(this.opts.packetizedMetadata ? packetizeMetadata(text, this.tc.uuid!) : text);
  }
}

/** LTTng's metadata packets: 37-byte header, 4 KiB packets. */
export function packetizeMetadata(text: Uint8Array, uuid: Uint8Array, packetBytes = 4096): Buffer {
  const room = packetBytes - METADATA_HEADER_SIZE;
  const parts: Buffer[] = [];
  for (let off = 0; off < text.length || off === 0; off += room) {
    const chunk = text.subarray(off, Math.min(text.length, off + room));
    const p = Buffer.alloc(packetBytes);
    p.writeUInt32LE(METADATA_MAGIC, 0);
    p.set(uuid, 4);
    p.writeUInt32LE(0, 20);
    p.writeUInt32LE((METADATA_HEADER_SIZE + chunk.length) * 8, 24);
    p.writeUInt32LE(packetBytes * 8, 28);
    p[35] = 1;
    p[36] = 8;
    p.set(chunk, METADATA_HEADER_SIZE);
    parts.push(p);
    if (text.length === 0) break;
  }
  return Buffer.concat(parts);
}

export class StreamWriter {
  private readonly out: StreamOutput;
  private seq = 0n;
  private w: BitWriter | undefined;
  private packet: PacketInfo = {};
  private first: bigint | undefined;
  private last: bigint | undefined;
  /** clock value a reader will have before the next event header */
  private readerClock: bigint | undefined;
  private events = 0;
  private readonly compactIds: number;
  private readonly compactTsBits: number;
  private readonly clockedEvents = new Set<number>();

  constructor(
    readonly writer: CtfWriter,
    readonly sc: StreamClass,
    readonly file: string,
    readonly instanceId: bigint,
  ) {
    this.out = localStream(file);
    const idType = (sc.eventHeader!.fields[0]!.type as EnumType).container;
    this.compactIds = 2 ** idType.size - 1;
    this.compactTsBits = idType.size === 5 ? 27 : 32;
    // events with clock-mapped fields move the reader's clock: next header is full
    for (const ec of sc.events.values()) {
      let mapped = false;
      const walk = (t: FieldType | undefined): void => {
        if (!t) return;
        if (t.kind === 'int' && t.mappedClock) mapped = true;
        else if (t.kind === 'enum') walk(t.container);
        else if (t.kind === 'struct') t.fields.forEach((f) => walk(f.type));
        else if (t.kind === 'variant') t.options.forEach((f) => walk(f.type));
        else if (t.kind === 'array' || t.kind === 'sequence') walk(t.element);
      };
      [sc.eventContext, ec.context, ec.payload].forEach(walk);
      if (mapped) this.clockedEvents.add(ec.id);
    }
  }

  beginPacket(info: PacketInfo = {}): void {
    if (this.w) this.endPacket();
    this.w = new BitWriter();
    this.packet = info;
    if (info.seq !== undefined) this.seq = info.seq;
    this.first = undefined;
    this.last = undefined;
    this.events = 0;
    this.readerClock = info.begin;
    // header and context are written at endPacket, once sizes are known; reserve room
    this.w.pos = this.headerBits();
  }

  private headerBits(): number {
    const w = new BitWriter();
    this.writeHead(w, 0n, 0n, 0n, 0n);
    return w.pos;
  }

  private writeHead(w: BitWriter, begin: bigint, end: bigint, content: bigint, size: bigint): void {
    const tc = this.writer.tc;
    encodeField(w, tc.packetHeader!, [PACKET_MAGIC, Array.from(tc.uuid!), this.sc.id, this.instanceId]);
    const vals: Value[] = [];
    if (this.sc.defaultClock) vals.push(begin, end);
    vals.push(content, size, this.seq, this.packet.eventsDiscarded ?? 0n, ...(this.packet.extra ?? []));
    encodeField(w, this.sc.packetContext!, vals);
  }

  /** Appends an event: `ts` in clock cycles (ignored without a clock). */
  event(ec: EventClass, ts: bigint | undefined, scopes: [Value[] | undefined, Value[] | undefined, Value[] | undefined]): void {
    if (!this.w) this.beginPacket();
    const w = this.w!;
    const clock = this.sc.defaultClock;
    const t = clock ? ts ?? this.last ?? 0n : 0n;
    if (clock) {
      if (this.last !== undefined && t < this.last) throw new EncodeError(`event timestamps go backwards (${t} after ${this.last})`);
      this.first ??= t;
      this.last = t;
    }
    const small = 2n ** BigInt(this.compactTsBits);
    const prev = this.readerClock;
    const compactOk =
      ec.id < this.compactIds && (!clock || (prev !== undefined && t >= prev && t - prev < small && ((t - prev) < small)));
    // compact timestamps hold the low bits: valid while at most one wrap happened
    const header: Value[] = compactOk
      ? [ec.id, { sel: 0, v: clock ? [Number(t % small)] : [] }]
      : [this.compactIds, { sel: 1, v: clock ? [ec.id, t] : [ec.id] }];
    encodeField(w, this.sc.eventHeader!, header);
    if (this.sc.eventContext) encodeField(w, this.sc.eventContext, scopes[0]);
    if (ec.context) encodeField(w, ec.context, scopes[1]);
    if (ec.payload) encodeField(w, ec.payload, scopes[2]);
    this.readerClock = this.clockedEvents.has(ec.id) ? undefined : t;
    this.events++;
  }

  endPacket(): void {
    const w = this.w;
    if (!w) return;
    this.w = undefined;
    const contentBits = w.pos;
    const bytes = Math.ceil(contentBits / 8);
    // readers want begin <= every event <= end, whatever the source said
    let begin = this.packet.begin ?? this.first ?? this.packet.end ?? 0n;
    if (this.first !== undefined && this.first < begin) begin = this.first;
    let end = this.packet.end ?? this.last ?? begin;
    if (this.last !== undefined && this.last > end) end = this.last;
    if (end < begin) end = begin;
    const head = new BitWriter();
    head.buf = w.buf;
    this.writeHead(head, begin, end, BigInt(contentBits), BigInt(bytes * 8));
    this.out.appendPacket(w.buf.subarray(0, bytes), {
      packetSize: BigInt(bytes * 8),
      contentSize: BigInt(contentBits),
      timestampBegin: begin,
      timestampEnd: end,
      eventsDiscarded: this.packet.eventsDiscarded ?? 0n,
      streamId: BigInt(this.sc.id),
      streamInstanceId: this.instanceId,
      packetSeqNum: this.seq,
    });
    this.seq++;
  }

  close(): void {
    this.endPacket();
    this.out.close();
  }
}
