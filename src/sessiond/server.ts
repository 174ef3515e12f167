// The control socket: newline-delimited JSON requests (src/ctl/protocol.ts),
// answered in order on each connection.
import * as net from 'node:net';
import { CtlError, isErrorCode } from '../ctl/protocol.js';
import type { Method, Params, Request } from '../ctl/protocol.js';
import type { SessionManager } from './sessions.js';
import { clientOf } from './client.js';
import type { Client } from './client.js';
import type { TtngPaths } from '../ctl/paths.js';
import { isUstAppMethod } from '../ust-consumer/apps.js';

/** one request line may not exceed this */
const MAX_LINE = 4 << 20;

type Handler = (m: SessionManager, p: never, c: Client) => unknown;

function h<M extends Method>(fn: (m: SessionManager, p: Params<M>, c: Client) => unknown): Handler {
  return fn as Handler;
}

const HANDLERS: { [M in Method]: Handler } = {
  'daemon.info': h<'daemon.info'>((m) => m.info()),
  'session.create': h<'session.create'>((m, p, c) => m.create(p, c)),
  'session.destroy': h<'session.destroy'>((m, p, c) => m.destroy(p, c)),
  'session.start': h<'session.start'>((m, p, c) => m.start(p, c)),
  'session.stop': h<'session.stop'>((m, p, c) => m.stop(p, c)),
  'session.dataPending': h<'session.dataPending'>((m, p, c) => m.dataPending(p, c)),
  'session.list': h<'session.list'>((m, _p, c) => m.list(c)),
  'session.get': h<'session.get'>((m, p, c) => m.detail(p, c)),
  'channel.enable': h<'channel.enable'>((m, p, c) => m.enableChannel(p, c)),
  'event.enable': h<'event.enable'>((m, p, c) => m.enableEvent(p, c)),
  'event.disable': h<'event.disable'>((m, p, c) => m.disableEvent(p, c)),
  'context.add': h<'context.add'>((m, p, c) => m.addContext(p, c)),
  'kernel.listTracepoints': h<'kernel.listTracepoints'>((m) => m.listTracepoints()),
  'kernel.listSyscalls': h<'kernel.listSyscalls'>((m) => m.listSyscalls()),
  'ust.listTracepoints': h<'ust.listTracepoints'>((m) => m.listUstTracepoints()),
  'session.save': h<'session.save'>((m, p, c) => m.save(p, c)),
  'session.load': h<'session.load'>((m, p, c) => m.load(p, c)),
  'snapshot.record': h<'snapshot.record'>((m, p, c) => m.snapshotRecord(p, c)),
  'snapshot.addOutput': h<'snapshot.addOutput'>((m, p, c) => m.snapshotAddOutput(p, c)),
  'snapshot.listOutputs': h<'snapshot.listOutputs'>((m, p, c) => m.snapshotListOutputs(p, c)),
  'snapshot.delOutput': h<'snapshot.delOutput'>((m, p, c) => m.snapshotDelOutput(p, c)),
  'session.rotate': h<'session.rotate'>((m, p, c) => m.rotate(p, c)),
  'rotation.enable': h<'rotation.enable'>((m, p, c) => m.enableRotation(p, c)),
  'rotation.disable': h<'rotation.disable'>((m, p, c) => m.disableRotation(p, c)),
  'session.clear': h<'session.clear'>((m, p, c) => m.clear(p, c)),
};

export class ControlServer {
  private readonly server: net.Server;
  private readonly conns = new Set<net.Socket>();

  constructor(
    private readonly manager: SessionManager,
    private readonly log: (msg: string) => void,
    private readonly paths: TtngPaths,
  ) {
    this.server = net.createServer((sock) => this.onConnection(sock));
  }

  listen(socketPath: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(socketPath, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
  }

  close(): Promise<void> {
    for (const c of this.conns) c.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private onConnection(sock: net.Socket): void {
    this.conns.add(sock);
    // who this connection speaks for, from the kernel (SO_PEERCRED), once
    let client: Client | undefined;
    const who = (): Client => (client ??= clientOf(sock, this.paths));
    sock.setEncoding('utf8');
    let buf = '';
    let chain: Promise<void> = Promise.resolve();
    sock.on('data', (d: string) => {
      buf += d;
      if (buf.length > MAX_LINE && buf.indexOf('\n') < 0) {
        sock.destroy();
        return;
      }
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (!line.trim()) continue;
        chain = chain.then(() => this.handleLine(sock, line, who));
      }
    });
    sock.on('error', () => undefined);
    sock.on('close', () => {
      this.conns.delete(sock);
      this.manager.ustApps.disconnected(sock);
    });
  }

  private async handleLine(sock: net.Socket, line: string, who: () => Client): Promise<void> {
    let id = 0;
    let reply: string;
    try {
      let req: Request;
      try {
        req = JSON.parse(line) as Request;
      } catch {
        throw new CtlError('INVALID_PROTOCOL', 'Invalid protocol message: not JSON');
      }
      if (typeof req !== 'object' || req === null || typeof req.id !== 'number' || typeof req.method !== 'string') {
        throw new CtlError('INVALID_PROTOCOL');
      }
      id = req.id;
      const params0 = (typeof req.params === 'object' && req.params !== null ? req.params : {}) as Record<string, unknown>;
      // traced apps (src/ust/protocol.ts) speak on the same socket and stay connected
      const method: string = req.method;
      if (isUstAppMethod(method)) {
        const result = this.manager.ustApps.request(sock, method, params0);
        if (!sock.destroyed) sock.write(JSON.stringify({ id, result: result ?? {} }) + '\n');
        return;
      }
      const handler = Object.prototype.hasOwnProperty.call(HANDLERS, req.method) ? HANDLERS[req.method] : undefined;
      if (!handler) throw new CtlError('UNKNOWN_METHOD', `Unknown command ${req.method}`);
      const params = (typeof req.params === 'object' && req.params !== null ? req.params : {}) as never;
      const result = await handler(this.manager, params, who());
      reply = JSON.stringify({ id, result: result ?? {} });
    } catch (e) {
      let err: CtlError;
      if (e instanceof CtlError && isErrorCode(e.code)) err = e;
      else {
        this.log(`internal error: ${(e as Error)?.stack ?? String(e)}`);
        err = new CtlError('FATAL', `Fatal error of the session daemon: ${(e as Error)?.message ?? String(e)}`);
      }
      reply = JSON.stringify({ id, error: err.toWire() });
    }
    if (!sock.destroyed) sock.write(reply + '\n');
  }
}
