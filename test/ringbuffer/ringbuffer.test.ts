import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RingBufferProducer } from '../../src/ringbuffer/producer.js';
import { RingBufferReader, type RingBufferPacket } from '../../src/ringbuffer/reader.js';
import { CTF_MAGIC, P, RingBufferError, W, shmName, headerBytes } from '../../src/ringbuffer/layout.js';
import { createShm, unlinkShm, unmapShm } from '../../src/ringbuffer/shm.js';
import { decodePacket, type DecodedPacket } from './helpers.js';

const here = path.dirname(fileURLToPath(import.meta.url));
let serial = 0;
const names: string[] = [];
function name(): string {
  const n = shmName(process.pid, 99, 1000 + serial++);
  names.push(n);
  return n;
}
process.on('exit', () => {
  for (const n of names) unlinkShm(n);
});

const UUID = Uint8Array.from({ length: 16 }, (_, i) => i * 17);

function make(opts: { subbufSize?: number; numSubbuf?: number; overwrite?: boolean } = {}): { p: RingBufferProducer; r: RingBufferReader; n: string } {
  const n = name();
  const p = RingBufferProducer.create(n, {
    subbufSize: opts.subbufSize ?? 4096, numSubbuf: opts.numSubbuf ?? 4, overwrite: !!opts.overwrite, uuid: UUID, streamId: 3,
    streamInstanceId: 5, cpuId: 5,
  }, process.pid, 1234);
  return { p, r: RingBufferReader.open(n), n };
}

/** writes event `id` carrying u32 v at time (hi, lo); false when discarded */
function put(p: RingBufferProducer, id: number, v: number, hi?: number, lo?: number): boolean {
  if (hi === undefined) p.clock();
  else p.setTime(hi, lo!);
  const o = p.reserve(id, 4);
  if (o < 0) return false;
  p.dv.setUint32(o, v, true);
  p.commit(o + 4);
  return true;
}

function values(pk: DecodedPacket, data: Uint8Array): number[] {
  const b = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return pk.events.map((e) => b.readUInt32LE(e.at));
}

function decodeAll(pks: RingBufferPacket[], size = 4): { packets: DecodedPacket[]; vals: number[]; ts: bigint[] } {
  const packets = pks.map((k) => decodePacket(k.data, () => size));
  return {
    packets, vals: packets.flatMap((d, i) => values(d, pks[i]!.data)), ts: packets.flatMap((d) => d.events.map((e) => e.ts)),
  };
}

test('packet header, context and event headers as LTTng-UST lays them out', () => {
  const { p, r } = make();
  const base = 0x12345678;
  // deltas: small (compact), 2^27 (extended), a carry into the high word, id >= 31 (extended)
  const times: [number, number, number][] = [
    [1, base, 2], [1, base + 10, 3], [1, base + 10 + 2 ** 27, 4], [1, 0xffffff00, 30], [2, 5, 30], [2, 6, 31], [2, 7, 200], [2, 8, 0],
  ];
  for (const [hi, lo, id] of times) assert.ok(put(p, id, id * 11, hi, lo));
  const pks = r.readAll();
  assert.equal(pks.length, 1);
  const k = pks[0]!;
  const d = decodePacket(k.data, () => 4);
  assert.equal(d.magic, CTF_MAGIC);
  assert.deepEqual([...d.uuid], [...UUID]);
  assert.equal(d.streamId, 3);
  assert.equal(d.instanceId, 5n);
  assert.equal(d.cpuId, 5);
  assert.equal(d.seq, 0n);
  assert.equal(d.discarded, 0n);
  const t = (hi: number, lo: number): bigint => (BigInt(hi) << 32n) + BigInt(lo);
  assert.equal(d.begin, t(1, base));
  assert.equal(d.end, t(2, 8));
  assert.deepEqual(d.events.map((e) => e.ts), times.map(([hi, lo]) => t(hi, lo)));
  assert.deepEqual(d.events.map((e) => e.id), times.map((x) => x[2]));
  assert.deepEqual(d.events.map((e) => e.extended), [false, false, true, true, false, true, true, false]);
  assert.deepEqual(values(d, k.data), times.map((x) => x[2] * 11));
  // compact event: 4 + payload; content ends at the last event
  assert.equal(Number(d.contentBits) / 8, P.EVENTS + 4 * (4 + 4) + 4 * (13 + 4));
  assert.equal(k.contentSize, d.contentBits);
  assert.equal(BigInt(k.data.length * 8), d.packetBits);
  assert.equal(k.timestampBegin, d.begin);
  assert.equal(k.timestampEnd, d.end);
  r.close();
  p.release();
});

