// The session daemon's sessions and every operation the control protocol
// offers on them. Operations that change state run one at a time (queue.ts);
// reads do not wait. Each domain's operations live beside this file
// (kernel-ops.ts, ust-ops.ts), as do save/load (save-load.ts), snapshots
// (snapshot.ts) and rotation (rotation.ts); this file routes to them.
import * as path from 'node:path';
import { CtlError } from '../ctl/protocol.js';
import type { ChannelInfo, DaemonInfo, DomainInfo, Params, Result, SessionDetail, SessionSummary } from '../ctl/protocol.js';
import type { TtngPaths } from '../ctl/paths.js';
import { VERSION } from '../ctl/version.js';
import { UstApps } from '../ust-consumer/apps.js';
import { defaultOutputPath, newSessionName, oneLine } from './checks.js';
import { kernelAddContext, kernelDisableEvent, kernelDomainInfo, kernelEnableChannel, kernelEnableEvent, listKernel, requireKernel } from './kernel-ops.js';
import type { KernelOpsContext } from './kernel-ops.js';
import { ustAddContext, ustDisableEvent, ustEnableChannel, ustEnableEvent } from './ust-ops.js';
import type { UstOpsContext } from './ust-ops.js';
import { OpQueue } from './queue.js';
import { applySaved, readSessionFiles, sessionFromSaved, writeSessionFiles } from './save-load.js';
import type { LoadTarget } from './save-load.js';
import type { SavedSession } from './session-xml.js';
import { Session } from './session.js';
import { recordSnapshot, snapshotUrlToDir } from './snapshot.js';

export interface DaemonContext {
  uid: number;
  /** unique per daemon run: ftrace instances are named `ttng_<daemonId>_…` */
  daemonId: string;
  paths: TtngPaths;
  log(msg: string): void;
}

/** the domain an operation names */
function domainOf(d: unknown): 'kernel' | 'ust' {
  if (d === 'kernel' || d === 'ust') return d;
  throw new CtlError('INVALID', `Unknown domain ${String(d)}`);
}

export class SessionManager implements LoadTarget {
  private readonly sessions = new Map<string, Session>();
  private readonly queue = new OpQueue();
  /** the traced apps connected to this daemon (user-space domain) */
  readonly ustApps: UstApps;
  private readonly ustCtx: UstOpsContext;
  private readonly kernelCtx: KernelOpsContext;

  constructor(private readonly ctx: DaemonContext) {
    this.ustApps = new UstApps(ctx.log);
    this.ustCtx = { apps: this.ustApps, log: ctx.log };
    this.kernelCtx = { uid: ctx.uid, daemonId: ctx.daemonId };
  }

  private serial<T>(fn: () => Promise<T> | T): Promise<T> {
    return this.queue.run(fn);
  }

  private get(name: unknown): Session {
    if (typeof name !== 'string') throw new CtlError('INVALID', 'Missing session name');
    const s = this.sessions.get(name);
    if (!s) throw new CtlError('SESS_NOT_FOUND');
    return s;
  }

