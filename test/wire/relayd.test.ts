// Unit tests of the relayd control-port codecs: every command and reply, each struct form
// by negotiated minor, the framing, and each validation naming its field.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { COMMANDS_2_13, REPLIES_2_13, wireError } from './samples.js';
import {
  RelayCommandDecoder, RelayReplyDecoder,
  encodeRelayCommand, encodeRelayReply,
  type RelayCommand, type RelayReply,
} from '../../src/wire/index.js';


function decodeOne(bytes: Uint8Array, serverMinor = 13): RelayCommand {
  const frames = new RelayCommandDecoder({ serverMinor }).drain(bytes);
  assert.equal(frames.length, 1);
  return frames[0]!.command;
}

/** a command's bytes with the payload bytes at [at, at+patch.length) replaced */
function patched(msg: RelayCommand, at: number, patch: number[], minor = 13): Buffer {
  const b = Buffer.from(encodeRelayCommand(msg, { minor }));
  b.set(patch, 24 + at);
  return b;
}

describe('wire relayd: commands', () => {
  test('every command round-trips at 2.13 (2.11+ forms)', () => {
    for (const msg of COMMANDS_2_13) assert.deepEqual(decodeOne(encodeRelayCommand(msg)), msg, msg.cmd);
  });

  test('the header: circuit id, data size, command id, command version, big-endian', () => {
    const b = encodeRelayCommand({ cmd: 'VERSION', major: 2, minor: 13 }, { circuitId: 5n, cmdVersion: 1 });
    assert.equal(b.toString('hex'), '0000000000000005' + '0000000000000008' + '00000005' + '00000001' + '00000002' + '0000000d');
    const [f] = new RelayCommandDecoder().drain(b);
    assert.equal(f!.circuitId, 5n);
    assert.equal(f!.cmdVersion, 1);
    assert.equal(f!.size, 32);
  });

  test('2.4 to 2.10 forms: fixed-size CREATE_SESSION and ADD_STREAM, 64-byte SEND_INDEX before 2.8', () => {
    const cs: RelayCommand = { cmd: 'CREATE_SESSION', sessionName: 's', hostname: 'h', liveTimer: 0, snapshot: true };
    const b = encodeRelayCommand(cs, { minor: 10 });
    assert.equal(b.length, 24 + 255 + 64 + 8);
    assert.deepEqual(decodeOne(b, 10), cs);
    const as: RelayCommand = { cmd: 'ADD_STREAM', channelName: 'metadata', pathname: '/host/s/kernel', tracefileSize: 1n, tracefileCount: 2n };
    assert.equal(encodeRelayCommand(as, { minor: 4 }).length, 24 + 264 + 4096 + 16);
    assert.deepEqual(decodeOne(encodeRelayCommand(as, { minor: 4 }), 4), as);
    const ix = { ...(COMMANDS_2_13[11] as Extract<RelayCommand, { cmd: 'SEND_INDEX' }>) };
    delete ix.streamInstanceId;
    delete ix.packetSeqNum;
    assert.equal(encodeRelayCommand(ix, { minor: 7 }).length, 24 + 64);
    assert.deepEqual(decodeOne(encodeRelayCommand(ix, { minor: 7 }), 7), ix);
    // a peer below 2.8 has no instance id / sequence number: -1 when sent at 2.8+
    const d = decodeOne(encodeRelayCommand(ix, { minor: 8 }), 8);
    assert.ok(d.cmd === 'SEND_INDEX' && d.packetSeqNum === 0xffff_ffff_ffff_ffffn);
  });

  test('2.15 CREATE_SESSION carries the trace format', () => {
    const cs = { ...(COMMANDS_2_13[2] as Extract<RelayCommand, { cmd: 'CREATE_SESSION' }>), traceFormat: 1 };
    const b = encodeRelayCommand(cs, { minor: 15 });
    assert.equal(b.length, encodeRelayCommand(cs, { minor: 13 }).length + 4);
    assert.deepEqual(decodeOne(b, 15), cs);
  });

  test('VERSION negotiates the lower minor, and later frames of the same chunk use it', () => {
    const cs: RelayCommand = { cmd: 'CREATE_SESSION', sessionName: 's', hostname: 'h', liveTimer: 0, snapshot: false };
    const bytes = Buffer.concat([encodeRelayCommand({ cmd: 'VERSION', major: 2, minor: 10 }), encodeRelayCommand(cs, { minor: 10 })]);
    const dec = new RelayCommandDecoder();
    const frames = dec.drain(bytes);
    assert.equal(dec.minor, 10);
    assert.deepEqual(dec.peerVersion, { major: 2, minor: 10 });
    assert.deepEqual(frames[1]!.command, cs);
    // a newer peer: we keep ours
    const newer = new RelayCommandDecoder();
    newer.drain(encodeRelayCommand({ cmd: 'VERSION', major: 2, minor: 15 }));
    assert.equal(newer.minor, 13);
  });

  test('frames split anywhere decode the same', () => {
    const all = Buffer.concat(COMMANDS_2_13.map((m) => encodeRelayCommand(m)));
    const whole = new RelayCommandDecoder().drain(all).map((f) => f.command);
    for (const step of [1, 7, 23, 24, 25, 100]) {
      const dec = new RelayCommandDecoder();
      const got: RelayCommand[] = [];
      for (let i = 0; i < all.length; i += step) got.push(...dec.drain(all.subarray(i, i + step)).map((f) => f.command));
      assert.deepEqual(got, whole, `step ${step}`);
    }
  });
});

