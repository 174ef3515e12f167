// The pull-based reader graph (source → muxer → trimmer) on traces written here with
// CtfWriter: files still being written give 'again' and resume when they grow; the muxer
// never returns a message while a stream that could hold an older one says 'again'; the
// trimmer's bounds; time going backwards; metadata that grows.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { GrowingTraces } from '../../src/ctf/follow.js';
import type { ClockClass, EventClass, IntegerType, TraceClass } from '../../src/ctf/model.js';
import { iterate, messageIterator, openInputs } from '../../src/ctf/reader.js';
import type { Cursor, Item, MessageIterator, ReadOptions } from '../../src/ctf/reader.js';
import { TraceError } from '../../src/ctf/trace.js';
import { generateTsdl } from '../../src/ctf/tsdl-writer.js';
import { CtfWriter, lttngStreamClass } from '../../src/ctf/writer.js';
import { tempDir } from '../helpers.js';

const tmp = tempDir('ttng-iterator-');
after(() => tmp.remove());

const SEC = 1000000000n;
const clock: ClockClass = { name: 'monotonic', freq: SEC, offsetSeconds: 1700000000n, offsetCycles: 0n, precision: 0n, absolute: false };
const u32: IntegerType = { kind: 'int', size: 32, signed: false, byteOrder: 'le', base: 10, encoding: 'none', align: 8 };
const tick: EventClass = { id: 0, name: 'tick', streamId: 0, payload: { kind: 'struct', align: 8, fields: [{ name: 'v', type: u32 }] } };
const tock: EventClass = { id: 1, name: 'tock', streamId: 0, payload: { kind: 'struct', align: 8, fields: [{ name: 'v', type: u32 }] } };

interface PacketSpec {
  /** event timestamps (cycles); each event's `v` is its index in the stream */
  ts: bigint[];
  /** cumulative events_discarded of the packet */
  discarded?: bigint;
  /** event class of each event (default: tick) */
  ec?: EventClass[];
  /** timestamp_begin (default: the first event's) */
  begin?: bigint;
}

interface StreamSpec {
  file: string;
  instance: bigint;
  packets: PacketSpec[];
}

let n = 0;

/** a trace of `streams` (stream class 0, clock at 1 GHz) in a new directory; returns it and its trace class */
function writeTrace(streams: StreamSpec[], events: EventClass[] = [tick]): { dir: string; tc: TraceClass } {
  const dir = path.join(tmp.dir, `t${n++}`);
  const w = new CtfWriter(dir, {
    byteOrder: 'le',
    env: new Map<string, string | bigint>([['hostname', 'h'], ['domain', 'ust'], ['tracer_name', 'lttng-ust'], ['tracer_major', 2n], ['tracer_minor', 13n]]),
    clocks: new Map([[clock.name, clock]]),
    streams: new Map([[0, lttngStreamClass({ id: 0, clock, header: 'large', events })]]),
  });
  for (const s of streams) {
    const sw = w.stream(0, s.file, s.instance);
    let v = 0;
    for (const p of s.packets) {
      sw.beginPacket({ eventsDiscarded: p.discarded, begin: p.begin });
      p.ts.forEach((t, i) => sw.event(p.ec?.[i] ?? tick, t, [undefined, undefined, [v++]]));
    }
  }
  w.close();
  return { dir, tc: w.tc };
}

function describeMessage(m: Item): string {
  const c = m.cursor;
  const at = (raw: bigint | undefined): string => (raw === undefined ? '?' : String(raw));
  if (m.kind !== 'event') return `${m.kind} ${path.basename(c.stream.name)} ${m.count ?? '?'} ${at(m.begin)}..${at(m.end)}`;
  const [, , payload] = c.decodeBody(c.cs.values(c.ceIndex!));
  return `${path.basename(c.stream.name)} ${c.ec!.name} ${c.cycles()} v=${String((payload as number[])[0])}`;
}

