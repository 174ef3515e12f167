// The per-thread tracing state of `ttng/ust` (ES modules are instantiated once
// per thread, so every worker gets its own): the declared events, the buffers
// this thread writes, and convergence to the daemon's `ust.config`.
import { threadId } from 'node:worker_threads';
import * as fs from 'node:fs';
import { RingBufferProducer } from '../ringbuffer/producer.js';
import { shmName } from '../ringbuffer/layout.js';
import { ShmError, gettid, pthreadSelf, schedGetcpu, unlinkShm } from '../ringbuffer/shm.js';
import { uuidFromString } from '../ctf/model.js';
import { parseFilter, evaluateFilter, type FilterNode, type FilterValue } from '../filter/filter.js';
import { CONTEXT_BYTES } from './contexts.js';
import type { UstAppConfig, UstChannelConfig, UstContextName, UstEventDecl, UstFieldDecl } from './protocol.js';
import { generateContextWriter, generateEmit, setCpuReader, type ContextWriter, type EmitFn, type EmitState, type Target } from './writer-gen.js';

export interface EventEntry {
  decl: UstEventDecl;
  st: EmitState;
  emit: EmitFn;
}

interface Channel {
  cfg: UstChannelConfig;
  p: RingBufferProducer;
  ctx: Uint8Array | null;
  cpuOff: number;
  wctx: ContextWriter | null;
  ctxValues: Record<string, FilterValue>;
  /** the channel's switch timer (closes the current packet periodically), unref'ed */
  timer?: NodeJS.Timeout;
}

function startSwitchTimer(ch: Channel): void {
  if (ch.timer) clearInterval(ch.timer);
  ch.timer = undefined;
  const us = ch.cfg.switchTimerUs;
  if (!(us > 0)) return;
  ch.timer = setInterval(() => {
    try {
      ch.p.flush();
    } catch {
      /* never throw from a timer */
    }
  }, Math.max(1, Math.round(us / 1000)));
  ch.timer.unref();
}

function releaseChannel(ch: Channel): void {
  if (ch.timer) clearInterval(ch.timer);
  ch.timer = undefined;
  ch.p.release();
}

/** what the runtime tells the daemon (sent by the registration client when connected) */
export interface RuntimeSink {
  channelReady(chanKey: number, shmName: string | undefined, error: string | undefined): void;
  declared(events: UstEventDecl[]): void;
}

export const events = new Map<string, EventEntry>();
const channels = new Map<number, Channel>();
/** buffers released after the daemon went away: unlinked at exit if nobody read them */
const orphans = new Set<string>();
let sink: RuntimeSink | undefined;
let exitHook = false;

export function setSink(s: RuntimeSink | undefined): void {
  sink = s;
}

export function declare(decl: UstEventDecl): EventEntry {
  const st: EmitState = { t: null, errors: 0 };
  const e: EventEntry = { decl, st, emit: generateEmit(decl.fields, st) };
  events.set(decl.name, e);
  sink?.declared([decl]);
  return e;
}

export function procname(): string {
  try {
    return fs.readFileSync('/proc/self/comm', 'utf8').trim();
  } catch {
    return process.title.slice(0, 15);
  }
}

let tidCache: number | undefined;
export function threadTid(): number {
  if (tidCache === undefined) {
    try {
      tidCache = gettid();
    } catch {
      tidCache = threadId === 0 ? process.pid : process.pid + threadId;
    }
  }
  return tidCache;
}

