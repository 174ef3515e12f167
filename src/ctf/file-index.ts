// The packets of stream files read whole, as babeltrace2's src.ctf.fs indexes
// them before printing anything: from `index/*.idx` when valid, else from the
// packet headers; files of one stream (trace-file rotation) grouped by
// stream class and instance id.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DecodeState } from './decoder.js';
import { decodeIndex } from '../output/ctf-index.js';
import type { ReadIndexEntry } from '../output/ctf-index.js';
import { CtfTrace, Stream, TraceError, closeFile, readAt } from './trace.js';
import type { DecodedPacketHead, PacketEntry, PacketSource, SourcePacket, StreamFile } from './trace.js';

const MAX_PACKET_BYTES = 256 * 1024 * 1024; // bit positions stay below 2^31

/**
 * The packet at `offset` of `f` (whose size is `size`), its head decoded and
 * its sizes checked. With `partialOk` (a file still being written), a packet
 * the file does not hold whole yet gives undefined instead of an error.
 */
export function probePacket(t: CtfTrace, st: DecodeState, f: StreamFile, offset: number, size: number, partialOk: boolean): PacketEntry | undefined {
  let want = Math.min(size - offset, 4096);
  let head: DecodedPacketHead;
  for (;;) {
    const buf = readAt(f, offset, want);
    try {
      head = t.decodeHead(st, buf, f, offset);
      break;
    } catch (e) {
      if (e instanceof TraceError && /past the end/.test(e.message)) {
        if (want < size - offset) {
          want = Math.min(size - offset, want * 16);
          continue;
        }
        if (partialOk) return undefined;
      }
      throw e;
    }
  }
  const remainBits = (size - offset) * 8;
  // without packet_size nor content_size the packet is the rest of the file: known only at its end
  if (partialOk && head.packetBits === undefined && head.contentBits === undefined) return undefined;
  const packetBits = head.packetBits ?? head.contentBits ?? remainBits;
  const contentBits = head.contentBits ?? packetBits;
  if (packetBits <= 0 || packetBits % 8 !== 0) throw new TraceError(f.path, offset, `invalid packet size ${packetBits} bits`);
  if (contentBits > packetBits)
    throw new TraceError(f.path, offset, `packet content size (${contentBits} bits) is larger than its packet size (${packetBits} bits)`);
  // (a content size smaller than the header and context is an error only when the packet is read, as babeltrace2)
  if (packetBits > remainBits) {
    if (partialOk) return undefined;
    throw new TraceError(f.path, offset, `packet size (${packetBits / 8} bytes) goes past the end of the file (${size} bytes)`);
  }
  if (packetBits / 8 > MAX_PACKET_BYTES) throw new TraceError(f.path, offset, `packet of ${packetBits / 8} bytes is too large`);
  return {
    file: f, offset, packetBits, contentBits, begin: head.begin, end: head.end, seq: head.seq,
    discarded: head.discarded, instanceId: head.instanceId, streamClassId: head.streamClassId,
  };
}

/** Index every packet of every data file of `t` into its streams. */
export function indexTrace(t: CtfTrace): void {
  const groups = new Map<string, Stream>();
  const st = new DecodeState();
  const lone: Stream[] = [];
  for (const f of t.files) {
    const entries = indexFile(t, st, f);
    if (entries.length === 0) continue;
    const first = entries[0]!;
    const sc = t.tc.streams.get(first.streamClassId)!;
    const sortable = first.instanceId !== undefined && first.begin !== undefined;
    let s: Stream | undefined;
    const key = `${first.streamClassId}:${first.instanceId}`;
    if (sortable) s = groups.get(key);
    if (!s) {
      s = new Stream(t, sc, sortable ? first.instanceId : undefined);
      if (sortable) groups.set(key, s);
      lone.push(s);
    }
    for (const e of entries) insertPacketSorted(s.packets, e);
  }
  t.streams.push(...lone);
}

function indexFile(t: CtfTrace, st: DecodeState, f: StreamFile): PacketEntry[] {
  const fromIndex = readIndex(t, f);
  if (fromIndex) return fromIndex;
  const out: PacketEntry[] = [];
  let offset = 0;
  try {
    while (offset < f.size) {
      const e = probePacket(t, st, f, offset, f.size, false)!;
      out.push(e);
      offset += e.packetBits / 8;
    }
  } finally {
    closeFile(f);
  }
  return out;
}

/** LTTng index (big-endian v1.0/1.1). Used only when it covers the file exactly. */
function readIndex(t: CtfTrace, f: StreamFile): PacketEntry[] | undefined {
  let entries: ReadIndexEntry[];
  try {
    entries = decodeIndex(fs.readFileSync(path.join(path.dirname(f.path), 'index', path.basename(f.path) + '.idx'))).entries;
  } catch {
    return undefined; // none, or not an index: the packets are read instead
  }
  const out: PacketEntry[] = [];
  let total = 0;
  for (const ie of entries) {
    const offset = Number(ie.offset);
    const packetBits = Number(ie.packetSize);
    const contentBits = Number(ie.contentSize);
    if (offset !== total || packetBits % 8 || packetBits === 0 || contentBits > packetBits) return undefined;
    total += packetBits / 8;
    out.push({ file: f, offset, packetBits, contentBits, streamClassId: Number(ie.streamId) });
  }
  if (total !== f.size || out.length === 0) return undefined;
  // Timestamps and roles come from the packets themselves (the index stores
  // raw values and no presence flags); read only their heads.
  const st = new DecodeState();
  try {
    for (const e of out) {
      const buf2 = readAt(f, e.offset, Math.min(e.packetBits / 8, 4096));
      const head = t.decodeHead(st, buf2, f, e.offset);
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

/** The packets of an indexed stream, read one by one (each file closed after its last packet). */
export class IndexedPackets implements PacketSource {
  private i = -1;
  /** index of the last packet of each file */
  private readonly last = new Map<StreamFile, number>();
  constructor(private readonly packets: PacketEntry[]) {
    packets.forEach((p, i) => this.last.set(p.file, i));
  }

  nextPacket(): SourcePacket | 'end' {
    const packets = this.packets;
    if (this.i >= 0) {
      const f = packets[this.i]!.file;
      if (this.last.get(f) === this.i) closeFile(f);
    }
    if (this.i + 1 >= packets.length) return 'end';
    const e = packets[++this.i]!;
    const bytes = readAt(e.file, e.offset, e.packetBits / 8);
    if (bytes.length * 8 < e.packetBits) throw new TraceError(e.file.path, e.offset + bytes.length, 'packet is truncated (file shorter than its packet size)');
    return { entry: e, bytes };
  }
}