/** pulls until 'again' or 'end', appending what it gets to `out` */
function pull(it: MessageIterator, out: string[]): 'again' | 'end' {
  for (;;) {
    const m = it.next();
    if (m === 'again' || m === 'end') return m;
    out.push(describeMessage(m));
  }
}

function readWhole(dir: string, opts: ReadOptions = {}): string[] {
  const out: string[] = [];
  assert.equal(pull(messageIterator(openInputs([dir]), opts), out), 'end');
  return out;
}

/** a copy of the trace's metadata and of the first `cut[file]` bytes of each stream file (default: none) */
function partialCopy(src: string, cut: Record<string, number>): string {
  const dir = path.join(tmp.dir, `live${n++}`);
  fs.mkdirSync(dir);
  fs.copyFileSync(path.join(src, 'metadata'), path.join(dir, 'metadata'));
  for (const f of fs.readdirSync(src)) {
    if (f === 'metadata' || f === 'index') continue;
    fs.writeFileSync(path.join(dir, f), fs.readFileSync(path.join(src, f)).subarray(0, cut[f] ?? 0));
  }
  return dir;
}

/** appends to `live/file` the bytes of `src/file` it does not have yet, up to `upTo` */
function grow(src: string, live: string, file: string, upTo?: number): void {
  const all = fs.readFileSync(path.join(src, file));
  const have = fs.statSync(path.join(live, file)).size;
  fs.appendFileSync(path.join(live, file), all.subarray(have, upTo ?? all.length));
}

/** byte offsets of the packets of a stream file of a trace read whole */
function packetOffsets(dir: string, file: string): number[] {
  const s = openInputs([dir]).streams.find((x) => path.basename(x.name) === file)!;
  return s.packets.map((p) => p.offset);
}

const ticks = (from: bigint, count: number, step = 10n): bigint[] => Array.from({ length: count }, (_, i) => from + BigInt(i) * step);

