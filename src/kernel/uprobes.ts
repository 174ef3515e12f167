// Path strings of system calls. `syscalls:sys_enter_X` only has the user
// pointers; a uprobe on libc's wrappers with `ustring` fetch arguments records
// the strings themselves just before the system call (same thread).
// The probes live in ttng's own group of the global `uprobe_events` file and
// are removed when the session ends (or by cleanupStaleInstances()).
import * as fs from 'node:fs';
import type { Tracefs } from './tracefs.js';

export class ElfError extends Error {}

/** Function symbols of an ELF64 little-endian file → file offsets. */
export function elfFunctionOffsets(buf: Uint8Array): Map<string, number> {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (buf.length < 64 || dv.getUint32(0, false) !== 0x7f454c46) throw new ElfError('not an ELF file');
  if (buf[4] !== 2 || buf[5] !== 1) throw new ElfError('not a 64-bit little-endian ELF file');
  const u64 = (o: number): number => dv.getUint32(o, true) + dv.getUint32(o + 4, true) * 4294967296;
  const phoff = u64(0x20);
  const shoff = u64(0x28);
  const phentsize = dv.getUint16(0x36, true);
  const phnum = dv.getUint16(0x38, true);
  const shentsize = dv.getUint16(0x3a, true);
  const shnum = dv.getUint16(0x3c, true);
  const loads: { vaddr: number; offset: number; filesz: number }[] = [];
  for (let i = 0; i < phnum; i++) {
    const p = phoff + i * phentsize;
    if (p + 56 > buf.length) throw new ElfError('program header out of the file');
    if (dv.getUint32(p, true) === 1) loads.push({ offset: u64(p + 8), vaddr: u64(p + 16), filesz: u64(p + 32) });
  }
  const toOffset = (v: number): number | undefined => {
    for (const l of loads) if (v >= l.vaddr && v < l.vaddr + l.filesz) return v - l.vaddr + l.offset;
    return undefined;
  };
  const secs: { type: number; offset: number; size: number; link: number; entsize: number }[] = [];
  for (let i = 0; i < shnum; i++) {
    const s = shoff + i * shentsize;
    if (s + 64 > buf.length) throw new ElfError('section header out of the file');
    secs.push({ type: dv.getUint32(s + 4, true), offset: u64(s + 24), size: u64(s + 32), link: dv.getUint32(s + 40, true), entsize: u64(s + 56) });
  }
  const out = new Map<string, number>();
  for (const sec of secs) {
    if (sec.type !== 11 && sec.type !== 2) continue; // SHT_DYNSYM, SHT_SYMTAB
    const strtab = secs[sec.link];
    if (!strtab) continue;
    const n = sec.entsize ? Math.floor(sec.size / sec.entsize) : 0;
    for (let i = 0; i < n; i++) {
      const e = sec.offset + i * sec.entsize;
      if (e + 24 > buf.length) break;
      const info = buf[e + 4]!;
      const shndx = dv.getUint16(e + 6, true);
      if ((info & 0xf) !== 2 || shndx === 0) continue; // STT_FUNC, defined
      const nameOff = strtab.offset + dv.getUint32(e, true);
      let end = nameOff;
      while (end < buf.length && buf[end] !== 0) end++;
      const name = Buffer.from(buf.subarray(nameOff, end)).toString('latin1');
      const off = toOffset(u64(e + 8));
      if (off !== undefined && !out.has(name)) out.set(name, off);
    }
  }
  return out;
}

/** the C library this process runs with (the one most programs map) */
export function findLibc(): string | undefined {
  try {
    for (const line of fs.readFileSync('/proc/self/maps', 'utf8').split('\n')) {
      const m = /\s(\/\S*\/libc(?:\.so\.6|-[\d.]+\.so))$/.exec(line);
      if (m) return fs.realpathSync(m[1]!);
    }
  } catch {
    /* no /proc */
  }
  for (const p of ['/lib/x86_64-linux-gnu/libc.so.6', '/usr/lib/x86_64-linux-gnu/libc.so.6', '/lib64/libc.so.6']) {
    if (fs.existsSync(p)) return fs.realpathSync(p);
  }
  return undefined;
}

