// `ttng analyze` on bad input: a corrupt trace reports what it could compute,
// then the reader's one-line error, exit 1, no stack trace; wrong command
// lines are one line too. No root and no lttng-analyses needed.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CONFORMANCE, STACK_LINE, copyTrace, ensureBuilt, tempDir, ttng } from '../helpers.js';

const ROTATION = path.join(CONFORMANCE, 'succeed', 'lttng-tracefile-rotation');
const tmp = tempDir('ttng-analyze-');

before(() => ensureBuilt());
after(() => tmp.remove());

/** stderr lines (no stack trace allowed) */
function errLines(stderr: string): string[] {
  assert.doesNotMatch(stderr, STACK_LINE, stderr);
  return stderr.split('\n').filter((l) => l !== '');
}

describe('ttng analyze on bad input', () => {
  test('a corrupt event mid-trace: the results so far, then one error line, exit 1', async () => {
    const dir = path.join(tmp.dir, 'corrupt');
    copyTrace(ROTATION, dir);
    // garbage in the middle of the busiest stream file: an unknown event id
    const f = path.join(dir, 'kernel', 'mychan_0_1');
    const size = fs.statSync(f).size;
    const fd = fs.openSync(f, 'r+');
    fs.writeSync(fd, Buffer.alloc(4096, 0xff), 0, 4096, Math.floor(size / 2));
    fs.closeSync(fd);
    for (const mi of [false, true]) {
      const r = await ttng(['analyze', 'cputop', '--no-intersection', ...(mi ? ['--mi'] : []), dir], 60_000, { TZ: 'UTC' });
      assert.equal(r.code, 1);
      if (mi) {
        const [results, error] = r.stdout.trim().split('\n');
        assert.match(results!, /^\{"results": \[\{"class": "per-process"/);
        assert.match(error!, /^\{"error-message": "Error: .*mychan_0_1.*"\}$/);
        assert.deepEqual(errLines(r.stderr), []);
      } else {
        assert.match(r.stdout, /^Checking the trace for lost events...\nTimerange: \[2019-10-16 21:36:35\.\d+, 2019-10-16 21:36:3\d\.\d+\]\nPer-TID Usage/);
        assert.match(r.stdout, /Total CPU Usage: \d+\.\d\d%/);
        const lines = errLines(r.stderr);
        assert.equal(lines.length, 1, r.stderr);
        assert.match(lines[0]!, /^Error: .*mychan_0_1: byte offset \d+: /);
      }
    }
  });

  test('a truncated stream file: one error line, exit 1', async () => {
    const dir = path.join(tmp.dir, 'truncated');
    copyTrace(ROTATION, dir);
    const f = path.join(dir, 'kernel', 'mychan_1_0');
    fs.truncateSync(f, Math.floor(fs.statSync(f).size / 2) + 3);
    const r = await ttng(['analyze', 'syscallstats', '--no-intersection', dir]);
    assert.equal(r.code, 1);
    const lines = errLines(r.stderr);
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, /^Error: .*mychan_1_0/);
  });

  test('no trace, unknown command or option, bad dates: one line each', async () => {
    const cases: [string[], RegExp][] = [
      [['analyze', 'cputop', path.join(tmp.dir, 'nothing')], /^Error: .*nothing.*no such file or directory/],
      [['analyze', 'cputop'], /^Command line error: Please specify a trace path$/],
      [['analyze', 'nosuch', ROTATION], /^Error: unknown analysis "nosuch"/],
      [['analyze', 'cputop', '--bogus', ROTATION], /--bogus/],
      [['analyze', 'cputop', '--begin', 'yesterday', ROTATION], /^Command line error: Unrecognised date format: yesterday$/],
      [['analyze', 'cputop', '--timerange', '21:00,22:00', ROTATION], /^Command line error: Invalid time range format: 21:00,22:00$/],
      [['analyze', 'cputop', '--end', '2000-01-01 00:00:00', ROTATION], /^Command line error: --end timestamp before beginning of trace$/],
      [['analyze', 'cputop', ROTATION], /^Error: Trace has no intersection\. Use --no-intersection to override$/],
    ];
    for (const [args, want] of cases) {
      const r = await ttng(args, 60_000, { TZ: 'UTC' });
      assert.equal(r.code, 1, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
      const lines = errLines(r.stderr);
      assert.equal(lines.length, 1, `${args.join(' ')}: ${r.stderr}`);
      assert.match(lines[0]!, want);
    }
    const mi = await ttng(['analyze', 'cputop', '--mi', '--begin', 'yesterday', ROTATION]);
    assert.equal(mi.code, 1);
    assert.equal(mi.stdout, '{"error-message": "Command line error: Unrecognised date format: yesterday"}\n');
  });

  test('--help lists only the commands that are implemented', async () => {
    const r = await ttng(['analyze', '--help']);
    assert.equal(r.code, 0);
    const listed = [...r.stdout.matchAll(/^ {2}([a-z]+) {2,}/gm)].map((m) => m[1]);
    assert.deepEqual(listed, ['cputop', 'syscallstats', 'iousagetop', 'iolatencytop', 'iolatencystats', 'iolatencyfreq', 'iolog', 'schedtop', 'schedlog', 'schedstats', 'memtop']);
    const main = await ttng(['--help']);
    assert.match(main.stdout, /analyze COMMAND TRACE/);
  });
});
