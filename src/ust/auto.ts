// `ttng/auto`: zero-code tracing of a Node.js app. Loaded with
// `node --import ttng/auto app.js` (or NODE_OPTIONS="--import ttng/auto"), it
// turns Node's own diagnostics_channel messages into ttng/ust events: HTTP
// server and client requests, undici (fetch), net connections, worker threads,
// uncaught exceptions. It never changes what the app sees: handlers only read
// the messages, never throw, and do nothing while their event is disabled.
import dc from 'node:diagnostics_channel';
import type { ClientRequest, IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { provider, ready, UstEvent } from './index.js';
import { crashSnapshot } from './crash-snapshot.js';

const http = provider('nodejs_http');
const net = provider('nodejs_net');
const undici = provider('nodejs_undici');
const worker = provider('nodejs_worker');
const proc = provider('nodejs_process');

/** the events ttng/auto declares, by diagnostics_channel source */
export const autoEvents = {
  serverRequestStart: http.event('server_request_start', [['id', 'u64'], ['method', 'string'], ['url', 'string'], ['remote_addr', 'string'], ['remote_port', 'u16']], { loglevel: 'INFO' }),
  serverResponseFinish: http.event('server_response_finish', [['id', 'u64'], ['method', 'string'], ['url', 'string'], ['status', 'u16'], ['duration_ns', 'u64']], { loglevel: 'INFO' }),
  clientRequestStart: http.event('client_request_start', [['id', 'u64'], ['method', 'string'], ['host', 'string'], ['path', 'string']], { loglevel: 'INFO' }),
  clientResponseFinish: http.event('client_response_finish', [['id', 'u64'], ['method', 'string'], ['host', 'string'], ['path', 'string'], ['status', 'u16'], ['duration_ns', 'u64']], { loglevel: 'INFO' }),
  clientRequestError: http.event('client_request_error', [['id', 'u64'], ['method', 'string'], ['host', 'string'], ['path', 'string'], ['error', 'string']], { loglevel: 'ERR' }),
  netServerSocket: net.event('server_socket', [['remote_addr', 'string'], ['remote_port', 'u16'], ['local_port', 'u16']], { loglevel: 'DEBUG_SYSTEM' }),
  netClientConnect: net.event('client_connect', [['remote_addr', 'string'], ['remote_port', 'u16'], ['local_port', 'u16']], { loglevel: 'DEBUG_SYSTEM' }),
  undiciRequestCreate: undici.event('request_create', [['id', 'u64'], ['method', 'string'], ['origin', 'string'], ['path', 'string']], { loglevel: 'INFO' }),
  undiciRequestHeaders: undici.event('request_headers', [['id', 'u64'], ['method', 'string'], ['origin', 'string'], ['path', 'string'], ['status', 'u16'], ['duration_ns', 'u64']], { loglevel: 'INFO' }),
  undiciRequestError: undici.event('request_error', [['id', 'u64'], ['method', 'string'], ['origin', 'string'], ['path', 'string'], ['error', 'string']], { loglevel: 'ERR' }),
  workerCreate: worker.event('create', [['thread_id', 'u32']], { loglevel: 'INFO' }),
  uncaughtException: proc.event('uncaught_exception', [['name', 'string'], ['message', 'string'], ['origin', 'string']], { loglevel: 'CRIT' }),
} as const;

/** per-request id and start time, so start and finish events pair up */
interface Started {
  id: number;
  t0: bigint;
}
const started = new WeakMap<object, Started>();
let nextId = 1;

function begin(key: object): Started {
  const s = { id: nextId++, t0: process.hrtime.bigint() };
  started.set(key, s);
  return s;
}

function since(s: Started | undefined): bigint {
  return s ? process.hrtime.bigint() - s.t0 : 0n;
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v);
}

function port(v: unknown): number {
  return typeof v === 'number' && v >= 0 && v <= 0xffff ? v : 0;
}

function errText(e: unknown): string {
  if (e instanceof Error) return `${e.name}: ${e.message}`;
  return str(e);
}

/** a handler that can never disturb the app (nothing it throws escapes) */
function guard<M>(fn: (m: M) => void): (m: unknown) => void {
  return (m) => {
    try {
      fn(m as M);
    } catch {
      /* tracing never hurts the traced */
    }
  };
}

function on<M>(channel: string, fn: (m: M) => void): void {
  dc.subscribe(channel, guard(fn));
}

function anyEnabled(...evs: UstEvent<never>[]): boolean {
  for (const e of evs) if (e.enabled) return true;
  return false;
}

const E = autoEvents;

on<{ request: IncomingMessage; socket: Socket }>('http.server.request.start', ({ request, socket }) => {
  if (!anyEnabled(E.serverRequestStart as UstEvent<never>, E.serverResponseFinish as UstEvent<never>)) return;
  const s = begin(request);
  if (E.serverRequestStart.enabled) E.serverRequestStart.emit(s.id, str(request.method), str(request.url), str(socket?.remoteAddress), port(socket?.remotePort));
});

