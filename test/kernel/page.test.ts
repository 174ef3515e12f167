// The raw page decoder: hand-made pages, real pages captured on this kernel
// (fixtures/pages.bin), and a fuzz run (random and mutated pages: it ends, and
// fails only with PageError).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseEventFormat, parseHeaderEvent, parseHeaderPage } from '../../src/kernel/format.js';
import { PageCursor, PageError, decodePage, encodePage } from '../../src/kernel/page.js';
import { prng, randInt } from '../helpers.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const md = JSON.parse(fs.readFileSync(path.join(here, 'fixtures/ftrace-format-md.json'), 'utf8')) as Record<string, string>;
const hp = parseHeaderPage(md['events/header_page']!);
const he = parseHeaderEvent(md['events/header_event']!);

const payload = (id: number, n: number, fill = 0xab): Uint8Array => {
  const p = new Uint8Array(n).fill(fill);
  p[0] = id & 0xff;
  p[1] = id >> 8;
  return p;
};

test('data records, time extend, absolute time stamp, discarded padding', () => {
  const page = encodePage(hp, he, 1000n, [
    { kind: 'data', delta: 0, payload: payload(372, 64) },
    { kind: 'data', delta: 5, payload: payload(442, 24) },
    { kind: 'extend', delta: 200_000_000n },
    { kind: 'data', delta: 0, payload: payload(365, 160) },
    { kind: 'discard', delta: 7, length: 28 },
    { kind: 'data', delta: 3, payload: payload(443, 30) },
    { kind: 'stamp', ts: 5_000_000_000n },
    { kind: 'data', delta: 0, payload: payload(1, 8) },
  ]);
  const d = decodePage(hp, he, page);
  assert.equal(d.missedEvents, false);
  assert.deepEqual(d.records.map((r) => [r.id, r.ts, r.payload.length]), [
    [372, 1000n, 64], [442, 1005n, 24], [365, 200_001_005n, 160], [443, 200_001_015n, 32], [1, 5_000_000_000n, 8],
  ]);
});

test('timestamps beyond 2^53 stay exact; carries into the high word', () => {
  const base = (1n << 60n) + 0xffff_fff0n;
  const page = encodePage(hp, he, base, [
    { kind: 'data', delta: 0, payload: payload(1, 8) },
    { kind: 'data', delta: 0x7ffffff, payload: payload(2, 8) },
    { kind: 'extend', delta: (1n << 40n) + 12345n },
    { kind: 'data', delta: 0, payload: payload(3, 8) },
  ]);
  const d = decodePage(hp, he, page);
  assert.deepEqual(d.records.map((r) => r.ts), [base, base + 0x7ffffffn, base + 0x7ffffffn + (1n << 40n) + 12345n]);
});

test('missed-events flags: count stored after the data, or unknown', () => {
  const stored = decodePage(hp, he, encodePage(hp, he, 1n, [{ kind: 'data', delta: 0, payload: payload(1, 8) }], { missed: 123345 }));
  assert.equal(stored.missedEvents, true);
  assert.equal(stored.missedCount, 123345);
  assert.equal(stored.records.length, 1);
  const unknown = decodePage(hp, he, encodePage(hp, he, 1n, [{ kind: 'data', delta: 0, payload: payload(1, 8) }], { missed: -1 }));
  assert.equal(unknown.missedEvents, true);
  assert.equal(unknown.missedCount, -1);
});

test('the commit word as seen on this kernel (0xffffffffc0000fc0) gives size 4032, missed, stored', () => {
  const page = new Uint8Array(4096);
  const dv = new DataView(page.buffer);
  dv.setBigUint64(8, 0xffffffffc0000fc0n, true);
  // fill the 4032 bytes with padding records of 8 bytes each
  for (let o = 16; o < 16 + 4032; o += 8) {
    dv.setUint32(o, (1 << 5) | 29, true);
    dv.setUint32(o + 4, 4, true);
  }
  dv.setBigUint64(16 + 4032, 123345n, true);
  const c = new PageCursor(hp, he);
  c.reset(page, dv, 0, 4096);
  assert.equal(c.size, 4032);
  assert.equal(c.missedEvents, true);
  assert.equal(c.missedCount, 123345);
  assert.equal(c.next(), false);
  assert.equal(c.discarded, 4032 / 8);
});

