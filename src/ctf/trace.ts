// A CTF trace on disk: metadata, data stream files, their packets, grouped
// into streams the way babeltrace2's src.ctf.fs does.
import * as fs from 'node:fs';
import * as path from 'node:path';
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

const MAX_PACKET_BYTES = 256 * 1024 * 1024; // bit positions stay below 2^31

export interface CompiledEvent {
  ec: EventClass;
  text?: CompiledScope<string>;
  bytes?: BytePrinter;
  values?: CompiledScope<(Value[] | undefined)[]>;
  skip?: CompiledScope<void>;
  /** babeltrace2's header part, e.g. `vm lttng_ust_statedump:start: `, as printed */
  prefixBytes?: Buffer;
}

export class Stream {
  readonly packets: PacketEntry[] = [];
  id = -1;
  constructor(
    readonly trace: CtfTrace,
    readonly sc: StreamClass,
    readonly instanceId: bigint | undefined,
  ) {}
  get name(): string {
    return this.packets[0]?.file.path ?? '(unknown)';
  }
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

export function readMetadataFile(file: string): TraceClass {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch (e) {
    throw new TraceError(file, undefined, `cannot read metadata: ${(e as Error).message}`);
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
  if (f.fd === undefined) f.fd = fs.openSync(f.path, 'r');
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

interface DecodedPacketHead {
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
  readonly compiled = new Map<number, CompiledStreamClass>();
  name = '';
  private textOptions: TextOptions = { names: true };
  /** printing options; changing them drops the decoders compiled for the old ones */
  get textOpts(): TextOptions {
    return this.textOptions;
  }
  set textOpts(o: TextOptions) {
    this.textOptions = o;
    this.compiled.clear();
  }
  private uuidFieldIndex = -1;
  private readonly uuidWarned = new Set<string>();
  /** where non-fatal problems go (one line each) */
  warn: (msg: string) => void = (msg) => process.stderr.write(`ttng: warning: ${msg}\n`);

  constructor(
    readonly dir: string,
    readonly tc: TraceClass,
    readonly files: StreamFile[],
  ) {
    if (tc.packetHeader) this.uuidFieldIndex = tc.packetHeader.fields.findIndex((f) => f.name === 'uuid' && f.type.kind === 'array');
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
        if (r['content_size'] !== undefined) head.contentBits = Number(r['content_size']);
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

  /** Index every packet of every data file, from `index/*.idx` when valid. */
  scan(): void {
    const groups = new Map<string, Stream>();
    const st = new DecodeState();
    const lone: Stream[] = [];
    for (const f of this.files) {
      const entries = this.scanFile(st, f);
      if (entries.length === 0) continue;
      const first = entries[0]!;
      const sc = this.tc.streams.get(first.streamClassId)!;
      const sortable = first.instanceId !== undefined && first.begin !== undefined;
      let s: Stream | undefined;
      const key = `${first.streamClassId}:${first.instanceId}`;
      if (sortable) s = groups.get(key);
      if (!s) {
        s = new Stream(this, sc, sortable ? first.instanceId : undefined);
        if (sortable) groups.set(key, s);
        lone.push(s);
      }
      for (const e of entries) insertPacketSorted(s.packets, e);
    }
    this.streams.push(...lone);
  }

  scanFile(st: DecodeState, f: StreamFile): PacketEntry[] {
    const out: PacketEntry[] = [];
    const fromIndex = this.readIndex(f);
    if (fromIndex) return fromIndex;
    let offset = 0;
    try {
      while (offset < f.size) {
        let want = Math.min(f.size - offset, 4096);
        let head: DecodedPacketHead;
        for (;;) {
          const buf = readAt(f, offset, want);
          try {
            head = this.decodeHead(st, buf, f, offset);
            break;
          } catch (e) {
            if (e instanceof TraceError && want < f.size - offset && /past the end/.test(e.message)) {
              want = Math.min(f.size - offset, want * 16);
              continue;
            }
            throw e;
          }
        }
        const remainBits = (f.size - offset) * 8;
        const packetBits = head.packetBits ?? head.contentBits ?? remainBits;
        const contentBits = head.contentBits ?? packetBits;
        if (packetBits <= 0 || packetBits % 8 !== 0)
          throw new TraceError(f.path, offset, `invalid packet size ${packetBits} bits`);
        if (contentBits > packetBits)
          throw new TraceError(f.path, offset, `packet content size (${contentBits} bits) is larger than its packet size (${packetBits} bits)`);
        if (contentBits < head.pos)
          throw new TraceError(f.path, offset, `packet content size (${contentBits} bits) is smaller than its header and context`);
        if (packetBits > remainBits)
          throw new TraceError(f.path, offset, `packet size (${packetBits / 8} bytes) goes past the end of the file (${f.size} bytes)`);
        if (packetBits / 8 > MAX_PACKET_BYTES) throw new TraceError(f.path, offset, `packet of ${packetBits / 8} bytes is too large`);
        out.push({
          file: f, offset, packetBits, contentBits, begin: head.begin, end: head.end, seq: head.seq,
          discarded: head.discarded, instanceId: head.instanceId, streamClassId: head.streamClassId,
        });
        offset += packetBits / 8;
      }
    } finally {
      closeFile(f);
    }
    return out;
  }

  /** LTTng index (big-endian v1.0/1.1). Used only when it covers the file exactly. */
  private readIndex(f: StreamFile): PacketEntry[] | undefined {
    const idx = path.join(path.dirname(f.path), 'index', path.basename(f.path) + '.idx');
    let buf: Buffer;
    try {
      buf = fs.readFileSync(idx);
    } catch {
      return undefined;
    }
    if (buf.length < 16 || buf.readUInt32BE(0) !== 0xc1f1dcc1) return undefined;
    const major = buf.readUInt32BE(4);
    const entrySize = buf.readUInt32BE(12);
    if (major !== 1 || entrySize < 56) return undefined;
    const out: PacketEntry[] = [];
    let total = 0;
    for (let o = 16; o + entrySize <= buf.length; o += entrySize) {
      const offset = Number(buf.readBigUInt64BE(o));
      const packetBits = Number(buf.readBigUInt64BE(o + 8));
      const contentBits = Number(buf.readBigUInt64BE(o + 16));
      if (offset !== total || packetBits % 8 || packetBits === 0 || contentBits > packetBits) return undefined;
      total += packetBits / 8;
      const e: PacketEntry = {
        file: f, offset, packetBits, contentBits, streamClassId: Number(buf.readBigUInt64BE(o + 48)),
      };
      if (entrySize >= 72) {
        e.instanceId = buf.readBigUInt64BE(o + 56);
        e.seq = buf.readBigUInt64BE(o + 64);
      }
      out.push(e);
    }
    if (total !== f.size || out.length === 0) return undefined;
    // Timestamps and roles come from the packets themselves (the index stores
    // raw values and no presence flags); read only their heads.
    const st = new DecodeState();
    try {
      for (const e of out) {
        const buf2 = readAt(f, e.offset, Math.min(e.packetBits / 8, 4096));
        const head = this.decodeHead(st, buf2, f, e.offset);
        e.begin = head.begin;
        e.end = head.end;
        e.seq = head.seq;
        e.discarded = head.discarded;
        e.instanceId = head.instanceId;
        e.streamClassId = head.streamClassId;
        if (head.packetBits !== undefined && head.packetBits !== e.packetBits) return undefined;
      }
    } catch {
      return undefined;
    } finally {
      closeFile(f);
    }
    return out;
  }
}

function entriesEqual(a: PacketEntry, b: PacketEntry): boolean {
  return a.packetBits === b.packetBits && a.begin === b.begin && a.end === b.end && a.seq === b.seq;
}

/** Sorted by beginning time; identical packets (overlapping snapshots) kept once. */
export function insertPacketSorted(list: PacketEntry[], e: PacketEntry): void {
  if (e.begin === undefined) {
    list.push(e);
    return;
  }
  let i = 0;
  while (i < list.length && list[i]!.begin !== undefined && e.begin > list[i]!.begin!) i++;
  if (i < list.length && entriesEqual(e, list[i]!)) return;
  list.splice(i, 0, e);
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

/** Is `dir` a CTF trace (has a `metadata` file)? */
export function isTraceDir(dir: string): boolean {
  try {
    return fs.statSync(path.join(dir, 'metadata')).isFile();
  } catch {
    return false;
  }
}

/** Trace directories under `root` (itself included), as babeltrace2 finds them. */
export function findTraceDirs(root: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    if (isTraceDir(d)) {
      out.push(d);
      return;
    }
    let names: string[];
    try {
      names = fs.readdirSync(d).sort();
    } catch {
      return;
    }
    for (const n of names) {
      const p = path.join(d, n);
      let stat: fs.Stats;
      try {
        stat = fs.statSync(p);
      } catch {
        continue;
      }
      if (stat.isDirectory()) walk(p);
    }
  };
  walk(root);
  return out;
}

export function openTrace(dir: string): CtfTrace {
  const tc = readMetadataFile(path.join(dir, 'metadata'));
  const files: StreamFile[] = [];
  for (const n of fs.readdirSync(dir).sort()) {
    if (n === 'metadata' || n.startsWith('.')) continue;
    const p = path.join(dir, n);
    const stat = fs.statSync(p);
    if (!stat.isFile() || stat.size === 0) continue;
    files.push({ path: p, size: stat.size });
  }
  return new CtfTrace(dir, tc, files);
}
