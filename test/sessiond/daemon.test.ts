// ttng-sessiond as a process: start by hand (-d) and by the CLI, its socket
// and pid file, sessions outliving the CLI, a daemon killed with -9 and the
// next one cleaning up, SIGTERM, the `ttng/ctl` client, protocol errors.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import { before, describe, test } from 'node:test';
import { ensureBuilt } from '../helpers.js';
import { home, isRoot, oneError, pidAlive, sleep, until } from './harness.js';
import { TtngClient } from '../../src/ctl/client.js';
import { CtlError } from '../../src/ctl/protocol.js';
import { tracingGid } from '../../src/ctl/paths.js';

before(() => ensureBuilt());

describe('ttng-sessiond', () => {
  test('--help, --version and a wrong option', async (t) => {
    const h = home(t);
    const help = await h.sessiond(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^Usage: ttng-sessiond \[OPTIONS\]/);
    assert.match(help.stdout, /--daemonize/);
    const v = await h.sessiond(['-V']);
    assert.match(v.stdout, /^ttng-sessiond \d+\.\d+\.\d+\n$/);
    assert.equal(oneError(await h.sessiond(['--bogus'])), 'Error: Unknown option: --bogus');
    assert.equal(h.daemonPid(), undefined);
  });

  test('-d returns once it listens; its socket and pid file; a second one refuses', async (t) => {
    const h = home(t);
    const r = await h.sessiond(['-d']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout + r.stderr, '');
    assert.ok(fs.statSync(h.socket).isSocket(), 'the socket exists when -d returns');
    const pid = h.daemonPid();
    assert.ok(pid !== undefined && pidAlive(pid));
    const st = fs.statSync(h.socket);
    if (isRoot()) {
      // the root daemon: root and the tracing group only
      const gid = tracingGid();
      assert.equal(st.mode & 0o777, gid === undefined ? 0o600 : 0o660);
      if (gid !== undefined) assert.equal(st.gid, gid);
    } else assert.equal(st.mode & 0o777, 0o600);
    const again = await h.sessiond(['-d']);
    assert.equal(oneError(again), `Error: A session daemon is already running (pid ${pid})`);
    assert.equal(h.daemonPid(), pid, 'the pid file still names the first daemon');
  });

  test('the CLI starts a daemon when none runs; sessions outlive the CLI', async (t) => {
    const h = home(t);
    const r = await h.ttng(['create', 's1']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.split('\n')[0], 'Spawning a session daemon');
    const pid = h.daemonPid();
    assert.ok(pid !== undefined && pidAlive(pid), 'a detached daemon runs after the CLI exited');
    const r2 = await h.ttng(['create', 's2']);
    assert.doesNotMatch(r2.stdout, /Spawning/);
    const list = await h.ok(['list']);
    assert.match(list, /1\) s1 \[inactive\]/);
    assert.match(list, /2\) s2 \[inactive\]/);
    assert.equal(h.daemonPid(), pid);
  });

  test('without a daemon, commands other than create/load say so', async (t) => {
    const h = home(t);
    assert.equal(oneError(await h.ttng(['list'])), 'Error: No session daemon is available');
    assert.equal(oneError(await h.ttng(['list', '-k'])), 'Error: Unable to list kernel events: No session daemon is available');
    assert.equal(oneError(await h.ttng(['start', 'x'])), 'Error: No session daemon is available');
    assert.equal(h.daemonPid(), undefined, 'no daemon was started');
  });

  test('a daemon killed with -9: the next one removes its stale socket and ftrace instances', async (t) => {
    const h = home(t);
    await h.ok(['create', 'k1']);
    await h.ok(['enable-event', '-k', 'sched_switch']);
    await h.ok(['enable-channel', '-k', 'other']);
    await h.ok(['start']);
    assert.equal(h.instances().length, 2, 'one instance per channel while tracing');
    const pid = h.daemonPid()!;
    process.kill(pid, 'SIGKILL');
    await until(() => !pidAlive(pid), 'the daemon to die');
    assert.ok(fs.existsSync(h.socket), 'a killed daemon leaves its socket');
    assert.equal(oneError(await h.ttng(['list'])), 'Error: No session daemon is available');
    const r = await h.ttng(['create', 'k2']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Spawning a session daemon\n/);
    const pid2 = h.daemonPid()!;
    assert.notEqual(pid2, pid);
    assert.deepEqual(h.instances(), [], 'the instances of the dead daemon are gone');
    const cleanup = h.calls().filter((c) => c.op === 'cleanupStaleInstances' && c['pid'] === pid2);
    assert.deepEqual(cleanup.map((c) => c['removed']), [2]);
    const list = await h.ok(['list']);
    assert.doesNotMatch(list, /k1/, 'the sessions died with their daemon');
    assert.match(list, /1\) k2 \[inactive\]/);
  });

  test('SIGTERM: the daemon destroys its sessions, removes its socket and pid file', async (t) => {
    const h = home(t);
    await h.ok(['create', 'term']);
    await h.ok(['enable-event', '-k', 'sched_switch']);
    await h.ok(['start']);
    assert.equal(h.instances().length, 1);
    const pid = h.daemonPid()!;
    process.kill(pid, 'SIGTERM');
    await until(() => !pidAlive(pid), 'the daemon to exit');
    assert.deepEqual(h.instances(), []);
    assert.ok(!fs.existsSync(h.socket));
    assert.ok(!fs.existsSync(h.pidFile));
    const ops = h.calls().filter((c) => c['session'] === 'term').map((c) => c.op);
    assert.deepEqual(ops.slice(-2), ['stop', 'destroy']);
  });

  test('ttng/ctl: programs get the same control as the CLI', async (t) => {
    const h = home(t);
    const c = await TtngClient.connect({ autostart: true, env: h.env });
    t.after(() => c.close());
    h.daemonPid();
    const s = await c.createSession('lib', '/tmp/ttng-lib-out');
    assert.equal(s.outputPath, '/tmp/ttng-lib-out');
    await c.enableEvent('lib', 'sched_switch', { filter: 'prev_tid > 0' });
    await c.addContext('lib', 'procname');
    const d = await c.getSession('lib');
    assert.equal(d.domains[0]!.channels[0]!.name, 'channel0');
    assert.deepEqual(d.domains[0]!.channels[0]!.events, [{ kind: 'tracepoint', name: 'sched_switch', filter: 'prev_tid > 0', enabled: true }]);
    assert.deepEqual(d.domains[0]!.channels[0]!.contexts, ['procname']);
    await assert.rejects(c.createSession('lib'), (e: unknown) => e instanceof CtlError && e.code === 'EXIST_SESS' && e.message === 'Session name already exists');
    await assert.rejects(c.startTracing('nope'), (e: unknown) => e instanceof CtlError && e.code === 'SESS_NOT_FOUND');
    // the CLI sees what the library made
    assert.match(await h.ok(['list']), /1\) lib \[inactive\]/);
  });

  test('protocol errors are answered, and the daemon carries on', async (t) => {
    const h = home(t);
    await h.ok(['create', 'p']);
    const sock = net.createConnection({ path: h.socket });
    t.after(() => sock.destroy());
    await new Promise<void>((r) => sock.once('connect', () => r()));
    const lines: string[] = [];
    let buf = '';
    sock.setEncoding('utf8');
    sock.on('data', (d: string) => {
      buf += d;
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        lines.push(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
      }
    });
    sock.write('not json\n{"id":7,"method":"no.such","params":{}}\n{"id":8,"method":"session.list","params":{}}\n');
    await until(() => lines.length >= 3, 'three answers');
    const [a, b, c] = lines.map((l) => JSON.parse(l) as { id: number; error?: { code: string }; result?: unknown });
    assert.equal(a!.error!.code, 'INVALID_PROTOCOL');
    assert.deepEqual([b!.id, b!.error!.code], [7, 'UNKNOWN_METHOD']);
    assert.equal(c!.id, 8);
    assert.equal((c!.result as { name: string }[])[0]!.name, 'p');
    await sleep(10);
  });
});
