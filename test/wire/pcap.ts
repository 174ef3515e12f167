// Test-only capture reading: classic pcap and pcapng files, the link layers our captures
// use (Ethernet, Linux cooked v1/v2, BSD loopback, raw IP), IPv4/IPv6, and TCP streams
// reassembled per direction by sequence number, so the wire codecs can be fed what a
// real socket would have delivered (and in the segment sizes it was delivered in).
import * as fs from 'node:fs';

export interface CapturedPacket {
  /** seconds since the epoch (fractional) */
  time: number;
  linkType: number;
  data: Buffer;
}

export interface TcpSegment {
  time: number;
  src: string;
  srcPort: number;
  dst: string;
  dstPort: number;
  seq: number;
  syn: boolean;
  ack: boolean;
  fin: boolean;
  rst: boolean;
  payload: Buffer;
}

/** One direction of a TCP connection, reassembled. */
export interface TcpFlow {
  /** bytes in sequence order, retransmissions and overlaps resolved */
  bytes: Buffer;
  /** the same bytes cut where the segments were cut (for chunk-by-chunk feeding) */
  chunks: Buffer[];
  /** bytes missing from the capture (holes), 0 for a complete flow */
  missing: number;
}

export interface TcpConversation {
  client: { addr: string; port: number };
  server: { addr: string; port: number };
  start: number;
  toServer: TcpFlow;
  toClient: TcpFlow;
}

const PCAPNG_SHB = 0x0a0d0d0a;

/** Every packet of a classic pcap or a pcapng file. */
export function readCapture(file: string): CapturedPacket[] {
  const buf = fs.readFileSync(file);
  if (buf.length < 4) throw new Error(`${file}: too short for a capture`);
  return buf.readUInt32LE(0) === PCAPNG_SHB ? readPcapng(buf) : readPcap(buf);
}

function readPcap(buf: Buffer): CapturedPacket[] {
  const magicLE = buf.readUInt32LE(0);
  let le: boolean;
  let nano: boolean;
  if (magicLE === 0xa1b2c3d4 || magicLE === 0xa1b23c4d) {
    le = true;
    nano = magicLE === 0xa1b23c4d;
  } else {
    const magicBE = buf.readUInt32BE(0);
    if (magicBE !== 0xa1b2c3d4 && magicBE !== 0xa1b23c4d) throw new Error('not a pcap file');
    le = false;
    nano = magicBE === 0xa1b23c4d;
  }
  const u32 = (o: number): number => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const linkType = u32(20) & 0x0fffffff;
  const out: CapturedPacket[] = [];
  let off = 24;
  while (off + 16 <= buf.length) {
    const sec = u32(off);
    const frac = u32(off + 4);
    const capLen = u32(off + 8);
    off += 16;
    if (off + capLen > buf.length) throw new Error(`pcap record at ${off - 16} runs past the end`);
    out.push({ time: sec + frac / (nano ? 1e9 : 1e6), linkType, data: buf.subarray(off, off + capLen) });
    off += capLen;
  }
  return out;
}

