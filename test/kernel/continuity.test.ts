// Nothing lost silently, on the real kernel: while a session records
// sched_switch under load, a bare ftrace instance (no pid filter, its own
// buffer) records the same event. On each CPU the switches chain up
// (`prev_tid` = the previous `next_tid`); ttng's trace, as babeltrace2 prints
// it, must hold every switch the bare instance holds in the same time span, so
// that the only breaks left in ttng's chains are switches ftrace itself never
// recorded (the same break at the same place in the bare instance).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createKernelSession, kernelTracerAvailable } from '../../src/kernel/index.js';
import { BABELTRACE2, needs, runSync, tempDir } from '../helpers.js';

const avail = kernelTracerAvailable();
const skip = needs(avail.ok ? false : `kernel tracing unavailable: ${avail.reason}`);
const TRACEFS = '/sys/kernel/tracing';
const daemonId = `testc${process.pid}`;
/** named like a session's instance, so that cleanupStaleInstances() removes it if this process dies */
const REF = `${TRACEFS}/instances/ttng_${daemonId}_ref`;

let guard = -1;

function removeRef(): void {
  try {
    if (guard >= 0) fs.closeSync(guard);
    guard = -1;
    fs.writeFileSync(`${REF}/tracing_on`, '0');
    fs.rmdirSync(REF);
  } catch {
    /* never made */
  }
}

after(() => {
  if (!skip) removeRef();
});

interface Switch {
  /** µs (the bare instance's text has µs) */
  us: number;
  prev: number;
  next: number;
}

/** babeltrace2 --clock-cycles text → sched_switch per CPU */
function ttngSwitches(trace: string, lossy: boolean): Map<number, Switch[]> {
  const r = runSync(BABELTRACE2, ['--clock-cycles', trace]);
  assert.equal(r.code, 0, r.stderr);
  if (lossy) assert.match(r.stderr, /Tracer discarded \d+ events/, 'babeltrace2 reports the losses');
  else assert.doesNotMatch(r.stderr, /discarded/, 'no event may be reported lost in this test (the buffers are large)');
  const out = new Map<number, Switch[]>();
  for (const l of r.stdout.split('\n')) {
    const m = /^\[(\d+)\] .* sched_switch: \{ cpu_id = (\d+) \}, \{ .*prev_tid = (\d+),.*next_tid = (\d+),/.exec(l);
    if (!m) continue;
    const cpu = Number(m[2]);
    if (!out.has(cpu)) out.set(cpu, []);
    out.get(cpu)!.push({ us: Number(BigInt(m[1]!) / 1000n), prev: Number(m[3]), next: Number(m[4]) });
  }
  return out;
}

/** the bare instance's per_cpu/cpuN/trace text → sched_switch in buffer order */
function refSwitches(cpu: number): Switch[] {
  const out: Switch[] = [];
  for (const l of fs.readFileSync(`${REF}/per_cpu/cpu${cpu}/trace`, 'utf8').split('\n')) {
    const m = /\s(\d+)\.(\d{6}): sched_switch: .* prev_pid=(\d+) .* next_pid=(\d+) /.exec(l);
    if (m) out.push({ us: Number(m[1]) * 1e6 + Number(m[2]), prev: Number(m[3]), next: Number(m[4]) });
  }
  return out;
}

/** chain breaks: indexes i where list[i].prev ≠ list[i-1].next */
function breaks(list: Switch[]): number[] {
  const out: number[] = [];
  for (let i = 1; i < list.length; i++) if (list[i]!.prev !== list[i - 1]!.next) out.push(i);
  return out;
}

function busy(ms: number): Promise<void> {
  return new Promise((resolve) => {
    const c = spawn(process.execPath, ['-e', `const e = Date.now() + ${ms}; while (Date.now() < e);`], { stdio: 'ignore' });
    c.on('close', () => resolve());
  });
}

function findLoop(ms: number): Promise<void> {
  return new Promise((resolve) => {
    const c = spawn('bash', ['-c', `end=$(( $(date +%s%N) + ${ms} * 1000000 )); while [ $(date +%s%N) -lt $end ]; do find /usr -maxdepth 4 > /dev/null 2>&1; done`], { stdio: 'ignore' });
    c.on('close', () => resolve());
  });
}

/** a process that sleeps 1 ms at a time: two switches per ms on its CPU */
function ticker(ms: number): Promise<void> {
  return new Promise((resolve) => {
    const c = spawn(process.execPath, ['-e', `const e = Date.now() + ${ms}; const f = () => { if (Date.now() < e) setTimeout(f, 1); }; f();`], { stdio: 'ignore' });
    c.on('close', () => resolve());
  });
}

/** this process's own threads at work too: the libuv pool (async fs) hands results to the main thread */
async function ownThreadsBusy(ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) await Promise.all([0, 1, 2, 3].map(() => fs.promises.stat('/proc/self/status')));
}

/**
 * Aligns ttng's switches with the bare instance's on each CPU (same order;
 * the two buffers stamp one switch a few µs apart) and checks that every
 * break in ttng's chains is a break in ftrace's own chain at the same place,
 * except (`lossy`) where ttng's buffer dropped switches. Returns the switches
 * the bare instance holds and ttng's trace does not.
 */
