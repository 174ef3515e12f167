// The pure parts of the relay: what a peer may name (and where it lands), LTTng's
// directory and chunk names, the command line. Plus a seeded fuzz of the name checks:
// whatever a peer sends, an accepted name never leads out of the output directory.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { badChunkName, badComponent, chunkName, relativePath, sessionOutputPath, within } from '../../src/relayd/names.js';
import { ArgError, parseEndpoint, parseRelaydArgs } from '../../src/relayd/options.js';
import { prng, randInt } from '../helpers.js';

process.env['TZ'] = 'UTC';

test('a name is one path component: not empty, no "/", no NUL, not hidden (nor . or ..)', () => {
  for (const ok of ['S', 'auto-20240101-000000', 'my host', 'é', 'a..b']) assert.equal(badComponent(ok), undefined, ok);
  for (const bad of ['', '/', 'a/b', '..', '.', '.hidden', 'a\0b']) assert.notEqual(badComponent(bad), undefined, JSON.stringify(bad));
});

test('relative paths are normalised; ".." anywhere is refused', () => {
  assert.equal(relativePath('/ust//uid/./0/64-bit/', false), 'ust/uid/0/64-bit');
  assert.equal(relativePath('', true), '');
  assert.deepEqual(relativePath('', false), { error: 'is empty' });
  assert.deepEqual(relativePath('a/../b', false), { error: 'walks up the tree ("..")' });
  assert.deepEqual(relativePath('..', true), { error: 'walks up the tree ("..")' });
  assert.ok(typeof relativePath('a\0', false) !== 'string');
});

test("LTTng's session directories and chunk names", () => {
  const s = { sessionName: 'S', hostname: 'h', basePath: '', creationTime: 1_700_000_000n, nameContainsCreationTime: false };
  assert.equal(sessionOutputPath(s, 'host'), 'h/S-20231114-221320');
  assert.equal(sessionOutputPath({ ...s, nameContainsCreationTime: true, sessionName: 'auto-20231114-221320' }, 'host'), 'h/auto-20231114-221320');
  assert.equal(sessionOutputPath({ ...s, basePath: 'a/b' }, 'host'), 'h/a/b');
  assert.equal(sessionOutputPath(s, 'session'), 'S/h-20231114-221320');
  assert.equal(sessionOutputPath({ ...s, basePath: 'a' }, 'session'), 'S/h-20231114-221320/a');
  assert.equal(chunkName(1n, 1_700_000_000n), '20231114T221320+0000-1');
  assert.equal(chunkName(2n, 1_700_000_000n, 1_700_000_061n), '20231114T221320+0000-20231114T221421+0000-2');
  assert.equal(badChunkName('snapshot-1-20231114-221320-0'), undefined);
  for (const bad of ['', 'a/b', 'a.b', '..', 'x'.repeat(255)]) assert.notEqual(badChunkName(bad), undefined);
});

test('within: a path strictly under the root, or nothing', () => {
  assert.equal(within('/out', 'a/b'), '/out/a/b');
  assert.equal(within('/out', ''), '/out');
  assert.equal(within('/out', '../x'), undefined);
  assert.equal(within('/out', '/etc'), undefined);
  assert.equal(within('/out', 'a/../../out2'), undefined);
});

test('fuzz: names and paths the checks accept never lead out of the output directory', () => {
  const alphabet = ['a', 'b', '.', '..', '/', '\0', ' ', '-', 'é', '\\', '~'];
  for (let seed = 1; seed <= 3000; seed++) {
    const rnd = prng(seed);
    const parts = Array.from({ length: 1 + randInt(rnd, 8) }, () => alphabet[randInt(rnd, alphabet.length)]!);
    const s = parts.join('');
    const p = relativePath(s, true);
    if (typeof p === 'string') {
      const at = within('/out/h/S', p);
      assert.ok(at !== undefined && at.startsWith('/out/h/S'), `${JSON.stringify(s)} → ${p}`);
      assert.ok(!p.split('/').includes('..') && !p.includes('\0'));
    }
    if (badComponent(s) === undefined) assert.equal(path.resolve('/out', s, 'x'), path.join('/out', s, 'x'), JSON.stringify(s));
    if (badChunkName(s) === undefined) assert.equal(path.dirname(path.resolve('/out/archives', s)), '/out/archives');
  }
});

test('command line: lttng-relayd options, loopback defaults, TTNG_HOME output', () => {
  const env = { tracesDir: '/home/u/ttng-traces', cwd: '/w' };
  const d = parseRelaydArgs([], env);
  assert.ok(typeof d === 'object');
  assert.deepEqual([d.control, d.data, d.live, d.output, d.groupBy, d.verbosity], [
    { host: '127.0.0.1', port: 5342 }, { host: '127.0.0.1', port: 5343 }, { host: '127.0.0.1', port: 5344 }, '/home/u/ttng-traces', 'host', 0,
  ]);
  const a = parseRelaydArgs(['-C', 'tcp://0.0.0.0:6000', '--data-port=tcp://0.0.0.0', '-Ltcp6://[::1]:7000', '-o', 'rel', '-s', '-vv', '-d'], env);
  assert.ok(typeof a === 'object');
  assert.deepEqual([a.control, a.data, a.live, a.output, a.groupBy, a.verbosity, a.daemonize], [
    { host: '0.0.0.0', port: 6000 }, { host: '0.0.0.0', port: 5343 }, { host: '::1', port: 7000 }, '/w/rel', 'session', 2, true,
  ]);
  assert.equal(parseRelaydArgs(['--help'], env), 'help');
  assert.equal(parseRelaydArgs(['-V'], env), 'version');
  assert.deepEqual(parseEndpoint('net://localhost', 1), { host: '127.0.0.1', port: 1 });
  for (const bad of [['-C', 'udp://x:1'], ['-C', 'tcp://x:99999'], ['--bogus'], ['stray'], ['-o']]) assert.throws(() => parseRelaydArgs(bad, env), ArgError, bad.join(' '));
});
