// The session daemon's state: sessions → domains (kernel now) → channels →
// event rules and contexts, and every operation the control protocol offers.
// Operations that change state run one at a time (a queue); reads do not wait.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CtlError, DEFAULT_CHANNEL_NAME, KERNEL_CHANNEL_DEFAULTS, KERNEL_CONTEXTS } from '../ctl/protocol.js';
import type {
  ChannelAttributes,
  ChannelInfo,
  DaemonInfo,
  DomainInfo,
  EventKind,
  EventRuleInfo,
  Params,
  Result,
  SessionDetail,
  SessionSummary,
} from '../ctl/protocol.js';
import type { TtngPaths } from '../ctl/paths.js';
import { kernelBackend } from './kernel-domain.js';
import type { KernelBackend, KernelChannelStats, KernelContextType, KernelEventRule, KernelSession } from './kernel-domain.js';
import { FilterError, filterReferences, parseFilter } from '../filter/filter.js';
import { parseSessionsXml, sessionToXml, SessionXmlError } from './session-xml.js';
import type { SavedSession } from './session-xml.js';
import { VERSION } from '../ctl/version.js';
import { datetimeSuffix } from '../ctl/time.js';
import { UstApps } from '../ust-consumer/apps.js';
import type { UstSession } from '../ust-consumer/session.js';
import { ustAddContext, ustDisableEvent, ustEnableChannel, ustEnableEvent } from './ust-ops.js';
import type { UstOpsContext } from './ust-ops.js';
import { savedUst, applySavedUst } from './ust-save.js';
import { SnapshotState, kernelRecorder, recordSnapshot, snapshotUrlToDir, ustRecorder } from './snapshot.js';
import type { DomainRecorder } from './snapshot.js';
import { RotationState } from './rotation.js';

export interface DaemonContext {
  uid: number;
  /** unique per daemon run: ftrace instances are named `ttng_<daemonId>_…` */
  daemonId: string;
  paths: TtngPaths;
  log(msg: string): void;
}

/** NAME_MAX, as LTTng limits session names */
const NAME_MAX = 255;

class KernelChannel {
  enabled = true;
  /** oldest first */
  rules: KernelEventRule[] = [];
  contexts: KernelContextType[] = [];
  lastStats: KernelChannelStats | undefined;
  constructor(
    readonly name: string,
    readonly attrs: ChannelAttributes,
  ) {}
}

class KernelDomain {
  /** oldest first */
  channels: KernelChannel[] = [];
  /** a channel other than channel0 exists: enable-event needs `-c` */
  hasNonDefaultChannel = false;
  constructor(readonly ks: KernelSession) {}
  channel(name: string): KernelChannel | undefined {
    return this.channels.find((c) => c.name === name);
  }
}

class Session {
  active = false;
  hasBeenStarted = false;
  kernel: KernelDomain | undefined;
  ust: UstSession | undefined;
  /** set while a stop is writing the last data */
  stopping: Promise<void> | undefined;
  stopError: Error | undefined;
  /** flight recorder (`create --snapshot`) */
  snapshotMode = false;
  readonly snap = new SnapshotState();
  private rotState: RotationState | undefined;
  constructor(
    readonly name: string,
    readonly outputPath: string,
    readonly createdAt: Date,
  ) {}
  get rot(): RotationState {
    this.rotState ??= new RotationState(this.outputPath);
    return this.rotState;
  }
  /** each tracing domain, for snapshots, rotation and clear */
  recorders(): DomainRecorder[] {
    const r: DomainRecorder[] = this.kernel ? [kernelRecorder(this.kernel.ks)] : [];
    if (this.ust && this.ust.channels.length > 0) r.push(ustRecorder(this.ust));
    return r;
  }
  channelCount(): number {
    return (this.kernel ? this.kernel.channels.length : 0) + (this.ust ? this.ust.channels.length : 0);
  }
}

/** what a snapshot session forces on its channels (as LTTng: overwrite mode, mmap output) */
function snapshotForced(s: Session): Partial<ChannelAttributes> {
  return s.snapshotMode ? { overwrite: true, output: 'mmap' } : {};
}

function isPow2(n: number): boolean {
  return Number.isSafeInteger(n) && n > 0 && Number.isInteger(Math.log2(n));
}

function u32(n: unknown): boolean {
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= 0xffffffff;
}

function oneLine(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.split('\n')[0]!.trim() || 'unknown error';
}

/** Checks channel attributes (the daemon's side of `enable-channel` validation). */
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

