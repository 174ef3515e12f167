// Unit tests of the live viewer codecs: every command and reply, both session-list forms,
// the framing and negotiation, and each validation naming its field.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  AttachStatus, LiveCommandDecoder, LiveFlag, LiveReplyDecoder, MetadataStatus, PacketStatus,
  encodeLiveCommand, encodeLiveReply,
  type LiveCommand, type LiveReply,
} from '../../src/wire/index.js';
import { LIVE_COMMANDS, LIVE_REPLIES, STREAM, wireError } from './samples.js';



function replyDecoder(cmds: LiveCommand[], opts?: ConstructorParameters<typeof LiveReplyDecoder>[0]): LiveReplyDecoder {
  const d = new LiveReplyDecoder(opts);
  for (const c of cmds) d.expect(c);
  return d;
}

describe('wire live: commands', () => {
  test('every command round-trips; header is data_size u64, cmd u32, cmd_version u32', () => {
    const bytes = Buffer.concat(LIVE_COMMANDS.map((c) => encodeLiveCommand(c)));
    const got = new LiveCommandDecoder().drain(bytes);
    assert.deepEqual(got.map((f) => f.command), LIVE_COMMANDS);
    assert.equal(encodeLiveCommand(LIVE_COMMANDS[6]!, { cmdVersion: 3 }).toString('hex'), '0000000000000008' + '00000004' + '00000003' + '0000000000000001');
    for (const step of [1, 5, 16, 17]) {
      const dec = new LiveCommandDecoder();
      const out: LiveCommand[] = [];
      for (let i = 0; i < bytes.length; i += step) out.push(...dec.drain(bytes.subarray(i, i + step)).map((f) => f.command));
      assert.deepEqual(out, LIVE_COMMANDS, `step ${step}`);
    }
  });

  test('CONNECT negotiates min(relay, viewer) minor', () => {
    const dec = new LiveCommandDecoder({ serverMinor: 15 });
    dec.drain(encodeLiveCommand(LIVE_COMMANDS[0]!));
    assert.equal(dec.minor, 4);
    const dec15 = new LiveCommandDecoder({ serverMinor: 15 });
    dec15.drain(encodeLiveCommand({ ...(LIVE_COMMANDS[0] as Extract<LiveCommand, { cmd: 'CONNECT' }>), minor: 16 }));
    assert.equal(dec15.minor, 15);
  });

  test('a size other than the struct is refused from the header; unknown ids are bounded', () => {
    const b = Buffer.from(encodeLiveCommand(LIVE_COMMANDS[6]!));
    b.writeBigUInt64BE(9n, 0);
    const e = wireError(() => new LiveCommandDecoder().drain(b), 'data_size');
    assert.equal(e.command, 'GET_NEXT_INDEX');
    const u = Buffer.from(encodeLiveCommand(LIVE_COMMANDS[9]!));
    u.writeBigUInt64BE(1n << 20n, 0);
    wireError(() => new LiveCommandDecoder().drain(u), 'data_size');
  });
});

