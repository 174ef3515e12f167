// The ttng/ust API in one thread, recorded through the real ring buffer
// (test/ust/harness.ts plays the daemon's part): filters, argument errors,
// declaration errors, disabled events, worker threads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { provider, UstDeclError } from '../../src/ust/index.js';
import { record, finish, babeltrace2, payload } from './harness.js';

const p = provider('api');
const num = p.event('num', [['v', 's32'], ['name', 'string'], ['big', 'u64']]);
const other = p.event('other', { x: 'u16_hex', f: 'double' });

test('LTTng filters run in the app: only matching events are recorded', () => {
  const rec = record({ filters: { 'api:num': ['v > 5 && name == "ke*"', 'big == 0xFFFFFFFFFFFFFFFF'], 'api:other': ['$ctx.vpid == ' + process.pid + ' && x & 1'] } });
  for (let i = 0; i < 10; i++) num.emit(i, i % 2 ? 'keep' : 'drop', i === 2 ? 2n ** 64n - 1n : i);
  for (let i = 0; i < 4; i++) other.emit(i, i / 2);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ttng-ust-api-'));
  try {
    const { out } = babeltrace2(finish(rec, dir));
    assert.deepEqual(out.map(payload), [
      '{ v = 2, name = "drop", big = 18446744073709551615 }',
      '{ v = 7, name = "keep", big = 7 }',
      '{ v = 9, name = "keep", big = 9 }',
      '{ x = 0x1, f = 0.5 }',
      '{ x = 0x3, f = 1.5 }',
    ]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('sequences longer than their length field can count are cut, the fields after them intact', () => {
  const seq = p.event('seq8', [['s', { sequence: 'u8', lengthType: 'u8' }], ['t', { textSequence: true, lengthType: 'u8' }], ['after', 'u32']]);
  const rec = record({});
  seq.emit(Array.from({ length: 300 }, (_, i) => i & 255), 'é'.repeat(300), 0xdeadbeef);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ttng-ust-api-'));
  try {
    const { out } = babeltrace2(finish(rec, dir));
    assert.equal(out.length, 1);
    const m = /\{ _s_length = (\d+), s = \[ (.*) \], _t_length = (\d+), t = "(.*)", after = (\d+) \}$/.exec(out[0]!);
    assert.ok(m, out[0]);
    assert.equal(m[1], '255');
    assert.equal(m[2]!.split(', ').length, 255);
    assert.equal(m[3], '254', 'whole characters only');
    assert.equal(m[4], 'é'.repeat(127));
    assert.equal(m[5], String(0xdeadbeef));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('wrong argument types never throw: the event is dropped and counted', () => {
  const rec = record({});
  assert.doesNotThrow(() => (num.emit as (...a: unknown[]) => void)(1n, 'x', 1));
  assert.doesNotThrow(() => (num.emit as (...a: unknown[]) => void)(1, { toString: () => { throw new Error('boom'); } }, 1));
  num.emit(3, 'ok', 3);
  assert.equal(num.errors, 2);
  (num.emit as (...a: unknown[]) => void)(4, null, 4);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ttng-ust-api-'));
  try {
    const { out } = babeltrace2(finish(rec, dir));
    assert.deepEqual(out.map(payload), ['{ v = 3, name = "ok", big = 3 }', '{ v = 4, name = "(null)", big = 4 }']);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the switch timer closes the current packet: the reader sees it complete without a partial take', async () => {
  const rec = record({ switchTimerUs: 20_000 });
  num.emit(1, 'a', 1);
  num.emit(2, 'b', 2);
  const r = rec.readers[0]!;
  assert.equal(r.read().length, 0, 'nothing complete yet');
  await new Promise((res) => setTimeout(res, 80));
  const pks = r.read();
  assert.equal(pks.length, 1);
  assert.equal(pks[0]!.contentSize, BigInt((84 + 2 * (4 + 4 + 2 + 8)) * 8));
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ttng-ust-api-'));
  finish(rec, dir);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('disabled: emit records nothing, enabled is false', () => {
  assert.equal(num.enabled, false);
  assert.doesNotThrow(() => num.emit(1, 'a', 1));
  const rec = record({});
  assert.equal(num.enabled, true);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ttng-ust-api-'));
  finish(rec, dir);
  assert.equal(num.enabled, false);
  fs.rmSync(dir, { recursive: true, force: true });
});

test('declaration errors are one line and name what is wrong', () => {
  assert.throws(() => provider('bad name'), (e: unknown) => e instanceof UstDeclError && e.message === 'bad provider name "bad name"');
  assert.throws(() => p.event('e1', [['a', 's33' as 's32']]), (e: unknown) => e instanceof UstDeclError && /api:e1\.a: unknown integer type "s33"/.test(e.message));
  assert.throws(() => p.event('e2', [['a', 's32'], ['a', 'u8']]), /api:e2: field a declared twice/);
  assert.throws(() => p.event('e3', [['1a', 's32']]), /api:e3: bad field name "1a"/);
  assert.throws(() => p.event('e4', [], { loglevel: 'LOUD' as 'INFO' }), /api:e4: unknown log level "LOUD"/);
  assert.throws(() => p.event('num', [['v', 'u8']]), /event api:num is already declared with other fields/);
  // the same declaration again is the same event
  assert.equal(p.event('num', [['v', 's32'], ['name', 'string'], ['big', 'u64']]), num);
});

test('worker threads have their own registration state and buffers', async () => {
  const code = `
    import { provider, declaredEvents } from ${JSON.stringify(path.resolve('src/ust/index.ts'))};
    import { threadTid } from ${JSON.stringify(path.resolve('src/ust/runtime.ts'))};
    import { parentPort } from 'node:worker_threads';
    const ev = provider('w').event('only_in_worker', [['a', 'u8']]);
    parentPort.postMessage({ tid: threadTid(), events: declaredEvents().map((e) => e.name), enabled: ev.enabled });
  `;
  // tsx's loader does not follow a thread: the entry registers it, then loads the TypeScript
  const file = path.join(path.resolve('test/ust'), `.worker-${process.pid}.mjs`);
  const body = file.replace(/\.mjs$/, '-body.ts');
  fs.writeFileSync(file, `import { register } from 'tsx/esm/api';\nregister();\nawait import(${JSON.stringify(body)});\n`);
  fs.writeFileSync(body, code);
  try {
    const w = new Worker(file, { env: { ...process.env, TTNG_UST_DISABLE: '1' } });
    const msg = (await new Promise((r) => w.once('message', r))) as { tid: number; events: string[]; enabled: boolean };
    await new Promise((r) => w.once('exit', r));
    const { threadTid } = await import('../../src/ust/runtime.js');
    assert.notEqual(msg.tid, threadTid());
    assert.ok(msg.events.includes('w:only_in_worker'));
    assert.ok(!msg.events.includes('api:num'), 'the main thread\'s events are not the worker\'s');
    assert.equal(msg.enabled, false);
  } finally {
    fs.rmSync(file, { force: true });
    fs.rmSync(body, { force: true });
  }
});
