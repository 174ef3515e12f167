// I/O per process, per file descriptor, per disk and per network interface
// over a period (lttng-analyses' IoAnalysis): what iousagetop, iolatencytop,
// iolatencystats, iolatencyfreq and iolog report.
import type { Filters, PeriodStats } from './period.js';
import { FdType, IoKind, IoOp, equivalentOp } from './state.js';
import type { Disk, Fd, IoRequest, Process } from './state.js';

export class IoBytes {
  read = 0;
  write = 0;
}

export class FdStats {
  closeTs: number | undefined;
  readonly io = new IoBytes();
  constructor(
    readonly fd: number,
    public filename: string,
    readonly fdType: FdType,
    readonly openTs: number,
  ) {}

  static of(f: Fd, openTs: number): FdStats {
    return new FdStats(f.fd, f.filename, f.fdType, openTs);
  }

  update(rq: IoRequest): void {
    if (rq.operation === IoOp.Read) this.io.read += rq.returnedSize!;
    else if (rq.operation === IoOp.Write) this.io.write += rq.returnedSize!;
  }
}

/** the descriptor of `list` open at `ts` (lttng-analyses' binary search) */
function fdAt(list: FdStats[], lo: number, hi: number, ts: number): FdStats | undefined {
  if (hi <= lo) return undefined;
  const mid = lo + ((hi - lo) >> 1);
  const f = list[mid]!;
  if (f.closeTs === undefined) return ts >= f.openTs ? f : undefined;
  if (f.openTs <= ts && ts <= f.closeTs) return f;
  return ts < f.openTs ? fdAt(list, lo, mid, ts) : fdAt(list, mid + 1, hi, ts);
}

export class ProcessIo {
  readonly diskIo = new IoBytes();
  readonly netIo = new IoBytes();
  readonly unkIo = new IoBytes();
  readonly blockIo = new IoBytes();
  /** every descriptor this process had under each number, oldest first */
  fds = new Map<number, FdStats[]>();
  /** the requests, when the report lists them (usage alone does not) */
  readonly rqList: IoRequest[] | undefined;
  constructor(
    public pid: number | undefined,
    readonly tid: number,
    public comm: string,
    keepRequests: boolean,
  ) {
    if (keepRequests) this.rqList = [];
  }

  static of(p: Process, keepRequests: boolean): ProcessIo {
    return new ProcessIo(p.pid, p.tid!, p.comm, keepRequests);
  }

  get totalRead(): number {
    return this.diskIo.read + this.netIo.read + this.unkIo.read;
  }

  get totalWrite(): number {
    return this.diskIo.write + this.netIo.write + this.unkIo.write;
  }

  /** the descriptor open now (no `ts`) or at `ts` */
  getFd(fd: number, ts?: number): FdStats | undefined {
    const l = this.fds.get(fd);
    if (!l || l.length === 0) return undefined;
    if (ts === undefined) {
      const f = l[l.length - 1]!;
      return f.closeTs === undefined ? f : undefined;
    }
    return fdAt(l, 0, l.length, ts);
  }

  private bucket(t: FdType | undefined): IoBytes {
    return t === FdType.Disk ? this.diskIo : t === FdType.Net || t === FdType.MaybeNet ? this.netIo : this.unkIo;
  }

  updateIo(rq: IoRequest, fdType: FdType | undefined): void {
    this.rqList?.push(rq);
    if (rq.size === undefined || rq.errno !== undefined) return;
    if (rq.operation === IoOp.Read) this.bucket(fdType).read += rq.returnedSize!;
    else if (rq.operation === IoOp.Write) this.bucket(fdType).write += rq.returnedSize!;
  }
}

export class DiskStats {
  diskname: string;
  minRqDuration: number | undefined;
  maxRqDuration: number | undefined;
  totalRqSectors = 0;
  totalRqDuration = 0;
  rqCount = 0;
  readonly rqList: IoRequest[] | undefined;
  constructor(
    readonly dev: number,
    diskname: string | undefined,
    keepRequests: boolean,
  ) {
    if (keepRequests) this.rqList = [];
    // include/linux/kdev_t.h: 20 minor bits
    this.diskname = diskname ?? `(${Math.floor(dev / 2 ** 20)},${dev % 2 ** 20})`;
  }
}

export class IfaceStats {
  recvBytes = 0;
  recvPackets = 0;
  sentBytes = 0;
  sentPackets = 0;
  constructor(readonly name: string) {}
}

export class FileStats {
  readonly io = new IoBytes();
  /** first descriptor number per owning pid (tid without a pid) */
  readonly fdByPid = new Map<number, number>();
  constructor(readonly filename: string) {}
}

const GENERIC_NAMES = ['pipe', 'socket', 'anon_inode', 'unknown'];

export class IoStats implements PeriodStats {
  readonly disks = new Map<number, DiskStats>();
  readonly ifaces = new Map<string, IfaceStats>();
  readonly tids = new Map<number, ProcessIo>();

  constructor(
    readonly filters: Filters,
    /** keep every request (for latency reports and logs), not only sums */
    readonly keepRequests: boolean,
  ) {}

