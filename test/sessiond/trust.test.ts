// Issue 10's attacks, as a real non-root member of `tracing` (made by the
// test) against a root daemon: each fails with one line and touches nothing;
// sessions belong to their creator; a member's traces are its own.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { before, describe, test } from 'node:test';
import { ensureBuilt, needs } from '../helpers.js';
import { home, oneError } from './harness.js';
import type { TestHome } from './harness.js';
import { noTestUser, tracingUser } from '../users.js';
import { kernelTracerAvailable } from '../../src/kernel/index.js';

function whyNoKernel(): string | false {
  const k = kernelTracerAvailable();
  return k.ok ? false : `needs the kernel tracer: ${k.reason ?? 'unavailable'}`;
}
import type { TestUser } from '../users.js';

before(() => ensureBuilt());

const why = noTestUser() || (!fs.existsSync('/usr/bin/setpriv') && 'needs setpriv');

describe('a member of tracing against the root daemon', { skip: needs(why) }, () => {
  let u: TestUser;
  let as: { asNobody: string[]; env: NodeJS.ProcessEnv };
  let tmp: string;

  before(() => {
    u = tracingUser();
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ttng-trust-'));
    fs.chmodSync(tmp, 0o1777);
  });

  /** a root daemon (fake kernel) the member reaches through a link to its socket from its own TTNG_HOME */
  async function setup(t: Parameters<typeof home>[0], realKernel = false): Promise<TestHome> {
    const h = home(t, { mode: 0o755, fake: !realKernel });
    assert.equal((await h.sessiond(['-d'])).code, 0);
    const mine = fs.mkdtempSync(path.join(tmp, 'member-'));
    fs.mkdirSync(path.join(mine, '.ttng'));
    fs.symlinkSync(h.socket, path.join(mine, '.ttng', 'sessiond.sock'));
    fs.chownSync(mine, u.uid, u.gid);
    fs.lchownSync(path.join(mine, '.ttng'), u.uid, u.gid);
    as = {
      asNobody: [`--reuid=${u.uid}`, `--regid=${u.gid}`, '--init-groups'],
      env: { HOME: mine, TTNG_HOME: mine },
    };
    return h;
  }

  test('a planted link at the output is not followed: the root-only target is untouched', { skip: needs(whyNoKernel()) }, async (t) => {
    const h = await setup(t, true);
    const victim = path.join(tmp, 'victim.txt');
    fs.writeFileSync(victim, 'secret\n', { mode: 0o600 });
    const o = path.join(tmp, 'o');
    fs.mkdirSync(path.join(o, 'kernel'), { recursive: true });
    // at the metadata (written to a new file, then renamed over the link) and at a stream file (opened O_NOFOLLOW)
    fs.symlinkSync(victim, path.join(o, 'kernel', 'metadata'));
    fs.symlinkSync(victim, path.join(o, 'kernel', 'channel0_0'));
    for (const p of [o, path.join(o, 'kernel')]) fs.chownSync(p, u.uid, u.gid);
    for (const l of ['metadata', 'channel0_0']) fs.lchownSync(path.join(o, 'kernel', l), u.uid, u.gid);
    assert.equal((await h.ttng(['create', 's', '-o', o], as)).code, 0);
    assert.equal((await h.ttng(['enable-event', '-k', 'sched_switch'], as)).code, 0);
    const start = await h.ttng(['start'], as);
    assert.match(oneError(start), /Refusing to follow a symbolic link: .*channel0_0/);
    assert.equal(fs.readFileSync(victim, 'utf8'), 'secret\n');
    assert.equal(fs.statSync(victim).size, 7);
  });

  test('no folder in /etc, no file in /etc/cron.d, no snapshot name escaping its folder', async (t) => {
    const h = await setup(t);
    assert.match(oneError(await h.ttng(['create', 'g1', '-o', '/etc/ttng-x'], as)), /Cannot create the output directory \/etc\/ttng-x: Permission denied/);
    assert.ok(!fs.existsSync('/etc/ttng-x'));
    assert.equal((await h.ttng(['create', 'g1'], as)).code, 0);
    assert.match(oneError(await h.ttng(['save', 'g1', '-o', '/etc/cron.d'], as)), /Permission denied/);
    assert.ok(!fs.existsSync('/etc/cron.d/g1.lttng'));
    assert.equal((await h.ttng(['create', 'snap', '--snapshot', '-o', path.join(tmp, 'snapout')], as)).code, 0);
    assert.equal((await h.ttng(['enable-event', '-k', 'sched_switch'], as)).code, 0);
    assert.equal((await h.ttng(['start'], as)).code, 0);
    const esc = await h.ttng(['snapshot', 'record', '-n', '../../../tmp/x'], as);
    assert.match(oneError(esc), /Invalid snapshot name/);
    assert.ok(!fs.existsSync('/tmp/x-'));
  });

  test('load reads with the member\'s rights: /etc/shadow and /root are refused', async (t) => {
    const h = await setup(t);
    assert.match(oneError(await h.ttng(['load', '-i', '/etc/shadow'], as)), /Permission denied/);
    assert.match(oneError(await h.ttng(['load', '-i', '/root/'], as)), /Permission denied/);
  });

  test("root's sessions are invisible to a member; the member's own trace is its own (0640/0750) and it can read it", { skip: needs(whyNoKernel()) }, async (t) => {
    const h = await setup(t, true);
    await h.ok(['create', 'root-session']);
    assert.equal(await h.ok(['list'], as), 'Currently no available recording session\n');
    assert.match(oneError(await h.ttng(['destroy', 'root-session'], as)), /^Error: Session name (root-session )?not found$/);
    assert.match(oneError(await h.ttng(['start', 'root-session'], as)), /^Error: Session name (root-session )?not found$/);
    assert.match(await h.ok(['list']), /root-session/);

    const created = await h.ttng(['create', 'mine'], as);
    assert.equal(created.code, 0, created.stderr);
    const out = /Traces will be output to (\S+)/.exec(created.stdout)![1]!;
    assert.ok(out.startsWith(path.join(u.home, 'ttng-traces', 'mine-')), out);
    assert.equal((await h.ttng(['enable-event', '-k', 'sched_switch'], as)).code, 0);
    assert.equal((await h.ttng(['start'], as)).code, 0);
    assert.equal((await h.ttng(['stop'], as)).code, 0);
    const st = fs.statSync(path.join(out, 'kernel'));
    assert.deepEqual([st.uid, st.mode & 0o777], [u.uid, 0o750]);
    const meta = fs.statSync(path.join(out, 'kernel', 'metadata'));
    assert.deepEqual([meta.uid, meta.gid, meta.mode & 0o777], [u.uid, u.gid, 0o640]);
    // root sees the member's session too
    assert.match(await h.ok(['list']), /mine/);
    const view = await h.ttng(['view', 'mine'], as);
    assert.equal(view.code, 0, view.stderr);
    assert.equal((await h.ttng(['destroy', 'mine'], as)).code, 0);
  });

  test('bounded: a channel larger than memory, a name too long for a folder, -o at a file', async (t) => {
    const h = await setup(t);
    assert.equal((await h.ttng(['create', 's'], as)).code, 0);
    assert.equal(oneError(await h.ttng(['enable-channel', '-k', '--subbuf-size=1G', '--num-subbuf=1024', 'big'], as)), 'Error: Channel big: Not enough memory (session s)');
    assert.match(oneError(await h.ttng(['create', 'n'.repeat(250)], as)), /Session name too long/);
    const file = path.join(tmp, 'a-file');
    fs.writeFileSync(file, '');
    assert.match(oneError(await h.ttng(['create', 'f', '-o', file], as)), /Cannot create the output directory .*a-file: Not a directory/);
  });
});
