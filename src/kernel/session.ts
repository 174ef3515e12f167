// KernelSession (api.ts) over ftrace instances: one instance per channel,
// configured, filled with the selected events, read by a ChannelConsumer on
// the channel's read timer, written as an LTTng-style kernel CTF trace.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { ClockClass, EnvValue, EventClass, StreamClass } from '../ctf/model.js';
import { uuidFromString } from '../ctf/model.js';
import { creationDatetime, measureClockOffset } from '../ctl/time.js';
import { VERSION } from '../ctl/version.js';
import type {
  KernelChannelConfig, KernelChannelStats, KernelContextType, KernelEventRule, KernelSession, KernelSessionOptions, KernelSnapshotResult,
} from './api.js';
import { INSTANCE_PREFIX } from './api.js';
import { ChannelConsumer } from './consumer.js';
import { KernelStream, MetadataWriter, keepNewestPackets, kernelStreamClass, treeBytes } from './ctf-out.js';
import type { EventPlan } from './mapping.js';
import { KERNEL_CONTEXT_TYPES, PLAN_RAW, contextStruct, planEvent } from './mapping.js';
import { eventFilter } from './filter.js';
import { parseFilter } from '../filter/filter.js';
import { ProcCache } from './procinfo.js';
import { selectEvents } from './rules.js';
import type { StatedumpEvent } from './statedump.js';
import { STATEDUMP_EVENTS, runStatedump, statedumpClasses } from './statedump.js';
import type { Instance } from './tracefs.js';
import type { EventFormat } from './format.js';
import { Tracefs, TracefsError } from './tracefs.js';
import { UprobeSet } from './uprobes.js';
import { PRIO_TRACKING_EVENTS, TRACKING_EVENTS, trackSpec } from './tracker.js';

/** contexts whose values the thread tracker knows better than /proc */
const TRACKED_CONTEXTS = new Set<KernelContextType>(['pid', 'ppid', 'procname', 'vpid', 'vtid', 'vppid', 'prio', 'nice']);

/* ------------------------- process-wide bookkeeping ------------------------- */

/** instances and uprobe groups this process owns (never removed as stale) */
export const ownedInstances = new Set<string>();
export const ownedGroups = new Set<string>();
const liveSessions = new Set<KernelSessionImpl>();
let exitHook = false;
let groupCounter = 0;

function installExitHook(): void {
  if (exitHook) return;
  exitHook = true;
  process.on('exit', () => {
    for (const s of liveSessions) s.destroySync();
  });
}

export function sanitize(s: string, max = 64): string {
  const out = s.replace(/[^A-Za-z0-9_]/g, '_').slice(0, max);
  return out || '_';
}

