// A CTF trace: its metadata (which may grow, for live traces), its streams
// and their packets, and the decoding of packet headers and contexts.
import * as fs from 'node:fs';
import { DecodeError, DecodeState, compileSkip, compileText, compileValues, compileEventValues } from './decoder.js';
import type { BytePrinter, CompiledScope, TextOptions, Value } from './decoder.js';
import { compileBytes } from './decoder.js';
import { decodeMetadata, MetadataFileError } from './metadata-file.js';
import { parseMetadata, TsdlError } from './metadata.js';
import type { ClockClass, EventClass, StreamClass, StructType, TraceClass } from './model.js';
import { uuidToString } from './model.js';

/** An error tied to a place in a file: printed as `FILE: byte offset N: message`. */
export class TraceError extends Error {
  constructor(
    readonly file: string,
    readonly offset: number | undefined,
    message: string,
  ) {
    super(offset === undefined ? `${file}: ${message}` : `${file}: byte offset ${offset}: ${message}`);
    this.name = 'TraceError';
  }
}

export interface PacketEntry {
  file: StreamFile;
  /** byte offset in the file */
  offset: number;
  packetBits: number;
  contentBits: number;
  begin?: bigint;
  end?: bigint;
  seq?: bigint;
  discarded?: bigint;
  instanceId?: bigint;
  streamClassId: number;
}

export interface StreamFile {
  path: string;
  size: number;
  fd?: number;
}

export interface CompiledEvent {
  ec: EventClass;
  text?: CompiledScope<string>;
  bytes?: BytePrinter;
  values?: CompiledScope<(Value[] | undefined)[]>;
  skip?: CompiledScope<void>;
  /** babeltrace2's header part, e.g. `vm lttng_ust_statedump:start: `, as printed */
  prefixBytes?: Buffer;
}

/** One data stream: its packets in order, from an index (files) or a PacketSource (live). */
export class Stream {
  /** the packets known up front (files read whole); a live stream's come from `source` */
  readonly packets: PacketEntry[] = [];
  id = -1;
  /** where packets arrive one by one (live); undefined: `packets` is the whole stream */
  source?: PacketSource;
  constructor(
    readonly trace: CtfTrace,
    /** a live stream learns its class from its first packet (and again when the metadata grows) */
    public sc: StreamClass,
    public instanceId: bigint | undefined,
    /** the stream file's path, when not given by the first packet */
    private readonly path?: string,
  ) {}
  get name(): string {
    return this.packets[0]?.file.path ?? this.path ?? '(unknown)';
  }
}

/** A packet as a source delivers it: where it is, what its context says, and its bytes. */
export interface SourcePacket {
  entry: PacketEntry;
  /** the whole packet (packetBits / 8 bytes) */
  bytes: Buffer;
}

/** The next packet of a stream; 'again': not (fully) there yet; 'end': the stream is over. */
export interface PacketSource {
  nextPacket(): SourcePacket | 'again' | 'end';
  /**
   * An event refers to an event class the metadata does not have (yet): read
   * the metadata again if it can grow; true if it did.
   */
  refreshMetadata?(): boolean;
}

/** Per stream class compiled decoders. */
export class CompiledStreamClass {
  readonly header?: CompiledScope<void>;
  readonly packetHeader?: CompiledScope<Value[]>;
  readonly packetContext?: CompiledScope<Value[]>;
  readonly packetContextText?: CompiledScope<string>;
  private readonly events: (CompiledEvent | undefined)[] = [];
  constructor(
    readonly tc: TraceClass,
    readonly sc: StreamClass,
    readonly textOpts: TextOptions,
  ) {
    if (sc.eventHeader) this.header = compileSkip([sc.eventHeader]);
    if (tc.packetHeader) this.packetHeader = compileValues(tc.packetHeader);
    if (sc.packetContext) {
      this.packetContext = compileValues(sc.packetContext);
      this.packetContextText = compileText([sc.packetContext], {
        names: textOpts.namesPerScope?.[0] ?? textOpts.names,
        scopeLabels: textOpts.scopeLabels ? ['stream.packet.context'] : undefined,
      });
    }
  }
  event(id: number): CompiledEvent | undefined {
    let ce = id < 1 << 20 ? this.events[id] : undefined;
    if (!ce) {
      const ec = this.sc.events.get(id);
      if (!ec) return undefined;
      ce = { ec };
      if (id < 1 << 20) this.events[id] = ce;
    }
    return ce;
  }
  scopes(ec: EventClass): (StructType | undefined)[] {
    return [this.sc.eventContext, ec.context, ec.payload];
  }
  text(ce: CompiledEvent): CompiledScope<string> {
    return (ce.text ??= compileText(this.scopes(ce.ec), this.textOpts));
  }
  bytes(ce: CompiledEvent): BytePrinter {
    return (ce.bytes ??= compileBytes(this.scopes(ce.ec), this.textOpts));
  }
  values(ce: CompiledEvent): CompiledScope<(Value[] | undefined)[]> {
    return (ce.values ??= compileEventValues(this.scopes(ce.ec)));
  }
  skip(ce: CompiledEvent): CompiledScope<void> {
    return (ce.skip ??= compileSkip(this.scopes(ce.ec).filter((s): s is StructType => !!s)));
  }
}

