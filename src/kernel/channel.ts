// One channel of a kernel session: its record, its ftrace instance (made and
// configured at the session's first start) with the consumer that reads it,
// and the timers that drive the reading while the session is started.
import type { OutputFs } from '../output/fs.js';
import * as fs from 'node:fs';
import * as os from 'node:os';
import type { StreamClass } from '../ctf/model.js';
import type { KernelChannelConfig, KernelContextType, KernelEventRule } from './api.js';
import { INSTANCE_PREFIX } from './api.js';
import { ChannelConsumer } from './consumer.js';
import { KernelStream } from './ctf-out.js';
import type { EventPlan } from './mapping.js';
import { ownedInstances } from './owned.js';
import type { ProcCache } from './procinfo.js';
import { ftraceSubbufKb, sanitize } from './session-env.js';
import type { Instance, Tracefs } from './tracefs.js';

export interface Channel {
  cfg: KernelChannelConfig;
  streamId: number;
  rules: KernelEventRule[];
  contexts: KernelContextType[];
  instance?: Instance;
  /** an open file of the instance: keeps cleanupStaleInstances() of other processes off it */
  guard?: number;
  consumer?: ChannelConsumer;
  /** `system/name` enabled in the instance */
  enabled: Set<string>;
  plans: Map<number, EventPlan>;
  /** `system/name` → ftrace id of the events enabled by the rules */
  ids: Map<string, number>;
  /** `system/name` enabled for ttng's own needs (thread tracking), not written unless the rules select them */
  internal: Set<string>;
  sc?: StreamClass;
  statedump: boolean;
  probes: boolean;
  /** the uprobes being disabled in the background after stop (the kernel takes ~50 ms per probe) */
  probesOff?: Promise<void>;
  readTimer?: NodeJS.Timeout;
  switchTimer?: NodeJS.Timeout;
  lastPass: number;
  bufferBytes: number;
  error?: string;
  /** snapshot mode: pages earlier snapshots read (consumed) per CPU, newest last, kept so the next snapshot overlaps */
  retained?: Uint8Array[][];
}

/** bytes read per CPU per pass before yielding to the event loop */
const PASS_BYTES = 1 << 20;
/** how often the per-CPU `stats` are read while tracing */
const STATS_MS = 250;
/** a busy CPU's event stream, in bytes per ms (≈ 2.3 M events/s of 40 B: the kernel's own limit here) */
const PEAK_BYTES_PER_MS = 100_000;

export function newChannel(cfg: KernelChannelConfig, streamId: number): Channel {
  return {
    cfg: { ...cfg }, streamId, rules: [], contexts: [], enabled: new Set(), plans: new Map(), ids: new Map(), internal: new Set(),
    statedump: false, probes: false, lastPass: 0, bufferBytes: cfg.subbufSize * cfg.numSubbuf,
  };
}

/** what a channel's instance and consumer are made with */
export interface ChannelSetup {
  tracefs: Tracefs;
  daemonId: string;
  sessionName: string;
  /** instance names taken (this one is added) */
  used: Set<string>;
  /** the thread that reads the buffers */
  reader: number;
  outDir: string;
  uuid: Uint8Array;
  procs: ProcCache;
  /** how trace files are made (the session owner's identity) */
  fs?: OutputFs;
}

/** the channel's ftrace instance (tracing off, configured) and the consumer that reads it */
export function openChannel(ch: Channel, s: ChannelSetup): void {
  let name = `${INSTANCE_PREFIX}${sanitize(s.daemonId, 32)}_${sanitize(s.sessionName, 64)}_${sanitize(ch.cfg.name, 64)}`;
  for (let n = 2; s.used.has(name); n++) name = name.replace(/(_\d+)?$/, `_${n}`);
  s.used.add(name);
  ownedInstances.add(name);
  const inst = s.tracefs.createInstance(name);
  ch.instance = inst;
  ch.guard = fs.openSync(inst.file('tracing_on'), 'r');
  inst.setTracing(false);
  inst.setClock('mono');
  inst.setOverwrite(ch.cfg.overwrite);
  const kb = ftraceSubbufKb(ch.cfg.subbufSize, ch.bufferBytes);
  if (kb > 4) inst.setSubbufSizeKb(kb);
  inst.setBufferSizeKb(ch.bufferBytes / 1024);
  // the reader's own events would feed the reader (each read would be traced)
  inst.tryWrite('set_event_notrace_pid', `${s.reader}\n`);
  const hp = inst.headerPage();
  const subbufBytes = hp.dataOffset + hp.dataSize;
  ch.consumer = new ChannelConsumer({
    channel: ch.cfg.name, streamId: ch.streamId, instance: inst, cpus: inst.cpus(), outDir: s.outDir,
    tracefile: ch.cfg.tracefileSize ? { size: ch.cfg.tracefileSize, count: ch.cfg.tracefileCount ?? 0 } : undefined,
    packetBytes: Math.min(16 << 20, Math.max(64 << 10, ch.cfg.subbufSize)), uuid: s.uuid, contexts: ch.contexts,
    overwrite: ch.cfg.overwrite, headerPage: hp, headerEvent: inst.headerEvent(), subbufBytes, procs: s.procs,
    hostname: os.hostname(), latencyMs: Math.max(1, (ch.cfg.readTimerUs || 200_000) / 1000), fs: s.fs,
  });
}

