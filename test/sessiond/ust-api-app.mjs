// A ttng/ust app (public API, from dist/) for the daemon tests: the main thread
// emits `api:tick { u32 n }` every INTERVAL_MS, BATCH at a time, COUNT in all,
// printing {"progress":0,"n":E} every 20 ms and {"done":0,"emitted":E} at the
// end (E = ticks emitted while a session enabled them), then lingers LINGER_MS.
// usage: node ust-api-app.mjs COUNT INTERVAL_MS BATCH [LINGER_MS]
import { provider } from 'ttng/ust';

const [count, intervalMs, batch, linger] = process.argv.slice(2).map(Number);
const tick = provider('api').event('tick', [['n', 'u32']], { loglevel: 'INFO' });
let emitted = 0;
const progress = setInterval(() => process.stdout.write(JSON.stringify({ progress: 0, n: emitted }) + '\n'), 20);
process.stdout.write(JSON.stringify({ ready: 0, pid: process.pid }) + '\n');
for (let n = 0; n < count; ) {
  for (let b = 0; b < batch && n < count; b++, n++) {
    if (tick.enabled) emitted++;
    tick.emit(n);
  }
  await new Promise((r) => setTimeout(r, intervalMs));
}
clearInterval(progress);
process.stdout.write(JSON.stringify({ done: 0, emitted }) + '\n');
await new Promise((r) => setTimeout(r, linger || 0));
