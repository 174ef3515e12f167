// ttng/ust against LTTng-UST: the reftypes program of ../shared/lttng-reference
// rewritten with the ttng/ust API, recorded through the real ring buffer and
// ctf-layout metadata, read by babeltrace2: every payload must print as the
// real LTTng-UST trace (ust-types.expected.txt) prints it. Network-byte-order
// fields (not in UstTypeDecl) are left out on both sides; `ptr` is an address.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runSync } from '../helpers.js';
import { provider, tracef, tracelog } from '../../src/ust/index.js';
import { record, finish, babeltrace2, payload } from './harness.js';

const REF = '/work/shared/traces/ust-types.expected.txt';

const p = provider('reftypes');
const ints = p.event('ints', [
  ['s8', 's8'], ['s16', 's16'], ['s32', 's32'], ['s64', 's64'], ['u8', 'u8'], ['u16', 'u16'], ['u32', 'u32'], ['u64', 'u64'],
  ['u8_hex', 'u8_hex'], ['u16_hex', 'u16_hex'], ['u32_hex', 'u32_hex'], ['u64_hex', 'u64_hex'], ['s32_hex', 's32_hex'], ['c', 's8'],
], { loglevel: 'DEBUG' });
const floats = p.event('floats', [['f', 'float'], ['d', 'double']], { loglevel: 'INFO' });
const strings = p.event('strings', [['str', 'string'], ['str_utf8', 'string']]);
const arrays = p.event('arrays', [
  ['arr_s32', { array: 's32', length: 4 }], ['arr_u8_hex', { array: 'u8_hex', length: 8 }], ['arr_text', { text: 8 }],
  ['seq_u16', { sequence: 'u16', lengthType: 'u32' }], ['seq_u8_hex', { sequence: 'u8_hex', lengthType: 'u64' }],
  ['seq_text', { textSequence: true, lengthType: 'u8' }],
]);
const COLORS = { RED: 0, GREEN: 1, BLUE: 2, TEENS: [10, 19], AUTO_AFTER_TEENS: 20, FIFTEEN_OVERLAP: 15 } as const;
const STATUS = { ERR_FATAL: -2, ERR: -1, OK: 0, POSITIVE: [1, 1000] } as const;
const enums = p.event('enums', [
  ['color', { enum: COLORS, type: 'u32' }], ['status', { enum: STATUS, type: 's32' }], ['color8', { enum: COLORS, type: 'u8' }],
], { loglevel: 'WARNING' });
const mixed = p.event('mixed', [
  ['id', 'u64'], ['name', 'string'], ['value', 'double'], ['samples', { sequence: 'u32', lengthType: 'u64' }],
  ['status', { enum: STATUS, type: 's32' }], ['ptr', 'u64_hex'],
]);
const empty = p.event('empty', [], { loglevel: 'CRIT' });

const INT8 = (v: number): number => ((v << 24) >> 24);
const INT16 = (v: number): number => ((v << 16) >> 16);

function round(i: number, rounds: number): void {
  const names = ['alpha', 'beta', '', 'gamma delta', 'x'];
  const utf8 = ['héllo wörld', '日本', 'tab\tand\nnewline', 'quote"back\\slash', 'plain'];
  let v: [number, number, number, bigint, number, number, number, bigint];
  if (i === 0) v = [-128, -32768, -2147483648, -(2n ** 63n), 0, 0, 0, 0n];
  else if (i === 1) v = [127, 32767, 2147483647, 2n ** 63n - 1n, 255, 65535, 4294967295, 2n ** 64n - 1n];
  else if (i === 2) v = [-1, -1, -1, -1n, 1, 1, 1, 1n];
  else
    v = [INT8(i * 7), INT16(i * -301), (i * 100003) | 0, BigInt(i) * -1000000007n, i & 255, (i * 257) & 0xffff,
      Number((BigInt(i) * 2654435761n) & 0xffffffffn), (BigInt(i) * 0x9e3779b97f4a7c15n) & (2n ** 64n - 1n)];
  // the C program's hex fields repeat the unsigned ones; s32_hex = s32; c = 'a' + u8 % 26
  ints.emit(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[4], v[5], v[6], v[7], v[2], 97 + (v[4] % 26));
  const f = [0, 3.4028234663852886e38, 1.1754943508222875e-38, Infinity, NaN, Math.fround(1 / 3)];
  const d = [-0, Number.MAX_VALUE, 2.2250738585072014e-308, -Infinity, NaN, 1 / 3];
  floats.emit(i < 6 ? f[i]! : Math.fround(i * 0.5 - 10.25), i < 6 ? d[i]! : i * 3.141592653589793 - 100.0);
  strings.emit(names[i % 5]!, utf8[i % 5]!);
  const seqlen = Math.min(i % 17, 16);
  const b8 = [0, 1, 0x7f, 0x80, 0xff, i & 255, 0xde, 0xad];
  arrays.emit(
    [i, -i, i * 1000, -2147483648 + i], b8, `abcd${i % 10}\0zz`,
    Array.from({ length: seqlen }, (_, k) => (k * 1000 + i) & 0xffff), b8.slice(0, seqlen % 9),
    Array.from({ length: seqlen }, (_, k) => String.fromCharCode(65 + k)).join(''),
  );
  const statuses = [-2, -1, 0, 1, 500, 1000, 1001, -3];
  const colors = [0, 1, 2, 10, 15, 19, 20, 21, 3, 255];
  enums.emit(colors[i % 10]!, statuses[i % 8]!, colors[i % 10]! & 255);
  mixed.emit(i, names[i % 5]!, i / 7, [1, 2, 3, i, 0xffffffff].slice(0, i % 6), statuses[i % 8]!, 0x7fff931a1c20);
  empty.emit();
  tracef('tracef round %d of %d: %s', i, rounds, names[i % 5]);
  if (i % 10 === 0) tracelog('WARNING', 'tracelog round %d', i);
}

