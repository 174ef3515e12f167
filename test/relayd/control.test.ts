// The control and data ports of an in-process relay fed by a scripted producer: names
// that would leave the output directory are refused (and the connection goes on), a
// malformed frame closes its own connection only, a failed write is answered with an
// error code and counted, and the layouts of the other session kinds (pre-2.11 peers,
// snapshots, trace-file rings, --group-output-by-session).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { nodeFs, type OutputFs } from '../../src/output/index.js';
import { LttngErr, encodeRelayCommand } from '../../src/wire/index.js';
import { tempDir } from '../helpers.js';
import { ControlClient, closedBy, connect, dataPacket } from './client.js';
import { tree } from './lttng.js';
import { Producer, startRelay, until } from './peer.js';

process.env['TZ'] = 'UTC';
const tmp = tempDir('ttng-relayd-control-');
after(() => tmp.remove());
let n = 0;
function outDir(): string {
  return path.join(tmp.dir, String(++n), 'out');
}

test('names that would leave the output directory are refused; the connection goes on', async () => {
  const out = outDir();
  const r = await startRelay(out);
  const p = await Producer.open(r);
  for (const [name, hostname, basePath] of [
    ['../escape', 'h', ''], ['a/b', 'h', ''], ['.hidden', 'h', ''], ['ok', '..', ''], ['ok', 'h/../..', ''], ['ok', 'h', '../../escape'], ['ok', 'h', 'x/../../..'], ['', 'h', ''],
  ] as const) {
    const reply = await p.createSession({ name, hostname, basePath });
    assert.equal(reply.retCode, LttngErr.FATAL, `${name} ${hostname} ${basePath}`);
  }
  await p.start({ name: 'good', hostname: 'h', basePath: 'sub/dir' });
  for (const [chan, where] of [['../x', 'ust'], ['a/b', 'ust'], ['..', 'ust'], ['c', '../../../escape'], ['c', 'ust/../../..'], ['c', '']] as const) {
    const reply = await p.addStream(chan, where);
    assert.deepEqual([reply.retCode, reply.handle], [LttngErr.UNK, 0xffff_ffff_ffff_ffffn], `${chan} ${where}`);
  }
  assert.equal((await p.addStream('chan_0', '/kernel/')).retCode, LttngErr.OK, 'a leading / is relative to the session (pre-2.11 form)');
  assert.deepEqual(await p.ctl.request({ cmd: 'CREATE_TRACE_CHUNK', chunkId: 1n, creationTimestamp: 1n, overrideName: '../x' }), { reply: 'GENERIC', retCode: LttngErr.INVALID });
  p.close();
  await r.relay.stop();
  assert.deepEqual(fs.readdirSync(path.dirname(out)), ['out'], 'nothing beside the output directory');
  assert.deepEqual([...tree(out).keys()], ['h/sub/dir/kernel/chan_0']);
  assert.equal(r.relay.log.counters.refusedNames, 15);
  assert.ok(r.lines.some((l) => l.includes('refused session name "../escape": contains a path separator')));
});

test('a malformed frame closes its connection only; other sessions go on', async () => {
  const out = outDir();
  const r = await startRelay(out);
  const good = await Producer.open(r);
  await good.start({ name: 'good' });
  const h = (await good.addStream('c_0')).handle;
  // a control frame with an oversized payload, garbage on the data port, a command before VERSION
  const bad = await connect(r.control);
  bad.write(Buffer.concat([encodeRelayCommand({ cmd: 'VERSION', major: 2, minor: 13 }), Buffer.from('000000000000000000000000ffffffff0000000100000000', 'hex')]));
  await closedBy(bad);
  const early = await connect(r.control);
  early.write(encodeRelayCommand({ cmd: 'ADD_STREAM', channelName: 'x', pathname: 'y', tracefileSize: 0n, tracefileCount: 0n, traceChunkId: 0n }));
  await closedBy(early);
  const junk = await connect(r.data);
  junk.write(dataPacket(999n, 0n, Buffer.alloc(4)));
  await closedBy(junk);
  assert.equal(await good.packet(h, Buffer.alloc(64, 1)), LttngErr.OK);
  assert.equal(r.relay.log.counters.protocolErrors, 3);
  good.close();
  await r.relay.stop();
});

test('a write that fails (disk full) is answered with an error code, counted and logged', async () => {
  const out = outDir();
  let full = false;
  const failing: OutputFs = {
    ...nodeFs,
    write: (fd, data, offset, length, position) => {
      if (full) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      return nodeFs.write(fd, data, offset, length, position);
    },
  };
  const r = await startRelay(out, { fs: failing });
  const p = await Producer.open(r);
  await p.start();
  const h = (await p.addStream('c_0')).handle;
  assert.equal(await p.packet(h, Buffer.alloc(64, 1)), LttngErr.OK);
  full = true;
  assert.equal(await p.packet(h, Buffer.alloc(64, 2)), LttngErr.UNK);
  assert.equal(await p.packet(h, Buffer.alloc(64, 3)), LttngErr.UNK);
  full = false;
  assert.equal(await p.packet(h, Buffer.alloc(64, 4)), LttngErr.OK, 'the stream goes on once there is room');
  assert.equal(r.relay.log.counters.writeErrors, 2);
  assert.ok(r.lines.some((l) => /ERROR: write error .*ENOSPC/.test(l)), r.lines.join(''));
  p.close();
  await r.relay.stop();
});

