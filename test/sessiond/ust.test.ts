// The user-space domain of the session daemon, end to end: a real daemon, real
// sockets, apps speaking src/ust/protocol.ts (ust-fake-app.ts, which writes
// with the real shared-memory ring buffer), and babeltrace2 reading the trace.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { before, describe, test } from 'node:test';
import { NO_BABELTRACE2, REPO, babeltrace2, ensureBuilt, needs } from '../helpers.js';
import { JsonLinesChild, home, pidAlive, sleep, until } from './harness.js';
import type { TestHome } from './harness.js';

const FAKE_APP = path.join(REPO, 'test', 'sessiond', 'ust-fake-app.ts');
/** the same scenarios with the public `ttng/ust` API (from dist/) */
const API_APP = path.join(REPO, 'test', 'sessiond', 'ust-api-app.mjs');

before(() => ensureBuilt());

interface AppLine {
  ready?: number;
  progress?: number;
  n?: number;
  enabled?: boolean;
  done?: number;
  emitted?: number;
  discarded?: number;
  notes?: number;
}

class App extends JsonLinesChild<AppLine> {
  constructor(h: TestHome, args: string[], api = false) {
    super(h, api ? [API_APP, ...args] : ['--import', 'tsx', FAKE_APP, ...args]);
  }
  ready(threads: number): Promise<void> {
    return until(() => this.lines.filter((l) => l.ready !== undefined).length >= threads, 'the app threads to register', 20_000);
  }
  async done(): Promise<AppLine[]> {
    const r = await this.exited;
    assert.equal(r.code, 0, `app exit ${r.code} ${r.signal}\n${this.stderr}`);
    assert.equal(this.stderr, '');
    return this.lines.filter((l) => l.done !== undefined);
  }
}

function traceDir(out: string): string {
  const m = /Traces will be output to (.*)/.exec(out);
  assert.ok(m, out);
  return m![1]!;
}

