// tracefs control: find (or mount) tracefs, ftrace instances, event enabling,
// buffer settings, per-CPU stats, uprobe definitions. All I/O lives here and
// stays inside ttng's own instances and uprobe groups: the top-level tracing
// state, which other tools share, is only ever read.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import type { CpuStats, EventFormat, HeaderEvent, HeaderPage } from './format.js';
import { parseAvailableEvents, parseEventFormat, parseHeaderEvent, parseHeaderPage, parseStats } from './format.js';

export class TracefsError extends Error {}

const DEFAULT_MOUNT = '/sys/kernel/tracing';

function errCode(e: unknown): string {
  return (e as NodeJS.ErrnoException)?.code ?? String(e);
}

/** Parses /proc/mounts: the first tracefs mount, else debugfs's tracing/. */
export function tracefsFromMounts(mounts: string): string | undefined {
  let debugfs: string | undefined;
  for (const line of mounts.split('\n')) {
    const [, dir, type] = line.split(' ');
    if (!dir || !type) continue;
    const d = dir.replace(/\\040/g, ' ');
    if (type === 'tracefs') return d;
    if (type === 'debugfs' && !debugfs) debugfs = d;
  }
  if (debugfs && fs.existsSync(path.join(debugfs, 'tracing', 'instances'))) return path.join(debugfs, 'tracing');
  return undefined;
}

export function isRoot(): boolean {
  return typeof process.geteuid === 'function' ? process.geteuid() === 0 : false;
}

let cached: string | undefined;

/** The tracefs mount point; mounts it on /sys/kernel/tracing when needed. */
export function ensureTracefs(): string {
  if (cached && fs.existsSync(path.join(cached, 'instances'))) return cached;
  if (!isRoot()) throw new TracefsError(`kernel tracing needs root privileges (running as uid ${process.geteuid?.() ?? '?'})`);
  let mounts = '';
  try {
    mounts = fs.readFileSync('/proc/mounts', 'utf8');
  } catch {
    /* no /proc: try the default place */
  }
  let dir = tracefsFromMounts(mounts);
  if (!dir) {
    try {
      execFileSync('mount', ['-t', 'tracefs', 'nodev', DEFAULT_MOUNT], { stdio: ['ignore', 'ignore', 'pipe'] });
      dir = DEFAULT_MOUNT;
    } catch (e) {
      const msg = ((e as { stderr?: Buffer }).stderr?.toString() ?? '').trim().split('\n')[0] || errCode(e);
      throw new TracefsError(`tracefs is not mounted and mounting it on ${DEFAULT_MOUNT} failed: ${msg}`);
    }
  }
  if (!fs.existsSync(path.join(dir, 'instances'))) throw new TracefsError(`${dir} has no instances/ directory: this kernel's ftrace cannot make tracing instances`);
  cached = dir;
  return dir;
}

export class Tracefs {
  constructor(readonly root: string = ensureTracefs()) {}

  read(rel: string): string {
    try {
      return fs.readFileSync(path.join(this.root, rel), 'utf8');
    } catch (e) {
      throw new TracefsError(`cannot read ${path.join(this.root, rel)}: ${errCode(e)}`);
    }
  }

  availableEvents(): { system: string; name: string }[] {
    return parseAvailableEvents(this.read('available_events'));
  }

  instancePath(name: string): string {
    return path.join(this.root, 'instances', name);
  }

  listInstances(): string[] {
    try {
      return fs.readdirSync(path.join(this.root, 'instances'));
    } catch {
      return [];
    }
  }

  createInstance(name: string): Instance {
    if (!/^[A-Za-z0-9_.-]+$/.test(name)) throw new TracefsError(`invalid ftrace instance name ${JSON.stringify(name)}`);
    const dir = this.instancePath(name);
    try {
      fs.mkdirSync(dir);
    } catch (e) {
      throw new TracefsError(`cannot create ftrace instance ${name}: ${errCode(e)}`);
    }
    return new Instance(this, name, dir);
  }

  /**
   * Removes one of our instances (stops it first), retrying while its files
   * are still being closed.
   */
  removeInstance(name: string): boolean {
    const dir = this.instancePath(name);
    if (!fs.existsSync(dir)) return false;
    try {
      fs.writeFileSync(path.join(dir, 'tracing_on'), '0');
    } catch {
      /* removed meanwhile */
    }
    for (let i = 0; ; i++) {
      try {
        fs.rmdirSync(dir);
        return true;
      } catch (e) {
        const c = errCode(e);
        if (c === 'ENOENT') return false;
        if (c !== 'EBUSY' || i >= 50) throw new TracefsError(`cannot remove ftrace instance ${name}: ${c}`);
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
      }
    }
  }

  /**
   * Removes an instance that may belong to a live process: a single rmdir,
   * which the kernel refuses (EBUSY) while any file of the instance is open —
   * and a live ttng session always keeps one open. Never touches its state.
   */
  removeIfUnused(name: string): boolean {
    try {
      fs.rmdirSync(this.instancePath(name));
      return true;
    } catch {
      return false;
    }
  }

  /* --------------------------- uprobes (global file) --------------------------- */

  uprobeEvents(): string[] {
    try {
      return fs.readFileSync(path.join(this.root, 'uprobe_events'), 'utf8').split('\n').filter((l) => l.trim());
    } catch {
      return [];
    }
  }