describe('reader graph: files still being written', () => {
  test("a stream file cut in a packet says 'again', and resumes where it stopped when it grows", () => {
    const { dir } = writeTrace([{ file: 'chan_0', instance: 0n, packets: [0, 1, 2, 3, 4].map((k) => ({ ts: ticks(1000n * BigInt(k + 1), 20) })) }]);
    const whole = readWhole(dir);
    assert.equal(whole.length, 100);
    const off = packetOffsets(dir, 'chan_0');
    const live = partialCopy(dir, { chan_0: off[2]! + 50 }); // in the third packet's events
    const set = new GrowingTraces([live]);
    const it = messageIterator(set);
    const got: string[] = [];
    assert.equal(pull(it, got), 'again');
    assert.deepEqual(got, whole.slice(0, 40), 'the two complete packets');
    assert.equal(pull(it, got), 'again', 'still again while the file has not grown');
    grow(dir, live, 'chan_0', off[3]! + 10); // the third packet, and the fourth's first bytes (in its header)
    assert.equal(pull(it, got), 'again');
    assert.deepEqual(got, whole.slice(0, 60));
    grow(dir, live, 'chan_0');
    assert.equal(pull(it, got), 'again', 'the writer may still append: not the end');
    set.finish();
    assert.equal(pull(it, got), 'end');
    assert.deepEqual(got, whole);
  });

  test("an empty stream file holds every other stream back ('again') until its first packet", () => {
    const { dir } = writeTrace([
      { file: 'chan_0', instance: 0n, packets: [{ ts: ticks(100n, 10) }] },
      { file: 'chan_1', instance: 1n, packets: [{ ts: ticks(105n, 10) }] },
    ]);
    const whole = readWhole(dir);
    const live = partialCopy(dir, { chan_0: 1 << 20 });
    const set = new GrowingTraces([live]);
    const it = messageIterator(set);
    const got: string[] = [];
    assert.equal(pull(it, got), 'again');
    assert.deepEqual(got, [], 'chan_1 could have older events');
    grow(dir, live, 'chan_1');
    set.finish();
    assert.equal(pull(it, got), 'end');
    assert.deepEqual(got, whole);
  });

  test('after finish(), a stream file that ends in a packet is an error with its place', () => {
    const { dir } = writeTrace([{ file: 'chan_0', instance: 0n, packets: [{ ts: ticks(100n, 10) }, { ts: ticks(300n, 10) }] }]);
    const off = packetOffsets(dir, 'chan_0');
    const live = partialCopy(dir, { chan_0: off[1]! + 100 });
    const set = new GrowingTraces([live]);
    const it = messageIterator(set);
    const got: string[] = [];
    assert.equal(pull(it, got), 'again');
    set.finish();
    assert.throws(() => pull(it, got), (e: unknown) => e instanceof TraceError && /chan_0: byte offset \d+: packet size .* goes past the end of the file/.test(e.message));
  });

  test('a trace directory and a stream file that appear later join the iteration', () => {
    const { dir } = writeTrace([
      { file: 'chan_0', instance: 0n, packets: [{ ts: ticks(100n, 10) }] },
      { file: 'chan_1', instance: 1n, packets: [{ ts: ticks(500n, 10) }] },
    ]);
    const whole = readWhole(dir);
    const root = path.join(tmp.dir, `root${n++}`);
    fs.mkdirSync(root);
    const set = new GrowingTraces([root]);
    const it = messageIterator(set);
    const got: string[] = [];
    assert.equal(pull(it, got), 'again', 'no trace yet');
    const live = path.join(root, 'ust');
    fs.mkdirSync(live);
    fs.copyFileSync(path.join(dir, 'chan_0'), path.join(live, 'chan_0'));
    assert.equal(pull(it, got), 'again', 'no metadata yet');
    assert.deepEqual(got, []);
    fs.copyFileSync(path.join(dir, 'metadata'), path.join(live, 'metadata'));
    assert.equal(pull(it, got), 'again');
    assert.deepEqual(got, whole.slice(0, 10));
    fs.copyFileSync(path.join(dir, 'chan_1'), path.join(live, 'chan_1'));
    set.finish();
    assert.equal(pull(it, got), 'end');
    assert.deepEqual(got, whole);
  });

  test('metadata that grows: event classes added while the trace is read', () => {
    const { dir, tc } = writeTrace(
      [{ file: 'chan_0', instance: 0n, packets: [{ ts: ticks(100n, 5) }, { ts: ticks(200n, 4), ec: [tock, tick, tock, tock] }] }],
      [tick, tock],
    );
    const whole = readWhole(dir);
    assert.ok(whole.some((l) => l.includes(' tock ')));
    const off = packetOffsets(dir, 'chan_0');
    const live = partialCopy(dir, { chan_0: off[1]! });
    // the metadata as it was before `tock` existed
    const sc0 = tc.streams.get(0)!;
    const early: TraceClass = { ...tc, streams: new Map([[0, { ...sc0, events: new Map([[0, sc0.events.get(0)!]]) }]]) };
    fs.writeFileSync(path.join(live, 'metadata'), generateTsdl(early));
    const set = new GrowingTraces([live]);
    const it = messageIterator(set);
    const got: string[] = [];
    assert.equal(pull(it, got), 'again');
    assert.deepEqual(got, whole.slice(0, 5));
    fs.copyFileSync(path.join(dir, 'metadata'), path.join(live, 'metadata'));
    grow(dir, live, 'chan_0');
    set.finish();
    assert.equal(pull(it, got), 'end');
    assert.deepEqual(got, whole);
  });
});