describe('wire relayd: command validation', () => {
  const cs = COMMANDS_2_13[2]!;
  const as = COMMANDS_2_13[3]!;

  test('data_size out of the command bounds is refused from the header alone', () => {
    const head = Buffer.from(encodeRelayCommand({ cmd: 'VERSION', major: 2, minor: 13 }).subarray(0, 24));
    head.writeBigUInt64BE(9n, 8);
    const e = wireError(() => new RelayCommandDecoder().drain(head), 'data_size', 'VERSION');
    assert.equal(e.offset, 8);
    const md = Buffer.from(encodeRelayCommand(COMMANDS_2_13[5]!).subarray(0, 24));
    md.writeBigUInt64BE(129n * 1024n * 1024n, 8);
    wireError(() => new RelayCommandDecoder().drain(md), 'data_size', 'SEND_METADATA');
    wireError(() => new RelayCommandDecoder({ maxPayload: 1000 }).drain(encodeRelayCommand({ ...(COMMANDS_2_13[5] as Extract<RelayCommand, { cmd: 'SEND_METADATA' }>), data: new Uint8Array(2000) })), 'data_size');
    const unk = Buffer.from(encodeRelayCommand({ cmd: 'UNKNOWN', id: 99, payload: new Uint8Array(0) }));
    unk.writeBigUInt64BE(1n << 40n, 8);
    wireError(() => new RelayCommandDecoder().drain(unk), 'data_size', 'command 99');
  });

  test('CREATE_SESSION 2.11: lengths, NUL terminators, UTF-8, nil UUID', () => {
    // payload layout: name_len@0 host_len@4 base_len@8 live@12 snapshot@16 ctime-flag@17 uuid@18 ...
    wireError(() => decodeOne(patched(cs, 0, [0, 0, 1, 0])), 'session_name_len');
    wireError(() => decodeOne(patched(cs, 4, [0, 0, 0, 65])), 'hostname_len');
    wireError(() => decodeOne(patched(cs, 8, [0, 0, 0x10, 1])), 'base_path_len');
    wireError(() => decodeOne(patched(cs, 18, new Array(16).fill(0))), 'sessiond_uuid');
    const nameAt = 59;
    wireError(() => decodeOne(patched(cs, nameAt + 2, [0])), 'session_name'); // embedded NUL
    wireError(() => decodeOne(patched(cs, nameAt + 10, [0x41])), 'session_name'); // no terminator
    wireError(() => decodeOne(patched(cs, nameAt, [0xff])), 'session_name'); // invalid UTF-8
    const e = wireError(() => decodeOne(patched(cs, 0, [0, 0, 0, 0])), 'session_name');
    assert.match(e.detail, /length 0/);
  });

  test('ADD_STREAM 2.11: name bounds and terminators', () => {
    wireError(() => decodeOne(patched(as, 0, [0, 0, 1, 9])), 'channel_name_len');
    wireError(() => decodeOne(patched(as, 4, [0, 0, 1, 0])), 'pathname_len');
    wireError(() => decodeOne(patched(as, 32 + 10, [0x41])), 'channel_name');
    const b = Buffer.from(encodeRelayCommand(as));
    b.writeUInt32BE(12, 24 + 4); // pathname_len beyond the payload
    wireError(() => decodeOne(b), /pathname|size/);
  });

  test('2.2 forms: fixed strings must hold their NUL', () => {
    const b = Buffer.from(encodeRelayCommand({ cmd: 'ADD_STREAM', channelName: 'c', pathname: 'p', tracefileSize: 0n, tracefileCount: 0n }, { minor: 4 }));
    b.fill(0x61, 24, 24 + 264);
    wireError(() => decodeOne(b, 4), 'channel_name');
  });

  test('ROTATE_STREAMS: the payload size must match one of the three layouts', () => {
    const b = Buffer.from(encodeRelayCommand(COMMANDS_2_13[14]!));
    b.writeUInt32BE(2, 24); // claims two positions, carries one
    wireError(() => decodeOne(b), 'size', 'ROTATE_STREAMS');
    const big = Buffer.from(b);
    big.writeUInt32BE(0x7fff_ffff, 24);
    wireError(() => decodeOne(big), 'stream_count');
  });

  test('CREATE_TRACE_CHUNK: override name bound and terminator', () => {
    wireError(() => decodeOne(patched(COMMANDS_2_13[17]!, 16, [0, 0, 1, 0])), 'override_name_length');
    wireError(() => decodeOne(patched(COMMANDS_2_13[17]!, 16, [0, 0, 0, 3])), /override_name|size/);
  });

  test('trailing bytes in a fixed-size struct are refused by the header check', () => {
    const b = Buffer.concat([encodeRelayCommand({ cmd: 'TRACE_CHUNK_EXISTS', chunkId: 1n }), Buffer.alloc(1)]);
    b.writeBigUInt64BE(9n, 8);
    wireError(() => decodeOne(b), 'data_size');
  });

  test('after a WireError the decoder stays failed', () => {
    const dec = new RelayCommandDecoder();
    const bad = Buffer.from(encodeRelayCommand({ cmd: 'VERSION', major: 2, minor: 13 }));
    bad.writeBigUInt64BE(0n, 8);
    wireError(() => dec.drain(bad), 'data_size');
    wireError(() => dec.drain(encodeRelayCommand({ cmd: 'VERSION', major: 2, minor: 13 })), 'data_size');
  });

  test('the encoder refuses what the wire cannot carry', () => {
    wireError(() => encodeRelayCommand({ cmd: 'VERSION', major: -1, minor: 13 }), 'major');
    wireError(() => encodeRelayCommand({ cmd: 'BEGIN_DATA_PENDING', sessionId: 1n << 64n }), 'session_id');
    wireError(() => encodeRelayCommand({ ...(cs as Extract<RelayCommand, { cmd: 'CREATE_SESSION' }>), sessionName: 'x'.repeat(255) }), 'session_name');
    wireError(() => encodeRelayCommand({ ...(cs as Extract<RelayCommand, { cmd: 'CREATE_SESSION' }>), hostname: 'a\0b' }), 'hostname');
    wireError(() => encodeRelayCommand({ ...(cs as Extract<RelayCommand, { cmd: 'CREATE_SESSION' }>), sessiondUuid: new Uint8Array(16) }), 'sessiond_uuid');
    wireError(() => encodeRelayCommand({ cmd: 'ROTATE_STREAMS', layout: 'pad3', padding: new Uint8Array(7), positions: [] }), 'new_chunk_id.padding');
    wireError(() => encodeRelayCommand({ cmd: 'CREATE_SESSION', sessionName: 's', hostname: 'h'.repeat(64), liveTimer: 0, snapshot: false }, { minor: 4 }), 'hostname');
  });
});

