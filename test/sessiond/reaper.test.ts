// The daemon's reaper (src/sessiond/reaper.ts) on the real kernel: a daemon
// killed with -9 (its whole process group) leaves no ftrace instance and no
// uprobe behind; a daemon ending normally leaves nothing and no reaper.
// Skipped without root or tracefs, except under CI=true, where that is a failure.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, describe, test } from 'node:test';
import { ensureBuilt, needs } from '../helpers.js';
import { home, isRoot, sleep, until } from './harness.js';
import type { TestHome } from './harness.js';
import { countsText, daemonPrefix, reapKernelState, reportText } from '../../src/kernel/reap.js';
import { Tracefs } from '../../src/kernel/tracefs.js';

const TRACEFS = '/sys/kernel/tracing';
const missing = !isRoot() ? 'needs root' : !fs.existsSync(path.join(TRACEFS, 'instances')) ? `no tracefs at ${TRACEFS}` : false;
const skip = needs(missing);

before(() => {
  if (!missing) ensureBuilt();
});

function instancesOf(pid: number): string[] {
  return fs.readdirSync(path.join(TRACEFS, 'instances')).filter((n) => n.startsWith(daemonPrefix(pid)));
}

function uprobesOf(pid: number): string[] {
  return fs.readFileSync(path.join(TRACEFS, 'uprobe_events'), 'utf8').split('\n').filter((l) => l.startsWith(`p:${daemonPrefix(pid)}`));
}