describe('reader graph: muxer', () => {
  test("while one stream says 'again', nothing newer than what it may still hold is returned", () => {
    // chan_1's first packet ends at 1095; its second packet starts at 2000
    const { dir } = writeTrace([
      { file: 'chan_0', instance: 0n, packets: [{ ts: ticks(1000n, 50, 20n) }] }, // 1000 … 1980
      { file: 'chan_1', instance: 1n, packets: [{ ts: ticks(1005n, 10) }, { ts: ticks(2000n, 10) }] },
    ]);
    const whole = readWhole(dir);
    const off = packetOffsets(dir, 'chan_1');
    const live = partialCopy(dir, { chan_0: 1 << 20, chan_1: off[1]! });
    const set = new GrowingTraces([live]);
    const it = messageIterator(set);
    const got: string[] = [];
    assert.equal(pull(it, got), 'again');
    // chan_1 is idle at the end of its first packet (1095): events up to there only
    const times = got.map((l) => BigInt(l.split(' ')[2]!));
    assert.ok(times.length > 10, `${times.length} events`);
    assert.ok(times.every((t) => t <= 1095n), `returned past chan_1's last known time: ${times.at(-1)}`);
    assert.deepEqual(got, whole.slice(0, got.length));
    assert.equal(pull(it, got), 'again', 'and no further while it has not grown');
    grow(dir, live, 'chan_1');
    set.finish();
    assert.equal(pull(it, got), 'end');
    assert.deepEqual(got, whole);
  });

  test("babeltrace2's order for equal times: by stream, then event class", () => {
    const { dir } = writeTrace([
      { file: 'chan_1', instance: 1n, packets: [{ ts: [10n, 20n] }] },
      { file: 'chan_0', instance: 0n, packets: [{ ts: [10n, 20n, 20n], ec: [tock, tock, tick] }] },
    ], [tick, tock]);
    assert.deepEqual(readWhole(dir).map((l) => l.split(' ').slice(0, 3).join(' ')), [
      'chan_0 tock 10', 'chan_1 tick 10', 'chan_0 tock 20', 'chan_0 tick 20', 'chan_1 tick 20',
    ]);
  });

  test('time going backwards in a stream is an error naming the event (babeltrace2 muxer)', () => {
    const { dir } = writeTrace([{ file: 'chan_0', instance: 0n, packets: [{ ts: [100n, 200n] }, { ts: [150n, 300n] }] }]);
    const got: string[] = [];
    const it = messageIterator(openInputs([dir]));
    assert.throws(
      () => pull(it, got),
      (e: unknown) => e instanceof TraceError && /chan_0: byte offset \d+: time goes backwards: this event is at 1700000000000000150 ns from origin, before the previous message \(1700000000000000200\)/.test(e.message),
    );
    assert.equal(got.length, 2);
  });

  test('time going backwards while streams are interleaved: the error names the stream and offset of the older event', () => {
    // chan_1 goes 100, 500, 250 while chan_0 holds 300: 100, 300 and 500 are returned, then 250 fails
    const { dir } = writeTrace([
      { file: 'chan_0', instance: 0n, packets: [{ ts: [300n] }] },
      { file: 'chan_1', instance: 1n, packets: [{ ts: [100n, 500n] }, { ts: [250n] }] },
    ]);
    const got: string[] = [];
    const it = messageIterator(openInputs([dir]));
    assert.throws(
      () => pull(it, got),
      (e: unknown) => e instanceof TraceError && /chan_1: byte offset \d+: time goes backwards: this event is at 1700000000000000250 ns from origin, before the previous message \(1700000000000000500\)/.test(e.message),
    );
    assert.deepEqual(got, ['chan_1 tick 100 v=0', 'chan_0 tick 300 v=0', 'chan_1 tick 500 v=1']);
  });

  test('a packet beginning after its first event, across streams, is accepted as babeltrace2 does', () => {
    // (babeltrace2 2.0.4 prints this trace in event time order, without error)
    const { dir } = writeTrace([
      { file: 'chan_0', instance: 0n, packets: [{ ts: [100n, 300n] }] },
      { file: 'chan_1', instance: 1n, packets: [{ begin: 200n, ts: [150n, 400n] }] },
    ]);
    assert.deepEqual(readWhole(dir).map((l) => l.split(' ').slice(0, 3).join(' ')), ['chan_0 tick 100', 'chan_1 tick 150', 'chan_0 tick 300', 'chan_1 tick 400']);
  });

  test('iterate() gives the same messages as the iterator, and an event whose body is not read is skipped', () => {
    const { dir } = writeTrace([
      { file: 'chan_0', instance: 0n, packets: [{ ts: ticks(100n, 30) }, { ts: ticks(500n, 30), discarded: 3n }] },
      { file: 'chan_1', instance: 1n, packets: [{ ts: ticks(105n, 30) }] },
    ]);
    const whole = readWhole(dir);
    let k = 0;
    const want = whole.map((l) => (l.startsWith('discarded') || k++ % 2 === 0 ? l : `skipped ${l.split(' ').slice(0, 3).join(' ')}`));
    const got: string[] = [];
    k = 0;
    iterate(openInputs([dir]), false, (c: Cursor) => {
      const m = c.item!;
      if (m.kind !== 'event' || k++ % 2 === 0) got.push(describeMessage(m));
      else got.push(`skipped ${path.basename(c.stream.name)} ${c.ec!.name} ${c.cycles()}`);
    });
    assert.deepEqual(got, want);
  });
});

