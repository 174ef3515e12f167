// The user-space domain of one recording session: channels, event rules and
// contexts; the registry of its traces (per-UID `ust/uid/<uid>/64-bit/` or
// per-PID `ust/pid/<procname>-<pid>-<datetime>/`: event ids, stream classes,
// stream numbers, metadata); what each app thread must trace for it; and the
// consumer that copies the apps' packets into the trace files.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { CtlError } from '../ctl/protocol.js';
import { datetimeSuffix } from '../ctl/time.js';
import type { ChannelAttributes, ChannelInfo, DomainInfo, EventRuleInfo, LoglevelCriterion, UstBuffers } from '../ctl/protocol.js';
import type { UstChannelConfig, UstContextName, UstEventDecl, UstEventTarget } from '../ust/protocol.js';
import type { UstApp, UstAppClient, UstApps } from './apps.js';
import { channelFilters, sameRule } from './rules.js';
import type { UstRule } from './rules.js';
import { INDEX_ENTRY_BYTES, UstStreamFile, packetFields } from './stream-file.js';
import { ustMetadataText, writeUstMetadata } from './metadata.js';
import type { UstTraceMetadata } from './metadata.js';
import { openUstBuffer } from './buffer.js';
import { ustClockClass } from '../ust/ctf-layout.js';
import type { ClockClass } from '../ctf/model.js';
import { parseMetadata } from '../ctf/metadata.js';
import type { UstBufferSource } from './buffer.js';

/** daemon-wide: every (session, channel, app thread) buffer has its own key */
let nextChanKey = 1;

/** how long stop waits for apps to close their packets before reading without them */
const FLUSH_TIMEOUT_MS = 1000;
/** how often buffers are read when the channel has no read timer (LTTng-UST's consumer is woken by the app instead) */
const DEFAULT_POLL_US = 100_000;
/** the read period while apps fill their buffers */
const BUSY_POLL_MS = 5;
/**
 * snapshot sessions: buffers of exited apps kept for snapshots, at most (the
 * oldest go first): LTTng's per-UID buffers are shared by the apps of a user,
 * ours are per thread, so many short-lived apps would otherwise pile up
 */
export const MAX_DEAD_BUFFERS = 64;

export class UstChannel {
  enabled = true;
  /** oldest first */
  rules: UstRule[] = [];
  contexts: UstContextName[] = [];
  constructor(
    readonly name: string,
    readonly attrs: ChannelAttributes,
  ) {}
}

/** one trace directory and its registry */
export interface UstTrace {
  key: string;
  dir: string;
  uuid: string;
  uid: number;
  /** per-PID traces */
  app?: { pid: number; procname: string; registeredAt: Date };
  created: Date;
  /** channel → stream class id (in order of first use) */
  streamClass: Map<string, number>;
  /** channel → event signature → event class */
  events: Map<string, Map<string, { id: number; decl: UstEventDecl }>>;
  /** channel → next stream number */
  nextStream: Map<string, number>;
  metadataDirty: boolean;
}

interface Buffer {
  chanKey: number;
  app: UstApp;
  channel: UstChannel;
  trace: UstTrace;
  config: UstChannelConfig;
  source?: UstBufferSource;
  file?: UstStreamFile;
  /** the app could not create it */
  failed?: string;
  /** drained for good (app gone or session destroyed) */
  done: boolean;
  /** snapshot sessions: the app is gone, its buffer stays mapped for snapshots until the session is destroyed */
  dead?: boolean;
}

/** packets read from the apps that could not be written (disk full, I/O error): reported as lost */
const lostByChannel = new WeakMap<UstChannel, number>();

export interface UstChannelStats {
  name: string;
  discardedEvents: number;
  lostPackets: number;
}

function signature(d: UstEventDecl): string {
  return JSON.stringify([d.name, d.loglevel, d.fields]);
}

