// Traced apps on the control socket (src/ust/protocol.ts): each JS thread of
// an app registers on its own connection, declares its events, and gets the
// desired tracing state pushed (`ust.config`) whenever a session changes it.
// The connection stays open: its close is how the daemon learns that the
// thread (or the whole app) is gone, even after a SIGKILL.
import * as fs from 'node:fs';
import type * as net from 'node:net';
import { CtlError } from '../ctl/protocol.js';
import type { UstAppListing } from '../ctl/protocol.js';
import { shmName, unlinkShm } from '../ringbuffer/index.js';
import { peerCredentials } from './peercred.js';
import type { UstAppConfig, UstChannelConfig, UstEventDecl, UstEventTarget, UstMethods, UstPush, UstRegisterParams, UstTypeDecl } from '../ust/protocol.js';

export type UstAppMethod = keyof UstMethods;
export const UST_APP_METHODS: readonly UstAppMethod[] = ['ust.register', 'ust.declare', 'ust.channelReady', 'ust.flushed'];

export function isUstAppMethod(m: string): m is UstAppMethod {
  return (UST_APP_METHODS as readonly string[]).includes(m);
}

/** one registered JS thread */
export class UstApp {
  /** declaration order */
  readonly events = new Map<string, UstEventDecl>();
  generation = 0;
  readonly registeredAt = new Date();
  gone = false;
  constructor(
    readonly key: number,
    readonly sock: net.Socket,
    readonly reg: UstRegisterParams,
  ) {}
  declare(events: UstEventDecl[]): boolean {
    let added = false;
    for (const e of events) {
      if (this.events.has(e.name)) continue;
      this.events.set(e.name, e);
      added = true;
    }
    return added;
  }
}

/** What a session's user-space domain contributes to an app's config. */
export interface UstAppClient {
  /** buffers this session wants in the app (allocating keys and streams as needed) */
  channelsFor(app: UstApp): UstChannelConfig[];
  /** where each of the app's events goes for this session */
  targetsFor(app: UstApp): Map<string, UstEventTarget[]>;
  /** true when the buffer is this session's */
  channelReady(app: UstApp, chanKey: number, shmName: string | undefined, error: string | undefined): boolean;
  /** the app thread's connection closed (exit, crash, SIGKILL): read what it left */
  appGone(app: UstApp): void;
}

/** The registry of connected app threads, shared by every session. */
export class UstApps {
  private nextKey = 1;
  private nextToken = 1;
  readonly apps = new Map<number, UstApp>();
  private readonly bySock = new Map<net.Socket, UstApp>();
  private readonly clients = new Set<UstAppClient>();
  private readonly flushWaits = new Map<number, { app: UstApp; resolve: () => void }>();

  constructor(private readonly log: (msg: string) => void) {}

  addClient(c: UstAppClient): void {
    this.clients.add(c);
  }
  removeClient(c: UstAppClient): void {
    this.clients.delete(c);
  }

  /** a request from an app connection (server.ts routes `ust.*` app methods here) */
  request(sock: net.Socket, method: UstAppMethod, params: Record<string, unknown>): unknown {
    if (method === 'ust.register') return this.register(sock, params as unknown as UstRegisterParams);
    const app = this.bySock.get(sock);
    if (!app || params['appKey'] !== app.key) throw new CtlError('INVALID_PROTOCOL', 'Invalid protocol message: app not registered on this connection');
    switch (method) {
      case 'ust.declare': {
        const events = checkEvents(params['events'], this.log);
        if (app.declare(events)) this.update(app);
        return {};
      }
      case 'ust.channelReady': {
        const chanKey = params['chanKey'];
        if (typeof chanKey !== 'number') throw new CtlError('INVALID_PROTOCOL', 'Invalid protocol message: chanKey');
        const shm = typeof params['shmName'] === 'string' ? params['shmName'] : undefined;
        const error = typeof params['error'] === 'string' ? params['error'] : shm === undefined ? 'no shared memory name' : undefined;
        if (error !== undefined) this.log(`app ${app.reg.procname}[${app.reg.pid}/${app.reg.tid}]: buffer ${chanKey} failed: ${error}`);
        let claimed = false;
        for (const c of this.clients) claimed = c.channelReady(app, chanKey, shm, error) || claimed;
        // a buffer of a session destroyed meanwhile: nobody will read it
        if (!claimed && shm !== undefined && shm === shmName(app.reg.pid, app.reg.tid, chanKey)) unlinkShm(shm);
        return {};
      }
      case 'ust.flushed': {
        const token = params['token'];
        const w = typeof token === 'number' ? this.flushWaits.get(token) : undefined;
        if (w && w.app === app) {
          this.flushWaits.delete(token as number);
          w.resolve();
        }
        return {};
      }
    }
    throw new CtlError('UNKNOWN_METHOD');
  }

