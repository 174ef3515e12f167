// The scheduling latency reports (lttng-schedtop, -schedlog, -schedstats).
import { EMPTY, ResultTable, UNKNOWN, cellNumber as num, pyFloat } from '../lami.js';
import type { Cell, TableClass } from '../lami.js';
import { formatPrioList, formatTimestamp, padEnd, padStart, pyFixed } from '../pyfmt.js';
import { SchedStats } from '../sched.js';
import type { SchedEvent } from '../sched.js';
import { stdev } from '../stats.js';
import type { Process } from '../state.js';
import { groupByClass } from './command.js';
import type { Report, TickContext } from './command.js';
import { BASE_EVENTS } from './interest.js';

const EVENT_COLS: TableClass['columns'] = [
  ['wakeup_ts', 'Wakeup timestamp', 'timestamp'],
  ['switch_ts', 'Switch timestamp', 'timestamp'],
  ['latency', 'Scheduling latency', 'duration'],
  ['prio', 'Priority', 'number'],
  ['target_cpu', 'Target CPU', 'cpu'],
  ['wakee_proc', 'Wakee process', 'process'],
  ['waker_proc', 'Waker process', 'process'],
];
const STATS_COLS: TableClass['columns'] = [
  ['count', 'Scheduling count', 'number', 'schedulings'],
  ['min_latency', 'Minimum latency', 'duration'],
  ['avg_latency', 'Average latency', 'duration'],
  ['max_latency', 'Maximum latency', 'duration'],
  ['stdev_latency', 'Scheduling latency standard deviation', 'duration'],
];
const T = {
  log: { name: 'log', title: 'Scheduling log', columns: EVENT_COLS },
  top: { name: 'top', title: 'Scheduling top', columns: EVENT_COLS },
  total: { name: 'total_stats', title: 'Scheduling latency stats (total)', columns: STATS_COLS },
  perTid: {
    name: 'per_tid_stats',
    title: 'Scheduling latency stats (per-TID)',
    columns: [['process', 'Wakee process', 'process'], ...STATS_COLS, ['prio_list', 'Chronological priorities', 'string']],
  },
  perPrio: { name: 'per_prio_stats', title: 'Scheduling latency stats (per-prio)', columns: [['prio', 'Priority', 'number'], ...STATS_COLS] },
  freq: {
    name: 'freq',
    title: 'Scheduling latency frequency distribution',
    columns: [
      ['duration_lower', 'Duration (lower bound)', 'duration'],
      ['duration_upper', 'Duration (upper bound)', 'duration'],
      ['count', 'Scheduling count', 'number', 'schedulings'],
    ],
  },
} satisfies Record<string, TableClass>;

const proc = (p: Process): Cell => ({ cls: 'process', name: p.comm, pid: p.pid, tid: p.tid });
const stdevCell = (ls: number[]): Cell => (ls.length < 2 ? UNKNOWN : { cls: 'duration', value: pyFloat(stdev(ls)) });

function eventRows(t: ResultTable, events: readonly SchedEvent[], ctx: TickContext): ResultTable {
  for (const e of events) {
    t.append({
      wakeup_ts: { cls: 'timestamp', value: ctx.abs(e.wakeupTs) },
      switch_ts: { cls: 'timestamp', value: ctx.abs(e.switchTs) },
      latency: { cls: 'duration', value: e.latency },
      prio: { cls: 'number', value: e.prio ?? null },
      target_cpu: { cls: 'cpu', id: e.targetCpu },
      wakee_proc: proc(e.wakee),
      waker_proc: e.waker ? proc(e.waker) : EMPTY,
    });
  }
  return t;
}

/** Python's list[:n] */
function head<X>(l: X[], n: number): X[] {
  return l.slice(0, n >= 0 ? n : Math.max(0, l.length + n));
}

const us = (c: Cell | undefined): string => pyFixed(num(c) / 1000, 3);
const sd = (c: Cell | undefined): string => (c?.cls === 'unknown' ? '?' : us(c));

