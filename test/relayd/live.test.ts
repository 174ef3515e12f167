// The live viewer port of an in-process relay fed by a scripted producer: the statuses
// and flags lttng-relayd's live.cpp answers with (RETRY, INACTIVE on a beacon, HUP,
// NEW_METADATA, NEW_STREAM, one viewer per session, the 2.15 session list), packets read
// back from the files, and a viewer that never reads leaving ingest alone.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { AttachStatus, DetachStatus, IndexStatus, LiveFlag, MetadataStatus, NewStreamsStatus, PacketStatus, Seek } from '../../src/wire/index.js';
import { tempDir } from '../helpers.js';
import { LiveClient, connect } from './client.js';
import { Producer, startRelay, until, type Running } from './peer.js';
import { encodeLiveCommand } from '../../src/wire/index.js';

const tmp = tempDir('ttng-relayd-live-');
after(() => tmp.remove());
let n = 0;
async function relay(): Promise<Running> {
  return startRelay(`${tmp.dir}/${++n}`);
}

/** a live session with a data stream `a_0` and a metadata stream, announced */
async function liveSession(r: Running, packets = 0): Promise<{ p: Producer; id: bigint; a: bigint; meta: bigint }> {
  const p = await Producer.open(r);
  const id = await p.start();
  const a = (await p.addStream('a_0')).handle;
  const meta = (await p.addStream('metadata')).handle;
  await p.streamsSent();
  for (let i = 1; i <= packets; i++) await p.packet(a, Buffer.alloc(8, i));
  return { p, id, a, meta };
}

/** closes the clients, then stops the relay */
async function finish(r: Running, ...clients: { close(): void }[]): Promise<void> {
  for (const c of clients) c.close();
  await r.relay.stop();
}

async function viewer(r: Running, minor = 4): Promise<LiveClient> {
  const v = await LiveClient.open(r.live, minor);
  assert.equal((await v.ask({ cmd: 'CREATE_SESSION' })).status, 1);
  return v;
}

