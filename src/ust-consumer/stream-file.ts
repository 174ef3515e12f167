// One user-space stream: the packets an app wrote, copied as they are, to a
// stream of the trace output (../output/: `<channel>_<n>` and
// `index/<channel>_<n>.idx` on local files, as LTTng's consumer lays them
// out). The index entry comes from the packet's own header and context
// (LTTng-UST's layout, lttng-facts §3.2).
import type { IndexFields } from '../output/ctf-index.js';
import type { StreamOutput } from '../output/sink.js';

const CTF_MAGIC = 0xc1fc1fc1;

/** reads LTTng-UST's packet header and context (little-endian, fixed offsets); undefined when it is not one */
export function packetFields(p: Uint8Array): IndexFields | undefined {
  if (p.byteLength < 84) return undefined;
  const dv = new DataView(p.buffer, p.byteOffset, p.byteLength);
  if (dv.getUint32(0, true) !== CTF_MAGIC) return undefined;
  const f: IndexFields = {
    streamId: BigInt(dv.getUint32(20, true)),
    streamInstanceId: dv.getBigUint64(24, true),
    timestampBegin: dv.getBigUint64(32, true),
    timestampEnd: dv.getBigUint64(40, true),
    contentSize: dv.getBigUint64(48, true),
    packetSize: dv.getBigUint64(56, true),
    packetSeqNum: dv.getBigUint64(64, true),
    eventsDiscarded: dv.getBigUint64(72, true),
  };
  if (f.packetSize % 8n !== 0n || f.packetSize > BigInt(p.byteLength) * 8n || f.contentSize > f.packetSize) return undefined;
  return f;
}

export class UstStreamFile {
  packets = 0;
  /** the last packet's cumulative discarded count */
  discarded = 0n;
  /** packets that were not LTTng-UST packets (skipped, counted) */
  rejected = 0;
  closed = false;

  constructor(private readonly out: StreamOutput) {}

  /** appends one packet (its `packet_size` bytes) and its index entry; false when it is not a packet */
  write(packet: Uint8Array): boolean {
    const f = packetFields(packet);
    if (!f || this.closed) {
      this.rejected++;
      return false;
    }
    this.out.appendPacket(packet.subarray(0, Number(f.packetSize / 8n)), f);
    this.packets++;
    this.discarded = f.eventsDiscarded;
    return true;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.out.close();
  }
}
