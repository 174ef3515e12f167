// Seeded, bounded fuzzing of the ttng-relayd binary on its three ports: random bytes,
// windows of real frames (the captures) mutated, and crafted frames whose names try
// to climb out of the output directory. Afterwards the relay is still up, serves a good
// producer and a good viewer, and nothing was written outside its output directory.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { after, test } from 'node:test';
import {
  IndexStatus, LiveCommandDecoder, RelayCommandDecoder, RelayDataPacketDecoder, Seek, encodeRelayCommand, encodeRelayDataPacket, type RelayCommand,
} from '../../src/wire/index.js';
import { prng, randInt, tempDir } from '../helpers.js';
import { LIVE_VIEWER, SESSIOND_RELAYD, conversations } from '../wire/captures.js';
import { LiveClient } from './client.js';
import { startTtngRelayd, tree } from './lttng.js';
import { Producer } from './peer.js';

const SEED = Number(process.env['RELAYD_FUZZ_SEED'] ?? 20251204);
const ITERATIONS = Number(process.env['RELAYD_FUZZ_N'] ?? 240);
/** connections in flight at once */
const PARALLEL = 4;

const tmp = tempDir('ttng-relayd-fuzz-');
after(() => tmp.remove());
const TOKEN = `ttngfuzzescape${SEED}`;

type Rnd = () => number;

/** the frames of a flow, cut where the decoder cut them */
function frames(bytes: Buffer, offsets: { offset: number; size: number }[]): Buffer[] {
  return offsets.map((f) => bytes.subarray(f.offset, f.offset + f.size));
}

const sessiond = conversations(SESSIOND_RELAYD);
const ctlFlow = sessiond.find((c) => c.server.port === 5342)!.toServer.bytes;
const dataFlow = sessiond.find((c) => c.server.port === 5343)!.toServer.bytes;
const CONTROL = frames(ctlFlow, new RelayCommandDecoder().drain(ctlFlow));
const DATA = new RelayDataPacketDecoder().drain(dataFlow).map((p) => encodeRelayDataPacket(p.header, p.payload));
const LIVE = conversations(LIVE_VIEWER).flatMap((c) => frames(c.toServer.bytes, new LiveCommandDecoder().drain(c.toServer.bytes)));

/** commands that name paths out of the output directory, each component carrying TOKEN */
function evil(rnd: Rnd): Buffer {
  const up = '../'.repeat(1 + randInt(rnd, 8));
  const pick = <T>(xs: T[]): T => xs[randInt(rnd, xs.length)]!;
  const name = pick([`${up}${TOKEN}`, `${TOKEN}/${up}${TOKEN}`, '..', `.${TOKEN}`, `/tmp/${TOKEN}`]);
  const cmds: RelayCommand[] = [
    { cmd: 'VERSION', major: 2, minor: 13 },
    {
      cmd: 'CREATE_SESSION', sessionName: pick([name, `s${TOKEN}`]), hostname: pick([name.slice(0, 60), `h${TOKEN}`]), liveTimer: 1000, snapshot: false,
      basePath: pick(['', `${up}${TOKEN}`, `a/${up}${TOKEN}`, `${TOKEN}`]), nameContainsCreationTime: false, sessiondUuid: new Uint8Array(16).fill(1), sessionId: 1n, creationTime: 0n,
    },
    { cmd: 'CREATE_TRACE_CHUNK', chunkId: 0n, creationTimestamp: 0n, overrideName: pick([undefined, `${up}${TOKEN}`, TOKEN]) },
    { cmd: 'ADD_STREAM', channelName: pick([`${up}${TOKEN}`, 'metadata', `c${TOKEN}`]), pathname: pick([`${up}${TOKEN}`, `${TOKEN}/${up}${up}${TOKEN}`, `k${TOKEN}`]), tracefileSize: 0n, tracefileCount: 0n, traceChunkId: 0n },
    { cmd: 'SEND_METADATA', streamId: BigInt(1 + randInt(rnd, 50)), paddingSize: randInt(rnd, 100), data: Buffer.from('x') },
  ];
  return Buffer.concat(cmds.map((c) => encodeRelayCommand(c)));
}

function mutate(rnd: Rnd, b: Buffer): Buffer {
  let out = Buffer.from(b);
  for (let m = 1 + randInt(rnd, 4); m > 0; m--) {
    const at = out.length ? randInt(rnd, out.length) : 0;
    switch (randInt(rnd, 6)) {
      case 0:
        if (out.length) out[at] = out[at]! ^ (1 << randInt(rnd, 8));
        break;
      case 1:
        if (out.length) out[at] = randInt(rnd, 256);
        break;
      case 2:
        out = Buffer.concat([out.subarray(0, at), Buffer.from(Array.from({ length: randInt(rnd, 40) }, () => randInt(rnd, 256))), out.subarray(at)]);
        break;
      case 3:
        out = Buffer.concat([out.subarray(0, at), out.subarray(Math.min(out.length, at + randInt(rnd, 64)))]);
        break;
      case 4: // an extreme u32/u64 where a size or an id may sit
        if (out.length >= at + 8) out.writeBigUInt64BE(randInt(rnd, 2) ? 0xffff_ffff_ffff_ffffn : BigInt(randInt(rnd, 1 << 30)), at);
        break;
      default:
        out = out.subarray(0, at);
    }
  }
  return out;
}