function readFirstLine(p: string): string | undefined {
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

function hrtimeParts(): { hi: number; lo: number; ns: bigint } {
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

/* ------------------------------- the session ------------------------------- */

interface Channel {
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

export class KernelSessionImpl implements KernelSession {
  private readonly channels = new Map<string, Channel>();
  private state: 'new' | 'started' | 'stopped' | 'destroyed' = 'new';
  private tfs: Tracefs | undefined;
  private metadata: MetadataWriter | undefined;
  private uuid: Uint8Array | undefined;
  private clock: ClockClass | undefined;
  private readonly procs = new ProcCache();
  private uprobes: UprobeSet | undefined;
  private statedumpIds = new Map<StatedumpEvent, number>();
  /** the thread that reads the buffers: the only one in `set_event_notrace_pid` */
  private readonly reader = readerThread();
  /** where the streams and metadata go: the output, or (snapshot mode) a private scratch directory */
  private workDir = '';
  private get snapshotMode(): boolean {
    return this.opts.snapshot === true;
  }

  constructor(readonly opts: KernelSessionOptions) {}

  private get tracefs(): Tracefs {
    this.tfs ??= new Tracefs();
    return this.tfs;
  }

  addChannel(cfg: KernelChannelConfig): void {
    this.alive();
    if (this.channels.has(cfg.name)) throw new Error(`channel ${cfg.name} already exists in session ${this.opts.sessionName}`);
    if (this.state !== 'new') throw new Error(`cannot add kernel channel ${cfg.name}: session ${this.opts.sessionName} has already been started`);
    if (!cfg.name || /[/\0]/.test(cfg.name) || cfg.name === '.' || cfg.name === '..') throw new Error(`invalid channel name ${JSON.stringify(cfg.name)}`);
    if (!(cfg.subbufSize > 0) || !(cfg.numSubbuf > 0)) throw new Error('sub-buffer size and count must be positive');
    this.channels.set(cfg.name, {
      cfg: { ...cfg }, streamId: this.channels.size, rules: [], contexts: [], enabled: new Set(), plans: new Map(), ids: new Map(), internal: new Set(),
      statedump: false, probes: false, lastPass: 0, bufferBytes: cfg.subbufSize * cfg.numSubbuf,
    });
  }

  private channel(name: string): Channel {
    const ch = this.channels.get(name);
    if (!ch) throw new Error(`no kernel channel ${name} in session ${this.opts.sessionName}`);
    return ch;
  }

  private alive(): void {
    if (this.state === 'destroyed') throw new Error(`session ${this.opts.sessionName} has been destroyed`);
  }

  setEventRules(channel: string, rules: KernelEventRule[]): void {
    this.alive();
    const ch = this.channel(channel);
    const sel = selectEvents(rules, this.tracefs.availableEvents(), this.tracefs.syscallNames());
    const miss = sel.missing[0];
    if (miss) throw new Error(miss.kind === 'syscall' ? `no system call named "${miss.pattern}" in this kernel` : `no kernel tracepoint named "${miss.pattern}" in this kernel`);
    ch.rules = rules.map((r) => ({ ...r }));
    if (this.state === 'started') this.applyRules(ch);
  }

  setContexts(channel: string, types: KernelContextType[]): void {
    this.alive();
    const ch = this.channel(channel);
    for (const t of types) if (!KERNEL_CONTEXT_TYPES.includes(t)) throw new Error(`unsupported kernel context type "${t}"`);
    const uniq = [...new Set(types)];
    if (this.state !== 'new' && uniq.join() !== ch.contexts.join()) throw new Error(`cannot change the contexts of channel ${channel}: session ${this.opts.sessionName} has already been started`);
    ch.contexts = uniq;
  }

  async start(): Promise<void> {
    this.alive();
    if (this.state === 'started') return;
    if (!this.channels.size) throw new Error(`session ${this.opts.sessionName} has no kernel channel`);
    installExitHook();
    liveSessions.add(this);
    await this.probesDisabled();
    try {
      if (this.state === 'new') this.setup();
      else {
        for (const ch of this.channels.values()) this.applyRules(ch); // rules changed while stopped
        // the uprobes stopped with the session
        for (const ch of this.channels.values()) if (ch.probes && this.uprobes) ch.instance!.tryWrite(`events/${this.uprobes.group}/enable`, '1');
      }
      const t0 = hrtimeParts();
      for (const ch of this.channels.values()) {
        ch.consumer!.setFloor(t0.hi, t0.lo);
        ch.consumer!.open();
      }
      for (const ch of this.channels.values()) ch.instance!.setTracing(true);
      this.state = 'started';
      // flight recorder: ftrace's own buffer (overwrite mode) holds the data; nothing runs until a snapshot
      if (!this.snapshotMode) {
        this.statedump(t0.hi, t0.lo);
        for (const ch of this.channels.values()) ch.consumer!.firstPackets();
        for (const ch of this.channels.values()) this.startTimers(ch);
      }
    } catch (e) {
      // leave nothing half-made behind
      if (this.state !== 'started') this.teardown();
      throw e instanceof TracefsError ? new Error(e.message) : e;
    }
  }

  /** first start: output, trace class, instances, events */
  private setup(): void {
    const tfs = this.tracefs;
    // snapshot mode: nothing is written until a snapshot; the metadata grows in a scratch directory
    this.workDir = this.snapshotMode ? fs.mkdtempSync(path.join(os.tmpdir(), 'ttng-snapshot-')) : this.opts.outputDir;
    fs.mkdirSync(this.workDir, { recursive: true });
    this.uuid = uuidFromString(randomUUID())!;
    const offset = measureClockOffset();
    this.clock = {
      name: 'monotonic', freq: 1_000_000_000n, offsetSeconds: offset / 1_000_000_000n, offsetCycles: offset % 1_000_000_000n,
      precision: 1n, uuid: readFirstLine('/proc/sys/kernel/random/boot_id'), description: 'Monotonic Clock', absolute: false,
    };
    this.metadata = new MetadataWriter(this.workDir, { uuid: this.uuid, env: kernelEnv(this.opts.sessionName), clock: this.clock });
    const streams: StreamClass[] = [];
    for (const ch of this.channels.values()) {
      ch.sc = kernelStreamClass(ch.streamId, this.clock, contextStruct(ch.contexts));
      streams.push(ch.sc);
    }
    this.metadata.begin(streams);
    const used = new Set(tfs.listInstances());
    for (const ch of this.channels.values()) {
      let name = `${INSTANCE_PREFIX}${sanitize(this.opts.daemonId, 32)}_${sanitize(this.opts.sessionName, 64)}_${sanitize(ch.cfg.name, 64)}`;
      for (let n = 2; used.has(name); n++) name = name.replace(/(_\d+)?$/, `_${n}`);
      used.add(name);
      ownedInstances.add(name);
      const inst = tfs.createInstance(name);
      ch.instance = inst;
      ch.guard = fs.openSync(inst.file('tracing_on'), 'r');
      inst.setTracing(false);
      inst.setClock('mono');
      inst.setOverwrite(ch.cfg.overwrite);
      const kb = ftraceSubbufKb(ch.cfg.subbufSize, ch.bufferBytes);
      if (kb > 4) inst.setSubbufSizeKb(kb);
      inst.setBufferSizeKb(ch.bufferBytes / 1024);
      // the reader's own events would feed the reader (each read would be traced)
      inst.tryWrite('set_event_notrace_pid', `${this.reader}\n`);
      const hp = inst.headerPage();
      const subbufBytes = hp.dataOffset + hp.dataSize;
      ch.consumer = new ChannelConsumer({
        channel: ch.cfg.name, streamId: ch.streamId, instance: inst, cpus: inst.cpus(), outDir: this.workDir,
        tracefile: ch.cfg.tracefileSize ? { size: ch.cfg.tracefileSize, count: ch.cfg.tracefileCount ?? 0 } : undefined,
        packetBytes: Math.min(16 << 20, Math.max(64 << 10, ch.cfg.subbufSize)), uuid: this.uuid, contexts: ch.contexts,
        overwrite: ch.cfg.overwrite, headerPage: hp, headerEvent: inst.headerEvent(), subbufBytes, procs: this.procs,
        hostname: os.hostname(), latencyMs: Math.max(1, (ch.cfg.readTimerUs || 200_000) / 1000),
      });
    }
    // statedump: in the channels whose rules select it, else the first one
    const sels = [...this.channels.values()].map((ch) => ({ ch, sel: selectEvents(ch.rules, [], []) }));
    const chosen = sels.filter((s) => s.sel.statedump).map((s) => s.ch);
    for (const ch of chosen.length ? chosen : [[...this.channels.values()][0]!]) ch.statedump = true;
    for (const ch of this.channels.values()) this.applyRules(ch);
  }

  /** enables what the rules select (and disables what they no longer do) */
  private applyRules(ch: Channel): void {
    const tfs = this.tracefs;
    const inst = ch.instance!;
    const consumer = ch.consumer!;
    const sel = selectEvents(ch.rules, tfs.availableEvents(), tfs.syscallNames());
    const newClasses: EventClass[] = [];
    const toEnable: string[] = [];
    const off = new Set<string>();
    for (const key of sel.events) {
      const [system, name] = key.split('/') as [string, string];
      let plan = ch.ids.has(key) ? ch.plans.get(ch.ids.get(key)!) : undefined;
      if (!plan) {
        try {
          // a syscall exit records output arguments that only its entry has
          const entry = system === 'syscalls' && name.startsWith('sys_exit_') ? tryFormat(inst, system, 'sys_enter_' + name.slice(9)) : undefined;
          plan = planEvent(inst.format(system, name), entry);
        } catch {
          continue; // unreadable format: leave the event out
        }
        if (!ch.plans.has(plan.id)) {
          ch.plans.set(plan.id, plan);
          newClasses.push({ id: plan.id, name: plan.name, streamId: ch.streamId, payload: plan.payload });
        }
        ch.ids.set(key, plan.id);
      }
      // --filter: in the kernel when ftrace can say it, else in the consumer
      let f = eventFilter(sel.filters.get(key) ?? [undefined], plan.format!);
      // thread tracking needs every record of its events: filter those here
      if (f?.kind === 'ftrace' && (TRACKING_EVENTS.includes(key) || (ch.contexts.some((c) => c === 'prio' || c === 'nice') && PRIO_TRACKING_EVENTS.includes(key)))) f = { kind: 'user', nodes: sel.filters.get(key)!.map((x) => parseFilter(x!)) };
      plan.userFilter = undefined;
      if (f?.kind === 'never') {
        off.add(key);
        continue;
      }
      let kernelFilter = '0';
      if (f?.kind === 'ftrace') kernelFilter = f.text;
      else if (f?.kind === 'user') plan.userFilter = f.nodes;
      if (!inst.tryWrite(`events/${system}/${name}/filter`, kernelFilter + '\n')) {
        if (f?.kind === 'ftrace') {
          // the kernel refused it: evaluate it here
          plan.userFilter = eventFilter(sel.filters.get(key)!, plan.format!)?.kind === 'never' ? undefined : sel.filters.get(key)!.map((x) => parseFilter(x!));
          inst.tryWrite(`events/${system}/${name}/filter`, '0\n');
        }
      }
      plan.fast = plan.kind === PLAN_RAW && !plan.pathExit && plan.userFilter === undefined;
      consumer.setPlan(plan);
      if (!ch.enabled.has(key)) toEnable.push(key);
    }
    if (ch.statedump && !this.metadata!.has(ch.streamId, this.statedumpId('lttng_statedump_start', ch))) {
      newClasses.push(...statedumpClasses(this.statedumpIdsFor(ch), ch.streamId));
    }
    this.metadata!.addEvents(newClasses);
    // path strings of system calls: libc uprobes in this instance
    if (!ch.probes && [...sel.events].some((k) => ch.ids.has(k) && ch.plans.get(ch.ids.get(k)!)!.pathPointers.length > 0)) this.enableProbes(ch);
    // who threads are (contexts, fork's process ids): a few thread events, read ahead
    if (!ch.internal.size && (ch.contexts.some((c) => TRACKED_CONTEXTS.has(c)) || sel.events.has('sched/sched_process_fork'))) this.enableTracking(ch);
    const failed: string[] = [];
    for (const key of toEnable) {
      const [system, name] = key.split('/') as [string, string];
      try {
        inst.enableEvent(system, name, true);
        ch.enabled.add(key);
      } catch {
        failed.push(key);
      }
    }
    for (const key of [...ch.enabled]) {
      if (sel.events.has(key) && !off.has(key)) continue;
      const [system, name] = key.split('/') as [string, string];
      if (ch.internal.has(key)) {
        // still needed by ttng: only stop writing it
        const id = ch.ids.get(key);
        if (id !== undefined) consumer.removePlan(id);
        ch.enabled.delete(key);
      } else if (inst.tryWrite(`events/${system}/${name}/enable`, '0')) ch.enabled.delete(key);
    }
    const explicit = ch.rules.filter((r) => r.enabled && !r.pattern.includes('*'));
    const bad = failed.find((k) => explicit.some((r) => k.endsWith('/' + r.pattern) || k.endsWith('_' + r.pattern)));
    if (bad) throw new Error(`cannot enable kernel event ${bad.replace('/', ':')}`);
  }

  private statedumpIdsFor(ch: Channel): Map<StatedumpEvent, number> {
    if (this.statedumpIds.size) return this.statedumpIds;
    // ids no kernel event uses: counting down from the top of common_type's range
    let id = 0xfffe;
    for (const n of STATEDUMP_EVENTS) {
      while (ch.plans.has(id)) id--;
      this.statedumpIds.set(n, id--);
    }
    return this.statedumpIds;
  }

  private statedumpId(n: StatedumpEvent, ch: Channel): number {
    return this.statedumpIdsFor(ch).get(n)!;
  }

  private enableProbes(ch: Channel): void {
    if (!this.uprobes) {
      const group = `ttng_${sanitize(this.opts.daemonId, 24)}_${++groupCounter}`;
      ownedGroups.add(group);
      const set = new UprobeSet(this.tracefs, group);
      if (!set.install()) return;
      this.uprobes = set;
    }
    const set = this.uprobes;
    for (const ev of set.events) {
      try {
        const f = ch.instance!.format(set.group, ev);
        const strs = [];
        for (let i = 0; ; i++) {
          const path = f.fields.find((x) => x.name === `path${i}`);
          const ptr = f.fields.find((x) => x.name === `ptr${i}`);
          if (!path || !ptr) break;
          strs.push({ path, ptr });
        }
        if (!strs.length) continue;
        ch.consumer!.setProbe(f.id, { strs });
        ch.instance!.enableEvent(set.group, ev, true);
      } catch {
        /* this probe stays off: /proc fallback */
      }
    }
    ch.probes = true;
  }

  private enableTracking(ch: Channel): void {
    const available = new Set(this.tracefs.availableEvents().map((e) => `${e.system}/${e.name}`));
    // priorities at event time (prio, nice contexts): the scheduler events that carry them
    const prio = ch.contexts.some((c) => c === 'prio' || c === 'nice');
    for (const key of prio ? [...TRACKING_EVENTS, ...PRIO_TRACKING_EVENTS] : TRACKING_EVENTS) {
      if (!available.has(key)) continue;
      const [system, name] = key.split('/') as [string, string];
      try {
        const spec = trackSpec(ch.instance!.format(system, name));
        if (!spec) continue;
        ch.consumer!.setTrack(ch.instance!.format(system, name).id, spec);
        ch.instance!.enableEvent(system, name, true);
        ch.internal.add(key);
      } catch {
        /* contexts then come from /proc only */
      }
    }
  }

  private statedump(hi: number, lo: number): void {
    const targets = [...this.channels.values()].filter((ch) => ch.statedump && ch.consumer);
    if (!targets.length) return;
    const tid = process.pid;
    runStatedump(
      (ev, payload) => {
        for (const ch of targets) ch.consumer!.writeSynthetic(0, this.statedumpIds.get(ev)!, hi, lo, payload, tid);
      },
      (t) => this.procs.put(t.tid, t),
    );
  }

  private startTimers(ch: Channel): void {
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
      if (this.state !== 'started') return;
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

  private stopTimers(ch: Channel): void {
    if (ch.readTimer) {
      clearTimeout(ch.readTimer);
      clearImmediate(ch.readTimer as unknown as NodeJS.Immediate);
    }
    if (ch.switchTimer) clearInterval(ch.switchTimer);
    ch.readTimer = undefined;
    ch.switchTimer = undefined;
  }

  async stop(): Promise<KernelChannelStats[]> {
    this.alive();
    if (this.state !== 'started') return this.stats();
    for (const ch of this.channels.values()) this.stopTimers(ch);
    for (const ch of this.channels.values()) ch.instance!.tryWrite('tracing_on', '0');
    this.state = 'stopped';
    if (this.snapshotMode) return this.stats(); // the buffers keep their data for snapshots
    for (const ch of this.channels.values()) {
      ch.consumer!.drain();
      ch.consumer!.sync();
    }
    // A uprobe enabled anywhere costs every process that calls its function a trap; disabling
    // one takes the kernel ~50 ms: done in the background, awaited by start() and destroy().
    for (const ch of this.channels.values()) {
      if (!ch.probes || !this.uprobes || !ch.instance) continue;
      ch.probesOff = fs.promises.writeFile(ch.instance.file(`events/${this.uprobes.group}/enable`), '0').then(() => undefined, () => undefined);
    }
    return this.stats();
  }

  async snapshot(dir: string, maxBytes: number): Promise<KernelSnapshotResult> {
    this.alive();
    if (!this.snapshotMode) throw new Error(`session ${this.opts.sessionName} is not in snapshot mode`);
    if (this.state === 'new') throw new Error(`session ${this.opts.sessionName} has not been started`);
    const chans = [...this.channels.values()];
    const nstreams = chans.reduce((n, ch) => n + ch.consumer!.readers.length, 0);
    fs.mkdirSync(dir, { recursive: true });
    // a trace of its own: snapshots overlap, and readers merge same-UUID traces as one
    // (their packets differ from one snapshot to the next, unlike LTTng's copied sub-buffers)
    const uuid = uuidFromString(randomUUID())!;
    this.metadata!.copyTo(dir, uuid);
    const metaBytes = fs.statSync(path.join(dir, 'metadata')).size;
    // each stream gets an equal share of what the metadata leaves (as LTTng splits max-size over streams)
    const perStream = maxBytes > 0 ? Math.floor((maxBytes - metaBytes) / nstreams) : 0;
    if (maxBytes > 0 && perStream < 16384) {
      fs.rmSync(dir, { recursive: true, force: true });
      throw new Error(`Invalid snapshot size: ${maxBytes} bytes cannot hold the metadata (${metaBytes} bytes) and a packet for each of the ${nstreams} streams`);
    }
    let events = 0;
    for (const ch of chans) {
      const live = ch.consumer!;
      const fresh = live.readAllPages(2 * ch.bufferBytes);
      // keep what this read consumed, bounded by the buffer size (ftrace's buffer_size_kb is per CPU)
      ch.retained ??= fresh.map(() => []);
      fresh.forEach((pages, i) => {
        const kept = ch.retained![i]!;
        kept.push(...pages);
        let bytes = kept.reduce((n, p) => n + p.length, 0);
        while (kept.length > 1 && bytes - kept[0]!.length >= ch.bufferBytes) bytes -= kept.shift()!.length;
      });
      const packetBytes = perStream > 0 ? Math.max(4096, Math.min(64 << 10, (perStream >> 2) & ~4095)) : 64 << 10;
      const snap = new ChannelConsumer({ ...live.opts, outDir: dir, packetBytes, uuid, tracefile: undefined, countLosses: false });
      snap.adoptPlans(live);
      ch.retained.forEach((pages, i) => {
        // the newest pages, a little more than the share (the transcoded size differs from ftrace's)
        let from = pages.length;
        if (perStream > 0) {
          let raw = 0;
          while (from > 0 && raw + pages[from - 1]!.length <= perStream * 2) raw += pages[--from]!.length;
        } else from = 0;
        for (let k = from; k < pages.length; k++) snap.consumePage(i, pages[k]!);
      });
      if (ch.statedump && this.statedumpIds.size) {
        // the state now, last in the snapshot (as `lttng regenerate statedump` before a record):
        // the start's statedump is long overwritten
        const t = hrtimeParts();
        runStatedump(
          (ev, payload) => snap.writeSynthetic(0, this.statedumpIds.get(ev)!, t.hi, t.lo, payload, process.pid),
          (task) => this.procs.put(task.tid, task),
        );
      }
      snap.close();
      events += snap.recorded;
      if (perStream > 0) for (const r of snap.readers) keepNewestPackets(r.stream.file, perStream);
    }
    return { bytes: treeBytes(dir), events };
  }

  async rotate(dir: string): Promise<void> {
    this.alive();
    if (this.snapshotMode) throw new Error(`session ${this.opts.sessionName} is in snapshot mode`);
    if (this.state === 'new') throw new Error(`session ${this.opts.sessionName} has not been started`);
    const t = hrtimeParts();
    for (const ch of this.channels.values()) {
      // everything up to now into the closing chunk: one pass to the end of each buffer
      if (this.state === 'started') ch.consumer!.pass(Infinity, true);
    }
    this.metadata!.moveTo(dir);
    for (const ch of this.channels.values()) ch.consumer!.switchOutput(dir, t.hi, t.lo);
    this.workDir = dir;
  }

  async clear(): Promise<void> {
    this.alive();
    if (this.state === 'new') return;
    for (const ch of this.channels.values()) {
      // truncating the instance's `trace` file empties its ring buffer
      ch.instance!.tryWrite('trace', '');
      ch.retained = undefined;
      if (this.snapshotMode) continue;
      ch.consumer!.pass(Infinity, true); // what slipped in meanwhile
      const t = hrtimeParts();
      ch.consumer!.switchOutput(this.workDir, t.hi, t.lo);
    }
  }

  /** waits for the background disabling of uprobes (see stop()) */
  private async probesDisabled(): Promise<void> {
    for (const ch of this.channels.values()) {
      if (!ch.probesOff) continue;
      await ch.probesOff;
      ch.probesOff = undefined;
    }
  }

  stats(): KernelChannelStats[] {
    return [...this.channels.values()].map((ch) => {
      const s: KernelChannelStats = {
        name: ch.cfg.name,
        discardedEvents: ch.consumer?.discarded ?? 0,
        recordedEvents: ch.consumer?.recorded ?? 0,
      };
      if (ch.cfg.overwrite) s.overwrittenEvents = ch.consumer?.overwritten ?? 0;
      return s;
    });
  }

  /** per-channel errors met while reading (kept out of the control flow) */
  errors(): Map<string, string> {
    const m = new Map<string, string>();
    for (const ch of this.channels.values()) {
      if (ch.error) m.set(ch.cfg.name, ch.error);
      else if (ch.consumer?.pageErrors) m.set(ch.cfg.name, `${ch.consumer.pageErrors} unreadable ring-buffer pages (${ch.consumer.lastPageError})`);
    }
    return m;
  }

  async destroy(): Promise<void> {
    if (this.state === 'destroyed') return;
    if (this.state === 'started') await this.stop();
    await this.probesDisabled();
    if ((this.state as string) === 'destroyed') return; // destroyed meanwhile
    this.teardown();
  }

  /** synchronous destroy (process exit) */
  destroySync(): void {
    if (this.state === 'destroyed') return;
    try {
      if (this.state === 'started') {
        for (const ch of this.channels.values()) {
          this.stopTimers(ch);
          ch.instance?.tryWrite('tracing_on', '0');
          if (!this.snapshotMode) ch.consumer?.drain();
        }
        this.state = 'stopped';
      }
    } catch {
      /* best effort */
    }
    this.teardown();
  }

  private teardown(): void {
    for (const ch of this.channels.values()) {
      this.stopTimers(ch);
      try {
        ch.consumer?.close();
      } catch {
        /* best effort: the instance must go anyway */
      }
      ch.consumer = undefined;
      if (ch.guard !== undefined) {
        try {
          fs.closeSync(ch.guard);
        } catch {
          /* closed */
        }
        ch.guard = undefined;
      }
      if (ch.instance) {
        try {
          this.tracefs.removeInstance(ch.instance.name);
        } catch {
          /* cleanupStaleInstances() will */
        }
        ownedInstances.delete(ch.instance.name);
        ch.instance = undefined;
      }
    }
    if (this.uprobes) {
      this.uprobes.remove();
      ownedGroups.delete(this.uprobes.group);
      this.uprobes = undefined;
    }
    this.state = 'destroyed';
    liveSessions.delete(this);
    if (this.snapshotMode && this.workDir) fs.rmSync(this.workDir, { recursive: true, force: true });
  }
}

function tryFormat(inst: Instance, system: string, name: string): EventFormat | undefined {
  try {
    return inst.format(system, name);
  } catch {
    return undefined;
  }
}

export function createKernelSession(opts: KernelSessionOptions): KernelSession {
  return new KernelSessionImpl(opts);
}
