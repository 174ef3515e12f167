// ttng/ust tracepoint cost, the ttng side of bench/ust-bench.sh: an enabled
// bench:ints3 event (int32 a, uint32 b, int64 c) written into an active buffer
// (4 MiB x 8 sub-buffers, discard mode, drained by a reader process), the same
// event disabled, the clock read alone, and for context pino and an
// OpenTelemetry span on the same loop when they are installed.
// The app side is driven directly (the `ust.config` a daemon would push is
// applied in-process; the reader is src/ringbuffer's RingBufferReader in its
// own process, as the daemon's consumer uses it).
// usage: node --import tsx bench/ust-bench.mjs [N] [RUNS]  → one `key=value` line per measure
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const src = (p) => path.join(here, '..', 'src', p);
const { provider } = await import(src('ust/index.ts'));
const { applyConfig, producers } = await import(src('ust/runtime.ts'));

const N = Number(process.argv[2] ?? 10_000_000);
const RUNS = Number(process.argv[3] ?? 3);
const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
const ns = () => process.hrtime.bigint();

const ints3 = provider('bench').event('ints3', [['a', 's32'], ['b', 'u32'], ['c', 's64']]);
const off = provider('bench').event('ints3_off', [['a', 's32'], ['b', 'u32'], ['c', 's64']]);

// one function per measure, so every call site stays monomorphic
function loopEnabled(n) {
  const t0 = ns();
  for (let i = 0; i < n; i++) ints3.emit(i | 0, (i * 3) >>> 0, i * -7);
  return Number(ns() - t0) / n;
}
function loopDisabled(n) {
  const t0 = ns();
  for (let i = 0; i < n; i++) off.emit(i | 0, (i * 3) >>> 0, i * -7);
  return Number(ns() - t0) / n;
}
function loopEmpty(n) {
  let s = 0;
  const t0 = ns();
  for (let i = 0; i < n; i++) s += (i | 0) + ((i * 3) >>> 0) + i * -7;
  const r = Number(ns() - t0) / n;
  if (s === 0.5) console.log(s);
  return r;
}
const hb = process.hrtime.bigint;
const big = new BigUint64Array(1);
const halves = new Uint32Array(big.buffer);
// the clock read as ttng's writers do it (no BigInt arithmetic)
function loopClock(n) {
  let s = 0;
  const t0 = ns();
  for (let i = 0; i < n; i++) {
    big[0] = hb();
    s += halves[0];
  }
  const r = Number(ns() - t0) / n;
  if (s === 0.5) console.log(s);
  return r;
}

const out = (k, v) => console.log(`${k}=${v}`);

// ---- disabled first (nothing enabled yet), then the loop and clock baselines
out('ttng_disabled_ns', median(Array.from({ length: RUNS }, () => loopDisabled(N * 5))).toFixed(2));
out('ttng_loop_only_ns', median(Array.from({ length: RUNS }, () => loopEmpty(N))).toFixed(2));
out('node_clock_ns', median(Array.from({ length: RUNS }, () => loopClock(N))).toFixed(2));

// ---- enabled into an active buffer drained by a reader process
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ttng-ust-bench-'));
const enabled = [];
let emitted = 0;
let read = { bytes: 0, events: 0, discarded: 0, packets: 0 };
for (let run = 0; run < RUNS; run++) {
  const chanKey = 900000 + run;
  applyConfig({
    generation: run * 2 + 1,
    channels: [{ chanKey, session: 'bench', channel: 'big', uuid: '0123456789abcdef0123456789abcdef', streamClassId: 0, streamInstanceId: 0,
      subbufSize: 4 << 20, numSubbuf: 8, overwrite: false, switchTimerUs: 0, contexts: [], buffers: 'uid' }],
    events: [{ name: 'bench:ints3', targets: [{ chanKey, id: 0, filters: null }] }],
  });
  const p = producers()[0];
  const reader = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'ust-reader.mjs'), p.name, path.join(dir, `big_${run}`)], { stdio: ['pipe', 'pipe', 'inherit'] });
  let text = '';
  reader.stdout.setEncoding('utf8').on('data', (d) => (text += d));
  await new Promise((res) => { const t = setInterval(() => { if (text.includes('ready')) { clearInterval(t); res(); } }, 5); });
  enabled.push(loopEnabled(N));
  emitted = N;
  const discarded = p.discarded;
  // the daemon's stop: stop emitting, then the reader takes everything
  applyConfig({ generation: run * 2 + 2, channels: [], events: [] });
  reader.stdin.write('stop\n');
  await new Promise((res) => reader.on('exit', res));
  read = JSON.parse(text.trim().split('\n').at(-1));
  out(`ttng_enabled_run${run + 1}`, `${enabled.at(-1).toFixed(2)} emitted=${emitted} recorded=${read.events} discarded=${discarded} reader_discarded=${read.discarded} stream_bytes=${read.bytes} packets=${read.packets} bytes_per_event=${(read.bytes / read.events).toFixed(2)}`);
  fs.rmSync(path.join(dir, `big_${run}`), { force: true });
}
out('ttng_enabled_ns', median(enabled).toFixed(2));
out('ttng_bytes_per_event', (read.bytes / read.events).toFixed(2));
fs.rmSync(dir, { recursive: true, force: true });

// ---- context: pino and an OpenTelemetry span, if installed
const require = createRequire(path.join(here, '..', 'package.json'));
function tryRequire(name) {
  try {
    return require(name);
  } catch {
    return undefined;
  }
}
const pino = tryRequire('pino');
if (pino) {
  const log = pino(pino.destination({ dest: '/dev/null', sync: false }));
  const M = Math.min(N, 1_000_000);
  const t0 = ns();
  for (let i = 0; i < M; i++) log.info({ a: i | 0, b: (i * 3) >>> 0, c: i * -7 }, 'ints3');
  out('pino_ns', (Number(ns() - t0) / M).toFixed(2));
} else out('pino_ns', 'n/a (pino is not installed and not in the local npm cache: npm install --offline pino fails with ENOTCACHED)');
const otel = tryRequire('@opentelemetry/api');
const otelBase = tryRequire('@opentelemetry/sdk-trace-base');
if (otel && otelBase) {
  const provider_ = new otelBase.BasicTracerProvider();
  const tracer = provider_.getTracer('bench');
  const M = Math.min(N, 1_000_000);
  const t0 = ns();
  for (let i = 0; i < M; i++) tracer.startSpan('ints3', { attributes: { a: i | 0, b: (i * 3) >>> 0, c: i * -7 } }).end();
  out('otel_span_ns', (Number(ns() - t0) / M).toFixed(2));
} else out('otel_span_ns', 'n/a (@opentelemetry/api + sdk-trace-base are not installed and not in the local npm cache)');
