// The registration client: one connection per JS thread to the session
// daemon's control socket (newline-delimited JSON, as the CLI's). It registers
// the thread's events, converges to each `ust.config` push and answers
// `ust.flush`. It never keeps the process alive (socket and timers unref'ed),
// never throws into the app, and with no daemon it retries quietly.
import * as net from 'node:net';
import * as fs from 'node:fs';
import { threadId } from 'node:worker_threads';
import { clientSocketCandidates } from '../ctl/paths.js';
import { VERSION } from '../ctl/version.js';
import type { UstAppConfig, UstEventDecl, UstMethods, UstPush, UstRegisterParams } from './protocol.js';
import { applyConfig, dropAll, events, flushChannels, forgetOrphans, procname, setSink, threadTid } from './runtime.js';

/** how often a thread looks for a daemon when it has none (ms) */
export const RETRY_MS = 3000;

let sock: net.Socket | undefined;
let appKey: number | undefined;
let nextId = 1;
let timer: NodeJS.Timeout | undefined;
let started = false;
let stopped = false;
let buffered = '';
let connecting = false;
/** the control socket of the daemon this thread talks to (or last tried) */
let sockPath: string | undefined;
/** declarations made before the registration answer came back */
let pendingDecl: UstEventDecl[] = [];
/** buffers created before the registration answer came back */
let pendingReady: { chanKey: number; shmName?: string; error?: string }[] = [];
/** state for tests and `status()` */
export const stats = { connects: 0, configs: 0, lastGeneration: -1, errors: 0 };

function send<M extends keyof UstMethods>(method: M, params: UstMethods[M]['params']): void {
  const s = sock;
  if (!s || s.destroyed || !s.writable) return;
  try {
    s.write(JSON.stringify({ id: nextId++, method, params }) + '\n');
  } catch {
    stats.errors++;
  }
}

/** first attempt over: a config applied, or no daemon to be had (see registrationSettled) */
let firstAttemptDone = false;
const settleWaiters: (() => void)[] = [];

function settle(): void {
  if (firstAttemptDone) return;
  firstAttemptDone = true;
  for (const w of settleWaiters.splice(0)) w();
}

/**
 * Resolves once this thread's first attempt to register is over: its first
 * config from a daemon is applied (the events enabled then record from now
 * on), or there is no daemon to reach, or `timeoutMs` passed. LTTng-UST's
 * constructor waits the same way (LTTNG_UST_REGISTER_TIMEOUT) so that an
 * app's first events are not lost to the registration round trip.
 */
export function registrationSettled(timeoutMs: number): Promise<void> {
  if (firstAttemptDone || !started || timeoutMs === 0) return Promise.resolve();
  return new Promise((resolve) => {
    // a ref'ed timer keeps the process alive meanwhile (the connection is unref'ed, and a
    // pending top-level await alone does not); a negative timeout waits as long as it
    // takes (as LTTNG_UST_REGISTER_TIMEOUT=-1)
    const t = timeoutMs > 0 ? setTimeout(resolve, timeoutMs) : setInterval(() => {}, 1 << 30);
    settleWaiters.push(() => {
      clearTimeout(t);
      resolve();
    });
  });
}

/** TTNG_UST_REGISTER_TIMEOUT (ms; 0: do not wait, -1: wait as long as it takes), default 3000 as LTTng-UST's */
export function registerTimeoutMs(env: NodeJS.ProcessEnv = process.env): number {
  const v = env['TTNG_UST_REGISTER_TIMEOUT'];
  const n = v === undefined || v.trim() === '' ? NaN : Number(v);
  return Number.isInteger(n) && n >= -1 ? n : 3000;
}

function schedule(): void {
  settle();
  if (stopped || timer) return;
  timer = setTimeout(() => {
    timer = undefined;
    connect();
  }, RETRY_MS);
  timer.unref();
}

function lost(): void {
  if (sock) {
    sock.removeAllListeners();
    sock.on('error', () => {});
    sock.destroy();
  }
  sock = undefined;
  appKey = undefined;
  buffered = '';
  connecting = false;
  pendingDecl = [];
  pendingReady = [];
  // stop emitting; the buffers stay for a reader to drain
  try {
    dropAll();
  } catch {
    stats.errors++;
  }
  schedule();
}

