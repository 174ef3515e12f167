// The state machines on hand-made event streams: scheduling, thread names,
// system call pairing, file descriptors, periods, and the statistics the
// reports print (also read while events still come in, as a live top will).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Automaton } from '../../src/analysis/automaton.js';
import type { AnalysisEvent, FieldValue } from '../../src/analysis/event.js';
import type { StateHooks } from '../../src/analysis/hooks.js';
import { CputopStats } from '../../src/analysis/cputop.js';
import { SyscallsStats } from '../../src/analysis/syscalls.js';
import { IoStats } from '../../src/analysis/io.js';
import { Filters, PeriodRunner } from '../../src/analysis/period.js';
import type { AnalysisConfig, Period } from '../../src/analysis/period.js';
import { ReportRun } from '../../src/analysis/commands/index.js';
import { syscallstatsReport } from '../../src/analysis/commands/syscallstats.js';
import { BASE_EVENTS, SYSCALL_EVENTS } from '../../src/analysis/commands/interest.js';
import { FdType } from '../../src/analysis/state.js';

function ev(name: string, ts: number, cpu: number, payload: Record<string, FieldValue> = {}, ctx: Record<string, FieldValue> = {}): AnalysisEvent {
  return { name, ts, cpu, field: (n) => payload[n], context: (n) => ctx[n] };
}

const sw = (ts: number, cpu: number, prev: [number, string, number], next: [number, string, number]): AnalysisEvent =>
  ev('sched_switch', ts, cpu, { prev_tid: prev[0], prev_comm: prev[1], prev_prio: prev[2], prev_state: 0, next_tid: next[0], next_comm: next[1], next_prio: next[2] });

