// A stand-in for src/kernel/index.ts with the same exports, loaded by the
// session daemon when TTNG_SESSIOND_KERNEL_MODULE names this file: it lets the
// tests check the daemon's own logic (sessions, channels, rules, contexts,
// stop/destroy, stale-instance cleanup) without touching the real kernel.
//
// TTNG_FAKE_KERNEL_STATE=DIR   where "instances" (files named like the ftrace
//                              instances ttng makes) and calls.log go
// TTNG_FAKE_KERNEL_TRACE=DIR   a CTF trace copied into the output at stop
// TTNG_FAKE_DISCARDED=N        events each channel reports as discarded
// TTNG_FAKE_STOP_DELAY_MS=N    how long stop() takes
// TTNG_FAKE_UNAVAILABLE=WHY    kernelTracerAvailable() says no
// TTNG_FAKE_TRACEPOINTS=N      list N made-up tracepoints
import * as fs from 'node:fs';
import * as path from 'node:path';

const STATE = process.env.TTNG_FAKE_KERNEL_STATE;
export const INSTANCE_PREFIX = 'ttng_';
export const KERNEL_CONTEXT_TYPES = ['pid', 'tid', 'ppid', 'procname', 'prio', 'nice', 'vpid', 'vtid', 'vppid', 'hostname'];

function record(call) {
  if (!STATE) return;
  fs.mkdirSync(STATE, { recursive: true });
  fs.appendFileSync(path.join(STATE, 'calls.log'), JSON.stringify({ pid: process.pid, ...call }) + '\n');
}

export function kernelTracerAvailable() {
  const why = process.env.TTNG_FAKE_UNAVAILABLE;
  return why ? { ok: false, reason: why } : { ok: true };
}

export function listKernelTracepoints() {
  const n = Number(process.env.TTNG_FAKE_TRACEPOINTS ?? 0);
  if (n > 0) return Array.from({ length: n }, (_, i) => `fake_tracepoint_${i}`);
  return ['sched_switch', 'sched_wakeup', 'sched_process_fork', 'sched_process_exec', 'irq_handler_entry'];
}

export function listKernelSyscalls() {
  return ['read', 'write', 'openat', 'close'];
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM';
  }
}

export function cleanupStaleInstances() {
  if (!STATE || !fs.existsSync(STATE)) return { instances: 0, uprobes: 0 };
  let n = 0;
  for (const f of fs.readdirSync(STATE)) {
    const m = /^ttng_(\d+)_/.exec(f);
    if (m && !alive(Number(m[1]))) {
      fs.rmSync(path.join(STATE, f), { force: true });
      n++;
    }
  }
  record({ op: 'cleanupStaleInstances', removed: n });
  return { instances: n, uprobes: 0 };
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function createKernelSession(opts) {
  const channels = new Map();
  const instance = (ch) => path.join(STATE ?? '/nonexistent', `ttng_${opts.daemonId}_${opts.sessionName}_${ch}`);
  const discarded = Number(process.env.TTNG_FAKE_DISCARDED ?? 0);
  const stats = () => [...channels.keys()].map((name) => ({ name, discardedEvents: discarded, recordedEvents: 42 }));
  record({ op: 'createKernelSession', opts });
  return {
    addChannel(cfg) {
      if (channels.has(cfg.name)) throw new Error(`channel ${cfg.name} exists`);
      channels.set(cfg.name, { cfg, rules: [], contexts: [] });
      record({ op: 'addChannel', session: opts.sessionName, cfg });
    },
    setEventRules(channel, rules) {
      const c = channels.get(channel);
      if (!c) throw new Error(`no channel ${channel}`);
      c.rules = rules;
      record({ op: 'setEventRules', session: opts.sessionName, channel, rules });
    },
    setContexts(channel, types) {
      const c = channels.get(channel);
      if (!c) throw new Error(`no channel ${channel}`);
      c.contexts = types;
      record({ op: 'setContexts', session: opts.sessionName, channel, types });
    },
    async start() {
      fs.mkdirSync(opts.outputDir, { recursive: true });
      if (STATE) for (const ch of channels.keys()) fs.writeFileSync(instance(ch), '');
      record({ op: 'start', session: opts.sessionName });
    },
    async stop() {
      await sleep(Number(process.env.TTNG_FAKE_STOP_DELAY_MS ?? 0));
      const src = process.env.TTNG_FAKE_KERNEL_TRACE;
      if (src) fs.cpSync(src, opts.outputDir, { recursive: true });
      record({ op: 'stop', session: opts.sessionName });
      return stats();
    },
    stats,
    async destroy() {
      for (const ch of channels.keys()) fs.rmSync(instance(ch), { force: true });
      record({ op: 'destroy', session: opts.sessionName });
    },
  };
}