function eventsText(t: ResultTable, ctx: TickContext): string[] {
  const out = ['', t.tableClass.title];
  out.push(`${padEnd('Wakeup', 20)} ${padEnd('Switch', 19)} ${padStart('Latency (us)', 15)} ${padStart('Priority', 10)}  ${padStart('CPU', 3)}   ${padEnd('Wakee', 25)}  ${padEnd('Waker', 25)}`);
  const ts = (c: Cell | undefined): string => formatTimestamp((c as { value: bigint }).value, ctx.opts.multiDay, ctx.opts.gmt);
  for (const r of t.rows) {
    const wakee = r['wakee_proc'] as { name?: string; tid?: number };
    const w = r['waker_proc']!;
    const waker = w.cls === 'process' ? `${w.name} (${w.tid})` : 'Unknown (N/A)';
    const prio = (r['prio'] as { value: number | null }).value;
    out.push(
      `[${padEnd(ts(r['wakeup_ts']), 18)}, ${padEnd(ts(r['switch_ts']), 18)}] ${padStart(pyFixed(num(r['latency']) / 1000, 3), 15)} ${padStart(String(prio), 10)}  ${padStart(String((r['target_cpu'] as { id: number }).id), 3)}   ${padEnd(`${wakee.name} (${wakee.tid})`, 25)}  ${padEnd(waker, 25)}`,
    );
  }
  return out;
}

function statsText(t: ResultTable | undefined, header: string, row: (r: Record<string, Cell>) => string): string[] {
  if (!t || t.rows.length === 0) return [];
  return ['', `${t.tableClass.title} (us)`, header, ...t.rows.map(row)];
}

