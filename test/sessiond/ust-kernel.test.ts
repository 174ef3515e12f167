// One session with both domains on the real kernel (root, tracefs): kernel and
// user-space events share CLOCK_MONOTONIC and interleave in `ttng view`.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, describe, test } from 'node:test';
import { BIN, REPO, ensureBuilt, hasBabeltrace2, needs } from '../helpers.js';
import { home, isRoot } from './harness.js';
import { parseMetadata } from '../../src/ctf/metadata.js';

const TRACEFS = ['/sys/kernel/tracing', '/sys/kernel/debug/tracing'].find((d) => fs.existsSync(path.join(d, 'instances')));
const why = !isRoot() ? 'needs root' : TRACEFS === undefined ? 'no tracefs' : !hasBabeltrace2() ? 'no babeltrace2' : false;

before(() => ensureBuilt());

function clockOffset(metadata: string): bigint {
  const c = parseMetadata(metadata).clocks.get('monotonic');
  assert.ok(c, 'a monotonic clock in the metadata');
  return c!.offsetSeconds * 1_000_000_000n + c!.offsetCycles;
}

describe('kernel and user space in one session', { skip: needs(why) }, () => {
  test('sched_switch and app events interleave in ttng view, on one clock', async (t) => {
    const h = home(t, { fake: false });
    const out = await h.ok(['create', 'both']);
    const dir = /Traces will be output to (.*)/.exec(out)![1]!;
    await h.ok(['enable-event', '-k', 'sched_switch']);
    await h.ok(['enable-event', '-u', 'fake:tick']);
    await h.ok(['start']);
    // 1 ms between events: the app's thread sleeps and is switched out between them
    const app = spawn(process.execPath, ['--import', 'tsx', path.join(REPO, 'test', 'sessiond', 'ust-fake-app.ts'), '--count', '300', '--interval-ms', '1'], {
      cwd: REPO,
      env: h.env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    h.trackPid(app.pid!);
    let stdout = '';
    app.stdout.setEncoding('utf8');
    app.stdout.on('data', (d: string) => (stdout += d));
    const code = await new Promise((r) => app.on('exit', r));
    assert.equal(code, 0);
    const done = JSON.parse(stdout.split('\n').find((l) => l.includes('"done"'))!) as { emitted: number };
    await h.ok(['stop']);
    // one clock: both traces state the same CLOCK_MONOTONIC → realtime offset
    const k = clockOffset(fs.readFileSync(path.join(dir, 'kernel', 'metadata'), 'utf8'));
    const u = clockOffset(fs.readFileSync(path.join(dir, 'ust', 'uid', '0', '64-bit', 'metadata'), 'utf8'));
    assert.equal(u, k);
    const v = await h.run(process.execPath, [BIN, 'view', 'both'], { timeoutMs: 120_000 });
    assert.equal(v.code, 0, v.stderr);
    const lines = v.stdout.split('\n').filter((l) => l !== '');
    const kinds = lines.map((l) => (/ fake:tick: /.test(l) ? 'u' : / sched_switch: /.test(l) ? 'k' : '?'));
    const first = kinds.indexOf('u');
    const last = kinds.lastIndexOf('u');
    assert.ok(first >= 0, 'user-space events in the view');
    assert.equal(kinds.filter((k) => k === 'u').length, done.emitted);
    // interleaved, not one trace after the other: kernel events between the app's
    const between = kinds.slice(first, last).filter((k) => k === 'k').length;
    assert.ok(between > 100, `${between} kernel events among the app's`);
    // exact ordering: at each tick the app's thread is on a CPU, i.e. the last
    // sched_switch of that thread before the tick switched it in. Where the
    // kernel trace itself misses switches (a CPU's prev_tid is not its last
    // next_tid), the question cannot be decided and the tick is not counted.
    const pid = app.pid!;
    const ts = (l: string): bigint => {
      const m = /^\[(\d+):(\d+):(\d+)\.(\d{9})\]/.exec(l)!;
      return (BigInt(m[1]!) * 3600n + BigInt(m[2]!) * 60n + BigInt(m[3]!)) * 1_000_000_000n + BigInt(m[4]!);
    };
    const breaks: bigint[] = [];
    const onCpu = new Map<string, string>();
    const appSwitches: { t: bigint; dir: 'in' | 'out' }[] = [];
    for (let i = 0; i < lines.length; i++) {
      if (kinds[i] !== 'k') continue;
      const m = /cpu_id = (\d+) \}, \{ prev_comm = "[^"]*", prev_tid = (\d+),.* next_tid = (\d+),/.exec(lines[i]!);
      if (!m) continue;
      const t = ts(lines[i]!);
      const prev = onCpu.get(m[1]!);
      if (prev !== undefined && prev !== m[2]) breaks.push(t);
      onCpu.set(m[1]!, m[3]!);
      if (m[3] === String(pid)) appSwitches.push({ t, dir: 'in' });
      else if (m[2] === String(pid)) appSwitches.push({ t, dir: 'out' });
    }
    // some kernels never record a switch out of an idle task (src/kernel/README.md, Known
    // limits): a thread woken on an idle CPU then has no recorded switch in. A tick
    // between two recorded switches out of the thread came after such a switch in.
    let running = 0;
    let inferred = 0;
    const asleep: string[] = [];
    for (let i = 0; i < lines.length; i++) {
      if (kinds[i] !== 'u') continue;
      const t = ts(lines[i]!);
      const before = appSwitches.filter((x) => x.t <= t).pop();
      if (!before) continue;
      if (before.dir === 'in') {
        running++;
        continue;
      }
      const after = appSwitches.find((x) => x.t > t);
      if (after?.dir === 'out') {
        inferred++;
        continue;
      }
      const end = after?.t ?? t;
      if (breaks.some((b) => b >= before.t && b <= end)) continue;
      asleep.push(lines[i]!);
    }
    assert.ok(running + inferred > done.emitted / 2, `${running} + ${inferred} of ${done.emitted} ticks seen with the thread switched in (${breaks.length} gaps in the kernel trace)`);
    assert.deepEqual(asleep, [], 'ticks while the thread was switched out');
  });
});