test('complete packets are whole sub-buffers, numbered in order; the partial one is taken once', () => {
  const { p, r } = make({ subbufSize: 4096, numSubbuf: 4 });
  const perPacket = Math.floor((4096 - P.EVENTS) / 8);
  for (let i = 0; i < perPacket * 2 + 10; i++) assert.ok(put(p, 1, i));
  const full = r.read();
  assert.equal(full.length, 2);
  for (const k of full) {
    assert.equal(k.data.length, 4096);
    assert.equal(k.packetSize, 4096n * 8n);
    assert.equal(k.contentSize, BigInt((P.EVENTS + perPacket * 8) * 8));
  }
  assert.equal(r.read().length, 0, 'nothing new is complete');
  const part = r.readAll();
  assert.equal(part.length, 1);
  assert.equal(part[0]!.contentSize, BigInt((P.EVENTS + 10 * 8) * 8));
  assert.equal(r.readAll().length, 0, 'the partial packet is not returned twice');
  // the producer goes on in the same sub-buffer: only the new events come back
  for (let i = perPacket * 2 + 10; i < perPacket * 3 + 5; i++) assert.ok(put(p, 1, i));
  const rest = r.readAll();
  const all = decodeAll([...full, ...part, ...rest]);
  assert.deepEqual(all.vals, Array.from({ length: perPacket * 3 + 5 }, (_, i) => i));
  assert.deepEqual([...full, ...part, ...rest].map((k) => k.packetSeqNum), [0n, 1n, 2n, 3n, 4n]);
  // the continuation packet starts at the last event taken before it
  assert.equal(rest[0]!.timestampBegin, part[0]!.timestampEnd);
  for (let i = 1; i < all.ts.length; i++) assert.ok(all.ts[i]! >= all.ts[i - 1]!, 'timestamps rebuilt in order');
  r.close();
  p.release();
});

test('a second reader (daemon restarted) resumes where the first stopped: nothing returned twice', () => {
  const { p, r, n } = make({ subbufSize: 4096, numSubbuf: 4 });
  const perPacket = Math.floor((4096 - P.EVENTS) / 8);
  for (let i = 0; i < perPacket + 7; i++) put(p, 1, i);
  const first = r.readAll();
  r.close();
  for (let i = perPacket + 7; i < perPacket * 2 + 3; i++) put(p, 1, i);
  const r2 = RingBufferReader.open(n);
  const second = r2.readAll();
  const all = decodeAll([...first, ...second]);
  assert.deepEqual(all.vals, Array.from({ length: perPacket * 2 + 3 }, (_, i) => i));
  r2.close();
  p.release();
});

test('discard mode: a full buffer drops events, counts them, and the next packet reports them', () => {
  const { p, r } = make({ subbufSize: 4096, numSubbuf: 2 });
  let emitted = 0;
  let dropped = 0;
  for (let i = 0; i < 3000; i++) {
    emitted++;
    if (!put(p, 1, i)) dropped++;
  }
  assert.ok(dropped > 0);
  assert.equal(p.discarded, dropped);
  assert.equal(r.discarded, dropped);
  const first = r.read();
  assert.equal(first.length, 2);
  for (let i = 3000; i < 3100; i++) {
    emitted++;
    if (!put(p, 1, i)) dropped++;
  }
  const rest = r.readAll();
  const all = decodeAll([...first, ...rest]);
  assert.equal(all.vals.length + dropped, emitted, 'emitted = recorded + discarded');
  assert.equal(rest.at(-1)!.eventsDiscarded, BigInt(dropped));
  assert.equal(all.packets.at(-1)!.discarded, BigInt(dropped), 'events_discarded in the packet context');
  r.close();
  p.release();
});

