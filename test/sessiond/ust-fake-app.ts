// A scripted traced app for the daemon tests: speaks src/ust/protocol.ts on
// the control socket itself and writes events with the real shared-memory ring
// buffer (src/ringbuffer), so that the daemon side is tested without the
// `ttng/ust` API. Events: `fake:tick { uint32 n; uint32 thread; }` (INFO),
// `fake:note { string s; }` (DEBUG), `fake:alarm { int64 v; }` (WARNING).
//
//   node --import tsx ust-fake-app.ts [--count N] [--interval-ms MS] [--workers W] [--linger-ms MS] [--batch B] [--wait-enabled]
//
// stdout, one JSON object a line: {"ready":thread} once registered, then
// {"progress":thread,"n":emitted,"enabled":bool} every 20 ms, and at the end
// {"done":thread,"emitted":E,"discarded":D,"notes":K,"configs":C}. `emitted`
// counts the events emitted while a session recorded `fake:tick`.
import * as net from 'node:net';
import * as path from 'node:path';
import { Worker, isMainThread, threadId, workerData } from 'node:worker_threads';
import { RingBufferProducer, shmName } from '../../src/ringbuffer/index.js';
import { gettid } from '../../src/ringbuffer/shm.js';
import type { UstAppConfig, UstEventDecl, UstPush } from '../../src/ust/protocol.js';

interface Opts {
  count: number;
  intervalMs: number;
  workers: number;
  lingerMs: number;
  batch: number;
  /** wait (up to 10 s) until a session enables fake:tick before emitting */
  waitEnabled: boolean;
}

function parse(argv: string[]): Opts {
  const o: Opts = { count: 1000, intervalMs: 1, workers: 0, lingerMs: 0, batch: 1, waitEnabled: false };
  for (let i = 0; i < argv.length; i += 2) {
    if (argv[i] === '--wait-enabled') {
      o.waitEnabled = true;
      i--;
      continue;
    }
    const v = Number(argv[i + 1]);
    if (argv[i] === '--count') o.count = v;
    else if (argv[i] === '--interval-ms') o.intervalMs = v;
    else if (argv[i] === '--workers') o.workers = v;
    else if (argv[i] === '--linger-ms') o.lingerMs = v;
    else if (argv[i] === '--batch') o.batch = v;
  }
  return o;
}

const EVENTS: UstEventDecl[] = [
  {
    name: 'fake:tick',
    loglevel: 6,
    fields: [
      { name: 'n', type: { type: 'integer', size: 32, signed: false, base: 10 } },
      { name: 'thread', type: { type: 'integer', size: 32, signed: false, base: 10 } },
    ],
  },
  { name: 'fake:note', loglevel: 14, fields: [{ name: 's', type: { type: 'string' } }] },
  { name: 'fake:alarm', loglevel: 4, fields: [{ name: 'v', type: { type: 'integer', size: 64, signed: true, base: 10 } }] },
];

function out(o: Record<string, unknown>): void {
  process.stdout.write(JSON.stringify(o) + '\n');
}