export function validateChannelName(name: unknown): asserts name is string {
  if (typeof name !== 'string' || name === '' || name.startsWith('.') || name.includes('/') || name.length >= 256) {
    throw new CtlError('INVALID_CHANNEL_NAME', `Invalid channel name: "${String(name)}". Channel names may not start with '.', and may not contain '/'.`);
  }
}

export class SessionManager {
  private readonly sessions = new Map<string, Session>();
  private queue: Promise<unknown> = Promise.resolve();
  /** the traced apps connected to this daemon (user-space domain) */
  readonly ustApps: UstApps;
  private readonly ustCtx: UstOpsContext;

  constructor(private readonly ctx: DaemonContext) {
    this.ustApps = new UstApps(ctx.log);
    this.ustCtx = { apps: this.ustApps, log: ctx.log };
  }

  /** Runs `fn` after every operation queued before it. */
  private serial<T>(fn: () => Promise<T> | T): Promise<T> {
    const p = this.queue.then(fn, fn);
    this.queue = p.catch(() => undefined);
    return p;
  }

  private get(name: unknown): Session {
    if (typeof name !== 'string') throw new CtlError('INVALID', 'Missing session name');
    const s = this.sessions.get(name);
    if (!s) throw new CtlError('SESS_NOT_FOUND');
    return s;
  }

  /** The kernel tracer, when this daemon may and can trace the kernel. */
  private async requireKernel(): Promise<KernelBackend> {
    if (this.ctx.uid !== 0) throw new CtlError('NEED_ROOT_SESSIOND');
    const b = await kernelBackend();
    if (b instanceof Error) throw new CtlError('KERN_NA', `Kernel tracer not available: ${b.message}`);
    let avail: { ok: true } | { ok: false; reason: string };
    try {
      avail = b.kernelTracerAvailable();
    } catch (e) {
      avail = { ok: false, reason: oneLine(e) };
    }
    if (!avail.ok) throw new CtlError('KERN_NA', `Kernel tracer not available: ${avail.reason}`);
    return b;
  }

  async info(): Promise<DaemonInfo> {
    let kernel: DaemonInfo['kernel'];
    try {
      await this.requireKernel();
      kernel = { ok: true };
    } catch (e) {
      kernel = { ok: false, reason: (e as Error).message };
    }
    return {
      version: VERSION,
      protocol: 1,
      pid: process.pid,
      uid: this.ctx.uid,
      socket: this.ctx.paths.socket,
      home: this.ctx.paths.home,
      kernel,
    };
  }

  /* ------------------------------ sessions ------------------------------ */

  private validateSessionName(name: string): void {
    if (name.length > NAME_MAX) throw new CtlError('INVALID', `Session name too long. Length must be lower or equal to ${NAME_MAX}`);
    if (name === '' || name.includes('/') || name === '.' || name === '..' || /[\0\n]/.test(name)) throw new CtlError('SESSION_INVALID_CHAR');
  }

  create(p: Params<'session.create'>): Promise<SessionSummary> {
    return this.serial(() => {
      const now = new Date();
      let name = p.name;
      if (name !== undefined) {
        if (typeof name !== 'string') throw new CtlError('INVALID', 'Invalid session name');
        this.validateSessionName(name);
        if (name === 'auto' || name.startsWith('auto-')) throw new CtlError('INVALID', 'auto is a reserved keyword for default session(s)');
      } else name = `auto-${datetimeSuffix(now)}`;
      if (this.sessions.has(name)) throw new CtlError('EXIST_SESS');
      let out: string;
      if (p.outputDir !== undefined) {
        if (typeof p.outputDir !== 'string' || !path.isAbsolute(p.outputDir)) throw new CtlError('INVALID', 'The output path must be absolute');
        out = path.normalize(p.outputDir);
      } else {
        out = path.join(this.ctx.paths.tracesDir, p.name === undefined ? name : `${name}-${datetimeSuffix(now)}`);
      }
      const s = new Session(name, out, now);
      if (p.snapshot === true) {
        s.snapshotMode = true;
        if (p.noOutput !== true) s.snap.add(out, undefined, 0);
      }
      this.sessions.set(name, s);
      this.ctx.log(`session ${name} created (output ${out})`);
      return this.summary(s);
    });
  }

  private summary(s: Session): SessionSummary {
    return {
      name: s.name,
      active: s.active,
      outputPath: s.outputPath,
      snapshotMode: s.snapshotMode,
      liveTimerUs: 0,
      createdAt: s.createdAt.toISOString(),
    };
  }

  list(): SessionSummary[] {
    return [...this.sessions.values()].map((s) => this.summary(s));
  }

