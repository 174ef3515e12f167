// iousagetop's tables: per-process, per-file, per-process block, per-disk
// and per-interface I/O, each the --limit largest (lttng-analyses' order).
import { ResultTable, pyFloat } from '../lami.js';
import type { Cell } from '../lami.js';
import type { IoStats, ProcessIo } from '../io.js';
import type { TickContext } from './command.js';
import { IO_TABLES, byDesc } from './io-tables.js';

/** appends rows while `row` gives one, up to the limit */
function fill<T>(t: ResultTable, list: Iterable<T>, limit: number, row: (x: T) => Record<string, Cell> | undefined): ResultTable {
  for (const x of list) {
    const r = row(x);
    if (!r) continue;
    t.append(r);
    if (t.rows.length >= limit) break;
  }
  return t;
}

function proc(p: ProcessIo, name = p.comm as string | undefined): Cell {
  return { cls: 'process', name, pid: p.pid, tid: p.tid };
}

export function usageTables(s: IoStats, begin: bigint, end: bigint, ctx: TickContext): ResultTable[] {
  const lim = ctx.opts.limit;
  const T = IO_TABLES;
  const table = (tc: (typeof T)[keyof typeof T], sub?: string): ResultTable => new ResultTable(tc, begin, end, sub);
  const tids = [...s.tids.values()];
  const size = (v: number): Cell => ({ cls: 'size', value: v });
  const files = s.files();
  const owners = (fdByPid: Map<number, number>): string => {
    let o = '';
    for (const [pid, fd] of fdByPid) o += `fd ${fd} in ${s.tids.get(pid)?.comm ?? '?'} (${pid}) `;
    return o;
  };
  const blockName = (p: ProcessIo): string | undefined => (p.comm ? p.comm : undefined);
  const disks = [...s.disks.values()];
  const ifaces = [...s.ifaces.values()];
  return [
    fill(table(T.perProc, 'read'), byDesc(tids, (p) => p.totalRead), lim, (p) => ({
      process: proc(p),
      size: size(p.totalRead),
      disk_size: size(p.diskIo.read),
      net_size: size(p.netIo.read),
      unknown_size: size(p.unkIo.read),
    })),
    fill(table(T.perProc, 'written'), byDesc(tids, (p) => p.totalWrite), lim, (p) => ({
      process: proc(p),
      size: size(p.totalWrite),
      disk_size: size(p.diskIo.write),
      net_size: size(p.netIo.write),
      unknown_size: size(p.unkIo.write),
    })),
    fill(table(T.perFile, 'read'), byDesc(files.values(), (f) => f.io.read), lim, (f) =>
      f.io.read === 0 ? undefined : { path: { cls: 'path', path: f.filename }, size: size(f.io.read), fd_owners: { cls: 'string', value: owners(f.fdByPid) } },
    ),
    fill(table(T.perFile, 'written'), byDesc(files.values(), (f) => f.io.write), lim, (f) =>
      f.io.write === 0 ? undefined : { path: { cls: 'path', path: f.filename }, size: size(f.io.write), fd_owners: { cls: 'string', value: owners(f.fdByPid) } },
    ),
    fill(table(T.perProcBlock, 'read'), byDesc(tids, (p) => p.blockIo.read), lim, (p) =>
      p.blockIo.read === 0 ? undefined : { process: proc(p, blockName(p)), size: size(p.blockIo.read) },
    ),
    fill(table(T.perProcBlock, 'written'), byDesc(tids, (p) => p.blockIo.write), lim, (p) =>
      p.blockIo.write === 0 ? undefined : { process: proc(p, blockName(p)), size: size(p.blockIo.write) },
    ),
    fill(table(T.diskSector), byDesc(disks, (d) => d.totalRqSectors), lim, (d) =>
      d.totalRqSectors === 0 ? undefined : { disk: { cls: 'disk', name: d.diskname }, count: { cls: 'number', value: d.totalRqSectors } },
    ),
    fill(table(T.diskRequest), byDesc(disks, (d) => d.rqCount), lim, (d) =>
      d.rqCount === 0 ? undefined : { disk: { cls: 'disk', name: d.diskname }, count: { cls: 'number', value: d.rqCount } },
    ),
    // (not sorted, as in lttng-analyses)
    fill(table(T.diskRtps), disks, lim, (d) =>
      d.rqCount === 0 ? undefined : { disk: { cls: 'disk', name: d.diskname }, rtps: { cls: 'duration', value: pyFloat(d.totalRqDuration / d.rqCount) } },
    ),
    fill(table(T.netif, 'received'), byDesc(ifaces, (i) => i.recvBytes), lim, (i) => ({ netif: { cls: 'netif', name: i.name }, size: size(i.recvBytes) })),
    fill(table(T.netif, 'sent'), byDesc(ifaces, (i) => i.sentBytes), lim, (i) => ({ netif: { cls: 'netif', name: i.name }, size: size(i.sentBytes) })),
  ];
}