  /** Appends a uprobe definition (never truncates the file other tools share). */
  addUprobe(def: string): void {
    try {
      fs.appendFileSync(path.join(this.root, 'uprobe_events'), def + '\n');
    } catch (e) {
      throw new TracefsError(`cannot add uprobe "${def}": ${errCode(e)}`);
    }
  }

  removeUprobe(group: string, event: string): boolean {
    try {
      fs.appendFileSync(path.join(this.root, 'uprobe_events'), `-:${group}/${event}\n`);
      return true;
    } catch {
      return false;
    }
  }

  /** uprobe groups/events defined in uprobe_events whose group starts with `prefix` */
  uprobesWithPrefix(prefix: string): { group: string; event: string }[] {
    const out: { group: string; event: string }[] = [];
    for (const l of this.uprobeEvents()) {
      const m = /^[pr]:([^/\s]+)\/(\S+)\s/.exec(l);
      if (m && m[1]!.startsWith(prefix)) out.push({ group: m[1]!, event: m[2]! });
    }
    return out;
  }

  /** systems/names under events/syscalls (no need for an instance) */
  syscallNames(): string[] {
    let names: string[];
    try {
      names = fs.readdirSync(path.join(this.root, 'events', 'syscalls'));
    } catch {
      return [];
    }
    return names.filter((n) => n.startsWith('sys_enter_')).map((n) => n.slice(10)).sort();
  }
}

/** One ftrace instance (instances/NAME). */
export class Instance {
  constructor(readonly tfs: Tracefs, readonly name: string, readonly dir: string) {}

  file(rel: string): string {
    return path.join(this.dir, rel);
  }

  read(rel: string): string {
    try {
      return fs.readFileSync(this.file(rel), 'utf8');
    } catch (e) {
      throw new TracefsError(`cannot read ${this.file(rel)}: ${errCode(e)}`);
    }
  }

  write(rel: string, value: string): void {
    try {
      fs.writeFileSync(this.file(rel), value);
    } catch (e) {
      throw new TracefsError(`cannot write "${value.trim()}" to ${this.file(rel)}: ${errCode(e)}`);
    }
  }

  tryWrite(rel: string, value: string): boolean {
    try {
      fs.writeFileSync(this.file(rel), value);
      return true;
    } catch {
      return false;
    }
  }

  setTracing(on: boolean): void {
    this.write('tracing_on', on ? '1' : '0');
  }

  setClock(clock: string): void {
    const avail = this.read('trace_clock');
    if (!avail.split(/\s+/).some((c) => c.replace(/[[\]]/g, '') === clock)) throw new TracefsError(`this kernel's ftrace has no "${clock}" trace clock (has: ${avail.trim()})`);
    this.write('trace_clock', clock);
  }

  setOverwrite(on: boolean): void {
    this.write('options/overwrite', on ? '1' : '0');
  }

  /** per-CPU ring buffer size */
  setBufferSizeKb(kb: number): void {
    this.write('buffer_size_kb', String(Math.max(1, Math.ceil(kb))));
  }

  /** sub-buffer ("page") size; false when the kernel has no such setting or refuses the value */
  setSubbufSizeKb(kb: number): boolean {
    if (!fs.existsSync(this.file('buffer_subbuf_size_kb'))) return false;
    if (!this.tryWrite('buffer_subbuf_size_kb', String(kb))) return false;
    return Number(this.read('buffer_subbuf_size_kb').trim()) === kb;
  }

  subbufSizeKb(): number {
    try {
      return Number(this.read('buffer_subbuf_size_kb').trim()) || 4;
    } catch {
      return 4;
    }
  }

  /** events of these threads are not recorded (the reader's own) */
  setNotracePids(pids: number[]): void {
    this.write('set_event_notrace_pid', pids.join(' ') + '\n');
  }

  enableEvent(system: string, name: string, on = true): void {
    this.write(path.join('events', system, name, 'enable'), on ? '1' : '0');
  }

  enableSystem(system: string, on = true): void {
    this.write(path.join('events', system, 'enable'), on ? '1' : '0');
  }

  setFilter(system: string, name: string, filter: string): void {
    this.write(path.join('events', system, name, 'filter'), filter + '\n');
  }

  /** events currently enabled in this instance (`set_event` lists them) */
  enabledEvents(): { system: string; name: string }[] {
    return parseAvailableEvents(this.read('set_event'));
  }

  headerPage(): HeaderPage {
    return parseHeaderPage(this.read('events/header_page'));
  }

  headerEvent(): HeaderEvent {
    return parseHeaderEvent(this.read('events/header_event'));
  }

  format(system: string, name: string): EventFormat {
    return parseEventFormat(this.read(path.join('events', system, name, 'format')), system);
  }

  cpus(): number[] {
    let names: string[] = [];
    try {
      names = fs.readdirSync(this.file('per_cpu'));
    } catch {
      /* none */
    }
    return names.filter((n) => /^cpu\d+$/.test(n)).map((n) => Number(n.slice(3))).sort((a, b) => a - b);
  }

  stats(cpu: number): CpuStats {
    return parseStats(this.read(`per_cpu/cpu${cpu}/stats`));
  }

  rawPipe(cpu: number): string {
    return this.file(`per_cpu/cpu${cpu}/trace_pipe_raw`);
  }
}
