// Child process of ringbuffer.test.ts: creates a ring buffer and writes events
// (id 1, payload u32 i, u64 i) as fast as it can, printing how many it has
// committed every 2000 events, until it is killed.
import { RingBufferProducer } from '../../src/ringbuffer/producer.js';

const [name, subbuf, num] = process.argv.slice(2);
const p = RingBufferProducer.create(name!, {
  subbufSize: Number(subbuf), numSubbuf: Number(num), overwrite: false, uuid: new Uint8Array(16).fill(7), streamId: 0, streamInstanceId: 0, cpuId: 0,
}, process.pid, 1);
process.stdout.write('ready\n');
let i = 0;
for (;;) {
  p.clock();
  const o = p.reserve(1, 12);
  if (o >= 0) {
    p.dv.setUint32(o, i, true);
    p.dv.setBigUint64(o + 4, BigInt(i), true);
    p.commit(o + 12);
  }
  i++;
  if (i % 2000 === 0) process.stdout.write(`${i} ${p.discarded}\n`);
}
