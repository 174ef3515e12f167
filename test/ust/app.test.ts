// A real ttng/ust app (test/ust/ust-app.mjs: main thread + workers, public
// API from dist/) traced by a real ttng-sessiond, read back with babeltrace2.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { before, describe, test } from 'node:test';
import { NO_BABELTRACE2, REPO, babeltrace2, ensureBuilt, needs } from '../helpers.js';
import { home, pidAlive, sleep, until } from '../sessiond/harness.js';
import type { TestHome } from '../sessiond/harness.js';

const APP = path.join(REPO, 'test', 'ust', 'ust-app.mjs');

before(() => ensureBuilt());

interface Done {
  done: number;
  ticks: number;
  emitted: number;
  tracefs: number;
  errors: number;
}

function start(h: TestHome | undefined, args: (string | number)[], env?: NodeJS.ProcessEnv) {
  // cwd out of the repository: an abort() may leave a core file there
  const child = spawn(process.execPath, [APP, ...args.map(String)], { cwd: os.tmpdir(), env: env ?? h!.env, stdio: ['pipe', 'pipe', 'pipe'] });
  if (h) h.trackPid(child.pid!);
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<{ code: number | null; signal: string | null }>((r) => child.on('exit', (code, signal) => r({ code, signal })));
  return {
    child,
    go: () => child.stdin.write('go\n'),
    lines: (): Record<string, number>[] => out.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, number>),
    exited,
    get err() {
      return err;
    },
    async done(): Promise<Done[]> {
      const r = await exited;
      assert.equal(r.code, 0, `app: ${r.code} ${r.signal}\n${err}`);
      assert.equal(err, '');
      return this.lines().filter((l) => l['done'] !== undefined) as unknown as Done[];
    },
  };
}

function traceDir(out: string): string {
  const m = /Traces will be output to (.*)/.exec(out);
  assert.ok(m, out);
  return m![1]!;
}

async function registered(h: TestHome, pid: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await h.ttng(['list', '-u'])).stdout.includes(`PID: ${pid}`)) {
    if (Date.now() > deadline) throw new Error(`pid ${pid} never appeared in ttng list -u`);
    await sleep(50);
  }
}