test('overwrite mode: the newest packets survive, nothing is counted as discarded', () => {
  const { p, r } = make({ subbufSize: 4096, numSubbuf: 4, overwrite: true });
  for (let i = 0; i < 10000; i++) assert.ok(put(p, 1, i));
  assert.equal(p.discarded, 0);
  const pks = r.readAll();
  const all = decodeAll(pks);
  assert.ok(r.overwritten > 0);
  assert.equal(all.vals.at(-1), 9999);
  // what survives is one run of consecutive events ending at the last one
  for (let i = 1; i < all.vals.length; i++) assert.equal(all.vals[i], all.vals[i - 1]! + 1);
  assert.ok(all.vals.length >= 3 * Math.floor((4096 - P.EVENTS) / 8));
  assert.ok(pks.every((k) => k.eventsDiscarded === 0n));
  r.close();
  p.release();
});

test('snapshot: what the buffer holds now, without consuming it', () => {
  const { p, r } = make({ subbufSize: 4096, numSubbuf: 4, overwrite: true });
  for (let i = 0; i < 5000; i++) put(p, 1, i);
  const a = decodeAll(r.snapshot());
  assert.equal(a.vals.at(-1), 4999, 'up to the last committed event');
  for (let i = 1; i < a.vals.length; i++) assert.equal(a.vals[i], a.vals[i - 1]! + 1);
  assert.ok(a.vals.length > 3 * Math.floor((4096 - P.EVENTS) / 8));
  for (let i = 5000; i < 5010; i++) put(p, 1, i);
  const b = decodeAll(r.snapshot());
  assert.equal(b.vals.at(-1), 5009);
  assert.deepEqual(b.packets.map((d) => d.seq), b.packets.map((_, i) => BigInt(i)));
  // nothing was consumed: a read still returns the intact packets
  assert.ok(decodeAll(r.readAll()).vals.includes(5009));
  r.close();
  p.release();
});

test('snapshot after readAll (clear): what was consumed is not in the snapshot, what came after is', () => {
  const { p, r } = make({ subbufSize: 4096, numSubbuf: 4, overwrite: true });
  for (let i = 0; i < 1000; i++) put(p, 1, i);
  // consumed up to the middle of the current packet
  assert.equal(decodeAll(r.readAll()).vals.at(-1), 999);
  assert.deepEqual(decodeAll(r.snapshot()).vals, []);
  for (let i = 1000; i < 1200; i++) put(p, 1, i);
  const s = decodeAll(r.snapshot());
  assert.deepEqual(s.vals, Array.from({ length: 200 }, (_, i) => 1000 + i));
  // and again: the snapshot consumed nothing
  assert.deepEqual(decodeAll(r.snapshot()).vals, s.vals);
  r.close();
  p.release();
});

test('an event larger than a sub-buffer is discarded and counted, the current packet goes on', () => {
  const { p, r } = make({ subbufSize: 4096, numSubbuf: 2 });
  put(p, 1, 1);
  p.clock();
  assert.equal(p.reserve(1, 5000), -1);
  assert.equal(p.discarded, 1);
  put(p, 1, 2);
  const pks = r.readAll();
  assert.equal(pks.length, 1);
  assert.deepEqual(decodeAll(pks).vals, [1, 2]);
  assert.equal(pks[0]!.eventsDiscarded, 1n);
  r.close();
  p.release();
});

