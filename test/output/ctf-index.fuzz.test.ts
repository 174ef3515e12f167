// Seeded fuzzing of the CTF index decoder (src/output/ctf-index.ts): random
// bytes and mutated valid files either decode consistently or are refused
// with an IndexError; nothing else is thrown, and what decodes re-encodes to
// the same bytes.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { INDEX_HEADER_BYTES, IndexError, decodeIndex, encodeIndexEntry, encodeIndexHeader } from '../../src/output/ctf-index.js';
import type { IndexEntry } from '../../src/output/ctf-index.js';
import { prng, randInt } from '../helpers.js';

const ITERATIONS = 20_000;

function u64(rnd: () => number): bigint {
  return (BigInt(randInt(rnd, 2 ** 32)) << 32n) | BigInt(randInt(rnd, 2 ** 32));
}

function validFile(rnd: () => number): Uint8Array {
  const parts = [encodeIndexHeader()];
  const n = randInt(rnd, 6);
  for (let i = 0; i < n; i++) {
    const e: IndexEntry = {
      offset: u64(rnd), packetSize: u64(rnd), contentSize: u64(rnd), timestampBegin: u64(rnd), timestampEnd: u64(rnd),
      eventsDiscarded: u64(rnd), streamId: u64(rnd), streamInstanceId: u64(rnd), packetSeqNum: u64(rnd),
    };
    parts.push(encodeIndexEntry(e));
  }
  return Buffer.concat(parts);
}

function mutate(rnd: () => number, b: Uint8Array): Uint8Array {
  let out = Buffer.from(b);
  const k = 1 + randInt(rnd, 4);
  for (let i = 0; i < k; i++) {
    switch (randInt(rnd, 4)) {
      case 0: // flip a byte (the header's most of the time, where it matters)
        if (out.length) out[randInt(rnd, Math.min(out.length, rnd() < 0.7 ? INDEX_HEADER_BYTES : out.length))] = randInt(rnd, 256);
        break;
      case 1: // cut
        out = out.subarray(0, randInt(rnd, out.length + 1));
        break;
      case 2: // append junk
        out = Buffer.concat([out, Buffer.from(Array.from({ length: randInt(rnd, 100) }, () => randInt(rnd, 256)))]);
        break;
      default: // an entry size from the interesting ones
        if (out.length >= INDEX_HEADER_BYTES) out.writeUInt32BE([0, 1, 55, 56, 71, 72, 73, 2 ** 32 - 1][randInt(rnd, 8)]!, 12);
    }
  }
  return out;
}

function check(b: Uint8Array, what: string): void {
  let d;
  try {
    d = decodeIndex(b);
  } catch (e) {
    assert.ok(e instanceof IndexError, `${what}: ${(e as Error).stack}`);
    return;
  }
  const eb = d.header.entryBytes;
  assert.equal(INDEX_HEADER_BYTES + d.entries.length * eb + d.trailing, b.byteLength, what);
  assert.ok(d.trailing >= 0 && d.trailing < eb, what);
  if (d.header.minor === 1 && eb === 72) {
    const again = Buffer.concat([Buffer.from(b).subarray(0, INDEX_HEADER_BYTES), ...d.entries.map((e) => encodeIndexEntry(e as IndexEntry))]);
    assert.deepEqual(again, Buffer.from(b).subarray(0, b.byteLength - d.trailing), `${what}: re-encoded`);
  }
}

test(`fuzz: ${ITERATIONS} random and mutated index files decode or are refused with IndexError`, () => {
  const rnd = prng(0x1dc1);
  for (let i = 0; i < ITERATIONS; i++) {
    if (i % 4 === 0) {
      const junk = Uint8Array.from({ length: randInt(rnd, 200) }, () => randInt(rnd, 256));
      // a valid magic now and then, so the decoder gets past it
      if (junk.length >= 4 && rnd() < 0.5) new DataView(junk.buffer).setUint32(0, 0xc1f1dcc1);
      check(junk, `random #${i}`);
    } else {
      const v = validFile(rnd);
      if (i % 4 === 1) check(v, `valid #${i}`);
      else check(mutate(rnd, v), `mutated #${i}`);
    }
  }
});
