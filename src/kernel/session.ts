// KernelSession (api.ts) over ftrace instances: one instance per channel,
// configured, filled with the selected events, read by a ChannelConsumer on
// the channel's read timer, written as an LTTng-style kernel CTF trace.
import { nodeFs } from '../output/fs.js';
import type { OutputFs } from '../output/fs.js';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { ClockClass, StreamClass } from '../ctf/model.js';
import { uuidFromString } from '../ctf/model.js';
import { measureClockOffset } from '../ctl/time.js';
import type {
  KernelChannelConfig, KernelChannelStats, KernelContextType, KernelEventRule, KernelSession, KernelSessionOptions, KernelSnapshotResult,
} from './api.js';
import type { Channel } from './channel.js';
import { newChannel, openChannel, startTimers, stopTimers } from './channel.js';
import { MetadataWriter, kernelStreamClass } from './ctf-out.js';
import { ChannelEvents } from './event-enable.js';
import { KERNEL_CONTEXT_TYPES, contextStruct } from './mapping.js';
import { addLiveSession, ownedGroups, ownedInstances, removeLiveSession } from './owned.js';
import { ProcCache } from './procinfo.js';
import { selectEvents } from './rules.js';
import { hrtimeParts, kernelEnv, readFirstLine, readerThread } from './session-env.js';
import { writeSnapshot } from './snapshot.js';
import { runStatedump } from './statedump.js';
import { Tracefs, TracefsError } from './tracefs.js';

export { ftraceSubbufKb } from './session-env.js';

export class KernelSessionImpl implements KernelSession {
  private readonly channels = new Map<string, Channel>();
  private state: 'new' | 'started' | 'stopped' | 'destroyed' = 'new';
  private tfs: Tracefs | undefined;
  private metadata: MetadataWriter | undefined;
  private uuid: Uint8Array | undefined;
  private clock: ClockClass | undefined;
  private readonly procs = new ProcCache();
  /** rules → events of the instances; the uprobes and statedump ids */
  private readonly events: ChannelEvents;
  /** the thread that reads the buffers: the only one in `set_event_notrace_pid` */
  private readonly reader = readerThread();
  /** where the streams and metadata go: the output, or (snapshot mode) a private scratch directory */
  private workDir = '';
  private get fs(): OutputFs {
    return this.opts.fs ?? nodeFs;
  }
  private get snapshotMode(): boolean {
    return this.opts.snapshot === true;
  }