  private stats(p: Process): ProcessIo {
    let s = this.tids.get(p.tid!);
    if (!s) {
      s = ProcessIo.of(p, this.keepRequests);
      this.tids.set(p.tid!, s);
    }
    return s;
  }

  private iface(name: string): IfaceStats {
    let i = this.ifaces.get(name);
    if (!i) this.ifaces.set(name, (i = new IfaceStats(name)));
    return i;
  }

  netDevXmit(name: string, bytes: number): void {
    const i = this.iface(name);
    i.sentPackets++;
    i.sentBytes += bytes;
  }

  netifReceiveSkb(name: string, bytes: number): void {
    const i = this.iface(name);
    i.recvPackets++;
    i.recvBytes += bytes;
  }

  blockRqComplete(rq: IoRequest, proc: Process | undefined, _cpu: number, disk: Disk): void {
    let d = this.disks.get(disk.dev);
    if (!d) this.disks.set(disk.dev, (d = new DiskStats(disk.dev, disk.diskname, this.keepRequests)));
    const dur = rq.duration!;
    if (d.minRqDuration === undefined || dur < d.minRqDuration) d.minRqDuration = dur;
    if (d.maxRqDuration === undefined || dur > d.maxRqDuration) d.maxRqDuration = dur;
    d.totalRqSectors += rq.nrSector;
    d.totalRqDuration += dur;
    d.rqCount++;
    d.rqList?.push(rq);
    if (!proc) return;
    const s = this.stats(proc);
    s.rqList?.push(rq);
    if (rq.operation === IoOp.Read) s.blockIo.read += rq.size!;
    else if (rq.operation === IoOp.Write) s.blockIo.write += rq.size!;
  }

  ioRqExit(rq: IoRequest, proc: Process, parent: Process): void {
    const ps = this.stats(proc);
    const pps = this.stats(parent);
    let fdType: FdType | undefined;
    if (rq.errno === undefined && (rq.operation === IoOp.Read || rq.operation === IoOp.Write)) {
      const f = pps.getFd(rq.fd!);
      // a read or write on a descriptor never seen is left out
      if (!f) return;
      fdType = f.fdType;
    }
    ps.updateIo(rq, fdType);
    if (rq.errno === undefined && rq.fd !== undefined) pps.getFd(rq.fd)?.update(rq);
    if (ps.comm !== proc.comm) ps.comm = proc.comm;
    if (pps.comm !== parent.comm) pps.comm = parent.comm;
  }

  createParentProc(proc: Process, parent: Process): void {
    const ps = this.stats(proc);
    const pps = this.stats(parent);
    ps.pid = pps.tid;
    for (const [fd, list] of ps.fds) {
      if (!pps.fds.has(fd)) pps.fds.set(fd, list);
      else {
        const pf = pps.getFd(fd);
        const f = ps.getFd(fd);
        if (pf && !pf.filename && f) pf.filename = f.filename;
      }
    }
    ps.fds.clear();
  }

  blockDevice(dev: number, diskname: string): void {
    const d = this.disks.get(dev);
    if (!d) this.disks.set(dev, new DiskStats(dev, diskname, this.keepRequests));
    else d.diskname = diskname;
  }

  createFd(fd: number, parent: Process, ts: number): void {
    const s = this.stats(parent);
    let l = s.fds.get(fd);
    if (!l) s.fds.set(fd, (l = []));
    l.push(FdStats.of(parent.fds.get(fd)!, ts));
  }

  closeFd(fd: number, parent: Process, ts: number): void {
    const f = this.tids.get(parent.tid!)?.getFd(fd);
    if (f) f.closeTs = ts;
  }

  updateFd(fd: number, parent: Process, ts: number): void {
    const f = parent.fds.get(fd);
    if (!f) return;
    const s = this.stats(parent);
    let l = s.fds.get(fd);
    if (!l) s.fds.set(fd, (l = [FdStats.of(f, ts)]));
    l[l.length - 1]!.filename = f.filename;
  }

  /** system call requests whose operation includes `op` (all without), by thread */
  syscallRequests(op?: IoOp): IoRequest[] {
    const out: IoRequest[] = [];
    for (const p of this.tids.values()) {
      for (const rq of p.rqList ?? []) if (rq.kind !== IoKind.Block && (op === undefined || equivalentOp(op, rq.operation))) out.push(rq);
    }
    return out;
  }

  /** per file name: bytes and owners (generic names get the process name) */
  files(): Map<string, FileStats> {
    const files = new Map<string, FileStats>();
    for (const p of this.tids.values()) {
      for (const list of p.fds.values()) {
        for (const f of list) {
          let name = f.filename;
          if (GENERIC_NAMES.some((g) => name.startsWith(g))) name += ` (${p.comm})`;
          let fs = files.get(name);
          if (!fs) files.set(name, (fs = new FileStats(name)));
          fs.io.read += f.io.read;
          fs.io.write += f.io.write;
          const pid = p.pid ?? p.tid;
          if (!fs.fdByPid.has(pid)) fs.fdByPid.set(pid, f.fd);
        }
      }
    }
    return files;
  }
}
