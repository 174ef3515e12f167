// The consumer side of bench/ust-bench.mjs (a separate process, as LTTng's
// consumerd is): drains one ring buffer into a stream file while the app
// writes, then on "stop" (stdin) takes the rest and prints what it read.
// usage: node --import tsx bench/ust-reader.mjs SHM_NAME OUT_FILE
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const { RingBufferReader } = await import(path.join(here, '..', 'src', 'ringbuffer', 'reader.ts'));
const [name, outFile] = process.argv.slice(2);
const r = RingBufferReader.open(name);
const fd = fs.openSync(outFile, 'w');
let bytes = 0;
let events = 0;
let packets = 0;

/** counts the events of a packet (compact or extended header + 16-byte ints3 payload) */
function count(data, contentBits) {
  const end = Number(contentBits / 8n);
  let o = 84;
  let n = 0;
  while (o < end) {
    o += (data[o] & 31) === 31 ? 13 + 16 : 4 + 16;
    n++;
  }
  return n;
}

function drain(all) {
  for (const p of all ? r.readAll() : r.read()) {
    fs.writeSync(fd, p.data);
    bytes += p.data.length;
    events += count(p.data, p.contentSize);
    packets++;
  }
}

const timer = setInterval(() => drain(false), 1);
process.stdin.setEncoding('utf8');
process.stdin.on('data', (d) => {
  if (!d.includes('stop')) return;
  clearInterval(timer);
  drain(false);
  drain(true);
  fs.closeSync(fd);
  process.stdout.write(JSON.stringify({ bytes, events, packets, discarded: r.discarded }) + '\n');
  r.close(true);
  process.exit(0);
});
process.stdout.write('ready\n');
