// A Node.js app that dies of an uncaught exception, run under
// `node --import ttng/auto`: it prints {"ready":PID}, waits for a line on
// stdin (the test has seen it registered), emits `crash:step { n }` for
// n = 0..COUNT-1 with ttng/ust, a few system calls, then throws (or, with
// `abort`, calls process.abort(): a core dump).
// usage: node --import ttng/auto crash-app.mjs COUNT [abort]
import * as fs from 'node:fs';
import { provider } from 'ttng/ust';

const count = Number(process.argv[2] ?? 100);
const step = provider('crash').event('step', [['n', 'u32']], { loglevel: 'INFO' });
process.stdout.write(JSON.stringify({ ready: process.pid }) + '\n');
await new Promise((r) => process.stdin.once('data', r));
process.stdin.destroy();
for (let n = 0; n < count; n++) {
  step.emit(n);
  // a system call between events (kernel part of the snapshot when root)
  if (n % 10 === 0) fs.statSync('/');
}
if (process.argv[3] === 'abort') process.abort();
throw new Error(`boom after ${count} steps`);
