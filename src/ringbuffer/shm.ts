// POSIX shared memory through koffi (no compiler needed): shm_open + ftruncate
// + mmap(MAP_SHARED) give an ArrayBuffer that another process maps too. The
// library is loaded on first use so that an untraced app never pays for it.
import * as fs from 'node:fs';
import { createRequire } from 'node:module';

type Fn = (...args: unknown[]) => unknown;
interface Libc {
  shm_open: Fn;
  shm_unlink: Fn;
  mmap: Fn;
  munmap: Fn;
  close: Fn;
  gettid: Fn;
  pthread_self: Fn;
  sched_getcpu: Fn;
  view: (p: unknown, len: number) => ArrayBuffer;
  address: (p: unknown) => bigint;
  errno: () => number;
}

let libc: Libc | undefined;

function lib(): Libc {
  if (libc) return libc;
  const require = createRequire(import.meta.url);
  const koffi = require('koffi') as {
    load(p: string): { func(sig: string): Fn };
    view(p: unknown, len: number): ArrayBuffer;
    address(p: unknown): bigint;
    errno(): number;
  };
  const c = koffi.load('libc.so.6');
  libc = {
    shm_open: c.func('int shm_open(const char *name, int oflag, uint32_t mode)'),
    shm_unlink: c.func('int shm_unlink(const char *name)'),
    mmap: c.func('void *mmap(void *addr, size_t length, int prot, int flags, int fd, int64_t offset)'),
    munmap: c.func('int munmap(void *addr, size_t length)'),
    close: c.func('int close(int fd)'),
    gettid: c.func('int gettid(void)'),
    pthread_self: c.func('uint64_t pthread_self(void)'),
    sched_getcpu: c.func('int sched_getcpu(void)'),
    view: (p, len) => koffi.view(p, len),
    address: (p) => koffi.address(p),
    errno: () => koffi.errno(),
  };
  return libc;
}

const O_RDWR = 2;
const O_CREAT = 0o100;
const O_EXCL = 0o200;
const PROT_RW = 3;
const MAP_SHARED = 1;
/** fault every page in at map time (as LTTng-UST does), not on the first event that touches it */
const MAP_POPULATE = 0x8000;

export class ShmError extends Error {
  constructor(
    message: string,
    /** errno name when a call failed (EEXIST, ENOENT, …) */
    readonly code?: string,
  ) {
    super(message);
  }
}

/** a mapped shared-memory object */
export interface ShmMapping {
  name: string;
  size: number;
  buffer: ArrayBuffer;
  /** opaque pointer, for unmap() */
  ptr: unknown;
}

function errnoText(e: number): string {
  const names: Record<number, string> = { 1: 'EPERM', 2: 'ENOENT', 13: 'EACCES', 17: 'EEXIST', 22: 'EINVAL', 24: 'EMFILE', 28: 'ENOSPC', 12: 'ENOMEM' };
  return names[e] ?? `errno ${e}`;
}

function checkName(name: string): void {
  if (!/^\/[A-Za-z0-9._-]{1,250}$/.test(name)) throw new ShmError(`bad shared memory name ${JSON.stringify(name)}`);
}

function map(name: string, fd: number, size: number, populate = false): ShmMapping {
  const l = lib();
  const p = l.mmap(null, size, PROT_RW, MAP_SHARED | (populate ? MAP_POPULATE : 0), fd, 0);
  const e = l.errno();
  l.close(fd);
  if (p === null || l.address(p) === 0xffffffffffffffffn) throw new ShmError(`mmap ${name}: ${errnoText(e)}`);
  return { name, size, buffer: l.view(p, size), ptr: p };
}

/** creates (exclusively) and maps a new object of `size` bytes, zero-filled */
export function createShm(name: string, size: number, mode = 0o600): ShmMapping {
  checkName(name);
  const l = lib();
  const fd = l.shm_open(name, O_RDWR | O_CREAT | O_EXCL, mode) as number;
  if (fd < 0) {
    const code = errnoText(l.errno());
    throw new ShmError(`shm_open ${name}: ${code}`, code);
  }
  try {
    fs.ftruncateSync(fd, size);
  } catch (e) {
    l.close(fd);
    l.shm_unlink(name);
    throw new ShmError(`ftruncate ${name}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  try {
    return map(name, fd, size, true);
  } catch (e) {
    l.shm_unlink(name);
    throw e;
  }
}

/** maps an existing object whole (its size from fstat) */
export function openShm(name: string, maxSize = 2 ** 31 + 2 ** 24): ShmMapping {
  checkName(name);
  const l = lib();
  const fd = l.shm_open(name, O_RDWR, 0) as number;
  if (fd < 0) {
    const code = errnoText(l.errno());
    throw new ShmError(`shm_open ${name}: ${code}`, code);
  }
  let size: number;
  try {
    size = fs.fstatSync(fd).size;
  } catch (e) {
    l.close(fd);
    throw new ShmError(`fstat ${name}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  if (size <= 0 || size > maxSize) {
    l.close(fd);
    throw new ShmError(`${name}: size ${size} out of range`);
  }
  return map(name, fd, size);
}

/** unmaps; the mapping's buffer must not be touched afterwards */
export function unmapShm(m: ShmMapping): void {
  lib().munmap(m.ptr, m.size);
}

/** removes the name (mappings stay valid until unmapped); false when it was already gone */
export function unlinkShm(name: string): boolean {
  checkName(name);
  return (lib().shm_unlink(name) as number) === 0;
}

let cachedTid: number | undefined;
/** kernel thread id of the calling thread (each worker_thread has its own) */
export function gettid(): number {
  if (cachedTid === undefined) cachedTid = lib().gettid() as number;
  return cachedTid;
}

/** pthread_self() of the calling thread (LTTng-UST's `pthread_id` context) */
export function pthreadSelf(): bigint {
  return BigInt(lib().pthread_self() as number | bigint);
}

/** the CPU the calling thread runs on now (a libc call: costly, used only for the cpu_id context) */
export function schedGetcpu(): number {
  return lib().sched_getcpu() as number;
}