/** a folder or file the reader may not read is an error naming it, not a place without traces */
export function deniedError(p: string, e: unknown): TraceError | undefined {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'EACCES' || code === 'EPERM' ? new TraceError(p, undefined, 'permission denied') : undefined;
}

export function readMetadataFile(file: string): TraceClass {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch (e) {
    throw deniedError(file, e) ?? new TraceError(file, undefined, `cannot read metadata: ${(e as Error).message}`);
  }
  let text: string;
  try {
    text = decodeMetadata(buf).text;
  } catch (e) {
    if (e instanceof MetadataFileError) throw new TraceError(file, e.offset, e.message);
    throw e;
  }
  try {
    return parseMetadata(text);
  } catch (e) {
    if (e instanceof TsdlError) throw new TraceError(file, undefined, `metadata ${e.message}`);
    throw new TraceError(file, undefined, `metadata: ${(e as Error).message}`);
  }
}

/** Reads `len` bytes at `offset`; short only at end of file. */
export function readAt(f: StreamFile, offset: number, len: number): Buffer {
  if (f.fd === undefined) {
    try {
      f.fd = fs.openSync(f.path, 'r');
    } catch (e) {
      throw deniedError(f.path, e) ?? e;
    }
  }
  const buf = Buffer.allocUnsafe(len);
  let got = 0;
  while (got < len) {
    const n = fs.readSync(f.fd, buf, got, len - got, offset + got);
    if (n === 0) break;
    got += n;
  }
  return got === len ? buf : buf.subarray(0, got);
}

export function closeFile(f: StreamFile): void {
  if (f.fd !== undefined) {
    fs.closeSync(f.fd);
    f.fd = undefined;
  }
}

function big(v: Value | undefined): bigint | undefined {
  return typeof v === 'number' ? BigInt(v) : typeof v === 'bigint' ? v : undefined;
}

export interface DecodedPacketHead {
  streamClassId: number;
  instanceId?: bigint;
  packetBits?: number;
  contentBits?: number;
  begin?: bigint;
  end?: bigint;
  seq?: bigint;
  discarded?: bigint;
  /** bit position after the packet context */
  pos: number;
  /** bit position where the packet context starts */
  contextPos: number;
  contextValues?: Value[];
}

/** CTF magic number of data packets */
export const PACKET_MAGIC = 0xc1fc1fc1;

export class CtfTrace {
  readonly streams: Stream[] = [];
  /** bumped when the metadata grows: readers recompile their decoders */
  generation = 0;
  readonly compiled = new Map<number, CompiledStreamClass>();
  name = '';
  /** (babeltrace2's defaults, spelled as textOptionsFor() spells them: no recompiling for them) */
  private textOptions: TextOptions = { names: true, namesPerScope: [true, true, true] };
  /** printing options; changing them drops the decoders compiled for the old ones */
  get textOpts(): TextOptions {
    return this.textOptions;
  }
  set textOpts(o: TextOptions) {
    if (JSON.stringify(o) === JSON.stringify(this.textOptions)) return;
    this.textOptions = o;
    this.compiled.clear();
  }
  private uuidFieldIndex = -1;
  private readonly uuidWarned = new Set<string>();
  /** where non-fatal problems go (one line each) */
  warn: (msg: string) => void = (msg) => process.stderr.write(`ttng: warning: ${msg}\n`);

  constructor(
    readonly dir: string,
    public tc: TraceClass,
    readonly files: StreamFile[],
  ) {
    this.findUuidField();
  }

  private findUuidField(): void {
    const ph = this.tc.packetHeader;
    this.uuidFieldIndex = ph ? ph.fields.findIndex((f) => f.name === 'uuid' && f.type.kind === 'array') : -1;
  }

  /**
   * The metadata grew (live traces append event and stream classes): use the
   * new classes from now on. A stream class that disappeared is an error.
   */
  updateMetadata(tc: TraceClass): void {
    for (const s of this.streams) {
      const sc = tc.streams.get(s.sc.id);
      if (!sc) throw new TraceError(this.dir, undefined, `stream class ${s.sc.id} is no longer in the metadata`);
      s.sc = sc;
    }
    this.tc = tc;
    this.compiled.clear();
    this.findUuidField();
    this.generation++;
  }

  get uuid(): string | undefined {
    return this.tc.uuid ? uuidToString(this.tc.uuid) : undefined;
  }
  get hostname(): string | undefined {
    const h = this.tc.env.get('hostname');
    return typeof h === 'string' ? h : undefined;
  }

  compiledFor(sc: StreamClass): CompiledStreamClass {
    let c = this.compiled.get(sc.id);
    if (!c) {
      c = new CompiledStreamClass(this.tc, sc, this.textOpts);
      this.compiled.set(sc.id, c);
    }
    return c;
  }