export class UstSession implements UstAppClient {
  /** oldest first */
  readonly channels: UstChannel[] = [];
  /** a channel other than channel0 exists: enable-event needs `-c` */
  hasNonDefaultChannel = false;
  buffers: UstBuffers = 'uid';
  active = false;
  hasBeenStarted = false;
  private destroyed = false;
  private readonly traces = new Map<string, UstTrace>();
  /** app key → channel name → buffer */
  private readonly byApp = new Map<number, Map<string, Buffer>>();
  private readonly byKey = new Map<number, Buffer>();
  private timer: NodeJS.Timeout | undefined;
  /** discarded events of buffers already released, per channel */
  private readonly releasedDiscarded = new Map<string, number>();
  /** where the current trace chunk's `ust/` is (moves on rotation) */
  private ustRoot: string;
  /** snapshot sessions: buffers of exited apps, oldest first */
  private readonly dead: Buffer[] = [];

  constructor(
    readonly sessionName: string,
    /** the session's output directory */
    readonly outputDir: string,
    private readonly apps: UstApps,
    private readonly log: (msg: string) => void,
    /**
     * flight recorder (`create --snapshot`): the buffers are only read by
     * snapshots, nothing is drained or written while tracing
     */
    readonly snapshotMode = false,
  ) {
    this.ustRoot = path.join(outputDir, 'ust');
    apps.addClient(this);
  }

  channel(name: string): UstChannel | undefined {
    return this.channels.find((c) => c.name === name);
  }

  addChannel(name: string, attrs: ChannelAttributes, buffers: UstBuffers): UstChannel {
    if (this.channels.length > 0 && buffers !== this.buffers) throw new CtlError('BUFFER_TYPE_MISMATCH');
    if (this.channel(name)) throw new CtlError('UST_CHAN_EXIST');
    this.buffers = buffers;
    const c = new UstChannel(name, attrs);
    this.channels.push(c);
    return c;
  }

  /* ------------------------------ rules ------------------------------ */

  enableRule(c: UstChannel, r: UstRule): EventRuleInfo {
    const same = c.rules.find((x) => sameRule(x, r));
    if (same) {
      if (same.enabled) throw new CtlError('UST_EVENT_EXIST');
      same.enabled = true;
      this.changed();
      return ruleInfo(same);
    }
    c.rules.push({ ...r, enabled: true });
    this.changed();
    return ruleInfo(r);
  }

  /** disables the rules named `name` (every rule when undefined); returns how many */
  disableRules(c: UstChannel, name: string | undefined): number {
    const hit = c.rules.filter((r) => name === undefined || r.pattern === name);
    if (name !== undefined && hit.length === 0) throw new CtlError('UST_EVENT_NOT_FOUND');
    for (const r of hit) r.enabled = false;
    this.changed();
    return hit.length;
  }

  addContext(c: UstChannel, type: UstContextName): void {
    if (c.contexts.includes(type)) throw new CtlError('UST_CONTEXT_EXIST');
    c.contexts.push(type);
  }

  /** rules changed: running apps converge to them */
  changed(): void {
    if (this.hasBeenStarted) for (const app of this.apps.apps.values()) this.apps.update(app);
  }

  /* ------------------------------ registry ------------------------------ */

  private clockClass: ClockClass | undefined;
  private kernelClockShared = false;
  /** one clock offset for every trace of the session, kept across metadata rewrites */
  private clock(): ClockClass {
    this.clockClass ??= ustClockClass();
    return this.clockClass;
  }

  /**
   * Takes the clock (offset included) of the session's kernel trace, so that
   * kernel and user-space events order exactly: two separate measurements of
   * realtime − monotonic differ by the noise of a busy machine (up to a ms).
   */
  useClockOf(kernelMetadata: string): void {
    try {
      const tc = parseMetadata(fs.readFileSync(kernelMetadata, 'utf8'));
      const c = tc.clocks.get('monotonic');
      if (c) this.clockClass = { ...c };
    } catch (e) {
      this.log(`session ${this.sessionName}: kernel clock not shared (${(e as Error).message.split('\n')[0]})`);
    }
  }

