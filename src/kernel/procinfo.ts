// What ftrace records lack about a thread (its process id, parent, namespace
// ids, priority, name), read from /proc when ttng needs it and cached a while.
// Values are those at read time, not at the event's time: good for long-lived
// threads, a best effort for threads that come and go between two reads.
import * as fs from 'node:fs';

export interface TaskInfo {
  tid: number;
  tgid: number;
  ppid: number;
  comm: string;
  /** comm as LTTng's char[16] */
  commBytes: Uint8Array;
  /** kernel prio − 100 (LTTng's prio context) */
  prio: number;
  nice: number;
  /** ids in each pid namespace, outermost first (NSpid / NStgid) */
  nsTids: number[];
  nsTgids: number[];
  vppid: number;
  pidNsInum: number;
  /** one of /proc's state letters */
  state: string;
  /** kernel thread (PF_KTHREAD) */
  kthread: boolean;
  cpu: number;
  loadedAt: number;
}

const PF_KTHREAD = 0x00200000;

/** Parses /proc/PID/stat (the comm may hold spaces and parentheses). */
export function parseStat(text: string): { comm: string; state: string; ppid: number; flags: number; prio: number; nice: number; cpu: number } | undefined {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) return undefined;
  const rest = text.slice(close + 2).trim().split(/\s+/);
  // rest[0] = field 3 (state)
  const f = (n: number): number => Number(rest[n - 3] ?? 0);
  return { comm: text.slice(open + 1, close), state: rest[0] ?? '?', ppid: f(4), flags: f(9), prio: f(18), nice: f(19), cpu: f(39) };
}

/** Parses /proc/PID/status key: value lines. */
export function parseStatus(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of text.split('\n')) {
    const i = line.indexOf(':');
    if (i > 0) m.set(line.slice(0, i), line.slice(i + 1).trim());
  }
  return m;
}

export function commBytes(comm: string): Uint8Array {
  const b = new Uint8Array(16);
  const e = Buffer.from(comm, 'utf8');
  b.set(e.subarray(0, 15));
  return b;
}

/** inode of a namespace link (`pid:[4026531836]`), 0 if unknown */
export function nsInum(pid: number, ns: string): number {
  try {
    const m = /\[(\d+)\]/.exec(fs.readlinkSync(`/proc/${pid}/ns/${ns}`));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

function readText(p: string): string | undefined {
  try {
    return fs.readFileSync(p, 'utf8');
  } catch {
    return undefined;
  }
}

/** Reads one thread's info from /proc (undefined once it is gone). */
export function readTask(tid: number, tgidHint?: number): TaskInfo | undefined {
  const base = tgidHint !== undefined ? `/proc/${tgidHint}/task/${tid}` : `/proc/${tid}`;
  const statText = readText(`${base}/stat`) ?? (tgidHint !== undefined ? readText(`/proc/${tid}/stat`) : undefined);
  const statusText = readText(`${base}/status`) ?? (tgidHint !== undefined ? readText(`/proc/${tid}/status`) : undefined);
  if (!statText || !statusText) return undefined;
  const st = parseStat(statText);
  if (!st) return undefined;
  const status = parseStatus(statusText);
  const tgid = Number(status.get('Tgid') ?? tid);
  const ids = (k: string, dflt: number): number[] => {
    const v = status.get(k);
    const a = v ? v.split(/\s+/).map(Number).filter((n) => Number.isFinite(n)) : [];
    return a.length ? a : [dflt];
  };
  const comm = status.get('Name') ?? st.comm;
  return {
    tid, tgid, ppid: Number(status.get('PPid') ?? st.ppid), comm, commBytes: commBytes(comm),
    prio: st.prio, nice: st.nice, nsTids: ids('NSpid', tid), nsTgids: ids('NStgid', tgid), vppid: 0,
    pidNsInum: 0, state: st.state, kthread: (st.flags & PF_KTHREAD) !== 0, cpu: st.cpu, loadedAt: Date.now(),
  };
}

/** tid → TaskInfo, re-read after `ttlMs`; a thread that is gone keeps its last known info */
export class ProcCache {
  private readonly map = new Map<number, { info: TaskInfo | undefined; at: number }>();
  private readonly nsCache = new Map<number, number>();
  /** coarse clock: callers advance it with tick() (once per read pass) */
  private now = Date.now();
  constructor(private readonly ttlMs = 2000) {}

  tick(): void {
    this.now = Date.now();
  }

  get(tid: number): TaskInfo | undefined {
    const e = this.map.get(tid);
    if (e && this.now - e.at < this.ttlMs) return e.info;
    const t = tid === 0 ? idleTask() : readTask(tid);
    if (this.map.size > 100_000) this.map.clear();
    const info = t ?? e?.info;
    this.map.set(tid, { info, at: this.now });
    return info;
  }

  /** pid namespace inode of a thread's process (cached per process) */
  pidNs(tid: number): number {
    const key = this.get(tid)?.tgid ?? tid;
    let v = this.nsCache.get(key);
    if (v === undefined) {
      v = nsInum(key, 'pid') || nsInum(process.pid, 'pid');
      this.nsCache.set(key, v);
    }
    return v;
  }

  /** what an event or the statedump told about a thread */
  put(tid: number, info: TaskInfo): void {
    this.map.set(tid, { info, at: this.now });
  }

  forget(tid: number): void {
    this.map.delete(tid);
  }
}

function idleTask(): TaskInfo {
  return {
    tid: 0, tgid: 0, ppid: 0, comm: 'swapper', commBytes: commBytes('swapper'), prio: 20, nice: 0,
    nsTids: [0], nsTgids: [0], vppid: 0, pidNsInum: 0, state: 'R', kthread: true, cpu: 0, loadedAt: Date.now(),
  };
}