/** /proc/PID/stat fields after the command name: [state, ppid, pgrp, ...] */
function statOf(pid: number): string[] | undefined {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return s.slice(s.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

function gone(pid: number): boolean {
  const st = statOf(pid);
  return st === undefined || st[0] === 'Z';
}

/** the reaper: the daemon's child running reaper-main */
function reaperOf(daemon: number): number {
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d) || statOf(Number(d))?.[1] !== String(daemon)) continue;
    let cmd = '';
    try {
      cmd = fs.readFileSync(`/proc/${d}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    if (cmd.includes('reaper-main')) return Number(d);
  }
  throw new Error(`daemon ${daemon} has no reaper`);
}

function logOf(h: TestHome): string {
  return fs.readFileSync(path.join(h.runDir, 'sessiond.log'), 'utf8');
}

/** a started session with the talk's events: sched_switch and every system call (which installs the libc uprobes) */
async function tracingDaemon(h: TestHome, name: string): Promise<{ pid: number; reaper: number; probes: number }> {
  await h.ok(['create', name]);
  await h.ok(['enable-event', '-k', 'sched_switch']);
  await h.ok(['enable-event', '-k', '--syscall', '-a']);
  await h.ok(['start']);
  const pid = h.daemonPid()!;
  const reaper = reaperOf(pid);
  h.trackPid(reaper);
  const inst = instancesOf(pid);
  assert.deepEqual(inst, [`${daemonPrefix(pid)}${name}_channel0`]);
  assert.equal(fs.readFileSync(path.join(TRACEFS, 'instances', inst[0]!, 'tracing_on'), 'utf8').trim(), '1');
  const probes = uprobesOf(pid).length;
  assert.ok(probes > 0, 'the libc uprobes of the path strings');
  return { pid, reaper, probes };
}

describe('the reaper of a kernel-tracing daemon', { skip }, () => {
  test('a daemon killed with -9 (with its process group): its instance stops and goes, its uprobes go, within a second', { timeout: 60_000 }, async (t) => {
    const h = home(t, { fake: false });
    const { pid, reaper, probes } = await tracingDaemon(h, 'k9');
    assert.equal(statOf(pid)![2], String(pid), 'the daemon leads its process group');
    assert.notEqual(statOf(reaper)![2], String(pid), 'the reaper is not in it');
    process.kill(-pid, 'SIGKILL');
    // The requirement is a deadline: within a second of the daemon's death (the
    // kernel takes ~25 ms to disable each uprobe). The state is checked once,
    // 1.5 s after the kill; no duration is measured or compared.
    await sleep(1500);
    assert.ok(gone(pid), 'the daemon is dead');
    assert.deepEqual(instancesOf(pid), [], 'no instance of the dead daemon');
    assert.deepEqual(uprobesOf(pid), [], 'no uprobe of the dead daemon');
    await until(() => gone(reaper), 'the reaper to exit after its work');
    const line = logOf(h).split('\n').find((l) => l.includes(`reaper[${reaper}]`));
    assert.ok(line, logOf(h));
    const prefix = daemonPrefix(pid);
    assert.match(line, new RegExp(`: daemon ${pid} is gone: removed 1 ftrace instance and ${probes} uprobes? \\(${prefix}k9_channel0; uprobe group ${prefix}\\d+\\) in \\d+ ms$`));
    assert.ok(!logOf(h).includes(`reaper[${reaper}]: cannot`), logOf(h));
  });

  test('SIGTERM: the daemon cleans up itself, its reaper exits with nothing to do', { timeout: 60_000 }, async (t) => {
    const h = home(t, { fake: false });
    const { pid, reaper } = await tracingDaemon(h, 'term');
    process.kill(pid, 'SIGTERM');
    await until(() => gone(pid), 'the daemon to exit', 30_000);
    await until(() => gone(reaper), 'the reaper to exit');
    assert.deepEqual(instancesOf(pid), []);
    assert.deepEqual(uprobesOf(pid), []);
    assert.ok(!logOf(h).includes('reaper['), `the reaper logged nothing:\n${logOf(h)}`);
  });

  test('without its reaper, a daemon killed with -9 says so; the next daemon removes its state and counts instances and uprobes apart', { timeout: 60_000 }, async (t) => {
    const h = home(t, { fake: false });
    const { pid, reaper, probes } = await tracingDaemon(h, 'nr');
    process.kill(reaper, 'SIGKILL');
    await until(() => logOf(h).includes(`the reaper (pid ${reaper}) ended (SIGKILL)`), 'the daemon to log its reaper’s end');
    process.kill(pid, 'SIGKILL');
    await until(() => gone(pid), 'the daemon to die');
    assert.equal(instancesOf(pid).length, 1, 'left behind');
    assert.equal(uprobesOf(pid).length, probes, 'left behind');
    await h.ok(['create', 'next']);
    assert.deepEqual(instancesOf(pid), []);
    assert.deepEqual(uprobesOf(pid), []);
    // other dead processes' leftovers may be counted too (the clean-up at start takes every ttng_* one)
    const m = / removed (\d+) ftrace instances? and (\d+) uprobes? left by a daemon that died$/m.exec(logOf(h));
    assert.ok(m, logOf(h));
    assert.ok(Number(m[1]) >= 1 && Number(m[2]) >= probes, m[0]);
  });

  test('an instance someone else keeps open: stopped and its events disabled, the failure said', { timeout: 30_000 }, () => {
    const pid = 4194305; // above any pid_max: no daemon has it
    const name = `${daemonPrefix(pid)}s_channel0`;
    const dir = path.join(TRACEFS, 'instances', name);
    fs.mkdirSync(dir);
    const fd = fs.openSync(path.join(dir, 'trace'), 'r');
    try {
      fs.writeFileSync(path.join(dir, 'events/sched/sched_switch/enable'), '1');
      fs.writeFileSync(path.join(dir, 'tracing_on'), '1');
      const r = reapKernelState(new Tracefs(), { prefix: daemonPrefix(pid), ownerDead: true });
      assert.deepEqual(r.instances, []);
      assert.deepEqual(r.failures, [`cannot remove ftrace instance ${name}: EBUSY (tracing stopped, events disabled)`]);
      assert.equal(fs.readFileSync(path.join(dir, 'tracing_on'), 'utf8').trim(), '0');
      assert.equal(fs.readFileSync(path.join(dir, 'set_event'), 'utf8').trim(), '');
    } finally {
      fs.closeSync(fd);
      fs.rmdirSync(dir);
    }
  });
});

test('the counts the logs give, each named separately', () => {
  assert.equal(countsText({ instances: 1, uprobes: 37 }), '1 ftrace instance and 37 uprobes');
  assert.equal(countsText({ instances: 2, uprobes: 1 }), '2 ftrace instances and 1 uprobe');
  assert.equal(
    reportText({ instances: ['ttng_7_s_channel0'], uprobes: ['ttng_7_1/open64_1a0', 'ttng_7_1/openat_1b0'], failures: [] }),
    'removed 1 ftrace instance and 2 uprobes (ttng_7_s_channel0; uprobe group ttng_7_1)',
  );
  assert.equal(reportText({ instances: [], uprobes: [], failures: [] }), 'removed 0 ftrace instances and 0 uprobes');
  assert.equal(daemonPrefix(12), 'ttng_12_');
  assert.throws(() => daemonPrefix(0), RangeError);
});