test('a live session, from attach to HUP', async () => {
  const r = await relay();
  const p = await Producer.open(r);
  const id = await p.start({ name: 'S', hostname: 'h' });
  const data = (await p.addStream('chan_0')).handle;
  const meta = (await p.addStream('metadata')).handle;
  await p.streamsSent();
  await p.metadata(meta, '/* CTF 1.8 */\n', 3);

  const v = await viewer(r);
  const list = await v.ask({ cmd: 'LIST_SESSIONS' });
  assert.deepEqual(list.sessions, [{ id, liveTimer: 1_000_000, clients: 0, streams: 2, hostname: 'h', sessionName: 'S' }]);
  const att = await v.ask({ cmd: 'ATTACH_SESSION', sessionId: id, offset: 0n, seek: Seek.BEGINNING });
  assert.equal(att.status, AttachStatus.OK);
  assert.deepEqual(att.streams.map((s) => [s.id, s.metadataFlag, s.pathName, s.channelName]).sort(), [[data, 0, 'ust/uid/0/64-bit', 'chan_0'], [meta, 1, 'ust/uid/0/64-bit', 'metadata']]);
  assert.equal(new Set(att.streams.map((s) => s.ctfTraceId)).size, 1);

  // nothing yet: RETRY, with NEW_METADATA until the viewer has it
  let idx = await v.ask({ cmd: 'GET_NEXT_INDEX', streamId: data });
  assert.equal(idx.status, IndexStatus.RETRY);
  assert.equal(idx.flags & LiveFlag.NEW_METADATA, LiveFlag.NEW_METADATA);
  const md = await v.ask({ cmd: 'GET_METADATA', streamId: meta });
  assert.equal(md.status, MetadataStatus.OK);
  assert.deepEqual(Buffer.from(md.data), Buffer.from('/* CTF 1.8 */\n\0\0\0'));
  assert.equal((await v.ask({ cmd: 'GET_METADATA', streamId: meta })).status, MetadataStatus.NO_NEW);

  // a packet: its index, then its bytes (padding included) from the file
  const payload = Buffer.from('0123456789abcdef');
  assert.equal(await p.packet(data, payload, 16, { timestampBegin: 100n, timestampEnd: 200n }), 10);
  idx = await v.ask({ cmd: 'GET_NEXT_INDEX', streamId: data });
  assert.equal(idx.status, IndexStatus.OK);
  assert.equal(idx.flags & LiveFlag.NEW_METADATA, 0);
  // as lttng-relayd, a stream's first packet raises NEW_STREAM (the viewer asks, gets nothing new)
  assert.equal(idx.flags & LiveFlag.NEW_STREAM, LiveFlag.NEW_STREAM);
  assert.deepEqual((await v.ask({ cmd: 'GET_NEW_STREAMS', sessionId: id })).streams, []);
  assert.deepEqual([idx.offset, idx.packetSize, idx.contentSize, idx.timestampBegin, idx.timestampEnd], [0n, 256n, 128n, 100n, 200n]);
  const pk = await v.ask({ cmd: 'GET_PACKET', streamId: data, offset: 0n, len: 32 });
  assert.equal(pk.status, PacketStatus.OK);
  assert.deepEqual(Buffer.from(pk.data), Buffer.concat([payload, Buffer.alloc(16)]));
  assert.equal((await v.ask({ cmd: 'GET_PACKET', streamId: data, offset: 16n, len: 64 })).status, PacketStatus.ERR, 'past the end of the file');

  // caught up: RETRY, then INACTIVE once a beacon came
  assert.equal((await v.ask({ cmd: 'GET_NEXT_INDEX', streamId: data })).status, IndexStatus.RETRY);
  await p.beacon(data, 5000n);
  idx = await v.ask({ cmd: 'GET_NEXT_INDEX', streamId: data });
  assert.deepEqual([idx.status, idx.timestampEnd], [IndexStatus.INACTIVE, 5000n]);

  // more metadata: flagged
  await p.metadata(meta, 'event { };\n');
  assert.equal((await v.ask({ cmd: 'GET_NEXT_INDEX', streamId: data })).flags & LiveFlag.NEW_METADATA, LiveFlag.NEW_METADATA);
  assert.deepEqual(Buffer.from((await v.ask({ cmd: 'GET_METADATA', streamId: meta })).data), Buffer.from('event { };\n'));

  // one viewer per session
  const other = await viewer(r);
  assert.equal((await other.ask({ cmd: 'ATTACH_SESSION', sessionId: id, offset: 0n, seek: Seek.LAST })).status, AttachStatus.ALREADY);
  assert.equal((await other.ask({ cmd: 'LIST_SESSIONS' })).sessions[0]!.clients, 1);
  assert.equal((await other.ask({ cmd: 'ATTACH_SESSION', sessionId: 999n, offset: 0n, seek: Seek.LAST })).status, AttachStatus.UNK);
  assert.equal((await other.ask({ cmd: 'GET_NEW_STREAMS', sessionId: id })).status, NewStreamsStatus.ERR, 'not attached');
  other.close();

  // the session ends: what is left is read, then HUP
  assert.equal(await p.packet(data, payload), 10);
  await p.closeStream(data);
  await p.closeStream(meta);
  p.close();
  await until('the session closed', () => r.relay.state.sessions.get(id)?.connectionClosed === true);
  assert.equal((await v.ask({ cmd: 'GET_NEXT_INDEX', streamId: data })).status, IndexStatus.OK);
  assert.equal((await v.ask({ cmd: 'GET_NEXT_INDEX', streamId: data })).status, IndexStatus.HUP);
  assert.equal((await v.ask({ cmd: 'GET_NEXT_INDEX', streamId: data })).status, IndexStatus.ERR, 'a stream that hung up is gone');
  assert.equal((await v.ask({ cmd: 'GET_METADATA', streamId: meta })).status, MetadataStatus.NO_NEW);
  assert.equal((await v.ask({ cmd: 'GET_METADATA', streamId: meta })).status, MetadataStatus.ERR, 'then the metadata stream is gone');
  assert.equal((await v.ask({ cmd: 'GET_NEW_STREAMS', sessionId: id })).status, NewStreamsStatus.HUP);
  assert.equal((await v.ask({ cmd: 'LIST_SESSIONS' })).sessions.length, 0, 'a closed session is not listed');
  assert.equal((await v.ask({ cmd: 'DETACH_SESSION', sessionId: id })).status, DetachStatus.OK);
  await until('the session forgotten', () => !r.relay.state.sessions.has(id));
  await finish(r, v);
});

test('ATTACH with LAST starts at the next packet; streams added later come with NEW_STREAM, from their beginning', async () => {
  const r = await relay();
  const { p, id, a, meta } = await liveSession(r, 2);
  await p.metadata(meta, 'x');
  const v = await viewer(r);
  assert.equal((await v.ask({ cmd: 'ATTACH_SESSION', sessionId: id, offset: 0n, seek: Seek.LAST })).status, AttachStatus.OK);
  await v.ask({ cmd: 'GET_METADATA', streamId: meta });
  assert.equal((await v.ask({ cmd: 'GET_NEXT_INDEX', streamId: a })).status, IndexStatus.RETRY);
  await p.packet(a, Buffer.alloc(8, 3));
  const idx = await v.ask({ cmd: 'GET_NEXT_INDEX', streamId: a });
  assert.deepEqual([idx.status, idx.offset], [IndexStatus.OK, 16n]);
  assert.deepEqual(Buffer.from((await v.ask({ cmd: 'GET_PACKET', streamId: a, offset: 16n, len: 8 })).data), Buffer.alloc(8, 3));

  const b = (await p.addStream('b_0')).handle;
  await p.streamsSent();
  await p.packet(b, Buffer.alloc(8, 9));
  assert.equal((await v.ask({ cmd: 'GET_NEXT_INDEX', streamId: a })).flags & LiveFlag.NEW_STREAM, LiveFlag.NEW_STREAM);
  const ns = await v.ask({ cmd: 'GET_NEW_STREAMS', sessionId: id });
  assert.deepEqual([ns.status, ns.streams.map((s) => s.channelName)], [NewStreamsStatus.OK, ['b_0']]);
  assert.equal((await v.ask({ cmd: 'GET_NEXT_INDEX', streamId: b })).status, IndexStatus.OK, "a new stream's first packet");
  assert.equal((await v.ask({ cmd: 'GET_NEW_STREAMS', sessionId: id })).streams.length, 0);
  await finish(r, v, p);
});

