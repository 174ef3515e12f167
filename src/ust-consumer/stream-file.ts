// One user-space stream on disk: `<channel>_<n>` holding the packets the app
// wrote (copied as they are) and `index/<channel>_<n>.idx` (CTF index v1.1,
// big-endian, one 72-byte entry per packet), as LTTng's consumer lays them out.
// The index entry comes from the packet's own header and context (LTTng-UST's
// layout, lttng-facts §3.2).
import * as fs from 'node:fs';
import * as path from 'node:path';

export const INDEX_ENTRY_BYTES = 72;
const CTF_MAGIC = 0xc1fc1fc1;

/** the fields of a UST packet header + context that the index and the stats need */
export interface PacketFields {
  streamId: number;
  streamInstanceId: bigint;
  timestampBegin: bigint;
  timestampEnd: bigint;
  /** bits */
  contentSize: bigint;
  /** bits */
  packetSize: bigint;
  seqNum: bigint;
  /** cumulative for the stream */
  eventsDiscarded: bigint;
}

/** reads LTTng-UST's packet header and context (little-endian, fixed offsets); undefined when it is not one */
export function packetFields(p: Uint8Array): PacketFields | undefined {
  if (p.byteLength < 84) return undefined;
  const dv = new DataView(p.buffer, p.byteOffset, p.byteLength);
  if (dv.getUint32(0, true) !== CTF_MAGIC) return undefined;
  const f: PacketFields = {
    streamId: dv.getUint32(20, true),
    streamInstanceId: dv.getBigUint64(24, true),
    timestampBegin: dv.getBigUint64(32, true),
    timestampEnd: dv.getBigUint64(40, true),
    contentSize: dv.getBigUint64(48, true),
    packetSize: dv.getBigUint64(56, true),
    seqNum: dv.getBigUint64(64, true),
    eventsDiscarded: dv.getBigUint64(72, true),
  };
  if (f.packetSize % 8n !== 0n || f.packetSize > BigInt(p.byteLength) * 8n || f.contentSize > f.packetSize) return undefined;
  return f;
}

export class UstStreamFile {
  private fd: number;
  private idxFd: number;
  /** bytes in the file being written */
  private offset = 0;
  /** trace-file rotation: the file being written is `<file>_<fileNo>` */
  private fileNo = 0;
  packets = 0;
  /** the last packet's cumulative discarded count */
  discarded = 0n;
  /** packets that were not LTTng-UST packets (skipped, counted) */
  rejected = 0;
  closed = false;

  constructor(
    readonly file: string,
    /** `--tracefile-size`/`--tracefile-count` (count 0: no limit on the number of files) */
    readonly tracefile?: { size: number; count: number },
  ) {
    fs.mkdirSync(path.join(path.dirname(file), 'index'), { recursive: true });
    [this.fd, this.idxFd] = this.open();
  }

  /** opens (truncating) the data file being written and its index: LTTng's `<channel>_<n>[_<k>]` */
  private open(): [number, number] {
    const name = this.tracefile ? `${this.file}_${this.fileNo}` : this.file;
    const fd = fs.openSync(name, 'w', 0o640);
    const idxFd = fs.openSync(path.join(path.dirname(name), 'index', `${path.basename(name)}.idx`), 'w', 0o640);
    const hdr = Buffer.alloc(16);
    hdr.writeUInt32BE(0xc1f1dcc1, 0);
    hdr.writeUInt32BE(1, 4);
    hdr.writeUInt32BE(1, 8);
    hdr.writeUInt32BE(INDEX_ENTRY_BYTES, 12);
    fs.writeSync(idxFd, hdr);
    return [fd, idxFd];
  }

  /** trace-file rotation: on to the next file of the ring (the oldest one is overwritten) */
  private nextFile(): void {
    fs.closeSync(this.fd);
    fs.closeSync(this.idxFd);
    const t = this.tracefile!;
    this.fileNo = t.count > 0 ? (this.fileNo + 1) % t.count : this.fileNo + 1;
    [this.fd, this.idxFd] = this.open();
    this.offset = 0;
  }

  /** appends one packet (its `packet_size` bytes) and its index entry; false when it is not a packet */
  write(packet: Uint8Array): boolean {
    const f = packetFields(packet);
    if (!f || this.closed) {
      this.rejected++;
      return false;
    }
    const size = Number(f.packetSize / 8n);
    const data = packet.subarray(0, size);
    if (this.tracefile && this.offset > 0 && this.offset + size > this.tracefile.size) this.nextFile();
    let off = 0;
    while (off < size) off += fs.writeSync(this.fd, data, off, size - off, this.offset + off);
    const e = Buffer.alloc(INDEX_ENTRY_BYTES);
    e.writeBigUInt64BE(BigInt(this.offset), 0);
    e.writeBigUInt64BE(f.packetSize, 8);
    e.writeBigUInt64BE(f.contentSize, 16);
    e.writeBigUInt64BE(f.timestampBegin, 24);
    e.writeBigUInt64BE(f.timestampEnd, 32);
    e.writeBigUInt64BE(f.eventsDiscarded, 40);
    e.writeBigUInt64BE(BigInt(f.streamId), 48);
    e.writeBigUInt64BE(f.streamInstanceId, 56);
    e.writeBigUInt64BE(f.seqNum, 64);
    fs.writeSync(this.idxFd, e);
    this.offset += size;
    this.packets++;
    this.discarded = f.eventsDiscarded;
    return true;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    fs.closeSync(this.fd);
    fs.closeSync(this.idxFd);
  }
}