/** the read timer (and the switch timer if any); `running()`: whether the session is still started */
export function startTimers(ch: Channel, running: () => boolean): void {
  const readMs = Math.max(1, (ch.cfg.readTimerUs || 200_000) / 1000);
  // ftrace has no wake-up a Node.js reader can wait on: poll, often enough that a
  // burst at PEAK_RATE cannot fill half the buffer between two passes
  const idleMs = Math.min(readMs, Math.max(1, ch.bufferBytes / 2 / PEAK_BYTES_PER_MS));
  ch.lastPass = Date.now();
  let rate = 0; // bytes per ms on the busiest CPU, smoothed
  let lastStats = 0;
  const budget = Math.max(16, Math.floor(PASS_BYTES / (ch.consumer!.opts.subbufBytes || 4096)));
  const tick = (): void => {
    ch.readTimer = undefined;
    if (!running()) return;
    let more = false;
    const t0 = process.env['TTNG_KDEBUG'] ? performance.now() : 0;
    try {
      more = ch.consumer!.pass(budget);
      // losses: a few times a second is enough (and stop() reads them last)
      if (Date.now() - lastStats >= STATS_MS) {
        ch.consumer!.pollStats();
        lastStats = Date.now();
      }
    } catch (e) {
      ch.error = (e as Error).message;
    }
    const now = Date.now();
    const elapsed = Math.max(1, now - ch.lastPass);
    ch.lastPass = now;
    const bytes = ch.consumer!.takeMaxBytes();
    rate = Math.max(bytes / elapsed, rate * 0.7);
    // come back before a quarter of the buffer fills at the rate seen lately
    const delay = more ? 0 : Math.min(idleMs, Math.max(1, ch.bufferBytes / 4 / Math.max(rate, 1)));
    if (process.env['TTNG_KDEBUG']) process.stderr.write(`pass ${now} took=${(performance.now() - t0).toFixed(1)} elapsed=${elapsed} bytes=${bytes} more=${more} delay=${delay.toFixed(1)} unread=${ch.consumer!.debugUnread} read=${ch.consumer!.dbgRead.toFixed(1)} decode=${ch.consumer!.dbgDecode.toFixed(1)} write=${KernelStream.dbgWrite.toFixed(1)} lost=${ch.consumer!.discarded}\n`);
    if (process.env['TTNG_KDEBUG']) {
      ch.consumer!.debugUnread = 0;
      ch.consumer!.dbgRead = 0;
      ch.consumer!.dbgDecode = 0;
      KernelStream.dbgWrite = 0;
    }
    ch.readTimer = delay === 0 ? (setImmediate(tick) as unknown as NodeJS.Timeout) : setTimeout(tick, delay);
    if (delay !== 0) ch.readTimer.unref();
  };
  ch.readTimer = setTimeout(tick, Math.min(idleMs, 10));
  ch.readTimer.unref();
  if (ch.cfg.switchTimerUs > 0) {
    ch.switchTimer = setInterval(() => {
      try {
        ch.consumer!.switchPackets();
      } catch (e) {
        ch.error = (e as Error).message;
      }
    }, Math.max(1, ch.cfg.switchTimerUs / 1000));
    ch.switchTimer.unref();
  }
}

export function stopTimers(ch: Channel): void {
  if (ch.readTimer) {
    clearTimeout(ch.readTimer);
    clearImmediate(ch.readTimer as unknown as NodeJS.Immediate);
  }
  if (ch.switchTimer) clearInterval(ch.switchTimer);
  ch.readTimer = undefined;
  ch.switchTimer = undefined;
}