/** babeltrace2's text of a trace, checked to be clean */
async function bt(dir: string): Promise<string[]> {
  const r = await babeltrace2([dir]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.split('\n').filter((l) => l !== '');
}

function ticks(lines: string[]): { n: number; thread: number }[] {
  const out: { n: number; thread: number }[] = [];
  for (const l of lines) {
    const m = /fake:tick: .*\{ n = (\d+), thread = (\d+) \}$/.exec(l) ?? /api:tick: .*\{ n = (\d+) \}$/.exec(l);
    if (m) out.push({ n: Number(m[1]), thread: Number(m[2] ?? 0) });
  }
  return out;
}

describe('user-space tracing through the session daemon', { skip: needs(NO_BABELTRACE2) }, () => {
  test('main thread + 2 workers: every event recorded with its values, emitted = recorded + reported discarded', async (t) => {
    const h = home(t);
    const dir = traceDir(await h.ok(['create', 's']));
    // small buffers and bursts: some events are discarded, and must be accounted for
    await h.ok(['enable-channel', '-u', '--subbuf-size=4096', '--num-subbuf=2', 'small']);
    await h.ok(['enable-event', '-u', '-c', 'small', 'fake:*']);
    await h.ok(['add-context', '-u', '-t', 'vtid', '-t', 'vpid']);
    await h.ok(['start']);
    const app = new App(h, ['--count', '6000', '--workers', '2', '--batch', '600', '--interval-ms', '1', '--wait-enabled']);
    const done = await app.done();
    const stop = await h.ttng(['stop']);
    assert.equal(stop.code, 0, stop.stderr);
    const lines = await bt(dir);
    assert.equal(done.length, 3);
    const emitted = done.reduce((a, d) => a + d.emitted! + d.notes!, 0);
    const appDiscarded = done.reduce((a, d) => a + d.discarded!, 0);
    const recorded = lines.length;
    const list = await h.ok(['list', 's']);
    const reported = Number(/Discarded events: (\d+)/.exec(list)![1]);
    assert.ok(appDiscarded > 0, 'the bursts overflow the small buffers');
    assert.equal(reported, appDiscarded);
    assert.equal(emitted, recorded + reported);
    assert.match(stop.stdout, new RegExp(`Warning: ${reported} events were discarded, please refer to the documentation on channel configuration\\.`));
    // values: per thread, the tick numbers only increase; vtid is the thread's stream
    const byThread = new Map<number, number[]>();
    for (const x of ticks(lines)) {
      const l = byThread.get(x.thread) ?? [];
      l.push(x.n);
      byThread.set(x.thread, l);
    }
    assert.equal(byThread.size, 3);
    for (const ns of byThread.values()) for (let i = 1; i < ns.length; i++) assert.ok(ns[i]! > ns[i - 1]!);
    const pid = app.child.pid!;
    assert.ok(lines.every((l) => l.includes(`{ vtid = `) && l.includes(`vpid = ${pid} }`)), lines[0]);
    const notes = lines.filter((l) => /fake:note: .*\{ s = "note \d+" \}$/.test(l));
    assert.equal(notes.length + ticks(lines).length, recorded);
    // the layout LTTng-UST uses, one stream per thread
    const ustDir = path.join(dir, 'ust', 'uid', String(process.getuid!()), '64-bit');
    assert.deepEqual(fs.readdirSync(ustDir).sort(), ['index', 'metadata', 'small_0', 'small_1', 'small_2']);
    assert.deepEqual(fs.readdirSync(path.join(ustDir, 'index')).sort(), ['small_0.idx', 'small_1.idx', 'small_2.idx']);
    const md = fs.readFileSync(path.join(ustDir, 'metadata'), 'utf8');
    assert.match(md, /domain = "ust";/);
    assert.match(md, /tracer_name = "lttng-ust";/);
    assert.match(md, /tracer_buffering_scheme = "uid";/);
    // the app's buffers are gone from /dev/shm once read
    assert.deepEqual(fs.readdirSync('/dev/shm').filter((f) => f.startsWith(`ttng-ust-${pid}-`)), []);
  });

  for (const api of [false, true]) {
    const kind = api ? 'a ttng/ust app' : 'a scripted app';
    const ev = api ? 'api:tick' : 'fake:tick';
    const procname = api ? 'node' : 'fake-app';
    const args = (count: number, interval: number, batch: number, linger = 0): string[] =>
      api ? [count, interval, batch, linger].map(String) : ['--count', String(count), '--interval-ms', String(interval), '--batch', String(batch), '--linger-ms', String(linger)];

    test(`${kind}: apps registered before and after start are traced; per-PID buffers lay out ust/pid/<procname>-<pid>-<datetime>`, async (t) => {
      const h = home(t);
      const dir = traceDir(await h.ok(['create', 's']));
      await h.ok(['enable-channel', '-u', '--buffers-pid', 'chp']);
      await h.ok(['enable-event', '-u', '-c', 'chp', ev]);
      const early = new App(h, args(400, 2, 1), api);
      await until(() => early.lines.length > 0, 'the app to start', 20_000);
      const deadline = Date.now() + 20_000;
      let listed = '';
      while (!(listed = await h.ok(['list', '-u'])).includes(`PID: ${early.child.pid} - Name: ${procname}\n`)) {
        assert.ok(Date.now() < deadline, `pid ${early.child.pid} never listed:\n${listed}`);
        await sleep(50);
      }
      if (!api) {
        assert.match(listed, new RegExp(`PID: ${early.child.pid} - Name: fake-app\n      fake:alarm \\(loglevel: TRACE_WARNING \\(4\\)\\) \\(type: tracepoint\\)\n      fake:note \\(loglevel: TRACE_DEBUG \\(14\\)\\) \\(type: tracepoint\\)\n      fake:tick \\(loglevel: TRACE_INFO \\(6\\)\\) \\(type: tracepoint\\)\n`));
      } else assert.match(listed, /\n {6}api:tick \(loglevel: TRACE_INFO \(6\)\) \(type: tracepoint\)\n/);
      await h.ok(['start']);
      const late = new App(h, args(300, 1, 1), api);
      const [e] = await early.done();
      const [l] = await late.done();
      await h.ok(['stop']);
      assert.ok(e!.emitted! > 0 && l!.emitted! > 0);
      const pids = fs.readdirSync(path.join(dir, 'ust', 'pid')).sort();
      assert.equal(pids.length, 2);
      for (const [app, line] of [[early, e!], [late, l!]] as const) {
        const d = pids.find((p) => p.startsWith(`${procname}-${app.child.pid}-`));
        assert.ok(d && new RegExp(`^${procname}-\\d+-\\d{8}-\\d{6}$`).test(d), pids.join(' '));
        const full = path.join(dir, 'ust', 'pid', d!);
        assert.deepEqual(fs.readdirSync(full).sort(), ['chp_0', 'index', 'metadata']);
        const md = fs.readFileSync(path.join(full, 'metadata'), 'utf8');
        assert.match(md, /tracer_buffering_scheme = "pid";/);
        assert.match(md, new RegExp(`vpid = ${app.child.pid};`));
        assert.match(md, new RegExp(`procname = "${procname}";`));
        const lines = await bt(full);
        // only the tick is enabled
        assert.equal(ticks(lines).length, line.emitted, `pid ${app.child.pid}`);
        assert.equal(lines.length, line.emitted);
      }
    });

    test(`${kind} killed with SIGKILL: every event it reported before the kill is in the trace`, async (t) => {
      const h = home(t);
      const dir = traceDir(await h.ok(['create', 's']));
      await h.ok(['enable-event', '-u', ev]);
      await h.ok(['start']);
      const app = new App(h, args(1_000_000, 1, 5), api);
      await until(() => app.lines.some((l) => (l.n ?? 0) > 2000), 'the app to emit', 20_000);
      await sleep(300);
      // a progress line comes after its events are in the shared buffer
      const mustHave = Math.max(...app.lines.filter((l) => l.progress !== undefined).map((l) => l.n!));
      app.child.kill('SIGKILL');
      await app.exited;
      // the daemon reads the dead app's buffer when its connection closes, not at stop
      await sleep(300);
      await h.ok(['stop']);
      const ts = ticks(await bt(dir));
      assert.ok(ts.length >= mustHave, `${ts.length} events recorded, ${mustHave} reported emitted before the kill`);
      for (let i = 1; i < ts.length; i++) assert.equal(ts[i]!.n, ts[i - 1]!.n + 1, 'no event lost or duplicated');
      assert.deepEqual(fs.readdirSync('/dev/shm').filter((f) => f.startsWith(`ttng-ust-${app.child.pid}-`)), []);
    });
  }

  test('rules take effect in running apps: enable, disable, loglevel, exclusions', async (t) => {
    const h = home(t);
    const dir = traceDir(await h.ok(['create', 's']));
    await h.ok(['enable-event', '-u', 'nothing:yet']);
    await h.ok(['start']);
    const app = new App(h, ['--count', '100000', '--interval-ms', '1', '--batch', '2']);
    await app.ready(1);
    await sleep(150);
    const enabledAt = () => app.lines.filter((l) => l.progress !== undefined && l.enabled).length;
    assert.equal(enabledAt(), 0);
    // INFO and worse (fake:tick, fake:alarm), fake:note (DEBUG) excluded twice over
    const r = await h.ttng(['enable-event', '-u', 'fake:*', '-x', 'fake:note', '--loglevel', 'INFO']);
    assert.equal(r.stdout, 'ust event fake:* excluding "fake:note" created in channel channel0\n');
    await until(() => app.lines.some((l) => l.enabled), 'fake:tick to be enabled in the app');
    await sleep(200);
    await h.ok(['disable-event', '-u', 'fake:*']);
    await until(() => app.lines.slice(-1)[0]!.enabled === false, 'fake:tick to be disabled in the app');
    app.child.kill('SIGTERM');
    await app.exited;
    await h.ok(['stop']);
    const lines = await bt(dir);
    assert.ok(ticks(lines).length > 0);
    assert.ok(lines.every((l) => l.includes('fake:tick')), 'notes excluded, alarm never emitted');
    const list = await h.ok(['list', 's']);
    assert.match(list, /\n {6}fake:\* \(loglevel <= TRACE_INFO \(6\)\) \(type: tracepoint\) \[disabled\] \[exclusions: fake:note\]\n {6}nothing:yet \(type: tracepoint\) \[enabled\]\n/);
  });

  test('stop and start again, destroy and a new session: one running app, every enabled event recorded once', async (t) => {
    const h = home(t);
    const dir1 = traceDir(await h.ok(['create', 's1']));
    await h.ok(['enable-event', '-u', 'fake:tick']);
    const app = new App(h, ['--count', '1000000', '--interval-ms', '1', '--batch', '3']);
    await app.ready(1);
    const windows: [number, number][] = [];
    const enabledWindow = async (): Promise<void> => {
      await h.ok(['start']);
      await until(() => app.lines.slice(-1)[0]!.enabled === true, 'the app enabled');
      const from = app.lines.slice(-1)[0]!.n!;
      await sleep(300);
      await h.ok(['stop']);
      await until(() => app.lines.slice(-1)[0]!.enabled === false, 'the app disabled');
      windows.push([from, app.lines.slice(-1)[0]!.n!]);
    };
    await enabledWindow();
    await enabledWindow();
    const n1 = ticks(await bt(dir1)).length;
    // progress lines are sampled: the counts of the two windows bracket what was recorded
    assert.ok(n1 >= windows[0]![1] - windows[0]![0] + windows[1]![1] - windows[1]![0] - 40, `${n1} recorded in s1, windows ${JSON.stringify(windows)}`);
    assert.ok(n1 <= app.lines.slice(-1)[0]!.n!);
    await h.ok(['destroy', 's1']);
    const dir2 = traceDir(await h.ok(['create', 's2']));
    await h.ok(['enable-event', '-u', 'fake:*']);
    const before = app.lines.slice(-1)[0]!.n!;
    await enabledWindow();
    app.child.kill('SIGTERM');
    await app.exited;
    const lines = await bt(dir2);
    const ts = ticks(lines);
    assert.ok(ts.length > 0 && lines.some((l) => l.includes('fake:note')));
    // the second session saw only what came after it started
    assert.ok(app.lines.slice(-1)[0]!.n! - before >= ts.length);
    for (let i = 1; i < ts.length; i++) assert.equal(ts[i]!.n, ts[i - 1]!.n + 1);
  });

  test('a misbehaving app: bad lines and declarations are refused or ignored, a foreign buffer name is not mapped, the daemon carries on', async (t) => {
    const h = home(t);
    await h.ok(['create', 's']);
    await h.ok(['enable-event', '-u', '-a']);
    await h.ok(['start']);
    const sock = net.createConnection({ path: h.socket });
    sock.setEncoding('utf8');
    const replies: Record<string, unknown>[] = [];
    let buf = '';
    sock.on('data', (d: string) => {
      buf += d;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        replies.push(JSON.parse(buf.slice(0, nl)) as Record<string, unknown>);
        buf = buf.slice(nl + 1);
      }
    });
    await new Promise((r) => sock.once('connect', r));
    const send = (o: unknown): boolean => sock.write((typeof o === 'string' ? o : JSON.stringify(o)) + '\n');
    send('{not json');
    send({ id: 2, method: 'ust.declare', params: { appKey: 1, events: [] } });
    const good = { name: 'bad:good', loglevel: 6, fields: [{ name: 'x', type: { type: 'integer', size: 32, signed: false, base: 10 } }] };
    send({
      id: 3,
      method: 'ust.register',
      params: {
        pid: process.pid, ppid: 1, tid: process.pid, uid: process.getuid!(), gid: 0, procname: 'bad/app', threadId: 0, version: 'x',
        events: [
          good,
          { name: 'bad:"quote', loglevel: 6, fields: [] },
          { name: 'bad:type', loglevel: 6, fields: [{ name: 'x', type: { type: 'integer', size: 12, signed: false, base: 10 } }] },
          { name: 'bad:field', loglevel: 6, fields: [{ name: 'a b', type: { type: 'string' } }] },
          { name: 'bad:level', loglevel: 99, fields: [] },
        ],
      },
    });
    await until(() => replies.some((r) => r['push'] === 'ust.config'), 'a config push');
    assert.deepEqual(replies[0], { id: 0, error: { code: 'INVALID_PROTOCOL', message: 'Invalid protocol message: not JSON' } });
    assert.equal((replies[1]!['error'] as { code: string }).code, 'INVALID_PROTOCOL');
    const appKey = (replies[2]!['result'] as { appKey: number }).appKey;
    // another process's identity is refused: the kernel tells the daemon who connected
    const other = net.createConnection({ path: h.socket });
    other.setEncoding('utf8');
    const answer = new Promise<string>((r) => other.once('data', (d: string) => r(d)));
    other.write(JSON.stringify({ id: 1, method: 'ust.register', params: { pid: 1, ppid: 0, tid: 1, uid: process.getuid!(), gid: 0, procname: 'init', threadId: 0, version: 'x', events: [good] } }) + '\n');
    assert.match(await answer, new RegExp(`"code":"INVALID_PROTOCOL","message":"Invalid protocol message: pid 1 uid \\d+ claimed by pid ${process.pid} uid`));
    other.destroy();
    const cfg = replies.find((r) => r['push'] === 'ust.config')!['config'] as { channels: { chanKey: number }[]; events: { name: string }[] };
    assert.deepEqual(cfg.events.map((e) => e.name), ['bad:good']);
    // a name that is not this app's buffer (here: another process's) is refused, not mapped or unlinked
    send({ id: 4, method: 'ust.channelReady', params: { appKey, chanKey: cfg.channels[0]!.chanKey, shmName: '/ttng-ust-1-1-1' } });
    await until(() => replies.some((r) => r['id'] === 4), 'the channelReady reply');
    const listed = await h.ok(['list', '-u']);
    assert.match(listed, new RegExp(`PID: ${process.pid} - Name: bad_app\n {6}bad:good \\(loglevel: TRACE_INFO \\(6\\)\\) \\(type: tracepoint\\)\n\n$`));
    sock.destroy();
    await h.ok(['stop']);
    assert.match(await h.ok(['list', 's']), /Discarded events: 0/);
  });

  test('the daemon killed with -9 while an app traces: the app carries on; the next daemon removes the dead app buffers', async (t) => {
    const h = home(t);
    await h.ok(['create', 's']);
    await h.ok(['enable-event', '-u', '-a']);
    await h.ok(['start']);
    const app = new App(h, ['--count', '3000', '--interval-ms', '1', '--batch', '2']);
    await app.ready(1);
    await until(() => fs.readdirSync('/dev/shm').some((f) => f.startsWith(`ttng-ust-${app.child.pid}-`)), 'the app buffer');
    const pid = h.daemonPid()!;
    process.kill(pid, 'SIGKILL');
    await until(() => !pidAlive(pid), 'the daemon to die');
    const [d] = await app.done();
    assert.ok(d!.emitted! > 0);
    // the app left its buffer for a reader that never came; a new daemon cleans up after dead apps
    // (any daemon: another test file's, starting in parallel, may already have done it)
    const r = await h.sessiond(['-d']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(fs.readdirSync('/dev/shm').filter((f) => f.startsWith(`ttng-ust-${app.child.pid}-`)), []);
  });
});
