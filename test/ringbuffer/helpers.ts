// Decoding ring-buffer packets by hand (independently of ttng's CTF reader):
// packet header/context fields and events with the compact/extended header,
// timestamps rebuilt the way babeltrace2 does (27-bit wrap from the previous).
import { P } from '../../src/ringbuffer/layout.js';

export interface DecodedEvent {
  id: number;
  ts: bigint;
  extended: boolean;
  /** payload offset in the packet */
  at: number;
}

export interface DecodedPacket {
  magic: number;
  uuid: Buffer;
  streamId: number;
  instanceId: bigint;
  begin: bigint;
  end: bigint;
  contentBits: bigint;
  packetBits: bigint;
  seq: bigint;
  discarded: bigint;
  cpuId: number;
  events: DecodedEvent[];
}

/** decodes a packet whose events all carry `payload` bytes after the header */
export function decodePacket(data: Uint8Array, payload: (id: number) => number): DecodedPacket {
  const b = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const pk: DecodedPacket = {
    magic: b.readUInt32LE(P.MAGIC), uuid: b.subarray(P.UUID, P.UUID + 16), streamId: b.readUInt32LE(P.STREAM_ID),
    instanceId: b.readBigUInt64LE(P.STREAM_INSTANCE_ID), begin: b.readBigUInt64LE(P.TS_BEGIN), end: b.readBigUInt64LE(P.TS_END),
    contentBits: b.readBigUInt64LE(P.CONTENT_SIZE), packetBits: b.readBigUInt64LE(P.PACKET_SIZE), seq: b.readBigUInt64LE(P.SEQ_NUM),
    discarded: b.readBigUInt64LE(P.EVENTS_DISCARDED), cpuId: b.readUInt32LE(P.CPU_ID), events: [],
  };
  const end = Number(pk.contentBits / 8n);
  let o = P.EVENTS;
  let last = pk.begin;
  const mask = (1n << 27n) - 1n;
  while (o < end) {
    const w = b.readUInt32LE(o);
    const small = w & 31;
    let id: number;
    let ts: bigint;
    let extended = false;
    if (small === 31) {
      id = b.readUInt32LE(o + 1);
      ts = b.readBigUInt64LE(o + 5);
      o += 13;
      extended = true;
    } else {
      id = small;
      const low = BigInt(w >>> 5);
      ts = (last & ~mask) | low;
      if (low < (last & mask)) ts += 1n << 27n;
      o += 4;
    }
    last = ts;
    pk.events.push({ id, ts, extended, at: o });
    o += payload(id);
  }
  if (o !== end) throw new Error(`events overrun content_size: ${o} vs ${end}`);
  return pk;
}
