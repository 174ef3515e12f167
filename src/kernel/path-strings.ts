// Path strings of system calls (ftrace records only the user pointers): the
// strings our libc uprobes fetched just before the call, matched by thread and
// pointer value; else, for opens, /proc/TID/fd/RET after the exit (the CPU's
// records wait for it), and for the other calls /proc/TID/mem when the record
// is decoded.
import * as fs from 'node:fs';
import type { EventWriter, WriteTarget } from './event-writer.js';
import { UNKNOWN_PATH, strlen } from './event-writer.js';
import type { FtraceField } from './format.js';
import type { PageSlot } from './hot-loop.js';
import type { EventPlan } from './mapping.js';

const TWO32 = 4294967296;
const NULL_PATH = Buffer.from('(null)');
/** an empty path (fstat's AT_EMPTY_PATH ""): LTTng records "", which babeltrace2 2.0.4 prints as the previous string */
const EMPTY_PATH = Buffer.from('(empty)');
/** system calls after which the thread's memory belongs to another program */
const EXEC_CALLS = new Set(['sys_enter_execve', 'sys_enter_execveat']);

/** a uprobe of ours: where its strings (path0, path1…) and their pointers (ptr0…) are in the record */
export interface PathProbeLayout {
  strs: { path: FtraceField; ptr: FtraceField }[];
}

/** an open whose path no uprobe saw, waiting for its exit (its CPU's stream holds its records meanwhile) */
interface PendingOpen {
  reader: WriteTarget;
  plan: EventPlan;
  tsHi: number;
  tsLo: number;
  rec: Uint8Array;
  ptr: number;
  pass: number;
}

export class PathStrings {
  /** string arguments no uprobe saw, read from /proc/TID/mem instead, and those that could not be read */
  pathsFromMem = 0;
  pathsUnknown = 0;
  /** tid → paths fetched by uprobes just before the system call (newest first) */
  private readonly uprobePaths = new Map<number, { ptr: number; path: Uint8Array }[]>();
  private readonly pendingOpens = new Map<number, PendingOpen>();

  constructor(private readonly writer: EventWriter) {}

  /** a record of one of our uprobes (layout `l`): its strings, kept for the thread's next system call */
  onProbe(l: PathProbeLayout, page: PageSlot, off: number, len: number): void {
    const dv = page.dv;
    const tid = dv.getInt32(off + 4, true);
    const end = off + len;
    let list = this.uprobePaths.get(tid);
    for (const sp of l.strs) {
      if (off + sp.ptr.offset + 8 > end || off + sp.path.offset + 4 > end) continue;
      const ptr = dv.getUint32(off + sp.ptr.offset, true) + dv.getUint32(off + sp.ptr.offset + 4, true) * TWO32;
      const loc = dv.getUint32(off + sp.path.offset, true);
      const s = off + (loc & 0xffff);
      let n = loc >>> 16;
      if (s > end) continue;
      if (s + n > end) n = end - s;
      const k = strlen(page.u8, s, n);
      // an empty fetch is most often a page that was not resident: the fallbacks do better
      if (k === 0) continue;
      if (!list) {
        if (this.uprobePaths.size > 10_000) this.uprobePaths.clear();
        this.uprobePaths.set(tid, (list = []));
      }
      // newest first; a few per thread (one call may pass through several probed wrappers)
      list.unshift({ ptr, path: page.u8.slice(s, s + k) });
      if (list.length > 6) list.length = 6;
    }
  }

  /** the string at `ptr` for thread `tid`: from a uprobe, else (when allowed) /proc/TID/mem */
  private pathFor(tid: number, ptr: number, list: { ptr: number; path: Uint8Array }[] | undefined, mem: boolean): Uint8Array | undefined {
    if (ptr === 0) return NULL_PATH;
    if (list) for (const u of list) if (u.ptr === ptr) return u.path.length ? u.path : EMPTY_PATH;
    if (!mem) return undefined;
    const v = readUserString(tid, ptr);
    if (v) this.pathsFromMem++;
    else this.pathsUnknown++;
    return v ? (v.length ? v : EMPTY_PATH) : UNKNOWN_PATH;
  }