  private traceFor(app: UstApp): UstTrace {
    const perPid = this.buffers === 'pid';
    const key = perPid ? `pid:${app.reg.pid}` : `uid:${app.reg.uid}`;
    let t = this.traces.get(key);
    if (t) return t;
    // the per-PID directory is named after the process's first registered thread
    const first = [...this.apps.apps.values()].filter((a) => a.reg.pid === app.reg.pid).sort((a, b) => a.key - b.key)[0] ?? app;
    const dir = perPid
      ? path.join(this.ustRoot, 'pid', `${first.reg.procname}-${app.reg.pid}-${datetimeSuffix(first.registeredAt)}`)
      : path.join(this.ustRoot, 'uid', String(app.reg.uid), '64-bit');
    t = {
      key,
      dir,
      uuid: randomBytes(16).toString('hex'),
      uid: app.reg.uid,
      streamClass: new Map(),
      events: new Map(),
      nextStream: new Map(),
      metadataDirty: true,
      created: new Date(),
    };
    if (perPid) t.app = { pid: app.reg.pid, procname: first.reg.procname, registeredAt: first.registeredAt };
    this.traces.set(key, t);
    return t;
  }

  private eventId(t: UstTrace, channel: string, d: UstEventDecl): number {
    let m = t.events.get(channel);
    if (!m) t.events.set(channel, (m = new Map()));
    const sig = signature(d);
    let e = m.get(sig);
    if (!e) {
      e = { id: m.size, decl: d };
      m.set(sig, e);
      t.metadataDirty = true;
    }
    return e.id;
  }

  private metadataOf(t: UstTrace, dir: string, uuid: string): UstTraceMetadata {
    return {
      dir,
      uuid,
      sessionName: this.sessionName,
      uid: t.uid,
      buffers: this.buffers,
      app: t.app,
      created: t.created,
      clock: this.clock(),
      streams: [...t.streamClass].map(([channel, id]) => {
        const c = this.channel(channel)!;
        return {
          id,
          channel,
          contexts: [...c.contexts],
          events: [...(t.events.get(channel)?.values() ?? [])].map((e) => ({ id: e.id, decl: e.decl })),
        };
      }),
    };
  }

  private writeMetadata(t: UstTrace): void {
    if (!t.metadataDirty) return;
    // snapshot sessions: each snapshot writes the metadata it needs
    if (this.snapshotMode) {
      t.metadataDirty = false;
      return;
    }
    try {
      writeUstMetadata(this.metadataOf(t, t.dir, t.uuid));
      t.metadataDirty = false;
    } catch (e) {
      this.log(`session ${this.sessionName}: cannot write ${t.dir}/metadata: ${(e as Error).message}`);
    }
  }

  channelsFor(app: UstApp): UstChannelConfig[] {
    if (!this.hasBeenStarted || this.destroyed) return [];
    let m = this.byApp.get(app.key);
    if (!m) this.byApp.set(app.key, (m = new Map()));
    const out: UstChannelConfig[] = [];
    for (const c of this.channels) {
      let b = m.get(c.name);
      if (!b) {
        const trace = this.traceFor(app);
        let sc = trace.streamClass.get(c.name);
        if (sc === undefined) {
          sc = trace.streamClass.size;
          trace.streamClass.set(c.name, sc);
          trace.metadataDirty = true;
        }
        const n = trace.nextStream.get(c.name) ?? 0;
        trace.nextStream.set(c.name, n + 1);
        const config: UstChannelConfig = {
          chanKey: nextChanKey++,
          session: this.sessionName,
          channel: c.name,
          uuid: trace.uuid,
          streamClassId: sc,
          streamInstanceId: n,
          subbufSize: c.attrs.subbufSize,
          numSubbuf: c.attrs.numSubbuf,
          overwrite: c.attrs.overwrite,
          switchTimerUs: c.attrs.switchTimerUs,
          contexts: [...c.contexts],
          buffers: this.buffers,
        };
        b = { chanKey: config.chanKey, app, channel: c, trace, config, done: false };
        m.set(c.name, b);
        this.byKey.set(b.chanKey, b);
      }
      if (!b.done && b.failed === undefined) out.push(b.config);
    }
    return out;
  }

