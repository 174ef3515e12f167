// The I/O reports' LAMI tables (lttng-analyses' IoAnalysisCommand): usage
// tops, latency statistics, latency tops and log, latency distributions.
import { EMPTY, ResultTable, UNKNOWN, pyFloat } from '../lami.js';
import type { Cell, TableClass } from '../lami.js';
import type { IoStats } from '../io.js';
import { IoOp } from '../state.js';
import type { IoRequest } from '../state.js';
import { stdev } from '../stats.js';
import type { TickContext } from './command.js';

const LATENCY_COLS = (what: string, count: string, unit: string): TableClass['columns'] => [
  ['obj', what, what === 'Partition' ? 'disk' : 'string'],
  ['count', count, 'number', unit],
  ['min_latency', `Minimum ${unit === 'calls' ? 'call' : 'access'} latency`, 'duration'],
  ['avg_latency', `Average ${unit === 'calls' ? 'call' : 'access'} latency`, 'duration'],
  ['max_latency', `Maximum ${unit === 'calls' ? 'call' : 'access'} latency`, 'duration'],
  ['stdev_latency', `System ${unit === 'calls' ? 'call' : 'access'} latency standard deviation`, 'duration'],
];
const LOG_COLS: TableClass['columns'] = [
  ['time_range', 'Call time range', 'time-range'],
  ['out_of_range', 'System call out of range?', 'bool'],
  ['duration', 'Call duration', 'duration'],
  ['syscall', 'System call', 'syscall'],
  ['size', 'Read/write size', 'size'],
  ['process', 'Process', 'process'],
  ['path', 'File path', 'path'],
  ['fd', 'File descriptor', 'fd'],
];

export const IO_TABLES = {
  syscallLatency: { name: 'syscall-latency-stats', title: 'System call latency statistics', columns: LATENCY_COLS('System call category', 'Call count', 'calls') },
  diskLatency: { name: 'disk-latency-stats', title: 'Partition latency statistics', columns: LATENCY_COLS('Partition', 'Access count', 'accesses') },
  freq: {
    name: 'freq',
    title: 'I/O request latency distribution',
    columns: [
      ['latency_lower', 'Latency (lower bound)', 'duration'],
      ['latency_upper', 'Latency (upper bound)', 'duration'],
      ['count', 'Request count', 'number', 'requests'],
    ],
  },
  top: { name: 'top-syscall', title: 'Top system call latencies', columns: LOG_COLS },
  log: { name: 'log', title: 'I/O operations log', columns: LOG_COLS },
  perProc: {
    name: 'per-process-top',
    title: 'Per-process top I/O operations',
    columns: [
      ['process', 'Process', 'process'],
      ['size', 'Total operations size', 'size'],
      ['disk_size', 'Disk operations size', 'size'],
      ['net_size', 'Network operations size', 'size'],
      ['unknown_size', 'Unknown operations size', 'size'],
    ],
  },
  perFile: {
    name: 'per-file-top',
    title: 'Per-file top I/O operations',
    columns: [
      ['path', 'File path/info', 'path'],
      ['size', 'Operations size', 'size'],
      ['fd_owners', 'File descriptor owners', 'string'],
    ],
  },
  perProcBlock: {
    name: 'per-process-top-block',
    title: 'Per-process top block I/O operations',
    columns: [
      ['process', 'Process', 'process'],
      ['size', 'Operations size', 'size'],
    ],
  },
  diskSector: { name: 'per-disk-top-sector', title: 'Per-disk top sector I/O operations', columns: [['disk', 'Disk', 'disk'], ['count', 'Sector count', 'number', 'sectors']] },
  diskRequest: { name: 'per-disk-top-request', title: 'Per-disk top I/O requests', columns: [['disk', 'Disk', 'disk'], ['count', 'Request count', 'number', 'I/O requests']] },
  diskRtps: { name: 'per-disk-top-rps', title: 'Per-disk top I/O request time/sector', columns: [['disk', 'Disk', 'disk'], ['rtps', 'Request time/sector', 'duration']] },
  netif: { name: 'per-netif-top', title: 'Per-network interface top I/O operations', columns: [['netif', 'Network interface', 'netif'], ['size', 'Operations size', 'size']] },
} satisfies Record<string, TableClass>;

/** --min/--max (ns), --minsize/--maxsize and the time range, as lttng-analyses filters requests */
export function keepRequest(rq: IoRequest, ctx: TickContext): boolean {
  const { minSize, maxSize } = ctx.opts;
  const { minDuration, maxDuration, beginTs, endTs } = ctx.conf;
  if (rq.size !== undefined) {
    if (maxSize !== undefined && rq.size > maxSize) return false;
    if (minSize !== undefined && rq.size < minSize) return false;
  }
  const d = rq.duration!;
  if (maxDuration !== undefined && d > maxDuration) return false;
  if (minDuration !== undefined && d < minDuration) return false;
  return !(beginTs !== undefined && endTs !== undefined && rq.endTs !== undefined && rq.beginTs > endTs);
}

/** lttng-analyses' `begin and … or end and …`: true, false, or None when no bound applies */
function outOfRange(rq: IoRequest, ctx: TickContext): boolean | null {
  const { beginTs, endTs } = ctx.conf;
  if (beginTs !== undefined && rq.beginTs < beginTs) return true;
  if (endTs !== undefined) return rq.endTs! > endTs;
  return null;
}

/** stable sort, largest first (Python's sorted(reverse=True)) */
export function byDesc<T>(l: Iterable<T>, key: (x: T) => number): T[] {
  return [...l].sort((a, b) => key(b) - key(a));
}