async function runThread(o: Opts, thread: number): Promise<void> {
  const home = process.env['TTNG_HOME']!;
  const sock = net.createConnection({ path: path.join(home, '.ttng', 'sessiond.sock') });
  sock.setEncoding('utf8');
  const tid = gettid();
  const buffers = new Map<number, RingBufferProducer>();
  type Target = { p: RingBufferProducer; id: number; ctx: number; writeCtx: (p: RingBufferProducer, at: number) => number };
  let targets = new Map<string, Target[]>();
  const ctxOf = new Map<number, string[]>();
  let appKey = 0;
  let nextId = 1;
  let configs = 0;
  const send = (method: string, params: Record<string, unknown>): void => {
    sock.write(JSON.stringify({ id: nextId++, method, params }) + '\n');
  };
  const apply = (c: UstAppConfig): void => {
    configs++;
    const keep = new Set(c.channels.map((ch) => ch.chanKey));
    for (const [k, p] of buffers) {
      if (!keep.has(k)) {
        p.release();
        buffers.delete(k);
      }
    }
    for (const ch of c.channels) {
      if (buffers.has(ch.chanKey)) continue;
      const name = shmName(process.pid, tid, ch.chanKey);
      try {
        const p = RingBufferProducer.create(
          name,
          {
            subbufSize: ch.subbufSize, numSubbuf: ch.numSubbuf, overwrite: ch.overwrite, uuid: Buffer.from(ch.uuid, 'hex'),
            streamId: ch.streamClassId, streamInstanceId: ch.streamInstanceId, cpuId: ch.streamInstanceId, chanKey: ch.chanKey,
          },
          process.pid,
          tid,
        );
        buffers.set(ch.chanKey, p);
        send('ust.channelReady', { appKey, chanKey: ch.chanKey, shmName: name });
      } catch (e) {
        send('ust.channelReady', { appKey, chanKey: ch.chanKey, error: (e as Error).message });
      }
    }
    for (const ch of c.channels) ctxOf.set(ch.chanKey, ch.contexts);
    const t = new Map<string, Target[]>();
    for (const e of c.events) {
      const l = e.targets.filter((x) => buffers.has(x.chanKey)).map((x) => {
        // only the 4-byte contexts the tests add
        const ctx = ctxOf.get(x.chanKey) ?? [];
        const vals = ctx.map((n) => (n === 'vpid' ? process.pid : n === 'vtid' ? tid : 0));
        const writeCtx = (p: RingBufferProducer, at: number): number => {
          for (const v of vals) {
            p.dv.setInt32(at, v, true);
            at += 4;
          }
          return at;
        };
        return { p: buffers.get(x.chanKey)!, id: x.id, ctx: 4 * ctx.length, writeCtx };
      });
      if (l.length) t.set(e.name, l);
    }
    targets = t;
  };
  let buf = '';
  sock.on('data', (d: string) => {
    buf += d;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      const m = JSON.parse(line) as { id?: number; result?: { appKey?: number }; push?: string } & Partial<UstPush>;
      if (m.id === 1 && m.result?.appKey !== undefined) {
        appKey = m.result.appKey;
        out({ ready: thread });
      } else if (m.push === 'ust.config') apply((m as { config: UstAppConfig }).config);
      else if (m.push === 'ust.flush') {
        const f = m as { chanKeys: number[]; token: number };
        for (const k of f.chanKeys) buffers.get(k)?.flush();
        send('ust.flushed', { appKey, chanKeys: f.chanKeys, token: f.token });
      }
    }
  });
  // a dead daemon: carry on untraced, as the real tracer does
  sock.on('error', () => undefined);
  sock.on('close', () => {
    targets = new Map();
  });
  await new Promise<void>((r) => sock.once('connect', () => r()));
  send('ust.register', {
    pid: process.pid, ppid: process.ppid, tid, uid: process.getuid!(), gid: process.getgid!(), procname: 'fake-app',
    threadId: thread, events: EVENTS, version: 'test',
  });
  let n = 0;
  let emitted = 0;
  let discarded = 0;
  let notes = 0;
  const emitTick = (): void => {
    const l = targets.get('fake:tick');
    if (!l) return;
    emitted++;
    for (const t of l) {
      t.p.clock();
      const at0 = t.p.reserve(t.id, t.ctx + 8);
      if (at0 < 0) {
        discarded++;
        continue;
      }
      const at = t.writeCtx(t.p, at0);
      t.p.dv.setUint32(at, n, true);
      t.p.dv.setUint32(at + 4, thread, true);
      t.p.commit(at + 8);
    }
  };
  const emitNote = (): void => {
    const l = targets.get('fake:note');
    if (!l) return;
    notes++;
    for (const t of l) {
      const s = Buffer.from(`note ${n}`);
      t.p.clock();
      const at0 = t.p.reserve(t.id, t.ctx + s.length + 1);
      if (at0 < 0) {
        discarded++;
        continue;
      }
      const at = t.writeCtx(t.p, at0);
      t.p.u8.set(s, at);
      t.p.u8[at + s.length] = 0;
      t.p.commit(at + s.length + 1);
    }
  };
  for (const t0 = Date.now(); o.waitEnabled && !targets.has('fake:tick') && Date.now() - t0 < 10_000; ) await new Promise((r) => setTimeout(r, 5));
  const progress = setInterval(() => out({ progress: thread, n: emitted, enabled: targets.has('fake:tick') }), 20);
  await new Promise<void>((resolve) => {
    const step = (): void => {
      for (let b = 0; b < o.batch && n < o.count; b++) {
        emitTick();
        if (n % 10 === 0) emitNote();
        n++;
      }
      if (n >= o.count) resolve();
      else setTimeout(step, o.intervalMs);
    };
    step();
  });
  clearInterval(progress);
  await new Promise((r) => setTimeout(r, o.lingerMs));
  for (const p of buffers.values()) p.release();
  out({ done: thread, emitted, discarded, notes, configs });
  sock.end();
}

if (isMainThread) {
  const o = parse(process.argv.slice(2));
  const workers: Promise<void>[] = [];
  for (let i = 0; i < o.workers; i++) {
    const w = new Worker(new URL('./ust-fake-worker.mjs', import.meta.url), { workerData: o, stdout: false });
    workers.push(new Promise((r) => w.on('exit', () => r())));
  }
  await runThread(o, 0);
  await Promise.all(workers);
} else {
  await runThread(workerData as Opts, threadId);
}
