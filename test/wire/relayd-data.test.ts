// Unit tests of the relayd data port: header layout, pieces handed out as they arrive
// (views, not copies), whole packets, and the size caps.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  RelayDataDecoder, RelayDataPacketDecoder, WireError, decodeRelayDataHeader, encodeRelayDataHeader, encodeRelayDataPacket,
  type RelayDataHeader,
} from '../../src/wire/index.js';

const H: RelayDataHeader = { circuitId: 0n, streamId: 7n, netSeqNum: 3n, dataSize: 5, paddingSize: 4091 };

describe('wire relayd: data port', () => {
  test('the 32-byte header, big-endian', () => {
    const b = encodeRelayDataHeader(H);
    assert.equal(b.toString('hex'), '0000000000000000' + '0000000000000007' + '0000000000000003' + '00000005' + '00000ffb');
    assert.deepEqual(decodeRelayDataHeader(b), H);
    assert.throws(() => decodeRelayDataHeader(b.subarray(0, 31)), WireError);
  });

  test('pieces: views of the received chunks, in order, the last one flagged; empty packets too', () => {
    const p1 = encodeRelayDataPacket({ circuitId: 0n, streamId: 1n, netSeqNum: 0n, paddingSize: 0 }, Buffer.from('abcdefghij'));
    const p2 = encodeRelayDataPacket({ circuitId: 0n, streamId: 2n, netSeqNum: 0n, paddingSize: 16 }, new Uint8Array(0));
    const p3 = encodeRelayDataPacket({ circuitId: 0n, streamId: 1n, netSeqNum: 1n, paddingSize: 2 }, Buffer.from('xyz'));
    const all = Buffer.concat([p1, p2, p3]);
    const dec = new RelayDataDecoder();
    const pieces = [...dec.drain(all.subarray(0, 36)), ...dec.drain(all.subarray(36, 80)), ...dec.drain(all.subarray(80))];
    assert.deepEqual(pieces.map((p) => [Number(p.header.streamId), p.offset, Buffer.from(p.bytes).toString(), p.end]), [
      [1, 0, 'abcd', false],
      [1, 4, 'efghij', true],
      [2, 0, '', true],
      [1, 0, 'xyz', true],
    ]);
    assert.equal(pieces[3]!.packetOffset, p1.length + p2.length);
    assert.equal(pieces[3]!.header.paddingSize, 2);
    assert.ok(dec.idle);
    // no copy: the first piece shares the first chunk's memory
    assert.equal(pieces[0]!.bytes.buffer, all.buffer);
  });

  test('whole packets, split anywhere', () => {
    const packets = [Buffer.alloc(100, 1), Buffer.alloc(0), Buffer.alloc(5000, 2)].map((payload, i) => encodeRelayDataPacket({ circuitId: 0n, streamId: BigInt(i), netSeqNum: 9n, paddingSize: 0 }, payload));
    const all = Buffer.concat(packets);
    for (const step of [1, 31, 32, 33, 4096]) {
      const dec = new RelayDataPacketDecoder();
      const got = [];
      for (let i = 0; i < all.length; i += step) got.push(...dec.drain(all.subarray(i, i + step)));
      assert.deepEqual(got.map((p) => [p.header.streamId, p.payload.length, p.offset]), [[0n, 100, 0], [1n, 0, 132], [2n, 5000, 164]], `step ${step}`);
      assert.ok(got[2]!.payload.every((b) => b === 2));
    }
  });

  test('caps on data + padding, from the header alone', () => {
    const head = encodeRelayDataHeader({ ...H, dataSize: 1000, paddingSize: 100 });
    assert.throws(() => new RelayDataDecoder({ maxPacket: 1099 }).drain(head), (err: unknown) => err instanceof WireError && err.field === 'data_size' && err.offset === 24);
    assert.equal(new RelayDataDecoder({ maxPacket: 1100 }).drain(head).length, 0);
    const big = encodeRelayDataHeader({ ...H, dataSize: 0xffff_ffff, paddingSize: 0 });
    assert.throws(() => new RelayDataDecoder().drain(big), WireError);
    assert.throws(() => new RelayDataPacketDecoder().drain(encodeRelayDataHeader({ ...H, dataSize: 65 * 1024 * 1024 })), WireError);
    const dec = new RelayDataPacketDecoder({ maxPacket: 10 });
    assert.throws(() => dec.drain(encodeRelayDataHeader({ ...H, dataSize: 11, paddingSize: 0 })), WireError);
    assert.throws(() => dec.drain(Buffer.alloc(0)), WireError, 'stays failed');
  });
});
