// The session of the LTTng talk, verbatim, with `ttng` for `lttng`, on the
// real kernel (root, tracefs): thousands of events, the same events printed by
// babeltrace2 from the same directory, and no ftrace instance left behind.
// Skipped where the kernel tracer (src/kernel/index.ts) or root is missing.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, describe, test } from 'node:test';
import { BIN, NO_BABELTRACE2, REPO, babeltrace2, ensureBuilt, has, needs } from '../helpers.js';
import { home, isRoot, sleep } from './harness.js';

const TRACEFS = ['/sys/kernel/tracing', '/sys/kernel/debug/tracing'].find((d) => fs.existsSync(path.join(d, 'instances')));
const why = !fs.existsSync(path.join(REPO, 'src', 'kernel', 'index.ts'))
  ? 'the kernel tracer (src/kernel/index.ts) is not there'
  : !isRoot()
    ? 'needs root'
    : TRACEFS === undefined
      ? 'no tracefs'
      : false;

before(() => ensureBuilt());

function ttngInstances(daemonPid: number): string[] {
  return fs.readdirSync(path.join(TRACEFS!, 'instances')).filter((n) => n.startsWith(`ttng_${daemonPid}_`));
}

describe('the LTTng talk session on the real kernel', { skip: needs(why) }, () => {
  test('ttng create; enable-event -k sched_switch; enable-event -k --syscall -a; start; sleep 2; stop; view | wc -l; destroy', async (t) => {
    const h = home(t, { fake: false });
    // `ttng` on the PATH, as a user types it
    const bin = path.join(h.dir, 'bin');
    fs.mkdirSync(bin);
    fs.writeFileSync(path.join(bin, 'ttng'), `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`, { mode: 0o755 });
    const script = [
      'ttng create',
      'ttng enable-event -k sched_switch',
      'ttng enable-event -k --syscall -a',
      'ttng start; sleep 2; ttng stop',
      'ttng view | wc -l',
      'ttng destroy',
    ].join('\n');
    // a busy machine: a child that makes system calls and context switches meanwhile
    const busy = h.run('/bin/sh', ['-c', 'for i in $(seq 300); do cat /proc/self/stat >/dev/null; sleep 0.01; done']);
    const r = await h.run('/bin/bash', ['-e', '-c', script], { env: { PATH: `${bin}:${h.env['PATH'] ?? '/usr/bin:/bin'}` }, timeoutMs: 120_000 });
    await busy;
    assert.equal(r.code, 0, `stdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
    // the only messages on stderr: the viewer's (babeltrace2's) warnings about discarded events
    assert.deepEqual(r.stderr.split('\n').filter((l) => l !== '' && !l.startsWith('WARNING: Tracer discarded ')), []);
    const lines = r.stdout.split('\n');
    const m = /^Session (auto-[0-9]{8}-[0-9]{6}) created\.$/.exec(lines[1]!);
    assert.equal(lines[0], 'Spawning a session daemon');
    assert.ok(m, r.stdout);
    const name = m![1]!;
    const dir = /^Traces will be output to (.*)$/.exec(lines[2]!)![1]!;
    assert.deepEqual(lines.slice(3, 6), [
      'kernel event sched_switch created in channel channel0',
      'All kernel system calls are enabled in channel channel0',
      `Tracing started for session ${name}`,
    ]);
    assert.match(lines[6]!, /^Waiting for data availability\.*$/);
    let i = 7;
    if (lines[i]!.startsWith('Warning: ')) {
      assert.match(lines[i]!, /^Warning: [0-9]+ events were discarded, please refer to the documentation on channel configuration\.$/);
      i++;
    }
    assert.equal(lines[i++], `Tracing stopped for session ${name}`);
    const count = Number(lines[i++]!.trim());
    assert.ok(count >= 1000, `ttng view | wc -l printed ${count}: thousands expected`);
    assert.match(lines.slice(i).join('\n'), new RegExp(`^(Destroying session ${name}\\.*\\n)?Session ${name} destroyed\\n$`));

    const pid = h.daemonPid()!;
    assert.deepEqual(ttngInstances(pid), [], 'no ftrace instance of this daemon remains after destroy');
    assert.ok(fs.existsSync(path.join(dir, 'kernel', 'metadata')), 'the trace stays after destroy');
    assert.ok(fs.existsSync(path.join(dir, 'kernel', 'index')), 'kernel/index/*.idx');

    const ours = await h.ttng(['view', dir]);
    assert.equal(ours.code, 0, ours.stderr);
    assert.equal(ours.stdout.split('\n').length - 1, count);
    assert.match(ours.stdout, /\] \(\+[0-9.?]+\) \S+ sched_switch: /);
    assert.match(ours.stdout, /\] \(\+[0-9.?]+\) \S+ syscall_entry_[a-z0-9_]+: /);
    assert.match(ours.stdout, /\] \(\+[0-9.?]+\) \S+ syscall_exit_[a-z0-9_]+: /);
    if (has(NO_BABELTRACE2)) {
      const bt = await babeltrace2([dir], 120_000);
      assert.equal(bt.code, 0, bt.stderr);
      if (ours.stdout !== bt.stdout) {
        // keep the trace for a look, and say where they part
        const keep = fs.mkdtempSync('/tmp/ttng-kernel-view-diff-');
        fs.cpSync(dir, keep, { recursive: true });
        const a = ours.stdout.split('\n');
        const b = bt.stdout.split('\n');
        const k = a.findIndex((l, j) => l !== b[j]);
        assert.fail(`ttng view differs from babeltrace2 at line ${k + 1} (trace kept in ${keep}):\n  ttng: ${a[k]}\n  bt2:  ${b[k]}`);
      }
    }
  });

  test('a daemon killed with -9 leaves ftrace instances that the next one removes; two sessions are independent', async (t) => {
    const h = home(t, { fake: false });
    await h.ok(['create', 'one']);
    await h.ok(['enable-event', '-k', 'sched_switch']);
    await h.ok(['create', 'two']);
    await h.ok(['enable-event', '-k', '--syscall', 'openat,close']);
    await h.ok(['start', 'one']);
    await h.ok(['start', 'two']);
    const pid = h.daemonPid()!;
    assert.ok(ttngInstances(pid).length >= 2, `instances: ${ttngInstances(pid).join(' ')}`);
    // destroying one session leaves the other recording
    await h.ok(['destroy', 'one']);
    const left = ttngInstances(pid);
    assert.ok(left.length >= 1 && left.every((n) => n.includes('_two_')), `instances left: ${left.join(' ')}`);
    assert.match(await h.ok(['list']), /1\) two \[active\]/);
    process.kill(pid, 'SIGKILL');
    await sleep(200);
    assert.ok(ttngInstances(pid).length >= 1, 'a daemon killed with -9 cannot remove its instances');
    await h.ok(['create', 'three']);
    assert.deepEqual(ttngInstances(pid), [], 'the next daemon removed them');
  });
});
