// A minimal kernel recorder over ttng's kernel tracer (dist/kernel), for
// bench/kernel-capacity.sh: records sched_switch and every system call into
// OUT until SIGINT/SIGTERM, then prints events_recorded=N events_lost=N.
// usage: node bench/kernel-record.mjs OUT [--subbuf BYTES] [--num N] [--read-timer US] [--contexts pid,tid,...] [--ready FILE]
import * as path from 'node:path';
import * as fs from 'node:fs';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const { createKernelSession } = await import(path.join(here, '..', 'dist', 'kernel', 'index.js'));
const args = process.argv.slice(2);
const opt = (n, d) => {
  const i = args.indexOf(n);
  return i >= 0 ? args[i + 1] : d;
};
const out = args[0];
if (!out) throw new Error('usage: kernel-record.mjs OUT [--subbuf BYTES] [--num N] [--read-timer US]');
const s = createKernelSession({ outputDir: path.join(out, 'kernel'), sessionName: 'bench', daemonId: `bench${process.pid}` });
s.addChannel({
  name: 'channel0', subbufSize: Number(opt('--subbuf', 1 << 20)), numSubbuf: Number(opt('--num', 4)), switchTimerUs: 0,
  readTimerUs: Number(opt('--read-timer', 200000)), overwrite: false,
});
s.setEventRules('channel0', [
  { kind: 'tracepoint', pattern: 'sched_switch', enabled: true },
  { kind: 'syscall', pattern: opt('--syscalls', '*'), enabled: true },
]);
const ctx = opt('--contexts', '');
if (ctx) s.setContexts('channel0', ctx.split(','));
await s.start();
const ready = opt('--ready');
if (ready) fs.writeFileSync(ready, String(process.pid));
let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  const st = await s.stop();
  await s.destroy();
  const rec = st.reduce((n, c) => n + c.recordedEvents, 0);
  const lost = st.reduce((n, c) => n + c.discardedEvents, 0);
  console.log(`events_recorded=${rec} events_lost=${lost}`);
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
setInterval(() => {}, 1 << 30);
