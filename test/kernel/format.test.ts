// The tracefs format parsers on the verbatim texts of
// ../shared/protocols/ftrace-format.md (copied to fixtures/ftrace-format-md.json).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FormatError, parseEventFormat, parseFieldLine, parseHeaderEvent, parseHeaderPage, parseStats } from '../../src/kernel/format.js';
import { tracefsFromMounts } from '../../src/kernel/tracefs.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const texts = JSON.parse(fs.readFileSync(path.join(here, 'fixtures/ftrace-format-md.json'), 'utf8')) as Record<string, string>;
const t = (k: string): string => {
  const v = texts[k];
  assert.ok(v, `fixture ${k}`);
  return v;
};

test('header_page: timestamp, commit and data of a 4 KiB sub-buffer', () => {
  assert.deepEqual(parseHeaderPage(t('events/header_page')), {
    timestampOffset: 0, timestampSize: 8, commitOffset: 8, commitSize: 8, dataOffset: 16, dataSize: 4080,
  });
  const big = t('events/header_page').replace('size:4080', 'size:8176');
  assert.equal(parseHeaderPage(big).dataSize, 8176);
  assert.throws(() => parseHeaderPage('\tfield: u64 timestamp;\toffset:0;\tsize:8;\tsigned:0;\n'), FormatError);
});

test('header_event: 5-bit type_len, 27-bit delta, special types 29..31', () => {
  assert.deepEqual(parseHeaderEvent(t('events/header_event')), {
    typeLenBits: 5, timeDeltaBits: 27, arrayBits: 32, padding: 29, timeExtend: 30, timeStamp: 31, dataMaxTypeLen: 28,
  });
  assert.throws(() => parseHeaderEvent(t('events/header_event').replace('27 bits', '26 bits')), FormatError);
});

test('sched_switch format: id, common fields, fields by offset', () => {
  const f = parseEventFormat(t('events/sched/sched_switch/format'), 'sched');
  assert.equal(f.name, 'sched_switch');
  assert.equal(f.id, 372);
  assert.deepEqual(f.common.map((c) => [c.name, c.offset, c.size]), [['common_type', 0, 2], ['common_flags', 2, 1], ['common_preempt_count', 3, 1], ['common_pid', 4, 4]]);
  assert.deepEqual(f.fields.map((x) => [x.type, x.name, x.offset, x.size, x.signed, x.arrayLength]), [
    ['char', 'prev_comm', 8, 16, false, 16], ['pid_t', 'prev_pid', 24, 4, true, undefined], ['int', 'prev_prio', 28, 4, true, undefined],
    ['long', 'prev_state', 32, 8, true, undefined], ['char', 'next_comm', 40, 16, false, 16], ['pid_t', 'next_pid', 56, 4, true, undefined],
    ['int', 'next_prio', 60, 4, true, undefined],
  ]);
});

test('syscall formats: 8-byte argument slots with their C types; pointers; raw_syscalls arrays', () => {
  const o = parseEventFormat(t('events/syscalls/sys_enter_openat/format'), 'syscalls');
  assert.equal(o.id, 782);
  assert.deepEqual(o.fields.map((x) => [x.type, x.name, x.offset, x.size]), [
    ['int', '__syscall_nr', 8, 4], ['int', 'dfd', 16, 8], ['const char *', 'filename', 24, 8], ['int', 'flags', 32, 8], ['umode_t', 'mode', 40, 8],
  ]);
  const r = parseEventFormat(t('events/syscalls/sys_exit_read/format'), 'syscalls');
  assert.deepEqual(r.fields.map((x) => [x.name, x.offset, x.size, x.signed]), [['__syscall_nr', 8, 4, true], ['ret', 16, 8, true]]);
  const raw = parseEventFormat(t('events/raw_syscalls/sys_enter/format'), 'raw_syscalls');
  assert.deepEqual(raw.fields.map((x) => [x.type, x.name, x.arrayLength, x.size]), [['long', 'id', undefined, 8], ['unsigned long', 'args', 6, 48]]);
  assert.equal(parseEventFormat(t('events/raw_syscalls/sys_exit/format')).id, 442);
});

test('__data_loc fields (sched_process_fork, sched_process_exec)', () => {
  const fork = parseEventFormat(t('events/sched/sched_process_fork/format'), 'sched');
  assert.deepEqual(fork.fields.map((x) => [x.type, x.name, x.offset, x.size, x.dynamic]), [
    ['char[]', 'parent_comm', 8, 4, 'data_loc'], ['pid_t', 'parent_pid', 12, 4, undefined],
    ['char[]', 'child_comm', 16, 4, 'data_loc'], ['pid_t', 'child_pid', 20, 4, undefined],
  ]);
  const exec = parseEventFormat(t('events/sched/sched_process_exec/format'), 'sched');
  assert.equal(exec.fields[0]!.dynamic, 'data_loc');
  assert.equal(exec.fields[0]!.name, 'filename');
  const exit = parseEventFormat(t('events/sched/sched_process_exit/format'), 'sched');
  assert.deepEqual(exit.fields.map((x) => x.name), ['comm', 'pid', 'prio', 'group_dead']);
  assert.equal(parseEventFormat(t('events/sched/sched_wakeup/format')).fields.at(-1)!.name, 'target_cpu');
});

test('field lines: flexible arrays, rel_loc, odd spacing; broken formats are clear errors', () => {
  assert.deepEqual(parseFieldLine('\tfield:u32 buf[];\toffset:24;\tsize:0;\tsigned:0;'), { type: 'u32', name: 'buf', offset: 24, size: 0, signed: false, arrayLength: 0 });
  assert.equal(parseFieldLine('\tfield:__rel_loc char[] msg;\toffset:8;\tsize:4;\tsigned:0;')!.dynamic, 'rel_loc');
  assert.equal(parseFieldLine('\tfield: u64 timestamp;\toffset:0;\tsize:8;\tsigned:0;')!.name, 'timestamp');
  assert.equal(parseFieldLine('print fmt: "x"'), undefined);
  assert.throws(() => parseEventFormat('name: x\nformat:\n'), /no "ID:"/);
  assert.throws(() => parseEventFormat('name: x\nID: 70000\nformat:\n'), FormatError);
  assert.throws(() => parseEventFormat('name: x\nID: 7\nformat:\n\tfield:int y;\toffset:0;\tsize:4;\tsigned:1;\n'), /common_type/);
});

test('per-CPU stats', () => {
  assert.deepEqual(parseStats(t('per_cpu/cpu0/stats')), { entries: 227, overrun: 123345, commitOverrun: 0, bytes: 11052, droppedEvents: 0, readEvents: 0 });
});

test('tracefs mount point from /proc/mounts', () => {
  assert.equal(tracefsFromMounts('sysfs /sys sysfs rw 0 0\nnodev /sys/kernel/tracing tracefs rw,relatime 0 0\n'), '/sys/kernel/tracing');
  assert.equal(tracefsFromMounts('sysfs /sys sysfs rw 0 0\n'), undefined);
});