  targetsFor(app: UstApp): Map<string, UstEventTarget[]> {
    const out = new Map<string, UstEventTarget[]>();
    if (!this.active || this.destroyed) return out;
    const m = this.byApp.get(app.key);
    if (!m) return out;
    const dirty = new Set<UstTrace>();
    for (const d of app.events.values()) {
      for (const c of this.channels) {
        if (!c.enabled) continue;
        const b = m.get(c.name);
        if (!b || b.done || b.failed !== undefined) continue;
        const filters = channelFilters(c.rules, d);
        if (filters === undefined) continue;
        const id = this.eventId(b.trace, c.name, d);
        if (b.trace.metadataDirty) dirty.add(b.trace);
        let l = out.get(d.name);
        if (!l) out.set(d.name, (l = []));
        l.push({ chanKey: b.chanKey, id, filters });
      }
    }
    for (const b of m.values()) if (b.trace.metadataDirty) dirty.add(b.trace);
    // the event classes are on disk before any app may emit them
    for (const t of dirty) this.writeMetadata(t);
    return out;
  }

  channelReady(app: UstApp, chanKey: number, shmName: string | undefined, error: string | undefined): boolean {
    const b = this.byKey.get(chanKey);
    if (!b || b.app !== app) return false;
    if (error !== undefined || shmName === undefined) {
      b.failed = error ?? 'no buffer';
      return true;
    }
    if (b.source || b.done) return true;
    try {
      b.source = openUstBuffer(shmName, b.config, app.reg);
      if (!this.snapshotMode) {
        fs.mkdirSync(b.trace.dir, { recursive: true });
        // a new chunk since this trace's metadata was written (rotation)
        if (!fs.existsSync(path.join(b.trace.dir, 'metadata'))) b.trace.metadataDirty = true;
        this.writeMetadata(b.trace);
        b.file = this.streamFile(b);
      }
    } catch (e) {
      b.failed = (e as Error).message;
      this.log(`session ${this.sessionName}: cannot read buffer ${shmName} of app ${app.reg.pid}: ${b.failed}`);
      b.source?.close(true);
      b.source = undefined;
      // the app stops writing into a buffer nobody reads
      setImmediate(() => this.apps.update(app));
    }
    return true;
  }

  appGone(app: UstApp): void {
    const m = this.byApp.get(app.key);
    if (!m) return;
    this.byApp.delete(app.key);
    for (const b of m.values()) {
      // a crashed app's last events are what a snapshot is for (LTTng keeps per-UID buffers too)
      if (this.snapshotMode && b.source && !this.destroyed && !b.done) {
        b.dead = true;
        this.dead.push(b);
        while (this.dead.length > MAX_DEAD_BUFFERS) this.finish(this.dead.shift()!);
      } else this.finish(b);
    }
  }

  private streamFile(b: Buffer): UstStreamFile {
    const a = b.channel.attrs;
    return new UstStreamFile(
      path.join(b.trace.dir, `${b.channel.name}_${b.config.streamInstanceId}`),
      a.tracefileSize > 0 ? { size: a.tracefileSize, count: a.tracefileCount } : undefined,
    );
  }

  /* ------------------------------ consumer ------------------------------ */

  /** copies the complete packets (and with `partial`, the one being written) */
  /** returns how many packets it copied */
  private drain(b: Buffer, partial: boolean): number {
    if (!b.source || !b.file || b.done) return 0;
    try {
      const ps = partial ? b.source.takeAll() : b.source.takeComplete();
      for (const p of ps) {
        try {
          b.file.write(p);
        } catch (e) {
          lostByChannel.set(b.channel, (lostByChannel.get(b.channel) ?? 0) + 1);
          this.log(`session ${this.sessionName}: writing ${b.file.file}: ${(e as Error).message}`);
        }
      }
      return ps.length;
    } catch (e) {
      this.log(`session ${this.sessionName}: reading ${b.channel.name}_${b.config.streamInstanceId}: ${(e as Error).message}`);
      return 0;
    }
  }

