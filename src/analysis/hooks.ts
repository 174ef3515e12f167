// What the automaton tells an analysis, in the order lttng-analyses' state
// providers send their notifications.
import type { AnalysisEvent } from './event.js';
import type { Disk, HardIrq, IoRequest, Process, SoftIrq } from './state.js';

/** a sched_switch as the analyses see it (one object reused: copy what you keep) */
export interface SwitchInfo {
  ts: number;
  cpu: number;
  prevTid: number;
  nextTid: number;
  prevComm: string;
  nextComm: string;
  /** the thread switched in */
  wakee: Process;
  /** the thread that woke it, when known */
  waker: Process | undefined;
}

export interface StateHooks {
  schedSwitchPerCpu?(s: SwitchInfo): void;
  schedSwitchPerTid?(s: SwitchInfo): void;
  schedMigrateTask?(proc: Process, cpu: number): void;
  prioChanged?(ts: number, tid: number, prio: number): void;
  /** a system call ended: `proc.currentSyscall` is the finished call */
  syscallExit?(proc: Process, ev: AnalysisEvent, cpu: number): void;
  ioRqExit?(rq: IoRequest, proc: Process, parent: Process, cpu: number): void;
  createFd?(fd: number, parent: Process, ts: number, cpu: number): void;
  closeFd?(fd: number, parent: Process, ts: number, cpu: number): void;
  updateFd?(fd: number, parent: Process, ts: number, cpu: number): void;
  createParentProc?(proc: Process, parent: Process): void;
  blockDevice?(dev: number, diskname: string): void;
  blockRqComplete?(rq: IoRequest, proc: Process | undefined, cpu: number, disk: Disk): void;
  netDevXmit?(iface: string, bytes: number, cpu: number): void;
  netifReceiveSkb?(iface: string, bytes: number, cpu: number): void;
  tidPageAlloc?(proc: Process, cpu: number): void;
  tidPageFree?(proc: Process, cpu: number): void;
  irqHandlerEntry?(id: number, name: string): void;
  irqHandlerExit?(irq: HardIrq): void;
  softirqExit?(irq: SoftIrq): void;
}

/** what the automaton's helpers (I/O, block) see of it */
export interface StateHost {
  readonly tids: Map<number, Process>;
  readonly disks: Map<number, Disk>;
  readonly hooks: StateHooks | undefined;
  /** the process running on `cpu`, if any */
  current(cpu: number): Process | undefined;
  /** the process that owns a thread's file descriptors */
  parentOf(proc: Process): Process;
}