function window(rnd: Rnd, corpus: Buffer[], head: Buffer[] = []): Buffer {
  const from = randInt(rnd, corpus.length);
  return Buffer.concat([...head, ...corpus.slice(from, from + 1 + randInt(rnd, 8))]);
}

/** what one connection sends, and to which port */
function input(rnd: Rnd, ports: { control: number; data: number; live: number }): { port: number; bytes: Buffer } {
  const kind = randInt(rnd, 3);
  const noise = Buffer.from(Array.from({ length: randInt(rnd, 600) }, () => randInt(rnd, 256)));
  const how = randInt(rnd, 4);
  if (kind === 0) {
    // a session with streams (the capture's head, up to STREAMS_SENT), then mutated frames
    const head = how === 3 ? CONTROL.slice(0, 8) : randInt(rnd, 2) ? [CONTROL[0]!] : [];
    const tail = mutate(rnd, window(rnd, CONTROL.slice(8)));
    const bytes = how === 0 ? noise : how === 1 ? evil(rnd) : Buffer.concat([...head, tail]);
    return { port: ports.control, bytes };
  }
  if (kind === 1) {
    const w = Buffer.from(window(rnd, DATA));
    // aimed at streams other connections may have opened meanwhile
    if (how === 3) w.writeBigUInt64BE(BigInt(1 + randInt(rnd, 60)), 8);
    return { port: ports.data, bytes: how === 0 ? noise : how === 3 ? w : mutate(rnd, w) };
  }
  return { port: ports.live, bytes: how === 0 ? noise : mutate(rnd, window(rnd, LIVE, [LIVE[0]!])) };
}

/** sends `bytes` in random pieces, then lets the relay answer or close for a moment */
function poke(rnd: Rnd, port: number, bytes: Buffer): Promise<void> {
  const cuts: Buffer[] = [];
  for (let at = 0; at < bytes.length; ) {
    const n = 1 + randInt(rnd, 512);
    cuts.push(bytes.subarray(at, at + n));
    at += n;
  }
  return new Promise((resolve) => {
    const s = net.createConnection({ host: '127.0.0.1', port });
    const done = (): void => {
      clearTimeout(t);
      s.destroy();
      resolve();
    };
    const t = setTimeout(done, 150);
    s.on('error', done);
    s.on('close', done);
    s.on('data', () => undefined);
    s.on('connect', () => {
      for (const c of cuts) s.write(c);
      if (randInt(rnd, 2)) s.end();
    });
  });
}

test(`fuzz: ${ITERATIONS} random and mutated connections on the three ports (seed ${SEED}); the relay stays up and writes nothing outside -o`, { timeout: 180_000 }, async () => {
  const parent = path.join(tmp.dir, 'parent');
  const out = path.join(parent, 'out');
  fs.mkdirSync(parent);
  const relay = await startTtngRelayd(out);
  try {
    const ports = { control: relay.control, data: relay.data, live: relay.live };
    const rnd = prng(SEED);
    for (let i = 0; i < ITERATIONS; i += PARALLEL) {
      const batch = [];
      for (let k = 0; k < PARALLEL; k++) {
        const r = prng(randInt(rnd, 2 ** 31));
        const { port, bytes } = input(r, ports);
        batch.push(poke(r, port, bytes));
      }
      await Promise.all(batch);
      assert.equal(relay.child.exitCode, null, `the relay exited during iteration ${i}: ${relay.log().slice(-2000)}`);
    }

    // a good producer and a good viewer are served afterwards
    const p = await Producer.open(relay);
    const sid = await p.start({ name: 'after-fuzz', hostname: 'good' });
    const h = (await p.addStream('c_0', 'kernel')).handle;
    const m = (await p.addStream('metadata', 'kernel')).handle;
    await p.streamsSent();
    await p.metadata(m, '/* CTF 1.8 */');
    assert.equal(await p.packet(h, Buffer.alloc(128, 1)), 10);
    const v = await LiveClient.open(relay.live);
    await v.ask({ cmd: 'CREATE_SESSION' });
    const listed = (await v.ask({ cmd: 'LIST_SESSIONS' })).sessions.find((s) => s.sessionName === 'after-fuzz');
    assert.ok(listed && listed.id === sid);
    assert.equal((await v.ask({ cmd: 'ATTACH_SESSION', sessionId: sid, offset: 0n, seek: Seek.BEGINNING })).streams.length, 2);
    assert.equal((await v.ask({ cmd: 'GET_NEXT_INDEX', streamId: h })).status, IndexStatus.OK);
    v.close();
    p.close();
    assert.equal(relay.child.exitCode, null);
    assert.match(relay.log(), /closed: /, 'malformed input was logged');
    assert.doesNotMatch(relay.log(), /internal error|while closing/, 'only protocol errors, no bug');
  } finally {
    await relay.stop();
  }
  // nothing beside the output directory, nor in any directory above it
  assert.deepEqual(fs.readdirSync(parent), ['out']);
  for (let d = parent; d !== path.dirname(d); d = path.dirname(d)) {
    assert.deepEqual(fs.readdirSync(d).filter((e) => e.includes(TOKEN)), [], `in ${d}`);
  }
  for (const f of tree(out).keys()) assert.ok(!f.split('/').some((c) => c === '..'), f);
});
