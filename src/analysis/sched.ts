// Scheduling latency: from a thread's wake-up to its switch-in (lttng-analyses'
// SchedAnalysis).
import type { SwitchInfo } from './hooks.js';
import type { AnalysisConfig, Filters, PeriodStats } from './period.js';
import type { Process } from './state.js';

export class SchedEvent {
  readonly latency: number;
  /** the wakee's priority at its switch-in */
  readonly prio: number | undefined;
  constructor(
    readonly wakeupTs: number,
    readonly switchTs: number,
    /** live objects: lttng-analyses reads their names when it prints */
    readonly wakee: Process,
    readonly waker: Process | undefined,
    readonly targetCpu: number,
  ) {
    this.latency = switchTs - wakeupTs;
    this.prio = wakee.prio;
  }
}

export class ThreadSched {
  readonly prios: (number | undefined)[] = [];
  readonly events: SchedEvent[] = [];
  minLatency: number | undefined;
  maxLatency: number | undefined;
  totalLatency = 0;
  constructor(
    readonly tid: number,
    readonly comm: string,
  ) {}
}

export class SchedStats implements PeriodStats {
  readonly events: SchedEvent[] = [];
  readonly tids = new Map<number, ThreadSched>();
  minLatency: number | undefined;
  maxLatency: number | undefined;
  totalLatency = 0;

  constructor(
    private readonly filters: Filters,
    private readonly conf: AnalysisConfig,
  ) {}

  /** a thread's statistics, made with the priority it has now */
  private thread(p: Process): ThreadSched {
    let t = this.tids.get(p.tid!);
    if (!t) {
      t = new ThreadSched(p.tid!, p.comm);
      t.prios.push(p.prio);
      this.tids.set(p.tid!, t);
    }
    return t;
  }

  schedSwitchPerTid(s: SwitchInfo): void {
    const wakee = s.wakee;
    const wakeupTs = wakee.lastWakeup;
    if (!this.filters.process(wakee) || !this.filters.cpu(s.cpu) || wakeupTs === undefined) return;
    const latency = s.ts - wakeupTs;
    const { minDuration, maxDuration } = this.conf;
    if ((minDuration !== undefined && latency < minDuration) || (maxDuration !== undefined && latency > maxDuration)) return;
    if (s.waker && !this.tids.has(s.waker.tid!)) this.thread(s.waker);
    const t = this.tids.get(s.nextTid) ?? this.thread(wakee);
    const e = new SchedEvent(wakeupTs, s.ts, wakee, s.waker, s.cpu);
    t.events.push(e);
    if (t.minLatency === undefined || latency < t.minLatency) t.minLatency = latency;
    if (t.maxLatency === undefined || latency > t.maxLatency) t.maxLatency = latency;
    t.totalLatency += latency;
    if (this.minLatency === undefined || latency < this.minLatency) this.minLatency = latency;
    if (this.maxLatency === undefined || latency > this.maxLatency) this.maxLatency = latency;
    this.totalLatency += latency;
    this.events.push(e);
  }

  prioChanged(_ts: number, tid: number, prio: number): void {
    this.tids.get(tid)?.prios.push(prio);
  }
}