/** x86-64 SysV argument registers, in order */
const ARG_REGS = ['di', 'si', 'dx', 'cx', 'r8', 'r9'] as const;
export type ArgReg = (typeof ARG_REGS)[number];

export interface PathProbe {
  /** event name in the group */
  name: string;
  offset: number;
  /** registers holding the string arguments (path0, path1… in the record) */
  regs: ArgReg[];
}

/**
 * libc functions whose string arguments ttng fetches, with their positions
 * (0 = first argument). The consumer matches a fetched string to a system
 * call's argument by thread and pointer value, so a wrapper may feed another
 * system call (glibc's stat() makes newfstatat) and several probed wrappers
 * may see one call. Only the common ones: each probe costs a trap at every
 * call of its function while enabled, and ~50 ms to disable; the others
 * (xattrs, mount, swapon…) take the /proc/TID/mem fallback. Not \`syscall()\`: V8 and libuv call it millions of
 * times a second for futexes; what goes through it (libuv's statx) takes the
 * /proc/TID/mem fallback.
 */
const PATH_FUNCS = `
open open64 __open __open64 __open_nocancel __open64_nocancel creat creat64 stat stat64 __stat __stat64 lstat lstat64 __lstat
__lstat64 access execve __execve unlink __unlink mkdir __mkdir rmdir __rmdir chdir __chdir chmod __chmod chown __chown
lchown __lchown readlink __readlink truncate truncate64 __truncate64 mknod statfs statfs64 __statfs:0
openat openat64 __openat __openat64 __openat_nocancel __openat64_nocancel fstatat fstatat64 __fstatat __fstatat64 statx
faccessat unlinkat __unlinkat mkdirat fchmodat fchownat __fchownat readlinkat __readlinkat mknodat utimensat __utimensat
execveat:1
rename link symlink:0,1
renameat renameat2 linkat:1,3
symlinkat:0,2
`;

function pathFuncs(): [string, number[]][] {
  const out: [string, number[]][] = [];
  for (const group of PATH_FUNCS.trim().split(/:([\d,]+)\s*/).reduce<string[][]>((acc, x, i, arr) => (i % 2 === 0 && arr[i + 1] !== undefined ? [...acc, [x, arr[i + 1]!]] : acc), [])) {
    const pos = group[1]!.split(',').map(Number);
    for (const fn of group[0]!.split(/\s+/).filter(Boolean)) out.push([fn, pos]);
  }
  return out;
}

/** one probe per distinct address (aliases share one) */
export function pathProbes(symbols: Map<string, number>): PathProbe[] {
  const seen = new Set<number>();
  const out: PathProbe[] = [];
  for (const [fn, pos] of pathFuncs()) {
    const off = symbols.get(fn);
    if (off === undefined || seen.has(off)) continue;
    seen.add(off);
    out.push({ name: `${fn.replace(/^_+/, '')}_${off.toString(16)}`, offset: off, regs: pos.map((i) => ARG_REGS[i]!) });
  }
  return out;
}

/** `p:GROUP/NAME LIB:0xOFF path0=+0(%REG):ustring ptr0=%REG:x64 …` */
export function uprobeDefinition(group: string, lib: string, p: PathProbe): string {
  const args = p.regs.map((r, i) => `path${i}=+0(%${r}):ustring ptr${i}=%${r}:x64`).join(' ');
  return `p:${group}/${p.name} ${lib}:0x${p.offset.toString(16)} ${args}`;
}

/** The probes of one session: defined in uprobe_events, enabled in its instances. */
export class UprobeSet {
  readonly events: string[] = [];

  constructor(private readonly tfs: Tracefs, readonly group: string) {}

  /** Defines the probes; returns false (and defines nothing) when libc cannot be probed. */
  install(): boolean {
    const lib = findLibc();
    if (!lib) return false;
    let probes: PathProbe[];
    try {
      probes = pathProbes(elfFunctionOffsets(fs.readFileSync(lib)));
    } catch {
      return false;
    }
    for (const p of probes) {
      try {
        this.tfs.addUprobe(uprobeDefinition(this.group, lib, p));
        this.events.push(p.name);
      } catch {
        /* e.g. no uprobe support: fall back to /proc */
      }
    }
    return this.events.length > 0;
  }

  remove(): void {
    for (const e of this.events.splice(0)) this.tfs.removeUprobe(this.group, e);
  }
}