describe('reader graph: trimmer', () => {
  const { dir } = writeTrace([
    { file: 'chan_0', instance: 0n, packets: [{ ts: ticks(100n, 10) }, { ts: ticks(400n, 10), discarded: 7n }] },
    { file: 'chan_1', instance: 1n, packets: [{ ts: ticks(105n, 10) }] },
  ]);
  const ns = (cycles: bigint): string => `${clock.offsetSeconds}.${String(cycles).padStart(9, '0')}`;
  const whole = readWhole(dir);
  const eventsIn = (lo: bigint, hi: bigint): string[] =>
    whole.filter((l) => !l.startsWith('discarded') && BigInt(l.split(' ')[2]!) >= lo && BigInt(l.split(' ')[2]!) <= hi);

  test('--begin and --end keep the events in [begin, end], bounds included', () => {
    const got = readWhole(dir, { begin: ns(120n), end: ns(175n) });
    assert.deepEqual(got, eventsIn(120n, 175n));
    assert.equal(got[0]!.split(' ')[2], '120');
    assert.equal(got.at(-1)!.split(' ')[2], '175');
  });

  test('a discarded-events range inside the bounds is kept as it is', () => {
    const disc = whole.filter((l) => l.startsWith('discarded'));
    assert.deepEqual(disc, ['discarded-events chan_0 7 190..490']);
    assert.ok(readWhole(dir, { begin: ns(150n), end: ns(600n) }).includes(disc[0]!));
  });

  test('a discarded-events range across --begin or --end is clamped to it and loses its count, as babeltrace2', () => {
    assert.ok(readWhole(dir, { begin: ns(300n) }).includes('discarded-events chan_0 ? 300..490'));
    assert.ok(readWhole(dir, { end: ns(250n) }).includes('discarded-events chan_0 ? 190..250'));
    assert.ok(readWhole(dir, { begin: ns(200n), end: ns(250n) }).includes('discarded-events chan_0 ? 200..250'));
    // wholly before --begin: dropped
    assert.ok(!readWhole(dir, { begin: ns(495n) }).some((l) => l.startsWith('discarded')));
  });

  test('--begin after --end is an error, as in babeltrace2', () => {
    assert.throws(() => readWhole(dir, { begin: ns(180n), end: ns(120n) }), /--begin is after --end/);
  });

  test('a time of day takes the date of the first message', () => {
    const d = new Date(Number(clock.offsetSeconds) * 1000);
    const tod = `${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}:${String(d.getUTCSeconds()).padStart(2, '0')}`;
    assert.deepEqual(readWhole(dir, { begin: `${tod}.000000120`, end: `${tod}.000000175`, gmt: true }), eventsIn(120n, 175n));
  });
});
