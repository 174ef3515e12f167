// What ../shared/check-conformance.sh checks, one test per reference trace:
//   ../shared/traces/NAME/                 stdout == NAME.expected.txt, exit 0
//   ../shared/ctf-conformance/GROUP/NAME/  babeltrace2 exit 0: stdout == NAME.babeltrace2.txt, exit 0;
//                                          babeltrace2 failed: non-zero exit (not a crash or timeout),
//                                          a short error (at most 2 lines besides WARNING lines), no
//                                          stack trace, stdout == the events babeltrace2 printed first
//   both: the `WARNING: Tracer …` lines of babeltrace2's stderr are on ttng's stderr too, stream
//   paths compared by their last component.
// succeed/ traces that babeltrace2 2.0.4 itself cannot read have no reference output: skipped.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, describe, test } from 'node:test';
import { CONFORMANCE, STACK_LINE, TRACES, ensureBuilt, tracerWarnings, ttng } from '../helpers.js';

interface Case {
  name: string;
  dir: string;
  /** expected stdout file */
  want: string;
  mustFail: boolean;
  /** babeltrace2's stderr (may not exist: no warnings then) */
  wantErr: string;
  /** why it is not checked */
  skip?: string;
}

function cases(): Case[] {
  const out: Case[] = [];
  if (fs.existsSync(TRACES)) {
    for (const n of fs.readdirSync(TRACES).sort()) {
      const dir = path.join(TRACES, n);
      if (!fs.statSync(dir).isDirectory() || !fs.existsSync(`${dir}.expected.txt`)) continue;
      out.push({ name: `traces/${n}`, dir, want: `${dir}.expected.txt`, mustFail: false, wantErr: `${dir}.babeltrace2.stderr.txt` });
    }
  }
  if (fs.existsSync(CONFORMANCE)) {
    for (const g of fs.readdirSync(CONFORMANCE).sort()) {
      const gdir = path.join(CONFORMANCE, g);
      if (!fs.statSync(gdir).isDirectory()) continue;
      for (const n of fs.readdirSync(gdir).sort()) {
        const dir = path.join(gdir, n);
        if (!fs.statSync(dir).isDirectory() || !fs.existsSync(`${dir}.babeltrace2.exit`)) continue;
        const exit = fs.readFileSync(`${dir}.babeltrace2.exit`, 'utf8').trim();
        const c: Case = {
          name: `${g}/${n}`, dir, want: `${dir}.babeltrace2.txt`, mustFail: exit !== '0', wantErr: `${dir}.babeltrace2.stderr.txt`,
        };
        if (exit !== '0' && g === 'succeed') c.skip = `babeltrace2 2.0.4 cannot read it (exit ${exit}): no reference output`;
        out.push(c);
      }
    }
  }
  return out;
}

/** lines of a text as grep counts them */
function lines(s: string): string[] {
  const l = s.split('\n');
  if (l[l.length - 1] === '') l.pop();
  return l;
}

const all = cases();

describe('conformance with babeltrace2 2.0.4 on the reference traces', { concurrency: 2 }, () => {
  before(() => ensureBuilt());

  test('the reference corpus is present', () => {
    assert.ok(all.length >= 60, `expected the reference traces under ${TRACES} and ${CONFORMANCE}, found ${all.length}`);
  });

  for (const c of all) {
    test(c.name, { skip: c.skip, timeout: 90_000 }, async () => {
      const r = await ttng(['view', c.dir]);
      const want = fs.readFileSync(c.want, 'utf8');
      const detail = `\n--- stderr ---\n${r.stderr.slice(0, 2000)}`;
      if (c.mustFail) {
        assert.ok(r.signal === null && r.code !== null, `killed by ${r.signal} (timeout or crash)${detail}`);
        assert.notEqual(r.code, 0, `exit 0 on a trace babeltrace2 rejects${detail}`);
        assert.ok(r.code < 124, `exit ${r.code} (timeout or crash)${detail}`);
        assert.doesNotMatch(r.stderr, STACK_LINE, `stack trace on stderr${detail}`);
        assert.ok(r.stderr.trim() !== '', 'no error message on stderr');
        const errLines = lines(r.stderr).filter((l) => !l.startsWith('WARNING: Tracer'));
        assert.ok(errLines.length <= 2, `error message longer than 2 lines${detail}`);
        assert.equal(r.stdout, want, "events before the error differ from babeltrace2's");
      } else {
        assert.equal(r.code, 0, `exit ${r.code} (signal ${r.signal})${detail}`);
        assert.equal(r.stdout, want, 'stdout differs from the reference');
      }
      const wantWarnings = fs.existsSync(c.wantErr) ? tracerWarnings(fs.readFileSync(c.wantErr, 'utf8')) : [];
      assert.deepEqual(tracerWarnings(r.stderr), wantWarnings, "WARNING lines on stderr differ from babeltrace2's");
    });
  }
});