  detail(p: Params<'session.get'>): SessionDetail {
    const s = this.get(p.name);
    const domains: DomainInfo[] = [];
    if (s.kernel) {
      let live: KernelChannelStats[] | undefined;
      if (s.active) {
        try {
          live = s.kernel.ks.stats();
        } catch {
          live = undefined;
        }
      }
      const channels: ChannelInfo[] = s.kernel.channels
        .map((c) => {
          const st = live?.find((x) => x.name === c.name) ?? c.lastStats;
          return {
            name: c.name,
            enabled: c.enabled,
            attributes: { ...c.attrs },
            contexts: [...c.contexts],
            events: c.rules.map((r) => this.ruleInfo(r)).reverse(),
            discardedEvents: st?.discardedEvents ?? 0,
            lostPackets: 0,
            recordedEvents: st?.recordedEvents ?? 0,
          };
        })
        .reverse();
      domains.push({ type: 'kernel', bufferType: 'global', channels });
    }
    if (s.ust) domains.push(s.ust.domainInfo());
    return { ...this.summary(s), domains };
  }

  private ruleInfo(r: KernelEventRule): EventRuleInfo {
    const i: EventRuleInfo = { kind: r.kind, name: r.pattern, enabled: r.enabled };
    if (r.filter !== undefined) i.filter = r.filter;
    return i;
  }

  start(p: Params<'session.start'>): Promise<Result<'session.start'>> {
    return this.serial(async () => {
      const s = this.get(p.name);
      if (s.stopping) await s.stopping;
      if (s.active) throw new CtlError('TRACE_ALREADY_STARTED');
      if (s.channelCount() === 0) throw new CtlError('NO_CHANNEL');
      try {
        fs.mkdirSync(s.outputPath, { recursive: true });
      } catch (e) {
        throw new CtlError('KERN_START_FAIL', `Cannot create the output directory ${s.outputPath}: ${oneLine(e)}`);
      }
      if (s.kernel) {
        try {
          await s.kernel.ks.start();
        } catch (e) {
          throw new CtlError('KERN_START_FAIL', oneLine(e));
        }
      }
      // (snapshot mode: the kernel metadata is private until a snapshot, which shares the clock then)
      if (s.ust && s.kernel && !s.snapshotMode) s.ust.useClockOf(path.join(s.outputPath, 'kernel', 'metadata'));
      s.ust?.start();
      s.active = true;
      s.hasBeenStarted = true;
      s.rot.begin ??= new Date();
      s.rot.rotatedWhileStopped = false;
      this.armRotation(s);
      this.ctx.log(`session ${s.name} started`);
      return {};
    });
  }

  /** Begins stopping; the returned promise ends once the data is on disk. */
  private beginStop(s: Session): Promise<void> {
    s.active = false;
    s.rot.disarm();
    s.stopError = undefined;
    const k = s.kernel;
    const u = s.ust;
    const p = (async (): Promise<void> => {
      if (u) {
        try {
          await u.stop();
        } catch (e) {
          s.stopError = e instanceof Error ? e : new Error(String(e));
          this.ctx.log(`session ${s.name}: stopping user space failed: ${oneLine(e)}`);
        }
      }
      if (!k) return;
      try {
        const stats = await k.ks.stop();
        for (const st of stats) {
          const c = k.channel(st.name);
          if (c) c.lastStats = st;
        }
      } catch (e) {
        s.stopError = e instanceof Error ? e : new Error(String(e));
        this.ctx.log(`session ${s.name}: stop failed: ${oneLine(e)}`);
      }
    })().finally(() => {
      if (s.stopping === p) s.stopping = undefined;
      this.ctx.log(`session ${s.name} stopped`);
    });
    s.stopping = p;
    return p;
  }

  async stop(p: Params<'session.stop'>): Promise<Result<'session.stop'>> {
    const done = await this.serial(() => {
      const s = this.get(p.name);
      if (!s.active) throw new CtlError('TRACE_ALREADY_STOPPED');
      return { s, done: this.beginStop(s) };
    });
    if (p.wait !== false) {
      await done.done;
      if (done.s.stopError) throw new CtlError('KERN_STOP_FAIL', oneLine(done.s.stopError));
    }
    return {};
  }

  dataPending(p: Params<'session.dataPending'>): Result<'session.dataPending'> {
    const s = this.get(p.name);
    if (s.stopping !== undefined) return { pending: true };
    return s.stopError ? { pending: false, error: oneLine(s.stopError) } : { pending: false };
  }

