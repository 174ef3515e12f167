// Acting with a client's rights (lttng-sessiond's run-as, done in-thread):
// the root daemon switches the *calling thread's* filesystem identity — fsuid,
// fsgid and supplementary groups — to the client's for one synchronous file
// operation, so the kernel itself checks every permission as it would for the
// client, and whatever is created belongs to the client. fsuid/fsgid and the
// raw setgroups system call are per thread on Linux (glibc's setgroups()
// wrapper is not: it changes every thread, so the raw call is used), and
// Node's *Sync fs calls run on the calling thread: libuv's pool threads and
// the daemon's other work keep root's identity meanwhile.
import * as fs from 'node:fs';
import { createRequire } from 'node:module';

export interface Credentials {
  uid: number;
  gid: number;
  /** supplementary groups */
  groups: number[];
}

interface Libc {
  setfsuid(id: number): number;
  setfsgid(id: number): number;
  syscall(nr: number, ...args: unknown[]): number | bigint;
}

let libc: Libc | null | undefined;

function load(): Libc | null {
  if (libc !== undefined) return libc;
  try {
    const require = createRequire(import.meta.url);
    const koffi = require('koffi') as { load(p: string): { func(sig: string): (...a: unknown[]) => number | bigint } };
    const c = koffi.load('libc.so.6');
    const setfsuid = c.func('int setfsuid(uint32_t)') as (id: number) => number;
    const setfsgid = c.func('int setfsgid(uint32_t)') as (id: number) => number;
    libc = { setfsuid, setfsgid, syscall: c.func('long syscall(long, ...)') };
  } catch {
    libc = null;
  }
  return libc;
}

const SYS_SETGROUPS = 116; // x86-64

/** the credentials of process `pid` (its supplementary groups from /proc), falling back to uid/gid alone */
export function credentialsOf(pid: number, uid: number, gid: number): Credentials {
  let groups: number[] = [];
  try {
    const m = /^Groups:\s*(.*)$/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    if (m) groups = m[1]!.trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    /* the client is gone: no supplementary groups */
  }
  return { uid, gid, groups };
}

/** this process's own identity (a daemon serving its own user needs no switch) */
export function ownCredentials(): Credentials {
  return { uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0, groups: process.getgroups?.() ?? [] };
}

export class RunAsError extends Error {}

function setGroups(l: Libc, groups: number[]): void {
  const list = new Uint32Array(groups.length > 0 ? groups : [0]);
  const r = l.syscall(SYS_SETGROUPS, 'long', groups.length, 'uint32_t *', list);
  if (Number(r) !== 0) throw new RunAsError('cannot switch supplementary groups');
}

/**
 * Runs `fn` (synchronous file operations only: anything asynchronous would
 * run on another thread, as root) with the filesystem identity of `c`.
 * Without the privilege to switch (a per-user daemon), `c` must be the
 * daemon's own user, and `fn` simply runs.
 */
export function asUser<T>(c: Credentials, fn: () => T): T {
  const euid = process.geteuid?.() ?? 0;
  if (euid !== 0) {
    if (c.uid !== euid) throw new RunAsError(`cannot act as uid ${c.uid}`);
    return fn();
  }
  if (c.uid === 0) return fn();
  const l = load();
  if (!l) throw new RunAsError('cannot switch identity (koffi unavailable)');
  const saved = process.getgroups?.() ?? [];
  setGroups(l, c.groups);
  l.setfsgid(c.gid);
  l.setfsuid(c.uid);
  try {
    // setfsuid reports the previous value whatever happens: ask again to be sure
    if (l.setfsuid(c.uid) !== c.uid || l.setfsgid(c.gid) !== c.gid) throw new RunAsError(`cannot act as uid ${c.uid}`);
    return fn();
  } finally {
    l.setfsuid(0);
    l.setfsgid(process.getegid?.() ?? 0);
    setGroups(l, saved);
  }
}