describe('automaton', () => {
  test('sched_switch: the current thread per CPU, names, priorities (the swapper is no thread)', () => {
    const a = new Automaton();
    const prios: [number, number][] = [];
    a.hooks = { prioChanged: (_ts, tid, prio) => prios.push([tid, prio]) };
    a.process(sw(10, 0, [0, 'swapper/0', 20], [100, 'bash', 20]));
    assert.equal(a.cpus.get(0)!.currentTid, 100);
    assert.equal(a.tids.get(100)!.comm, 'bash');
    assert.equal(a.tids.get(100)!.prevTid, 0);
    a.process(sw(20, 0, [100, 'bash', 20], [0, 'swapper/0', 20]));
    assert.equal(a.cpus.get(0)!.currentTid, undefined);
    a.process(sw(30, 0, [0, 'swapper/0', 20], [100, 'bash', 10]));
    assert.deepEqual(prios, [[100, 20], [100, 10]]);
  });

  test('system calls pair entry and exit on the thread running on that CPU', () => {
    const a = new Automaton();
    const seen: [number, string, number, number | undefined][] = [];
    a.hooks = { syscallExit: (p) => seen.push([p.tid!, p.currentSyscall!.name, p.currentSyscall!.duration, p.currentSyscall!.ret]) };
    // a CPU never switched to: nothing known runs there
    a.process(ev('syscall_entry_getpid', 1, 1));
    a.process(ev('syscall_exit_getpid', 2, 1, { ret: 5 }));
    a.process(sw(10, 1, [0, 'swapper/1', 20], [42, 'cat', 20]));
    a.process(ev('syscall_entry_getpid', 11, 1));
    a.process(ev('syscall_exit_getpid', 15, 1, { ret: 42 }));
    a.process(ev('sys_read', 20, 1, { fd: 0, count: 10 }));
    a.process(ev('exit_syscall', 26, 1, { ret: -11 }));
    assert.deepEqual(seen, [[42, 'getpid', 4, 42], [42, 'read', 6, -11]]);
    assert.equal(a.tids.get(42)!.currentSyscall, undefined);
  });

  test('file descriptors: statedump, open, dup2, close, fork, exec (close-on-exec)', () => {
    const a = new Automaton();
    const log: string[] = [];
    a.hooks = {
      createFd: (fd, p) => log.push(`create ${p.tid}:${fd}`),
      closeFd: (fd, p) => log.push(`close ${p.tid}:${fd}`),
      updateFd: (fd, p) => log.push(`update ${p.tid}:${fd}`),
    };
    a.process(ev('lttng_statedump_process_state', 1, 0, { tid: 7, pid: 7, ppid: 1, name: 'srv' }));
    a.process(ev('lttng_statedump_file_descriptor', 2, 0, { pid: 7, fd: 0, flags: 0, filename: '/dev/null' }));
    a.process(ev('lttng_statedump_file_descriptor', 3, 0, { pid: 7, fd: 0, flags: 0, filename: '/dev/zero' }));
    a.process(sw(10, 0, [0, 'swapper/0', 20], [7, 'srv', 20]));
    a.process(ev('syscall_entry_openat', 11, 0, { dfd: -100, filename: '/etc/passwd', flags: 0o2000000, mode: 0 }));
    a.process(ev('syscall_exit_openat', 12, 0, { ret: 3 }));
    const fd3 = a.tids.get(7)!.fds.get(3)!;
    assert.equal(fd3.filename, '/etc/passwd');
    assert.equal(fd3.fdType, FdType.Disk);
    assert.equal(fd3.cloexec, true);
    // dup2(0, 3) closes 3 first, then 3 is a copy of /dev/zero
    a.process(ev('syscall_entry_dup2', 13, 0, { oldfd: 0, newfd: 3 }));
    a.process(ev('syscall_exit_dup2', 14, 0, { ret: 3 }));
    assert.equal(a.tids.get(7)!.fds.get(3)!.filename, '/dev/zero');
    a.process(ev('sched_process_fork', 15, 0, { parent_tid: 7, parent_pid: 7, parent_comm: 'srv', child_tid: 8, child_pid: 8, child_comm: 'srv' }));
    assert.deepEqual([...a.tids.get(8)!.fds.keys()], [0, 3]);
    a.process(ev('syscall_entry_close', 16, 0, { fd: 0 }));
    a.process(ev('syscall_exit_close', 17, 0, { ret: 0 }));
    assert.equal(a.tids.get(7)!.fds.has(0), false);
    // a read on a descriptor never seen makes it known, as "unknown"
    a.process(ev('syscall_entry_read', 18, 0, { fd: 9, count: 4 }));
    a.process(ev('syscall_exit_read', 19, 0, { ret: 4 }));
    assert.equal(a.tids.get(7)!.fds.get(9)!.filename, 'unknown');
    assert.deepEqual(log, ['create 7:0', 'update 7:0', 'create 7:3', 'close 7:3', 'create 7:3', 'create 8:0', 'create 8:3', 'close 7:0', 'create 7:9']);
  });

  test('a pid context names the process of a thread seen only by its tid', () => {
    const a = new Automaton();
    a.process(sw(10, 0, [0, 'swapper/0', 20], [51, 'worker', 20]));
    assert.equal(a.tids.get(51)!.pid, undefined);
    a.process(ev('syscall_entry_read', 11, 0, { fd: 0, count: 1 }, { pid: 50, tid: 51 }));
    assert.equal(a.tids.get(51)!.pid, 50);
    assert.equal(a.tids.get(50)!.comm, 'worker');
    assert.equal(a.parentOf(a.tids.get(51)!), a.tids.get(50));
  });

  test('exec takes the procname context as the new name', () => {
    const a = new Automaton();
    a.process(sw(10, 0, [0, 'swapper/0', 20], [60, 'sh', 20]));
    a.process(ev('sched_process_exec', 11, 0, { filename: '/bin/ls', tid: 60, old_tid: 60 }, { procname: 'ls' }));
    assert.equal(a.tids.get(60)!.comm, 'ls');
  });
});

function runner<P extends StateHooks>(conf: AnalysisConfig, make: (b: number, f: Filters) => P): { r: PeriodRunner<P>; ticks: [Period<P>, number][] } {
  const ticks: [Period<P>, number][] = [];
  const r = new PeriodRunner(new Automaton(), conf, (b) => make(b, new Filters(conf)), (p, end) => ticks.push([p, end]));
  return { r, ticks };
}