describe('wire live: replies', () => {
  test('every reply round-trips, fed in small pieces', () => {
    const bytes = Buffer.concat(LIVE_REPLIES.map((r) => encodeLiveReply(r, 4)));
    const dec = replyDecoder(LIVE_COMMANDS);
    const got: LiveReply[] = [];
    for (let i = 0; i < bytes.length; i += 97) got.push(...dec.drain(bytes.subarray(i, i + 97)));
    assert.deepEqual(got, LIVE_REPLIES);
    assert.equal(dec.minor, 4);
  });

  test('2.15 session list: lengths, no NUL, trace format; chosen by the negotiated minor', () => {
    const list: LiveReply = {
      reply: 'LIST_SESSIONS',
      sessions: [
        { id: 1n, liveTimer: 100, clients: 1, streams: 2, hostname: 'h', sessionName: 'ctf2-session', traceFormat: 1 },
        { id: 2n, liveTimer: 0, clients: 0, streams: 0, hostname: 'x'.repeat(64), sessionName: 'é', traceFormat: 0 },
      ],
    };
    const b = encodeLiveReply(list, 15);
    assert.equal(b.length, 4 + 32 + 1 + 12 + 32 + 64 + 2);
    const connect: LiveCommand = { cmd: 'CONNECT', viewerSessionId: 0n, major: 2, minor: 15, type: 1 };
    const dec = replyDecoder([connect, { cmd: 'LIST_SESSIONS' }], { clientMinor: 15 });
    const replies = dec.drain(Buffer.concat([encodeLiveReply({ reply: 'CONNECT', viewerSessionId: 1n, major: 2, minor: 15, type: 0 }, 15), b]));
    assert.equal(dec.minor, 15);
    assert.deepEqual(replies[1], list);
    // the same relay answering a 2.4 viewer: fixed 339-byte entries (char[64] holds 63 bytes + NUL), no format
    assert.equal(encodeLiveReply({ reply: 'LIST_SESSIONS', sessions: [list.sessions[0]!, { ...list.sessions[1]!, hostname: 'x'.repeat(63) }] }, 4).length, 4 + 2 * 339);
    wireError(() => encodeLiveReply(list, 4), 'sessions[1].hostname');
  });

  test('only OK replies carry streams, packet or metadata bytes', () => {
    const cmds: LiveCommand[] = [LIVE_COMMANDS[3]!, LIVE_COMMANDS[7]!, LIVE_COMMANDS[5]!];
    const replies: LiveReply[] = [
      { reply: 'ATTACH_SESSION', status: AttachStatus.ALREADY, streams: [], streamsCount: 5 },
      { reply: 'GET_PACKET', status: PacketStatus.ERR, flags: LiveFlag.NEW_METADATA, data: new Uint8Array(0), len: 0 },
      { reply: 'GET_METADATA', status: MetadataStatus.ERR, data: new Uint8Array(0), len: 100n },
    ];
    const bytes = Buffer.concat(replies.map((r) => encodeLiveReply(r, 4)));
    assert.equal(bytes.length, 8 + 12 + 12);
    assert.deepEqual(replyDecoder(cmds).drain(bytes), replies);
  });

  test('caps: packet longer than asked, too many streams, metadata beyond the cap, list entries', () => {
    const pkt = Buffer.from(encodeLiveReply({ reply: 'GET_PACKET', status: PacketStatus.OK, flags: 0, data: new Uint8Array(9) }, 4));
    wireError(() => replyDecoder([LIVE_COMMANDS[7]!]).drain(pkt), 'len');
    const streams = Buffer.alloc(8);
    streams.writeUInt32BE(1, 0);
    streams.writeUInt32BE(1_000_000, 4);
    wireError(() => replyDecoder([LIVE_COMMANDS[3]!]).drain(streams), 'streams_count');
    const md = Buffer.alloc(12);
    md.writeBigUInt64BE(1n << 40n, 0);
    md.writeUInt32BE(MetadataStatus.OK, 8);
    wireError(() => replyDecoder([LIVE_COMMANDS[5]!]).drain(md), 'len');
    wireError(() => replyDecoder([LIVE_COMMANDS[5]!], { maxReply: 10 }).drain(encodeLiveReply(LIVE_REPLIES[5]!, 4)), 'len');
    const count = Buffer.alloc(4);
    count.writeUInt32BE(70_000, 0);
    wireError(() => replyDecoder([{ cmd: 'LIST_SESSIONS' }]).drain(count), 'sessions_count');
    const e215 = Buffer.from(encodeLiveReply({ reply: 'LIST_SESSIONS', sessions: [{ id: 1n, liveTimer: 0, clients: 0, streams: 0, hostname: 'h', sessionName: 's' }] }, 15));
    e215.writeUInt32BE(65, 4 + 20);
    wireError(() => replyDecoder([{ cmd: 'LIST_SESSIONS' }], { clientMinor: 15 }).drain(e215), 'sessions[0].hostname_len');
  });

  test('strings: fixed arrays need their NUL, 2.15 strings have none, all UTF-8', () => {
    const att = Buffer.from(encodeLiveReply(LIVE_REPLIES[3]!, 4));
    att.fill(0x61, 8 + 20, 8 + 20 + 4096); // stream 0's path_name without NUL
    wireError(() => replyDecoder([LIVE_COMMANDS[3]!]).drain(att), 'streams[0].path_name');
    const list = Buffer.from(encodeLiveReply(LIVE_REPLIES[2]!, 4));
    list[4 + 20] = 0xc3; // hostname 'host' → invalid UTF-8
    wireError(() => replyDecoder([LIVE_COMMANDS[2]!]).drain(list), 'sessions[0].hostname');
    const l15 = Buffer.from(encodeLiveReply({ reply: 'LIST_SESSIONS', sessions: [{ id: 1n, liveTimer: 0, clients: 0, streams: 0, hostname: 'hh', sessionName: 's' }] }, 15));
    l15[4 + 32 + 1] = 0;
    wireError(() => replyDecoder([LIVE_COMMANDS[2]!], { clientMinor: 15 }).drain(l15), 'sessions[0].hostname');
  });

  test('bytes with nothing awaited; a failed decoder stays failed', () => {
    wireError(() => new LiveReplyDecoder().drain(Buffer.alloc(1)), 'stream');
    const dec = replyDecoder([LIVE_COMMANDS[3]!]);
    const bad = Buffer.alloc(8);
    bad.writeUInt32BE(1, 0);
    bad.writeUInt32BE(0xffff_ffff, 4);
    wireError(() => dec.drain(bad), 'streams_count');
    wireError(() => dec.drain(Buffer.alloc(0)), 'streams_count');
  });

  test('the encoder refuses replies the wire cannot carry', () => {
    wireError(() => encodeLiveReply({ reply: 'GET_PACKET', status: PacketStatus.ERR, flags: 0, data: Buffer.of(1) }, 4), 'data');
    wireError(() => encodeLiveReply({ reply: 'ATTACH_SESSION', status: AttachStatus.UNK, streams: [STREAM] }, 4), 'streams');
    wireError(() => encodeLiveReply({ reply: 'ATTACH_SESSION', status: AttachStatus.OK, streams: [{ ...STREAM, channelName: 'c'.repeat(255) }] }, 4), 'streams[0].channel_name');
    wireError(() => encodeLiveReply({ reply: 'LIST_SESSIONS', sessions: [{ id: 1n, liveTimer: 0, clients: 0, streams: 0, hostname: 'h'.repeat(65), sessionName: 's' }] }, 15), 'sessions[0].hostname');
  });
});
