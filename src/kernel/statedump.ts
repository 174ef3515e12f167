// The statedump LTTng writes when a session starts, made from /proc:
// lttng_statedump_start, lttng_statedump_process_state (every thread),
// lttng_statedump_file_descriptor (open files of every process),
// lttng_statedump_block_device, lttng_statedump_end — with lttng-modules'
// field names and types (include/instrumentation/events/lttng-statedump.h).
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { EventClass, NamedField, StructType } from '../ctf/model.js';
import { intType, stringType, textArray } from './ctf-out.js';
import type { TaskInfo } from './procinfo.js';
import { readTask } from './procinfo.js';

export const STATEDUMP_EVENTS = [
  'lttng_statedump_start',
  'lttng_statedump_process_state',
  'lttng_statedump_file_descriptor',
  'lttng_statedump_block_device',
  'lttng_statedump_end',
] as const;
export type StatedumpEvent = (typeof STATEDUMP_EVENTS)[number];

const s32 = intType(32, true);
const u32 = intType(32, false);
const hex64 = intType(64, false, { base: 16 });

function struct(fields: NamedField[]): StructType | undefined {
  return fields.length ? { kind: 'struct', align: 8, fields } : undefined;
}

export function statedumpPayload(name: StatedumpEvent): StructType | undefined {
  switch (name) {
    case 'lttng_statedump_process_state':
      return struct([
        { name: '_tid', type: s32 }, { name: '_pid', type: s32 }, { name: '_ppid', type: s32 },
        { name: '_name', type: textArray(16) }, { name: '_type', type: s32 }, { name: '_mode', type: s32 },
        { name: '_submode', type: s32 }, { name: '_status', type: s32 }, { name: '_cpu', type: u32 },
        { name: '_file_table_address', type: hex64 },
      ]);
    case 'lttng_statedump_file_descriptor':
      return struct([
        // `pid` as LTTng < 2.10 had it: lttng-analyses 0.6 (Debian's) reads it
        { name: '_file_table_address', type: hex64 }, { name: '_pid', type: s32 }, { name: '_fd', type: s32 },
        { name: '_flags', type: intType(32, false, { base: 8 }) }, { name: '_fmode', type: intType(32, false, { base: 16 }) },
        { name: '_filename', type: stringType() },
      ]);
    case 'lttng_statedump_block_device':
      return struct([{ name: '_dev', type: u32 }, { name: '_diskname', type: stringType() }]);
    default:
      return undefined;
  }
}

export function statedumpClasses(ids: Map<StatedumpEvent, number>, streamId: number): EventClass[] {
  return STATEDUMP_EVENTS.map((n) => ({ id: ids.get(n)!, name: n, streamId, payload: statedumpPayload(n) }));
}

/* lttng-statedump-impl.c enums */
const LTTNG_USER_THREAD = 0;
const LTTNG_KERNEL_THREAD = 1;
const LTTNG_MODE_UNKNOWN = 5;
const LTTNG_NONE = 0;
const STATUS: Record<string, number> = { R: 2, S: 5, D: 5, I: 5, Z: 4, X: 7, x: 7 };
const LTTNG_UNNAMED = 0;

/** a stand-in for the kernel's files_struct address: one per process */
export function fileTableAddress(tgid: number): bigint {
  return 0xffff_8880_0000_0000n + BigInt(tgid) * 0x40n;
}

