// What the daemon checks of the names and channel attributes it is given
// (LTTng 2.13's limits and messages), the names it makes itself, and how it
// words a failure in one line.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CtlError } from '../ctl/protocol.js';
import type { ChannelAttributes } from '../ctl/protocol.js';
import { datetimeSuffix } from '../ctl/time.js';

/** NAME_MAX, as LTTng limits session names */
const NAME_MAX = 255;

export function isPow2(n: number): boolean {
  return Number.isSafeInteger(n) && n > 0 && Number.isInteger(Math.log2(n));
}

export function u32(n: unknown): boolean {
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 0xffffffff;
}

/** the first line of an error's message */
export function oneLine(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.split('\n')[0]!.trim() || 'unknown error';
}

/** a name that becomes one path component (snapshot, output): no `/`, no `.`/`..`, no NUL or newline, within NAME_MAX */
export function validatePathName(what: string, name: string, reserve = 0): void {
  if (name === '' || name === '.' || name === '..' || /[/\0\n]/.test(name)) throw new CtlError('INVALID', `Invalid ${what} name "${name.replace(/[\0\n]/g, '?')}": it may not be empty, "." or "..", nor contain "/"`);
  if (Buffer.byteLength(name) > NAME_MAX - reserve) {
    throw new CtlError('INVALID', `${what[0]!.toUpperCase()}${what.slice(1)} name too long: ${Buffer.byteLength(name)} bytes, at most ${NAME_MAX - reserve} (NAME_MAX ${NAME_MAX} less the ${reserve} characters ttng adds)`);
  }
}

/** what `create` adds to a session name in a folder name: `-YYYYmmdd-HHMMSS` */
export const SESSION_SUFFIX = 16;

export function validateSessionName(name: string): void {
  if (name.length > NAME_MAX) throw new CtlError('INVALID', `Session name too long. Length must be lower or equal to ${NAME_MAX}`);
  if (name === '' || name.includes('/') || name === '.' || name === '..' || /[\0\n]/.test(name)) throw new CtlError('SESSION_INVALID_CHAR');
  // the session folder is NAME-YYYYmmdd-HHMMSS: refuse at create what would fail at start
  validatePathName('session', name, SESSION_SUFFIX);
}

/** `create`'s session name: the one given (checked), else `auto-<date>` */
export function newSessionName(given: unknown, now: Date): string {
  if (given === undefined) return `auto-${datetimeSuffix(now)}`;
  if (typeof given !== 'string') throw new CtlError('INVALID', 'Invalid session name');
  validateSessionName(given);
  if (given === 'auto' || given.startsWith('auto-')) throw new CtlError('INVALID', 'auto is a reserved keyword for default session(s)');
  return given;
}

/** where a session writes when no output is given: `<traces>/<name>-<date>` (`auto-<date>` has its date already) */
export function defaultOutputPath(tracesDir: string, name: string, now: Date, dated: boolean): string {
  return path.join(tracesDir, dated ? name : `${name}-${datetimeSuffix(now)}`);
}

export function validateChannelName(name: unknown): asserts name is string {
  // stream files are CHANNEL_CPU_K and index/CHANNEL_CPU_K.idx: room for the suffixes
  if (typeof name !== 'string' || name === '' || name.startsWith('.') || name.includes('/') || /[\0\n]/.test(name) || Buffer.byteLength(name) > NAME_MAX - 32) {
    throw new CtlError('INVALID_CHANNEL_NAME', `Invalid channel name: "${String(name)}". Channel names may not start with '.', and may not contain '/'.`);
  }
}

/** Checks kernel channel attributes (the daemon's side of `enable-channel -k` validation). */
export function validateChannelAttributes(a: ChannelAttributes): void {
  const bad = (msg: string): never => {
    throw new CtlError('INVALID', msg);
  };
  if (!Number.isSafeInteger(a.subbufSize) || !isPow2(a.subbufSize)) bad(`Invalid sub-buffer size ${a.subbufSize}: must be a power of 2`);
  if (a.subbufSize < 4096) bad(`Invalid sub-buffer size ${a.subbufSize}: must be at least the page size (4096 bytes)`);
  if (!Number.isSafeInteger(a.numSubbuf) || !isPow2(a.numSubbuf)) bad(`Invalid sub-buffer count ${a.numSubbuf}: must be a power of 2`);
  if (a.overwrite && a.numSubbuf < 2) bad('A channel in overwrite mode needs at least 2 sub-buffers');
  if (!u32(a.switchTimerUs)) bad(`Invalid switch timer ${String(a.switchTimerUs)}`);
  if (!u32(a.readTimerUs)) bad(`Invalid read timer ${String(a.readTimerUs)}`);
  if (typeof a.monitorTimerUs !== 'number' || !Number.isSafeInteger(a.monitorTimerUs) || a.monitorTimerUs < 0) bad(`Invalid monitor timer ${String(a.monitorTimerUs)}`);
  if (a.blockingTimeoutUs !== 0) bad('Retry timeout option not supported for kernel domain (-k)');
  if (!Number.isSafeInteger(a.tracefileSize) || a.tracefileSize < 0) bad(`Invalid trace file size ${String(a.tracefileSize)}`);
  if (!u32(a.tracefileCount)) bad(`Invalid trace file count ${String(a.tracefileCount)}`);
  if (a.tracefileSize === 0 && a.tracefileCount > 0) bad("Missing option --tracefile-size. A file count without a size won't do anything.");
  if (a.output !== 'splice' && a.output !== 'mmap') bad(`Unknown output type ${String(a.output)}`);
  if (typeof a.overwrite !== 'boolean') bad('Invalid event-loss mode');
}

/** MemAvailable of /proc/meminfo, in bytes (free memory where it is missing) */
function availableMemory(): number {
  try {
    const m = /^MemAvailable:\s+(\d+) kB/m.exec(fs.readFileSync('/proc/meminfo', 'utf8'));
    if (m) return Number(m[1]) * 1024;
  } catch {
    /* not Linux */
  }
  return os.freemem();
}

/**
 * A channel's buffers (sub-buffer size × count, on every CPU) must fit in the
 * memory available now, as lttng-sessiond checks before allocating them:
 * otherwise the daemon (or the machine) runs out of memory at start.
 */
export function checkChannelMemory(a: ChannelAttributes): void {
  const bytes = a.subbufSize * a.numSubbuf * os.availableParallelism();
  if (!Number.isSafeInteger(bytes) || bytes > availableMemory()) throw new CtlError('NOMEM');
}
