// Flight recorder, rotation and trace-file rotation for user-space channels,
// end to end: a real daemon, real apps using ttng/ust (from dist/) or
// `--import ttng/auto`, and babeltrace2 reading what was written.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, describe, test } from 'node:test';
import { NO_BABELTRACE2, REPO, babeltrace2, ensureBuilt, has, needs } from '../helpers.js';
import { JsonLinesChild, home, until } from './harness.js';
import type { TestHome } from './harness.js';
import { filesBytes, whyNoKernel } from './snapshot-workload.js';

const API_APP = path.join(REPO, 'test', 'sessiond', 'ust-api-app.mjs');
const CRASH_APP = path.join(REPO, 'test', 'ust', 'crash-app.mjs');

before(() => ensureBuilt());

interface Line {
  ready?: number;
  pid?: number;
  done?: number;
  emitted?: number;
}

class App extends JsonLinesChild<Line> {
  constructor(h: TestHome, argv: string[]) {
    super(h, argv, 'pipe');
  }
  /** emitted events (the app's own count of enabled emits), once it printed its done line */
  async emitted(): Promise<number> {
    await until(() => this.lines.some((l) => l.done !== undefined), 'the app to finish emitting', 60_000);
    return this.lines.find((l) => l.done !== undefined)!.emitted!;
  }
}

/** `api:tick` values and vpids, in babeltrace2's order */
/** `allow`: what babeltrace2 may report (discarded events: a full buffer in discard mode; lost packets: trace files gone) */
async function ticks(dir: string, allow: 'nothing' | 'discarded' | 'any' = 'nothing'): Promise<{ n: number; vpid: number }[]> {
  const r = await babeltrace2([dir], 120_000);
  assert.equal(r.code, 0, r.stderr);
  if (allow === 'nothing') assert.doesNotMatch(r.stderr, /discarded|lost/i, 'nothing reported lost');
  if (allow === 'discarded') assert.doesNotMatch(r.stderr, /lost/i, 'no packet reported lost');
  const out: { n: number; vpid: number }[] = [];
  for (const l of r.stdout.split('\n')) {
    const m = /api:tick: .*?(?:vpid = (\d+).*)?\{ n = (\d+) \}$/.exec(l);
    if (m) out.push({ n: Number(m[2]), vpid: Number(m[1] ?? 0) });
  }
  return out;
}

function snapshotDirs(base: string): string[] {
  return fs
    .readdirSync(base)
    .filter((d) => d.startsWith('snapshot-'))
    .sort((a, b) => Number(a.split('-').pop()) - Number(b.split('-').pop()))
    .map((d) => path.join(base, d));
}

function defaultOutput(createOut: string): string {
  const m = /Default snapshot output set to (.*)/.exec(createOut) ?? /Traces will be output to (.*)/.exec(createOut);
  assert.ok(m, createOut);
  return m![1]!;
}

