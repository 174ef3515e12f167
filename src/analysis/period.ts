// The time frame of an analysis: it starts at the first event (or at
// --begin), ends at the last one (or at --end), and with --refresh is cut
// into periods; each period has its own statistics object, which hears the
// automaton's notifications while it is open (lttng-analyses' "definition-
// less period").
import type { AnalysisEvent } from './event.js';
import type { StateHooks } from './hooks.js';
import type { Automaton } from './automaton.js';
import type { Process } from './state.js';

export interface AnalysisConfig {
  /** ns, in the events' time base; events before are replayed into the state only */
  beginTs?: number;
  /** ns: the analysis stops at the first event after it */
  endTs?: number;
  /** ns: a new period every so often */
  refreshPeriod?: number;
  cpuList?: readonly number[];
  tidList?: readonly number[];
  procList?: readonly string[];
  /** ns */
  minDuration?: number;
  maxDuration?: number;
}

export class Filters {
  constructor(readonly conf: AnalysisConfig) {}

  process(p: Process | undefined): boolean {
    if (!p) return true;
    const { procList, tidList } = this.conf;
    if (procList && procList.length && !procList.includes(p.comm)) return false;
    if (tidList && tidList.length && (p.tid === undefined || !tidList.includes(p.tid))) return false;
    return true;
  }

  cpu(cpu: number): boolean {
    const l = this.conf.cpuList;
    return !(l && l.length && !l.includes(cpu));
  }
}

/** one period's statistics */
export interface PeriodStats extends StateHooks {
  /** the period is over: fold in what is still running at `lastTs` */
  close?(lastTs: number): void;
}

export interface Period<P> {
  stats: P;
  beginTs: number;
}

/**
 * Drives an analysis over the event stream: call `feed` for each event in
 * time order (it updates the automaton too), then `finish`. `onTick` gets
 * each closed period with its end time.
 */
export class PeriodRunner<P extends PeriodStats> {
  firstTs: number | undefined;
  lastTs: number | undefined;
  started = false;
  ended = false;
  private current: Period<P> | undefined;
  private seen = false;

  constructor(
    readonly automaton: Automaton,
    readonly conf: AnalysisConfig,
    private readonly newStats: (beginTs: number) => P,
    private readonly onTick: (period: Period<P>, endTs: number) => void,
  ) {}

  /** the open period, if any (for reading results while events still come) */
  get open(): Period<P> | undefined {
    return this.current;
  }

  /** false once the analysis has ended (past --end): stop feeding */
  feed(ev: AnalysisEvent): boolean {
    if (!this.time(ev.ts)) return false;
    this.automaton.process(ev);
    return true;
  }

  /**
   * An event that cannot change this analysis' state still moves its clock:
   * the first and last events bound the periods, whatever they are.
   */
  time(ts: number): boolean {
    if (this.ended) return false;
    if (!this.seen) {
      this.seen = true;
      if (this.conf.beginTs === undefined) this.begin(ts);
    }
    if (this.conf.endTs !== undefined && ts > this.conf.endTs) {
      this.ended = true;
      return false;
    }
    if (this.firstTs === undefined) this.firstTs = ts;
    this.lastTs = ts;
    if (!this.started) {
      if (this.conf.beginTs !== undefined) {
        if (ts >= this.conf.beginTs) {
          this.begin(ts);
          this.started = true;
        }
      } else this.started = true;
    }
    if (this.started && this.conf.refreshPeriod !== undefined && this.current && ts >= this.current.beginTs + this.conf.refreshPeriod) {
      this.end();
      this.begin(ts);
    }
    return true;
  }

  /** ends the analysis: the open period is closed and ticked */
  finish(): void {
    this.ended = true;
    this.end();
  }

  private begin(ts: number): void {
    const stats = this.newStats(ts);
    this.current = { stats, beginTs: ts };
    this.automaton.hooks = stats;
  }

  private end(): void {
    const p = this.current;
    if (!p) return;
    this.current = undefined;
    this.automaton.hooks = undefined;
    p.stats.close?.(this.lastTs!);
    if (this.lastTs !== undefined) this.onTick(p, this.lastTs);
  }
}
