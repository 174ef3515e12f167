// The kernel state machine: which thread runs on each CPU (sched_switch),
// thread names and ids (statedump, fork, exec, procname), system calls in
// progress, IRQs, disks and page counts. It follows lttng-analyses 0.6.1's
// linuxautomaton event by event (same order of state changes and
// notifications), because its quirks show in the numbers the reports print.
import { int, lookup, str } from './event.js';
import type { AnalysisEvent } from './event.js';
import type { StateHooks, SwitchInfo } from './hooks.js';
import { IoTracker } from './io-tracker.js';
import { BlockTracker } from './block-tracker.js';
import { Cpu, Disk, Fd, FdType, HardIrq, O_CLOEXEC, Process, SYSCALLS, SoftIrq, SyscallEvent, isSyscallExit, syscallName } from './state.js';

type Handler = (ev: AnalysisEvent) => void;

export interface AutomatonOptions {
  /** lttng-modules before 2.7.1 wrote wake-up priorities 100 too high */
  wakeupPrioOffset?: boolean;
  /**
   * Follow file descriptors and I/O requests (default true). Off, an I/O
   * system call only does what shows elsewhere: the `pid` context fix-up.
   */
  trackIo?: boolean;
}

export class Automaton {
  readonly cpus = new Map<number, Cpu>();
  readonly tids = new Map<number, Process>();
  readonly disks = new Map<number, Disk>();
  /** pages allocated minus pages freed, never below 0 */
  pageCount = 0;
  /** who hears the notifications (the analysis's current period) */
  hooks: StateHooks | undefined;
  readonly io: IoTracker;
  private readonly block = new BlockTracker(this);
  private readonly handlers = new Map<string, Handler | null>();
  private readonly exact: Record<string, Handler>;
  private readonly sw: SwitchInfo = { ts: 0, cpu: 0, prevTid: 0, nextTid: 0, prevComm: '', nextComm: '', wakee: new Process(), waker: undefined };

  constructor(readonly options: AutomatonOptions = {}) {
    this.io = new IoTracker(this);
    const wakeup = (ev: AnalysisEvent): void => this.schedWakeup(ev);
    const pageAlloc = (ev: AnalysisEvent): void => this.pageAlloc(ev);
    const pageFree = (ev: AnalysisEvent): void => this.pageFree(ev);
    this.exact = {
      sched_switch: (ev) => this.schedSwitch(ev),
      sched_migrate_task: (ev) => this.schedMigrateTask(ev),
      sched_wakeup: wakeup,
      sched_wakeup_new: wakeup,
      sched_waking: wakeup,
      sched_process_fork: (ev) => this.fork(ev),
      sched_process_exec: (ev) => this.exec(ev),
      sched_pi_setprio: (ev) => this.checkPrio(ev.ts, int(ev, 'tid'), int(ev, 'newprio')),
      mm_page_alloc: pageAlloc,
      kmem_mm_page_alloc: pageAlloc,
      mm_page_free: pageFree,
      kmem_mm_page_free: pageFree,
      irq_handler_entry: (ev) => this.irqEntry(ev),
      irq_handler_exit: (ev) => this.irqExit(ev),
      softirq_raise: (ev) => this.softirqRaise(ev),
      softirq_entry: (ev) => this.softirqEntry(ev),
      softirq_exit: (ev) => this.softirqExit(ev),
      // a system call entry for the other providers; the I/O one reads the address
      syscall_entry_connect: (ev) => {
        this.syscallEntry(ev, 'connect');
        if (this.options.trackIo !== false) this.io.connect(ev);
      },
      lttng_statedump_process_state: (ev) => this.statedumpProcess(ev),
      lttng_statedump_file_descriptor: (ev) => this.statedumpFd(ev),
      lttng_statedump_block_device: (ev) => this.statedumpBlock(ev),
      block_bio_remap: (ev) => this.block.bioRemap(ev),
      block_bio_backmerge: (ev) => this.block.bioBackmerge(ev),
      block_rq_issue: (ev) => this.block.rqIssue(ev),
      block_rq_complete: (ev) => this.block.rqComplete(ev),
      net_dev_xmit: (ev) => this.netDevXmit(ev),
      netif_receive_skb: (ev) => this.hooks?.netifReceiveSkb?.(str(ev, 'name'), int(ev, 'len'), ev.cpu),
    };
  }