function onLine(line: string): void {
  let msg: unknown;
  try {
    msg = JSON.parse(line);
  } catch {
    return;
  }
  if (msg === null || typeof msg !== 'object') return;
  const m = msg as { id?: number; result?: { appKey?: number }; error?: unknown } & Partial<UstPush>;
  if (m.push === 'ust.config') {
    stats.configs++;
    const cfg = (m as { config: UstAppConfig }).config;
    if (!cfg || typeof cfg !== 'object' || cfg.generation <= stats.lastGeneration) return;
    stats.lastGeneration = cfg.generation;
    applyConfig(cfg);
    settle();
    return;
  }
  if (m.push === 'ust.flush') {
    const f = m as { chanKeys: number[]; token: number };
    const done = flushChannels(Array.isArray(f.chanKeys) ? f.chanKeys : []);
    if (appKey !== undefined) send('ust.flushed', { appKey, chanKeys: done, token: f.token });
    return;
  }
  if (m.id === 1 && m.result && typeof m.result.appKey === 'number') {
    appKey = m.result.appKey;
    if (pendingDecl.length) send('ust.declare', { appKey, events: pendingDecl });
    pendingDecl = [];
    for (const r of pendingReady) send('ust.channelReady', { appKey, ...r });
    pendingReady = [];
    return;
  }
  if (m.id === 1 && m.error) {
    // refused (old daemon, no UST support): try again later
    lost();
  }
}

function connect(): void {
  if (stopped || sock || connecting) return;
  const candidates = clientSocketCandidates();
  const path0 = candidates.find((p) => {
    try {
      return fs.statSync(p).isSocket();
    } catch {
      return false;
    }
  });
  if (!path0) {
    schedule();
    return;
  }
  connecting = true;
  const s = net.createConnection(path0);
  sock = s;
  sockPath = path0;
  s.unref();
  s.setEncoding('utf8');
  s.on('error', () => {
    if (sock === s) lost();
  });
  s.on('close', () => {
    if (sock === s) lost();
  });
  s.on('connect', () => {
    connecting = false;
    stats.connects++;
    nextId = 1;
    stats.lastGeneration = -1;
    forgetOrphans();
    const params: UstRegisterParams = {
      pid: process.pid, ppid: process.ppid, tid: threadTid(), uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0,
      procname: procname(), threadId, events: [...events.values()].map((e) => e.decl), version: VERSION,
    };
    send('ust.register', params);
  });
  s.on('data', (chunk: string) => {
    buffered += chunk;
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      try {
        onLine(line);
      } catch {
        stats.errors++;
      }
      if (sock !== s) return;
    }
  });
}

/** starts looking for the daemon (once per thread); TTNG_UST_DISABLE=1 turns it off */
export function startRegistration(): void {
  if (started) return;
  started = true;
  if (process.env['TTNG_UST_DISABLE']) {
    settle();
    return;
  }
  setSink({
    channelReady(chanKey, shmName, error) {
      const r = { chanKey, ...(shmName ? { shmName } : {}), ...(error ? { error } : {}) };
      if (appKey === undefined) pendingReady.push(r);
      else send('ust.channelReady', { appKey, ...r });
    },
    declared(evs) {
      if (!sock) return;
      if (appKey === undefined) {
        // the register message (if not sent yet) carries them; otherwise send after the answer
        if (!connecting) pendingDecl.push(...evs);
        return;
      }
      send('ust.declare', { appKey, events: evs });
    },
  });
  try {
    connect();
  } catch {
    schedule();
  }
}

/** stops the client (tests): closes the connection and drops every buffer */
export function stopRegistration(): void {
  stopped = true;
  if (timer) clearTimeout(timer);
  timer = undefined;
  if (sock) lost();
}

export function isRegistered(): boolean {
  return appKey !== undefined;
}

/** the control socket of the daemon this thread is registered with */
export function registeredSocket(): string | undefined {
  return appKey !== undefined ? sockPath : undefined;
}
