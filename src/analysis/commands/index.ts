// The reports `ttng analyze` offers, with the options lttng-analyses gives each.
import type { PeriodStats } from '../period.js';
import type { Report } from './command.js';
import { cputopReport } from './cputop.js';
import { syscallstatsReport } from './syscallstats.js';

export interface CommandSpec {
  report: Report<PeriodStats>;
  summary: string;
  /** option groups beyond the common ones */
  options: readonly ('proc' | 'top' | 'io' | 'minmax')[];
  /** switches the command implies (the I/O command's --usage for iousagetop…) */
  flags?: readonly string[];
}

export const COMMANDS: ReadonlyMap<string, CommandSpec> = new Map<string, CommandSpec>([
  ['cputop', { report: cputopReport as Report<PeriodStats>, summary: 'Per-TID, per-CPU and total CPU usage', options: ['proc', 'top'] }],
  ['syscallstats', { report: syscallstatsReport as Report<PeriodStats>, summary: 'Per-TID system call counts and durations', options: ['proc'] }],
]);

export { ReportRun } from './command.js';
export type { Report, ReportOptions } from './command.js';
