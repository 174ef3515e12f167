// Small traces made for one behaviour each (copies of reference traces with one change,
// or written here), printed by `ttng view` as babeltrace2 2.0.4 prints them. The expected
// text comes from babeltrace2; when it is installed, its output is compared too.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { CONFORMANCE, NO_BABELTRACE2, babeltrace2, copyTrace, ensureBuilt, has, tempDir, ttng } from '../helpers.js';

const tmp = tempDir('ttng-crafted-');
const INTERSECT = path.join(CONFORMANCE, 'intersection', '3eventsintersect');
const HEARTBEAT = path.join(CONFORMANCE, 'succeed', 'wk-heartbeat-u');

async function alsoBabeltrace2(args: string[], stdout: string): Promise<void> {
  if (!has(NO_BABELTRACE2)) return;
  const b = await babeltrace2(args);
  assert.equal(b.code, 0, b.stderr);
  assert.equal(stdout, b.stdout, "differs from babeltrace2's output");
}

/** metadata of a trace without packet header or context: each file is one packet */
function simpleMetadata(events: string): string {
  return (
    '/* CTF 1.8 */\ntypealias integer { size = 8; align = 8; signed = false; } := uint8_t;\n' +
    'trace { major = 1; minor = 8; byte_order = le; };\n' +
    'stream { event.header := struct { uint8_t id; }; };\n' +
    events
  );
}

describe('crafted traces', () => {
  before(() => ensureBuilt());
  after(() => tmp.remove());

  test('clock offset in whole seconds (3eventsintersect as it is)', async () => {
    const r = await ttng(['view', INTERSECT]);
    assert.equal(r.stdout, fs.readFileSync(`${INTERSECT}.babeltrace2.txt`, 'utf8'));
  });

  test(
    'clock offset with a fraction of a second, timestamps below 2^32 cycles',
    async () => {
      const dir = path.join(tmp.dir, 'offset');
      copyTrace(INTERSECT, dir);
      const meta = path.join(dir, 'metadata');
      const text = fs.readFileSync(meta, 'utf8');
      assert.match(text, /\n\toffset = 0;/);
      fs.writeFileSync(meta, text.replace(/\n\toffset = 0;/, '\n\toffset = 500000000;'));
      const r = await ttng(['view', dir]);
      assert.equal(r.code, 0, r.stderr);
      const want = fs.readFileSync(`${INTERSECT}.babeltrace2.txt`, 'utf8').replace(/^\[10:15:09\.0/gm, '[10:15:09.5');
      assert.equal(r.stdout, want);
      await alsoBabeltrace2([dir], r.stdout);
    },
  );

  test(
    'two traces 42 years apart in one view',
    async () => {
      const r = await ttng(['view', HEARTBEAT, INTERSECT]);
      assert.equal(r.code, 0, r.stderr);
      const lines = r.stdout.split('\n');
      const ref1970 = fs.readFileSync(`${INTERSECT}.babeltrace2.txt`, 'utf8').split('\n');
      const ref2012 = fs.readFileSync(`${HEARTBEAT}.babeltrace2.txt`, 'utf8').split('\n');
      assert.deepEqual(lines.slice(0, 8), ref1970.slice(0, 8));
      assert.ok(lines[8]!.startsWith('[17:48:17.586558519] (+1338017588.'), lines[8]);
      assert.deepEqual(lines.slice(9), ref2012.slice(1));
      await alsoBabeltrace2([HEARTBEAT, INTERSECT], r.stdout);
    },
  );

  test(
    'an event name longer than the output buffer\'s headroom, written where the buffer is almost full',
    async () => {
      // 80026 lines of 13 bytes end at 1040338, just below the flush limit (1 MiB - 8192);
      // then one line whose 8245-byte prefix crosses the end of the buffer
      const dir = path.join(tmp.dir, 'long-name');
      fs.mkdirSync(dir);
      const name = 'x'.repeat(8243);
      fs.writeFileSync(
        path.join(dir, 'metadata'),
        simpleMetadata(
          'event { name = a; id = 0; fields := struct { uint8_t v; }; };\n' +
            `event { name = "${name}"; id = 1; fields := struct { uint8_t v; }; };\n`,
        ),
      );
      const data = Buffer.alloc(80026 * 2 + 2);
      for (let i = 0; i < 80026; i++) data[2 * i + 1] = 7; // id 0, v = 7
      data[80026 * 2] = 1; // id 1
      data[80026 * 2 + 1] = 9;
      fs.writeFileSync(path.join(dir, 'stream'), data);
      const r = await ttng(['view', dir]);
      assert.equal(r.code, 0, r.stderr);
      const want = 'a: { v = 7 }\n'.repeat(80026) + `${name}: { v = 9 }\n`;
      assert.equal(r.stdout.length, want.length, 'output length');
      assert.ok(r.stdout === want, 'output differs');
      await alsoBabeltrace2([dir], r.stdout);
    },
  );

  test(
    'a payload field mapped to a clock gives the stream its clock',
    async () => {
      const dir = path.join(tmp.dir, 'payload-clock');
      fs.mkdirSync(dir);
      fs.writeFileSync(
        path.join(dir, 'metadata'),
        '/* CTF 1.8 */\ntypealias integer { size = 8; align = 8; signed = false; } := uint8_t;\n' +
          'trace { major = 1; minor = 8; byte_order = le; };\nclock { name = c; freq = 1000000000; };\n' +
          'event { name = e; fields := struct { integer { size = 8; map = clock.c.value; } x; uint8_t y; }; };\n',
      );
      fs.writeFileSync(path.join(dir, 'stream'), Buffer.from([5, 6, 7, 8]));
      const r = await ttng(['view', dir]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, '[00:00:00.000000000] (+?.?????????) e: { y = 6 }\n[00:00:00.000000005] (+0.000000005) e: { y = 8 }\n');
      await alsoBabeltrace2([dir], r.stdout);
    },
  );

  test('long strings and many fields cross output buffer boundaries intact', async () => {
    // strings of every length up to 3000 bytes with characters babeltrace2 escapes
    const dir = path.join(tmp.dir, 'long-strings');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'metadata'), simpleMetadata('event { name = s; id = 0; fields := struct { string a; uint8_t n; string b; }; };\n'));
    const parts: Buffer[] = [];
    let want = '';
    const esc = (s: string): string => s.replace(/[\\"'?]/g, (c) => '\\' + c).replace(/\n/g, '\\n').replace(/\t/g, '\\t');
    // (no empty string: babeltrace2 2.0.4 prints empty strings with a stale earlier value)
    for (let len = 1; len < 3000; len += 7) {
      const a = 'ab"\n?\t\\'.repeat(Math.ceil(len / 7)).slice(0, len);
      const b = 'é'.repeat(1 + (len % 50));
      parts.push(Buffer.from([0]), Buffer.from(a + '\0' + String.fromCharCode(len & 0xff), 'latin1'), Buffer.from(b + '\0', 'utf8'));
      want += `s: { a = "${esc(a)}", n = ${len & 0xff}, b = "${b}" }\n`;
    }
    fs.writeFileSync(path.join(dir, 'stream'), Buffer.concat(parts));
    const r = await ttng(['view', dir]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, want);
    await alsoBabeltrace2([dir], r.stdout);
  });
});
