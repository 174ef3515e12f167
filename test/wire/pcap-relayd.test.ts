// Debian's lttng-sessiond/consumerd 2.13 streaming a live session into lttng-relayd 2.13:
// every frame of the capture, both ports and both directions, decoded as the TCP segments
// delivered it, checked against the capture's summary, and re-encoded to its exact bytes.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  LttngErr, RELAYD_CONFIGURATION_FLAG_CLEAR_ALLOWED, RelayCommandDecoder, RelayDataDecoder, RelayReplyDecoder,
  encodeRelayDataHeader, encodeRelayFrame, encodeRelayReply,
  type RelayControlFrame, type RelayDataHeader, type RelayReply, type SendIndexMsg,
} from '../../src/wire/index.js';
import { SESSIOND_RELAYD, conversations, readSummary } from './captures.js';

const convs = conversations(SESSIOND_RELAYD);
const summary = readSummary(SESSIOND_RELAYD);
const control = convs.find((c) => c.server.port === 5342)!;
const data = convs.find((c) => c.server.port === 5343)!;

interface Decoded {
  frame: RelayControlFrame;
  minor: number;
}

function decodeControl(): Decoded[] {
  const dec = new RelayCommandDecoder();
  const out: Decoded[] = [];
  for (const chunk of control.toServer.chunks) {
    dec.push(chunk);
    for (;;) {
      const minor = dec.minor;
      const frame = dec.next();
      if (!frame) break;
      out.push({ frame, minor });
    }
  }
  assert.equal(dec.buffered, 0, 'bytes left over after the last frame');
  return out;
}

function decodeReplies(frames: Decoded[]): RelayReply[] {
  const dec = new RelayReplyDecoder();
  for (const { frame } of frames) dec.expect(frame.command);
  const out: RelayReply[] = [];
  for (const chunk of control.toClient.chunks) out.push(...dec.drain(chunk));
  assert.equal(dec.awaiting, 0, 'commands left without a reply');
  return out;
}