/** the reference payloads of one event name, in emission order, without the fields ttng cannot declare */
function reference(name: string): string[] {
  return fs.readFileSync(REF, 'utf8').split('\n')
    .filter((l) => l.includes(` ${name}: `))
    .map((l) => payload(l).replace(/, u32_net = \d+, u16_net_hex = 0x[0-9A-F]+/, '').replace(/, arr_u32_net = \[ \[0\] = \d+, \[1\] = \d+ \]/, '').replace(/ptr = 0x[0-9A-F]+/, 'ptr = PTR'));
}

test('every UST field type prints as in the real LTTng-UST trace (babeltrace2)', () => {
  const ROUNDS = 25;
  const rec = record({ contexts: ['vpid', 'vtid', 'procname'] });
  for (let i = 0; i < ROUNDS; i++) round(i, 125);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ttng-ust-reftypes-'));
  try {
    finish(rec, dir, ['vpid', 'vtid', 'procname']);
    const { out, err } = babeltrace2(dir);
    assert.equal(err, '');
    const by = (name: string): string[] => out.filter((l) => l.includes(` ${name}: `)).map((l) => payload(l).replace(/ptr = 0x[0-9A-F]+/, 'ptr = PTR'));
    for (const name of ['reftypes:ints', 'reftypes:floats', 'reftypes:strings', 'reftypes:arrays', 'reftypes:enums', 'reftypes:mixed', 'reftypes:empty']) {
      const got = by(name);
      assert.equal(got.length, ROUNDS, name);
      // babeltrace2 2.0.4 prints a stale value for an empty string (see ../shared/traces/README.md):
      // where the reference has "", the field is masked on our side
      const ref = reference(name).slice(0, ROUNDS);
      const masked = got.map((g, i) => maskEmpty(g, ref[i]!));
      assert.deepEqual(masked, ref, name);
    }
    // tracef says "of 125" in the reference
    assert.deepEqual(by('lttng_ust_tracef:event'), reference('lttng_ust_tracef:event').slice(0, ROUNDS));
    const tl = by('lttng_ust_tracelog:LTTNG_UST_TRACEPOINT_LOGLEVEL_WARNING');
    assert.equal(tl.length, 3);
    const m = /^\{ line = (\d+), file = "(.*?)", func = "(.*?)", _msg_length = 17, msg = "tracelog round 10" \}$/.exec(tl[1]!);
    assert.ok(m, tl[1]);
    assert.equal(m[2], path.resolve(fileURLToPathSafe(import.meta.url)));
    assert.equal(m[3], 'round');
    // contexts as LTTng-UST prints them
    const ctx = /\{ vpid = (\d+), vtid = (\d+), procname = "(.*?)" \}/.exec(out[0]!);
    assert.ok(ctx);
    assert.equal(Number(ctx[1]), process.pid);
    assert.equal(ctx[3], fs.readFileSync('/proc/self/comm', 'utf8').trim());
    // every timestamp in order
    const ts = out.map((l) => l.slice(1, 19));
    assert.deepEqual([...ts].sort(), ts);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

function maskEmpty(got: string, ref: string): string {
  let out = got;
  for (const m of ref.matchAll(/(\w+) = ""/g)) out = out.replace(new RegExp(`\\b${m[1]} = "(?:[^"\\\\]|\\\\.)*"`), `${m[1]} = ""`);
  return out;
}

function fileURLToPathSafe(u: string): string {
  return u.startsWith('file://') ? new URL(u).pathname : u;
}

test('the metadata declares what LTTng-UST declares (env, clock, event fields)', () => {
  const rec = record({});
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ttng-ust-meta-'));
  try {
    finish(rec, dir);
    const meta = fs.readFileSync(path.join(dir, 'ust/uid/0/64-bit/metadata'), 'utf8');
    for (const line of ['domain = "ust";', 'tracer_name = "lttng-ust";', 'tracer_major = 2;', 'tracer_minor = 13;', 'tracer_buffering_scheme = "uid";', 'ttng_version = ', 'name = monotonic;', 'description = "Monotonic Clock";', `uuid = "${fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim()}";`, 'name = "lttng_ust_tracelog:LTTNG_UST_TRACEPOINT_LOGLEVEL_DEBUG";'])
      assert.ok(meta.includes(line), line);
    const r = babeltrace2Meta(dir);
    assert.match(r, /name = "reftypes:arrays";\n\tid = \d+;\n\tstream_id = 0;\n\tloglevel = 13;/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

function babeltrace2Meta(dir: string): string {
  const r = runSync('babeltrace2', ['--output-format=ctf-metadata', path.join(dir, 'ust/uid/0/64-bit')]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}
