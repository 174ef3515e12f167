// One relay stream (ADD_STREAM): a data stream `<channel>` or a trace's `metadata`,
// written through src/output in its current trace chunk. The data port brings a
// packet, the control port its index (SEND_INDEX, paired by net_seq_num, in either
// order): a packet is written with its index entry once both are in, as one
// appendPacket. A data stream's packets are also the live viewers' source: the files
// and index entries written are listed in segments (one per chunk and trace file), which
// viewers read from disk, never from ingest's buffers.
import * as path from 'node:path';
import { LocalTraceOutput, type IndexFields, type LocalStreamOutput, type OutputFs } from '../output/index.js';
import type { Chunk } from './chunks.js';
import type { Log } from './log.js';
import type { BufferPool } from './pool.js';

/** LTTng's -1ULL: no sequence number yet (sequence numbers are unsigned 64-bit) */
export const NONE = 0xffff_ffff_ffff_ffffn;
/** LTTng's signed comparison of 64-bit sequence numbers (wrap-safe) */
export function seqAtLeast(a: bigint, b: bigint): boolean {
  return BigInt.asIntN(64, BigInt.asUintN(64, a - b)) >= 0n;
}

/** Packets whose index has not come yet are held in memory; past this, the peer is broken. */
export const MAX_PENDING_BYTES = 64 * 1024 * 1024;

/** The files of a stream in one chunk: `count` packets from sequence `first` on. */
export interface Segment {
  chunk: Chunk;
  /** data file, relative to the chunk's directory */
  file: string;
  /** its index file, relative to the chunk's directory */
  index: string;
  first: number;
  count: number;
}

/** A CTF trace of a session: the streams sharing a path (`kernel`, `ust/uid/0/64-bit`). */
export class CtfTrace {
  readonly streams: RelayStream[] = [];
  metadata: RelayStream | undefined;
  constructor(
    /** ctf_trace_id of the live protocol */
    readonly id: bigint,
    readonly path: string,
    /** the relay session it belongs to */
    readonly sessionId: bigint,
  ) {}
}

export interface StreamInit {
  handle: bigint;
  trace: CtfTrace;
  channel: string;
  tracefileSize: number;
  tracefileCount: number;
  /** the session's peer sends SEND_INDEX (not a snapshot, protocol 2.4+) */
  withIndex: boolean;
  fs: OutputFs;
  noIndexFs: OutputFs;
  log: Log;
  /** the session this stream belongs to (for log lines) */
  label: string;
  /** where written packets' buffers go back */
  pool: BufferPool;
}

export class RelayStream {
  readonly handle: bigint;
  readonly trace: CtfTrace;
  readonly channel: string;
  readonly isMetadata: boolean;
  readonly tracefileSize: number;
  readonly tracefileCount: number;
  private readonly init: StreamInit;

  chunk: Chunk | undefined;
  /** the last chunk the stream wrote in: where viewers read its metadata, also once it closed */
  readChunk: Chunk | undefined;
  pendingRotation: { chunk: Chunk | undefined; at: bigint } | undefined;
  /** completed rotations */
  rotations = 0;
  private output: LocalStreamOutput | undefined;
  private meta: LocalTraceOutput | undefined;

  private readonly heldData = new Map<bigint, Buffer>();
  private readonly heldIndex = new Map<bigint, IndexFields>();
  private heldBytes = 0;

  /** net_seq_num of the last packet received on the data port */
  prevDataSeq = NONE;
  /** net_seq_num of the last packet written with its index */
  prevIndexSeq = NONE;
  /** announced by CLOSE_STREAM */
  lastNetSeqNum = NONE;
  closeRequested = false;
  closed = false;
  published = false;
  dataPendingCheckDone = false;
  /** live beacon: no event before this timestamp (INACTIVE), NONE = none */
  beaconTsEnd = NONE;
  ctfStreamId = NONE;
  /** packets written with their index (LTTng's index_received_seqcount) */
  received = 0;
  lastPacketSeq: bigint | undefined;
  /** bytes written to the metadata file in the current chunk (padding included) */
  metadataReceived = 0;
  readonly segments: Segment[] = [];
  /** a write failed: reported in the replies about this stream */
  failed: string | undefined;
  private failures = 0;

  constructor(init: StreamInit, chunk: Chunk | undefined) {
    this.init = init;
    this.handle = init.handle;
    this.trace = init.trace;
    this.channel = init.channel;
    this.isMetadata = init.channel === 'metadata';
    this.tracefileSize = init.tracefileSize;
    this.tracefileCount = init.tracefileCount;
    this.setChunk(chunk);
  }

  get name(): string {
    return `${this.init.label} stream ${this.handle} (${this.trace.path}/${this.channel})`;
  }

  /** the chunk's directory of this stream's trace */
  private traceDir(c: Chunk): string {
    return path.join(c.dir, this.trace.path);
  }