test('flush closes the current packet; release marks the buffer', () => {
  const { p, r } = make();
  for (let i = 0; i < 5; i++) put(p, 2, i);
  p.flush();
  const pks = r.read();
  assert.equal(pks.length, 1, 'complete after flush');
  assert.equal(decodeAll(pks).vals.length, 5);
  assert.equal(r.released, false);
  put(p, 2, 5);
  p.release();
  assert.equal(r.released, true);
  assert.deepEqual(decodeAll(r.readAll()).vals, [5]);
  assert.equal(put(p, 2, 6), false, 'a released producer records nothing and does not crash');
  r.close();
});

test('a producer killed with SIGKILL mid-run: everything it committed is read, in order, once', async () => {
  const n = name();
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'child-producer.ts'), n, '65536', '8'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  let ready!: () => void;
  const isReady = new Promise<void>((res) => (ready = res));
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (c: string) => {
    out += c;
    if (out.startsWith('ready\n')) ready();
  });
  await isReady;
  const r = RingBufferReader.open(n);
  const pks: RingBufferPacket[] = [];
  // read while it writes: complete packets, and partial ones as a stop would
  const reading = setInterval(() => pks.push(...(Math.random() < 0.3 ? r.readAll() : r.read())), 2);
  await new Promise((res) => setTimeout(res, 400));
  const lines = out.trim().split('\n');
  child.kill('SIGKILL');
  await new Promise((res) => child.on('exit', res));
  clearInterval(reading);
  pks.push(...r.readAll());
  const last = lines.at(-1)!.split(' ').map(Number);
  const reported = last[0]!;
  assert.ok(reported >= 2000, `child wrote ${reported}`);
  const packets = pks.map((k) => decodePacket(k.data, () => 12));
  const vals = packets.flatMap((d, i) => values(d, pks[i]!.data));
  // no duplicates, in order; gaps only where the producer counted discards
  let gaps = 0;
  for (let i = 1; i < vals.length; i++) {
    assert.ok(vals[i]! > vals[i - 1]!, `event ${vals[i]} after ${vals[i - 1]}`);
    gaps += vals[i]! - vals[i - 1]! - 1;
  }
  assert.equal(vals[0], 0);
  assert.ok(gaps <= r.discarded, `${gaps} missing events, ${r.discarded} discarded`);
  // every event the child had emitted when it last reported is read or was counted as discarded
  const missing = reported - vals.filter((v) => v < reported).length;
  assert.ok(missing <= r.discarded, `${missing} of the first ${reported} events missing, ${r.discarded} discarded`);
  assert.ok(vals.length > reported / 4, `${vals.length} events read`);
  assert.deepEqual(pks.map((k) => k.packetSeqNum), pks.map((_, i) => BigInt(i)));
  for (let i = 1; i < pks.length; i++) assert.ok(pks[i]!.timestampBegin >= pks[i - 1]!.timestampEnd);
  r.close(true);
});

test('open refuses what is not a ring buffer, with a one-line error', () => {
  const n = name();
  const m = createShm(n, 8192);
  assert.throws(() => RingBufferReader.open(n), (e: unknown) => e instanceof RingBufferError && /bad magic/.test(e.message));
  const h = new Int32Array(m.buffer);
  h[W.MAGIC] = 0x54524231;
  h[W.VERSION] = 1;
  h[W.SUBBUF_SIZE] = 4096;
  h[W.NUM_SUBBUF] = 4;
  h[W.HEADER_BYTES] = headerBytes(4);
  assert.throws(() => RingBufferReader.open(n), (e: unknown) => e instanceof RingBufferError && /size 8192 does not match/.test(e.message));
  assert.throws(() => RingBufferReader.open('/ttng-ust-none-0-0'), (e: unknown) => e instanceof RingBufferError && /ENOENT/.test(e.message));
  unmapShm(m);
});

