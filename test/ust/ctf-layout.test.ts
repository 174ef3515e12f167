// ctf-layout.ts: what babeltrace2 makes of the metadata and of the event
// headers the writers produce (extended ids and timestamps included), the
// per-PID env, and the clock shared with the kernel trace.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { provider } from '../../src/ust/index.js';
import { record, finish, babeltrace2, payload } from './harness.js';
import { ustClockClass, ustEnv, ustMetadata, ustTraceClass, ustEventTsdl, ustEventClass, ustStreamClass } from '../../src/ust/ctf-layout.js';
import { parseMetadata } from '../../src/ctf/metadata.js';

test('event ids past 30 and gaps past 2^27 ns: babeltrace2 reads every event, in order, at its time', async () => {
  const p = provider('many');
  const evs = Array.from({ length: 40 }, (_, i) => p.event(`e${i}`, [['i', 'u16'], ['s', 'string']]));
  const rec = record({ contexts: ['vpid', 'vtid'] });
  assert.ok(Math.max(...rec.ids.values()) >= 40, 'some ids need the extended header');
  const t0 = process.hrtime.bigint();
  evs.forEach((e, i) => e.emit(i, `ev${i}`));
  await new Promise((r) => setTimeout(r, 160)); // > 2^27 ns: the next event needs a full timestamp
  evs[0]!.emit(1000, 'after the gap');
  const t1 = process.hrtime.bigint();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ttng-ust-layout-'));
  try {
    const { out } = babeltrace2(finish(rec, dir, ['vpid', 'vtid']));
    assert.deepEqual(out.map(payload), [...evs.map((_, i) => `{ i = ${i}, s = "ev${i}" }`), '{ i = 1000, s = "after the gap" }']);
    assert.deepEqual(out.map((l) => / (many:e\d+): /.exec(l)![1]), [...evs.map((_, i) => `many:e${i}`), 'many:e0']);
    // the gap is there, in babeltrace2's delta column
    const delta = /\(\+(\d+)\.(\d+)\)/.exec(out.at(-1)!)!;
    const gapNs = Number(delta[1]) * 1e9 + Number(delta[2]);
    assert.ok(gapNs >= 150e6 && gapNs <= Number(t1 - t0), `gap ${gapNs} ns`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('per-PID env as LTTng-UST writes it, and event classes appended after the head', () => {
  const clock = ustClockClass(1_700_000_000_123_456_789n);
  assert.equal(clock.offsetSeconds, 1_700_000_000n);
  assert.equal(clock.offsetCycles, 123_456_789n);
  assert.equal(clock.uuid, fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim());
  const env = ustEnv({ traceName: 'my-session', buffers: 'pid', bufferingId: 4242, procname: 'node', vpidDatetime: new Date(Date.UTC(2026, 0, 2, 3, 4, 5)) });
  const decl = { name: 'a:b', loglevel: 4, fields: [{ name: 'x', type: { type: 'integer' as const, size: 32 as const, signed: true, base: 10 as const } }] };
  const head = ustMetadata(ustTraceClass('00112233445566778899aabbccddeeff', env, clock, [ustStreamClass(0, clock, ['procname'])]));
  const text = head + ustEventTsdl(ustEventClass(decl, 7, 0));
  const tc = parseMetadata(text);
  const e = tc.env;
  assert.equal(e.get('domain'), 'ust');
  assert.equal(e.get('tracer_name'), 'lttng-ust');
  assert.equal(e.get('tracer_major'), 2n);
  assert.equal(e.get('tracer_minor'), 13n);
  assert.equal(e.get('tracer_buffering_scheme'), 'pid');
  assert.equal(e.get('tracer_buffering_id'), 4242n);
  assert.equal(e.get('vpid'), 4242n);
  assert.equal(e.get('procname'), 'node');
  assert.match(String(e.get('vpid_datetime')), /^2026010\dT\d{6}[+-]\d{4}$/);
  assert.equal(e.get('trace_name'), 'my-session');
  assert.equal(typeof e.get('ttng_version'), 'string');
  const sc = tc.streams.get(0)!;
  assert.equal(sc.events.get(7)!.name, 'a:b');
  assert.equal(sc.events.get(7)!.logLevel, 4);
  assert.deepEqual(sc.eventContext!.fields.map((f) => f.name), ['_procname']);
  assert.deepEqual(sc.packetContext!.fields.map((f) => f.name), ['timestamp_begin', 'timestamp_end', 'content_size', 'packet_size', 'packet_seq_num', 'events_discarded', 'cpu_id']);
  // names from apps are escaped, never pasted
  assert.match(ustEventTsdl(ustEventClass({ ...decl, name: 'a:"b\\n' }, 8, 0)), /name = "a:\\"b\\\\n";/);
});
