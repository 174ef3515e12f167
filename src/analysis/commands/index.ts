// The reports `ttng analyze` offers, with the options lttng-analyses gives each.
import type { PeriodStats } from '../period.js';
import type { Report } from './command.js';
import { cputopReport } from './cputop.js';
import { syscallstatsReport } from './syscallstats.js';
import { ioReport } from './io.js';
import { schedReport } from './sched.js';
import { memtopReport } from './memtop.js';

export interface CommandSpec {
  report: Report<PeriodStats>;
  summary: string;
  /** option groups beyond the common ones */
  options: readonly ('proc' | 'top' | 'io' | 'freq' | 'minmax')[];
  /** switches the command implies (the I/O command's --usage for iousagetop…) */
  flags?: readonly string[];
  /** switches the user may add (the other sections of the same analysis) */
  switches?: readonly string[];
}

const IO_SWITCHES = ['usage', 'stats', 'top', 'log', 'freq'];
const SCHED_SWITCHES = ['log', 'top', 'stats', 'total', 'per-tid', 'per-prio'];

export const COMMANDS: ReadonlyMap<string, CommandSpec> = new Map<string, CommandSpec>([
  ['cputop', { report: cputopReport as Report<PeriodStats>, summary: 'Per-TID, per-CPU and total CPU usage', options: ['proc', 'top'] }],
  ['syscallstats', { report: syscallstatsReport as Report<PeriodStats>, summary: 'Per-TID system call counts and durations', options: ['proc'] }],
  ...(
    [
      ['iousagetop', 'usage', 'Per-process, per-file, per-disk and per-interface I/O'],
      ['iolatencytop', 'top', 'The slowest I/O system calls by category'],
      ['iolatencystats', 'stats', 'I/O system call and disk latency statistics'],
      ['iolatencyfreq', 'freq', 'I/O latency distributions'],
      ['iolog', 'log', 'I/O system calls in time order'],
    ] as const
  ).map(([name, flag, summary]): [string, CommandSpec] => [
    name,
    { report: ioReport(name) as Report<PeriodStats>, summary, options: flag === 'freq' ? ['io', 'freq'] : ['io'], flags: [flag], switches: IO_SWITCHES },
  ]),
  ...(
    [
      ['schedtop', 'top', 'The longest scheduling latencies (wake-up to switch-in)'],
      ['schedlog', 'log', 'Scheduling latencies in time order'],
      ['schedstats', 'stats', 'Scheduling latency statistics per thread (--total, --per-prio)'],
    ] as const
  ).map(([name, flag, summary]): [string, CommandSpec] => [
    name,
    { report: schedReport(name) as Report<PeriodStats>, summary, options: ['proc', 'minmax', 'top'], flags: [flag], switches: SCHED_SWITCHES },
  ]),
  ['memtop', { report: memtopReport as Report<PeriodStats>, summary: 'Pages allocated and freed per thread', options: ['proc', 'top'] }],
]);

export { ReportRun } from './command.js';
export type { Report, ReportOptions } from './command.js';