  /** Updates the state with one event (events come in time order). */
  process(ev: AnalysisEvent): void {
    let h = this.handlers.get(ev.name);
    if (h === undefined) {
      h = this.handlerFor(ev.name);
      this.handlers.set(ev.name, h);
    }
    if (h !== null) h(ev);
  }

  private handlerFor(name: string): Handler | null {
    const e = this.exact[name];
    if (e) return e;
    const sc = syscallName(name);
    if (sc !== undefined) {
      const io = SYSCALLS.io.has(sc);
      const track = this.options.trackIo !== false;
      return (ev) => {
        this.syscallEntry(ev, sc);
        if (io) this.io.entry(ev, sc, track);
      };
    }
    if (isSyscallExit(name)) return (ev) => this.syscallExit(ev);
    return null;
  }

  /** the process running on `cpu`, if any */
  current(cpu: number): Process | undefined {
    const c = this.cpus.get(cpu);
    if (c === undefined || c.currentTid === undefined) return undefined;
    return this.tids.get(c.currentTid);
  }

  cpu(id: number): Cpu {
    let c = this.cpus.get(id);
    if (!c) {
      c = new Cpu(id);
      this.cpus.set(id, c);
    }
    return c;
  }

  /** the process that owns a thread's file descriptors */
  parentOf(proc: Process): Process {
    if (proc.pid !== undefined && proc.tid !== proc.pid) return this.tids.get(proc.pid) ?? proc;
    return proc;
  }

  private proc(tid: number): Process {
    let p = this.tids.get(tid);
    if (!p) {
      p = tid === 0 ? new Process(0, 0) : new Process(tid);
      this.tids.set(tid, p);
    }
    return p;
  }

  /* ------------------------------ scheduler ------------------------------ */

  private checkPrio(ts: number, tid: number, prio: number): void {
    if (tid === 0) return;
    const p = this.tids.get(tid);
    if (p === undefined || p.prio === prio) return;
    p.prio = prio;
    this.hooks?.prioChanged?.(ts, tid, prio);
  }

  private schedSwitch(ev: AnalysisEvent): void {
    const nextTid = int(ev, 'next_tid');
    const nextComm = str(ev, 'next_comm');
    const nextPrio = int(ev, 'next_prio');
    const prevTid = int(ev, 'prev_tid');
    const prevPrio = int(ev, 'prev_prio');
    const prevComm = str(ev, 'prev_comm');
    this.cpu(ev.cpu).currentTid = nextTid === 0 ? undefined : nextTid;
    this.proc(prevTid);
    const next = this.proc(nextTid);
    next.comm = nextComm;
    next.prevTid = prevTid;
    this.checkPrio(ev.ts, prevTid, prevPrio);
    this.checkPrio(ev.ts, nextTid, nextPrio);
    const h = this.hooks;
    if (h) {
      const s = this.sw;
      s.ts = ev.ts;
      s.cpu = ev.cpu;
      s.prevTid = prevTid;
      s.nextTid = nextTid;
      s.prevComm = prevComm;
      s.nextComm = nextComm;
      s.wakee = next;
      s.waker = next.lastWaker !== undefined ? this.tids.get(next.lastWaker) : undefined;
      h.schedSwitchPerCpu?.(s);
      h.schedSwitchPerTid?.(s);
    }
    next.lastWakeup = undefined;
    next.lastWaker = undefined;
  }

  private schedMigrateTask(ev: AnalysisEvent): void {
    const tid = int(ev, 'tid');
    const prio = int(ev, 'prio');
    let p = this.tids.get(tid);
    if (!p) {
      p = new Process(tid, undefined, str(ev, 'comm'));
      this.tids.set(tid, p);
    }
    this.hooks?.schedMigrateTask?.(p, ev.cpu);
    this.checkPrio(ev.ts, tid, prio);
  }

