// Debian's lttng-analyses (through babeltrace 1.5) read a ttng kernel trace
// and name the processes that ran: lttng-cputop and lttng-syscallstats.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, describe, test } from 'node:test';
import { ensureBuilt, needs } from '../helpers.js';
import { home, isRoot } from './harness.js';

const PY = '/usr/bin/python3';
const TRACEFS = ['/sys/kernel/tracing', '/sys/kernel/debug/tracing'].find((d) => fs.existsSync(path.join(d, 'instances')));
const why = !isRoot()
  ? 'needs root'
  : TRACEFS === undefined
    ? 'no tracefs'
    : !fs.existsSync('/usr/bin/lttng-cputop')
      ? 'lttng-analyses is not installed (python3-lttnganalyses)'
      : false;

before(() => ensureBuilt());

describe('lttng-analyses on a ttng kernel trace', { skip: needs(why) }, () => {
  test('lttng-cputop and lttng-syscallstats run without error and name the workload', async (t) => {
    const h = home(t, { fake: false });
    const name = 'ttng-analyses-wl';
    const run = async (args: string[]): Promise<string> => {
      const r = await h.ttng(args);
      assert.equal(r.code, 0, `ttng ${args.join(' ')}: ${r.stderr}`);
      return r.stdout;
    };
    await run(['create', 'ana', '-o', path.join(h.dir, 'trace')]);
    await run(['enable-event', '-k', 'sched_switch,sched_process_fork,sched_process_exec,sched_process_exit']);
    await run(['enable-event', '-k', '--syscall', '-a']);
    await run(['start']);
    // a workload with a known name: exec'd under that name, making system calls
    const wl = path.join(h.dir, name);
    fs.writeFileSync(wl, '#!/bin/sh\nfor i in $(seq 200); do cat /proc/self/stat > /dev/null; done\n', { mode: 0o755 });
    const w = await h.run(wl, [], { timeoutMs: 60_000 });
    assert.equal(w.code, 0);
    await run(['stop']);
    await run(['destroy']);
    const kdir = path.join(h.dir, 'trace', 'kernel');
    for (const [tool, want] of [
      ['lttng-cputop', /Per-TID Usage/],
      ['lttng-syscallstats', /Per-TID syscalls statistics/],
    ] as const) {
      // every thread, not the top 10: on a loaded machine other processes may outrank the workload
      const r = await h.run(PY, [`/usr/bin/${tool}`, '--no-progress', ...(tool === 'lttng-cputop' ? ['--limit', '100000'] : []), kdir], { timeoutMs: 120_000 });
      assert.equal(r.code, 0, `${tool}: ${r.stderr}`);
      assert.doesNotMatch(r.stdout + r.stderr, /Error|Traceback/, `${tool} failed:\n${r.stdout}\n${r.stderr}`);
      assert.match(r.stdout, want);
      // the workload's shell (it runs under the script's name) and its children
      assert.match(r.stdout, /\b(ttng-analyses|cat)\b/, `${tool} does not name the workload:\n${r.stdout.slice(0, 3000)}`);
    }
  });
});