  /** a syscall entry with path arguments: written with its strings, or (an open no uprobe saw) held until its exit; `pass`: the read pass */
  onPathEntry(r: WriteTarget, plan: EventPlan, tsHi: number, tsLo: number, page: PageSlot, off: number, len: number, pass: number): void {
    const dv = page.dv;
    const tid = dv.getInt32(off + 4, true);
    const list = this.uprobePaths.get(tid);
    this.uprobePaths.delete(tid);
    const ptrs = plan.pathPointers.map((o) => (o + 8 <= len ? dv.getUint32(off + o, true) + dv.getUint32(off + o + 4, true) * TWO32 : 0));
    // an open whose path no uprobe saw: /proc/TID/fd/RET after its exit (this CPU's records wait)
    if (plan.openEntry && ptrs[0] !== 0 && !list?.some((u) => u.ptr === ptrs[0]) && !r.stream.holding && !this.pendingOpens.has(tid)) {
      this.pendingOpens.set(tid, { reader: r, plan, tsHi, tsLo, rec: page.u8.slice(off, off + len), ptr: ptrs[0]!, pass });
      r.stream.hold();
      return;
    }
    // No /proc/TID/mem for execve (once done, the memory is the new program's) nor for opens (their
    // fallback is /proc/TID/fd/RET; a buffer read later may hold another path by then)
    const mem = !EXEC_CALLS.has(plan.ftraceName) && !plan.openEntry;
    const paths = ptrs.map((p) => this.pathFor(tid, p, list, mem) ?? (this.pathsUnknown++, UNKNOWN_PATH));
    const w = this.writer;
    if (!plan.userFilter || w.accept(r, plan, tsHi, tsLo, page.u8, dv, off, len, paths)) w.writeSteps(r, plan, tsHi, tsLo, page.u8, dv, off, len, paths, undefined);
  }

  /** the exit of an open: the held entry gets its path (a late uprobe record, else /proc/TID/fd/RET) */
  onOpenExit(plan: EventPlan, page: PageSlot, off: number): void {
    const dv = page.dv;
    const tid = dv.getInt32(off + 4, true);
    const p = this.pendingOpens.get(tid);
    if (!p) return;
    this.pendingOpens.delete(tid);
    const ret = plan.retOffset !== undefined ? dv.getInt32(off + plan.retOffset, true) : -1;
    // the uprobe's record may have come since, from another CPU's pages (the thread moved in between)
    let path = this.pathFor(tid, p.ptr, this.uprobePaths.get(tid), false);
    if (path) this.uprobePaths.delete(tid);
    else if (ret >= 0) {
      try {
        path = Buffer.from(fs.readlinkSync(`/proc/${tid}/fd/${ret}`), 'utf8');
        if (!path.length) path = undefined;
      } catch {
        /* gone already */
      }
    }
    path ??= p.ptr === 0 ? NULL_PATH : UNKNOWN_PATH;
    this.resolve(p, path);
  }

  private resolve(p: PendingOpen, path: Uint8Array): void {
    const rec = p.rec;
    const rdv = new DataView(rec.buffer, rec.byteOffset, rec.byteLength);
    const w = this.writer;
    const keep = !p.plan.userFilter || w.accept(p.reader, p.plan, p.tsHi, p.tsLo, rec, rdv, 0, rec.length, [path]);
    p.reader.stream.release(() => {
      if (keep) w.writeSteps(p.reader, p.plan, p.tsHi, p.tsLo, rec, rdv, 0, rec.length, [path], undefined);
    });
  }

  /** gives up waiting for the exits of old pending opens (or all); `pass`: the current read pass */
  expirePending(all: boolean, pass: number): void {
    if (!this.pendingOpens.size) return;
    for (const [tid, p] of this.pendingOpens) {
      if (!all && pass - p.pass < 3 && p.reader.stream.heldCount < 100_000) continue;
      this.pendingOpens.delete(tid);
      this.resolve(p, p.ptr === 0 ? NULL_PATH : UNKNOWN_PATH);
    }
  }
}

/** open /proc/TID/mem files (opening one costs far more than reading it), most recent last */
const memFds = new Map<number, number>();
const MEM_FDS = 64;

function memFd(tid: number): number {
  let fd = memFds.get(tid);
  if (fd !== undefined) {
    memFds.delete(tid);
    memFds.set(tid, fd);
    return fd;
  }
  fd = fs.openSync(`/proc/${tid}/mem`, 'r');
  memFds.set(tid, fd);
  if (memFds.size > MEM_FDS) {
    const [old, ofd] = memFds.entries().next().value as [number, number];
    memFds.delete(old);
    fs.closeSync(ofd);
  }
  return fd;
}

function dropMemFd(tid: number): void {
  const fd = memFds.get(tid);
  if (fd === undefined) return;
  memFds.delete(tid);
  try {
    fs.closeSync(fd);
  } catch {
    /* closed */
  }
}

const memBuf = Buffer.alloc(4096);

/** a NUL-terminated string in a thread's memory (best effort) */
export function readUserString(tid: number, ptr: number): Uint8Array | undefined {
  if (!ptr || tid <= 0) return undefined;
  // a cached file may belong to the program before an exec, or to a dead thread whose id came back: then once more, afresh
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const n = fs.readSync(memFd(tid), memBuf, 0, 4096, ptr);
      const k = memBuf.subarray(0, n).indexOf(0);
      if (k >= 0) return Uint8Array.prototype.slice.call(memBuf, 0, k);
    } catch {
      /* below */
    }
    dropMemFd(tid);
  }
  return undefined;
}

/** closes the cached /proc/TID/mem files */
export function closeMemFds(): void {
  for (const tid of [...memFds.keys()]) dropMemFd(tid);
}
