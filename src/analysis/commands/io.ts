// The I/O reports (lttng-iousagetop, -iolatencytop, -iolatencystats,
// -iolatencyfreq, -iolog): one analysis, the command picks the sections.
import { IoStats } from '../io.js';
import { cellNumber as num } from '../lami.js';
import type { Cell, ResultTable } from '../lami.js';
import { formatSize, formatTimeRange, padEnd, padStart, pyFixed } from '../pyfmt.js';
import { barGraph, freqGraph } from '../text/termgraph.js';
import { groupByClass } from './command.js';
import type { Report, TickContext } from './command.js';
import { IO_TABLES, freqTables, latencyStatsTables, logTable, topTables } from './io-tables.js';
import { usageTables } from './io-usage.js';
import { IO_EVENTS } from './interest.js';

type C<K extends Cell['cls']> = Extract<Cell, { cls: K }>;

function pidStr(p: C<'process'>): string {
  return p.pid === undefined ? `unknown (tid=${p.tid})` : String(p.pid);
}

function usageText(t: ResultTable[]): string[] {
  const [pr, pw, fr, fw, br, bw, sectors, requests, rtps, nr, ns] = t as [ResultTable, ...ResultTable[]];
  const out: string[] = [];
  const perProc = (tbl: ResultTable, title: string): void => {
    out.push(
      ...barGraph({
        title: 'Per-process I/O ' + title,
        labelHeader: `${padEnd('Process', 25)} ${padEnd('Disk', 10)} ${padEnd('Net', 10)} ${padEnd('Unknown', 10)}`,
        data: tbl.rows.map((r) => {
          const p = r['process'] as C<'process'>;
          const label = `${padEnd(`${p.name} (${pidStr(p)})`, 25)} ${padStart(formatSize(num(r['disk_size'])), 10)} ${padStart(formatSize(num(r['net_size'])), 10)} ${padStart(formatSize(num(r['unknown_size'])), 10)}`;
          return { value: num(r['size']), valueStr: formatSize(num(r['size'])), label };
        }),
      }),
    );
  };
  const sized = (tbl: ResultTable, title: string, header: string, label: (r: Record<string, Cell>) => string): void => {
    out.push(...barGraph({ title, labelHeader: header, data: tbl.rows.map((r) => ({ value: num(r['size']), valueStr: formatSize(num(r['size'])), label: label(r) })) }));
  };
  const counted = (tbl: ResultTable, title: string, unit: string, key: string, scale = 1): void => {
    out.push(
      ...barGraph({
        title,
        labelHeader: 'Disk',
        unit,
        data: tbl.rows.map((r) => {
          const v = num(r[key]) / scale;
          return { value: v, valueStr: scale === 1 ? String(v) : pyFixed(v, 2), label: (r['disk'] as { name: string }).name };
        }),
      }),
    );
  };
  const block = (r: Record<string, Cell>): string => {
    const p = r['process'] as C<'process'>;
    return `${p.name ? p.name : 'unknown'} (pid=${pidStr(p)})`;
  };
  perProc(pr, 'Read');
  perProc(pw!, 'Write');
  sized(fr!, 'Per-file I/O Read', 'Path', (r) => (r['path'] as C<'path'>).path);
  sized(fw!, 'Per-file I/O Write', 'Path', (r) => (r['path'] as C<'path'>).path);
  sized(br!, 'Block I/O Read', 'Process', block);
  sized(bw!, 'Block I/O Write', 'Process', block);
  counted(sectors!, 'Disk Requests Sector Count', 'sectors', 'count');
  counted(requests!, 'Disk Request Count', 'requests', 'count');
  counted(rtps!, 'Disk Request Average Latency', 'ms', 'rtps', 1000000);
  sized(nr!, 'Network Received Bytes', 'Interface', (r) => (r['netif'] as { name: string }).name);
  sized(ns!, 'Network Sent Bytes', 'Interface', (r) => (r['netif'] as { name: string }).name);
  return out;
}

const LAT_FMT = (a: string, b: string, c: string, d: string, e: string, f: string): string =>
  `${padEnd(a, 14)} ${padStart(b, 14)} ${padStart(c, 14)} ${padStart(d, 14)} ${padStart(e, 14)} ${padStart(f, 14)}`;

function latencyText(sys: ResultTable, disk: ResultTable | undefined): string[] {
  const out: string[] = [];
  const rows = (t: ResultTable): void => {
    for (const r of t.rows) {
      const o = r['obj']!;
      const sd = r['stdev_latency']!;
      const us = (c: Cell | undefined): string => pyFixed(num(c) / 1000, 3);
      out.push(LAT_FMT(o.cls === 'disk' ? (o as { name: string }).name : (o as C<'string'>).value, String(num(r['count'])), us(r['min_latency']), us(r['avg_latency']), us(r['max_latency']), sd.cls === 'unknown' ? '?' : us(sd)));
    }
  };
  out.push('', 'Syscalls latency statistics (usec):', LAT_FMT('Type', 'Count', 'Min', 'Average', 'Max', 'Stdev'), '-'.repeat(89));
  rows(sys);
  if (disk && disk.rows.length) {
    out.push('', 'Disk latency statistics (usec):', LAT_FMT('Name', 'Count', 'Min', 'Average', 'Max', 'Stdev'), '-'.repeat(89));
    rows(disk);
  }
  return out;
}