test('DATA_PENDING says whether the data and index up to a packet were written', async () => {
  const r = await startRelay(outDir());
  const p = await Producer.open(r);
  const sid = await p.start();
  const h = (await p.addStream('c_0')).handle;
  const pending = async (last: bigint): Promise<number> => ((await p.ctl.request({ cmd: 'DATA_PENDING', streamId: h, lastNetSeqNum: last })) as { retCode: number }).retCode;
  assert.equal(await pending(0n), 1);
  await p.packet(h, Buffer.alloc(8));
  assert.equal(await pending(0n), 0);
  assert.equal(await pending(1n), 1);
  assert.equal(((await p.ctl.request({ cmd: 'BEGIN_DATA_PENDING', sessionId: sid })) as { retCode: number }).retCode, LttngErr.OK);
  assert.equal(((await p.ctl.request({ cmd: 'END_DATA_PENDING', sessionId: sid })) as { retCode: number }).retCode, 1, 'a stream not asked about is in flight');
  await p.ctl.request({ cmd: 'QUIESCENT_CONTROL', streamId: h });
  assert.equal(((await p.ctl.request({ cmd: 'END_DATA_PENDING', sessionId: sid })) as { retCode: number }).retCode, 0);
  p.close();
  await r.relay.stop();
});

test('a 2.4 peer (whole paths per stream), a snapshot (no index), a trace-file ring, grouping by session', async () => {
  const out = outDir();
  const r = await startRelay(out);
  const old = new ControlClient(await connect(r.control));
  await old.version(4);
  const created = await old.request({ cmd: 'CREATE_SESSION', sessionName: 'old', hostname: 'h', liveTimer: 0, snapshot: false });
  assert.deepEqual(created, { reply: 'CREATE_SESSION', sessionId: 1n, retCode: LttngErr.OK });
  // 2.4 peers send the whole path, relative to the relay's output (with a leading /)
  const add = await old.request({ cmd: 'ADD_STREAM', channelName: 'metadata', pathname: '/h/old-20231114-221320/kernel', tracefileSize: 0n, tracefileCount: 0n });
  assert.equal((add as { retCode: number }).retCode, LttngErr.OK);
  old.close();

  const snap = await Producer.open(r);
  await snap.createSession({ name: 'snap', snapshot: true, liveTimer: 0 });
  await snap.ctl.request({ cmd: 'CREATE_TRACE_CHUNK', chunkId: 1n, creationTimestamp: 1_700_000_000n, overrideName: 'snapshot-1' });
  const sh = (await snap.addStream('c_0', 'kernel')).handle;
  snap.data.write(dataPacket(sh, 0n, Buffer.alloc(32, 7), 32));
  await until('the snapshot packet', () => r.relay.state.streams.get(sh)!.received === 1);

  const ring = await Producer.open(r);
  await ring.start({ name: 'ring' });
  const rh = (await ring.addStream('c_0', 'kernel', 100n, 2n)).handle;
  for (let i = 0; i < 5; i++) await ring.packet(rh, Buffer.alloc(60, i));
  snap.close();
  ring.close();
  await r.relay.stop();

  const bySession = outDir();
  const r2 = await startRelay(bySession, { groupBy: 'session' });
  const g = await Producer.open(r2);
  await g.start({ name: 'S', hostname: 'h', basePath: 'b' });
  await g.addStream('metadata', 'kernel');
  g.close();
  await r2.relay.stop();

  assert.deepEqual([...tree(out).keys()].sort(), [
    'h/old-20231114-221320/kernel/metadata',
    'host/ring-20231114-221320/kernel/c_0_0', 'host/ring-20231114-221320/kernel/c_0_1',
    'host/ring-20231114-221320/kernel/index/c_0_0.idx', 'host/ring-20231114-221320/kernel/index/c_0_1.idx',
    'host/snap-20231114-221320/snapshot-1/kernel/c_0',
  ]);
  assert.deepEqual(fs.readFileSync(path.join(out, 'host/snap-20231114-221320/snapshot-1/kernel/c_0')), Buffer.concat([Buffer.alloc(32, 7), Buffer.alloc(32)]));
  // the ring kept the newest packets: files _0 (packet 4) and _1 (packet 3)
  assert.deepEqual(fs.readFileSync(path.join(out, 'host/ring-20231114-221320/kernel/c_0_0')), Buffer.alloc(60, 4));
  assert.deepEqual(fs.readFileSync(path.join(out, 'host/ring-20231114-221320/kernel/c_0_1')), Buffer.alloc(60, 3));
  assert.deepEqual([...tree(bySession).keys()], ['S/h-20231114-221320/b/kernel/metadata']);
});

