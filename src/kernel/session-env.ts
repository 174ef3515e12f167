// What a kernel session reads of its environment: the trace's env (LTTng
// 2.13's kernel one, plus ttng's), the clock now, the reading thread, and the
// names and sizes it gives ftrace instances.
import * as fs from 'node:fs';
import * as os from 'node:os';
import type { EnvValue } from '../ctf/model.js';
import { creationDatetime } from '../ctl/time.js';
import { VERSION } from '../ctl/version.js';

/** `s` as a part of an instance or uprobe group name (letters, digits, _; at most `max`) */
export function sanitize(s: string, max = 64): string {
  const out = s.replace(/[^A-Za-z0-9_]/g, '_').slice(0, max);
  return out || '_';
}

export function readFirstLine(p: string): string | undefined {
  try {
    return fs.readFileSync(p, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/** the kernel trace env of LTTng 2.13 (lttng-modules), plus ttng's own */
export function kernelEnv(traceName: string, created = new Date()): Map<string, EnvValue> {
  const env = new Map<string, EnvValue>();
  env.set('hostname', os.hostname());
  env.set('domain', 'kernel');
  env.set('sysname', os.type());
  env.set('kernel_release', os.release());
  env.set('kernel_version', os.version());
  env.set('tracer_name', 'lttng-modules');
  env.set('tracer_major', 2n);
  env.set('tracer_minor', 13n);
  env.set('tracer_patchlevel', 0n);
  env.set('trace_buffering_scheme', 'global');
  env.set('trace_name', traceName);
  env.set('trace_creation_datetime', creationDatetime(created));
  const product = readFirstLine('/sys/class/dmi/id/product_uuid');
  if (product) env.set('product_uuid', product);
  env.set('ttng_version', VERSION);
  return env;
}

/** CLOCK_MONOTONIC now, in ns and as the u32 halves the streams take */
export function hrtimeParts(): { hi: number; lo: number; ns: bigint } {
  const ns = process.hrtime.bigint();
  return { hi: Number(ns >> 32n), lo: Number(ns & 0xffffffffn), ns };
}

/**
 * ftrace's sub-buffer size (the unit of one read()), in KiB: LTTng's
 * sub-buffer size when the kernel allows it, but at most 64 KiB (larger reads
 * gain nothing) and small enough that the buffer holds 32 of them (so losses
 * stay fine-grained). Reads of 4 KiB pages cost several times more per event.
 */
export function ftraceSubbufKb(subbufSize: number, bufferBytes: number): number {
  let kb = 4;
  while (kb * 2 * 1024 <= subbufSize && kb * 2 <= 64 && kb * 2 * 1024 * 32 <= bufferBytes) kb *= 2;
  return kb;
}

/**
 * The thread that reads the buffers (the one calling this: sessions are read
 * where they are driven). Only it goes to `set_event_notrace_pid`: the kernel
 * drops a sched_switch when both its tasks are in that list, so excluding
 * every thread of the process would leave holes in each CPU's chain of
 * switches (`prev_tid` ≠ the previous `next_tid`) that nothing counts.
 */
export function readerThread(): number {
  try {
    // "PID/task/TID"
    const tid = Number(fs.readlinkSync('/proc/thread-self').split('/').pop());
    if (tid > 0) return tid;
  } catch {
    /* no /proc/thread-self */
  }
  return process.pid;
}
