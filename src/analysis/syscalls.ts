// System call counts and durations per thread (lttng-analyses' syscallstats).
import type { AnalysisEvent } from './event.js';
import type { Filters, PeriodStats } from './period.js';
import type { Process } from './state.js';

export class SyscallStats {
  minDuration: number | undefined;
  maxDuration: number | undefined;
  totalDuration = 0;
  /** ns, in call order */
  readonly durations: number[] = [];
  /** calls per return value (all successes as 0), first seen first */
  readonly rets = new Map<number, number>();
  constructor(readonly name: string) {}

  get count(): number {
    return this.durations.length;
  }
}

export class ThreadSyscalls {
  /** by system call name, first call first */
  readonly syscalls = new Map<string, SyscallStats>();
  total = 0;
  constructor(
    readonly pid: number | undefined,
    readonly tid: number,
    readonly comm: string,
  ) {}
}

export class SyscallsStats implements PeriodStats {
  readonly tids = new Map<number, ThreadSyscalls>();
  total = 0;

  constructor(private readonly filters: Filters) {}

  syscallExit(proc: Process, _ev: AnalysisEvent, cpu: number): void {
    const sc = proc.currentSyscall!;
    if (!this.filters.process(proc) || !this.filters.cpu(cpu)) return;
    const tid = proc.tid!;
    let t = this.tids.get(tid);
    if (!t) {
      t = new ThreadSyscalls(proc.pid, tid, proc.comm);
      this.tids.set(tid, t);
    }
    let s = t.syscalls.get(sc.name);
    if (!s) {
      s = new SyscallStats(sc.name);
      t.syscalls.set(sc.name, s);
    }
    const d = sc.duration;
    if (s.minDuration === undefined || s.minDuration > d) s.minDuration = d;
    if (s.maxDuration === undefined || s.maxDuration < d) s.maxDuration = d;
    s.totalDuration += d;
    s.durations.push(d);
    const r = sc.ret === undefined || sc.ret >= 0 ? 0 : sc.ret;
    s.rets.set(r, (s.rets.get(r) ?? 0) + 1);
    t.total++;
    this.total++;
  }

  /** threads with calls, most calls first (ties: first seen first) */
  threads(): ThreadSyscalls[] {
    return [...this.tids.values()].filter((t) => t.total > 0).sort((a, b) => b.total - a.total);
  }
}
