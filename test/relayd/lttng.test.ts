// ttng-relayd against the real thing: Debian's lttng-sessiond 2.13 (`--no-kernel`, as
// nobody, a home of its own) streams the reference C app's events into ttng-relayd
// through a tee that feeds the same bytes to Debian's lttng-relayd. babeltrace2 reads
// both relays live and their files afterwards; the two relays' files are compared byte
// for byte (same session, same bytes in: the same trace out).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { needs, tempDir } from '../helpers.js';
import { LiveClient } from './client.js';
import {
  LttngHome, babeltrace1, babeltrace2, babeltrace2Live, buildReftypes, emptyStrings, lttngMissing, sameEventText, startLttngRelayd, startTtngRelayd, tree, treeDiff, type RelayProcess,
} from './lttng.js';
import { tee, type Tee } from './tee.js';

const skip = needs(lttngMissing());
const HOST = os.hostname();

interface Setup {
  dir: string;
  app: string;
  ttng: RelayProcess;
  lttng: RelayProcess;
  tees: Tee[];
  home: LttngHome;
  url: string;
  cleanup(): Promise<void>;
}

async function setup(): Promise<Setup> {
  const tmp = tempDir('ttng-relayd-lttng-');
  const app = await buildReftypes(path.join(tmp.dir));
  const ttng = await startTtngRelayd(path.join(tmp.dir, 'ttng-out'));
  const lttng = await startLttngRelayd(path.join(tmp.dir, 'lttng-out'));
  const tees = [await tee(ttng.control, lttng.control), await tee(ttng.data, lttng.data)];
  const home = new LttngHome();
  await home.startSessiond();
  return {
    dir: tmp.dir, app, ttng, lttng, tees, home,
    url: `net://127.0.0.1:${tees[0]!.port}:${tees[1]!.port}`,
    async cleanup() {
      await home.stop();
      for (const t of tees) await t.close();
      await ttng.stop();
      await lttng.stop();
      tmp.remove();
    },
  };
}

/** waits until a viewer is attached to session `name` on the relay (LIST_SESSIONS' clients) */
async function attached(livePort: number, name: string): Promise<void> {
  const c = await LiveClient.open(livePort);
  try {
    for (let i = 0; i < 300; i++) {
      const r = await c.ask({ cmd: 'LIST_SESSIONS' });
      if (r.sessions.some((s) => s.sessionName === name && s.clients === 1)) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.fail(`no viewer attached to ${name}`);
  } finally {
    c.close();
  }
}

/** the two relays' outputs, once lttng-relayd (fed last, through the tee) has written all */
async function sameTrees(s: Setup): Promise<void> {
  for (const t of s.tees) await t.idle();
  let why: string | undefined;
  for (let i = 0; i < 100; i++) {
    why = treeDiff(tree(s.ttng.output), tree(s.lttng.output));
    if (!why) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  assert.fail(`ttng-relayd's and lttng-relayd's files differ: ${why}`);
}

function count(text: string, what: string): number {
  return text.split('\n').filter((l) => l.includes(what)).length;
}

test('a live session from lttng-sessiond: babeltrace2 live reads it, files read the same, lttng-relayd writes the same bytes', { skip, timeout: 240_000 }, async () => {
  const s = await setup();
  try {
    await s.home.lttng('create', 'S', '--live=200000', `--set-url=${s.url}`);
    await s.home.lttng('enable-event', '--userspace', '--all');
    await s.home.lttng('start');
    const liveTtng = babeltrace2Live(`net://127.0.0.1:${s.ttng.live}/host/${HOST}/S`);
    const liveLttng = babeltrace2Live(`net://127.0.0.1:${s.lttng.live}/host/${HOST}/S`);
    await attached(s.ttng.live, 'S');
    await attached(s.lttng.live, 'S');
    const r = await s.home.run(s.app, ['40', '0', '0', '2000']);
    assert.equal(r.code, 0, r.stderr);
    await s.home.lttng('destroy', 'S');
    const [lt, ll] = [await liveTtng.done, await liveLttng.done];
    assert.equal(lt.code, 0, `babeltrace2 live on ttng-relayd: ${lt.stderr}`);
    assert.equal(ll.code, 0, `babeltrace2 live on lttng-relayd: ${ll.stderr}`);
    const files = await babeltrace2([s.ttng.output]);
    assert.equal(count(files, 'reftypes:ints:'), 40, files);
    const empty = emptyStrings(await babeltrace1([s.ttng.output]));
    assert.equal(sameEventText(lt.stdout, files, empty), undefined, 'babeltrace2 live on ttng-relayd prints what babeltrace2 prints on its files');
    assert.equal(sameEventText(lt.stdout, ll.stdout, empty), undefined, 'babeltrace2 live prints the same from both relays');
    await sameTrees(s);
    assert.deepEqual(fs.readdirSync(s.ttng.output), [HOST]);
    assert.doesNotMatch(s.ttng.log(), /ERROR|WARN/);
  } finally {
    await s.cleanup();
  }
});

test('session rotation: each chunk lands in archives/ as lttng-relayd lays it out, and babeltrace2 reads each archive', { skip, timeout: 240_000 }, async () => {
  const s = await setup();
  try {
    await s.home.lttng('create', 'R', `--set-url=${s.url}`);
    await s.home.lttng('enable-event', '--userspace', '--all');
    await s.home.lttng('start');
    const rotated: string[] = [];
    for (const rounds of [20, 15]) {
      assert.equal((await s.home.run(s.app, [String(rounds)])).code, 0);
      rotated.push(await s.home.lttng('rotate', 'R'));
    }
    assert.equal((await s.home.run(s.app, ['10'])).code, 0);
    const destroyed = await s.home.lttng('destroy', 'R');
    // the sessiond prints the archive paths ttng-relayd answered, as it does lttng-relayd's
    assert.match(rotated[1]!, new RegExp(`readable on relay tcp://127\\.0\\.0\\.1/${HOST}/R-\\d{8}-\\d{6}/archives/\\d{8}T\\d{6}[+-]\\d{4}-\\d{8}T\\d{6}[+-]\\d{4}-1 `));
    assert.match(destroyed, /archives\/\d{8}T\d{6}[+-]\d{4}-\d{8}T\d{6}[+-]\d{4}-2 /);
    await sameTrees(s);
    const sessionDirs = fs.readdirSync(path.join(s.ttng.output, HOST));
    assert.equal(sessionDirs.length, 1);
    const sessionDir = path.join(s.ttng.output, HOST, sessionDirs[0]!);
    assert.deepEqual(fs.readdirSync(sessionDir), ['archives']);
    const archives = fs.readdirSync(path.join(sessionDir, 'archives')).sort();
    assert.deepEqual(archives.map((a) => a.replace(/^.*-/, '')), ['0', '1', '2']);
    const perChunk = [];
    for (const a of archives) perChunk.push(count(await babeltrace2([path.join(sessionDir, 'archives', a)]), 'reftypes:ints:'));
    assert.deepEqual(perChunk, [20, 15, 10]);
  } finally {
    await s.cleanup();
  }
});