  destroy(p: Params<'session.destroy'>): Promise<Result<'session.destroy'>> {
    return this.serial(async () => {
      const s = this.get(p.name);
      const wasActive = s.active;
      const archive = await this.destroySession(s);
      return archive !== undefined ? { wasActive, archive } : { wasActive };
    });
  }

  /** returns the last trace chunk's archive when the session was rotated */
  private async destroySession(s: Session): Promise<string | undefined> {
    if (s.active) this.beginStop(s);
    if (s.stopping) await s.stopping;
    this.sessions.delete(s.name);
    if (s.ust) {
      try {
        await s.ust.destroy();
      } catch (e) {
        this.ctx.log(`session ${s.name}: destroying user space failed: ${oneLine(e)}`);
      }
    }
    s.rot.disarm();
    if (s.kernel) {
      try {
        await s.kernel.ks.destroy();
      } catch (e) {
        this.ctx.log(`session ${s.name}: destroy failed: ${oneLine(e)}`);
      }
    }
    let archive: string | undefined;
    try {
      archive = s.rot.archiveLast();
      if (archive) this.ctx.log(`session ${s.name}: last trace chunk archived at ${archive}`);
    } catch (e) {
      this.ctx.log(`session ${s.name}: cannot archive the last trace chunk: ${oneLine(e)}`);
    }
    this.ctx.log(`session ${s.name} destroyed`);
    return archive;
  }

  /** Stops and destroys every session (daemon shutdown). */
  destroyAll(): Promise<void> {
    return this.serial(async () => {
      for (const s of [...this.sessions.values()]) await this.destroySession(s);
    });
  }

  /* ------------------------------ channels ------------------------------ */

  private async kernelDomain(s: Session): Promise<KernelDomain> {
    if (s.kernel) return s.kernel;
    const b = await this.requireKernel();
    let ks: KernelSession;
    try {
      ks = b.createKernelSession({ outputDir: path.join(s.outputPath, 'kernel'), sessionName: s.name, daemonId: this.ctx.daemonId, snapshot: s.snapshotMode });
    } catch (e) {
      throw new CtlError('KERN_CHAN_FAIL', oneLine(e));
    }
    s.kernel = new KernelDomain(ks);
    return s.kernel;
  }

  private async addKernelChannel(s: Session, name: string, attrs: ChannelAttributes): Promise<KernelChannel> {
    validateChannelName(name);
    validateChannelAttributes(attrs);
    if (s.hasBeenStarted) throw new CtlError('TRACE_ALREADY_STARTED');
    const created = !s.kernel;
    const k = await this.kernelDomain(s);
    try {
      k.ks.addChannel({
        name,
        subbufSize: attrs.subbufSize,
        numSubbuf: attrs.numSubbuf,
        switchTimerUs: attrs.switchTimerUs,
        readTimerUs: attrs.readTimerUs,
        overwrite: attrs.overwrite,
        ...(attrs.tracefileSize > 0 ? { tracefileSize: attrs.tracefileSize, tracefileCount: attrs.tracefileCount } : {}),
      });
    } catch (e) {
      if (created && k.channels.length === 0) {
        s.kernel = undefined;
        await k.ks.destroy().catch(() => undefined);
      }
      throw new CtlError('KERN_CHAN_FAIL', oneLine(e));
    }
    const c = new KernelChannel(name, attrs);
    k.channels.push(c);
    return c;
  }

  enableChannel(p: Params<'channel.enable'>): Promise<ChannelInfo> {
    return this.serial(async () => {
      const s = this.get(p.session);
      if (p.domain === 'ust') return ustEnableChannel(this.ustCtx, s, p);
      if (p.domain !== 'kernel') throw new CtlError('INVALID', `Unknown domain ${String(p.domain)}`);
      validateChannelName(p.name);
      if (s.kernel?.channel(p.name)) throw new CtlError('KERN_CHAN_EXIST');
      const attrs: ChannelAttributes = { ...KERNEL_CHANNEL_DEFAULTS, ...(p.attributes ?? {}), ...snapshotForced(s) };
      await this.addKernelChannel(s, p.name, attrs);
      if (p.name !== DEFAULT_CHANNEL_NAME) s.kernel!.hasNonDefaultChannel = true;
      return this.detail({ name: s.name }).domains.find((d) => d.type === 'kernel')!.channels.find((c) => c.name === p.name)!;
    });
  }

  /** the channel an event or context command names (channel0 by default) */
  private channelName(s: Session, channel: string | undefined): string {
    if (channel === undefined || channel === '') {
      if (s.kernel?.hasNonDefaultChannel) throw new CtlError('NEED_CHANNEL_NAME');
      return DEFAULT_CHANNEL_NAME;
    }
    return channel;
  }