describe('user-space flight recorder, rotation and trace files', { skip: needs(NO_BABELTRACE2) }, () => {
  test('snapshot record -m: the app last events, within the size; a second snapshot has later events and the dead app buffers', { timeout: 120_000 }, async (t) => {
    const h = home(t);
    const base = defaultOutput(await h.ok(['create', 'fr', '--snapshot']));
    await h.ok(['enable-channel', '-u', '--subbuf-size=8192', '--num-subbuf=4', 'c']);
    await h.ok(['enable-event', '-u', '-c', 'c', 'api:*']);
    await h.ok(['add-context', '-u', '-c', 'c', '-t', 'vpid']);
    assert.match(await h.ok(['list', 'fr']), /Event-loss mode: +overwrite\n/);
    await h.ok(['start']);
    // 20000 ticks through 4 × 8 KiB: most are overwritten; the app lingers 1.5 s
    const a = new App(h, [API_APP, '20000', '1', '400', '1500']);
    const emittedA = await a.emitted();
    assert.ok(emittedA > 10_000, `app A emitted ${emittedA} enabled ticks`);
    // the flight recorder wrote nothing while tracing
    assert.deepEqual(fs.existsSync(base) ? fs.readdirSync(base) : [], []);
    const max = 64 << 10;
    assert.equal(await h.ok(['snapshot', 'record', '-m', '64K']), 'Snapshot recorded successfully for session fr\n');
    const [first] = snapshotDirs(base);
    assert.ok(first, 'a snapshot directory');
    const uidDir = path.join(first!, 'ust', 'uid', String(process.getuid!()), '64-bit');
    assert.ok(fs.existsSync(path.join(uidDir, 'metadata')));
    assert.ok(fs.existsSync(path.join(uidDir, 'index', 'c_0.idx')));
    const size = filesBytes(first!);
    assert.ok(size <= max, `snapshot files take ${size} bytes, more than -m ${max}`);
    const s1 = await ticks(first!);
    assert.ok(s1.length > 100, `${s1.length} ticks in the first snapshot`);
    // the newest data, contiguous up to the app's last event
    assert.equal(s1[s1.length - 1]!.n, 19_999);
    for (let i = 1; i < s1.length; i++) assert.equal(s1[i]!.n, s1[i - 1]!.n + 1, `tick ${s1[i - 1]!.n} then ${s1[i]!.n}`);
    assert.ok(s1.every((e) => e.vpid === a.child.pid));
    // too small for the metadata and a sub-buffer: refused, as LTTng refuses it
    const small = await h.ttng(['snapshot', 'record', '-m', '4K']);
    assert.notEqual(small.code, 0);
    assert.match(small.stderr, /snapshot size/i);

    assert.equal((await a.exited).code, 0, a.stderr);
    // paced so that its events are enabled before it ends (its first ones may not be)
    const b = new App(h, [API_APP, '300', '10', '5', '0']);
    const emittedB = await b.emitted();
    assert.ok(emittedB > 0);
    assert.equal((await b.exited).code, 0, b.stderr);
    await h.ok(['snapshot', 'record']);
    const second = snapshotDirs(base).find((d) => d !== first);
    assert.ok(second, 'a second snapshot directory');
    const s2 = await ticks(second!);
    const fromB = s2.filter((e) => e.vpid === b.child.pid).map((e) => e.n);
    // B's buffer holds all it emitted while enabled: the last emittedB ticks
    assert.deepEqual(fromB, [...Array(300).keys()].slice(300 - emittedB), 'B: every event it emitted, in order');
    // A died after the start: its buffer is still in the snapshot, which overlaps the first one
    const fromA = s2.filter((e) => e.vpid === a.child.pid).map((e) => e.n);
    assert.deepEqual(fromA, s1.map((e) => e.n), 'the dead app A: the same events as in the first snapshot');
    t.diagnostic(`A emitted ${emittedA}; snapshot 1 (-m ${max}): ${size} bytes, ticks ${s1[0]!.n}..${s1[s1.length - 1]!.n}; snapshot 2: ${fromA.length} of A, ${fromB.length} of B (emitted ${emittedB})`);
    await h.ok(['destroy']);
  });

  test('a ttng/auto app that dies of an uncaught exception leaves a snapshot with its events up to the crash', { timeout: 120_000 }, async (t) => {
    const kernel = has(whyNoKernel);
    const h = home(t, { fake: !kernel });
    const base = defaultOutput(await h.ok(['create', 'crash', '--snapshot']));
    await h.ok(['enable-event', '-u', '-a']);
    await h.ok(['add-context', '-u', '-t', 'vpid']);
    if (kernel) {
      await h.ok(['enable-event', '-k', '--syscall', '-a']);
      await h.ok(['add-context', '-k', '-t', 'tid']);
    }
    await h.ok(['start']);
    const app = new App(h, ['--import', 'ttng/auto', CRASH_APP, '500']);
    await until(() => app.lines.some((l) => l.ready !== undefined), 'the app to start', 20_000);
    const pid = app.child.pid!;
    const deadline = Date.now() + 20_000;
    while (!(await h.ttng(['list', '-u'])).stdout.includes(`PID: ${pid}`)) {
      assert.ok(Date.now() < deadline, `pid ${pid} never appeared in ttng list -u`);
      await new Promise((r) => setTimeout(r, 50));
    }
    // enablement reaches the app a moment after it is listed
    await new Promise((r) => setTimeout(r, 300));
    app.child.stdin!.end('go\n');
    const r = await app.exited;
    assert.equal(r.code, 1, app.stderr);
    assert.match(app.stderr, /Error: boom after 500 steps/);
    const m = /ttng: crash snapshot of session crash: (\S+)/.exec(app.stderr);
    assert.ok(m, `the crash snapshot is reported on stderr:\n${app.stderr}`);
    assert.equal(path.dirname(m![1]!), base);
    assert.match(path.basename(m![1]!), new RegExp(`^crash-node-${pid}-[0-9]{8}-[0-9]{6}-0$`));
    const bt = await babeltrace2([m![1]!], 120_000);
    assert.equal(bt.code, 0, bt.stderr);
    const lines = bt.stdout.split('\n');
    const steps = lines.map((l) => /crash:step: .*vpid = (\d+).*\{ n = (\d+) \}$/.exec(l)).filter((x) => x !== null);
    assert.deepEqual(steps.map((x) => Number(x![2])), [...Array(500).keys()], 'every step up to the crash');
    assert.ok(steps.every((x) => Number(x![1]) === pid));
    t.diagnostic(`crash snapshot: ${steps.length} steps of 500${kernel ? ', with kernel syscalls' : ''}`);
    const exc = lines.findIndex((l) => /nodejs_process:uncaught_exception: .*message = "boom after 500 steps"/.test(l));
    assert.ok(exc > 0, 'the uncaught exception event');
    if (kernel) {
      // the app's own system calls, between its events
      const sys = lines.filter((l) => /syscall_(?:entry|exit)_\w+: .*\{ tid = (\d+) \}/.exec(l)?.[1] === String(pid));
      assert.ok(sys.length > 10, `${sys.length} system calls of the app in the snapshot`);
      // one clock for both domains: the stat after step 260 falls between steps 260 and 261
      const at = (n: number): number => lines.findIndex((l) => l.includes('crash:step:') && l.endsWith(`{ n = ${n} }`));
      const between = lines.slice(at(260) + 1, at(261));
      assert.ok(between.some((l) => /syscall_entry_\w*stat\w*: .*\{ tid = (\d+) \}/.exec(l)?.[1] === String(pid)), `between steps 260 and 261:\n${between.join('\n')}`);
    }
    await h.ok(['destroy']);
  });

  test('session rotation: archives read one by one, nothing lost or doubled; destroy prints the last archive', { timeout: 180_000 }, async (t) => {
    const h = home(t);
    const out = defaultOutput(await h.ok(['create', 'rot']));
    await h.ok(['enable-channel', '-u', '--subbuf-size=4096', '--num-subbuf=4', 'c']);
    await h.ok(['enable-event', '-u', '-c', 'c', 'api:tick']);
    await h.ok(['enable-rotation', '--size=64K']);
    await h.ok(['start']);
    // paced: 40 ticks per ms for ~1.5 s, with a manual rotation in the middle
    const app = new App(h, [API_APP, '60000', '1', '40', '0']);
    await new Promise((r) => setTimeout(r, 500));
    assert.match(await h.ok(['rotate']), /^Trace chunk archive for session rot is now readable at \/.*\/archives\/[0-9T+-]+-[0-9T+-]+-[0-9]+\n$/);
    const emitted = await app.emitted();
    assert.equal((await app.exited).code, 0, app.stderr);
    await h.ok(['stop']);
    const list = await h.ok(['list', 'rot']);
    const discarded = Number(/Discarded events: (\d+)/.exec(list)![1]);
    const d = await h.ok(['destroy']);
    const last = /Trace chunk archive for session rot is now readable at (\S+)/.exec(d);
    assert.ok(last, d);
    const archives = fs.readdirSync(path.join(out, 'archives')).sort((x, y) => Number(x.split('-').pop()) - Number(y.split('-').pop()));
    assert.ok(archives.length >= 3, `${archives.length} archives`);
    assert.equal(path.join(out, 'archives', archives[archives.length - 1]!), last![1]);
    const seen = new Set<number>();
    let total = 0;
    for (const a of archives) {
      const ts = await ticks(path.join(out, 'archives', a), 'discarded');
      for (const e of ts) {
        assert.ok(!seen.has(e.n), `tick ${e.n} in two archives`);
        seen.add(e.n);
      }
      total += ts.length;
    }
    assert.equal(total, emitted - discarded, `${total} recorded, ${emitted} emitted, ${discarded} discarded`);
    t.diagnostic(`${archives.length} archives: ${total} recorded = ${emitted} emitted - ${discarded} discarded`);
  });

  test('trace-file rotation: at most count files of size bytes per stream, the newest events kept', { timeout: 120_000 }, async (t) => {
    const h = home(t);
    const out = defaultOutput(await h.ok(['create', 'tf']));
    await h.ok(['enable-channel', '-u', '--subbuf-size=4096', '--num-subbuf=4', '--tracefile-size=16384', '--tracefile-count=3', 'c']);
    await h.ok(['enable-event', '-u', '-c', 'c', 'api:tick']);
    await h.ok(['start']);
    // paced so that the 4 × 4 KiB buffer is drained before it fills (a discarded last event would be no fault of rotation)
    const app = new App(h, [API_APP, '30000', '1', '10', '0']);
    await app.emitted();
    assert.equal((await app.exited).code, 0, app.stderr);
    await h.ok(['stop']);
    const dir = path.join(out, 'ust', 'uid', String(process.getuid!()), '64-bit');
    const files = fs.readdirSync(dir).filter((f) => f.startsWith('c_')).sort();
    assert.deepEqual(files, ['c_0_0', 'c_0_1', 'c_0_2']);
    for (const f of files) assert.ok(fs.statSync(path.join(dir, f)).size <= 16384, `${f}: ${fs.statSync(path.join(dir, f)).size} bytes`);
    assert.deepEqual(fs.readdirSync(path.join(dir, 'index')).sort(), files.map((f) => `${f}.idx`));
    // the oldest files are gone: babeltrace2 may report their packets as lost
    const ts = await ticks(out, 'any');
    assert.ok(ts.length > 100);
    assert.equal(ts[ts.length - 1]!.n, 29_999, 'the newest events are kept');
    t.diagnostic(`trace files: ${files.map((f) => fs.statSync(path.join(dir, f)).size).join(' + ')} bytes (limit 3 × 16384), ${ts.length} ticks kept, ${ts[0]!.n}..${ts[ts.length - 1]!.n}`);
    await h.ok(['destroy']);
  });

  test('save/load keep snapshot mode, snapshot outputs and rotation schedules as LTTng writes them', async (t) => {
    const h = home(t);
    const snapOut = path.join(h.dir, 'snap-out');
    await h.ok(['create', 'fr', '--snapshot', '-o', snapOut]);
    await h.ok(['enable-event', '-u', 'api:*']);
    await h.ok(['create', 'rot', '-o', path.join(h.dir, 'rot-out')]);
    await h.ok(['enable-event', '-u', 'api:*']);
    await h.ok(['enable-rotation', '--timer=5s']);
    await h.ok(['enable-rotation', '--size=1M']);
    const dir = path.join(h.dir, 'saved');
    await h.ok(['save', '-o', dir]);
    const fr = fs.readFileSync(path.join(dir, 'fr.lttng'), 'utf8');
    const rot = fs.readFileSync(path.join(dir, 'rot.lttng'), 'utf8');
    // the parts lttng 2.13's `save` writes for these sessions
    const tail = (x: string): string => x.slice(x.indexOf('\t\t<attributes>'));
    assert.equal(
      tail(fr),
      `\t\t<attributes>\n\t\t\t<snapshot_mode>true</snapshot_mode>\n\t\t</attributes>\n\t\t<output>\n\t\t\t<snapshot_outputs>\n\t\t\t\t<output>\n\t\t\t\t\t<name>snapshot-1</name>\n\t\t\t\t\t<max_size>0</max_size>\n\t\t\t\t\t<consumer_output>\n\t\t\t\t\t\t<enabled>true</enabled>\n\t\t\t\t\t\t<destination>\n\t\t\t\t\t\t\t<path>${snapOut}</path>\n\t\t\t\t\t\t</destination>\n\t\t\t\t\t</consumer_output>\n\t\t\t\t</output>\n\t\t\t</snapshot_outputs>\n\t\t</output>\n\t</session>\n</sessions>\n`,
    );
    assert.match(
      tail(rot),
      /^\t\t<attributes>\n\t\t\t<rotation_schedules>\n\t\t\t\t<periodic>\n\t\t\t\t\t<time_us>5000000<\/time_us>\n\t\t\t\t<\/periodic>\n\t\t\t\t<size_threshold>\n\t\t\t\t\t<bytes>1048576<\/bytes>\n\t\t\t\t<\/size_threshold>\n\t\t\t<\/rotation_schedules>\n\t\t<\/attributes>\n\t\t<output>\n\t\t\t<consumer_output>/,
    );
    const listFr = await h.ok(['list', 'fr']);
    const outputs = await h.ok(['snapshot', 'list-output', '-s', 'fr']);
    await h.ok(['destroy', '-a']);
    await h.ok(['load', '-i', dir]);
    assert.equal(await h.ok(['list', 'fr']), listFr, 'the snapshot session, its overwrite channel');
    assert.equal(await h.ok(['snapshot', 'list-output', '-s', 'fr']), outputs);
    // the schedules are back: setting one again is refused
    assert.match((await h.ttng(['enable-rotation', '-s', 'rot', '--size=2M'])).stderr, /already set/);
    const again = path.join(h.dir, 'again');
    await h.ok(['save', '-o', again]);
    assert.equal(fs.readFileSync(path.join(again, 'fr.lttng'), 'utf8'), fr);
    assert.equal(fs.readFileSync(path.join(again, 'rot.lttng'), 'utf8'), rot);
  });

  for (const snapshot of [false, true]) {
    test(`clear (${snapshot ? 'snapshot' : 'normal'} session): what was recorded before is gone, what comes after is kept`, { timeout: 120_000 }, async (t) => {
      const h = home(t);
      const out = defaultOutput(await h.ok(['create', 'cl', ...(snapshot ? ['--snapshot'] : [])]));
      await h.ok(['enable-event', '-u', 'api:tick']);
      await h.ok(['add-context', '-u', '-t', 'vpid']);
      await h.ok(['start']);
      const a = new App(h, [API_APP, '300', '10', '5', '0']);
      assert.ok((await a.emitted()) > 0);
      assert.equal((await a.exited).code, 0, a.stderr);
      assert.equal(await h.ok(['clear']), 'Session "cl" cleared\n');
      const b = new App(h, [API_APP, '300', '10', '5', '0']);
      const emittedB = await b.emitted();
      assert.equal((await b.exited).code, 0, b.stderr);
      let dir = out;
      if (snapshot) {
        await h.ok(['snapshot', 'record']);
        dir = snapshotDirs(out)[0]!;
      } else await h.ok(['stop']);
      const ts = await ticks(dir, 'any');
      assert.ok(!ts.some((e) => e.vpid === a.child.pid), 'nothing of A after the clear');
      assert.deepEqual(ts.filter((e) => e.vpid === b.child.pid).map((e) => e.n), [...Array(300).keys()].slice(300 - emittedB), 'all of B');
      await h.ok(['destroy']);
    });
  }
});