function latencyRow(obj: Cell, durations: number[], t: ResultTable): void {
  const n = durations.length;
  let total = 0;
  let min = 0;
  let max = 0;
  for (let i = 0; i < n; i++) {
    const d = durations[i]!;
    total += d;
    if (i === 0 || d < min) min = d;
    if (i === 0 || d > max) max = d;
  }
  t.append({
    obj,
    count: { cls: 'number', value: n },
    min_latency: { cls: 'duration', value: min },
    avg_latency: { cls: 'duration', value: n > 0 ? pyFloat(total / n) : 0 },
    max_latency: { cls: 'duration', value: max },
    stdev_latency: n < 2 ? UNKNOWN : { cls: 'duration', value: pyFloat(stdev(durations)) },
  });
}

const CATEGORIES: [string, IoOp][] = [
  ['open', IoOp.Open],
  ['read', IoOp.Read],
  ['write', IoOp.Write],
  ['sync', IoOp.Sync],
];

export function latencyStatsTables(s: IoStats, begin: bigint, end: bigint, ctx: TickContext): ResultTable[] {
  const sys = new ResultTable(IO_TABLES.syscallLatency, begin, end);
  for (const [name, op] of CATEGORIES) {
    const ds = s.syscallRequests(op).filter((rq) => keepRequest(rq, ctx)).map((rq) => rq.duration!);
    latencyRow({ cls: 'string', value: name[0]!.toUpperCase() + name.slice(1) }, ds, sys);
  }
  if (s.disks.size === 0) return [sys];
  const disk = new ResultTable(IO_TABLES.diskLatency, begin, end);
  for (const d of s.disks.values()) {
    if (d.rqCount === 0) continue;
    latencyRow({ cls: 'disk', name: d.diskname }, d.rqList!.filter((rq) => keepRequest(rq, ctx)).map((rq) => rq.duration!), disk);
  }
  return [sys, disk];
}

function logRow(s: IoStats, rq: IoRequest, t: ResultTable, ctx: TickContext): void {
  const ps = s.tids.get(rq.tid)!;
  let path: Cell = EMPTY;
  let fd: Cell = EMPTY;
  if (rq.fd !== undefined) {
    fd = { cls: 'fd', fd: rq.fd };
    const parent = ps.pid !== undefined ? (s.tids.get(ps.pid) ?? ps) : ps;
    const f = parent.getFd(rq.fd, rq.endTs);
    path = f ? { cls: 'path', path: f.filename } : UNKNOWN;
  }
  t.append({
    time_range: { cls: 'time-range', begin: ctx.abs(rq.beginTs), end: ctx.abs(rq.endTs!) },
    out_of_range: { cls: 'bool', value: outOfRange(rq, ctx) as boolean },
    duration: { cls: 'duration', value: rq.duration! },
    syscall: { cls: 'syscall', name: rq.syscallName },
    size: rq.size === undefined ? EMPTY : { cls: 'size', value: rq.size },
    process: { cls: 'process', name: ps.comm, tid: rq.tid },
    path,
    fd,
  });
}

export function topTables(s: IoStats, begin: bigint, end: bigint, ctx: TickContext): ResultTable[] {
  return CATEGORIES.map(([name, op]) => {
    const t = new ResultTable(IO_TABLES.top, begin, end, name);
    const rqs = byDesc(s.syscallRequests(op).filter((rq) => keepRequest(rq, ctx)), (rq) => rq.duration!);
    // lttng-analyses prints one more than --limit
    for (let i = 0; i < rqs.length && i <= ctx.opts.limit; i++) logRow(s, rqs[i]!, t, ctx);
    return t;
  });
}

export function logTable(s: IoStats, begin: bigint, end: bigint, ctx: TickContext): ResultTable {
  const t = new ResultTable(IO_TABLES.log, begin, end);
  const rqs = s.syscallRequests().filter((rq) => keepRequest(rq, ctx));
  rqs.sort((a, b) => a.beginTs - b.beginTs);
  for (const rq of rqs) logRow(s, rq, t, ctx);
  return t;
}

function freqTable(durations: number[], t: ResultTable, resolution: number): void {
  if (durations.length === 0) return;
  let min = durations[0]!;
  let max = min;
  for (const d of durations) {
    if (d < min) min = d;
    if (d > max) max = d;
  }
  min /= 1000;
  max /= 1000;
  const step = (max - min) / resolution;
  if (step === 0) return;
  const values = new Array<number>(resolution).fill(0);
  for (const d of durations) values[Math.min(Math.trunc((d / 1000 - min) / step), resolution - 1)]!++;
  values.forEach((v, i) =>
    t.append({
      latency_lower: { cls: 'duration', value: pyFloat((i * step + min) * 1000) },
      latency_upper: { cls: 'duration', value: pyFloat(((i + 1) * step + min) * 1000) },
      count: { cls: 'number', value: v },
    }),
  );
}

export function freqTables(s: IoStats, begin: bigint, end: bigint, ctx: TickContext, resolution: number): ResultTable[] {
  const out = CATEGORIES.map(([name, op]) => {
    const t = new ResultTable(IO_TABLES.freq, begin, end, name);
    freqTable(s.syscallRequests(op).filter((rq) => keepRequest(rq, ctx)).map((rq) => rq.duration!), t, resolution);
    return t;
  });
  for (const d of s.disks.values()) {
    const t = new ResultTable(IO_TABLES.freq, begin, end, `disk: ${d.diskname}`);
    freqTable(d.rqList!.filter((rq) => keepRequest(rq, ctx)).map((rq) => rq.duration!), t, resolution);
    out.push(t);
  }
  return out;
}