test("two relay sessions of one recording session (kernel and user space consumers) share their trace chunks through a rotation", async () => {
  const out = outDir();
  const r = await startRelay(out);
  const k = await Producer.open(r);
  const u = await Producer.open(r);
  await k.start({ name: 'both', hostname: 'h' });
  await u.start({ name: 'both', hostname: 'h' });
  const kh = (await k.addStream('chan_0', 'kernel')).handle;
  const uh = (await u.addStream('chan_0', 'ust/uid/0/64-bit')).handle;
  await k.packet(kh, Buffer.alloc(16, 1));
  await u.packet(uh, Buffer.alloc(16, 2));
  const exists = async (p: Producer, id: bigint): Promise<boolean> => ((await p.ctl.request({ cmd: 'TRACE_CHUNK_EXISTS', chunkId: id })) as { exists: boolean }).exists;
  for (const p of [k, u]) assert.equal((await p.chunk(1n, 1_700_000_100n) as { retCode: number }).retCode, LttngErr.OK);
  for (const [p, h] of [[k, kh], [u, uh]] as const) {
    await p.ctl.request({ cmd: 'ROTATE_STREAMS', newChunkId: 1n, layout: 'pad7', positions: [{ streamId: h, rotateAtSeqNum: 2n }] });
  }
  const closeReply = await k.ctl.request({ cmd: 'CLOSE_TRACE_CHUNK', chunkId: 0n, closeTimestamp: 1_700_000_100n, closeCommand: 0 });
  assert.deepEqual(closeReply, { reply: 'CLOSE_TRACE_CHUNK', retCode: LttngErr.OK, path: 'h/both-20231114-221320' }, "as lttng-relayd: the first archive's reply names the session directory");
  await u.ctl.request({ cmd: 'CLOSE_TRACE_CHUNK', chunkId: 0n, closeTimestamp: 1_700_000_100n, closeCommand: 0 });
  assert.equal(await exists(k, 0n), true, 'streams still write in chunk 0 until their rotation position');
  await k.packet(kh, Buffer.alloc(16, 3)); // packet 1: still chunk 0, and the position (2) is reached
  assert.equal(await exists(k, 0n), true, 'the user-space stream still writes there');
  await u.packet(uh, Buffer.alloc(16, 4));
  assert.equal(await exists(u, 0n), false, 'archived once both streams moved on');
  await k.packet(kh, Buffer.alloc(16, 5));
  await u.packet(uh, Buffer.alloc(16, 6));
  for (const [p, h] of [[k, kh], [u, uh]] as const) await p.ctl.request({ cmd: 'ROTATE_STREAMS', newChunkId: undefined, layout: 'pad7', positions: [{ streamId: h, rotateAtSeqNum: 3n }] });
  for (const p of [k, u]) {
    const c = await p.ctl.request({ cmd: 'CLOSE_TRACE_CHUNK', chunkId: 1n, closeTimestamp: 1_700_000_200n, closeCommand: 0 });
    assert.deepEqual(c, { reply: 'CLOSE_TRACE_CHUNK', retCode: LttngErr.OK, path: 'h/both-20231114-221320/archives/20231114T221500+0000-20231114T221640+0000-1' });
  }
  assert.equal(await exists(k, 1n), false);
  k.close();
  u.close();
  await r.relay.stop();
  const s = 'h/both-20231114-221320/archives/';
  assert.deepEqual([...tree(out).keys()].sort(), [
    `${s}20231114T221320+0000-20231114T221500+0000-0/kernel/chan_0`, `${s}20231114T221320+0000-20231114T221500+0000-0/kernel/index/chan_0.idx`,
    `${s}20231114T221320+0000-20231114T221500+0000-0/ust/uid/0/64-bit/chan_0`, `${s}20231114T221320+0000-20231114T221500+0000-0/ust/uid/0/64-bit/index/chan_0.idx`,
    `${s}20231114T221500+0000-20231114T221640+0000-1/kernel/chan_0`, `${s}20231114T221500+0000-20231114T221640+0000-1/kernel/index/chan_0.idx`,
    `${s}20231114T221500+0000-20231114T221640+0000-1/ust/uid/0/64-bit/chan_0`, `${s}20231114T221500+0000-20231114T221640+0000-1/ust/uid/0/64-bit/index/chan_0.idx`,
  ]);
  assert.deepEqual(fs.readFileSync(path.join(out, `${s}20231114T221320+0000-20231114T221500+0000-0/kernel/chan_0`)), Buffer.concat([Buffer.alloc(16, 1), Buffer.alloc(16, 3)]));
  assert.deepEqual(fs.readFileSync(path.join(out, `${s}20231114T221500+0000-20231114T221640+0000-1/ust/uid/0/64-bit/chan_0`)), Buffer.alloc(16, 6));
});