/** a scheduling report showing the sections in `flags` (log, top, stats) */
export function schedReport(name: string): Report<SchedStats> {
  return {
    name,
    info: {
      title: 'Scheduling latencies analysis',
      description: 'Scheduling latencies frequency distribution, statistics, top, and log',
      tags: ['sched', 'stats', 'freq', 'top', 'log'],
      tableClasses: Object.values(T),
    },
    wants: (n) => BASE_EVENTS.has(n),
    tracksIo: false,
    newStats: (_b, filters, conf) => new SchedStats(filters, conf),

    tables(p, endTs, ctx) {
      const s = p.stats;
      const f = ctx.opts.flags;
      const b = ctx.abs(p.beginTs);
      const e = ctx.abs(endTs);
      const out: ResultTable[] = [];
      if (f.has('log')) out.push(eventRows(new ResultTable(T.log, b, e), s.events, ctx));
      if (f.has('top')) out.push(eventRows(new ResultTable(T.top, b, e), head([...s.events].sort((x, y) => y.latency - x.latency), ctx.opts.limit), ctx));
      if (!f.has('stats')) return out;
      // without --total or --per-prio, per-TID statistics
      const perTid = f.has('per-tid') || !(f.has('total') || f.has('per-prio'));
      if (f.has('total')) {
        const t = new ResultTable(T.total, b, e);
        const n = s.events.length;
        t.append({
          count: { cls: 'number', value: n },
          min_latency: { cls: 'duration', value: s.minLatency ?? 0 },
          avg_latency: { cls: 'duration', value: n ? pyFloat(s.totalLatency / n) : 0 },
          max_latency: { cls: 'duration', value: s.maxLatency ?? 0 },
          stdev_latency: stdevCell(s.events.map((x) => x.latency)),
        });
        out.push(t);
      }
      if (perTid) {
        const t = new ResultTable(T.perTid, b, e);
        const threads = [...s.tids.values()].sort((x, y) => (x.comm.toLowerCase() < y.comm.toLowerCase() ? -1 : x.comm.toLowerCase() > y.comm.toLowerCase() ? 1 : 0));
        for (const th of threads) {
          if (th.events.length === 0) continue;
          t.append({
            process: { cls: 'process', name: th.comm, tid: th.tid },
            count: { cls: 'number', value: th.events.length },
            min_latency: { cls: 'duration', value: th.minLatency! },
            avg_latency: { cls: 'duration', value: pyFloat(th.totalLatency / th.events.length) },
            max_latency: { cls: 'duration', value: th.maxLatency! },
            stdev_latency: stdevCell(th.events.map((x) => x.latency)),
            prio_list: { cls: 'string', value: formatPrioList(th.prios) },
          });
        }
        out.push(t);
      }
      if (f.has('per-prio')) {
        const t = new ResultTable(T.perPrio, b, e);
        const byPrio = new Map<number | undefined, number[]>();
        for (const x of s.events) {
          let l = byPrio.get(x.prio);
          if (!l) byPrio.set(x.prio, (l = []));
          l.push(x.latency);
        }
        for (const prio of [...byPrio.keys()].sort((x, y) => (x ?? -Infinity) - (y ?? -Infinity))) {
          const ls = byPrio.get(prio)!;
          let total = 0;
          let min = ls[0]!;
          let max = min;
          for (const l of ls) {
            total += l;
            if (l < min) min = l;
            if (l > max) max = l;
          }
          t.append({
            prio: { cls: 'number', value: prio ?? null },
            count: { cls: 'number', value: ls.length },
            min_latency: { cls: 'duration', value: min },
            avg_latency: { cls: 'duration', value: pyFloat(total / ls.length) },
            max_latency: { cls: 'duration', value: max },
            stdev_latency: stdevCell(ls),
          });
        }
        out.push(t);
      }
      return out;
    },

    text(tables, ctx) {
      const of = (tc: TableClass): ResultTable | undefined => tables.find((t) => t.tableClass === tc);
      const out: string[] = [];
      const totalFmt = (...c: string[]): string => c.map((x) => padEnd(x, 12)).join(' ');
      out.push(...statsText(of(T.total), totalFmt('Count', 'Min', 'Avg', 'Max', 'Stdev'), (r) => totalFmt(String(num(r['count'])), us(r['min_latency']), us(r['avg_latency']), us(r['max_latency']), sd(r['stdev_latency']))));
      const tidFmt = (a: string, b: string, c: string, d: string, e: string, f: string, g: string): string =>
        `${padEnd(a, 25)} ${padStart(b, 8)}  ${padStart(c, 12)}  ${padStart(d, 12)}  ${padStart(e, 12)}  ${padStart(f, 12)}   ${g}`;
      out.push(
        ...statsText(of(T.perTid), tidFmt('Process', 'Count', 'Min', 'Avg', 'Max', 'Stdev', 'Priorities'), (r) => {
          const p = r['process'] as { name?: string; tid?: number };
          return tidFmt(`${p.name} (${p.tid})`, String(num(r['count'])), us(r['min_latency']), us(r['avg_latency']), us(r['max_latency']), sd(r['stdev_latency']), (r['prio_list'] as { value: string }).value);
        }),
      );
      const prioFmt = (a: string, b: string, c: string, d: string, e: string, f: string): string =>
        `${padStart(a, 4)} ${padStart(b, 8)}  ${padStart(c, 12)}  ${padStart(d, 12)}  ${padStart(e, 12)}  ${padStart(f, 12)}`;
      out.push(
        ...statsText(of(T.perPrio), prioFmt('Prio', 'Count', 'Min', 'Avg', 'Max', 'Stdev'), (r) =>
          prioFmt(String((r['prio'] as { value: number | null }).value), String(num(r['count'])), us(r['min_latency']), us(r['avg_latency']), us(r['max_latency']), sd(r['stdev_latency'])),
        ),
      );
      const log = of(T.log);
      if (log) out.push(...eventsText(log, ctx));
      const top = of(T.top);
      if (top) out.push(...eventsText(top, ctx));
      return out;
    },

    miResults: (perPeriod) => groupByClass(perPeriod.flat()),
  };
}