  constructor(readonly opts: KernelSessionOptions) {
    this.events = new ChannelEvents(() => this.tracefs, opts.daemonId);
  }

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
    this.channels.set(cfg.name, newChannel(cfg, this.channels.size));
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
    addLiveSession(this);
    await this.probesDisabled();
    try {
      if (this.state === 'new') this.setup();
      else {
        for (const ch of this.channels.values()) this.applyRules(ch); // rules changed while stopped
        // the uprobes stopped with the session
        const uprobes = this.events.uprobes;
        for (const ch of this.channels.values()) if (ch.probes && uprobes) ch.instance!.tryWrite(`events/${uprobes.group}/enable`, '1');
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
        for (const ch of this.channels.values()) startTimers(ch, () => this.state === 'started');
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
    // (a private scratch directory of the daemon's; the trace folder is made with the owner's identity)
    this.workDir = this.snapshotMode ? fs.mkdtempSync(path.join(os.tmpdir(), 'ttng-snapshot-')) : this.opts.outputDir;
    if (!this.snapshotMode) this.fs.mkdir(this.workDir);
    this.uuid = uuidFromString(randomUUID())!;
    const offset = measureClockOffset();
    this.clock = {
      name: 'monotonic', freq: 1_000_000_000n, offsetSeconds: offset / 1_000_000_000n, offsetCycles: offset % 1_000_000_000n,
      precision: 1n, uuid: readFirstLine('/proc/sys/kernel/random/boot_id'), description: 'Monotonic Clock', absolute: false,
    };
    this.metadata = new MetadataWriter(this.workDir, { uuid: this.uuid, env: kernelEnv(this.opts.sessionName), clock: this.clock }, this.snapshotMode ? nodeFs : this.fs);
    const streams: StreamClass[] = [];
    for (const ch of this.channels.values()) {
      ch.sc = kernelStreamClass(ch.streamId, this.clock, contextStruct(ch.contexts));
      streams.push(ch.sc);
    }
    this.metadata.begin(streams);
    const used = new Set(tfs.listInstances());
    const setup = { tracefs: tfs, daemonId: this.opts.daemonId, sessionName: this.opts.sessionName, used, reader: this.reader, outDir: this.workDir, uuid: this.uuid, procs: this.procs, fs: this.fs };
    for (const ch of this.channels.values()) openChannel(ch, setup);
    // statedump: in the channels whose rules select it, else the first one
    const sels = [...this.channels.values()].map((ch) => ({ ch, sel: selectEvents(ch.rules, [], []) }));
    const chosen = sels.filter((s) => s.sel.statedump).map((s) => s.ch);
    for (const ch of chosen.length ? chosen : [[...this.channels.values()][0]!]) ch.statedump = true;
    for (const ch of this.channels.values()) this.applyRules(ch);
  }

  /** enables what the rules select (and disables what they no longer do) */
  private applyRules(ch: Channel): void {
    this.events.apply(ch, this.metadata!);
  }

  private statedump(hi: number, lo: number): void {
    const targets = [...this.channels.values()].filter((ch) => ch.statedump && ch.consumer);
    if (!targets.length) return;
    const tid = process.pid;
    runStatedump(
      (ev, payload) => {
        for (const ch of targets) ch.consumer!.writeSynthetic(0, this.events.statedumpIds.get(ev)!, hi, lo, payload, tid);
      },
      (t) => this.procs.put(t.tid, t),
    );
  }

  async stop(): Promise<KernelChannelStats[]> {
    this.alive();
    if (this.state !== 'started') return this.stats();
    for (const ch of this.channels.values()) stopTimers(ch);
    for (const ch of this.channels.values()) ch.instance!.tryWrite('tracing_on', '0');
    this.state = 'stopped';
    if (this.snapshotMode) return this.stats(); // the buffers keep their data for snapshots
    for (const ch of this.channels.values()) {
      ch.consumer!.drain();
      ch.consumer!.sync();
    }
    // A uprobe enabled anywhere costs every process that calls its function a trap; disabling
    // one takes the kernel ~50 ms: done in the background, awaited by start() and destroy().
    const uprobes = this.events.uprobes;
    for (const ch of this.channels.values()) {
      if (!ch.probes || !uprobes || !ch.instance) continue;
      ch.probesOff = fs.promises.writeFile(ch.instance.file(`events/${uprobes.group}/enable`), '0').then(() => undefined, () => undefined);
    }
    return this.stats();
  }

  async snapshot(dir: string, maxBytes: number): Promise<KernelSnapshotResult> {
    this.alive();
    if (!this.snapshotMode) throw new Error(`session ${this.opts.sessionName} is not in snapshot mode`);
    if (this.state === 'new') throw new Error(`session ${this.opts.sessionName} has not been started`);
    return writeSnapshot({ channels: [...this.channels.values()], metadata: this.metadata!, statedumpIds: this.events.statedumpIds, procs: this.procs, fs: this.fs }, dir, maxBytes);
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
          stopTimers(ch);
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
      stopTimers(ch);
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
    if (this.events.uprobes) {
      this.events.uprobes.remove();
      ownedGroups.delete(this.events.uprobes.group);
      this.events.uprobes = undefined;
    }
    this.state = 'destroyed';
    removeLiveSession(this);
    if (this.snapshotMode && this.workDir) fs.rmSync(this.workDir, { recursive: true, force: true });
  }
}

export function createKernelSession(opts: KernelSessionOptions): KernelSession {
  return new KernelSessionImpl(opts);
}