  /** first file of the stream in a new chunk (LTTng creates it at once, empty) */
  private setChunk(c: Chunk | undefined): void {
    this.output?.close();
    this.output = undefined;
    this.meta = undefined;
    const old = this.chunk;
    this.chunk = c?.get();
    old?.put();
    if (!c) return;
    this.readChunk = c;
    c.noteStreamPath(this.trace.path);
    const fs = this.init.withIndex ? this.init.fs : this.init.noIndexFs;
    const dir = this.traceDir(c);
    this.attempt(`create ${path.join(dir, this.channel)}`, () => {
      if (this.isMetadata) {
        this.meta = new LocalTraceOutput(dir, { fs });
        this.meta.writeMetadata('');
      } else {
        fs.mkdir(dir);
        const first = this.tracefileSize > 0 ? `${this.channel}_0` : this.channel;
        fs.writeFile(path.join(dir, first), '');
      }
    });
  }

  /** runs a write; a failure is counted, logged (the first and every 1000th) and kept */
  private attempt(what: string, f: () => void): boolean {
    try {
      f();
      return true;
    } catch (e) {
      this.failures++;
      this.failed = `${what}: ${(e as Error).message}`;
      if (this.failures === 1 || this.failures % 1000 === 0) this.init.log.writeError(`${this.name}: ${what} (failure ${this.failures} of this stream)`, e);
      else this.init.log.counters.writeErrors++;
      return false;
    }
  }

  /** the write failure not yet reported to the peer, cleared by this call */
  takeFailure(): string | undefined {
    const f = this.failed;
    this.failed = undefined;
    return f;
  }

  // ---------------------------------------------------------------- metadata

  /** SEND_METADATA: appended with its padding to `metadata` */
  appendMetadata(data: Uint8Array, padding: number): boolean {
    if (!this.chunk || !this.meta) {
      this.failed = 'metadata received while the stream has no trace chunk';
      this.init.log.counters.droppedPackets++;
      return false;
    }
    const meta = this.meta;
    const bytes = padding > 0 ? Buffer.concat([data, Buffer.alloc(padding)]) : data;
    if (!this.attempt('append metadata', () => meta.appendMetadata(bytes))) return false;
    this.metadataReceived += bytes.length;
    return true;
  }

  /** RESET_METADATA (`lttng regenerate metadata`): the file starts again, empty */
  resetMetadata(): boolean {
    const meta = this.meta;
    if (!meta) return false;
    if (!this.attempt('reset metadata', () => meta.writeMetadata(''))) return false;
    this.metadataReceived = 0;
    return true;
  }

  // ---------------------------------------------------------------- data and index

  /** a whole packet from the data port (padding included); false: refuse the connection */
  receiveData(netSeq: bigint, packet: Buffer): boolean {
    this.prevDataSeq = netSeq;
    if (!this.init.withIndex) {
      this.write(netSeq, packet, ZERO_INDEX);
      return true;
    }
    const index = this.heldIndex.get(netSeq);
    if (index) {
      this.heldIndex.delete(netSeq);
      this.write(netSeq, packet, index);
      return true;
    }
    if (this.heldBytes + packet.length > MAX_PENDING_BYTES) return false;
    this.heldData.set(netSeq, packet);
    this.heldBytes += packet.length;
    return true;
  }

  /** SEND_INDEX (not a beacon); false when writing failed */
  receiveIndex(netSeq: bigint, fields: IndexFields): boolean {
    this.beaconTsEnd = NONE;
    if (this.ctfStreamId === NONE) this.ctfStreamId = fields.streamId;
    const data = this.heldData.get(netSeq);
    if (!data) {
      if (this.heldIndex.size >= 4096) return false; // an index flood with no data: a broken peer
      this.heldIndex.set(netSeq, fields);
      return true;
    }
    this.heldData.delete(netSeq);
    this.heldBytes -= data.length;
    return this.write(netSeq, data, fields);
  }

  /** a live beacon (index with packet_size 0): the stream is quiet up to tsEnd */
  receiveBeacon(tsEnd: bigint): void {
    // as lttng-relayd: only once data came, and with nothing in flight
    if (this.received > 0 && this.heldData.size === 0 && this.heldIndex.size === 0) this.beaconTsEnd = tsEnd;
  }

  /** net_seq_num of the latest index waiting for its packet */
  lastHeldIndex(): bigint | undefined {
    let last: bigint | undefined;
    for (const k of this.heldIndex.keys()) if (last === undefined || seqAtLeast(k, last)) last = k;
    return last;
  }

  get inFlight(): number {
    return this.heldData.size + this.heldIndex.size;
  }

