// A traced app for test/ust/app.test.ts, written against the public API
// (`ttng/ust`, built in dist/): the main thread and W workers each emit
// `app:tick { u32 n; u32 thread; string label; s64 big; u8_hex[3] bytes }`
// and every 10th tick a tracef. It prints its pid, waits for a line on stdin
// (the daemon lists it by then), emits, then prints per thread
// {"done":thread,"ticks":T,"emitted":E,"tracefs":F,"errors":X} (T = ticks
// emitted, E = those emitted while enabled, F = tracefs among them) and exits
// on its own. With END = throw or abort, the main thread then dies that way
// (after printing); with END = pause, the main thread prints {"paused":N}
// after half its ticks and waits for another line on stdin before going on.
// usage: node ust-app.mjs COUNT WORKERS INTERVAL_MS [BATCH [END]]
import { Worker, isMainThread, threadId, workerData, parentPort } from 'node:worker_threads';
import { provider, tracef } from 'ttng/ust';

const [count, workers, intervalMs, batch] = isMainThread ? process.argv.slice(2).map(Number) : workerData;
const tick = provider('app').event('tick', [['n', 'u32'], ['thread', 'u32'], ['label', 'string'], ['big', 's64'], ['bytes', { array: 'u8_hex', length: 3 }]], { loglevel: 'INFO' });

// lines from the test on stdin, one promise each
const inbox = [];
let wake;
function nextLine() {
  if (inbox.length) return Promise.resolve(inbox.shift());
  return new Promise((r) => (wake = () => r(inbox.shift())));
}

async function run(pause) {
  let emitted = 0;
  let tracefs = 0;
  let ticks = 0;
  let paused = !pause;
  for (let n = 0; n < count; ) {
    if (!paused && n >= count / 2) {
      paused = true;
      process.stdout.write(JSON.stringify({ paused: n }) + '\n');
      await nextLine();
    }
    for (let b = 0; b < (batch || 1) && n < count; b++, n++) {
      // both events are enabled by the same config push (one session enables both)
      if (tick.enabled) {
        emitted++;
        if (n % 10 === 0) tracefs++;
      }
      ticks++;
      tick.emit(n, threadId, `t${threadId}-${n}`, -BigInt(n) * 1000000007n, [n & 255, threadId, 0xab]);
      if (n % 10 === 0) tracef('thread %d at %d', threadId, n);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  return { done: threadId, ticks, emitted, tracefs, errors: tick.errors };
}

if (isMainThread) {
  process.stdout.write(JSON.stringify({ pid: process.pid }) + '\n');
  const end = process.argv[6];
  process.stdin.setEncoding('utf8').on('data', (d) => {
    inbox.push(...d.split('\n').filter(Boolean));
    if (inbox.length && wake) {
      const w = wake;
      wake = undefined;
      w();
    }
  });
  await nextLine();
  const ws = Array.from({ length: workers }, () => new Worker(new URL(import.meta.url), { workerData: [count, 0, intervalMs, batch] }));
  const results = ws.map((w) => new Promise((r) => w.once('message', r)));
  const mine = await run(end === 'pause');
  // an open stdin would keep the app alive
  process.stdin.destroy();
  process.stdout.write(JSON.stringify(mine) + '\n');
  if (end === 'throw') throw new Error('the app fails');
  if (end === 'abort') process.abort();
  for (const r of await Promise.all(results)) process.stdout.write(JSON.stringify(r) + '\n');
} else {
  parentPort.postMessage(await run(false));
}
