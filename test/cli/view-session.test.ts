// `ttng view` with lttng view's forms: no argument (the current session),
// SESSION, `-t DIR`, `-e CMD` (another viewer), a running session refused;
// paths still read as traces. The fake kernel tracer copies a reference trace
// into the session's output when it stops.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, describe, test } from 'node:test';
import { NO_BABELTRACE2, TRACES, babeltrace2, ensureBuilt, needs } from '../helpers.js';
import { home, oneError } from '../sessiond/harness.js';

before(() => ensureBuilt());

const TRACE = path.join(TRACES, 'ust-types');
const EXPECTED = fs.readFileSync(path.join(TRACES, 'ust-types.expected.txt'), 'utf8');

describe('ttng view SESSION', () => {
  test('current session, named session, -t, running and unstarted sessions', async (t) => {
    const h = home(t, { env: { TTNG_FAKE_KERNEL_TRACE: TRACE } });
    const out = path.join(h.dir, 'out');
    await h.ok(['create', 'v', '-o', out]);
    await h.ok(['enable-event', '-k', 'sched_switch']);
    await h.ok(['start']);
    const running = await h.ttng(['view']);
    assert.equal(oneError(running), 'Warning: Session v is running. Please stop it before reading it.');
    assert.equal(running.stdout, '');
    assert.equal(oneError(await h.ttng(['view', 'v'])), 'Warning: Session v is running. Please stop it before reading it.');
    await h.ok(['stop']);

    const cur = await h.ttng(['view']);
    assert.equal(cur.code, 0, cur.stderr);
    assert.equal(cur.stdout, EXPECTED, 'no argument: the current session, printed as babeltrace2 does');
    assert.equal(await h.ok(['view', 'v']), EXPECTED);
    assert.equal(await h.ok(['view', '-t', out]), EXPECTED);
    assert.equal(await h.ok(['view', '--trace-path', out, '--names=none']), await h.ok(['view', out, '--names=none']));
    // babeltrace2's -e TIME still ends the output
    const first = EXPECTED.split('\n')[0] + '\n';
    assert.equal(await h.ok(['view', 'v', '-e', '10:26:13.0041']), first);

    await h.ok(['create', 'never']);
    assert.match(oneError(await h.ttng(['view', 'never'])), /^Error: Session never has no trace yet \(.*never-[0-9]{8}-[0-9]{6} is empty\): start it first$/);
    // not a path, not a session: the path error, as before sessions existed
    assert.equal(oneError(await h.ttng(['view', 'nosuch'])), 'Error: nosuch: no such file or directory');
  });

  test('an existing path wins over a session of the same name', async (t) => {
    const h = home(t, { env: { TTNG_FAKE_KERNEL_TRACE: TRACE } });
    const r = await h.ttng(['view', 'ust-types'], { cwd: TRACES });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, EXPECTED);
    assert.equal(h.daemonPid(), undefined, 'reading a path asks no daemon');
  });

  test('-e CMD runs another viewer on the session output', { skip: needs(NO_BABELTRACE2) }, async (t) => {
    const h = home(t, { env: { TTNG_FAKE_KERNEL_TRACE: TRACE } });
    const out = path.join(h.dir, 'out');
    await h.ok(['create', 'e', '-o', out]);
    await h.ok(['enable-event', '-k', 'x']);
    await h.ok(['start']);
    await h.ok(['stop']);
    const ref = await babeltrace2(['--names=none', out]);
    assert.equal(ref.code, 0);
    const r = await h.ttng(['view', '-e', 'babeltrace2 --names=none']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, ref.stdout);
    const r2 = await h.ttng(['view', '--viewer=babeltrace2', 'e']);
    assert.equal(r2.stdout, (await babeltrace2([out])).stdout);
    assert.match(oneError(await h.ttng(['view', '-e', '/nonexistent/viewer'])), /^Error: Cannot run the viewer "\/nonexistent\/viewer": ENOENT$/);
  });
});