test('a viewer asking protocol 2.15 gets the 2.15 session list; a non-live session is listed but cannot be attached', async () => {
  const r = await relay();
  const p = await Producer.open(r);
  const id = await p.start({ name: 'plain', hostname: 'box', liveTimer: 0 });
  const v = await viewer(r, 15);
  assert.deepEqual((await v.ask({ cmd: 'LIST_SESSIONS' })).sessions, [{ id, liveTimer: 0, clients: 0, streams: 0, hostname: 'box', sessionName: 'plain', traceFormat: 0 }]);
  assert.equal((await v.ask({ cmd: 'ATTACH_SESSION', sessionId: id, offset: 0n, seek: Seek.LAST })).status, AttachStatus.NOT_LIVE);
  const noSession = await LiveClient.open(r.live);
  assert.equal((await noSession.ask({ cmd: 'ATTACH_SESSION', sessionId: id, offset: 0n, seek: Seek.LAST })).status, AttachStatus.NO_SESSION);
  await finish(r, noSession, v, p);
});

test('a viewer that never reads its replies only stops itself: ingest goes on', async () => {
  const r = await relay();
  const { p, id, a } = await liveSession(r);
  await p.packet(a, Buffer.alloc(256 * 1024, 5));
  // a raw viewer: attaches, then floods GET_PACKET requests and never reads a byte back
  const v = await viewer(r);
  await v.ask({ cmd: 'ATTACH_SESSION', sessionId: id, offset: 0n, seek: Seek.BEGINNING });
  await v.ask({ cmd: 'GET_NEXT_INDEX', streamId: a });
  v.sock.pause();
  const flood = Buffer.concat(Array.from({ length: 400 }, () => encodeLiveCommand({ cmd: 'GET_PACKET', streamId: a, offset: 0n, len: 256 * 1024 })));
  v.sock.write(flood);
  for (let i = 0; i < 50; i++) assert.equal(await p.packet(a, Buffer.alloc(64 * 1024, i)), 10);
  const st = r.relay.state.streams.get(a)!;
  assert.equal(st.received, 51);
  // and other viewers are served
  const w = await LiveClient.open(r.live);
  assert.equal((await w.ask({ cmd: 'LIST_SESSIONS' })).sessions.length, 1);
  await finish(r, w, v, p);
});

test('commands before CONNECT, a wrong major, an unknown command: that connection closes, the relay goes on', async () => {
  const r = await relay();
  const early = await connect(r.live);
  early.write(encodeLiveCommand({ cmd: 'LIST_SESSIONS' }));
  await new Promise<void>((res) => early.once('close', () => res()));
  const major = await connect(r.live);
  major.write(encodeLiveCommand({ cmd: 'CONNECT', viewerSessionId: 0n, major: 3, minor: 0, type: 1 }));
  await new Promise<void>((res) => major.once('close', () => res()));
  const unknown = await LiveClient.open(r.live);
  await assert.rejects(unknown.request({ cmd: 'UNKNOWN', id: 77, payload: new Uint8Array(4) }).then(() => unknown.request({ cmd: 'LIST_SESSIONS' })));
  const ok = await LiveClient.open(r.live);
  assert.deepEqual((await ok.ask({ cmd: 'LIST_SESSIONS' })).sessions, []);
  assert.equal(r.relay.log.counters.protocolErrors, 3);
  await finish(r, ok);
});

test('a trace-file ring: a viewer starting late reads from the oldest packet still on disk, each from its own file', async () => {
  const r = await relay();
  const p = await Producer.open(r);
  const id = await p.start();
  const a = (await p.addStream('a_0', 'kernel', 100n, 2n)).handle;
  const meta = (await p.addStream('metadata', 'kernel')).handle;
  await p.streamsSent();
  await p.metadata(meta, 'm');
  // 60-byte packets in 100-byte files, 2 files: packets 0..4 leave 3 (file _1) and 4 (file _0)
  for (let i = 0; i < 5; i++) await p.packet(a, Buffer.alloc(60, i));
  const v = await viewer(r);
  await v.ask({ cmd: 'ATTACH_SESSION', sessionId: id, offset: 0n, seek: Seek.BEGINNING });
  const got: number[] = [];
  for (;;) {
    const idx = await v.ask({ cmd: 'GET_NEXT_INDEX', streamId: a });
    if (idx.status !== IndexStatus.OK) break;
    assert.equal(idx.offset, 0n);
    got.push((await v.ask({ cmd: 'GET_PACKET', streamId: a, offset: 0n, len: 60 })).data[0]!);
  }
  assert.deepEqual(got, [3, 4]);
  await finish(r, v, p);
});