test('malformed pages are PageErrors', () => {
  const c = new PageCursor(hp, he);
  const short = new Uint8Array(8);
  assert.throws(() => c.reset(short, new DataView(short.buffer), 0, 8), PageError);
  const page = new Uint8Array(4096);
  const dv = new DataView(page.buffer);
  dv.setUint32(8, 5000, true);
  assert.throws(() => c.reset(page, dv, 0, 4096), /exceeds/);
  dv.setUint32(8, 8, true);
  dv.setUint32(16, (0 << 5) | 20, true); // 80-byte record in an 8-byte page
  c.reset(page, dv, 0, 4096);
  assert.throws(() => c.next(), /runs past/);
});

/* ------------------------------ real pages ------------------------------ */

const fx = JSON.parse(fs.readFileSync(path.join(here, 'fixtures/pages.json'), 'utf8')) as { header_page: string; header_event: string; formats: Record<string, string> };
const realPages = fs.readFileSync(path.join(here, 'fixtures/pages.bin'));
const rhp = parseHeaderPage(fx.header_page);
const rhe = parseHeaderEvent(fx.header_event);
const ids = new Map<number, string>();
for (const [k, f] of Object.entries(fx.formats)) ids.set(parseEventFormat(f, k.split('/')[0]).id, k);
const pageSize = rhp.dataOffset + rhp.dataSize;

test('real pages captured on this kernel: every record is a known event, time never goes back', () => {
  let n = 0;
  let big = 0;
  const seen = new Set<string>();
  for (let off = 0; off + pageSize <= realPages.length; off += pageSize) {
    const page = new Uint8Array(realPages.subarray(off, off + pageSize));
    const d = decodePage(rhp, rhe, page);
    let last = 0n;
    for (const r of d.records) {
      assert.ok(ids.has(r.id), `unknown id ${r.id}`);
      seen.add(ids.get(r.id)!);
      assert.ok(r.ts >= last);
      last = r.ts;
      if (r.payload.length > 112) big++;
      n++;
    }
  }
  assert.ok(n > 100, `${n} records`);
  assert.ok(seen.has('sched/sched_switch') && seen.has('syscalls/sys_enter_openat'), [...seen].join());
  assert.ok(big > 0, 'a type_len 0 record (exec of a long path)');
});

/* --------------------------------- fuzz --------------------------------- */

function walk(c: PageCursor, page: Uint8Array, len: number): void {
  const dv = new DataView(page.buffer, page.byteOffset, page.byteLength);
  try {
    c.reset(page, dv, 0, len);
    let k = 0;
    while (c.next()) {
      assert.ok(c.offset >= 0 && c.offset + c.length <= len, 'record inside the page');
      assert.ok(++k <= len / 4, 'progress');
    }
  } catch (e) {
    if (!(e instanceof PageError)) throw e;
    assert.ok(e.message.length > 10);
  }
}

test('fuzz: random pages end, failing only with PageError', () => {
  const rnd = prng(0x5eed);
  const c = new PageCursor(rhp, rhe);
  // walk() bounds the records a page yields: every page ends (its speed is bench/'s business)
  for (let i = 0; i < 3000; i++) {
    const len = [4096, 4096, 16, 20, 100, randInt(rnd, 5000)][randInt(rnd, 6)]!;
    const page = new Uint8Array(len);
    for (let j = 0; j < len; j++) page[j] = randInt(rnd, 256);
    if (len >= 16 && rnd() < 0.7) new DataView(page.buffer).setUint32(8, randInt(rnd, len), true);
    walk(c, page, len);
  }
});

test('fuzz: mutated real pages end, failing only with PageError', () => {
  const rnd = prng(42);
  const c = new PageCursor(rhp, rhe);
  const count = Math.floor(realPages.length / pageSize);
  for (let i = 0; i < 3000; i++) {
    const k = randInt(rnd, count);
    const page = new Uint8Array(realPages.subarray(k * pageSize, (k + 1) * pageSize));
    const flips = 1 + randInt(rnd, 8);
    for (let j = 0; j < flips; j++) {
      const at = randInt(rnd, 16 + 256) + (rnd() < 0.5 ? 0 : randInt(rnd, pageSize - 300));
      if (rnd() < 0.5) page[at] ^= 1 << randInt(rnd, 8);
      else page[at] = randInt(rnd, 256);
    }
    walk(c, page, rnd() < 0.9 ? pageSize : randInt(rnd, pageSize));
  }
});
