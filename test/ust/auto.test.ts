// `node --import ttng/auto app.js`: an app with no tracing code, traced through
// Node's diagnostics_channel messages, read back with babeltrace2; with the
// kernel domain too, the app's write system calls fall between its request
// events (one clock for both domains).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { before, describe, test } from 'node:test';
import { NO_BABELTRACE2, REPO, babeltrace2, ensureBuilt, needs } from '../helpers.js';
import { home, isRoot, sleep, until } from '../sessiond/harness.js';
import type { TestHome } from '../sessiond/harness.js';
import { kernelTracerAvailable } from '../../src/kernel/index.js';

const APP = path.join(REPO, 'test', 'ust', 'auto-app.mjs');
const FIRST = path.join(REPO, 'test', 'ust', 'auto-first.mjs');
const N = 6;

before(() => ensureBuilt());

function traceDir(out: string): string {
  const m = /Traces will be output to (.*)/.exec(out);
  assert.ok(m, out);
  return m![1]!;
}

/** runs the app under ttng/auto once the daemon lists it; resolves when it exited cleanly */
async function runApp(h: TestHome): Promise<number> {
  const child = spawn(process.execPath, ['--import', 'ttng/auto', APP, String(N)], { cwd: REPO, env: h.env, stdio: ['pipe', 'pipe', 'pipe'] });
  h.trackPid(child.pid!);
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  await until(() => out.includes('"port"'), 'the app to listen', 20_000);
  const pid = child.pid!;
  // registered: `list -u` shows its pid
  const deadline = Date.now() + 20_000;
  while (!(await h.ttng(['list', '-u'])).stdout.includes(`PID: ${pid}`)) {
    if (Date.now() > deadline) throw new Error(`pid ${pid} never appeared in ttng list -u`);
    await sleep(50);
  }
  child.stdin.write('go\n');
  const code = await exited;
  assert.equal(code, 0, err);
  assert.equal(err, '');
  assert.match(out, /"done":true/);
  return pid;
}