  private schedWakeup(ev: AnalysisEvent): void {
    const target = int(ev, 'target_cpu');
    let prio = int(ev, 'prio');
    const tid = int(ev, 'tid');
    if (this.options.wakeupPrioOffset) prio -= 100;
    this.cpu(target);
    const cur = this.cpu(ev.cpu);
    // a thread already running: not a wake-up
    for (const c of this.cpus.values()) if (c.currentTid === tid) return;
    let p = this.tids.get(tid);
    if (!p) {
      p = new Process(tid);
      this.tids.set(tid, p);
    }
    this.checkPrio(ev.ts, tid, prio);
    // only the first of several wake-ups counts
    if (p.lastWakeup === undefined) {
      p.lastWakeup = ev.ts;
      if (cur.currentTid !== undefined) p.lastWaker = cur.currentTid;
    }
  }

  private fork(ev: AnalysisEvent): void {
    const childTid = int(ev, 'child_tid');
    const childPid = int(ev, 'child_pid');
    const childComm = str(ev, 'child_comm');
    // lttng-analyses keys the parent by its pid (parent_tid is ignored)
    const parentPid = int(ev, 'parent_pid');
    const parentComm = str(ev, 'parent_comm');
    let parent = this.tids.get(parentPid);
    if (!parent) {
      parent = new Process(parentPid, parentPid, parentComm);
      this.tids.set(parentPid, parent);
    } else {
      parent.pid = parentPid;
      parent.comm = parentComm;
    }
    const child = new Process(childTid, childPid, childComm);
    for (const [fd, f] of parent.fds) {
      child.fds.set(fd, f.copy());
      this.hooks?.createFd?.(fd, child, ev.ts, ev.cpu);
    }
    this.tids.set(childTid, child);
  }

  private exec(ev: AnalysisEvent): void {
    const tid = int(ev, 'tid');
    let p = this.tids.get(tid);
    if (!p) {
      p = new Process(tid);
      this.tids.set(tid, p);
    }
    const procname = lookup(ev, 'procname');
    if (procname !== undefined) p.comm = String(procname);
    for (const [fd, f] of [...p.fds]) {
      if (!f.cloexec) continue;
      this.hooks?.closeFd?.(fd, p, ev.ts, ev.cpu);
      p.fds.delete(fd);
    }
  }

  /* ----------------------------- statedump ------------------------------ */

  private statedumpProcess(ev: AnalysisEvent): void {
    const tid = int(ev, 'tid');
    const pid = int(ev, 'pid');
    const name = str(ev, 'name');
    const prio = lookup(ev, 'prio');
    const p = this.tids.get(tid) ?? new Process(tid);
    this.tids.set(tid, p);
    p.pid = pid;
    p.comm = name;
    // sched_* events know the priority better
    if (p.prio === undefined && prio !== undefined) p.prio = Number(prio);
    if (pid === tid) return;
    let parent = this.tids.get(pid);
    if (!parent) {
      parent = new Process(pid, pid, name);
      this.tids.set(pid, parent);
    }
    // the thread's descriptors belong to its process
    for (const [fd, f] of p.fds) {
      const pf = parent.fds.get(fd);
      if (!pf) parent.fds.set(fd, f);
      else if (!pf.filename) pf.filename = f.filename;
    }
    p.fds.clear();
    this.hooks?.createParentProc?.(p, parent);
  }

  private statedumpFd(ev: AnalysisEvent): void {
    const pid = int(ev, 'pid');
    const fd = int(ev, 'fd');
    const filename = str(ev, 'filename');
    const cloexec = (int(ev, 'flags') & O_CLOEXEC) === O_CLOEXEC;
    let p = this.tids.get(pid);
    if (!p) {
      p = new Process(pid, pid);
      this.tids.set(pid, p);
    }
    const f = p.fds.get(fd);
    if (!f) {
      p.fds.set(fd, new Fd(fd, filename, FdType.Unknown, cloexec));
      this.hooks?.createFd?.(fd, p, ev.ts, ev.cpu);
    } else {
      f.filename = filename;
      this.hooks?.updateFd?.(fd, p, ev.ts, ev.cpu);
    }
  }

  private statedumpBlock(ev: AnalysisEvent): void {
    const dev = int(ev, 'dev');
    const name = str(ev, 'diskname');
    const d = this.disks.get(dev);
    if (!d) this.disks.set(dev, new Disk(dev, name));
    else if (d.diskname === undefined) d.diskname = name;
    this.hooks?.blockDevice?.(dev, name);
  }

  /* ---------------------------- system calls ---------------------------- */