function readPcapng(buf: Buffer): CapturedPacket[] {
  const out: CapturedPacket[] = [];
  let le = true;
  let interfaces: { linkType: number; tsDiv: number }[] = [];
  let off = 0;
  while (off + 12 <= buf.length) {
    const type = buf.readUInt32LE(off); // the SHB type reads the same in both orders
    if (type === PCAPNG_SHB) {
      const bom = buf.readUInt32LE(off + 8);
      if (bom === 0x1a2b3c4d) le = true;
      else if (bom === 0x4d3c2b1a) le = false;
      else throw new Error(`pcapng: bad byte-order magic at ${off}`);
      interfaces = [];
    }
    const u32 = (o: number): number => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
    const u16 = (o: number): number => (le ? buf.readUInt16LE(o) : buf.readUInt16BE(o));
    const blockType = u32(off);
    const len = u32(off + 4);
    if (len < 12 || len % 4 !== 0 || off + len > buf.length) throw new Error(`pcapng: bad block length ${len} at ${off}`);
    const body = off + 8;
    const end = off + len - 4;
    if (blockType === 1) {
      // interface description: link type, then options (if_tsresol = 9)
      let tsDiv = 1e6;
      let o = body + 8;
      while (o + 4 <= end) {
        const code = u16(o);
        const olen = u16(o + 2);
        if (code === 0) break;
        if (code === 9 && olen >= 1) {
          const r = buf[o + 4]!;
          tsDiv = r & 0x80 ? 2 ** (r & 0x7f) : 10 ** r;
        }
        o += 4 + Math.ceil(olen / 4) * 4;
      }
      interfaces.push({ linkType: u16(body), tsDiv });
    } else if (blockType === 6) {
      // enhanced packet
      const iface = interfaces[u32(body)];
      if (!iface) throw new Error(`pcapng: packet on unknown interface at ${off}`);
      const ts = u32(body + 4) * 2 ** 32 + u32(body + 8);
      const capLen = u32(body + 12);
      const data = buf.subarray(body + 20, body + 20 + capLen);
      out.push({ time: ts / iface.tsDiv, linkType: iface.linkType, data });
    } else if (blockType === 3) {
      // simple packet: interface 0, no timestamp
      const iface = interfaces[0];
      if (!iface) throw new Error(`pcapng: simple packet before any interface at ${off}`);
      const capLen = Math.min(u32(body), len - 16);
      out.push({ time: 0, linkType: iface.linkType, data: buf.subarray(body + 4, body + 4 + capLen) });
    }
    off += len;
  }
  return out;
}

/** The IP packet inside a link-layer frame, or undefined for other protocols. */
function ipPayload(p: CapturedPacket): Buffer | undefined {
  const d = p.data;
  let etherType: number;
  let off: number;
  switch (p.linkType) {
    case 1: // Ethernet, with optional 802.1Q tags
      if (d.length < 14) return undefined;
      off = 12;
      etherType = d.readUInt16BE(off);
      off += 2;
      while (etherType === 0x8100 || etherType === 0x88a8) {
        if (d.length < off + 4) return undefined;
        etherType = d.readUInt16BE(off + 2);
        off += 4;
      }
      break;
    case 113: // Linux cooked v1
      if (d.length < 16) return undefined;
      etherType = d.readUInt16BE(14);
      off = 16;
      break;
    case 276: // Linux cooked v2
      if (d.length < 20) return undefined;
      etherType = d.readUInt16BE(0);
      off = 20;
      break;
    case 0: // BSD loopback: address family in host order
    case 108: {
      // OpenBSD loopback: network order
      if (d.length < 4) return undefined;
      const fam = p.linkType === 0 ? Math.min(d.readUInt32LE(0), d.readUInt32BE(0)) : d.readUInt32BE(0);
      etherType = fam === 2 ? 0x0800 : 0x86dd;
      off = 4;
      break;
    }
    case 101: // raw IP
    case 12:
    case 14:
      return d;
    default:
      throw new Error(`unsupported link type ${p.linkType}`);
  }
  if (etherType !== 0x0800 && etherType !== 0x86dd) return undefined;
  return d.subarray(off);
}

function ipv6Text(b: Buffer): string {
  const parts: string[] = [];
  for (let i = 0; i < 16; i += 2) parts.push(b.readUInt16BE(i).toString(16));
  return parts.join(':');
}