  /** reads the last packets of a buffer, releases its shared memory and closes its file */
  private finish(b: Buffer): void {
    if (b.done) return;
    this.drain(b, true);
    b.done = true;
    const d = this.discardedOf(b);
    this.releasedDiscarded.set(b.channel.name, (this.releasedDiscarded.get(b.channel.name) ?? 0) + d);
    b.source?.close(true);
    b.file?.close();
    this.byKey.delete(b.chanKey);
  }

  private discardedOf(b: Buffer): number {
    const fromSource = b.source?.discarded();
    if (fromSource !== undefined) return fromSource;
    return Number(b.file?.discarded ?? 0n);
  }

  /**
   * Reads every buffer; true when one had complete packets, so that the next
   * read comes soon (a fast app fills 4 × 512 KiB in a few tens of ms: the
   * period alone would discard most of its events).
   */
  private poll(): boolean {
    let busy = false;
    for (const b of this.byKey.values()) if (this.drain(b, false) > 0) busy = true;
    return busy;
  }

  private startTimer(): void {
    // the flight recorder costs nothing while tracing: no reads until a snapshot
    if (this.timer || this.snapshotMode) return;
    const us = Math.min(...this.channels.map((c) => c.attrs.readTimerUs || DEFAULT_POLL_US));
    const period = Math.max(1, Math.round(us / 1000));
    const tick = (): void => {
      const busy = this.poll();
      if (this.timer) this.timer = setTimeout(tick, busy ? Math.min(BUSY_POLL_MS, period) : period);
    };
    this.timer = setTimeout(tick, period);
  }

  private stopTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /* ------------------------------ lifecycle ------------------------------ */

  start(): void {
    this.active = true;
    this.hasBeenStarted = true;
    this.startTimer();
    for (const app of this.apps.apps.values()) this.apps.update(app);
  }

  /** disables the events in the apps, has them close their packets, and reads everything */
  async stop(): Promise<UstChannelStats[]> {
    this.active = false;
    for (const app of this.apps.apps.values()) this.apps.update(app);
    // snapshots read the packet being written from the commit record: nothing to flush or drain
    if (this.snapshotMode) return this.stats();
    await this.flushAll();
    for (const b of this.byKey.values()) this.drain(b, true);
    return this.stats();
  }

  private flushAll(): Promise<void> {
    const per = new Map<UstApp, number[]>();
    for (const b of this.byKey.values()) {
      if (!b.source || b.done || b.dead) continue;
      const l = per.get(b.app);
      if (l) l.push(b.chanKey);
      else per.set(b.app, [b.chanKey]);
    }
    return this.apps.flush([...per].map(([app, chanKeys]) => ({ app, chanKeys })), FLUSH_TIMEOUT_MS);
  }

  async destroy(): Promise<void> {
    if (this.active) await this.stop();
    this.destroyed = true;
    this.stopTimer();
    for (const b of [...this.byKey.values()]) this.finish(b);
    this.apps.removeClient(this);
    // the apps release the buffers this session no longer lists
    for (const app of this.apps.apps.values()) this.apps.update(app);
    for (const t of this.traces.values()) this.writeMetadata(t);
  }

  /* ------------------------- snapshots, rotation, clear ------------------------- */