function contextBytes(contexts: readonly UstContextName[]): { ctx: Uint8Array | null; cpuOff: number; values: Record<string, FilterValue> } {
  const values: Record<string, FilterValue> = {
    vpid: process.pid, vtid: threadTid(), procname: procname(), vuid: process.getuid?.() ?? 0, vgid: process.getgid?.() ?? 0, ip: 0,
  };
  if (!contexts.length) return { ctx: null, cpuOff: -1, values };
  const len = contexts.reduce((n, c) => n + CONTEXT_BYTES[c], 0);
  const b = Buffer.alloc(len);
  let o = 0;
  let cpuOff = -1;
  for (const c of contexts) {
    switch (c) {
      case 'vpid':
        b.writeInt32LE(process.pid, o);
        break;
      case 'vtid':
        b.writeInt32LE(threadTid(), o);
        break;
      case 'procname':
        b.write((values.procname as string).slice(0, 16), o, 16, 'utf8');
        break;
      case 'pthread_id': {
        let v = 0n;
        try {
          v = pthreadSelf();
        } catch {
          /* no libc: 0 */
        }
        b.writeBigUInt64LE(v, o);
        values.pthread_id = v;
        break;
      }
      case 'ip':
        break; // no instruction pointer in JavaScript
      case 'vuid':
        b.writeUInt32LE((values.vuid as number) >>> 0, o);
        break;
      case 'vgid':
        b.writeUInt32LE((values.vgid as number) >>> 0, o);
        break;
      case 'cpu_id':
        cpuOff = o;
        setCpuReader(schedGetcpu);
        break;
    }
    o += CONTEXT_BYTES[c];
  }
  return { ctx: new Uint8Array(b), cpuOff, values };
}

/** a value as the filter sees it (text arrays as strings, others as they are) */
function filterValue(f: UstFieldDecl, v: unknown): FilterValue | undefined {
  const t = f.type;
  if (t.type === 'string' || ((t.type === 'array' || t.type === 'sequence') && t.text)) return typeof v === 'string' ? v : String(v);
  if (t.type === 'array' || t.type === 'sequence') {
    if (v === null || typeof v !== 'object') return undefined;
    return Array.from(v as ArrayLike<number | bigint>, (x) => (typeof x === 'bigint' ? BigInt.asIntN(64, x) : Number(x)));
  }
  // LTTng's filter loads every integer as int64 (a u64 of 2^64-1 equals 0xFFFFFFFFFFFFFFFF and -1)
  if (typeof v === 'bigint') return BigInt.asIntN(64, v);
  if (typeof v === 'number') return v;
  return undefined;
}

function makeFilter(decl: UstEventDecl, filters: string[] | null, ctxValues: Record<string, FilterValue>): ((args: unknown[]) => boolean) | null {
  if (filters === null) return null;
  const nodes: FilterNode[] = [];
  for (const f of filters) {
    try {
      nodes.push(parseFilter(f));
    } catch {
      /* the daemon checked it; an expression we cannot parse records nothing */
    }
  }
  const index = new Map(decl.fields.map((f, i) => [f.name, i]));
  return (args) => {
    const env = {
      payload: (name: string): FilterValue | undefined => {
        const i = index.get(name);
        return i === undefined ? undefined : filterValue(decl.fields[i]!, args[i]);
      },
      context: (name: string): FilterValue | undefined => ctxValues[name],
    };
    for (const n of nodes) if (evaluateFilter(n, env)) return true;
    return false;
  };
}