describe('wire relayd: replies', () => {
  test('every reply round-trips; SEND_METADATA expects none', () => {
    const dec = new RelayReplyDecoder();
    assert.equal(dec.expect(COMMANDS_2_13[5]!), false);
    for (const [cmd] of REPLIES_2_13) assert.equal(dec.expect(cmd), true);
    const bytes = Buffer.concat(REPLIES_2_13.map(([, r]) => encodeRelayReply(r, 13)));
    const got: RelayReply[] = [];
    for (let i = 0; i < bytes.length; i += 3) got.push(...dec.drain(bytes.subarray(i, i + 3)));
    assert.deepEqual(got, REPLIES_2_13.map(([, r]) => r));
    assert.equal(dec.awaiting, 0);
  });

  test('before 2.11 the CREATE_SESSION reply has no path, and the VERSION reply sets the minor', () => {
    const dec = new RelayReplyDecoder();
    dec.expect({ cmd: 'VERSION', major: 2, minor: 13 });
    dec.expect(COMMANDS_2_13[2]!);
    const bytes = Buffer.concat([encodeRelayReply({ reply: 'VERSION', major: 2, minor: 9 }, 13), encodeRelayReply({ reply: 'CREATE_SESSION', sessionId: 4n, retCode: 10 }, 9)]);
    assert.equal(bytes.length, 8 + 12);
    assert.deepEqual(dec.drain(bytes)[1], { reply: 'CREATE_SESSION', sessionId: 4n, retCode: 10 });
    assert.equal(dec.minor, 9);
  });

  test('bytes with no command awaiting a reply, oversized paths, bad terminators', () => {
    wireError(() => new RelayReplyDecoder().drain(Buffer.alloc(4)), 'stream');
    const dec = new RelayReplyDecoder();
    dec.expect(COMMANDS_2_13[19]!);
    const long = Buffer.alloc(8);
    long.writeUInt32BE(10, 0);
    long.writeUInt32BE(4096, 4);
    const e = wireError(() => dec.drain(long), 'path_length');
    assert.equal(e.offset, 4);
    const bad = new RelayReplyDecoder();
    bad.expect(COMMANDS_2_13[2]!);
    const r = Buffer.from(encodeRelayReply({ reply: 'CREATE_SESSION', sessionId: 1n, retCode: 10, outputPath: 'abc' }, 13));
    r[r.length - 1] = 0x41;
    wireError(() => bad.drain(r), 'output_path');
  });
});