  /**
   * Snapshot sessions: what every buffer holds now (apps that died since the
   * start included), without consuming it, as complete traces under `dir`
   * (the snapshot's `ust/`): the newest packets of each stream, at most
   * `maxBytes` in all (0: no limit). Each snapshot is a trace of its own (a new
   * UUID), so that overlapping snapshots in one directory still read.
   */
  snapshot(dir: string, maxBytes: number): UstSnapshotResult {
    if (!this.snapshotMode) throw new Error(`session ${this.sessionName} is not in snapshot mode`);
    // the kernel part, written first, gives the clock: kernel and UST events then order exactly
    const kernelMd = path.join(path.dirname(dir), 'kernel', 'metadata');
    if (!this.kernelClockShared && fs.existsSync(kernelMd)) {
      this.useClockOf(kernelMd);
      this.kernelClockShared = true;
    }
    const byTrace = new Map<UstTrace, { b: Buffer; packets: Uint8Array[] }[]>();
    let maxPacket = 0;
    for (const b of this.byKey.values()) {
      if (!b.source || b.done) continue;
      let packets: Uint8Array[];
      try {
        packets = b.source.snapshot();
      } catch (e) {
        this.log(`session ${this.sessionName}: snapshot of ${b.channel.name}_${b.config.streamInstanceId}: ${(e as Error).message}`);
        continue;
      }
      maxPacket = Math.max(maxPacket, b.config.subbufSize);
      if (packets.length === 0) continue;
      let l = byTrace.get(b.trace);
      if (!l) byTrace.set(b.trace, (l = []));
      l.push({ b, packets });
    }
    const out: UstSnapshotResult = { bytes: 0, streams: 0 };
    if (byTrace.size === 0) return out;
    const nstreams = [...byTrace.values()].reduce((n, l) => n + l.length, 0);
    const metas = new Map<UstTrace, { dir: string; uuid: Uint8Array; text: UstTraceMetadata }>();
    let metaBytes = 0;
    for (const t of byTrace.keys()) {
      const uuid = randomBytes(16);
      const md = this.metadataOf(t, path.join(dir, path.relative(this.ustRoot, t.dir)), uuid.toString('hex'));
      metaBytes += Buffer.byteLength(ustMetadataText(md));
      metas.set(t, { dir: md.dir, uuid, text: md });
    }
    // each stream gets an equal share of what the metadata leaves (as LTTng splits max-size over streams)
    const share = maxBytes > 0 ? Math.floor((maxBytes - metaBytes) / nstreams) : 0;
    if (maxBytes > 0 && share < maxPacket + INDEX_ENTRY_BYTES + INDEX_HEADER_BYTES) {
      throw new Error(
        `Invalid snapshot size: ${maxBytes} bytes cannot hold the metadata (${metaBytes} bytes) and a ${maxPacket}-byte sub-buffer for each of the ${nstreams} user space streams`,
      );
    }
    for (const [t, list] of byTrace) {
      const m = metas.get(t)!;
      writeUstMetadata(m.text);
      out.bytes += fs.statSync(path.join(m.dir, 'metadata')).size;
      for (const { b, packets } of list) {
        const compact = packets.map((p) => compactPacket(p, m.uuid));
        // the newest packets that fit in the share
        let from = compact.length;
        let used = INDEX_HEADER_BYTES;
        while (from > 0) {
          const next = used + compact[from - 1]!.byteLength + INDEX_ENTRY_BYTES;
          if (share > 0 && next > share) break;
          used = next;
          from--;
        }
        const f = new UstStreamFile(path.join(m.dir, `${b.channel.name}_${b.config.streamInstanceId}`));
        try {
          for (let i = from; i < compact.length; i++) f.write(compact[i]!);
        } finally {
          f.close();
        }
        out.bytes += used;
        out.streams++;
      }
    }
    return out;
  }

  /**
   * Session rotation: everything the apps wrote so far goes into the closing
   * chunk (the packets being written included, taken without the apps' help);
   * the streams go on in `dir` (the new chunk's `ust/`), with their metadata.
   */
  rotate(dir: string): void {
    if (this.snapshotMode) throw new Error(`session ${this.sessionName} is in snapshot mode`);
    for (const b of this.byKey.values()) this.drain(b, true);
    for (const b of this.byKey.values()) b.file?.close();
    const oldRoot = this.ustRoot;
    this.ustRoot = dir;
    for (const t of this.traces.values()) {
      t.dir = path.join(dir, path.relative(oldRoot, t.dir));
      t.metadataDirty = true;
    }
    for (const b of this.byKey.values()) {
      if (!b.file || b.done) continue;
      fs.mkdirSync(b.trace.dir, { recursive: true });
      this.writeMetadata(b.trace);
      b.file = this.streamFile(b);
    }
  }

