// `syscallstats`: per-thread system call counts and durations (lttng-syscallstats).
import { ResultTable, UNKNOWN, cellNumber as num, pyFloat } from '../lami.js';
import type { Cell, TableClass } from '../lami.js';
import { padEnd, padStart, pyRepr, pyRound, pyStrRepr } from '../pyfmt.js';
import { errnoName, stdev } from '../stats.js';
import { SyscallsStats } from '../syscalls.js';
import type { SyscallStats } from '../syscalls.js';
import { groupByClass } from './command.js';
import type { Report } from './command.js';
import { SYSCALL_EVENTS } from './interest.js';

const PER_TID: TableClass = {
  name: 'per-tid',
  title: 'System call statistics',
  columns: [
    ['syscall', 'System call', 'syscall'],
    ['count', 'Call count', 'number', 'calls'],
    ['min_duration', 'Minimum call duration', 'duration'],
    ['avg_duration', 'Average call duration', 'duration'],
    ['max_duration', 'Maximum call duration', 'duration'],
    ['stdev_duration', 'Call duration standard deviation', 'duration'],
    ['return_values', 'Return values count', 'string'],
  ],
};
const TOTAL: TableClass = {
  name: 'total',
  title: 'Per-TID system call statistics',
  columns: [
    ['process', 'Process', 'process'],
    ['count', 'Total system call count', 'number', 'calls'],
  ],
};
const SUMMARY: TableClass = {
  name: 'summary',
  title: 'System call statistics - summary',
  columns: [
    ['time_range', 'Time range', 'time-range'],
    ['process', 'Process', 'process'],
    ['count', 'Total system call count', 'number', 'calls'],
  ],
};

/**
 * str() of lttng-analyses' return-value dict. Its counter starts each key
 * at 1 and adds 1 on the first call too, so every count is one too many:
 * kept, since scripts compare these strings.
 */
function returnValues(s: SyscallStats): string {
  const count = new Map<string, number>();
  for (const [r, n] of s.rets) {
    const key = r >= 0 ? 'success' : (errnoName(-r) ?? String(r));
    count.set(key, (count.get(key) ?? 1) + n);
  }
  return '{' + [...count].map(([k, v]) => `${pyStrRepr(k)}: ${v}`).join(', ') + '}';
}

export const syscallstatsReport: Report<SyscallsStats> = {
  name: 'syscallstats',
  info: {
    title: 'System call statistics',
    description: 'Per-TID and global system call statistics',
    tags: ['syscall', 'stats'],
    tableClasses: [PER_TID, TOTAL, SUMMARY],
  },
  wants: (name) => SYSCALL_EVENTS.has(name),
  tracksIo: false,
  newStats: (_b, filters) => new SyscallsStats(filters),

  tables(p, endTs, ctx) {
    const begin = ctx.abs(p.beginTs);
    const end = ctx.abs(endTs);
    const total = new ResultTable(TOTAL, begin, end);
    const perTid: ResultTable[] = [];
    for (const t of p.stats.threads()) {
      const t2 = new ResultTable(PER_TID, begin, end, `${t.comm} (${t.pid ?? '?'}, TID: ${t.tid})`);
      const calls = [...t.syscalls.values()].sort((a, b) => b.count - a.count);
      for (const s of calls) {
        t2.append({
          syscall: { cls: 'syscall', name: s.name },
          count: { cls: 'number', value: s.count },
          min_duration: { cls: 'duration', value: s.minDuration! },
          avg_duration: { cls: 'duration', value: pyFloat(s.totalDuration / s.count) },
          max_duration: { cls: 'duration', value: s.maxDuration! },
          stdev_duration: s.count > 2 ? { cls: 'duration', value: pyFloat(stdev(s.durations)) } : UNKNOWN,
          return_values: { cls: 'string', value: returnValues(s) },
        });
      }
      perTid.push(t2);
      total.append({ process: { cls: 'process', name: t.comm, pid: t.pid, tid: t.tid }, count: { cls: 'number', value: t.total } });
    }
    return [...perTid, total];
  },

  text(tables) {
    const total = tables[tables.length - 1]!;
    const perTid = tables.slice(0, -1);
    const fmt = (a: string, b: string, c: string, d: string, e: string, f: string, g: string): string =>
      `${padEnd(a, 38)} ${padStart(b, 14)} ${padStart(c, 14)} ${padStart(d, 14)} ${padStart(e, 12)} ${padStart(f, 10)}  ${padEnd(g, 14)}`;
    const us = (c: Cell | undefined): string => pyRepr(pyRound(num(c) / 1000, 3));
    const out = ['Per-TID syscalls statistics (usec)'];
    let totalCalls = 0;
    perTid.forEach((t, i) => {
      out.push(fmt(t.subtitle!, 'Count', 'Min', 'Average', 'Max', 'Stdev', 'Return values'));
      for (const r of t.rows) {
        const sd = r['stdev_duration']!;
        out.push(
          fmt(
            ' - ' + (r['syscall'] as { name: string }).name,
            String(num(r['count'])),
            us(r['min_duration']),
            us(r['avg_duration']),
            us(r['max_duration']),
            sd.cls === 'unknown' ? '?' : us(sd),
            (r['return_values'] as { value: string }).value,
          ),
        );
      }
      const calls = num(total.rows[i]!['count']);
      out.push(fmt('Total:', String(calls), '', '', '', '', ''), '-'.repeat(113));
      totalCalls += calls;
    });
    out.push('', `Total syscalls: ${totalCalls}`);
    return out;
  },

  miResults(perPeriod) {
    const all = groupByClass(perPeriod.flat());
    const totals = all.filter((t) => t.tableClass === TOTAL);
    if (totals.length <= 1) return all;
    const summary = new ResultTable(SUMMARY, totals[0]!.begin, totals[totals.length - 1]!.end);
    for (const t of totals) {
      for (const r of t.rows) summary.append({ time_range: { cls: 'time-range', begin: t.begin, end: t.end }, process: r['process']!, count: r['count']! });
    }
    return [summary];
  },
};
