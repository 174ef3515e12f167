// CPU usage per thread and per CPU over a period, from sched_switch
// (lttng-analyses' cputop).
import type { SwitchInfo } from './hooks.js';
import type { Filters, PeriodStats } from './period.js';
import type { Process } from './state.js';

export class CpuUsage {
  /** ns */
  totalUsage = 0;
  currentTaskStart: number | undefined;
  constructor(readonly cpuId: number) {}
}

export class ThreadCpu {
  /** ns */
  totalCpuTime = 0;
  lastSchedTs: number | undefined;
  migrateCount = 0;
  readonly prios: number[] = [];
  constructor(
    readonly pid: number | undefined,
    readonly tid: number,
    readonly comm: string,
  ) {}
}

export interface CputopRow {
  thread: ThreadCpu;
  /** percentage of the period */
  usage: number;
}

export interface CpuRow {
  cpu: number;
  usage: number;
}

export class CputopStats implements PeriodStats {
  readonly cpus = new Map<number, CpuUsage>();
  readonly tids = new Map<number, ThreadCpu>();

  constructor(
    readonly beginTs: number,
    private readonly filters: Filters,
  ) {}

  /** the swapper is never counted as a switched-in thread */
  private keep(p: Process): boolean {
    return p.tid !== 0 && this.filters.process(p);
  }

  schedSwitchPerCpu(s: SwitchInfo): void {
    if (!this.filters.cpu(s.cpu)) return;
    let c = this.cpus.get(s.cpu);
    if (!c) {
      c = new CpuUsage(s.cpu);
      c.currentTaskStart = this.beginTs;
      this.cpus.set(s.cpu, c);
    }
    if (c.currentTaskStart !== undefined) c.totalUsage += s.ts - c.currentTaskStart;
    c.currentTaskStart = this.keep(s.wakee) ? s.ts : undefined;
  }

  schedSwitchPerTid(s: SwitchInfo): void {
    if (!this.filters.cpu(s.cpu)) return;
    let prev = this.tids.get(s.prevTid);
    if (!prev) {
      // it was running when the period began
      prev = new ThreadCpu(undefined, s.prevTid, s.prevComm);
      prev.lastSchedTs = this.beginTs;
      this.tids.set(s.prevTid, prev);
    }
    if (prev.lastSchedTs !== undefined) {
      prev.totalCpuTime += s.ts - prev.lastSchedTs;
      prev.lastSchedTs = undefined;
    }
    if (!this.keep(s.wakee)) return;
    let next = this.tids.get(s.nextTid);
    if (!next) {
      next = new ThreadCpu(undefined, s.nextTid, s.nextComm);
      // lttng-analyses records the priority it knows, even none
      next.prios.push(s.wakee.prio ?? Number.NaN);
      this.tids.set(s.nextTid, next);
    }
    next.lastSchedTs = s.ts;
  }

  schedMigrateTask(p: Process, cpu: number): void {
    if (!this.keep(p) || !this.filters.cpu(cpu)) return;
    const tid = p.tid!;
    let t = this.tids.get(tid);
    if (!t) {
      t = new ThreadCpu(p.pid, tid, p.comm);
      this.tids.set(tid, t);
    }
    t.migrateCount++;
  }

  prioChanged(_ts: number, tid: number, prio: number): void {
    this.tids.get(tid)?.prios.push(prio);
  }

  /** per-thread usage at `endTs` (in-progress time counted), busiest first */
  threads(endTs: number): CputopRow[] {
    const d = endTs - this.beginTs;
    const rows = [...this.tids.values()].map((t) => {
      const total = t.totalCpuTime + (t.lastSchedTs !== undefined ? endTs - t.lastSchedTs : 0);
      return { thread: t, usage: d !== 0 ? (total * 100) / d : 0 };
    });
    // stable: equal usages keep their first-seen order
    return rows.sort((a, b) => b.usage - a.usage);
  }

  /** per-CPU usage at `endTs`, by CPU id */
  perCpu(endTs: number): CpuRow[] {
    const d = endTs - this.beginTs;
    return [...this.cpus.values()]
      .map((c) => {
        const total = c.totalUsage + (c.currentTaskStart !== undefined ? endTs - c.currentTaskStart : 0);
        return { cpu: c.cpuId, usage: d !== 0 ? (total * 100) / d : 0 };
      })
      .sort((a, b) => a.cpu - b.cpu);
  }

  /**
   * Average usage over `cpuCount` CPUs (the automaton's CPU count, as
   * lttng-analyses divides by every CPU it has seen); undefined with none.
   */
  total(endTs: number, cpuCount: number): number | undefined {
    if (!cpuCount) return undefined;
    // summed busiest first, as lttng-analyses does (float addition order)
    const usages = this.perCpu(endTs).map((r) => r.usage).sort((a, b) => b - a);
    let sum = 0;
    for (const u of usages) sum += u;
    return sum / cpuCount;
  }
}