describe('ttng/ust apps traced by ttng-sessiond', { skip: needs(NO_BABELTRACE2) }, () => {
  test('main thread + 2 workers: babeltrace2 prints every event with its values; emitted = recorded + discarded', async (t) => {
    const h = home(t);
    const dir = traceDir(await h.ok(['create', 's']));
    await h.ok(['enable-channel', '-u', '--subbuf-size=4096', '--num-subbuf=2', 'small']);
    await h.ok(['enable-event', '-u', '-c', 'small', 'app:*']);
    await h.ok(['add-context', '-u', '-c', 'small', '-t', 'vpid', '-t', 'vtid', '-t', 'procname']);
    await h.ok(['enable-channel', '-u', 'msgs']);
    await h.ok(['enable-event', '-u', '-c', 'msgs', 'lttng_ust_tracef:event']);
    await h.ok(['start']);
    const app = start(h, [3000, 2, 1, 300]);
    await until(() => app.lines().length > 0, 'the app to start', 20_000);
    const pid = app.lines()[0]!['pid']!;
    await registered(h, pid);
    app.go();
    const done = await app.done();
    assert.equal(done.length, 3);
    const stop = await h.ttng(['stop']);
    assert.equal(stop.code, 0, stop.stderr);
    const r = await babeltrace2([dir]);
    assert.equal(r.code, 0, r.stderr);
    const all = r.stdout.split('\n').filter(Boolean);
    const lines = all.filter((l) => l.includes(' app:tick: '));
    // tracef goes to channel msgs (no contexts there, room enough): one every 10 ticks per thread
    const tf = all.filter((l) => l.includes(' lttng_ust_tracef:event: '));
    assert.equal(tf.length + lines.length, all.length);
    assert.equal(tf.length, done.reduce((a, d) => a + d.tracefs, 0));
    assert.ok(tf.length > 0);
    for (const l of tf) assert.match(l, /\{ cpu_id = \d+ \}, \{ _msg_length = \d+, msg = "thread \d+ at \d*0" \}$/);
    const list = await h.ok(['list', 's']);
    const discarded = [...list.matchAll(/Discarded events: (\d+)/g)].reduce((a, m) => a + Number(m[1]), 0);
    const emitted = done.reduce((a, d) => a + d.emitted, 0);
    assert.ok(done.every((d) => d.emitted > 0 && d.errors === 0));
    assert.equal(lines.length + discarded, emitted, `recorded ${lines.length} + discarded ${discarded} = emitted ${emitted}`);
    const vtids = new Set<string>();
    const lastN = new Map<number, number>();
    for (const l of lines) {
      const m = /app:tick: \{ cpu_id = \d+ \}, \{ vpid = (\d+), vtid = (\d+), procname = "node" \}, \{ n = (\d+), thread = (\d+), label = "t(\d+)-(\d+)", big = (-?\d+), bytes = \[ \[0\] = 0x([0-9A-F]+), \[1\] = 0x([0-9A-F]+), \[2\] = 0xAB \] \}$/.exec(l);
      assert.ok(m, l);
      const [, vpid, vtid, n, thread, lt, ln, big, b0, b1] = m;
      assert.equal(Number(vpid), pid);
      vtids.add(vtid!);
      assert.equal(lt, thread);
      assert.equal(ln, n);
      assert.equal(BigInt(big!), -BigInt(n!) * 1000000007n);
      assert.equal(parseInt(b0!, 16), Number(n) & 255);
      assert.equal(parseInt(b1!, 16), Number(thread));
      const prev = lastN.get(Number(thread)) ?? -1;
      assert.ok(Number(n) > prev, 'per thread, in order');
      lastN.set(Number(thread), Number(n));
    }
    assert.equal(vtids.size, 3, 'one vtid per thread');
    assert.equal(lastN.size, 3);
    const ustDir = path.join(dir, 'ust', 'uid', String(process.getuid!()), '64-bit');
    assert.deepEqual(fs.readdirSync(ustDir).filter((f) => f.startsWith('small_')).sort(), ['small_0', 'small_1', 'small_2']);
    assert.deepEqual(fs.readdirSync(ustDir).filter((f) => f.startsWith('msgs_')).sort(), ['msgs_0', 'msgs_1', 'msgs_2']);
    assert.deepEqual(fs.readdirSync('/dev/shm').filter((f) => f.startsWith(`ttng-ust-${pid}-`)), []);
  });

  test('the daemon killed with -9: the app keeps running, no exception, no hang', async (t) => {
    const h = home(t);
    const dir = traceDir(await h.ok(['create', 's']));
    await h.ok(['enable-event', '-u', '-a']);
    await h.ok(['start']);
    const app = start(h, [400, 1, 2, 10, 'pause']);
    await until(() => app.lines().length > 0, 'the app to start', 20_000);
    const pid = app.lines()[0]!['pid']!;
    await registered(h, pid);
    app.go();
    // the main thread stops half-way: half its ticks go to a live daemon, half after its death
    await until(() => app.lines().some((l) => l['paused'] !== undefined), 'the app to pause half-way', 20_000);
    const daemon = Number(fs.readFileSync(h.pidFile, 'utf8').trim());
    process.kill(daemon, 'SIGKILL');
    await until(() => !pidAlive(daemon), 'the daemon to die');
    app.go();
    // the app ends on its own (exit 0, nothing on stderr), every tick emitted, none failed
    const done = await app.done();
    assert.equal(done.length, 2);
    for (const d of done) assert.deepEqual([d.ticks, d.errors], [400, 0], `thread ${d.done}`);
    // (the worker may end before its events are enabled)
    assert.ok(done.find((d) => d.done === 0)!.emitted > 0, `the main thread traced while the daemon lived: ${JSON.stringify(done)}`);
    void dir;
    // leftovers of a dead daemon's session: the app unlinks its buffers at exit
    assert.deepEqual(fs.readdirSync('/dev/shm').filter((f) => f.startsWith(`ttng-ust-${pid}-`)), []);
  });

  for (const end of ['throw', 'abort'] as const) {
    test(`an app that dies (${end === 'throw' ? 'uncaught exception' : 'abort()'}): every event it emitted is in the trace`, async (t) => {
      const h = home(t);
      const dir = traceDir(await h.ok(['create', 's']));
      await h.ok(['enable-event', '-u', 'app:tick']);
      await h.ok(['start']);
      const app = start(h, [500, 0, 1, 50, end]);
      await until(() => app.lines().length > 0, 'the app to start', 20_000);
      const pid = app.lines()[0]!['pid']!;
      await registered(h, pid);
      app.go();
      const r = await app.exited;
      if (end === 'throw') {
        assert.equal(r.code, 1);
        assert.match(app.err, /Error: the app fails/);
      } else assert.equal(r.signal, 'SIGABRT');
      const done = app.lines().find((l) => l['done'] !== undefined)!;
      // the daemon takes the dead app's buffer when its connection closes
      await sleep(300);
      await h.ok(['stop']);
      const bt = await babeltrace2([dir]);
      assert.equal(bt.code, 0, bt.stderr);
      const ns = bt.stdout.split('\n').filter((l) => l.includes(' app:tick: ')).map((l) => Number(/\{ n = (\d+),/.exec(l)![1]));
      assert.equal(ns.length, done['emitted']);
      for (let i = 1; i < ns.length; i++) assert.equal(ns[i], ns[i - 1]! + 1);
      assert.equal(ns.at(-1), 499);
    });
  }

  test('no daemon: the app runs untraced, exits on its own, and leaves nothing in /dev/shm', async (t) => {
    const h = home(t);
    const app = start(undefined, [200, 1, 1, 20], h.env);
    await until(() => app.lines().length > 0, 'the app to start', 20_000);
    const pid = app.lines()[0]!['pid']!;
    app.go();
    const done = await app.done();
    assert.equal(done.length, 2);
    assert.ok(done.every((d) => d.emitted === 0 && d.errors === 0));
    assert.deepEqual(fs.readdirSync('/dev/shm').filter((f) => f.startsWith(`ttng-ust-${pid}-`)), []);
  });
});
