// Flight recorder on the real kernel: `create --snapshot`, a known workload,
// `snapshot record [-m]`, read by babeltrace2; tracing goes on and the next
// snapshot holds later events (and overlaps the previous one, as LTTng's do).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, describe, test } from 'node:test';
import { ensureBuilt, needs } from '../helpers.js';
import { home, oneError } from './harness.js';
import type { TestHome } from './harness.js';
import { buildWorkload, filesBytes, readTrace, whyNoKernel } from './snapshot-workload.js';

before(() => ensureBuilt());

/** runs the workload; resolves with its pid once it has exited */
function runWorkload(exe: string, n: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const c = spawn(exe, [String(n)], { stdio: 'ignore' });
    c.on('error', reject);
    c.on('exit', (code) => (code === 0 ? resolve(c.pid!) : reject(new Error(`workload exit ${code}`))));
  });
}

function snapshotDirs(h: TestHome, session: string): string[] {
  const root = fs.readdirSync(path.join(h.dir, 'ttng-traces')).find((d) => d.startsWith(`${session}-`))!;
  const base = path.join(h.dir, 'ttng-traces', root);
  return fs.readdirSync(base).filter((d) => d.startsWith('snapshot-')).sort((a, b) => Number(a.split('-').pop()) - Number(b.split('-').pop())).map((d) => path.join(base, d));
}

