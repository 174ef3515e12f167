// Users other than root: their own daemon (no kernel tracing: a clear one-line
// error, never a stack trace), and the root daemon's socket closed to them
// unless they are in the `tracing` group. Runs the CLI as `nobody` through
// setpriv, so it needs root.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { before, describe, test } from 'node:test';
import { ensureBuilt, needs } from '../helpers.js';
import { hasSetpriv, home, oneError } from './harness.js';
import { tracingGid } from '../../src/ctl/paths.js';

before(() => ensureBuilt());

const NEED_ROOT =
  'Tracing the kernel requires a root ttng-sessiond daemon, as well as "tracing" group membership or root user ID for the ttng client';
const NOBODY_UID = 65534;
const NOGROUP_GID = 65534;

describe('a user other than root', { skip: needs(!hasSetpriv() && 'needs root and setpriv') }, () => {
  test('gets a per-user daemon, and a clear error for the kernel domain', async (t) => {
    const h = home(t, { fake: false, uid: NOBODY_UID, gid: NOGROUP_GID });
    const as = { asNobody: true };
    const c = await h.ttng(['create', 's'], as);
    assert.equal(c.code, 0, c.stderr);
    assert.match(c.stdout, /^Spawning a session daemon\nSession s created\.\n/);
    const pid = h.daemonPid()!;
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    assert.match(status, new RegExp(`^Uid:\\s+${NOBODY_UID}\\s`, 'm'), 'the daemon runs as the user');
    assert.equal(fs.statSync(h.socket).uid, NOBODY_UID);
    assert.equal(fs.statSync(h.socket).mode & 0o777, 0o600);

    assert.equal(oneError(await h.ttng(['enable-event', '-k', 'sched_switch'], as)), `Error: Event sched_switch: ${NEED_ROOT} (channel channel0, session s)`);
    assert.equal(oneError(await h.ttng(['enable-event', '-k', '--syscall', '-a'], as)), `Error: Events: ${NEED_ROOT} (channel channel0, session s)`);
    assert.equal(oneError(await h.ttng(['enable-channel', '-k', 'c'], as)), `Error: Channel c: ${NEED_ROOT} (session s)`);
    assert.equal(oneError(await h.ttng(['add-context', '-k', '-t', 'pid'], as)), `Error: pid: ${NEED_ROOT}`);
    assert.equal(oneError(await h.ttng(['list', '-k'], as)), `Error: Unable to list kernel events: ${NEED_ROOT}`);
    assert.equal(oneError(await h.ttng(['list', '-k', '--syscall'], as)), `Error: Unable to list system calls: ${NEED_ROOT}`);
    assert.equal(oneError(await h.ttng(['start'], as)), 'Error: No channel found in the session');
    // the rest works
    assert.equal(await h.ok(['destroy'], as), 'Session s destroyed\n');
  });

  test('cannot reach the root daemon, unless in the tracing group', async (t) => {
    const h = home(t, { mode: 0o755 });
    const r = await h.sessiond(['-d']);
    assert.equal(r.code, 0, r.stderr);
    await h.ok(['create', 'root-session']);
    const denied = await h.ttng(['list'], { asNobody: true });
    assert.equal(
      oneError(denied),
      `Error: Permission denied on ${h.socket}: only root and members of the "tracing" group may use the root session daemon`,
    );
    assert.equal(oneError(await h.ttng(['create', 'x'], { asNobody: true })), oneError(denied), 'create starts no daemon of its own there');
    const gid = tracingGid();
    if (gid === undefined) return; // no tracing group on this machine
    const member = ['--reuid=nobody', '--regid=nogroup', `--groups=${gid}`];
    const list = await h.ttng(['list'], { asNobody: member });
    assert.equal(list.code, 0, list.stderr);
    // sessions belong to their creator: a member of tracing does not see root's (as lttng-sessiond)
    assert.equal(list.stdout, 'Currently no available recording session\n');
  });
});