  private applyRules(k: KernelDomain, c: KernelChannel, rules: KernelEventRule[]): void {
    try {
      k.ks.setEventRules(c.name, rules.map((r) => ({ ...r })));
    } catch (e) {
      throw new CtlError('KERN_ENABLE_FAIL', oneLine(e));
    }
    c.rules = rules;
  }

  enableEvent(p: Params<'event.enable'>): Promise<Result<'event.enable'>> {
    return this.serial(async () => {
      const s = this.get(p.session);
      if (p.domain === 'ust') return ustEnableEvent(this.ustCtx, s, p);
      if (p.domain !== 'kernel') throw new CtlError('INVALID', `Unknown domain ${String(p.domain)}`);
      if (typeof p.name !== 'string' || p.name === '') throw new CtlError('INVALID', 'Missing event name');
      if (p.kind !== 'tracepoint' && p.kind !== 'syscall' && p.kind !== 'all') throw new CtlError('INVALID', `Unknown event type ${String(p.kind)}`);
      if (p.filter !== undefined) {
        if (typeof p.filter !== 'string') throw new CtlError('FILTER_INVAL');
        try {
          if (filterReferences(parseFilter(p.filter)).app.length > 0) {
            throw new FilterError('application contexts ($app.…) are not available in the kernel domain');
          }
        } catch (e) {
          if (e instanceof FilterError) throw new CtlError('FILTER_INVAL', `Invalid filter expression: ${e.message}`);
          throw e;
        }
      }
      const chName = this.channelName(s, p.channel);
      await this.requireKernel();
      let k = s.kernel;
      let c = k?.channel(chName);
      if (!c) {
        validateChannelName(chName);
        c = await this.addKernelChannel(s, chName, { ...KERNEL_CHANNEL_DEFAULTS, ...snapshotForced(s) });
        k = s.kernel!;
        if (chName !== DEFAULT_CHANNEL_NAME) k.hasNonDefaultChannel = true;
      }
      const kinds: EventKind[] = p.kind === 'all' ? (p.name === '*' ? ['tracepoint', 'syscall'] : ['tracepoint']) : [p.kind];
      const rules = c.rules.map((r) => ({ ...r }));
      const created: EventRuleInfo[] = [];
      let existing = 0;
      for (const kind of kinds) {
        const same = rules.find((r) => r.kind === kind && r.pattern === p.name && r.filter === p.filter);
        if (same) {
          if (same.enabled) {
            existing++;
            continue;
          }
          same.enabled = true;
          created.push(this.ruleInfo(same));
          continue;
        }
        const r: KernelEventRule = { kind, pattern: p.name, enabled: true };
        if (p.filter !== undefined) r.filter = p.filter;
        rules.push(r);
        created.push(this.ruleInfo(r));
      }
      if (created.length === 0 && existing > 0) throw new CtlError('KERN_EVENT_EXIST');
      this.applyRules(k!, c, rules);
      return { channel: chName, created };
    });
  }

  disableEvent(p: Params<'event.disable'>): Promise<Result<'event.disable'>> {
    return this.serial(async () => {
      const s = this.get(p.session);
      if (p.domain === 'ust') return ustDisableEvent(s, p);
      if (p.domain !== 'kernel') throw new CtlError('INVALID', `Unknown domain ${String(p.domain)}`);
      const chName = this.channelName(s, p.channel);
      if (this.ctx.uid !== 0) throw new CtlError('NEED_ROOT_SESSIOND');
      const k = s.kernel;
      const c = k?.channel(chName);
      if (!k || !c) throw new CtlError('KERN_CHAN_NOT_FOUND');
      const rules = c.rules.map((r) => ({ ...r }));
      let n = 0;
      for (const r of rules) {
        if (p.kind !== 'all' && r.kind !== p.kind) continue;
        if (p.name !== undefined && r.pattern !== p.name) continue;
        r.enabled = false;
        n++;
      }
      if (n === 0 && p.name !== undefined) throw new CtlError('NO_EVENT');
      this.applyRules(k, c, rules);
      return { channel: chName, disabled: n };
    });
  }