  private syscallEntry(ev: AnalysisEvent, name: string): void {
    const p = this.current(ev.cpu);
    if (p) p.currentSyscall = p.syscallSlot ? p.syscallSlot.reset(name, ev.ts) : (p.syscallSlot = new SyscallEvent(name, ev.ts));
  }

  private syscallExit(ev: AnalysisEvent): void {
    const p = this.current(ev.cpu);
    if (!p) return;
    const sc = p.currentSyscall;
    if (!sc) return;
    sc.endTs = ev.ts;
    const ret = lookup(ev, 'ret');
    sc.ret = ret === undefined ? undefined : Number(ret);
    sc.duration = ev.ts - sc.beginTs;
    this.hooks?.syscallExit?.(p, ev, ev.cpu);
    // the I/O tracker ends I/O system calls itself
    if (SYSCALLS.io.has(sc.name) && this.options.trackIo !== false) this.io.exit(ev, p, sc);
    else p.currentSyscall = undefined;
  }

  /* ------------------------------- memory ------------------------------- */

  private pageAlloc(ev: AnalysisEvent): void {
    this.pageCount++;
    const p = this.current(ev.cpu);
    if (p) this.hooks?.tidPageAlloc?.(p, ev.cpu);
  }

  private pageFree(ev: AnalysisEvent): void {
    if (this.pageCount === 0) return;
    this.pageCount--;
    const p = this.current(ev.cpu);
    if (p) this.hooks?.tidPageFree?.(p, ev.cpu);
  }

  /* -------------------------------- IRQs -------------------------------- */

  private irqEntry(ev: AnalysisEvent): void {
    const c = this.cpu(ev.cpu);
    const irq = new HardIrq(int(ev, 'irq'), ev.cpu, ev.ts);
    c.currentHardIrq = irq;
    this.hooks?.irqHandlerEntry?.(irq.id, str(ev, 'name'));
  }

  private irqExit(ev: AnalysisEvent): void {
    const c = this.cpu(ev.cpu);
    const irq = c.currentHardIrq;
    c.currentHardIrq = undefined;
    if (irq === undefined || irq.id !== int(ev, 'irq')) return;
    irq.endTs = ev.ts;
    irq.ret = int(ev, 'ret');
    this.hooks?.irqHandlerExit?.(irq);
  }

  private softirqList(ev: AnalysisEvent): SoftIrq[] {
    const c = this.cpu(ev.cpu);
    const vec = int(ev, 'vec');
    let l = c.currentSoftirqs.get(vec);
    if (!l) {
      l = [];
      c.currentSoftirqs.set(vec, l);
    }
    return l;
  }

  private softirqRaise(ev: AnalysisEvent): void {
    const l = this.softirqList(ev);
    // level-triggered: one pending raise is enough, unless it already began
    if (l.length && l[0]!.beginTs === undefined) return;
    l.push(new SoftIrq(int(ev, 'vec'), ev.cpu, ev.ts, undefined));
  }

  private softirqEntry(ev: AnalysisEvent): void {
    const l = this.softirqList(ev);
    if (l.length) l[0]!.beginTs = ev.ts;
    else l.push(new SoftIrq(int(ev, 'vec'), ev.cpu, undefined, ev.ts));
  }

  private softirqExit(ev: AnalysisEvent): void {
    const l = this.cpu(ev.cpu).currentSoftirqs.get(int(ev, 'vec'));
    if (!l || l.length === 0) return;
    const irq = l[0]!;
    irq.endTs = ev.ts;
    this.hooks?.softirqExit?.(irq);
    l.shift();
  }

  /* ------------------------------- network ------------------------------ */

  private netDevXmit(ev: AnalysisEvent): void {
    this.hooks?.netDevXmit?.(str(ev, 'name'), int(ev, 'len'), ev.cpu);
    let p = this.current(ev.cpu);
    const sc = p?.currentSyscall;
    if (!p || !sc) return;
    if (p.pid !== undefined && p.pid !== p.tid) p = this.tids.get(p.pid) ?? p;
    if (!SYSCALLS.write.has(sc.name)) return;
    const fd = sc.ioRq?.fd;
    const f = fd === undefined ? undefined : p.fds.get(fd);
    if (f && f.fdType === FdType.Unknown) f.fdType = FdType.MaybeNet;
  }
}
