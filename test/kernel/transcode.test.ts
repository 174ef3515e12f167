// Real ftrace pages (fixtures/pages.bin, captured on this kernel) through the
// consumer into a CTF trace: babeltrace2 and babeltrace 1.5 read it, with the
// values the records hold (LTTng names, priorities minus 100). And the
// consumer's own page walk on mutated pages: it never throws, never loops.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ChannelConsumer } from '../../src/kernel/consumer.js';
import type { ConsumerOptions } from '../../src/kernel/consumer.js';
import { MetadataWriter, kernelStreamClass } from '../../src/kernel/ctf-out.js';
import type { EventFormat } from '../../src/kernel/format.js';
import { parseEventFormat, parseHeaderEvent, parseHeaderPage } from '../../src/kernel/format.js';
import { contextStruct, planEvent } from '../../src/kernel/mapping.js';
import { decodePage } from '../../src/kernel/page.js';
import { ProcCache } from '../../src/kernel/procinfo.js';
import type { Instance } from '../../src/kernel/tracefs.js';
import { trackSpec } from '../../src/kernel/tracker.js';
import type { KernelContextType } from '../../src/kernel/api.js';
import { prng, randInt, runSync, tempDir } from '../helpers.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const fx = JSON.parse(fs.readFileSync(path.join(here, 'fixtures/pages.json'), 'utf8')) as { header_page: string; header_event: string; formats: Record<string, string> };
const pagesBin = fs.readFileSync(path.join(here, 'fixtures/pages.bin'));
const hp = parseHeaderPage(fx.header_page);
const he = parseHeaderEvent(fx.header_event);
const PAGE = hp.dataOffset + hp.dataSize;
const formats: EventFormat[] = Object.entries(fx.formats).map(([k, f]) => parseEventFormat(f, k.split('/')[0]));
const byId = new Map(formats.map((f) => [f.id, f]));
/** the clock "now" for the fixture's pages: a second after the last page began */
const FIXTURE_NOW = Math.max(...Array.from({ length: Math.floor(pagesBin.length / PAGE) }, (_, i) => Number(pagesBin.readBigUInt64LE(i * PAGE)))) + 1e9;

/** the fixture's pages, split into the two CPUs they came from (time restarts) */
function cpuPages(): Uint8Array[][] {
  const out: Uint8Array[][] = [[]];
  let last = 0n;
  for (let off = 0; off + PAGE <= pagesBin.length; off += PAGE) {
    const page = new Uint8Array(pagesBin.subarray(off, off + PAGE));
    const ts = new DataView(page.buffer).getBigUint64(0, true);
    if (ts < last) out.push([]);
    last = ts;
    out[out.length - 1]!.push(page);
  }
  return out;
}

/** every stream's packets, from its index: time ranges in order and never overlapping */
function checkPackets(kdir: string): number {
  let packets = 0;
  for (const f of fs.readdirSync(path.join(kdir, 'index'))) {
    const b = fs.readFileSync(path.join(kdir, 'index', f));
    let prevEnd = -1n;
    let prevSeq = -1n;
    for (let i = 16; i + 72 <= b.length; i += 72) {
      const begin = b.readBigUInt64BE(i + 24);
      const end = b.readBigUInt64BE(i + 32);
      const seq = b.readBigUInt64BE(i + 64);
      assert.ok(begin <= end, `${f}: packet ${seq} ends before it begins`);
      assert.ok(begin >= prevEnd, `${f}: packet ${seq} begins before the previous one ends`);
      assert.equal(seq, prevSeq + 1n);
      prevEnd = end;
      prevSeq = seq;
      packets++;
    }
  }
  return packets;
}

const stubInstance = { rawPipe: () => '/dev/null', stats: () => ({ entries: 0, overrun: 0, commitOverrun: 0, bytes: 0, droppedEvents: 0, readEvents: 0 }) } as unknown as Instance;