  addContext(p: Params<'context.add'>): Promise<Result<'context.add'>> {
    return this.serial(async () => {
      const s = this.get(p.session);
      if (p.domain === 'ust') return ustAddContext(this.ustCtx, s, p);
      if (p.domain !== 'kernel') throw new CtlError('INVALID', `Unknown domain ${String(p.domain)}`);
      if (!(KERNEL_CONTEXTS as readonly string[]).includes(p.type)) throw new CtlError('INVALID', `Unknown context type ${String(p.type)}`);
      const b = await this.requireKernel();
      if (b.KERNEL_CONTEXT_TYPES && !b.KERNEL_CONTEXT_TYPES.includes(p.type)) {
        throw new CtlError('KERN_CONTEXT_FAIL', `Context ${p.type} is not supported by this kernel tracer`);
      }
      if (s.hasBeenStarted) throw new CtlError('TRACE_ALREADY_STARTED');
      if (s.channelCount() === 0) await this.addKernelChannel(s, DEFAULT_CHANNEL_NAME, { ...KERNEL_CHANNEL_DEFAULTS, ...snapshotForced(s) });
      const k = s.kernel!;
      let targets: KernelChannel[];
      if (p.channel !== undefined && p.channel !== '') {
        const c = k.channel(p.channel);
        if (!c) throw new CtlError('KERN_CHAN_NOT_FOUND');
        targets = [c];
      } else targets = k.channels;
      const type = p.type as KernelContextType;
      for (const c of targets) {
        if (c.contexts.includes(type)) continue; // as lttng-modules: EEXIST is ignored
        const next = [...c.contexts, type];
        try {
          k.ks.setContexts(c.name, next);
        } catch (e) {
          throw new CtlError('KERN_CONTEXT_FAIL', oneLine(e));
        }
        c.contexts = next;
      }
      return { channels: targets.map((c) => c.name) };
    });
  }

  /* ------------------------- snapshots, rotation, clear ------------------------- */

  private snapshotSession(name: unknown): Session {
    const s = this.get(name);
    if (!s.snapshotMode) throw new CtlError('NOT_SNAPSHOT_SESSION');
    return s;
  }

  snapshotRecord(p: Params<'snapshot.record'>): Promise<Result<'snapshot.record'>> {
    return this.serial(async () => {
      const s = this.snapshotSession(p.session);
      if (!s.hasBeenStarted) throw new CtlError('SNAPSHOT_NODATA');
      const outputDir = p.outputDir !== undefined ? snapshotUrlToDir(p.outputDir) : undefined;
      const dir = await recordSnapshot({ recorders: s.recorders(), state: s.snap, outputDir, name: p.name, maxSize: p.maxSize });
      this.ctx.log(`session ${s.name}: snapshot recorded in ${dir}`);
      return { path: dir };
    });
  }

  snapshotAddOutput(p: Params<'snapshot.addOutput'>): Promise<Result<'snapshot.addOutput'>> {
    return this.serial(() => {
      const s = this.snapshotSession(p.session);
      const max = p.maxSize ?? 0;
      if (!Number.isSafeInteger(max) || max < 0) throw new CtlError('SNAPSHOT_INVALID_SIZE');
      return s.snap.add(snapshotUrlToDir(p.outputDir), p.name, max);
    });
  }

  snapshotListOutputs(p: Params<'snapshot.listOutputs'>): Result<'snapshot.listOutputs'> {
    return this.snapshotSession(p.session).snap.outputs.map((o) => ({ ...o }));
  }

  snapshotDelOutput(p: Params<'snapshot.delOutput'>): Promise<Result<'snapshot.delOutput'>> {
    return this.serial(() => this.snapshotSession(p.session).snap.del(p.id, p.name));
  }

  rotate(p: Params<'session.rotate'>): Promise<Result<'session.rotate'>> {
    return this.serial(async () => {
      const s = this.get(p.name);
      if (s.snapshotMode) throw new CtlError('ROTATION_NOT_AVAILABLE');
      if (s.stopping) await s.stopping;
      const archive = await s.rot.rotate(s.recorders(), s.active);
      this.ctx.log(`session ${s.name}: trace chunk archived at ${archive}`);
      return { path: archive };
    });
  }

  private armRotation(s: Session): void {
    if (!s.active || (s.rot.timerUs === 0 && s.rot.sizeBytes === 0)) return;
    s.rot.arm(
      () =>
        this.serial(async () => {
          if (!s.active || this.sessions.get(s.name) !== s) return;
          const archive = await s.rot.rotate(s.recorders(), true);
          this.ctx.log(`session ${s.name}: trace chunk archived at ${archive}`);
        }),
      s.recorders().map((r) => r.subdir),
    );
  }