/** Little byte-packed encoder for the payloads above. */
export class PackedWriter {
  private buf = Buffer.alloc(256);
  private n = 0;
  private room(k: number): void {
    if (this.n + k <= this.buf.length) return;
    const b = Buffer.alloc(Math.max(this.buf.length * 2, this.n + k));
    this.buf.copy(b, 0, 0, this.n);
    this.buf = b;
  }
  s32(v: number): this {
    this.room(4);
    this.buf.writeInt32LE(v | 0, this.n);
    this.n += 4;
    return this;
  }
  u32(v: number): this {
    this.room(4);
    this.buf.writeUInt32LE(v >>> 0, this.n);
    this.n += 4;
    return this;
  }
  u64(v: bigint): this {
    this.room(8);
    this.buf.writeBigUInt64LE(BigInt.asUintN(64, v), this.n);
    this.n += 8;
    return this;
  }
  bytes(b: Uint8Array): this {
    this.room(b.length);
    this.buf.set(b, this.n);
    this.n += b.length;
    return this;
  }
  string(s: string): this {
    const b = Buffer.from(s, 'utf8');
    const k = b.indexOf(0);
    return this.bytes(k < 0 ? b : b.subarray(0, k)).bytes(ZERO);
  }
  take(): Uint8Array {
    const out = this.buf.subarray(0, this.n);
    this.buf = Buffer.alloc(256);
    this.n = 0;
    return out;
  }
}
const ZERO = new Uint8Array(1);

export function processStatePayload(w: PackedWriter, t: TaskInfo): Uint8Array {
  return w
    .s32(t.tid).s32(t.tgid).s32(t.ppid).bytes(t.commBytes)
    .s32(t.kthread ? LTTNG_KERNEL_THREAD : LTTNG_USER_THREAD).s32(LTTNG_MODE_UNKNOWN).s32(LTTNG_NONE)
    .s32(STATUS[t.state] ?? LTTNG_UNNAMED).u32(t.cpu).u64(fileTableAddress(t.tgid))
    .take();
}

/** fmode bits of an open file from its open flags (FMODE_READ 1, FMODE_WRITE 2) */
export function fmodeOf(flags: number): number {
  const acc = flags & 3;
  return acc === 0 ? 1 : acc === 1 ? 2 : 3;
}

export interface StatedumpSink {
  (event: StatedumpEvent, payload: Uint8Array): void;
}

function listDir(p: string): string[] {
  try {
    return fs.readdirSync(p);
  } catch {
    return [];
  }
}

/** Walks /proc and emits the statedump events, in LTTng's order. Returns the number of threads. */
export function runStatedump(emit: StatedumpSink, onTask?: (t: TaskInfo) => void): number {
  const w = new PackedWriter();
  emit('lttng_statedump_start', new Uint8Array(0));
  // file descriptors first (lttng_enumerate_file_descriptors), then processes
  const pids = listDir('/proc').filter((n) => /^\d+$/.test(n)).map(Number).sort((a, b) => a - b);
  const tasks: TaskInfo[] = [];
  for (const pid of pids) {
    for (const t of listDir(`/proc/${pid}/task`).filter((n) => /^\d+$/.test(n)).map(Number).sort((a, b) => a - b)) {
      const info = readTask(t, pid);
      if (info) {
        tasks.push(info);
        onTask?.(info);
      }
    }
  }
  const kthreads = new Set(tasks.filter((t) => t.kthread).map((t) => t.tgid));
  for (const pid of pids) {
    if (kthreads.has(pid)) continue;
    const fds = listDir(`/proc/${pid}/fd`).filter((n) => /^\d+$/.test(n)).map(Number).sort((a, b) => a - b);
    for (const fd of fds) {
      let target: string;
      try {
        target = fs.readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        continue;
      }
      let flags = 0;
      try {
        const m = /^flags:\s*([0-7]+)/m.exec(fs.readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8'));
        if (m) flags = parseInt(m[1]!, 8);
      } catch {
        /* closed meanwhile */
      }
      emit('lttng_statedump_file_descriptor', w.u64(fileTableAddress(pid)).s32(pid).s32(fd).u32(flags).u32(fmodeOf(flags)).string(target).take());
    }
  }
  for (const dev of listDir('/sys/class/block').sort()) {
    try {
      const [maj, min] = fs.readFileSync(path.join('/sys/class/block', dev, 'dev'), 'utf8').trim().split(':').map(Number);
      emit('lttng_statedump_block_device', w.u32(((maj! << 20) | min!) >>> 0).string(dev).take());
    } catch {
      /* not a device */
    }
  }
  for (const t of tasks) emit('lttng_statedump_process_state', processStatePayload(w, t));
  emit('lttng_statedump_end', new Uint8Array(0));
  return tasks.length;
}
