// `ttng convert` then `ttng view` prints the original's text; babeltrace2 and
// babeltrace 1.5 read the converted trace and find the same events.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { TextEncoder } from 'node:util';
import { escapedText, unescapedText } from '../../src/ctf/json.js';
import type { ClockClass, EventClass, IntegerType } from '../../src/ctf/model.js';
import { CtfWriter, lttngStreamClass } from '../../src/ctf/writer.js';
import { childEnv, runSync } from '../helpers.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const shared = path.resolve(root, '../shared');
const bin = path.join(root, 'bin/ttng.js');

interface Case {
  name: string;
  dir: string;
  expected: string;
}

function cases(): Case[] {
  const out: Case[] = [];
  const traces = path.join(shared, 'traces');
  for (const n of fs.readdirSync(traces).sort()) {
    const exp = path.join(traces, `${n}.expected.txt`);
    if (fs.existsSync(exp) && fs.statSync(path.join(traces, n)).isDirectory()) out.push({ name: `traces/${n}`, dir: path.join(traces, n), expected: exp });
  }
  const conf = path.join(shared, 'ctf-conformance');
  for (const g of fs.readdirSync(conf).sort()) {
    const gd = path.join(conf, g);
    if (!fs.statSync(gd).isDirectory()) continue;
    for (const n of fs.readdirSync(gd).sort()) {
      const exit = path.join(gd, `${n}.babeltrace2.exit`);
      if (!fs.existsSync(exit) || fs.readFileSync(exit, 'utf8').trim() !== '0') continue;
      out.push({ name: `${g}/${n}`, dir: path.join(gd, n), expected: path.join(gd, `${n}.babeltrace2.txt`) });
    }
  }
  return out;
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ttng-convert-'));

before(() => {
  if (!fs.existsSync(path.join(root, 'dist/cli/main.js'))) execFileSync('npx', ['tsc', '-p', root], { stdio: 'inherit' });
});

/** stdout of `ttng view ARGS…` as bytes */
function viewBytes(...args: string[]): Buffer {
  const r = spawnSync('node', [bin, 'view', ...args], { env: childEnv(), maxBuffer: 1 << 30 });
  assert.equal(r.status, 0, r.stderr.toString());
  return r.stdout;
}

/** events babeltrace 1.5 prints: one line each, but it does not escape newlines in strings */
function countBt1Events(text: string, clocked: boolean): number {
  const lines = text.split('\n').filter((l) => l.length > 0);
  if (!clocked) return lines.length;
  return lines.filter((l) => /^\[\d{2}:\d{2}:\d{2}\.\d{9}\] \(\+/.test(l)).length;
}

for (const c of cases()) {
  test(`convert ${c.name}`, () => {
    const out = path.join(tmp, c.name.replace(/\//g, '_'));
    const conv = runSync('node', [bin, 'convert', c.dir, '-o', out]);
    assert.equal(conv.code, 0, `convert failed: ${conv.stderr}`);
    const view = runSync('node', [bin, 'view', out]);
    assert.equal(view.code, 0, view.stderr);
    const expected = fs.readFileSync(c.expected, 'utf8');
    assert.equal(view.stdout, expected);
    // byte for byte (a string decoded from UTF-8 hides the bytes that are not UTF-8)
    assert.ok(viewBytes(out).equals(fs.readFileSync(c.expected)), 'the converted trace prints other bytes');
    const want = expected.split('\n').length - 1;
    const bt2 = runSync('babeltrace2', [out]);
    assert.equal(bt2.code, 0, `babeltrace2 failed: ${bt2.stderr.slice(0, 500)}`);
    assert.equal(bt2.stdout.split('\n').length - 1, want, 'babeltrace2 event count');
    // babeltrace 1.5 itself rejects a few originals (empty arrays of aligned
    // elements: it reads their layout differently); only compare where it reads them
    const bt1orig = runSync('babeltrace', [c.dir]);
    if (bt1orig.code !== 0) return;
    const bt1 = runSync('babeltrace', [out]);
    assert.equal(bt1.code, 0, `babeltrace 1.5 failed: ${bt1.stderr.slice(0, 500)}`);
    assert.equal(countBt1Events(bt1.stdout, expected.startsWith('[')), want, 'babeltrace 1.5 event count');
  });
}

test('convert --packetized-metadata writes LTTng metadata packets babeltrace2 reads', () => {
  const src = path.join(shared, 'traces/ust-types');
  const out = path.join(tmp, 'packetized');
  const conv = runSync('node', [bin, 'convert', '--packetized-metadata', src, '-o', out]);
  assert.equal(conv.code, 0, conv.stderr);
  const meta = fs.readFileSync(path.join(out, 'ust/uid/0/64-bit/metadata'));
  assert.equal(meta.readUInt32LE(0), 0x75d11d57);
  const bt2 = runSync('babeltrace2', [out]);
  assert.equal(bt2.code, 0, bt2.stderr);
  assert.equal(bt2.stdout.split('\n').length - 1, 1037);
  // index files: v1.1 header, 72-byte entries covering the whole stream file
  const idxDir = path.join(out, 'ust/uid/0/64-bit/index');
  for (const f of fs.readdirSync(idxDir)) {
    const idx = fs.readFileSync(path.join(idxDir, f));
    assert.equal(idx.readUInt32BE(0), 0xc1f1dcc1);
    assert.equal(idx.readUInt32BE(8), 1);
    assert.equal(idx.readUInt32BE(12), 72);
    let total = 0n;
    for (let o = 16; o < idx.length; o += 72) total += idx.readBigUInt64BE(o + 8) / 8n;
    assert.equal(total, BigInt(fs.statSync(path.join(out, 'ust/uid/0/64-bit', f.replace(/\.idx$/, ''))).size));
  }
});

test('strings that are not UTF-8 are bytes end to end: view prints them as babeltrace2, convert keeps them, JSON escapes them reversibly', () => {
  const clock: ClockClass = { name: 'monotonic', freq: 1000000000n, offsetSeconds: 1700000000n, offsetCycles: 0n, precision: 0n, absolute: false };
  const u8: IntegerType = { kind: 'int', size: 8, signed: false, byteOrder: 'le', base: 10, encoding: 'utf8', align: 8 };
  const ec: EventClass = {
    id: 0, name: 'bytes', streamId: 0,
    payload: { kind: 'struct', align: 8, fields: [
      { name: 's', type: { kind: 'string', encoding: 'utf8', align: 8 } },
      { name: 'a', type: { kind: 'array', length: 4, element: u8, isText: true, align: 8 } },
    ] },
  };
  const strings = [
    Buffer.from([0x61, 0xff, 0xfe, 0x62]), // bytes that never start UTF-8
    Buffer.from([0xe6, 0x97, 0x41]), // a sequence cut short
    Buffer.from([0xed, 0xa0, 0x80]), // an encoded surrogate
    Buffer.from([0xc0, 0xaf]), // overlong
    Buffer.from('日本 é', 'utf8'), // valid: kept as text
    Buffer.from([0x7a, 0xf0, 0x9f, 0x98, 0x80, 0x80]), // an emoji, then a lone continuation byte
  ];
  const dir = path.join(tmp, 'non-utf8');
  const w = new CtfWriter(dir, {
    byteOrder: 'le',
    env: new Map<string, string | bigint>([['hostname', 'h'], ['domain', 'ust'], ['tracer_name', 'lttng-ust'], ['tracer_major', 2n], ['tracer_minor', 13n]]),
    clocks: new Map([[clock.name, clock]]),
    streams: new Map([[0, lttngStreamClass({ id: 0, clock, header: 'large', events: [ec] })]]),
  });
  const sw = w.stream(0, 'chan_0', 0n);
  strings.forEach((s, i) => sw.event(ec, BigInt(100 + i), [undefined, undefined, [s, [0xe9, 0x41, 0xff, 0]]]));
  w.close();
  const original = viewBytes(dir);
  // babeltrace2 prints the bytes as they are
  const bt2 = spawnSync('babeltrace2', [dir], { env: childEnv() });
  if (bt2.status === 0) assert.ok(original.equals(bt2.stdout), `babeltrace2 prints:\n${bt2.stdout.toString('latin1')}\nttng:\n${original.toString('latin1')}`);
  assert.ok(original.includes(Buffer.from([0x61, 0xff, 0xfe, 0x62])), 'the bytes are printed as they are');
  const out = path.join(tmp, 'non-utf8-converted');
  const conv = runSync('node', [bin, 'convert', dir, '-o', out]);
  assert.equal(conv.code, 0, conv.stderr);
  assert.ok(viewBytes(out).equals(original), 'convert changed the bytes of a string');
  // JSON: each byte of an invalid sequence is \udcXX (Python's surrogateescape), reversibly
  const lines = viewBytes('--format', 'json', dir).toString('utf8').trim().split('\n');
  assert.equal(lines.length, strings.length);
  assert.match(lines[0]!, /"s":"a\\udcff\\udcfeb"/);
  lines.forEach((l, i) => {
    const o = JSON.parse(l) as { payload: { s: string; a: string } };
    assert.ok(unescapedText(o.payload.s).equals(strings[i]!), `string ${i}: ${JSON.stringify(o.payload.s)}`);
    assert.ok(unescapedText(o.payload.a).equals(Buffer.from([0xe9, 0x41, 0xff])));
  });
  assert.equal(escapedText(new TextEncoder().encode('日本 é')), '日本 é');
});