  enableRotation(p: Params<'rotation.enable'>): Promise<Result<'rotation.enable'>> {
    return this.serial(() => {
      const s = this.get(p.session);
      if (s.snapshotMode) throw new CtlError('ROTATION_NOT_AVAILABLE');
      const t = p.timerUs ?? 0;
      const z = p.sizeBytes ?? 0;
      if (!Number.isSafeInteger(t) || !Number.isSafeInteger(z) || t < 0 || z < 0 || (t === 0 && z === 0)) throw new CtlError('INVALID');
      if ((t > 0 && s.rot.timerUs > 0) || (z > 0 && s.rot.sizeBytes > 0)) throw new CtlError('ROTATION_SCHEDULE_SET');
      if (t > 0) s.rot.timerUs = t;
      if (z > 0) s.rot.sizeBytes = z;
      this.armRotation(s);
      return {};
    });
  }

  disableRotation(p: Params<'rotation.disable'>): Promise<Result<'rotation.disable'>> {
    return this.serial(() => {
      const s = this.get(p.session);
      const both = !p.timer && !p.size;
      if ((p.timer || both) && s.rot.timerUs === 0 && !both) throw new CtlError('ROTATION_SCHEDULE_NOT_SET');
      if ((p.size || both) && s.rot.sizeBytes === 0 && !both) throw new CtlError('ROTATION_SCHEDULE_NOT_SET');
      if (both && s.rot.timerUs === 0 && s.rot.sizeBytes === 0) throw new CtlError('ROTATION_SCHEDULE_NOT_SET');
      if (p.timer || both) s.rot.timerUs = 0;
      if (p.size || both) s.rot.sizeBytes = 0;
      s.rot.disarm();
      this.armRotation(s);
      return {};
    });
  }

  clear(p: Params<'session.clear'>): Promise<Result<'session.clear'>> {
    return this.serial(async () => {
      const s = this.get(p.name);
      if (s.stopping) await s.stopping;
      try {
        for (const r of s.recorders()) await r.clear();
      } catch (e) {
        throw new CtlError('CLEAR_FAIL', `Clear failed: ${oneLine(e)}`);
      }
      this.ctx.log(`session ${s.name} cleared`);
      return {};
    });
  }

  /* ------------------------------ listings ------------------------------ */

  async listTracepoints(): Promise<string[]> {
    const b = await this.requireKernel();
    try {
      return b.listKernelTracepoints();
    } catch (e) {
      throw new CtlError('KERN_LIST_FAIL', oneLine(e));
    }
  }

  listUstTracepoints(): Result<'ust.listTracepoints'> {
    return this.ustApps.listing();
  }

  async listSyscalls(): Promise<string[]> {
    const b = await this.requireKernel();
    try {
      return b.listKernelSyscalls();
    } catch (e) {
      throw new CtlError('KERN_LIST_FAIL', oneLine(e));
    }
  }

  /* ------------------------------ save / load ------------------------------ */

  private saved(s: Session): SavedSession {
    const out: SavedSession = { name: s.name, outputPath: s.outputPath, started: s.active };
    if (s.kernel) {
      out.kernel = {
        channels: s.kernel.channels.map((c) => ({
          name: c.name,
          enabled: c.enabled,
          attributes: { ...c.attrs },
          events: c.rules.map((r) => {
            const e: { kind: EventKind; name: string; enabled: boolean; filter?: string } = { kind: r.kind, name: r.pattern, enabled: r.enabled };
            if (r.filter !== undefined) e.filter = r.filter;
            return e;
          }),
          contexts: [...c.contexts],
        })),
      };
    }
    if (s.ust) out.ust = savedUst(s.ust);
    if (s.snapshotMode) out.snapshot = { outputs: s.snap.outputs.map((o) => ({ name: o.name, path: o.path, maxSize: o.maxSize })) };
    if (s.rot.timerUs > 0 || s.rot.sizeBytes > 0) out.rotation = { timerUs: s.rot.timerUs, sizeBytes: s.rot.sizeBytes };
    return out;
  }

  save(p: Params<'session.save'>): Promise<Result<'session.save'>> {
    return this.serial(() => {
      const dir = p.outputDir ?? this.ctx.paths.sessionsDir;
      if (!path.isAbsolute(dir)) throw new CtlError('INVALID', 'The output path must be absolute');
      const targets = p.name !== undefined ? [this.get(p.name)] : [...this.sessions.values()];
      if (p.name === undefined && targets.length === 0) throw new CtlError('NO_SESSION');
      try {
        fs.mkdirSync(dir, { recursive: true });
      } catch (e) {
        throw new CtlError('SAVE_IO_FAIL', `Cannot create ${dir}: ${oneLine(e)}`);
      }
      const files: string[] = [];
      for (const s of targets) {
        const f = path.join(dir, `${s.name}.lttng`);
        if (!p.force && fs.existsSync(f)) throw new CtlError('SAVE_FILE_EXIST', `Session file already exists: ${f}`);
        try {
          fs.writeFileSync(f, sessionToXml(this.saved(s)));
        } catch (e) {
          throw new CtlError('SAVE_IO_FAIL', `Cannot write ${f}: ${oneLine(e)}`);
        }
        files.push(f);
      }
      return { files };
    });
  }

