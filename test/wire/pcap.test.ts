// The test-only capture reader: classic pcap and pcapng give the same packets; Ethernet,
// Linux cooked and loopback framings, IPv4 and IPv6; TCP streams reassembled by sequence
// number through reordering, retransmission, overlap and sequence wrap-around.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { SESSIOND_RELAYD, conversations } from './captures.js';
import { readCapture, tcpConversations, type CapturedPacket } from './pcap.js';

function tcp(srcPort: number, dstPort: number, seq: number, flags: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(20);
  h.writeUInt16BE(srcPort, 0);
  h.writeUInt16BE(dstPort, 2);
  h.writeUInt32BE(seq >>> 0, 4);
  h[12] = 5 << 4;
  h[13] = flags;
  return Buffer.concat([h, payload]);
}

function ipv4(seg: Buffer, from: number, to: number): Buffer {
  const h = Buffer.alloc(20);
  h[0] = 0x45;
  h.writeUInt16BE(20 + seg.length, 2);
  h[9] = 6;
  h.set([127, 0, 0, from], 12);
  h.set([127, 0, 0, to], 16);
  return Buffer.concat([h, seg]);
}

function ipv6(seg: Buffer, from: number, to: number): Buffer {
  const h = Buffer.alloc(40);
  h[0] = 0x60;
  h.writeUInt16BE(seg.length, 4);
  h[6] = 6;
  h[23] = from;
  h[39] = to;
  return Buffer.concat([h, seg]);
}

const SYN = 0x02;
const ACK = 0x10;
const ISN_C = 0xffff_fff8; // the last segments start past 2^32: sequence numbers wrap
const ISN_S = 1000;

/** a client sending "hello world, …" and a server answering "ok", with reordering and retransmissions */
function conversation(ip: (seg: Buffer, from: number, to: number) => Buffer): Buffer[] {
  const c = (seq: number, flags: number, data = ''): Buffer => ip(tcp(40000, 5342, ISN_C + seq, flags, Buffer.from(data)), 1, 2);
  const s = (seq: number, flags: number, data = ''): Buffer => ip(tcp(5342, 40000, ISN_S + seq, flags, Buffer.from(data)), 2, 1);
  return [
    c(0, SYN), s(0, SYN | ACK), c(1, ACK),
    c(1 + 6, ACK, 'world'), // arrives before its predecessor
    c(1, ACK, 'hello '),
    c(1, ACK, 'hello '), // retransmitted
    c(1 + 9, ACK, 'ld, again'), // overlaps "world"
    s(1, ACK, 'ok'),
  ];
}

function pcapFile(linkType: number, frames: Buffer[]): Buffer {
  const g = Buffer.alloc(24);
  g.writeUInt32LE(0xa1b2c3d4, 0);
  g.writeUInt16LE(2, 4);
  g.writeUInt16LE(4, 6);
  g.writeUInt32LE(65535, 16);
  g.writeUInt32LE(linkType, 20);
  const recs = frames.map((f, i) => {
    const r = Buffer.alloc(16);
    r.writeUInt32LE(1_700_000_000 + i, 0);
    r.writeUInt32LE(f.length, 8);
    r.writeUInt32LE(f.length, 12);
    return Buffer.concat([r, f]);
  });
  return Buffer.concat([g, ...recs]);
}

function readTemp(bytes: Buffer): CapturedPacket[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ttng-pcap-'));
  try {
    fs.writeFileSync(path.join(dir, 'x.pcap'), bytes);
    return readCapture(path.join(dir, 'x.pcap'));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const ether = (ip: Buffer): Buffer => Buffer.concat([Buffer.alloc(12), Buffer.from([ip[0]! >> 4 === 6 ? 0x86 : 0x08, ip[0]! >> 4 === 6 ? 0xdd : 0x00]), ip]);
const cooked = (ip: Buffer): Buffer => {
  const h = Buffer.alloc(16);
  h.writeUInt16BE(ip[0]! >> 4 === 6 ? 0x86dd : 0x0800, 14);
  return Buffer.concat([h, ip]);
};
const loopback = (ip: Buffer): Buffer => {
  const h = Buffer.alloc(4);
  h.writeUInt32LE(ip[0]! >> 4 === 6 ? 30 : 2, 0);
  return Buffer.concat([h, ip]);
};

describe('wire test tool: pcap reader and TCP reassembly', () => {
  const cases: [string, number, (ip: Buffer) => Buffer][] = [['Ethernet', 1, ether], ['Linux cooked', 113, cooked], ['BSD loopback', 0, loopback]];
  for (const [name, linkType, frame] of cases) {
    for (const [ipName, ip] of [['IPv4', ipv4], ['IPv6', ipv6]] as const) {
      test(`${name}, ${ipName}: both directions reassembled in sequence order`, () => {
        const convs = tcpConversations(readTemp(pcapFile(linkType, conversation(ip).map(frame))));
        assert.equal(convs.length, 1);
        const [c] = convs;
        assert.equal(c!.server.port, 5342);
        assert.equal(c!.toServer.bytes.toString(), 'hello world, again');
        assert.equal(c!.toServer.missing, 0);
        assert.equal(c!.toClient.bytes.toString(), 'ok');
      });
    }
  }

  test('a hole is reported, not filled', () => {
    const frames = conversation(ipv4).filter((_, i) => i !== 4 && i !== 5); // "hello " never arrives
    const [c] = tcpConversations(readTemp(pcapFile(1, frames.map(ether))));
    assert.equal(c!.toServer.missing, 6);
    assert.equal(c!.toServer.bytes.toString(), 'world, again');
  });

  test('the pcapng reference capture reads the same as its classic pcap rewrite', () => {
    const ng = readCapture(`${SESSIOND_RELAYD}.pcap`);
    const classic = readTemp(pcapFile(ng[0]!.linkType, ng.map((p) => p.data)));
    assert.deepEqual(classic.map((p) => p.data), ng.map((p) => p.data));
    const a = conversations(SESSIOND_RELAYD);
    const b = tcpConversations(classic);
    assert.deepEqual(b.map((c) => [c.toServer.bytes, c.toClient.bytes]), a.map((c) => [c.toServer.bytes, c.toClient.bytes]));
  });
});