  private write(netSeq: bigint, packet: Buffer, fields: IndexFields): boolean {
    // a packet from the rotation position on belongs to the next chunk
    if (this.pendingRotation && seqAtLeast(fields.packetSeqNum, this.pendingRotation.at) && this.init.withIndex) this.completeRotation();
    const c = this.chunk;
    if (!c) {
      this.init.pool.give(packet);
      this.init.log.counters.droppedPackets++;
      this.failed = 'packet received while the stream has no trace chunk';
      this.init.log.warn(`${this.name}: packet ${netSeq} dropped: the stream has no trace chunk`);
      return false;
    }
    let out = this.output;
    const ok = this.attempt(`write packet ${netSeq}`, () => {
      out ??= this.output = new LocalTraceOutput(this.traceDir(c), { fs: this.init.withIndex ? this.init.fs : this.init.noIndexFs }).openStream(this.channel, {
        tracefileSize: this.tracefileSize,
        tracefileCount: this.tracefileCount,
      });
      out.appendPacket(packet, fields);
    });
    this.init.pool.give(packet);
    if (!ok) return false;
    this.noteWritten(c, out!.file);
    this.prevIndexSeq = netSeq;
    this.lastPacketSeq = fields.packetSeqNum;
    this.received++;
    this.tryRotate();
    return true;
  }

  /** records where packet number `received` went, for live viewers */
  private noteWritten(c: Chunk, file: string): void {
    const rel = path.relative(c.dir, file);
    let seg = this.segments[this.segments.length - 1];
    if (!seg || seg.chunk !== c || seg.file !== rel) {
      // a trace-file ring reopened (truncated) this file: its older packets are gone
      for (let i = this.segments.length - 1; i >= 0; i--) if (this.segments[i]!.chunk === c && this.segments[i]!.file === rel) this.segments.splice(i, 1);
      seg = { chunk: c, file: rel, index: path.join(path.dirname(rel), 'index', `${path.basename(rel)}.idx`), first: this.received, count: 0 };
      this.segments.push(seg);
    }
    seg.count++;
  }

  /** the segment holding packet `seq`, or undefined (not written yet, or overwritten) */
  segmentOf(seq: number): Segment | undefined {
    for (let i = this.segments.length - 1; i >= 0; i--) {
      const s = this.segments[i]!;
      if (seq >= s.first && seq < s.first + s.count) return s;
      if (seq >= s.first + s.count) return undefined;
    }
    return undefined;
  }

  /** first packet still on disk (a trace-file ring drops the oldest) */
  get tail(): number {
    let t = this.received;
    for (const s of this.segments) t = Math.min(t, s.first);
    return t;
  }

  // ---------------------------------------------------------------- rotation and close

  /** ROTATE_STREAMS: the stream moves to `next` (undefined: to no chunk) at packet `at` */
  setPendingRotation(next: Chunk | undefined, at: bigint): boolean {
    if (this.pendingRotation) return false;
    this.pendingRotation = { chunk: next?.get(), at };
    // metadata has no index: it moves now; the consumer sends it whole again in the new chunk
    if (this.isMetadata || !this.init.withIndex) this.completeRotation();
    else this.tryRotate();
    return true;
  }

  private tryRotate(): void {
    const r = this.pendingRotation;
    if (r && this.lastPacketSeq !== undefined && seqAtLeast(this.lastPacketSeq + 1n, r.at)) this.completeRotation();
  }

  private completeRotation(): void {
    const r = this.pendingRotation;
    if (!r) return;
    this.pendingRotation = undefined;
    if (r.chunk && this.isMetadata) this.metadataReceived = 0;
    this.setChunk(r.chunk);
    r.chunk?.put();
    this.rotations++;
  }

  /** all data announced by CLOSE_STREAM (or the end of the connection) is in */
  get drained(): boolean {
    return this.lastNetSeqNum === NONE || (this.prevDataSeq !== NONE && seqAtLeast(this.prevDataSeq, this.lastNetSeqNum));
  }

  /** closes the files and lets the chunks go; what waits for a missing half is dropped */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    const lost = this.inFlight;
    if (lost > 0) {
      this.init.log.counters.droppedPackets += this.heldData.size;
      this.init.log.warn(`${this.name}: closed with ${this.heldData.size} packet(s) without index and ${this.heldIndex.size} index(es) without data, dropped`);
    }
    for (const b of this.heldData.values()) this.init.pool.give(b);
    this.heldData.clear();
    this.heldIndex.clear();
    this.heldBytes = 0;
    if (this.failures > 1) this.init.log.error(`${this.name}: ${this.failures} write failures in all`);
    this.output?.close();
    this.output = undefined;
    this.meta = undefined;
    this.chunk?.put();
    this.chunk = undefined;
    this.pendingRotation?.chunk?.put();
    this.pendingRotation = undefined;
  }

  /** the metadata file a live viewer reads (in the last chunk written, also once closed) */
  metadataFile(): string | undefined {
    return this.readChunk && path.join(this.traceDir(this.readChunk), 'metadata');
  }
}

/** what a stream without index (a snapshot's) passes to the sink; nothing of it is written */
const ZERO_INDEX: IndexFields = {
  packetSize: 0n, contentSize: 0n, timestampBegin: 0n, timestampEnd: 0n, eventsDiscarded: 0n, streamId: 0n, streamInstanceId: 0n, packetSeqNum: 0n,
};
