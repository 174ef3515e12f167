// Who a thread was at a given time: process id, parent, name. /proc tells the
// present; a few low-rate kernel events (task_newtask, task_rename,
// sched_process_exec), read ahead of each pass, tell the past, so that the
// contexts of short-lived threads (gone before their events are read) and of
// threads that exec or rename themselves are right.
import type { EventFormat } from './format.js';
import type { ProcCache, TaskInfo } from './procinfo.js';
import { commBytes } from './procinfo.js';

export const TRACK_NEWTASK = 1;
export const TRACK_RENAME = 2;
export const TRACK_EXEC = 3;
/** a thread's priority at a known time (sched_switch: two threads) */
export const TRACK_PRIO = 4;

/** the events the tracker needs, as `system/name` */
export const TRACKING_EVENTS = ['task/task_newtask', 'task/task_rename', 'sched/sched_process_exec'];
/** the events that tell a thread's priority (for the prio and nice contexts) */
export const PRIO_TRACKING_EVENTS = ['sched/sched_switch', 'sched/sched_waking', 'sched/sched_wakeup_new', 'sched/sched_pi_setprio'];

export interface TrackSpec {
  kind: number;
  /** record offsets */
  pid: number;
  comm: number;
  flags: number;
  oldPid: number;
  /** data_loc of the exec'd file name */
  filename: number;
  /** TRACK_PRIO: offset of the kernel priority of the thread at `pid`, and a second pair (-1: none) */
  prio?: number;
  pid2?: number;
  prio2?: number;
}

export function trackSpec(ev: EventFormat): TrackSpec | undefined {
  const f = (n: string): number => ev.fields.find((x) => x.name === n)?.offset ?? -1;
  if (ev.system === 'task' && ev.name === 'task_newtask' && f('pid') >= 0 && f('comm') >= 0 && f('clone_flags') >= 0) {
    return { kind: TRACK_NEWTASK, pid: f('pid'), comm: f('comm'), flags: f('clone_flags'), oldPid: -1, filename: -1 };
  }
  if (ev.system === 'task' && ev.name === 'task_rename' && f('pid') >= 0 && f('newcomm') >= 0) {
    return { kind: TRACK_RENAME, pid: f('pid'), comm: f('newcomm'), flags: -1, oldPid: -1, filename: -1 };
  }
  if (ev.system === 'sched' && ev.name === 'sched_switch' && f('prev_pid') >= 0 && f('prev_prio') >= 0 && f('next_pid') >= 0 && f('next_prio') >= 0) {
    return { kind: TRACK_PRIO, pid: f('prev_pid'), prio: f('prev_prio'), pid2: f('next_pid'), prio2: f('next_prio'), comm: -1, flags: -1, oldPid: -1, filename: -1 };
  }
  if (ev.system === 'sched' && (ev.name === 'sched_waking' || ev.name === 'sched_wakeup_new' || ev.name === 'sched_wakeup') && f('pid') >= 0 && f('prio') >= 0) {
    return { kind: TRACK_PRIO, pid: f('pid'), prio: f('prio'), pid2: -1, prio2: -1, comm: -1, flags: -1, oldPid: -1, filename: -1 };
  }
  if (ev.system === 'sched' && ev.name === 'sched_pi_setprio' && f('pid') >= 0 && f('newprio') >= 0) {
    return { kind: TRACK_PRIO, pid: f('pid'), prio: f('newprio'), pid2: -1, prio2: -1, comm: -1, flags: -1, oldPid: -1, filename: -1 };
  }
  if (ev.system === 'sched' && ev.name === 'sched_process_exec' && f('pid') >= 0 && f('filename') >= 0) {
    const fn = ev.fields.find((x) => x.name === 'filename')!;
    if (!fn.dynamic) return undefined;
    return { kind: TRACK_EXEC, pid: f('pid'), comm: -1, flags: -1, oldPid: f('old_pid'), filename: fn.offset };
  }
  return undefined;
}

const CLONE_PARENT = 0x00008000;
const CLONE_THREAD = 0x00010000;

interface Update {
  ts: number;
  info: TaskInfo;
  before: TaskInfo | undefined;
}

export class TaskTracker {
  private readonly hist = new Map<number, Update[]>();

  constructor(readonly procs: ProcCache) {}

  /** the thread `tid` as it was at time `ts` (ns; exact enough for ordering) */
  at(tid: number, ts: number): TaskInfo | undefined {
    const h = this.hist.get(tid);
    if (h === undefined) return this.procs.get(tid);
    let best: Update | undefined;
    for (const u of h) if (u.ts <= ts) best = u;
    if (best) return best.info;
    return h[0]!.before ?? h[0]!.info;
  }

  private push(tid: number, ts: number, info: TaskInfo, before: TaskInfo | undefined): void {
    let h = this.hist.get(tid);
    if (!h) this.hist.set(tid, (h = []));
    h.push({ ts, info, before });
  }

