// The pure parts of snapshots and rotation: names of snapshot and chunk
// directories (LTTng's), snapshot outputs, URLs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CtlError } from '../../src/ctl/protocol.js';
import { SnapshotState, snapshotDirName, snapshotUrlToDir } from '../../src/sessiond/snapshot.js';
import { RotationState } from '../../src/sessiond/rotation.js';
import { creationDatetime as chunkTime } from '../../src/ctl/time.js';

test('snapshot directories: NAME-YYYYmmdd-HHMMSS-N in local time', () => {
  const d = new Date(2024, 0, 2, 3, 4, 5);
  assert.equal(snapshotDirName('snapshot-1', d, 0), 'snapshot-1-20240102-030405-0');
  assert.equal(snapshotDirName('crash', d, 12), 'crash-20240102-030405-12');
});

test('chunk times: YYYYmmddTHHMMSS±HHMM with the local offset', () => {
  const d = new Date(2024, 10, 26, 14, 5, 9);
  const off = -d.getTimezoneOffset();
  const sign = off >= 0 ? '+' : '-';
  const hh = String(Math.floor(Math.abs(off) / 60)).padStart(2, '0');
  const mm = String(Math.abs(off) % 60).padStart(2, '0');
  assert.equal(chunkTime(d), `20241126T140509${sign}${hh}${mm}`);
});

test('chunk directories: the first at the top of the output, then BEGIN-INDEX', () => {
  const r = new RotationState('/out');
  assert.equal(r.chunkDir(), '/out');
  r.index = 2;
  r.begin = new Date(2024, 0, 1, 0, 0, 0);
  assert.match(r.chunkDir(), /^\/out\/20240101T000000[+-][0-9]{4}-2$/);
});

test('snapshot outputs: one per session, ids from 1, named snapshot-ID by default, deleted by id or name', () => {
  const s = new SnapshotState();
  const o = s.add('/a', undefined, 0);
  assert.deepEqual(o, { id: 1, name: 'snapshot-1', path: '/a', maxSize: 0 });
  assert.throws(() => s.add('/b', 'x', 0), (e: unknown) => e instanceof CtlError && e.code === 'SNAPSHOT_OUTPUT_EXIST');
  assert.deepEqual(s.del(undefined, 'snapshot-1'), o);
  assert.equal(s.outputs.length, 0);
  assert.deepEqual(s.add('/b', 'mine', 4096), { id: 2, name: 'mine', path: '/b', maxSize: 4096 });
  assert.throws(() => s.del(7, undefined), CtlError);
  assert.equal(s.del(2, undefined).name, 'mine');
});

test('snapshot URLs: file:// or an absolute path; network outputs and relative paths refused', () => {
  assert.equal(snapshotUrlToDir('file:///tmp/x/'), '/tmp/x/');
  assert.equal(snapshotUrlToDir('/tmp/../tmp/y'), '/tmp/y');
  assert.throws(() => snapshotUrlToDir('net://host'), /not supported/);
  assert.throws(() => snapshotUrlToDir('rel/dir'), /absolute path/);
});