function createChannel(c: UstChannelConfig): Channel | string {
  const uuid = uuidFromString(c.uuid.length === 32 ? c.uuid.replace(/^(.{8})(.{4})(.{4})(.{4})/, '$1-$2-$3-$4-') : c.uuid);
  if (!uuid) return `bad trace uuid ${JSON.stringify(c.uuid)}`;
  const name = shmName(process.pid, threadTid(), c.chanKey);
  const rb = {
    subbufSize: c.subbufSize, numSubbuf: c.numSubbuf, overwrite: c.overwrite, uuid, streamId: c.streamClassId,
    streamInstanceId: c.streamInstanceId, cpuId: c.streamInstanceId, chanKey: c.chanKey,
  };
  let p: RingBufferProducer;
  try {
    try {
      p = RingBufferProducer.create(name, rb, process.pid, threadTid());
    } catch (e) {
      // a stale object of a dead process that had our pid and tid
      if (!(e instanceof ShmError) || e.code !== 'EEXIST') throw e;
      unlinkShm(name);
      p = RingBufferProducer.create(name, rb, process.pid, threadTid());
    }
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
  const { ctx, cpuOff, values } = contextBytes(c.contexts);
  return { cfg: c, p, ctx, cpuOff, wctx: ctx ? generateContextWriter(ctx, cpuOff) : null, ctxValues: values };
}

function installExitHook(): void {
  if (exitHook) return;
  exitHook = true;
  process.on('exit', () => {
    // close the current packets so the daemon finds them complete
    for (const ch of channels.values()) {
      try {
        releaseChannel(ch);
      } catch {
        /* never fail an exit */
      }
    }
    for (const name of orphans) {
      try {
        unlinkShm(name);
      } catch {
        /* gone */
      }
    }
  });
}

/** converges to the daemon's desired state */
export function applyConfig(cfg: UstAppConfig): void {
  const keep = new Set(cfg.channels.map((c) => c.chanKey));
  const targetsFor = new Map(cfg.events.map((e) => [e.name, e.targets]));
  // stop emitting into buffers about to go
  for (const e of events.values()) e.st.t = null;
  for (const [key, ch] of channels) {
    if (keep.has(key)) continue;
    channels.delete(key);
    releaseChannel(ch);
  }
  for (const c of cfg.channels) {
    const have = channels.get(c.chanKey);
    if (have) {
      if (have.cfg.contexts.join() !== c.contexts.join()) {
        const cb = contextBytes(c.contexts);
        have.ctx = cb.ctx;
        have.cpuOff = cb.cpuOff;
        have.wctx = cb.ctx ? generateContextWriter(cb.ctx, cb.cpuOff) : null;
        have.ctxValues = cb.values;
      }
      const timerChanged = have.cfg.switchTimerUs !== c.switchTimerUs;
      have.cfg = c;
      if (timerChanged) startSwitchTimer(have);
      continue;
    }
    const ch = createChannel(c);
    if (typeof ch === 'string') {
      sink?.channelReady(c.chanKey, undefined, ch);
      continue;
    }
    channels.set(c.chanKey, ch);
    startSwitchTimer(ch);
    installExitHook();
    sink?.channelReady(c.chanKey, ch.p.name, undefined);
  }
  for (const [name, e] of events) {
    const ts = targetsFor.get(name);
    if (!ts) continue;
    const list: Target[] = [];
    for (const t of ts) {
      const ch = channels.get(t.chanKey);
      if (!ch) continue;
      list.push({
        p: ch.p, id: t.id, wctx: ch.wctx, ctxLen: ch.ctx ? ch.ctx.length : 0,
        filter: makeFilter(e.decl, t.filters, ch.ctxValues),
      });
    }
    e.st.t = list.length ? list : null;
  }
}

/** closes the current packet of these buffers (ust.flush) */
export function flushChannels(chanKeys: number[]): number[] {
  const done: number[] = [];
  for (const k of chanKeys) {
    const ch = channels.get(k);
    if (!ch) continue;
    ch.p.flush();
    done.push(k);
  }
  return done;
}

/** the daemon is gone: stop emitting, release every buffer (the names stay for a reader) */
export function dropAll(): void {
  for (const e of events.values()) e.st.t = null;
  for (const ch of channels.values()) {
    releaseChannel(ch);
    orphans.add(ch.p.name);
  }
  channels.clear();
}

/** a new daemon connection: buffers of the previous one that nobody claimed go */
export function forgetOrphans(): void {
  for (const name of orphans) {
    try {
      unlinkShm(name);
    } catch {
      /* gone */
    }
  }
  orphans.clear();
}

/** for tests and stats: the producers of this thread */
export function producers(): RingBufferProducer[] {
  return [...channels.values()].map((c) => c.p);
}
