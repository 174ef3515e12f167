// A steady user-space load for bench/ust-snapshot-idle.sh: BATCH `bench:tick`
// events every millisecond, COUNT in all. usage: node ust-steady.mjs COUNT BATCH
import { provider } from 'ttng/ust';

const [count, batch] = process.argv.slice(2).map(Number);
const tick = provider('bench').event('tick', [['n', 'u32']], { loglevel: 'INFO' });
// wait until the daemon enabled the event (at most 5 s)
for (let i = 0; i < 500 && !tick.enabled; i++) await new Promise((r) => setTimeout(r, 10));
for (let n = 0; n < count; ) {
  for (let b = 0; b < batch && n < count; b++, n++) tick.emit(n);
  await new Promise((r) => setTimeout(r, 1));
}
