// Block requests: issue → complete per disk and sector, through bio remaps
// (lttng-analyses' BlockStateProvider).
import { int, lookup } from './event.js';
import type { AnalysisEvent } from './event.js';
import type { StateHost } from './hooks.js';
import { Disk, IoKind, IoOp, IoRequest } from './state.js';

export class BlockTracker {
  private readonly remaps: { dev: number; sector: number; oldDev: number; oldSector: number }[] = [];

  constructor(private readonly a: StateHost) {}

  bioRemap(ev: AnalysisEvent): void {
    const dev = int(ev, 'dev');
    const sector = int(ev, 'sector');
    const oldDev = int(ev, 'old_dev');
    const oldSector = int(ev, 'old_sector');
    for (const r of this.remaps) {
      if (r.dev === oldDev && r.sector === oldSector) {
        r.dev = dev;
        r.sector = sector;
        return;
      }
    }
    this.remaps.push({ dev, sector, oldDev, oldSector });
  }

  bioBackmerge(ev: AnalysisEvent): void {
    const dev = int(ev, 'dev');
    const sector = int(ev, 'sector');
    // removing while walking skips the next entry, as lttng-analyses does
    for (let i = 0; i < this.remaps.length; i++) {
      const r = this.remaps[i]!;
      if (r.dev === dev && r.sector === sector) this.remaps.splice(i, 1);
    }
  }

  private disk(dev: number): Disk {
    let d = this.a.disks.get(dev);
    if (!d) {
      d = new Disk(dev);
      this.a.disks.set(dev, d);
    }
    return d;
  }

  rqIssue(ev: AnalysisEvent): void {
    let dev = int(ev, 'dev');
    const sector = int(ev, 'sector');
    const nr = int(ev, 'nr_sector');
    if (nr === 0) return;
    const rwbs = lookup(ev, 'rwbs');
    // lttng-modules: a flag set, even = read; ftrace-style text: 'W' = write
    const write = typeof rwbs === 'string' ? rwbs.includes('W') : Number(rwbs) % 2 !== 0;
    const rq = new IoRequest(IoKind.Block, ev.ts, nr * 512, int(ev, 'tid'), write ? IoOp.Write : IoOp.Read, '');
    rq.dev = dev;
    rq.sector = sector;
    rq.nrSector = nr;
    for (const r of this.remaps) {
      if (r.dev === dev && r.sector === sector) {
        dev = r.oldDev;
        break;
      }
    }
    this.disk(dev).pending.set(sector, rq);
  }

  rqComplete(ev: AnalysisEvent): void {
    let dev = int(ev, 'dev');
    const sector = int(ev, 'sector');
    const nr = int(ev, 'nr_sector');
    if (nr === 0) return;
    const i = this.remaps.findIndex((r) => r.dev === dev && r.sector === sector);
    if (i >= 0) {
      dev = this.remaps[i]!.oldDev;
      this.remaps.splice(i, 1);
    }
    const disk = this.disk(dev);
    const rq = disk.pending.get(sector);
    if (!rq || rq.nrSector !== nr) return;
    rq.endTs = ev.ts;
    rq.duration = ev.ts - rq.beginTs;
    this.a.hooks?.blockRqComplete?.(rq, this.a.tids.get(rq.tid), ev.cpu, disk);
    disk.pending.delete(sector);
  }
}