function fields(line: string): Record<string, string> {
  const out: Record<string, string> = {};
  const payload = line.slice(line.lastIndexOf('{'));
  for (const m of payload.matchAll(/(\w+) = ("(?:[^"\\]|\\.)*"|[^,}\s]+)/g)) out[m[1]!] = m[2]!.replace(/^"|"$/g, '').replace(/\\(.)/g, '$1');
  return out;
}

describe('ttng/auto', { skip: needs(NO_BABELTRACE2) }, () => {
  test('HTTP server and client requests, fetch, workers: every request is an event with method, URL and status', async (t) => {
    const h = home(t);
    const dir = traceDir(await h.ok(['create', 's']));
    await h.ok(['enable-event', '-u', 'nodejs_*']);
    await h.ok(['start']);
    const pid = await runApp(h);
    await h.ok(['stop']);
    const r = await babeltrace2([dir]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split('\n').filter((l) => l !== '');
    const of = (name: string): Record<string, string>[] => lines.filter((l) => l.includes(` ${name}: `)).map(fields);
    const starts = of('nodejs_http:server_request_start');
    const finishes = of('nodejs_http:server_response_finish');
    assert.equal(starts.length, 2 * N, r.stdout);
    assert.equal(finishes.length, 2 * N);
    for (let i = 0; i < N; i++) {
      const path1 = `/${i % 2 ? 'missing' : 'page'}/${i}?q=${i}`;
      const s = starts.find((x) => x['url'] === path1);
      assert.ok(s, `request ${path1}`);
      assert.equal(s!['method'], 'GET');
      const f = finishes.find((x) => x['id'] === s!['id']);
      assert.ok(f, `finish of ${path1}`);
      assert.equal(f!['status'], i % 2 ? '404' : '200');
      assert.equal(f!['url'], path1);
      const fs1 = starts.find((x) => x['url'] === `/fetch/${i}`);
      assert.equal(fs1?.['method'], 'POST');
    }
    const clientStarts = of('nodejs_http:client_request_start');
    const clientDone = of('nodejs_http:client_response_finish');
    assert.equal(clientStarts.length, N);
    assert.deepEqual(clientDone.map((x) => x['status']).sort(), Array.from({ length: N }, (_, i) => (i % 2 ? '404' : '200')).sort());
    const undiciHeaders = of('nodejs_undici:request_headers');
    assert.equal(of('nodejs_undici:request_create').length, N);
    assert.equal(undiciHeaders.length, N);
    assert.ok(undiciHeaders.every((x) => x['method'] === 'POST' && x['status'] === '200' && x['path']!.startsWith('/fetch/')));
    assert.equal(of('nodejs_worker:create').length, 1);
    assert.ok(of('nodejs_net:server_socket').length >= 2);
    // the app's main thread recorded the server events
    assert.ok(lines.filter((l) => l.includes('nodejs_http:server_')).length === 4 * N && pid > 0);
  });

  test("the app's first request is recorded: ttng/auto holds the start until the daemon enabled the events (as LTTng-UST); with no daemon it does not wait", async (t) => {
    const h = home(t);
    const dir = traceDir(await h.ok(['create', 's']));
    await h.ok(['enable-event', '-u', 'nodejs_http:server_request_start']);
    await h.ok(['start']);
    const r = await h.run(process.execPath, ['--import', 'ttng/auto', FIRST], { timeoutMs: 30_000 });
    assert.equal(r.code, 0, r.stderr);
    await h.ok(['stop']);
    const bt = await babeltrace2([dir]);
    assert.equal(bt.code, 0, bt.stderr);
    assert.match(bt.stdout, /nodejs_http:server_request_start: .*url = "\/first"/);
    // no daemon at all, told to wait as long as it takes: it must still start (and end) at once
    const none = home(t);
    const r2 = await none.run(process.execPath, ['--import', 'ttng/auto', FIRST], { env: { TTNG_UST_REGISTER_TIMEOUT: '-1' }, timeoutMs: 30_000 });
    assert.equal(r2.code, 0, `${r2.signal ?? ''} ${r2.stderr}`);
  });

  test('with the kernel domain, the server write system calls fall between its request start and finish events', { skip: needs((!isRoot() || !kernelTracerAvailable().ok) && 'needs root and tracefs') }, async (t) => {
    const h = home(t, { fake: false });
    const dir = traceDir(await h.ok(['create', 's']));
    await h.ok(['enable-event', '-u', 'nodejs_http:server_*']);
    await h.ok(['add-context', '-u', '-t', 'vtid']);
    await h.ok(['enable-event', '-k', '--syscall', 'write,writev']);
    await h.ok(['add-context', '-k', '-t', 'tid']);
    await h.ok(['start']);
    const pid = await runApp(h);
    await h.ok(['stop']);
    const view = await h.ok(['view', dir]);
    const lines = view.split('\n').filter((l) => l !== '');
    // the app's main thread: its kernel tid and its UST vtid are the pid
    let open: string | undefined;
    let writesInside = 0;
    let served = 0;
    for (const l of lines) {
      if (l.includes('nodejs_http:server_request_start') && l.includes(`vtid = ${pid}`)) open = fields(l)['id'];
      else if (l.includes('nodejs_http:server_response_finish') && l.includes(`vtid = ${pid}`)) {
        assert.equal(fields(l)['id'], open);
        if (writesInside > 0) served++;
        open = undefined;
        writesInside = 0;
      } else if (open !== undefined && /syscall_entry_writev?: /.test(l) && l.includes(`tid = ${pid} }`)) writesInside++;
    }
    assert.equal(served, 2 * N, view.split('\n').filter((l) => l.includes('nodejs_') || l.includes(`tid = ${pid} }`)).join('\n'));
    const bt = await babeltrace2([dir]);
    assert.equal(bt.code, 0, bt.stderr);
    assert.equal(bt.stdout, view + (view.endsWith('\n') ? '' : '\n'));
  });
});