  /** Decode packet header and context from `buf` (the packet's first bytes). */
  decodeHead(st: DecodeState, buf: Buffer, file: StreamFile, offset: number): DecodedPacketHead {
    st.setBuffer(buf);
    st.pos = 0;
    st.end = buf.length * 8;
    st.roles = {};
    const tc = this.tc;
    let sc: StreamClass | undefined;
    const head: DecodedPacketHead = { streamClassId: 0, pos: 0, contextPos: 0 };
    try {
      if (tc.packetHeader) {
        const ph = this.compiledPH().packetHeader!;
        const vals = ph(st);
        const magic = st.roles['magic'];
        if (magic !== undefined && Number(magic) !== PACKET_MAGIC)
          throw new TraceError(file.path, offset, `bad packet magic 0x${Number(magic).toString(16).toUpperCase()} (expecting 0xC1FC1FC1)`);
        if (this.uuidFieldIndex >= 0 && tc.uuid) {
          const u = vals[this.uuidFieldIndex] as number[];
          if (u.some((b, i) => b !== tc.uuid![i]) && !this.uuidWarned.has(file.path)) {
            // babeltrace2 reads such packets; say so once per file and go on
            this.uuidWarned.add(file.path);
            this.warn(`${file.path}: byte offset ${offset + 4}: packet UUID ${uuidToString(Uint8Array.from(u))} does not match the trace UUID ${uuidToString(tc.uuid)}`);
          }
        }
        const sid = st.roles['stream_id'];
        if (sid !== undefined) head.streamClassId = Number(sid);
        const iid = st.roles['stream_instance_id'];
        if (iid !== undefined) head.instanceId = BigInt(iid);
      }
      if (st.roles['stream_id'] === undefined) {
        if (tc.streams.size !== 1) {
          if (tc.streams.size === 0) throw new TraceError(file.path, offset, 'the metadata declares no stream class');
        }
        head.streamClassId = [...tc.streams.keys()][0]!;
      }
      head.contextPos = st.pos;
      sc = tc.streams.get(head.streamClassId);
      if (!sc) throw new TraceError(file.path, offset, `packet refers to unknown stream class ${head.streamClassId}`);
      const c = this.compiledFor(sc);
      if (c.packetContext) {
        head.contextValues = c.packetContext(st);
        const r = st.roles;
        if (r['packet_size'] !== undefined) head.packetBits = Number(r['packet_size']);
        const cs = r['content_size'];
        if (cs !== undefined) {
          // a corrupt 64-bit size loses its digits as a number: said here, exactly
          if (BigInt(cs) > BigInt(Number.MAX_SAFE_INTEGER)) {
            const than = head.packetBits !== undefined ? `its packet size (${head.packetBits} bits)` : `the file (${file.size} bytes)`;
            throw new TraceError(file.path, offset, `packet content size (${BigInt(cs)} bits) is larger than ${than}`);
          }
          head.contentBits = Number(cs);
        }
        head.begin = big(r['packet_begin']);
        head.end = big(r['packet_end']);
        head.seq = big(r['packet_seq_num']);
        head.discarded = big(r['events_discarded']);
      }
    } catch (e) {
      if (e instanceof TraceError) throw e;
      if (e instanceof RangeError || e instanceof DecodeError)
        throw new TraceError(file.path, offset, 'packet header or context goes past the end of the file');
      throw e;
    }
    head.pos = st.pos;
    return head;
  }

  private compiledPH(): CompiledStreamClass {
    // the packet header is the same for every stream class
    return this.compiledFor([...this.tc.streams.values()][0]!);
  }
}

/** Clock value → ns from origin, the babeltrace2 way (double math off 1 GHz). */
export function nsFromOrigin(c: ClockClass, cycles: bigint): bigint {
  const base = c.offsetSeconds * 1000000000n + cyclesToNs(c.freq, c.offsetCycles);
  return base + cyclesToNs(c.freq, cycles);
}
export function cyclesToNs(freq: bigint, cycles: bigint): bigint {
  if (freq === 1000000000n) return cycles;
  const d = (1e9 * Number(cycles)) / Number(freq);
  return BigInt(Math.trunc(d));
}

/**
 * ns from origin → clock value, as babeltrace2's
 * bt_common_clock_value_from_ns_from_origin (undefined where it fails: before
 * the clock's origin or past 64 bits).
 */
export function clockValueFromNs(c: ClockClass, ns: bigint): bigint | undefined {
  const NS = 1000000000n;
  const offset = c.offsetSeconds * NS + (c.freq === NS ? c.offsetCycles : (c.offsetCycles * NS) / c.freq);
  if (ns < offset) return undefined;
  const v = ns - offset;
  const periods = v / NS;
  const raw = (c.freq * (v - periods * NS)) / NS + periods * c.freq;
  return raw < 1n << 64n ? raw : undefined;
}