describe('snapshot sessions on the real kernel', { skip: needs(whyNoKernel) }, () => {
  test('create --snapshot; snapshot record -m; a second snapshot holds later events', { timeout: 180_000 }, async (t) => {
    const h = home(t, { fake: false });
    const exe = buildWorkload(h.dir);
    const out = await h.ok(['create', 'fr', '--snapshot']);
    const lines = out.split('\n');
    assert.equal(lines[1], 'Snapshot session fr created.');
    assert.match(lines[2]!, /^Default snapshot output set to \/.*\/ttng-traces\/fr-[0-9]{8}-[0-9]{6}$/);
    assert.equal(lines[3], 'Every channel enabled for this session will be set to mmap output and default to overwrite mode.');
    await h.ok(['enable-event', '-k', 'sched_switch']);
    await h.ok(['enable-event', '-k', '--syscall', '-a']);
    await h.ok(['add-context', '-k', '-t', 'tid']);
    assert.match(await h.ok(['list', 'fr']), /Event-loss mode: +overwrite\n/);
    assert.equal(await h.ok(['snapshot', 'list-output']), `Snapshot output list for session fr\n    [1] snapshot-1: ${lines[2]!.slice('Default snapshot output set to '.length)} (max size: 0 bytes)\n`);
    // before start: nothing to record
    oneError(await h.ttng(['snapshot', 'record']));
    await h.ok(['start']);

    const pidA = await runWorkload(exe, 20_000);
    const max = 1 << 20;
    assert.equal(await h.ok(['snapshot', 'record', '-m', '1M']), 'Snapshot recorded successfully for session fr\n');
    const pidB = await runWorkload(exe, 3000);
    await h.ok(['snapshot', 'record']);
    const [first, second] = snapshotDirs(h, 'fr');
    assert.ok(first && second, 'two snapshot directories');
    assert.match(path.basename(first!), /^snapshot-1-[0-9]{8}-[0-9]{6}-0$/);
    assert.match(path.basename(second!), /^snapshot-1-[0-9]{8}-[0-9]{6}-1$/);
    assert.ok(fs.existsSync(path.join(first!, 'kernel', 'metadata')));
    assert.ok(fs.readdirSync(path.join(first!, 'kernel', 'index')).some((f) => f.endsWith('.idx')));
    const size = filesBytes(first!);
    assert.ok(size <= max, `snapshot files take ${size} bytes, more than -m ${max}`);

    const a = await readTrace(first!);
    assert.doesNotMatch(a.stderr, /discarded/i, 'overwritten data is not reported as discarded');
    const mine = a.events.filter((e) => e.tid === pidA);
    assert.ok(mine.length > 100, `workload A in the first snapshot: ${mine.length} events`);
    // the newest data: the workload's last events are there, in order (its exit last)
    const lastA = mine.filter((e) => e.name.startsWith('syscall_'));
    assert.equal(lastA[lastA.length - 1]!.name, 'syscall_entry_exit_group');
    assert.ok(lastA.filter((e) => e.name === 'syscall_entry_getppid').length > 50);
    assert.ok(!a.events.some((e) => e.tid === pidB), 'B ran after the first snapshot');
    // the state at the snapshot's time: the statedump, after the workload
    const sd = a.events.findIndex((e) => e.name === 'lttng_statedump_start');
    assert.ok(sd > a.events.indexOf(mine[mine.length - 1]!), 'a statedump ends the snapshot');
    assert.ok(a.events.some((e) => e.name === 'lttng_statedump_process_state'));

    const b = await readTrace(second!);
    assert.doesNotMatch(b.stderr, /discarded/i);
    const mineB = b.events.filter((e) => e.tid === pidB && e.name.startsWith('syscall_'));
    assert.equal(mineB.filter((e) => e.name === 'syscall_entry_getppid').length, 3000, 'the second snapshot holds all of B');
    assert.equal(mineB[mineB.length - 1]!.name, 'syscall_entry_exit_group');
    // LTTng's snapshots overlap: what the first one read is in the second too (within the buffer size)
    assert.ok(b.events.some((e) => e.tid === pidA && e.name === 'syscall_entry_exit_group'), 'the second snapshot overlaps the first');

    // each snapshot is a trace of its own (UUID): the session directory reads as both, by either reader
    const both = await readTrace(path.dirname(first!));
    assert.equal(both.events.length, a.events.length + b.events.length);
    const v = await h.ttng(['view', path.dirname(first!)]);
    assert.equal(v.code, 0, v.stderr);
    assert.equal(v.stdout.split('\n').length - 1, both.events.length);

    // outputs: del, add with a max size, record with a name to a directory of its own
    assert.equal(await h.ok(['snapshot', 'del-output', '1']), 'Snapshot output id 1 successfully deleted for session fr\n');
    const other = path.join(h.dir, 'elsewhere');
    assert.equal(await h.ok(['snapshot', 'add-output', '-n', 'mine', '-m', '2M', other]), `Snapshot output successfully added for session fr\n  [2] mine: ${other} (max size: 2097152 bytes)\n`);
    oneError(await h.ttng(['snapshot', 'add-output', other]));
    await h.ok(['snapshot', 'record', '-n', 'crash']);
    const named = fs.readdirSync(other);
    assert.equal(named.length, 1);
    assert.match(named[0]!, /^crash-[0-9]{8}-[0-9]{6}-2$/);
    assert.ok(filesBytes(path.join(other, named[0]!)) <= 2 << 20);
    await readTrace(path.join(other, named[0]!));
    // a size that cannot hold the metadata: one error line, nothing written
    const tiny = oneError(await h.ttng(['snapshot', 'record', '-m', '4k']));
    assert.match(tiny, /^Error: .*snapshot size/i);
    assert.equal(fs.readdirSync(other).length, 1);
    await h.ok(['stop']);
    // stopped: the buffers still hold the data
    await h.ok(['snapshot', 'record']);
    assert.equal(fs.readdirSync(other).length, 2);
    // clear: the buffers and what earlier snapshots kept are gone
    assert.equal(await h.ok(['clear']), 'Session "fr" cleared\n');
    await h.ok(['snapshot', 'record', '-n', 'cleared']);
    const cleared = fs.readdirSync(other).find((d) => d.startsWith('cleared-'))!;
    const c = await readTrace(path.join(other, cleared));
    assert.ok(!c.events.some((e) => e.tid === pidA || e.tid === pidB), 'nothing from before the clear');
    await h.ok(['destroy']);
  });

  test('snapshot verbs on a session that is not a snapshot session', async (t) => {
    const h = home(t, { fake: false });
    await h.ok(['create', 'plain']);
    await h.ok(['enable-event', '-k', 'sched_switch']);
    assert.match(oneError(await h.ttng(['snapshot', 'record'])), /non-snapshot session/);
    assert.match(oneError(await h.ttng(['snapshot', 'list-output'])), /non-snapshot session/);
    await h.ok(['destroy']);
  });
});