on<{ request: IncomingMessage; response: ServerResponse }>('http.server.response.finish', ({ request, response }) => {
  if (!E.serverResponseFinish.enabled) return;
  const s = started.get(request);
  E.serverResponseFinish.emit(s?.id ?? 0, str(request.method), str(request.url), port(response.statusCode), since(s));
});

function clientHost(req: ClientRequest): string {
  const h = req.getHeader('host');
  return str(Array.isArray(h) ? h[0] : (h ?? req.host));
}

on<{ request: ClientRequest }>('http.client.request.start', ({ request }) => {
  if (!anyEnabled(E.clientRequestStart as UstEvent<never>, E.clientResponseFinish as UstEvent<never>, E.clientRequestError as UstEvent<never>)) return;
  const s = begin(request);
  if (E.clientRequestStart.enabled) E.clientRequestStart.emit(s.id, str(request.method), clientHost(request), str(request.path));
});

on<{ request: ClientRequest; response: IncomingMessage }>('http.client.response.finish', ({ request, response }) => {
  if (!E.clientResponseFinish.enabled) return;
  const s = started.get(request);
  E.clientResponseFinish.emit(s?.id ?? 0, str(request.method), clientHost(request), str(request.path), port(response.statusCode), since(s));
});

on<{ request: ClientRequest; error: unknown }>('http.client.request.error', ({ request, error }) => {
  if (!E.clientRequestError.enabled) return;
  const s = started.get(request);
  E.clientRequestError.emit(s?.id ?? 0, str(request.method), clientHost(request), str(request.path), errText(error));
});

on<{ socket: Socket }>('net.server.socket', ({ socket }) => {
  if (E.netServerSocket.enabled) E.netServerSocket.emit(str(socket.remoteAddress), port(socket.remotePort), port(socket.localPort));
});

on<{ socket: Socket }>('net.client.socket', ({ socket }) => {
  // the socket is not connected yet: its peer is known at 'connect'
  if (!E.netClientConnect.enabled) return;
  socket.once('connect', () => {
    try {
      if (E.netClientConnect.enabled) E.netClientConnect.emit(str(socket.remoteAddress), port(socket.remotePort), port(socket.localPort));
    } catch {
      /* never disturb the app */
    }
  });
});

/** undici's request object (undici:request:* messages) */
interface UndiciRequest {
  method?: string;
  origin?: unknown;
  path?: string;
}

on<{ request: UndiciRequest }>('undici:request:create', ({ request }) => {
  if (!anyEnabled(E.undiciRequestCreate as UstEvent<never>, E.undiciRequestHeaders as UstEvent<never>, E.undiciRequestError as UstEvent<never>)) return;
  const s = begin(request);
  if (E.undiciRequestCreate.enabled) E.undiciRequestCreate.emit(s.id, str(request.method), str(request.origin), str(request.path));
});

on<{ request: UndiciRequest; response: { statusCode?: number } }>('undici:request:headers', ({ request, response }) => {
  if (!E.undiciRequestHeaders.enabled) return;
  const s = started.get(request);
  E.undiciRequestHeaders.emit(s?.id ?? 0, str(request.method), str(request.origin), str(request.path), port(response?.statusCode), since(s));
});

on<{ request: UndiciRequest; error: unknown }>('undici:request:error', ({ request, error }) => {
  if (!E.undiciRequestError.enabled) return;
  const s = started.get(request);
  E.undiciRequestError.emit(s?.id ?? 0, str(request.method), str(request.origin), str(request.path), errText(error));
});

on<{ worker: { threadId: number } }>('worker_threads', ({ worker: w }) => {
  if (E.workerCreate.enabled) E.workerCreate.emit(w.threadId >>> 0);
});

// The monitor sees the exception before Node decides to exit, and changes
// nothing about that decision. A fatal one also asks the daemon for a
// snapshot of every snapshot session (the flight recorder's crash dump).
process.on('uncaughtExceptionMonitor', (err, origin) => {
  try {
    const e = err as unknown;
    const name = e instanceof Error ? e.name : typeof e;
    const message = e instanceof Error ? e.message : str(e);
    if (E.uncaughtException.enabled) E.uncaughtException.emit(name, message, str(origin));
    // with a handler the app survives: no crash dump
    if (process.listenerCount('uncaughtException') === 0) crashSnapshot();
  } catch {
    /* never disturb the app */
  }
});

// As LTTng-UST's constructor does, hold the app's start (this module is loaded
// with --import, before the app's main module) until the daemon has said which
// events are enabled, so the app's first requests are recorded: at most
// TTNG_UST_REGISTER_TIMEOUT ms (3000), at once when no daemon runs.
await ready();
