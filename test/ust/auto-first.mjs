// An app whose very first action is an HTTP request to itself: recorded only
// if ttng/auto held the start until the daemon enabled the events.
import http from 'node:http';
const srv = http.createServer((req, res) => res.end('ok'));
srv.listen(0, '127.0.0.1', async () => {
  await (await fetch(`http://127.0.0.1:${srv.address().port}/first`)).text();
  srv.close();
});