function consumer(dir: string, cpus: number[], contexts: KernelContextType[]): ChannelConsumer {
  const opts: ConsumerOptions = {
    channel: 'channel0', streamId: 0, instance: stubInstance, cpus, outDir: dir, packetBytes: 16 << 10, uuid: new Uint8Array(16).fill(3),
    contexts, overwrite: false, headerPage: hp, headerEvent: he, subbufBytes: PAGE, procs: new ProcCache(), hostname: 'fixture',
    now: () => FIXTURE_NOW,
  };
  return new ChannelConsumer(opts);
}

function writeTrace(dir: string, contexts: KernelContextType[], track = false): { c: ChannelConsumer; expected: number } {
  const kdir = path.join(dir, 'kernel');
  fs.mkdirSync(kdir, { recursive: true });
  const clock = { name: 'monotonic', freq: 1_000_000_000n, offsetSeconds: 1_700_000_000n, offsetCycles: 0n, precision: 1n, absolute: false };
  const meta = new MetadataWriter(kdir, { uuid: new Uint8Array(16).fill(3), env: new Map([['domain', 'kernel'], ['tracer_name', 'lttng-modules']]), clock });
  meta.begin([kernelStreamClass(0, clock, contextStruct(contexts))]);
  const groups = cpuPages();
  const c = consumer(kdir, groups.map((_, i) => i), contexts);
  const plans = formats.map((f) => planEvent(f));
  for (const p of plans) c.setPlan(p);
  if (track) for (const f of formats) {
    const spec = trackSpec(f);
    if (spec) c.setTrack(f.id, spec);
  }
  meta.addEvents(plans.map((p) => ({ id: p.id, name: p.name, streamId: 0, payload: p.payload })));
  let expected = 0;
  groups.forEach((pages, cpu) => {
    for (const page of pages) {
      expected += decodePage(hp, he, page).records.filter((r) => byId.has(r.id)).length;
      c.consumePage(cpu, page);
    }
  });
  c.close();
  return { c, expected };
}