  private register(sock: net.Socket, p: UstRegisterParams): { appKey: number } {
    if (this.bySock.has(sock)) throw new CtlError('INVALID_PROTOCOL', 'Invalid protocol message: already registered');
    for (const k of ['pid', 'ppid', 'tid', 'uid', 'gid', 'threadId'] as const) {
      if (!Number.isSafeInteger(p[k]) || p[k] < 0) throw new CtlError('INVALID_PROTOCOL', `Invalid protocol message: ${k}`);
    }
    if (typeof p.procname !== 'string') throw new CtlError('INVALID_PROTOCOL', 'Invalid protocol message: procname');
    // the kernel says who connected: an app may not pass for another process or user
    // (an app in another pid namespace cannot share its buffers with this daemon anyway)
    const cred = peerCredentials(sock);
    if (cred && (cred.pid !== p.pid || cred.uid !== p.uid)) {
      throw new CtlError('INVALID_PROTOCOL', `Invalid protocol message: pid ${p.pid} uid ${p.uid} claimed by pid ${cred.pid} uid ${cred.uid}`);
    }
    const reg: UstRegisterParams = { ...p, procname: p.procname.slice(0, 16).replace(/[/\0\n]/g, '_'), events: [] };
    const app = new UstApp(this.nextKey++, sock, reg);
    app.declare(checkEvents(p.events, this.log));
    this.apps.set(app.key, app);
    this.bySock.set(sock, app);
    this.log(`app ${reg.procname}[${reg.pid}] thread ${reg.threadId} (tid ${reg.tid}) registered with ${app.events.size} event(s)`);
    // the config goes after the reply (the app expects the reply first)
    setImmediate(() => this.update(app));
    return { appKey: app.key };
  }

  /** the connection closed: the app thread is gone */
  disconnected(sock: net.Socket): void {
    const app = this.bySock.get(sock);
    if (!app) return;
    app.gone = true;
    this.bySock.delete(sock);
    this.apps.delete(app.key);
    for (const [t, w] of this.flushWaits) {
      if (w.app === app) {
        this.flushWaits.delete(t);
        w.resolve();
      }
    }
    for (const c of this.clients) {
      try {
        c.appGone(app);
      } catch (e) {
        this.log(`app ${app.reg.pid} gone: ${(e as Error).message}`);
      }
    }
    this.log(`app ${app.reg.procname}[${app.reg.pid}] thread ${app.reg.threadId} unregistered`);
  }

  private send(app: UstApp, msg: UstPush): void {
    if (app.gone || app.sock.destroyed) return;
    // a slow app must not make the daemon buffer without bound: drop it instead
    if (app.sock.writableLength > 16 << 20) {
      this.log(`app ${app.reg.pid}: not reading its connection, closing it`);
      app.sock.destroy();
      return;
    }
    app.sock.write(JSON.stringify(msg) + '\n');
  }

