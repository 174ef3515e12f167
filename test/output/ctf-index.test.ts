// CTF index files (src/output/ctf-index.ts): LTTng's big-endian layout, byte
// for byte, and what the decoder refuses.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  INDEX_ENTRY_BYTES, INDEX_HEADER_BYTES, IndexError, decodeIndex, decodeIndexHeader, encodeIndexEntry, encodeIndexHeader,
} from '../../src/output/ctf-index.js';
import type { IndexEntry } from '../../src/output/ctf-index.js';

const entry: IndexEntry = {
  offset: 4096n,
  packetSize: 8n * 4096n,
  contentSize: 8n * 4000n + 3n,
  timestampBegin: 1_700_000_000_123_456_789n,
  timestampEnd: 1_700_000_000_223_456_789n,
  eventsDiscarded: 17n,
  streamId: 2n,
  streamInstanceId: 5n,
  packetSeqNum: 0xffff_ffff_ffff_fffen,
};

test('the header: magic 0xc1f1dcc1, version 1.1, 72-byte entries, big-endian', () => {
  assert.equal(Buffer.from(encodeIndexHeader()).toString('hex'), 'c1f1dcc1' + '00000001' + '00000001' + '00000048');
});

test('an entry: nine big-endian u64 in LTTng order', () => {
  const b = Buffer.from(encodeIndexEntry(entry));
  assert.equal(b.length, INDEX_ENTRY_BYTES);
  const want = [entry.offset, entry.packetSize, entry.contentSize, entry.timestampBegin, entry.timestampEnd, entry.eventsDiscarded, entry.streamId, entry.streamInstanceId, entry.packetSeqNum];
  want.forEach((v, i) => assert.equal(b.readBigUInt64BE(i * 8), v, `field ${i}`));
});

test('encode then decode gives the entries back; bytes after the last whole entry are counted, not read', () => {
  const second = { ...entry, offset: 8192n, packetSeqNum: 3n };
  const file = Buffer.concat([encodeIndexHeader(), encodeIndexEntry(entry), encodeIndexEntry(second), Buffer.alloc(5)]);
  const d = decodeIndex(file);
  assert.deepEqual(d.header, { major: 1, minor: 1, entryBytes: 72 });
  assert.deepEqual(d.entries, [entry, second]);
  assert.equal(d.trailing, 5);
});

test('a v1.0 file: 56-byte entries without stream_instance_id and packet_seq_num', () => {
  const h = Buffer.alloc(INDEX_HEADER_BYTES);
  h.writeUInt32BE(0xc1f1dcc1, 0);
  h.writeUInt32BE(1, 4);
  h.writeUInt32BE(0, 8);
  h.writeUInt32BE(56, 12);
  const e = Buffer.from(encodeIndexEntry(entry)).subarray(0, 56);
  const d = decodeIndex(Buffer.concat([h, e]));
  assert.equal(d.entries.length, 1);
  const { streamInstanceId: _i, packetSeqNum: _s, ...v10 } = entry;
  assert.deepEqual(d.entries[0], v10);
});

test('entries longer than the version says: the extra bytes are skipped', () => {
  const h = Buffer.from(encodeIndexHeader());
  h.writeUInt32BE(80, 12);
  const e = Buffer.concat([encodeIndexEntry(entry), Buffer.alloc(8, 0xaa)]);
  assert.deepEqual(decodeIndex(Buffer.concat([h, e, e])).entries, [entry, entry]);
});

test('refused: short header, bad magic, another major version, entries too short for the version', () => {
  const good = Buffer.from(encodeIndexHeader());
  assert.throws(() => decodeIndexHeader(good.subarray(0, 15)), IndexError);
  const bad = (at: number, v: number): Buffer => {
    const b = Buffer.from(good);
    b.writeUInt32BE(v, at);
    return b;
  };
  assert.throws(() => decodeIndex(bad(0, 0xc1fc1fc1)), /bad index magic/);
  assert.throws(() => decodeIndex(bad(4, 2)), /unsupported index version 2\.1/);
  assert.throws(() => decodeIndex(bad(12, 56)), /too short for version 1\.1/);
  assert.throws(() => decodeIndex(bad(12, 0)), IndexError);
});

test('encoding refuses values that do not fit in an unsigned 64-bit field', () => {
  assert.throws(() => encodeIndexEntry({ ...entry, offset: -1n }), IndexError);
  assert.throws(() => encodeIndexEntry({ ...entry, timestampEnd: 1n << 64n }), IndexError);
});
