// I/O system calls: which file descriptor each open/dup/socket/accept
// creates and for which path, which close ends, and the request each
// read/write/sync carries (lttng-analyses' IoStateProvider).
import { int, lookup, str } from './event.js';
import type { AnalysisEvent } from './event.js';
import type { StateHost } from './hooks.js';
import { AF_INET, Fd, FdType, IoKind, IoOp, IoRequest, O_CLOEXEC, Process, SYSCALLS } from './state.js';
import type { SyscallEvent } from './state.js';
import { formatIpv4 } from './pyfmt.js';

function ipv4(v: unknown): number | number[] {
  return Array.isArray(v) ? v.map(Number) : Number(v);
}

export class IoTracker {
  constructor(private readonly a: StateHost) {}

  /** an I/O system call begins (after the generic entry set `currentSyscall`) */
  entry(ev: AnalysisEvent, name: string, track: boolean): void {
    const proc = this.a.current(ev.cpu);
    if (!proc) return;
    this.fixContextPid(ev, proc);
    if (!track) return;
    const sc = proc.currentSyscall!;
    const tid = proc.tid!;
    if (SYSCALLS.open.has(name)) this.open(ev, name, proc, sc);
    else if (SYSCALLS.close.has(name)) {
      const rq = new IoRequest(IoKind.Close, ev.ts, undefined, tid, IoOp.Close, 'close');
      rq.fd = int(ev, 'fd');
      sc.ioRq = rq;
    } else if (SYSCALLS.read.has(name) || SYSCALLS.write.has(name)) {
      // lttng-analyses drops the requested size: a request's size is what the call returned
      const op = SYSCALLS.read.has(name) ? IoOp.Read : IoOp.Write;
      const rq = new IoRequest(IoKind.ReadWrite, ev.ts, undefined, tid, op, name);
      rq.fd = int(ev, 'fd');
      sc.ioRq = rq;
    } else if (SYSCALLS.sync.has(name)) {
      const rq = new IoRequest(IoKind.Sync, ev.ts, undefined, tid, IoOp.Sync, name);
      if (name !== 'sync') rq.fd = int(ev, 'fd');
      sc.ioRq = rq;
    }
    // splice and sendfile64 count as I/O system calls but lttng-analyses never
    // gives them a request (its read-write branch is unreachable): no I/O seen
  }

  private open(ev: AnalysisEvent, name: string, proc: Process, sc: SyscallEvent): void {
    const tid = proc.tid!;
    if (SYSCALLS.diskOpen.has(name)) {
      const rq = new IoRequest(IoKind.Open, ev.ts, undefined, tid, IoOp.Open, name);
      rq.filename = str(ev, 'filename');
      rq.fdType = FdType.Disk;
      rq.cloexec = (int(ev, 'flags') & O_CLOEXEC) === O_CLOEXEC;
      sc.ioRq = rq;
    } else if (name === 'accept' || name === 'accept4' || name === 'socket') {
      const rq = new IoRequest(IoKind.Open, ev.ts, undefined, tid, IoOp.Open, name === 'socket' ? 'socket' : name);
      rq.filename = 'socket';
      rq.fdType = FdType.Net;
      const family = lookup(ev, 'family');
      if (family !== undefined) {
        rq.family = Number(family);
        if (name !== 'socket' && rq.family === AF_INET) rq.filename = formatIpv4(ipv4(lookup(ev, 'v4addr')), int(ev, 'sport'));
      }
      sc.ioRq = rq;
    } else if (SYSCALLS.dup.has(name)) this.dup(ev, name, proc, sc);
  }