test('fuzz: a reader over a corrupted header never throws, hangs or reads out of bounds', () => {
  let seed = 12345;
  const rnd = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const sb = 4096;
  const nsub = 4;
  for (let round = 0; round < 150; round++) {
    const { p, r, n } = make({ subbufSize: sb, numSubbuf: nsub, overwrite: round % 2 === 1 });
    for (let i = 0; i < rnd(2000); i++) put(p, 1, i);
    // corrupt the producer's words, the slots and packet headers at random
    const raw = RingBufferReader.open(n);
    const h = new Int32Array((raw as unknown as { h: Int32Array }).h.buffer, 0, headerBytes(nsub) / 4);
    const u8 = new Uint8Array(h.buffer);
    const words = [W.REC_VER, W.REC, W.REC + 1, W.REC + 2, W.REC + 3, W.REC + 4, W.REC + 5, W.DISCARDED_LO, W.DISCARDED_HI, W.FLAGS, W.CONSUMED, W.TAKEN_SEQ, W.TAKEN_OFF,
      W.TAKEN_TS_LO, W.TAKEN_TS_HI, ...Array.from({ length: 2 * nsub }, (_, i) => W.SLOTS + i)];
    for (let k = 0; k < 1 + rnd(6); k++) {
      const w = words[rnd(words.length)]!;
      h[w] = [0, -1, 1, 0x7fffffff, -0x80000000, rnd(1 << 30), h[w]! + 1, h[w]! + nsub][rnd(8)]!;
    }
    for (let k = 0; k < rnd(4); k++) {
      const at = headerBytes(nsub) + rnd(nsub) * sb + [P.CONTENT_SIZE, P.PACKET_SIZE, P.TS_BEGIN, P.TS_END, P.EVENTS_DISCARDED][rnd(5)]! + rnd(8);
      u8[at] = rnd(256);
    }
    raw.close();
    // a reader opened after the corruption too
    let r2: RingBufferReader | undefined;
    try {
      r2 = RingBufferReader.open(n);
    } catch (e) {
      assert.ok(e instanceof RingBufferError, String(e));
    }
    for (const pk of [...(r2?.readAll() ?? []), ...(r2?.snapshot() ?? [])]) assert.ok(pk.contentSize <= pk.packetSize);
    r2?.close();
    for (let k = 0; k < 3; k++) {
      const pks = k === 1 ? r.read() : k === 2 ? r.snapshot() : r.readAll();
      for (const pk of pks) {
        assert.equal(BigInt(pk.data.length * 8), pk.packetSize);
        assert.ok(pk.contentSize <= pk.packetSize && pk.contentSize >= BigInt(P.EVENTS * 8));
        assert.ok(pk.timestampEnd >= pk.timestampBegin);
      }
      put(p, 1, 1);
    }
    r.close();
    p.release();
  }
});

test('fuzz: open over a corrupted static header throws RingBufferError or gives a working reader', () => {
  let seed = 777;
  const rnd = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  for (let round = 0; round < 100; round++) {
    const { p, r, n } = make({ subbufSize: 4096, numSubbuf: 4 });
    r.close();
    for (let i = 0; i < 300; i++) put(p, 1, i);
    const raw = new Int32Array((p as unknown as { h: Int32Array }).h.buffer, 0, 16);
    const w = [W.MAGIC, W.VERSION, W.HEADER_BYTES, W.SUBBUF_SIZE, W.NUM_SUBBUF, W.OVERWRITE][rnd(6)]!;
    const saved = raw[w]!;
    raw[w] = [0, -1, 1, 2, 4096, 8192, 1 << 20, 0x7fffffff, saved * 2, saved + 1][rnd(10)]!;
    try {
      const r2 = RingBufferReader.open(n);
      for (const pk of r2.readAll()) assert.ok(pk.data.length <= 4096 && pk.contentSize <= pk.packetSize);
      r2.close();
    } catch (e) {
      assert.ok(e instanceof RingBufferError, String(e));
      assert.ok(!e.message.includes('\n'));
    }
    raw[w] = saved;
    p.release();
  }
});

test('shm names never use LTTng-UST\'s prefix', () => {
  assert.equal(shmName(10, 11, 12), '/ttng-ust-10-11-12');
  assert.ok(!fs.existsSync('/dev/shm/lttng-ust-10-11-12'));
});
