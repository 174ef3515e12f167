// `cputop`: per-thread, per-CPU and total CPU usage (lttng-cputop).
import { CputopStats } from '../cputop.js';
import { ResultTable, cellNumber, pyFloat } from '../lami.js';
import type { Cell, TableClass } from '../lami.js';
import { formatPrioList, pyFixed } from '../pyfmt.js';
import { barGraph, padEnd, padStart } from '../text/termgraph.js';
import { groupByClass } from './command.js';
import type { Report } from './command.js';
import { BASE_EVENTS } from './interest.js';

const PER_PROC: TableClass = {
  name: 'per-process',
  title: 'Per-TID top CPU usage',
  columns: [
    ['process', 'Process', 'process'],
    ['migrations', 'Migration count', 'number', 'migrations'],
    ['prio_list', 'Chronological priorities', 'string'],
    ['usage', 'CPU usage', 'ratio'],
  ],
};
const PER_CPU: TableClass = { name: 'per-cpu', title: 'Per-CPU top CPU usage', columns: [['cpu', 'CPU', 'cpu'], ['usage', 'CPU usage', 'ratio']] };
const TOTAL: TableClass = { name: 'total', title: 'Total CPU usage', columns: [['usage', 'CPU usage', 'ratio']] };
const SUMMARY: TableClass = {
  name: 'summary',
  title: 'CPU usage - summary',
  columns: [['time_range', 'Time range', 'time-range'], ['usage', 'Total CPU usage', 'ratio']],
};

/** Ratio.from_percentage(x).to_percentage(): what the text prints */
function ratioCell(percent: number): Cell {
  return { cls: 'ratio', value: pyFloat(percent / 100) };
}

function percentOf(c: Cell | undefined): number {
  return c && c.cls === 'ratio' ? cellNumber(c) * 100 : 0;
}

export const cputopReport: Report<CputopStats> = {
  name: 'cputop',
  info: {
    title: 'Top CPU usage',
    description: 'Per-TID, per-CPU, and total top CPU usage',
    tags: ['cpu', 'top'],
    tableClasses: [PER_PROC, PER_CPU, TOTAL, SUMMARY],
  },
  wants: (name) => BASE_EVENTS.has(name),
  tracksIo: false,
  newStats: (beginTs, filters) => new CputopStats(beginTs, filters),

  tables(p, endTs, ctx) {
    const begin = ctx.abs(p.beginTs);
    const end = ctx.abs(endTs);
    const perTid = new ResultTable(PER_PROC, begin, end);
    const limit = ctx.opts.limit;
    for (const r of p.stats.threads(endTs)) {
      const t = r.thread;
      perTid.append({
        process: { cls: 'process', name: t.comm, tid: t.tid },
        migrations: { cls: 'number', value: t.migrateCount },
        prio_list: { cls: 'string', value: formatPrioList(t.prios) },
        usage: ratioCell(r.usage),
      });
      if (limit > 0 && perTid.rows.length >= limit) break;
    }
    const perCpu = new ResultTable(PER_CPU, begin, end);
    for (const c of p.stats.perCpu(endTs)) perCpu.append({ cpu: { cls: 'cpu', id: c.cpu }, usage: ratioCell(c.usage) });
    const tables = [perTid, perCpu];
    const total = p.stats.total(endTs, ctx.automaton.cpus.size);
    if (total !== undefined) {
      const t = new ResultTable(TOTAL, begin, end);
      t.append({ usage: ratioCell(total) });
      tables.push(t);
    }
    return tables;
  },

  text(tables) {
    const [perTid, perCpu, total] = tables;
    const rowFmt = (a: string, b: string, c: string): string => `  ${padEnd(a, 25)} ${padStart(b, 10)}   ${c}`;
    const out = barGraph({
      title: 'Per-TID Usage',
      unit: '%',
      labelHeader: rowFmt('Process', 'Migrations', 'Priorities'),
      data: perTid!.rows.map((r) => {
        const v = percentOf(r['usage']);
        const proc = r['process'] as { name?: string; tid?: number };
        const mig = r['migrations'] as { value: number };
        const prios = r['prio_list'] as { value: string };
        return { value: v, valueStr: pyFixed(v, 2), label: rowFmt(`${proc.name} (${proc.tid})`, String(mig.value), prios.value) };
      }),
    });
    out.push(
      ...barGraph({
        title: 'Per-CPU Usage',
        unit: '%',
        data: perCpu!.rows.map((r) => {
          const v = percentOf(r['usage']);
          return { value: v, valueStr: pyFixed(v, 2), label: `CPU ${(r['cpu'] as { id: number }).id}` };
        }),
      }),
    );
    if (total) out.push('', `Total CPU Usage: ${pyFixed(percentOf(total.rows[0]!['usage']), 2)}%`, '');
    return out;
  },

  miResults(perPeriod) {
    if (perPeriod.length <= 1) return groupByClass(perPeriod.flat());
    // several periods: only a summary of the totals, as lttng-analyses does
    const totals = perPeriod.flat().filter((t) => t.tableClass === TOTAL && t.rows.length);
    if (totals.length === 0) return [];
    const summary = new ResultTable(SUMMARY, totals[0]!.begin, totals[totals.length - 1]!.end);
    for (const t of totals) summary.append({ time_range: { cls: 'time-range', begin: t.begin, end: t.end }, usage: t.rows[0]!['usage']! });
    return [summary];
  },
};