  /** `ttng clear`: what the buffers hold is dropped, and the current chunk's stream files emptied */
  clear(): void {
    for (const b of this.byKey.values()) {
      if (!b.source || b.done) continue;
      try {
        // consumed: later reads and snapshots start after it
        b.source.takeAll();
      } catch (e) {
        this.log(`session ${this.sessionName}: clearing ${b.channel.name}_${b.config.streamInstanceId}: ${(e as Error).message}`);
      }
    }
    if (this.snapshotMode) return;
    for (const b of this.byKey.values()) b.file?.close();
    for (const t of this.traces.values()) {
      let names: string[];
      try {
        names = fs.readdirSync(t.dir);
      } catch {
        continue;
      }
      for (const n of names) if (n !== 'metadata' && !n.startsWith('.')) fs.rmSync(path.join(t.dir, n), { recursive: true, force: true });
    }
    for (const b of this.byKey.values()) if (b.file && !b.done) b.file = this.streamFile(b);
  }

  stats(): UstChannelStats[] {
    return this.channels.map((c) => {
      let d = this.releasedDiscarded.get(c.name) ?? 0;
      for (const b of this.byKey.values()) if (b.channel === c) d += this.discardedOf(b);
      return { name: c.name, discardedEvents: d, lostPackets: lostByChannel.get(c) ?? 0 };
    });
  }

  domainInfo(): DomainInfo {
    const st = this.stats();
    const channels: ChannelInfo[] = this.channels
      .map((c) => ({
        name: c.name,
        enabled: c.enabled,
        attributes: { ...c.attrs },
        contexts: [...c.contexts],
        events: c.rules.map(ruleInfo).reverse(),
        discardedEvents: st.find((s) => s.name === c.name)?.discardedEvents ?? 0,
        lostPackets: st.find((s) => s.name === c.name)?.lostPackets ?? 0,
        recordedEvents: 0,
      }))
      .reverse();
    return { type: 'ust', bufferType: this.buffers === 'pid' ? 'per-pid' : 'per-uid', channels };
  }
}

export interface UstSnapshotResult {
  bytes: number;
  /** streams written (those with data) */
  streams: number;
}

const INDEX_HEADER_BYTES = 16;

/**
 * A snapshot's copy of a packet: cut to its content (a sub-buffer is mostly
 * padding when the app is quiet), with the snapshot trace's UUID.
 */
function compactPacket(p: Uint8Array, uuid: Uint8Array): Uint8Array {
  const f = packetFields(p);
  if (!f) return p;
  const size = Math.min(p.byteLength, Math.ceil(Number(f.contentSize) / 64) * 8);
  const out = p.slice(0, size);
  out.set(uuid, 4);
  new DataView(out.buffer).setBigUint64(56, BigInt(size * 8), true);
  return out;
}

export function ruleInfo(r: UstRule): EventRuleInfo {
  const i: EventRuleInfo = { kind: 'tracepoint', name: r.pattern, enabled: r.enabled };
  if (r.filter !== undefined) i.filter = r.filter;
  if (r.loglevel) i.loglevel = { ...r.loglevel };
  if (r.exclusions.length) i.exclusions = [...r.exclusions];
  return i;
}

export function makeRule(name: string, filter: string | undefined, loglevel: LoglevelCriterion | undefined, exclusions: string[] | undefined): UstRule {
  const r: UstRule = { pattern: name, enabled: true, exclusions: exclusions ? [...exclusions] : [] };
  if (filter !== undefined) r.filter = filter;
  if (loglevel) r.loglevel = { ...loglevel };
  return r;
}
