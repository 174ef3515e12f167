// CTF index files (`index/<stream>.idx`), pure: LTTng's format
// (lttng-tools src/common/index/ctf-index.h). Everything is big-endian: a
// 16-byte header (magic 0xc1f1dcc1, major 1, minor, entry size), then one
// entry per packet. v1.0 entries are 56 bytes; v1.1 adds stream_instance_id
// and packet_seq_num (72 bytes), which is what LTTng 2.8+ and ttng write.

export const INDEX_MAGIC = 0xc1f1dcc1;
export const INDEX_HEADER_BYTES = 16;
/** a v1.1 entry */
export const INDEX_ENTRY_BYTES = 72;
/** a v1.0 entry (no stream_instance_id, no packet_seq_num) */
export const INDEX_ENTRY_BYTES_V1_0 = 56;

/**
 * What an index entry says of a packet, but where it lies in the file: the
 * sink knows that (LTTng's consumer sends these fields to a relay with offset
 * 0, and the relay fills it in).
 */
export interface IndexFields {
  /** bits */
  packetSize: bigint;
  /** bits */
  contentSize: bigint;
  timestampBegin: bigint;
  timestampEnd: bigint;
  /** cumulative for the stream */
  eventsDiscarded: bigint;
  /** the stream class */
  streamId: bigint;
  streamInstanceId: bigint;
  packetSeqNum: bigint;
}

export interface IndexEntry extends IndexFields {
  /** bytes into the stream file */
  offset: bigint;
}

/** an entry as read: a v1.0 file has no stream_instance_id and packet_seq_num */
export type ReadIndexEntry = Omit<IndexEntry, 'streamInstanceId' | 'packetSeqNum'> & Partial<Pick<IndexEntry, 'streamInstanceId' | 'packetSeqNum'>>;

export interface IndexHeader {
  major: number;
  minor: number;
  /** bytes per entry */
  entryBytes: number;
}

export class IndexError extends Error {}

/** the header of a v1.1 file */
export function encodeIndexHeader(): Uint8Array {
  const b = new Uint8Array(INDEX_HEADER_BYTES);
  const dv = new DataView(b.buffer);
  dv.setUint32(0, INDEX_MAGIC);
  dv.setUint32(4, 1);
  dv.setUint32(8, 1);
  dv.setUint32(12, INDEX_ENTRY_BYTES);
  return b;
}

/** one v1.1 entry; every field must fit in 64 unsigned bits */
export function encodeIndexEntry(e: IndexEntry): Uint8Array {
  const b = new Uint8Array(INDEX_ENTRY_BYTES);
  const dv = new DataView(b.buffer);
  const vals = [e.offset, e.packetSize, e.contentSize, e.timestampBegin, e.timestampEnd, e.eventsDiscarded, e.streamId, e.streamInstanceId, e.packetSeqNum];
  for (let i = 0; i < vals.length; i++) {
    const v = vals[i]!;
    if (v < 0n || v > 0xffffffffffffffffn) throw new IndexError(`index field ${i} out of range: ${v}`);
    dv.setBigUint64(i * 8, v);
  }
  return b;
}

export function decodeIndexHeader(b: Uint8Array): IndexHeader {
  if (b.byteLength < INDEX_HEADER_BYTES) throw new IndexError(`index file too short for its header (${b.byteLength} bytes)`);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const magic = dv.getUint32(0);
  if (magic !== INDEX_MAGIC) throw new IndexError(`bad index magic 0x${magic.toString(16)}`);
  const h: IndexHeader = { major: dv.getUint32(4), minor: dv.getUint32(8), entryBytes: dv.getUint32(12) };
  if (h.major !== 1) throw new IndexError(`unsupported index version ${h.major}.${h.minor}`);
  const min = h.minor >= 1 ? INDEX_ENTRY_BYTES : INDEX_ENTRY_BYTES_V1_0;
  if (h.entryBytes < min) throw new IndexError(`index entries of ${h.entryBytes} bytes are too short for version 1.${h.minor}`);
  return h;
}

export interface DecodedIndex {
  header: IndexHeader;
  entries: ReadIndexEntry[];
  /** bytes after the last whole entry (a writer stopped in the middle of one) */
  trailing: number;
}

/** A whole index file. Fields after those of the header's version are skipped. */
export function decodeIndex(b: Uint8Array): DecodedIndex {
  const header = decodeIndexHeader(b);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const n = Math.floor((b.byteLength - INDEX_HEADER_BYTES) / header.entryBytes);
  const entries: ReadIndexEntry[] = [];
  for (let i = 0; i < n; i++) {
    const o = INDEX_HEADER_BYTES + i * header.entryBytes;
    const u = (k: number): bigint => dv.getBigUint64(o + k * 8);
    const e: ReadIndexEntry = {
      offset: u(0), packetSize: u(1), contentSize: u(2), timestampBegin: u(3), timestampEnd: u(4), eventsDiscarded: u(5), streamId: u(6),
    };
    if (header.minor >= 1) {
      e.streamInstanceId = u(7);
      e.packetSeqNum = u(8);
    }
    entries.push(e);
  }
  return { header, entries, trailing: b.byteLength - INDEX_HEADER_BYTES - n * header.entryBytes };
}