  private dup(ev: AnalysisEvent, name: string, proc: Process, sc: SyscallEvent): void {
    const parent = this.a.parentOf(proc);
    let oldfd: number;
    if (name === 'dup') oldfd = int(ev, 'fildes');
    else if (name === 'fcntl') {
      // only F_DUPFD creates a descriptor
      if (int(ev, 'cmd') !== 0) return;
      oldfd = int(ev, 'fd');
    } else {
      oldfd = int(ev, 'oldfd');
      const newfd = int(ev, 'newfd');
      if (parent.fds.has(newfd)) this.closeFd(parent, newfd, ev.ts, ev.cpu);
    }
    const old = parent.fds.get(oldfd);
    const rq = new IoRequest(IoKind.Open, ev.ts, undefined, proc.tid!, IoOp.Open, name);
    rq.filename = old ? old.filename : 'unknown';
    rq.fdType = old ? old.fdType : FdType.Unknown;
    if (name === 'dup3') rq.cloexec = (int(ev, 'flags') & O_CLOEXEC) === O_CLOEXEC;
    sc.ioRq = rq;
  }

  /** `syscall_entry_connect`: an IPv4 socket gets its address as name */
  connect(ev: AnalysisEvent): void {
    const proc = this.a.current(ev.cpu);
    if (!proc) return;
    const parent = this.a.parentOf(proc);
    const family = lookup(ev, 'family');
    if (family === undefined || Number(family) !== AF_INET) return;
    const fd = int(ev, 'fd');
    const f = parent.fds.get(fd);
    if (f) f.filename = formatIpv4(ipv4(lookup(ev, 'v4addr')), int(ev, 'dport'));
    // (lttng-analyses names the thread here, not its process)
    this.a.hooks?.updateFd?.(fd, proc, ev.ts, ev.cpu);
  }

  /** an I/O system call ended: create/close descriptors, report the request */
  exit(ev: AnalysisEvent, proc: Process, sc: SyscallEvent): void {
    const rq = sc.ioRq;
    if (rq) this.requestExit(ev, proc, rq);
    proc.currentSyscall = undefined;
  }

  private requestExit(ev: AnalysisEvent, proc: Process, rq: IoRequest): void {
    const ret = int(ev, 'ret');
    const cpu = ev.cpu;
    rq.endTs = ev.ts;
    rq.duration = ev.ts - rq.beginTs;
    if (ret < 0) rq.errno = -ret;
    if (rq.kind === IoKind.Open && ret >= 0) rq.fd = ret;
    if (rq.kind === IoKind.ReadWrite && ret >= 0) {
      rq.returnedSize = ret;
      if (rq.size === undefined) rq.size = ret;
    }
    if (ret >= 0) this.createFd(proc, rq, cpu);
    const parent = this.a.parentOf(proc);
    this.a.hooks?.ioRqExit?.(rq, proc, parent, cpu);
    if (rq.kind === IoKind.Close && ret === 0) this.closeFd(proc, rq.fd!, rq.endTs, cpu);
  }

  private createFd(proc: Process, rq: IoRequest, cpu: number): void {
    const parent = this.a.parentOf(proc);
    // (lttng-analyses also adds splice's two descriptors here, but never sees a splice request)
    if (rq.fd === undefined || parent.fds.has(rq.fd)) return;
    parent.fds.set(rq.fd, rq.kind === IoKind.Open ? new Fd(rq.fd, rq.filename, rq.fdType, rq.cloexec, rq.family) : new Fd(rq.fd));
    this.a.hooks?.createFd?.(rq.fd, parent, rq.endTs!, cpu);
  }

  private closeFd(proc: Process, fd: number, ts: number, cpu: number): void {
    const parent = this.a.parentOf(proc);
    this.a.hooks?.closeFd?.(fd, parent, ts, cpu);
    parent.fds.delete(fd);
  }

  /**
   * A `pid` context tells the process of a thread seen only by its tid; its
   * process entry is (re)created then, as lttng-analyses does.
   */
  private fixContextPid(ev: AnalysisEvent, proc: Process): void {
    if (proc.pid !== undefined) return;
    const pid = ev.context('pid');
    if (pid === undefined || ev.field('pid') !== undefined) return;
    proc.pid = Number(pid);
    if (proc.pid !== proc.tid) this.a.tids.set(proc.pid, new Process(proc.pid, proc.pid, proc.comm, proc.prio));
  }
}