function compare(trace: string, lossy = false): { total: number; missing: Switch[]; report: string[] } {
  const tt = ttngSwitches(trace, lossy);
  let total = 0;
  const missing: Switch[] = [];
  const report: string[] = [];
  for (const [cpu, list] of tt) {
    total += list.length;
    const ref = refSwitches(cpu);
    let j = 0;
    const matched: number[] = [];
    let miss = 0;
    for (const e of list) {
      let k = j;
      while (k < ref.length && !(ref[k]!.prev === e.prev && ref[k]!.next === e.next && Math.abs(ref[k]!.us - e.us) <= 2000)) k++;
      assert.ok(k < ref.length, `cpu${cpu}: ttng's switch ${e.prev} -> ${e.next} at ${e.us} µs is not in the bare instance`);
      // the bare instance started earlier: what precedes ttng's first switch is not ttng's to hold
      if (matched.length) {
        missing.push(...ref.slice(j, k));
        miss += k - j;
      }
      matched.push(k);
      j = k + 1;
    }
    // every break in ttng's chain is one in ftrace's own chain, at the same place (or, lossy, where switches are missing)
    const refBreaks = new Set(breaks(ref));
    const own = breaks(list);
    for (const i of own) {
      const gap = matched[i]! - matched[i - 1]! > 1;
      assert.ok(refBreaks.has(matched[i]!) || (lossy && gap), `cpu${cpu}: break before ${list[i]!.prev} -> ${list[i]!.next} at ${list[i]!.us} µs is not in ftrace's chain`);
    }
    report.push(`cpu${cpu}: ${list.length} switches, ${own.length} breaks (${own.filter((i) => refBreaks.has(matched[i]!)).length} also in ftrace's own chain), ${miss} missing`);
  }
  return { total, missing, report };
}

function startRef(): void {
  fs.mkdirSync(REF);
  // an open file keeps cleanupStaleInstances() (run by sessions) off it, as sessions do for theirs
  guard = fs.openSync(`${REF}/tracing_on`, 'r');
  fs.writeFileSync(`${REF}/trace_clock`, 'mono');
  fs.writeFileSync(`${REF}/buffer_size_kb`, '16384');
  fs.writeFileSync(`${REF}/events/sched/sched_switch/enable`, '1');
  fs.writeFileSync(`${REF}/tracing_on`, '1');
}

function stopRef(): void {
  fs.writeFileSync(`${REF}/tracing_on`, '0');
  for (const cpu of fs.readdirSync(`${REF}/per_cpu`)) {
    const st = fs.readFileSync(`${REF}/per_cpu/${cpu}/stats`, 'utf8');
    assert.match(st, /^dropped events: 0$/m, `the bare instance lost nothing on ${cpu}`);
    assert.match(st, /^overrun: 0$/m, `the bare instance lost nothing on ${cpu}`);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

test('per-CPU sched_switch chains: ttng holds every switch a bare ftrace instance holds; the only breaks are switches ftrace never recorded', { skip, timeout: 60_000 }, async () => {
  const { dir } = tempDir('ttng-kcont-');
  startRef();
  const s = createKernelSession({ outputDir: path.join(dir, 'kernel'), sessionName: 'cont', daemonId });
  let stats;
  try {
    s.addChannel({ name: 'channel0', subbufSize: 1 << 20, numSubbuf: 8, switchTimerUs: 0, readTimerUs: 200_000, overwrite: false });
    s.setEventRules('channel0', [{ kind: 'tracepoint', pattern: 'sched_switch', enabled: true }]);
    await s.start();
    await Promise.all([busy(2000), busy(2000), findLoop(2000), ownThreadsBusy(2000)]);
    stats = await s.stop();
  } finally {
    await s.destroy();
  }
  try {
    stopRef();
    assert.equal(stats[0]!.discardedEvents, 0);
    const { total, missing, report } = compare(path.join(dir, 'kernel'));
    assert.deepEqual(missing.slice(0, 10), [], `${missing.length} switches ftrace recorded are missing from ttng's trace`);
    assert.ok(total > 1000, `the load made only ${total} switches`);
    process.stderr.write(`# ${report.join('; ')}\n`);
  } finally {
    removeRef();
  }
});

test('a reader that stalls: every switch missing from ttng\'s trace (and in ftrace\'s own buffer) is counted as discarded', { skip, timeout: 60_000 }, async () => {
  const { dir } = tempDir('ttng-kcont-');
  startRef();
  const s = createKernelSession({ outputDir: path.join(dir, 'kernel'), sessionName: 'stall', daemonId });
  let stats;
  try {
    // 16 KiB per CPU: a few hundred switches
    s.addChannel({ name: 'channel0', subbufSize: 4096, numSubbuf: 4, switchTimerUs: 0, readTimerUs: 200_000, overwrite: false });
    s.setEventRules('channel0', [{ kind: 'tracepoint', pattern: 'sched_switch', enabled: true }]);
    await s.start();
    const load = Promise.all([busy(2000), findLoop(2000), ticker(2000), ticker(2000)]);
    await sleep(500);
    // the reader's thread (this one) stops for 1 s: the buffers fill and the kernel drops
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000);
    await load;
    stats = await s.stop();
  } finally {
    await s.destroy();
  }
  try {
    stopRef();
    const lost = stats[0]!.discardedEvents;
    assert.ok(lost > 0, 'the stall made the kernel drop switches');
    const { missing, report } = compare(path.join(dir, 'kernel'), true);
    assert.equal(missing.length, lost, `switches missing from ttng's trace vs. counted as discarded (${report.join('; ')})`);
    process.stderr.write(`# ${lost} discarded = ${missing.length} missing; ${report.join('; ')}\n`);
  } finally {
    removeRef();
  }
});