/** The TCP segments of a capture, in capture order. */
export function tcpSegments(packets: CapturedPacket[]): TcpSegment[] {
  const out: TcpSegment[] = [];
  for (const p of packets) {
    const ip = ipPayload(p);
    if (!ip || ip.length < 1) continue;
    const version = ip[0]! >> 4;
    let src: string;
    let dst: string;
    let tcp: Buffer;
    if (version === 4) {
      if (ip.length < 20 || ip[9] !== 6) continue;
      const ihl = (ip[0]! & 0x0f) * 4;
      const total = ip.readUInt16BE(2);
      src = [...ip.subarray(12, 16)].join('.');
      dst = [...ip.subarray(16, 20)].join('.');
      tcp = ip.subarray(ihl, Math.min(total, ip.length));
    } else if (version === 6) {
      if (ip.length < 40) continue;
      // extension headers are not followed: the captures carry plain TCP
      if (ip[6] !== 6) continue;
      const plen = ip.readUInt16BE(4);
      src = ipv6Text(ip.subarray(8, 24));
      dst = ipv6Text(ip.subarray(24, 40));
      tcp = ip.subarray(40, Math.min(40 + plen, ip.length));
    } else {
      continue;
    }
    if (tcp.length < 20) continue;
    const dataOff = (tcp[12]! >> 4) * 4;
    const flags = tcp[13]!;
    out.push({
      time: p.time,
      src,
      srcPort: tcp.readUInt16BE(0),
      dst,
      dstPort: tcp.readUInt16BE(2),
      seq: tcp.readUInt32BE(4),
      syn: (flags & 0x02) !== 0,
      ack: (flags & 0x10) !== 0,
      fin: (flags & 0x01) !== 0,
      rst: (flags & 0x04) !== 0,
      payload: tcp.subarray(dataOff),
    });
  }
  return out;
}

/** Reassembles one direction: each segment's bytes land at (seq - isn); later copies of a byte lose. */
function reassemble(segs: TcpSegment[], isn: number | undefined): TcpFlow {
  const base = isn ?? (segs.find((s) => s.payload.length > 0)?.seq ?? 0);
  const placed: { off: number; bytes: Buffer }[] = [];
  for (const s of segs) {
    if (s.payload.length === 0) continue;
    // 32-bit wrap-around: the offset is the distance from the base modulo 2^32
    const off = (s.seq - base) >>> 0;
    placed.push({ off, bytes: s.payload });
  }
  const chunks: Buffer[] = [];
  let next = 0;
  let missing = 0;
  const pending = [...placed].sort((a, b) => a.off - b.off);
  for (const p of pending) {
    const end = p.off + p.bytes.length;
    if (end <= next) continue; // pure retransmission
    if (p.off > next) {
      missing += p.off - next;
      next = p.off;
    }
    chunks.push(p.bytes.subarray(next - p.off));
    next = end;
  }
  return { bytes: Buffer.concat(chunks), chunks, missing };
}

/** TCP conversations of a capture, in order of their first segment. */
export function tcpConversations(packets: CapturedPacket[]): TcpConversation[] {
  // a Map keeps its keys in insertion order: conversations come out in order of their first segment
  const byKey = new Map<string, TcpSegment[]>();
  for (const s of tcpSegments(packets)) {
    const a = `${s.src}:${s.srcPort}`;
    const b = `${s.dst}:${s.dstPort}`;
    const key = a < b ? `${a}|${b}` : `${b}|${a}`;
    (byKey.get(key) ?? byKey.set(key, []).get(key)!).push(s);
  }
  const out: TcpConversation[] = [];
  for (const segs of byKey.values()) {
    // the client sent the SYN without ACK; without a handshake in the capture, the first sender
    const syn = segs.find((s) => s.syn && !s.ack);
    const first = syn ?? segs[0]!;
    const client = { addr: first.src, port: first.srcPort };
    const server = { addr: first.dst, port: first.dstPort };
    const fromClient = (s: TcpSegment): boolean => s.src === client.addr && s.srcPort === client.port;
    const up = segs.filter(fromClient);
    const down = segs.filter((s) => !fromClient(s));
    const synUp = up.find((s) => s.syn);
    const synDown = down.find((s) => s.syn);
    out.push({
      client,
      server,
      start: segs[0]!.time,
      toServer: reassemble(up, synUp ? (synUp.seq + 1) >>> 0 : undefined),
      toClient: reassemble(down, synDown ? (synDown.seq + 1) >>> 0 : undefined),
    });
  }
  return out;
}