describe('statistics', () => {
  test('cputop: usage per thread and CPU, read while events come in, then at the end', () => {
    const { r, ticks } = runner({}, (b, f) => new CputopStats(b, f));
    r.feed(sw(0, 0, [0, 'swapper/0', 20], [1, 'a', 20]));
    r.feed(sw(300, 0, [1, 'a', 20], [2, 'b', 20]));
    // mid-way: thread 2 is running since 300 (the swapper ran 0 ns before the first switch)
    const mid = r.open!.stats.threads(400);
    assert.deepEqual(mid.map((x) => [x.thread.tid, x.usage]), [[1, 75], [2, 25], [0, 0]]);
    r.feed(sw(1000, 0, [2, 'b', 20], [0, 'swapper/0', 20]));
    r.finish();
    assert.equal(ticks.length, 1);
    const [p, end] = ticks[0]!;
    assert.equal(end, 1000);
    assert.deepEqual(p.stats.threads(end).map((x) => [x.thread.tid, x.thread.comm, x.usage]), [[2, 'b', 70], [1, 'a', 30], [0, 'swapper/0', 0]]);
    assert.deepEqual(p.stats.perCpu(end), [{ cpu: 0, usage: 100 }]);
    assert.equal(p.stats.total(end, 1), 100);
  });

  test('periods: --begin starts the statistics, --end stops feeding, --refresh cuts', () => {
    const { r, ticks } = runner({ beginTs: 100, endTs: 400, refreshPeriod: 150 }, (b, f) => new CputopStats(b, f));
    for (const ts of [0, 100, 200, 260, 400, 401]) r.feed(sw(ts, 0, [1, 'a', 20], [1, 'a', 20]));
    assert.equal(r.ended, true);
    r.finish();
    assert.deepEqual(ticks.map(([p, end]) => [p.beginTs, end]), [[100, 260], [260, 400]]);
  });

  test('syscallstats: counts, extremes, and lttng-analyses’ return-value counts', () => {
    const conf = {};
    const run = new ReportRun(syscallstatsReport, conf, { limit: 10, gmt: true, multiDay: false, mi: false, flags: new Set() }, 0n, () => undefined);
    run.feed(sw(0, 0, [0, 'swapper/0', 20], [5, 'x', 20]));
    for (const [b, e, ret] of [[10, 20, 0], [30, 35, -2], [40, 47, -2], [50, 53, 3]] as const) {
      run.feed(ev('syscall_entry_openat', b, 0, { filename: 'f', flags: 0, dfd: 0, mode: 0 }));
      run.feed(ev('syscall_exit_openat', e, 0, { ret }));
    }
    const stats = run.runner.open!.stats;
    const s = stats.tids.get(5)!.syscalls.get('openat')!;
    assert.deepEqual([s.count, s.minDuration, s.maxDuration, s.totalDuration], [4, 3, 10, 25]);
    const ctx = { automaton: run.automaton, conf, opts: { limit: 10, gmt: true, multiDay: false, mi: false, flags: new Set<string>() }, abs: (t: number) => BigInt(t) };
    const tables = syscallstatsReport.tables({ stats: stats as SyscallsStats, beginTs: 0 }, 53, ctx);
    const lines = syscallstatsReport.text(tables, ctx);
    assert.equal(lines[1], 'x (?, TID: 5)                                   Count            Min        Average          Max      Stdev  Return values ');
    // each return value counted once too often, as lttng-analyses prints it
    assert.match(lines[2]!, /^ - openat +4 +0\.003 +0\.006 +0\.01 +0\.003 +\{'success': 3, 'ENOENT': 3\}/);
  });

  test('I/O: bytes per process by descriptor type, per file', () => {
    const { r, ticks } = runner({}, (_b, f) => new IoStats(f, true));
    r.feed(sw(0, 0, [0, 'swapper/0', 20], [9, 'dd', 20]));
    r.feed(ev('syscall_entry_openat', 1, 0, { filename: '/tmp/f', flags: 0, dfd: 0, mode: 0 }));
    r.feed(ev('syscall_exit_openat', 2, 0, { ret: 4 }));
    r.feed(ev('syscall_entry_write', 3, 0, { fd: 4, count: 100 }));
    r.feed(ev('syscall_exit_write', 5, 0, { ret: 100 }));
    r.feed(ev('syscall_entry_read', 6, 0, { fd: 7, count: 100 }));
    r.feed(ev('syscall_exit_read', 8, 0, { ret: 50 }));
    r.feed(ev('syscall_entry_read', 9, 0, { fd: 4, count: 100 }));
    r.feed(ev('syscall_exit_read', 10, 0, { ret: -5 }));
    r.finish();
    const s = ticks[0]![0].stats;
    const p = s.tids.get(9)!;
    assert.deepEqual([p.diskIo.write, p.unkIo.read, p.totalRead], [100, 50, 50]);
    assert.equal(s.files().get('/tmp/f')!.io.write, 100);
    assert.equal(s.syscallRequests().length, 4);
  });
});

describe('what each report needs decoded', () => {
  test('the base: scheduling, statedump, IRQs, and I/O system call entries only', () => {
    assert.ok(BASE_EVENTS.has('sched_switch'));
    assert.ok(BASE_EVENTS.has('syscall_entry_read'));
    assert.ok(!BASE_EVENTS.has('syscall_exit_read'));
    assert.ok(!BASE_EVENTS.has('syscall_entry_getpid'));
    assert.ok(!BASE_EVENTS.has('kmem_mm_page_alloc'));
    assert.ok(SYSCALL_EVENTS.has('syscall_exit_getpid'));
    assert.ok(SYSCALL_EVENTS.has('exit_syscall'));
  });
});
