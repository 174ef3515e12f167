// Client of ttng-sessiond's control socket: what the CLI uses, and what any
// program importing `ttng/ctl` gets.
import * as net from 'node:net';
import * as fs from 'node:fs';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { CtlError, isErrorCode } from './protocol.js';
import type { Method, Params, Result, Response, SessionDetail, SessionSummary, ChannelAttributes, ChannelInfo, EventKind, EventRuleInfo, DaemonInfo, DomainType } from './protocol.js';
import { clientSocketCandidates, getUid, ttngPaths } from './paths.js';

export interface ConnectOptions {
  /** a socket path; default: the one this user's daemon listens on (see paths.ts) */
  socket?: string;
  /** start a daemon when none answers (as `lttng create` does) */
  autostart?: boolean;
  /** called just before a daemon is started */
  onSpawn?: () => void;
  env?: NodeJS.ProcessEnv;
}

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
}

/** the bin script of the daemon (TTNG_SESSIOND_PATH overrides it) */
export function sessiondScript(env: NodeJS.ProcessEnv = process.env): string {
  return env['TTNG_SESSIOND_PATH'] || fileURLToPath(new URL('../../bin/ttng-sessiond.js', import.meta.url));
}

function connectTo(socketPath: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.createConnection({ path: socketPath });
    const onError = (e: Error): void => {
      s.destroy();
      reject(e);
    };
    s.once('error', onError);
    s.once('connect', () => {
      s.off('error', onError);
      resolve(s);
    });
  });
}

function connectError(e: unknown, socketPath: string): CtlError {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'EACCES' || code === 'EPERM') {
    return new CtlError(
      'NO_SESSIOND',
      `Permission denied on ${socketPath}: only root and members of the "tracing" group may use the root session daemon`,
    );
  }
  return new CtlError('NO_SESSIOND');
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Starts `ttng-sessiond -d` and waits until it has daemonized. */
export function spawnDaemon(env: NodeJS.ProcessEnv = process.env): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [sessiondScript(env), '--daemonize'], {
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

export class TtngClient {
  private buf = '';
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private closedError: Error | undefined;

  private constructor(
    private readonly sock: net.Socket,
    /** the socket this client is connected to */
    readonly socketPath: string,
  ) {
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => this.onData(d));
    const fail = (e: Error): void => {
      this.closedError = e;
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
    };
    sock.on('error', (e) => fail(new CtlError('NO_SESSIOND', `Lost the connection to the session daemon (${e.message})`)));
    sock.on('close', () => fail(new CtlError('NO_SESSIOND', 'The session daemon closed the connection')));
  }

  /**
   * Connects to the session daemon; with `autostart`, starts one when none
   * answers. Rejects with a CtlError (code NO_SESSIOND) when there is none.
   */
  static async connect(opts: ConnectOptions = {}): Promise<TtngClient> {
    const env = opts.env ?? process.env;
    const candidates = opts.socket ? [opts.socket] : clientSocketCandidates(env);
    let lastErr: unknown;
    for (const p of candidates) {
      try {
        return new TtngClient(await connectTo(p), p);
      } catch (e) {
        lastErr = e;
        // a tracing-group member falls back to its own daemon
      }
    }
    const own = opts.socket ?? ttngPaths(getUid(), env).socket;
    const code = (lastErr as NodeJS.ErrnoException | undefined)?.code;
    if (!opts.autostart || code === 'EACCES' || code === 'EPERM') throw connectError(lastErr, own);
    opts.onSpawn?.();
    const r = await spawnDaemon(env);
    // even when this daemon lost a race with another one, someone listens now
    const deadline = Date.now() + 10_000;
    for (;;) {
      try {
        return new TtngClient(await connectTo(own), own);
      } catch (e) {
        lastErr = e;
      }
      if (Date.now() > deadline || (r.code !== 0 && !fs.existsSync(own))) break;
      await sleep(50);
    }
    const why = r.stderr.trim().split('\n').filter(Boolean).pop();
    if (why) throw new CtlError('NO_SESSIOND', why.replace(/^Error: /, ''));
    throw connectError(lastErr, own);
  }

  private onData(d: string): void {
    this.buf += d;
    let nl: number;
    while ((nl = this.buf.indexOf('\n')) >= 0) {
      const line = this.buf.slice(0, nl);
      this.buf = this.buf.slice(nl + 1);
      if (!line.trim()) continue;
      let msg: Response;
      try {
        msg = JSON.parse(line) as Response;
      } catch {
        continue;
      }
      const p = this.pending.get(msg.id);
      if (!p) continue;
      this.pending.delete(msg.id);
      if (msg.error) {
        const code = isErrorCode(msg.error.code) ? msg.error.code : 'UNK';
        p.reject(new CtlError(code, String(msg.error.message ?? '')));
      } else p.resolve(msg.result);
    }
  }

  /** One request; rejects with a CtlError carrying the daemon's code and message. */
  call<M extends Method>(method: M, params: Params<M>): Promise<Result<M>> {
    if (this.closedError) return Promise.reject(this.closedError);
    const id = this.nextId++;
    return new Promise<Result<M>>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.sock.write(JSON.stringify({ id, method, params }) + '\n');
    });
  }

  close(): void {
    this.sock.end();
    this.sock.destroy();
  }

  // ---- convenience wrappers (same names as liblttng-ctl's) ----

  info(): Promise<DaemonInfo> {
    return this.call('daemon.info', {});
  }
  createSession(name?: string, outputDir?: string): Promise<SessionSummary> {
    return this.call('session.create', { name, outputDir });
  }
  destroySession(name: string): Promise<{ wasActive: boolean }> {
    return this.call('session.destroy', { name });
  }
  startTracing(name: string): Promise<Record<string, never>> {
    return this.call('session.start', { name });
  }
  /** returns once the data is on disk */
  stopTracing(name: string): Promise<Record<string, never>> {
    return this.call('session.stop', { name, wait: true });
  }
  listSessions(): Promise<SessionSummary[]> {
    return this.call('session.list', {});
  }
  getSession(name: string): Promise<SessionDetail> {
    return this.call('session.get', { name });
  }
  enableChannel(session: string, name: string, attributes: Partial<ChannelAttributes> = {}, domain: DomainType = 'kernel'): Promise<ChannelInfo> {
    return this.call('channel.enable', { session, domain, name, attributes });
  }
  enableEvent(
    session: string,
    name: string,
    opts: { kind?: EventKind | 'all'; channel?: string; filter?: string; domain?: DomainType } = {},
  ): Promise<{ channel: string; created: EventRuleInfo[] }> {
    return this.call('event.enable', {
      session,
      domain: opts.domain ?? 'kernel',
      channel: opts.channel,
      kind: opts.kind ?? 'all',
      name,
      filter: opts.filter,
    });
  }
  addContext(session: string, type: string, opts: { channel?: string; domain?: DomainType } = {}): Promise<{ channels: string[] }> {
    return this.call('context.add', { session, domain: opts.domain ?? 'kernel', channel: opts.channel, type });
  }
}

/** Connects, runs `fn`, closes. */
export async function withClient<T>(fn: (c: TtngClient) => Promise<T>, opts: ConnectOptions = {}): Promise<T> {
  const c = await TtngClient.connect(opts);
  try {
    return await fn(c);
  } finally {
    c.close();
  }
}