  async info(): Promise<DaemonInfo> {
    let kernel: DaemonInfo['kernel'];
    try {
      await requireKernel(this.ctx.uid);
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

  create(p: Params<'session.create'>): Promise<SessionSummary> {
    return this.serial(() => {
      const now = new Date();
      const name = newSessionName(p.name, now);
      if (this.sessions.has(name)) throw new CtlError('EXIST_SESS');
      let out: string;
      if (p.outputDir !== undefined) {
        if (typeof p.outputDir !== 'string' || !path.isAbsolute(p.outputDir)) throw new CtlError('INVALID', 'The output path must be absolute');
        out = path.normalize(p.outputDir);
      } else out = defaultOutputPath(this.ctx.paths.tracesDir, name, now, p.name === undefined);
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
    if (s.kernel) domains.push(kernelDomainInfo(s, s.kernel));
    if (s.ust) domains.push(s.ust.domainInfo());
    return { ...this.summary(s), domains };
  }

  start(p: Params<'session.start'>): Promise<Result<'session.start'>> {
    return this.serial(async () => {
      const s = this.get(p.name);
      if (s.stopping) await s.stopping;
      if (s.active) throw new CtlError('TRACE_ALREADY_STARTED');
      if (s.channelCount() === 0) throw new CtlError('NO_CHANNEL');
      await s.start();
      this.armRotation(s);
      this.ctx.log(`session ${s.name} started`);
      return {};
    });
  }

  async stop(p: Params<'session.stop'>): Promise<Result<'session.stop'>> {
    const done = await this.serial(() => {
      const s = this.get(p.name);
      if (!s.active) throw new CtlError('TRACE_ALREADY_STOPPED');
      return { s, done: s.beginStop(this.ctx.log) };
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
    if (s.active) void s.beginStop(this.ctx.log);
    if (s.stopping) await s.stopping;
    this.sessions.delete(s.name);
    return s.teardown(this.ctx.log);
  }

  /** Stops and destroys every session (daemon shutdown). */
  destroyAll(): Promise<void> {
    return this.serial(async () => {
      for (const s of [...this.sessions.values()]) await this.destroySession(s);
    });
  }

  /* ------------------- channels, events, contexts (per domain) ------------------- */

  enableChannel(p: Params<'channel.enable'>): Promise<ChannelInfo> {
    return this.serial(() => {
      const s = this.get(p.session);
      return domainOf(p.domain) === 'ust' ? ustEnableChannel(this.ustCtx, s, p) : kernelEnableChannel(this.kernelCtx, s, p);
    });
  }

  enableEvent(p: Params<'event.enable'>): Promise<Result<'event.enable'>> {
    return this.serial(() => {
      const s = this.get(p.session);
      return domainOf(p.domain) === 'ust' ? ustEnableEvent(this.ustCtx, s, p) : kernelEnableEvent(this.kernelCtx, s, p);
    });
  }

  disableEvent(p: Params<'event.disable'>): Promise<Result<'event.disable'>> {
    return this.serial(() => {
      const s = this.get(p.session);
      return domainOf(p.domain) === 'ust' ? ustDisableEvent(s, p) : kernelDisableEvent(this.kernelCtx, s, p);
    });
  }

  addContext(p: Params<'context.add'>): Promise<Result<'context.add'>> {
    return this.serial(() => {
      const s = this.get(p.session);
      return domainOf(p.domain) === 'ust' ? ustAddContext(this.ustCtx, s, p) : kernelAddContext(this.kernelCtx, s, p);
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

  listTracepoints(): Promise<string[]> {
    return listKernel(this.ctx.uid, 'tracepoints');
  }

  listUstTracepoints(): Result<'ust.listTracepoints'> {
    return this.ustApps.listing();
  }

  listSyscalls(): Promise<string[]> {
    return listKernel(this.ctx.uid, 'syscalls');
  }

  /* ------------------------------ save / load ------------------------------ */

  save(p: Params<'session.save'>): Promise<Result<'session.save'>> {
    return this.serial(() => {
      const dir = p.outputDir ?? this.ctx.paths.sessionsDir;
      if (!path.isAbsolute(dir)) throw new CtlError('INVALID', 'The output path must be absolute');
      const targets = p.name !== undefined ? [this.get(p.name)] : [...this.sessions.values()];
      if (p.name === undefined && targets.length === 0) throw new CtlError('NO_SESSION');
      return { files: writeSessionFiles(targets, dir, p.force === true) };
    });
  }

  load(p: Params<'session.load'>): Promise<Result<'session.load'>> {
    // reading happens outside the queue; applying goes through the queued operations
    const input = p.inputPath ?? this.ctx.paths.sessionsDir;
    if (!path.isAbsolute(input)) return Promise.reject(new CtlError('INVALID', 'The input path must be absolute'));
    let found: SavedSession[];
    try {
      found = readSessionFiles(input, p.name);
    } catch (e) {
      return Promise.reject(e);
    }
    return (async () => {
      const loaded: string[] = [];
      for (const s of found) {
        if (this.sessions.has(s.name)) {
          if (!p.force) throw new CtlError('EXIST_SESS', `Session name already exists: ${s.name}`);
          await this.destroy({ name: s.name });
        }
        await applySaved(this, s);
        loaded.push(s.name);
      }
      return { sessions: loaded };
    })();
  }

  /** load: adds a saved session, its domains still empty (save-load.ts fills them) */
  restore(saved: SavedSession): Promise<SessionSummary> {
    return this.serial(() => {
      if (this.sessions.has(saved.name)) throw new CtlError('EXIST_SESS');
      const s = sessionFromSaved(saved, this.ctx.paths.tracesDir);
      this.sessions.set(saved.name, s);
      return this.summary(s);
    });
  }
}