test('fixture pages → CTF: babeltrace2 and babeltrace 1.5 read every event with LTTng names and values', () => {
  const { dir, remove } = tempDir('ttng-transcode-');
  try {
    const { c, expected } = writeTrace(dir, []);
    assert.equal(c.pageErrors, 0, `page errors: ${c.lastPageError}`);
    assert.equal(c.recorded, expected);
    assert.ok(checkPackets(path.join(dir, 'kernel')) > 2, 'several packets');
    const bt2 = runSync('babeltrace2', [dir]);
    assert.equal(bt2.code, 0, bt2.stderr);
    const lines = bt2.stdout.split('\n').filter(Boolean);
    assert.equal(lines.length, expected);
    // every sched_switch as the records hold it, priorities minus 100
    const sw = formats.find((f) => f.name === 'sched_switch')!;
    const printed = lines.filter((l) => l.includes(' sched_switch: '));
    const want: string[] = [];
    for (const pages of cpuPages()) {
      for (const page of pages) {
        for (const r of decodePage(hp, he, page).records) {
          if (r.id !== sw.id) continue;
          const dv = new DataView(r.payload.buffer, r.payload.byteOffset);
          const str = (o: number): string => Buffer.from(r.payload.subarray(o, o + 16)).toString('latin1').replace(/\0.*$/s, '');
          want.push(`prev_comm = "${str(8)}", prev_tid = ${dv.getInt32(24, true)}, prev_prio = ${dv.getInt32(28, true) - 100}, prev_state = ${dv.getBigInt64(32, true)}, next_comm = "${str(40)}", next_tid = ${dv.getInt32(56, true)}, next_prio = ${dv.getInt32(60, true) - 100}`);
        }
      }
    }
    assert.ok(want.length > 10, `${want.length} sched_switch`);
    const got = printed.map((l) => /\{ (prev_comm[^}]*) \}$/.exec(l)![1]!);
    assert.deepEqual(got.sort(), want.sort());
    assert.ok(lines.some((l) => / syscall_entry_openat: .*filename = "/.test(l)), 'openat with a path string');
    assert.ok(lines.some((l) => / sched_process_fork: .*child_tid = \d+, _vtids_length = 1, vtids = \[ \[0\] = \d+ \], child_pid = \d+/.test(l)), 'fork as LTTng records it');
    assert.ok(lines.some((l) => / sched_process_exec: \{ cpu_id = \d \}, \{ filename = "\/tmp\/x{100,}/.test(l)), 'exec of a 160-byte record');
    const bt1 = runSync('babeltrace', [path.join(dir, 'kernel')]);
    assert.equal(bt1.code, 0, bt1.stderr);
    assert.equal(bt1.stdout.split('\n').filter((l) => l.startsWith('[')).length, expected);
  } finally {
    remove();
  }
});

test('fixture pages with contexts (pid, tid, procname, hostname): readable, contexts in place', () => {
  const { dir, remove } = tempDir('ttng-transcode-ctx-');
  try {
    const { expected } = writeTrace(dir, ['pid', 'tid', 'procname', 'hostname'], true);
    const bt2 = runSync('babeltrace2', [dir]);
    assert.equal(bt2.code, 0, bt2.stderr);
    const lines = bt2.stdout.split('\n').filter(Boolean);
    assert.equal(lines.length, expected);
    assert.ok(lines.every((l) => /\{ pid = -?\d+, tid = -?\d+, procname = "[^"]*", hostname = "fixture" \}/.test(l)), lines[0]);
    // the threads of the fixture are long gone: their names come from the exec events (thread tracker)
    const exec = lines.find((l) => / sched_process_exec: .*filename = "\/usr\/bin\/cat"/.test(l))!;
    const tid = /\{ pid = -?\d+, tid = (\d+),/.exec(exec)![1]!;
    const after = lines.slice(lines.indexOf(exec) + 1).filter((l) => l.includes(`tid = ${tid}, `));
    assert.ok(after.length > 5);
    assert.ok(after.every((l) => l.includes('procname = "cat"')), after[0]);
  } finally {
    remove();
  }
});

test('fuzz: the consumer walks mutated and random pages without throwing or looping', () => {
  const { dir, remove } = tempDir('ttng-transcode-fuzz-');
  try {
    const clock = { name: 'monotonic', freq: 1_000_000_000n, offsetSeconds: 0n, offsetCycles: 0n, precision: 1n, absolute: false };
    const meta = new MetadataWriter(dir, { uuid: new Uint8Array(16).fill(3), env: new Map(), clock });
    meta.begin([kernelStreamClass(0, clock, undefined)]);
    const c = consumer(dir, [0], []);
    const plans = formats.map((f) => planEvent(f));
    for (const p of plans) c.setPlan(p);
    meta.addEvents(plans.map((p) => ({ id: p.id, name: p.name, streamId: 0, payload: p.payload })));
    const all = cpuPages().flat();
    const rnd = prng(7);
    for (let i = 0; i < 1500; i++) {
      const page = new Uint8Array(all[randInt(rnd, all.length)]!);
      const flips = 1 + randInt(rnd, 6);
      for (let j = 0; j < flips; j++) {
        const at = randInt(rnd, 16 + 512) + (rnd() < 0.5 ? 0 : randInt(rnd, PAGE - 600));
        page[at] = randInt(rnd, 256);
      }
      if (rnd() < 0.1) for (let j = 16; j < PAGE; j++) page[j] = randInt(rnd, 256);
      c.consumePage(0, page);
    }
    c.close();
    assert.ok(c.recorded > 0);
    checkPackets(dir);
    // babeltrace2 still reads what was written from the corrupted input
    const bt2 = runSync('babeltrace2', [dir]);
    assert.equal(bt2.code, 0, bt2.stderr.slice(0, 1000));
  } finally {
    remove();
  }
});