  load(p: Params<'session.load'>): Promise<Result<'session.load'>> {
    // parsing happens outside the queue; applying goes through the queued operations
    const input = p.inputPath ?? this.ctx.paths.sessionsDir;
    if (!path.isAbsolute(input)) return Promise.reject(new CtlError('INVALID', 'The input path must be absolute'));
    let files: string[];
    try {
      const st = fs.statSync(input);
      files = st.isDirectory()
        ? fs.readdirSync(input).filter((f) => f.endsWith('.lttng')).sort().map((f) => path.join(input, f))
        : [input];
    } catch {
      return Promise.reject(new CtlError('LOAD_SESSION_NOENT', `Session configuration not found: ${input}`));
    }
    const found: SavedSession[] = [];
    for (const f of files) {
      let list: SavedSession[];
      try {
        list = parseSessionsXml(fs.readFileSync(f, 'utf8'));
      } catch (e) {
        if (e instanceof SessionXmlError) return Promise.reject(new CtlError('LOAD_INVALID_CONFIG', `Invalid session configuration ${f}: ${e.message}`));
        return Promise.reject(new CtlError('LOAD_IO_FAIL', `Cannot read ${f}: ${oneLine(e)}`));
      }
      for (const s of list) if (p.name === undefined || s.name === p.name) found.push(s);
    }
    if (found.length === 0) {
      return Promise.reject(new CtlError('LOAD_SESSION_NOENT', p.name !== undefined ? `Session ${p.name} not found in ${input}` : `No session configuration found in ${input}`));
    }
    return (async () => {
      const loaded: string[] = [];
      for (const s of found) {
        if (this.sessions.has(s.name)) {
          if (!p.force) throw new CtlError('EXIST_SESS', `Session name already exists: ${s.name}`);
          await this.destroy({ name: s.name });
        }
        await this.applySaved(s);
        loaded.push(s.name);
      }
      return { sessions: loaded };
    })();
  }

  private async applySaved(saved: SavedSession): Promise<void> {
    const summary = await this.serial(() => {
      if (this.sessions.has(saved.name)) throw new CtlError('EXIST_SESS');
      this.validateSessionName(saved.name);
      const now = new Date();
      const out = saved.outputPath ?? path.join(this.ctx.paths.tracesDir, `${saved.name}-${datetimeSuffix(now)}`);
      const s = new Session(saved.name, out, now);
      if (saved.snapshot) {
        s.snapshotMode = true;
        for (const o of saved.snapshot.outputs) s.snap.add(o.path, o.name, o.maxSize);
      }
      if (saved.rotation && !saved.snapshot) {
        s.rot.timerUs = saved.rotation.timerUs;
        s.rot.sizeBytes = saved.rotation.sizeBytes;
      }
      this.sessions.set(saved.name, s);
      return this.summary(s);
    });
    try {
      for (const c of saved.kernel?.channels ?? []) {
        await this.enableChannel({ session: summary.name, domain: 'kernel', name: c.name, attributes: c.attributes });
        for (const e of c.events) {
          await this.enableEvent({ session: summary.name, domain: 'kernel', channel: c.name, kind: e.kind, name: e.name, filter: e.filter }).catch(
            (err: unknown) => {
              if (!(err instanceof CtlError && err.code === 'KERN_EVENT_EXIST')) throw err;
            },
          );
          if (!e.enabled) await this.disableEvent({ session: summary.name, domain: 'kernel', channel: c.name, kind: e.kind, name: e.name });
        }
        for (const t of c.contexts) await this.addContext({ session: summary.name, domain: 'kernel', channel: c.name, type: t });
      }
      if (saved.ust) await applySavedUst(this, summary.name, saved.ust);
      if (saved.started) await this.start({ name: summary.name });
    } catch (e) {
      await this.destroy({ name: summary.name }).catch(() => undefined);
      if (e instanceof CtlError) throw new CtlError(e.code, `Session ${saved.name}: ${e.message}`);
      throw e;
    }
  }
}
