// What every report (cputop, syscallstats, the I/O ones…) shares: how its
// periods become LAMI result tables and text, and the common run loop.
import { Automaton } from '../automaton.js';
import type { AnalysisEvent } from '../event.js';
import { ResultTable, resultsJson } from '../lami.js';
import type { AnalysisInfo, PyNum } from '../lami.js';
import { Filters, PeriodRunner } from '../period.js';
import type { AnalysisConfig, Period, PeriodStats } from '../period.js';
import { formatTimeRange } from '../pyfmt.js';

export interface ReportOptions {
  /** --limit (top N; lttng-analyses' default 10) */
  limit: number;
  gmt: boolean;
  /** the trace spans several days: times are printed with their date */
  multiDay: boolean;
  /** LAMI JSON instead of text */
  mi: boolean;
  /** command-specific switches (the I/O command's --usage, --top, …) */
  flags: ReadonlySet<string>;
  /** --freq-resolution (buckets; default 20) */
  freqResolution?: number;
  /** --minsize/--maxsize (bytes) */
  minSize?: number;
  maxSize?: number;
}

export interface TickContext {
  automaton: Automaton;
  conf: AnalysisConfig;
  opts: ReportOptions;
  /** absolute ns of an event time */
  abs(ts: number): bigint;
}

/** one report, as a table-producing plug-in of the common loop */
export interface Report<P extends PeriodStats> {
  readonly name: string;
  readonly info: AnalysisInfo;
  /** events whose state changes can show in this report (others need no decoding) */
  wants(eventName: string): boolean;
  /** whether file descriptors and I/O requests show in this report */
  readonly tracksIo: boolean;
  newStats(beginTs: number, filters: Filters, conf: AnalysisConfig, opts: ReportOptions): P;
  /** the result tables of a closed period (the text layout follows them) */
  tables(period: Period<P>, endTs: number, ctx: TickContext): ResultTable[];
  /** text lines for the tables of one period (the `Timerange:` line is added before) */
  text(tables: ResultTable[], ctx: TickContext): string[];
  /** LAMI tables once all periods are done (several periods: a summary, by report) */
  miResults(perPeriod: ResultTable[][]): ResultTable[];
}

export function timeRangeLine(begin: bigint, end: bigint, gmt: boolean): string {
  return `Timerange: ${formatTimeRange(begin, end, true, gmt)}`;
}

/** table class name → its tables in order, as lttng-analyses groups them for printing */
export function groupByClass(tables: readonly ResultTable[]): ResultTable[] {
  const byClass = new Map<string, ResultTable[]>();
  for (const t of tables) {
    if (t.rows.length === 0) continue;
    let l = byClass.get(t.tableClass.name);
    if (!l) byClass.set(t.tableClass.name, (l = []));
    l.push(t);
  }
  return [...byClass.values()].flat();
}

/**
 * Runs a report over events fed one by one: text lines go to `emit` as
 * periods close; `finish()` returns the MI JSON line in MI mode.
 */
export class ReportRun<P extends PeriodStats> {
  readonly automaton: Automaton;
  readonly runner: PeriodRunner<P>;
  private readonly perPeriod: ResultTable[][] = [];
  private readonly ctx: TickContext;

  constructor(
    readonly report: Report<P>,
    conf: AnalysisConfig,
    opts: ReportOptions,
    baseNs: bigint,
    private readonly emit: (line: string) => void,
    automatonOptions: ConstructorParameters<typeof Automaton>[0] = {},
  ) {
    this.automaton = new Automaton({ ...automatonOptions, trackIo: report.tracksIo });
    const filters = new Filters(conf);
    this.ctx = { automaton: this.automaton, conf, opts, abs: (ts) => baseNs + BigInt(ts) };
    this.runner = new PeriodRunner(this.automaton, conf, (b) => report.newStats(b, filters, conf, opts), (p, end) => this.tick(p, end));
  }

  /** false once past --end */
  feed(ev: AnalysisEvent): boolean {
    return this.runner.feed(ev);
  }

  /** an event this report does not need (see `Report.wants`): only its time counts */
  skip(ts: number): boolean {
    return this.runner.time(ts);
  }

  private tick(p: Period<P>, endTs: number): void {
    const tables = this.report.tables(p, endTs, this.ctx);
    if (this.ctx.opts.mi) {
      this.perPeriod.push(tables);
      return;
    }
    this.emit(timeRangeLine(this.ctx.abs(p.beginTs), this.ctx.abs(endTs), this.ctx.opts.gmt));
    for (const l of this.report.text(tables, this.ctx)) this.emit(l);
  }

  /** closes the last period; in MI mode, returns the results line */
  finish(): string | undefined {
    this.runner.finish();
    if (!this.ctx.opts.mi) return undefined;
    return resultsJson(this.report.miResults(this.perPeriod));
  }
}

export type { PyNum };
