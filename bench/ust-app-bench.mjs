// The app of bench/ust-bench.sh's daemon run: declares bench:ints3 with the
// public API (ttng/ust from dist/), waits until a session enables it, fires N
// events in a tight loop and prints `ns_per_event=X emitted=N` (LTTng's bench
// format). usage: node bench/ust-app-bench.mjs N
import { provider } from 'ttng/ust';

const n = Number(process.argv[2] ?? 10_000_000);
const ints3 = provider('bench').event('ints3', [['a', 's32'], ['b', 'u32'], ['c', 's64']]);
const deadline = Date.now() + 20_000;
while (!ints3.enabled) {
  if (Date.now() > deadline) {
    console.error('bench:ints3 was never enabled (is a session recording it?)');
    process.exit(1);
  }
  await new Promise((r) => setTimeout(r, 10));
}
function loop() {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) ints3.emit(i | 0, (i * 3) >>> 0, i * -7);
  return Number(process.hrtime.bigint() - t0) / n;
}
console.log(`ns_per_event=${loop().toFixed(2)} emitted=${n}`);
