// The user-space domain of one recording session: channels, event rules and
// contexts, and what each app thread must trace for it (its buffers, where
// each of its events goes). The registry of its traces is registry.ts; the
// consumer that copies the apps' packets into the trace files, consumer.ts.
import { nodeFs } from '../output/fs.js';
import type { OutputFs } from '../output/fs.js';
import * as path from 'node:path';
import { CtlError } from '../ctl/protocol.js';
import type { ChannelAttributes, ChannelInfo, DomainInfo, EventRuleInfo, UstBuffers } from '../ctl/protocol.js';
import type { UstChannelConfig, UstContextName, UstEventTarget } from '../ust/protocol.js';
import type { UstApp, UstAppClient, UstApps } from './apps.js';
import { openUstBuffer } from './buffer.js';
import type { UstBufferSource } from './buffer.js';
import { UstChannel, ruleInfo } from './channel.js';
import { UstConsumer } from './consumer.js';
import type { UstBuffer, UstChannelStats, UstSnapshotResult } from './consumer.js';
import { UstRegistry } from './registry.js';
import type { UstTrace } from './registry.js';
import { channelFilters, sameRule } from './rules.js';
import type { UstRule } from './rules.js';

export { UstChannel, makeRule, ruleInfo } from './channel.js';
export { MAX_DEAD_BUFFERS } from './consumer.js';
export type { UstChannelStats, UstSnapshotResult } from './consumer.js';
export type { UstTrace } from './registry.js';

/** daemon-wide: every (session, channel, app thread) buffer has its own key */
let nextChanKey = 1;

/** how long stop waits for apps to close their packets before reading without them */
const FLUSH_TIMEOUT_MS = 1000;

export class UstSession implements UstAppClient {
  /** oldest first */
  readonly channels: UstChannel[] = [];
  /** a channel other than channel0 exists: enable-event needs `-c` */
  hasNonDefaultChannel = false;
  buffers: UstBuffers = 'uid';
  active = false;
  hasBeenStarted = false;
  private destroyed = false;
  /** app key → channel name → buffer */
  private readonly byApp = new Map<number, Map<string, UstBuffer>>();
  private readonly registry: UstRegistry;
  private readonly consumer: UstConsumer;

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
    /** how trace files and folders are made (the session owner's identity) */
    fs: OutputFs = nodeFs,
  ) {
    this.registry = new UstRegistry(this, apps, log, path.join(outputDir, 'ust'), fs);
    this.consumer = new UstConsumer(sessionName, this.registry, log, snapshotMode, fs);
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

  /** takes the clock of the session's kernel trace (see UstRegistry.useClockOf) */
  useClockOf(kernelMetadata: string): void {
    this.registry.useClockOf(kernelMetadata);
  }

  /* ------------------------- what each app thread traces ------------------------- */

  channelsFor(app: UstApp): UstChannelConfig[] {
    if (!this.hasBeenStarted || this.destroyed) return [];
    let m = this.byApp.get(app.key);
    if (!m) this.byApp.set(app.key, (m = new Map()));
    const out: UstChannelConfig[] = [];
    for (const c of this.channels) {
      let b = m.get(c.name);
      if (!b) {
        const trace = this.registry.traceFor(app);
        const sc = this.registry.streamClassOf(trace, c.name);
        const n = this.registry.newStream(trace, c.name);
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
        this.consumer.add(b);
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
        const id = this.registry.eventId(b.trace, c.name, d);
        if (b.trace.metadataDirty) dirty.add(b.trace);
        let l = out.get(d.name);
        if (!l) out.set(d.name, (l = []));
        l.push({ chanKey: b.chanKey, id, filters });
      }
    }
    for (const b of m.values()) if (b.trace.metadataDirty) dirty.add(b.trace);
    // the event classes are on disk before any app may emit them
    for (const t of dirty) this.registry.writeMetadata(t);
    return out;
  }

  channelReady(app: UstApp, chanKey: number, shmName: string | undefined, error: string | undefined): boolean {
    const b = this.consumer.get(chanKey);
    if (!b || b.app !== app) return false;
    if (error !== undefined || shmName === undefined) {
      b.failed = error ?? 'no buffer';
      return true;
    }
    if (b.source || b.done) return true;
    let source: UstBufferSource | undefined;
    try {
      source = openUstBuffer(shmName, b.config, app.reg);
      this.consumer.attach(b, source);
    } catch (e) {
      b.failed = (e as Error).message;
      this.log(`session ${this.sessionName}: cannot read buffer ${shmName} of app ${app.reg.pid}: ${b.failed}`);
      source?.close(true);
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
    for (const b of m.values()) this.consumer.release(b, this.snapshotMode && !this.destroyed);
  }

  /* ------------------------------ lifecycle ------------------------------ */

  start(): void {
    this.active = true;
    this.hasBeenStarted = true;
    this.consumer.startTimer(this.channels);
    for (const app of this.apps.apps.values()) this.apps.update(app);
  }

  /** disables the events in the apps, has them close their packets, and reads everything */
  async stop(): Promise<UstChannelStats[]> {
    this.active = false;
    for (const app of this.apps.apps.values()) this.apps.update(app);
    // snapshots read the packet being written from the commit record: nothing to flush or drain
    if (this.snapshotMode) return this.stats();
    await this.apps.flush(this.consumer.liveChanKeys(), FLUSH_TIMEOUT_MS);
    this.consumer.drainAll();
    return this.stats();
  }

  async destroy(): Promise<void> {
    if (this.active) await this.stop();
    this.destroyed = true;
    this.consumer.stopTimer();
    this.consumer.finishAll();
    this.apps.removeClient(this);
    // the apps release the buffers this session no longer lists
    for (const app of this.apps.apps.values()) this.apps.update(app);
    for (const t of this.registry.traces.values()) this.registry.writeMetadata(t);
  }

  /* ------------------------- snapshots, rotation, clear ------------------------- */

  /** see UstConsumer.snapshot */
  snapshot(dir: string, maxBytes: number): UstSnapshotResult {
    return this.consumer.snapshot(dir, maxBytes);
  }

  /** see UstConsumer.rotate */
  rotate(dir: string): void {
    this.consumer.rotate(dir);
  }

  /** see UstConsumer.clear */
  clear(): void {
    this.consumer.clear();
  }

  stats(): UstChannelStats[] {
    return this.consumer.stats(this.channels);
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
