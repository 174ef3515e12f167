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
import { daemonClient } from './client.js';
import type { Client } from './client.js';
import { OwnerFsError } from './owner-fs.js';
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

  /** the daemon's own user: internal callers (shutdown, tests) act as it */
  private readonly self: Client;

  constructor(private readonly ctx: DaemonContext) {
    this.self = daemonClient(ctx.paths);
    this.ustApps = new UstApps(ctx.log);
    this.ustCtx = { apps: this.ustApps, log: ctx.log };
    this.kernelCtx = { uid: ctx.uid, daemonId: ctx.daemonId };
  }

  private serial<T>(fn: () => Promise<T> | T): Promise<T> {
    return this.queue.run(fn);
  }

  /** a session the client may see (its own; root sees all, as lttng-sessiond) */
  private get(name: unknown, client: Client): Session {
    if (typeof name !== 'string') throw new CtlError('INVALID', 'Missing session name');
    const s = this.sessions.get(name);
    if (!s || !visible(s, client)) throw new CtlError('SESS_NOT_FOUND');
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

  create(p: Params<'session.create'>, client = this.self): Promise<SessionSummary> {
    return this.serial(() => {
      const now = new Date();
      const name = newSessionName(p.name, now);
      if (this.sessions.has(name)) throw new CtlError('EXIST_SESS');
      let out: string;
      if (p.outputDir !== undefined) {
        if (typeof p.outputDir !== 'string' || !path.isAbsolute(p.outputDir) || p.outputDir.includes('\0')) throw new CtlError('INVALID', 'The output path must be absolute');
        out = path.normalize(p.outputDir);
      } else out = defaultOutputPath(client.tracesDir, name, now, p.name === undefined);
      checkOutput(client, out);
      const s = new Session(name, out, now, client);
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

  list(client = this.self): SessionSummary[] {
    return [...this.sessions.values()].filter((s) => visible(s, client)).map((s) => this.summary(s));
  }

  detail(p: Params<'session.get'>, client = this.self): SessionDetail {
    const s = this.get(p.name, client);
    const domains: DomainInfo[] = [];
    if (s.kernel) domains.push(kernelDomainInfo(s, s.kernel));
    if (s.ust) domains.push(s.ust.domainInfo());
    return { ...this.summary(s), domains };
  }

  start(p: Params<'session.start'>, client = this.self): Promise<Result<'session.start'>> {
    return this.serial(async () => {
      const s = this.get(p.name, client);
      if (s.stopping) await s.stopping;
      if (s.active) throw new CtlError('TRACE_ALREADY_STARTED');
      if (s.channelCount() === 0) throw new CtlError('NO_CHANNEL');
      await s.start();
      this.armRotation(s);
      this.ctx.log(`session ${s.name} started`);
      return {};
    });
  }

  async stop(p: Params<'session.stop'>, client = this.self): Promise<Result<'session.stop'>> {
    const done = await this.serial(() => {
      const s = this.get(p.name, client);
      if (!s.active) throw new CtlError('TRACE_ALREADY_STOPPED');
      return { s, done: s.beginStop(this.ctx.log) };
    });
    if (p.wait !== false) {
      await done.done;
      if (done.s.stopError) throw new CtlError('KERN_STOP_FAIL', oneLine(done.s.stopError));
    }
    return {};
  }

  dataPending(p: Params<'session.dataPending'>, client = this.self): Result<'session.dataPending'> {
    const s = this.get(p.name, client);
    if (s.stopping !== undefined) return { pending: true };
    return s.stopError ? { pending: false, error: oneLine(s.stopError) } : { pending: false };
  }

  destroy(p: Params<'session.destroy'>, client = this.self): Promise<Result<'session.destroy'>> {
    return this.serial(async () => {
      const s = this.get(p.name, client);
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

  enableChannel(p: Params<'channel.enable'>, client = this.self): Promise<ChannelInfo> {
    return this.serial(() => {
      const s = this.get(p.session, client);
      return domainOf(p.domain) === 'ust' ? ustEnableChannel(this.ustCtx, s, p) : kernelEnableChannel(this.kernelCtx, s, p);
    });
  }

  enableEvent(p: Params<'event.enable'>, client = this.self): Promise<Result<'event.enable'>> {
    return this.serial(() => {
      const s = this.get(p.session, client);
      return domainOf(p.domain) === 'ust' ? ustEnableEvent(this.ustCtx, s, p) : kernelEnableEvent(this.kernelCtx, s, p);
    });
  }

  disableEvent(p: Params<'event.disable'>, client = this.self): Promise<Result<'event.disable'>> {
    return this.serial(() => {
      const s = this.get(p.session, client);
      return domainOf(p.domain) === 'ust' ? ustDisableEvent(s, p) : kernelDisableEvent(this.kernelCtx, s, p);
    });
  }

  addContext(p: Params<'context.add'>, client = this.self): Promise<Result<'context.add'>> {
    return this.serial(() => {
      const s = this.get(p.session, client);
      return domainOf(p.domain) === 'ust' ? ustAddContext(this.ustCtx, s, p) : kernelAddContext(this.kernelCtx, s, p);
    });
  }

  /* ------------------------- snapshots, rotation, clear ------------------------- */

  private snapshotSession(name: unknown, client: Client): Session {
    const s = this.get(name, client);
    if (!s.snapshotMode) throw new CtlError('NOT_SNAPSHOT_SESSION');
    return s;
  }

  snapshotRecord(p: Params<'snapshot.record'>, client = this.self): Promise<Result<'snapshot.record'>> {
    return this.serial(async () => {
      const s = this.snapshotSession(p.session, client);
      if (!s.hasBeenStarted) throw new CtlError('SNAPSHOT_NODATA');
      const outputDir = p.outputDir !== undefined ? snapshotUrlToDir(p.outputDir) : undefined;
      const dir = await recordSnapshot({ recorders: s.recorders(), state: s.snap, outputDir, name: p.name, maxSize: p.maxSize, fs: s.owner.fs });
      this.ctx.log(`session ${s.name}: snapshot recorded in ${dir}`);
      return { path: dir };
    });
  }

  snapshotAddOutput(p: Params<'snapshot.addOutput'>, client = this.self): Promise<Result<'snapshot.addOutput'>> {
    return this.serial(() => {
      const s = this.snapshotSession(p.session, client);
      const max = p.maxSize ?? 0;
      if (!Number.isSafeInteger(max) || max < 0) throw new CtlError('SNAPSHOT_INVALID_SIZE');
      return s.snap.add(snapshotUrlToDir(p.outputDir), p.name, max);
    });
  }

  snapshotListOutputs(p: Params<'snapshot.listOutputs'>, client = this.self): Result<'snapshot.listOutputs'> {
    return this.snapshotSession(p.session, client).snap.outputs.map((o) => ({ ...o }));
  }

  snapshotDelOutput(p: Params<'snapshot.delOutput'>, client = this.self): Promise<Result<'snapshot.delOutput'>> {
    return this.serial(() => this.snapshotSession(p.session, client).snap.del(p.id, p.name));
  }

  rotate(p: Params<'session.rotate'>, client = this.self): Promise<Result<'session.rotate'>> {
    return this.serial(async () => {
      const s = this.get(p.name, client);
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

  enableRotation(p: Params<'rotation.enable'>, client = this.self): Promise<Result<'rotation.enable'>> {
    return this.serial(() => {
      const s = this.get(p.session, client);
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

  disableRotation(p: Params<'rotation.disable'>, client = this.self): Promise<Result<'rotation.disable'>> {
    return this.serial(() => {
      const s = this.get(p.session, client);
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

  clear(p: Params<'session.clear'>, client = this.self): Promise<Result<'session.clear'>> {
    return this.serial(async () => {
      const s = this.get(p.name, client);
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

  save(p: Params<'session.save'>, client = this.self): Promise<Result<'session.save'>> {
    return this.serial(() => {
      const dir = p.outputDir ?? client.sessionsDir;
      if (!path.isAbsolute(dir)) throw new CtlError('INVALID', 'The output path must be absolute');
      const targets = p.name !== undefined ? [this.get(p.name, client)] : [...this.sessions.values()].filter((s) => visible(s, client));
      if (p.name === undefined && targets.length === 0) throw new CtlError('NO_SESSION');
      return { files: writeSessionFiles(targets, dir, Boolean(p.force), client.fs) };
    });
  }

  load(p: Params<'session.load'>, client = this.self): Promise<Result<'session.load'>> {
    // reading happens outside the queue (with the client's rights); applying goes through the queued operations
    const input = p.inputPath ?? client.sessionsDir;
    if (!path.isAbsolute(input)) return Promise.reject(new CtlError('INVALID', 'The input path must be absolute'));
    let found: SavedSession[];
    try {
      found = readSessionFiles(input, p.name, client.fs);
    } catch (e) {
      return Promise.reject(e);
    }
    return (async () => {
      const loaded: string[] = [];
      for (const s of found) {
        if (this.sessions.has(s.name)) {
          if (!p.force) throw new CtlError('EXIST_SESS', `Session name already exists: ${s.name}`);
          await this.destroy({ name: s.name }, client);
        }
        await applySaved(this.asClient(client), s);
        loaded.push(s.name);
      }
      return { sessions: loaded };
    })();
  }

  /** load: adds a saved session, its domains still empty (save-load.ts fills them) */
  restore(saved: SavedSession, client = this.self): Promise<SessionSummary> {
    return this.serial(() => {
      if (this.sessions.has(saved.name)) throw new CtlError('EXIST_SESS');
      const s = sessionFromSaved(saved, client);
      checkOutput(client, s.outputPath);
      this.sessions.set(saved.name, s);
      return this.summary(s);
    });
  }

  /** the operations a load goes through, as `client` */
  private asClient(client: Client): LoadTarget {
    return {
      restore: (saved) => this.restore(saved, client),
      enableChannel: (p) => this.enableChannel(p, client),
      enableEvent: (p) => this.enableEvent(p, client),
      disableEvent: (p) => this.disableEvent(p, client),
      addContext: (p) => this.addContext(p, client),
      start: (p) => this.start(p, client),
      destroy: (p) => this.destroy(p, client),
    };
  }
}

function visible(s: Session, client: Client): boolean {
  return client.root || s.owner.uid === client.uid;
}

/**
 * The output folder is made now, as the client (it must be able to), so that
 * a path it may not write, an existing file or a planted link fails at
 * `create`, not at `start`.
 */
function checkOutput(client: Client, out: string): void {
  try {
    client.fs.checkOutputDir(out);
  } catch (e) {
    const why = e instanceof OwnerFsError ? e.message : oneLine(e);
    throw new CtlError('CREATE_DIR_FAIL', `Cannot create the output directory ${out}: ${why}`);
  }
}