describe('wire: sessiond → relayd capture', () => {
  test('the capture is complete and matches the summary sizes', () => {
    assert.ok(control && data, 'both the control and the data connection are in the capture');
    const s0 = summary.find((s) => s.serverPort === 5342)!;
    const s1 = summary.find((s) => s.serverPort === 5343)!;
    assert.equal(control.toServer.missing + control.toClient.missing + data.toServer.missing, 0);
    assert.equal(control.toServer.bytes.length, s0.toServer);
    assert.equal(control.toClient.bytes.length, s0.toClient);
    assert.equal(data.toServer.bytes.length, s1.toServer);
    assert.equal(data.toClient.bytes.length, s1.toClient);
  });

  test('control commands: the summary sequence, payload sizes and counts', () => {
    const frames = decodeControl();
    const s0 = summary.find((s) => s.serverPort === 5342)!;
    assert.equal(s0.tail.length, 0, 'the summary lists every control command');
    assert.deepEqual(frames.map(({ frame }) => frame.command.cmd), s0.head.map((c) => c.name));
    assert.deepEqual(frames.map(({ frame }) => frame.size - 24), s0.head.map((c) => c.payload));
    const counts: Record<string, number> = {};
    for (const { frame } of frames) counts[frame.command.cmd] = (counts[frame.command.cmd] ?? 0) + 1;
    assert.deepEqual(counts, s0.counts);
  });

  test('control commands re-encode to their exact bytes', () => {
    const bytes = control.toServer.bytes;
    let end = 0;
    for (const { frame, minor } of decodeControl()) {
      assert.equal(frame.offset, end, 'frames are contiguous');
      const original = bytes.subarray(frame.offset, frame.offset + frame.size);
      assert.deepEqual(encodeRelayFrame(frame, minor), original, `${frame.command.cmd} at ${frame.offset}`);
      end = frame.offset + frame.size;
    }
    assert.equal(end, bytes.length);
  });

  test('control commands carry what Debian 2.13 sends (2.11+ forms, minor 13)', () => {
    const frames = decodeControl();
    const cmds = frames.map((f) => f.frame.command);
    assert.deepEqual(cmds[0], { cmd: 'VERSION', major: 2, minor: 13 });
    assert.equal(frames[2]!.minor, 13, 'CREATE_SESSION read with the negotiated minor');
    const cs = cmds.find((c) => c.cmd === 'CREATE_SESSION')!;
    assert.ok(cs.cmd === 'CREATE_SESSION');
    assert.equal(cs.sessionName, 'ust-live');
    assert.equal(cs.hostname, 'vm');
    assert.equal(cs.basePath, '');
    assert.equal(cs.liveTimer, 1_000_000);
    assert.equal(cs.snapshot, false);
    assert.equal(cs.currentChunkId, undefined);
    assert.equal(cs.sessiondUuid?.length, 16);
    const streams = cmds.filter((c) => c.cmd === 'ADD_STREAM');
    assert.deepEqual(streams.map((s) => s.cmd === 'ADD_STREAM' && [s.channelName, s.pathname, s.traceChunkId]), [
      ['channel0_0', 'ust/uid/0/64-bit', 0n],
      ['channel0_1', 'ust/uid/0/64-bit', 0n],
      ['metadata', 'ust/uid/0/64-bit', 0n],
    ]);
    const md = cmds.find((c) => c.cmd === 'SEND_METADATA');
    assert.ok(md?.cmd === 'SEND_METADATA');
    assert.equal(md.streamId, 3n);
    // packetized metadata: magic 0x75D11D57 in the tracer's (little-endian) byte order
    assert.equal(Buffer.from(md.data).readUInt32LE(0), 0x75d11d57);
    const rotations = cmds.filter((c) => c.cmd === 'ROTATE_STREAMS');
    assert.deepEqual(rotations.map((r) => r.cmd === 'ROTATE_STREAMS' && r.layout), ['pad7', 'pad7'], 'x86-64 peers pad new_chunk_id to 8 bytes');
    assert.ok(cmds.some((c) => c.cmd === 'CLOSE_TRACE_CHUNK' && c.closeCommand === undefined));
  });

  test('replies: one per command but SEND_METADATA, each re-encoded to its bytes', () => {
    const frames = decodeControl();
    const replies = decodeReplies(frames);
    assert.equal(replies.length, frames.filter((f) => f.frame.command.cmd !== 'SEND_METADATA').length);
    assert.deepEqual(Buffer.concat(replies.map((r) => encodeRelayReply(r, 13))), control.toClient.bytes);
    assert.deepEqual(replies[0], { reply: 'VERSION', major: 2, minor: 13 });
    assert.deepEqual(replies[1], { reply: 'GET_CONFIGURATION', retCode: LttngErr.OK, flags: RELAYD_CONFIGURATION_FLAG_CLEAR_ALLOWED });
    const created = replies[2]!;
    assert.ok(created.reply === 'CREATE_SESSION');
    assert.equal(created.retCode, LttngErr.OK);
    assert.match(created.outputPath ?? '', /^vm\/ust-live-\d{8}-\d{6}$/);
    assert.deepEqual(replies.filter((r) => r.reply === 'ADD_STREAM').map((r) => r.reply === 'ADD_STREAM' && r.handle), [1n, 2n, 3n]);
    const closed = replies.find((r) => r.reply === 'CLOSE_TRACE_CHUNK');
    assert.ok(closed?.reply === 'CLOSE_TRACE_CHUNK' && closed.path === created.outputPath);
    assert.ok(replies.some((r) => r.reply === 'TRACE_CHUNK_EXISTS' && r.retCode === LttngErr.OK));
  });

  test('data port: packets per stream as in the summary, re-encoded exactly, paired with SEND_INDEX', () => {
    const dec = new RelayDataDecoder();
    const packets: { header: RelayDataHeader; at: number; parts: Uint8Array[] }[] = [];
    for (const chunk of data.toServer.chunks) {
      for (const piece of dec.drain(chunk)) {
        if (piece.offset === 0) packets.push({ header: piece.header, at: piece.packetOffset, parts: [] });
        const p = packets[packets.length - 1]!;
        assert.equal(piece.offset, p.parts.reduce((n, b) => n + b.length, 0));
        p.parts.push(piece.bytes);
      }
    }
    assert.ok(dec.idle);
    const s1 = summary.find((s) => s.serverPort === 5343)!;
    const per = new Map<number, { packets: number; bytes: number }>();
    for (const p of packets) {
      const k = Number(p.header.streamId);
      const e = per.get(k) ?? { packets: 0, bytes: 0 };
      e.packets++;
      e.bytes += p.header.dataSize;
      per.set(k, e);
    }
    assert.deepEqual([...per].map(([stream, e]) => ({ stream, ...e })), s1.dataStreams);
    const reencoded = Buffer.concat(packets.flatMap((p) => [encodeRelayDataHeader(p.header), ...p.parts]));
    assert.deepEqual(reencoded, data.toServer.bytes);
    // every non-beacon index names a received packet and its size (bits) = data + padding
    const indexes = decodeControl().map((f) => f.frame.command).filter((c): c is SendIndexMsg => c.cmd === 'SEND_INDEX' && c.packetSize !== 0n);
    assert.equal(indexes.length, packets.length);
    for (const ix of indexes) {
      const p = packets.find((q) => q.header.streamId === ix.relayStreamId && q.header.netSeqNum === ix.netSeqNum);
      assert.ok(p, `packet of index ${ix.relayStreamId}/${ix.netSeqNum}`);
      assert.equal(ix.packetSize, BigInt((p.header.dataSize + p.header.paddingSize) * 8));
    }
  });

  test('byte-by-byte delivery gives the same frames', () => {
    const whole = decodeControl().map((f) => f.frame);
    const dec = new RelayCommandDecoder();
    const bytes = control.toServer.bytes;
    const out: RelayControlFrame[] = [];
    for (let i = 0; i < bytes.length; i++) out.push(...dec.drain(bytes.subarray(i, i + 1)));
    assert.deepEqual(out, whole);
  });
});
