// A plain Node.js app with no tracing code: an HTTP server it sends N requests
// to with http.get and N with fetch, then one worker thread. Run under
// `node --import ttng/auto`. It starts when the test writes a line on stdin
// (once the daemon lists it), and prints its pid and server port.
import http from 'node:http';
import { Worker } from 'node:worker_threads';

const n = Number(process.argv[2] ?? 5);
const srv = http.createServer((req, res) => {
  res.statusCode = req.url.startsWith('/missing') ? 404 : 200;
  res.end('hello');
});
await new Promise((r) => srv.listen(0, '127.0.0.1', r));
const port = srv.address().port;
process.stdout.write(JSON.stringify({ pid: process.pid, port }) + '\n');
await new Promise((r) => process.stdin.once('data', r));
for (let i = 0; i < n; i++) {
  await new Promise((resolve, reject) => {
    http.get(`http://127.0.0.1:${port}/${i % 2 ? 'missing' : 'page'}/${i}?q=${i}`, (res) => {
      res.resume();
      res.on('end', resolve);
    }).on('error', reject);
  });
}
for (let i = 0; i < n; i++) await (await fetch(`http://127.0.0.1:${port}/fetch/${i}`, { method: 'POST', body: 'x' })).text();
const w = new Worker('0', { eval: true });
await new Promise((r) => w.on('exit', r));
srv.close();
process.stdin.destroy();
process.stdout.write(JSON.stringify({ done: true }) + '\n');