  /**
   * A thread's kernel priority seen at time `ts`: an update when it differs
   * from what was known (LTTng's prio context is prio - 100; nice follows
   * the priority of a normal, non-boosted thread: prio - 120).
   */
  private notePrio(tid: number, kprio: number, ts: number): void {
    if (tid <= 0) return;
    const before = this.at(tid, ts);
    if (!before || before.prio === kprio - 100) return;
    const nice = kprio >= 100 && kprio < 140 ? kprio - 120 : before.nice;
    this.push(tid, ts, { ...before, prio: kprio - 100, nice }, before);
  }

  /** Notes one tracking record (payload at `off` of `buf`). */
  note(spec: TrackSpec, buf: Uint8Array, dv: DataView, off: number, len: number, ts: number): void {
    const end = off + len;
    if (off + spec.pid + 4 > end) return;
    if (spec.kind === TRACK_PRIO) {
      if (off + spec.prio! + 4 <= end) this.notePrio(dv.getInt32(off + spec.pid, true), dv.getInt32(off + spec.prio!, true), ts);
      if (spec.pid2! >= 0 && off + spec.pid2! + 4 <= end && off + spec.prio2! + 4 <= end) this.notePrio(dv.getInt32(off + spec.pid2!, true), dv.getInt32(off + spec.prio2!, true), ts);
      return;
    }
    const tid = dv.getInt32(off + spec.pid, true);
    const comm = (at: number): Uint8Array | undefined => {
      if (at < 0 || off + at + 16 > end) return undefined;
      const b = buf.slice(off + at, off + at + 16);
      b[15] = 0;
      return b;
    };
    if (spec.kind === TRACK_NEWTASK) {
      const parentTid = dv.getInt32(off + 4, true);
      const parent = this.at(parentTid, ts);
      const flags = off + spec.flags + 4 <= end ? dv.getUint32(off + spec.flags, true) : 0;
      const thread = (flags & CLONE_THREAD) !== 0;
      const c = comm(spec.comm) ?? parent?.commBytes ?? commBytes('');
      const tgid = thread ? parent?.tgid ?? parentTid : tid;
      const info: TaskInfo = {
        tid, tgid, ppid: (flags & (CLONE_PARENT | CLONE_THREAD)) !== 0 ? parent?.ppid ?? 0 : parent?.tgid ?? parentTid,
        comm: decode(c), commBytes: c, prio: parent?.prio ?? 20, nice: parent?.nice ?? 0,
        nsTids: [tid], nsTgids: [tgid], vppid: 0, pidNsInum: parent?.pidNsInum ?? 0, state: 'R', kthread: parent?.kthread ?? false,
        cpu: 0, loadedAt: Date.now(),
      };
      this.push(tid, ts, info, undefined);
      return;
    }
    const before = this.at(tid, ts);
    let c: Uint8Array | undefined;
    if (spec.kind === TRACK_RENAME) c = comm(spec.comm);
    else {
      if (off + spec.filename + 4 > end) return;
      const loc = dv.getUint32(off + spec.filename, true);
      const s = off + (loc & 0xffff);
      const n = Math.min(loc >>> 16, Math.max(0, end - s));
      let name = Buffer.from(buf.subarray(s, s + n)).toString('utf8');
      const z = name.indexOf('\0');
      if (z >= 0) name = name.slice(0, z);
      c = commBytes(name.slice(name.lastIndexOf('/') + 1));
    }
    if (!c) return;
    const info: TaskInfo = before ? { ...before, comm: decode(c), commBytes: c, loadedAt: Date.now() } : {
      tid, tgid: tid, ppid: 0, comm: decode(c), commBytes: c, prio: 20, nice: 0, nsTids: [tid], nsTgids: [tid], vppid: 0,
      pidNsInum: 0, state: 'R', kthread: false, cpu: 0, loadedAt: Date.now(),
    };
    this.push(tid, ts, info, before);
  }

  /** whether any thread changed during the pages read ahead */
  anyChange(): boolean {
    return this.hist.size > 0;
  }

  /** whether the thread changed during the pages read ahead (its values depend on the time) */
  changing(tid: number): boolean {
    return this.hist.has(tid);
  }

  /** when the thread last changed in the pages read ahead (-1: not) */
  lastChange(tid: number): number {
    const h = this.hist.get(tid);
    return h ? h[h.length - 1]!.ts : -1;
  }

  /** orders each thread's updates by time (after a read-ahead) */
  ready(): void {
    for (const h of this.hist.values()) if (h.length > 1) h.sort((a, b) => a.ts - b.ts);
  }

  /** keeps each thread's latest state for the next passes */
  endPass(): void {
    for (const [tid, h] of this.hist) this.procs.put(tid, h[h.length - 1]!.info);
    this.hist.clear();
  }
}

function decode(b: Uint8Array): string {
  const z = b.indexOf(0);
  return Buffer.from(b.subarray(0, z < 0 ? b.length : z)).toString('utf8');
}