function logText(t: ResultTable, ctx: TickContext): string[] {
  if (t.rows.length === 0) return [];
  const out = ['', `${t.tableClass.title} ${t.subtitle ?? 'None'} (usec)`];
  out.push(`${padEnd('Begin', 20)} ${padEnd('End', 20)} ${padEnd('Name', 16)} ${padEnd('Duration (usec)', 23)} ${padEnd('Size', 5)} ${padEnd('Proc', 24)} ${padEnd('PID', 8)} ${padEnd('Filename', 14)}`);
  let outside = false;
  for (const r of t.rows) {
    const tr = r['time_range'] as C<'time-range'>;
    const oor = (r['out_of_range'] as C<'bool'>).value;
    const mark = oor ? '*' : ' ';
    if (oor) outside = true;
    const size = r['size']!.cls === 'empty' ? 'N/A' : formatSize(num(r['size']));
    const p = r['process'] as C<'process'>;
    const fd = r['fd']!;
    const path = r['path']!;
    const file = fd.cls === 'empty' ? 'N/A' : `${path.cls === 'path' ? path.path : 'unknown'} (fd=${(fd as C<'fd'>).fd})`;
    const range = formatTimeRange(tr.begin as bigint, tr.end as bigint, ctx.opts.multiDay, ctx.opts.gmt) + mark;
    const dur = pyFixed(num(r['duration']) / 1000, 3) + mark;
    out.push(`${padEnd(range, 40)} ${padEnd((r['syscall'] as { name: string }).name, 16)} ${padStart(dur, 16)} ${padStart(size, 11)}  ${padEnd(p.name ?? '', 24)} ${padEnd(String(p.tid), 8)} ${padEnd(file, 14)}`);
  }
  if (outside) out.push('*: Syscalls started and/or completed outside of the range specified');
  return out;
}

function freqText(t: ResultTable): string[] {
  return freqGraph(
    `${t.tableClass.title} ${t.subtitle}`,
    'µs',
    t.rows.map((r) => ({ value: num(r['count']), valueStr: String(num(r['count'])), lowerBound: num(r['latency_lower']) / 1000 })),
  );
}

/** an I/O report showing the sections in `flags` (usage, stats, top, freq, log) */
export function ioReport(name: string): Report<IoStats> {
  return {
    name,
    info: {
      title: 'I/O analysis',
      description: 'System call/disk latency statistics, system call latency distribution, system call top latencies, I/O usage top, and I/O operations log',
      tags: ['io', 'syscall', 'stats', 'freq', 'log', 'top'],
      tableClasses: Object.values(IO_TABLES),
    },
    wants: (n) => IO_EVENTS.has(n),
    tracksIo: true,
    newStats: (_b, filters, _c, opts) => new IoStats(filters, ['stats', 'top', 'log', 'freq'].some((f) => opts.flags.has(f))),

    tables(p, endTs, ctx) {
      const f = ctx.opts.flags;
      const b = ctx.abs(p.beginTs);
      const e = ctx.abs(endTs);
      // MI order: log, latency statistics, tops, usage, distributions
      const out: ResultTable[] = [];
      if (f.has('log')) out.push(logTable(p.stats, b, e, ctx));
      if (f.has('stats')) out.push(...latencyStatsTables(p.stats, b, e, ctx));
      if (f.has('top')) out.push(...topTables(p.stats, b, e, ctx));
      if (f.has('usage')) out.push(...usageTables(p.stats, b, e, ctx));
      if (f.has('freq')) out.push(...freqTables(p.stats, b, e, ctx, ctx.opts.freqResolution ?? 20));
      return out;
    },

    text(tables, ctx) {
      const of = (n: string): ResultTable[] => tables.filter((t) => t.tableClass.name === n);
      const f = ctx.opts.flags;
      const out: string[] = [];
      if (f.has('usage')) out.push(...usageText(tables.filter((t) => t.tableClass.name.startsWith('per-'))));
      if (f.has('stats')) out.push(...latencyText(of(IO_TABLES.syscallLatency.name)[0]!, of(IO_TABLES.diskLatency.name)[0]));
      if (f.has('top')) for (const t of of(IO_TABLES.top.name)) out.push(...logText(t, ctx));
      if (f.has('freq')) for (const t of of(IO_TABLES.freq.name)) out.push(...freqText(t));
      if (f.has('log')) out.push(...logText(of(IO_TABLES.log.name)[0]!, ctx));
      return out;
    },

    // several periods: lttng-analyses drops every table (its summary is a TODO)
    miResults: (perPeriod) => (perPeriod.length > 1 ? [] : groupByClass(perPeriod.flat())),
  };
}