  /** recomputes and pushes the app's whole desired state */
  update(app: UstApp): void {
    if (app.gone) return;
    const channels: UstChannelConfig[] = [];
    const targets = new Map<string, UstEventTarget[]>();
    for (const c of this.clients) {
      channels.push(...c.channelsFor(app));
      for (const [name, ts] of c.targetsFor(app)) {
        const l = targets.get(name);
        if (l) l.push(...ts);
        else targets.set(name, [...ts]);
      }
    }
    const config: UstAppConfig = {
      generation: ++app.generation,
      channels,
      events: [...targets].map(([name, t]) => ({ name, targets: t })),
    };
    this.send(app, { push: 'ust.config', config });
  }

  updateAll(): void {
    for (const app of this.apps.values()) this.update(app);
  }

  /**
   * Asks the app threads to close their current packets; resolves when every
   * one answered, left, or `timeoutMs` passed (a busy or stuck app is read
   * without its help afterwards).
   */
  flush(which: { app: UstApp; chanKeys: number[] }[], timeoutMs: number): Promise<void> {
    const waits: Promise<void>[] = [];
    const tokens: number[] = [];
    for (const { app, chanKeys } of which) {
      if (app.gone || chanKeys.length === 0) continue;
      const token = this.nextToken++;
      tokens.push(token);
      waits.push(new Promise((resolve) => this.flushWaits.set(token, { app, resolve })));
      this.send(app, { push: 'ust.flush', chanKeys, token });
    }
    if (waits.length === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        for (const tok of tokens) this.flushWaits.delete(tok);
        resolve();
      }, timeoutMs);
      void Promise.all(waits).then(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  /** `lttng list -u`: one entry per process, newest declarations first */
  listing(): UstAppListing[] {
    const byPid = new Map<number, { procname: string; events: Map<string, UstEventDecl> }>();
    for (const app of [...this.apps.values()].sort((a, b) => a.key - b.key)) {
      let e = byPid.get(app.reg.pid);
      if (!e) byPid.set(app.reg.pid, (e = { procname: app.reg.procname, events: new Map() }));
      for (const d of app.events.values()) if (!e.events.has(d.name)) e.events.set(d.name, d);
    }
    return [...byPid].map(([pid, e]) => ({
      pid,
      procname: e.procname,
      events: [...e.events.values()].reverse().map((d) => ({
        name: d.name,
        loglevel: d.loglevel,
        fields: d.fields.flatMap((f) =>
          f.type.type === 'sequence'
            ? [{ name: `_${f.name}_length`, type: 'integer' }, { name: f.name, type: fieldTypeName(f.type) }]
            : [{ name: f.name, type: fieldTypeName(f.type) }],
        ),
      })),
    }));
  }
}

/** the type word `lttng list -u -f` prints */
function fieldTypeName(t: UstTypeDecl): string {
  switch (t.type) {
    case 'integer':
      return 'integer';
    case 'float':
      return 'float';
    case 'string':
      return 'string';
    case 'enum':
      return 'enum';
    case 'array':
    case 'sequence':
      return t.text ? 'string' : 'unknown';
  }
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

function intDecl(t: unknown): boolean {
  const i = t as { type?: unknown; size?: unknown; signed?: unknown; base?: unknown };
  return typeof t === 'object' && t !== null && i.type === 'integer' && [8, 16, 32, 64].includes(i.size as number) && typeof i.signed === 'boolean' && (i.base === 10 || i.base === 16);
}

/** why a type declaration is unusable, or undefined */
function typeProblem(t: UstTypeDecl): string | undefined {
  if (typeof t !== 'object' || t === null) return 'not a type';
  switch (t.type) {
    case 'integer':
      return intDecl(t) ? undefined : 'bad integer';
    case 'float':
      return t.size === 32 || t.size === 64 ? undefined : 'bad float size';
    case 'string':
      return undefined;
    case 'enum':
      if (!intDecl(t.container) || !Array.isArray(t.mappings)) return 'bad enum';
      for (const m of t.mappings) {
        if (typeof m !== 'object' || m === null || typeof m.label !== 'string' || !Number.isSafeInteger(m.start) || !Number.isSafeInteger(m.end) || m.start > m.end) return 'bad enum mapping';
      }
      return undefined;
    case 'array':
      return intDecl(t.element) && Number.isSafeInteger(t.length) && t.length >= 0 && t.length <= 1 << 20 ? undefined : 'bad array';
    case 'sequence':
      return intDecl(t.element) && intDecl(t.lengthType) && !t.lengthType.signed ? undefined : 'bad sequence';
    default:
      return `unknown type ${String((t as { type?: unknown }).type)}`;
  }
}

/** why an event declaration is unusable (it would break the trace's metadata), or undefined */
export function declProblem(e: UstEventDecl): string | undefined {
  if (typeof e !== 'object' || e === null || typeof e.name !== 'string') return 'no name';
  if (e.name === '' || e.name.length > 255 || !/^[\x20-\x7e]+$/.test(e.name) || /["\\]/.test(e.name)) return `bad name ${JSON.stringify(e.name)}`;
  if (!Number.isInteger(e.loglevel) || e.loglevel < 0 || e.loglevel > 14) return 'bad log level';
  if (!Array.isArray(e.fields)) return 'no fields';
  const names = new Set<string>();
  for (const f of e.fields) {
    if (typeof f !== 'object' || f === null || typeof f.name !== 'string' || !IDENT.test(f.name) || names.has(f.name)) return `bad field name ${JSON.stringify((f as { name?: unknown })?.name)}`;
    names.add(f.name);
    const p = typeProblem(f.type);
    if (p) return `field ${f.name}: ${p}`;
  }
  return undefined;
}

/** the usable declarations of a message (the others are logged and ignored: they would break the trace) */
function checkEvents(v: unknown, log: (msg: string) => void): UstEventDecl[] {
  if (!Array.isArray(v)) throw new CtlError('INVALID_PROTOCOL', 'Invalid protocol message: events');
  const ok: UstEventDecl[] = [];
  for (const e of v as UstEventDecl[]) {
    const p = declProblem(e);
    if (p) log(`app event declaration ignored: ${p}`);
    else ok.push(e);
  }
  return ok;
}

/** names of the /dev/shm/ttng-ust-* objects some live process has mapped (another daemon reading a dead app's buffer) */
function mappedUstShm(): Set<string> {
  const out = new Set<string>();
  let pids: string[];
  try {
    pids = fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p));
  } catch {
    return out;
  }
  for (const p of pids) {
    let maps: string;
    try {
      maps = fs.readFileSync(`/proc/${p}/maps`, 'utf8');
    } catch {
      continue;
    }
    for (const m of maps.matchAll(/\/dev\/shm\/(ttng-ust-\d+-\d+-\d+)/g)) out.add(m[1]!);
  }
  return out;
}

/**
 * Removes the app buffers (`/dev/shm/ttng-ust-<pid>-<tid>-<key>`) whose app
 * is dead and that no process maps: left when a daemon was killed before it
 * could read them. Buffers of live apps stay (their app may still be writing),
 * and so do those another daemon (root's, a user's) is still reading.
 * Returns how many were removed.
 */
export function removeStaleShm(dir = '/dev/shm'): number {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return 0;
  }
  let n = 0;
  let mapped: Set<string> | undefined;
  for (const f of names) {
    const m = /^ttng-ust-(\d+)-\d+-\d+$/.exec(f);
    if (!m) continue;
    const pid = Number(m[1]);
    try {
      process.kill(pid, 0);
      continue;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ESRCH') continue;
    }
    mapped ??= mappedUstShm();
    if (mapped.has(f)) continue;
    try {
      fs.unlinkSync(`${dir}/${f}`);
      n++;
    } catch {
      /* not ours, or gone */
    }
  }
  return n;
}
