// ftrace formats → LTTng layouts (names, types, how records are copied), rule
// selection, and the sub-buffer policy. Pure: no kernel needed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FieldType, StructType } from '../../src/ctf/model.js';
import { parseEventFormat } from '../../src/kernel/format.js';
import { OP_DATALOC_STR, OP_PATH, PLAN_RAW, PLAN_STEPS, contextStruct, headerBytes, lttngEventName, planEvent } from '../../src/kernel/mapping.js';
import { selectEvents } from '../../src/kernel/rules.js';
import { globMatch } from '../../src/filter/glob.js';
import { syscallLayout } from '../../src/kernel/syscalls.js';
import { ftraceSubbufKb } from '../../src/kernel/session.js';
import { creationDatetime } from '../../src/ctl/time.js';
import { structSpec } from '../../src/ctf/tsdl-writer.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const md = JSON.parse(fs.readFileSync(path.join(here, 'fixtures/ftrace-format-md.json'), 'utf8')) as Record<string, string>;
const live = JSON.parse(fs.readFileSync(path.join(here, 'fixtures/pages.json'), 'utf8')) as { formats: Record<string, string> };
/** a recorded format, else this kernel's (tracefs) */
const fmt = (k: string, system: string) =>
  parseEventFormat(md[k] ?? live.formats[k] ?? fs.readFileSync(`/sys/kernel/tracing/${k.startsWith('events/') ? k : 'events/' + k}/format`, 'utf8'), system);

function fields(s: StructType | undefined): [string, string][] {
  const d = (t: FieldType): string => {
    if (t.kind === 'int') return `${t.signed ? 's' : 'u'}${t.size}@${t.align}${t.base === 16 ? 'x' : ''}`;
    if (t.kind === 'array') return `${t.isText ? 'text' : d(t.element)}[${t.length}]`;
    if (t.kind === 'sequence') return `${d(t.element)}[${t.lengthPath}]`;
    return t.kind;
  };
  return (s?.fields ?? []).map((f) => [f.name, d(f.type)]);
}

test('sched_switch: copied as it is, LTTng names, priorities fixed in place', () => {
  const p = planEvent(fmt('events/sched/sched_switch/format', 'sched'));
  assert.equal(p.kind, PLAN_RAW);
  assert.equal(p.name, 'sched_switch');
  assert.equal(p.id, 372);
  assert.equal(p.skip, 8);
  assert.equal(p.declBytes, 56);
  assert.deepEqual(p.prioFixups, [28, 60]);
  assert.equal(p.payload!.align, 64);
  assert.deepEqual(fields(p.payload), [
    ['_prev_comm', 'text[16]'], ['_prev_tid', 's32@8'], ['_prev_prio', 's32@8'], ['_prev_state', 's64@8'],
    ['_next_comm', 'text[16]'], ['_next_tid', 's32@8'], ['_next_prio', 's32@8'],
  ]);
  assert.match(structSpec(p.payload!), /\} align\(64\)$/);
});

test('sched_wakeup and sched_process_exit: tid, prio - 100, extra ftrace fields kept', () => {
  const w = planEvent(fmt('events/sched/sched_wakeup/format', 'sched'));
  assert.deepEqual(fields(w.payload).map((f) => f[0]), ['_comm', '_tid', '_prio', '_target_cpu']);
  assert.deepEqual(w.prioFixups, [28]);
  const x = planEvent(fmt('events/sched/sched_process_exit/format', 'sched'));
  assert.deepEqual(fields(x.payload), [['_comm', 'text[16]'], ['_tid', 's32@8'], ['_prio', 's32@8'], ['_group_dead', 'u8@8']]);
  assert.equal(x.declBytes, 25);
});

test('syscall exit: __syscall_nr left out (copy starts at 16), ret as long', () => {
  const p = planEvent(fmt('events/syscalls/sys_exit_read/format', 'syscalls'));
  assert.equal(p.kind, PLAN_RAW);
  assert.equal(p.name, 'syscall_exit_read');
  assert.equal(p.skip, 16);
  assert.deepEqual(fields(p.payload), [['_ret', 's64@8']]);
});

test('syscall entry: arguments in 8-byte slots read with their C size and alignment; pointers in decimal as ctf_integer prints them', () => {
  const p = planEvent(fmt('syscalls/sys_enter_write', 'syscalls'));
  assert.equal(p.kind, PLAN_RAW);
  assert.equal(p.name, 'syscall_entry_write');
  assert.deepEqual(fields(p.payload), [['_fd', 'u32@8'], ['_buf', 'u64@64'], ['_count', 'u64@8']]);
  assert.equal(p.declBytes, 24);
  assert.deepEqual(p.outOffsets, []);
});

test('read: the output buffer in the exit (ret, buf), the entry keeps fd and count (copied, buf\'s slot cut out)', () => {
  const enter = fmt('syscalls/sys_enter_read', 'syscalls');
  const buf = enter.fields.find((f) => f.name === 'buf')!.offset;
  const p = planEvent(enter);
  assert.equal(p.kind, PLAN_RAW);
  assert.equal(p.name, 'syscall_entry_read');
  assert.deepEqual(fields(p.payload), [['_fd', 'u32@8'], ['_count', 'u64@64']]);
  assert.deepEqual([p.skip, p.holeAt, p.holeLen, p.declBytes, p.minLen], [16, 8, 8, 16, 40]);
  assert.deepEqual(p.outOffsets, [buf]);
  assert.equal(p.fast, true);
  const x = planEvent(fmt('syscalls/sys_exit_read', 'syscalls'), enter);
  assert.equal(x.name, 'syscall_exit_read');
  assert.equal(x.kind, PLAN_RAW);
  assert.deepEqual(fields(x.payload), [['_ret', 's64@8'], ['_buf', 'u64@8']]);
  assert.equal(x.pairWith, enter.id);
  assert.deepEqual([x.declBytes, x.pairSizes], [8, [8]]);
});

test('newstat: the path a string in the entry, statbuf in the exit; rename: two strings', () => {
  const enter = fmt('syscalls/sys_enter_newstat', 'syscalls');
  const p = planEvent(enter);
  assert.equal(p.kind, PLAN_STEPS);
  assert.deepEqual(fields(p.payload), [['_filename', 'string']]);
  assert.equal(p.pathPointers.length, 1);
  assert.equal(p.openEntry, false);
  const x = planEvent(fmt('syscalls/sys_exit_newstat', 'syscalls'), enter);
  assert.deepEqual(fields(x.payload).map((f) => f[0]), ['_ret', '_statbuf']);
  assert.equal(x.pairWith, enter.id);
  const r = planEvent(fmt('syscalls/sys_enter_rename', 'syscalls'));
  assert.deepEqual(fields(r.payload), [['_oldname', 'string'], ['_newname', 'string']]);
  assert.deepEqual(r.steps.filter((s) => s.op === OP_PATH).map((s) => s.b), [0, 1]);
  assert.equal(r.pathPointers.length, 2);
});

test('syscall arguments narrower than their slot, one after another (futex): 64-bit alignment', () => {
  const futex = parseEventFormat([
    'name: sys_enter_futex', 'ID: 456', 'format:',
    '\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;',
    '\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;',
    '\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;',
    '\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;',
    '', '\tfield:int __syscall_nr;\toffset:8;\tsize:4;\tsigned:1;',
    '\tfield:u32 * uaddr;\toffset:16;\tsize:8;\tsigned:0;',
    '\tfield:int op;\toffset:24;\tsize:8;\tsigned:0;',
    '\tfield:u32 val;\toffset:32;\tsize:8;\tsigned:0;',
    '\tfield:const struct __kernel_timespec * utime;\toffset:40;\tsize:8;\tsigned:0;',
    '\tfield:u32 * uaddr2;\toffset:48;\tsize:8;\tsigned:0;',
    '\tfield:u32 val3;\toffset:56;\tsize:8;\tsigned:0;', '',
  ].join('\n'), 'syscalls');
  const p = planEvent(futex);
  assert.equal(p.kind, PLAN_RAW);
  assert.deepEqual(fields(p.payload), [
    ['_uaddr', 'u64@8'], ['_op', 's32@8'], ['_val', 'u32@64'], ['_utime', 'u64@64'], ['_uaddr2', 'u64@8'], ['_val3', 'u32@8'],
  ]);
  assert.equal(p.declBytes, 44);
  // uaddr and uaddr2 are input and output arguments in LTTng: also in the exit
  assert.deepEqual(p.outOffsets, [16, 48]);
});

test('openat entry: rebuilt, the filename a string ttng fetches', () => {
  const p = planEvent(fmt('events/syscalls/sys_enter_openat/format', 'syscalls'));
  assert.equal(p.kind, PLAN_STEPS);
  assert.equal(p.name, 'syscall_entry_openat');
  assert.deepEqual(p.pathPointers, [24]);
  assert.equal(p.openEntry, true);
  assert.deepEqual(fields(p.payload), [['_dfd', 's32@8'], ['_filename', 'string'], ['_flags', 's32@8'], ['_mode', 'u16@8']]);
  assert.ok(p.steps.some((s) => s.op === OP_PATH && s.a === 24));
  const x = planEvent(fmt('syscalls/sys_exit_openat', 'syscalls'));
  assert.equal(x.pathExit, true);
  assert.equal(x.retOffset, 16);
  assert.equal(x.fast, false);
});

test('sched_process_fork and _exec as LTTng records them', () => {
  const f = planEvent(fmt('events/sched/sched_process_fork/format', 'sched'));
  assert.deepEqual(fields(f.payload), [
    ['_parent_comm', 'text[16]'], ['_parent_tid', 's32@8'], ['_parent_pid', 's32@8'], ['_parent_ns_inum', 'u32@8'],
    ['_child_comm', 'text[16]'], ['_child_tid', 's32@8'], ['__vtids_length', 'u8@8'], ['_vtids', 's32@8[__vtids_length]'],
    ['_child_pid', 's32@8'], ['_child_ns_inum', 'u32@8'],
  ]);
  const e = planEvent(fmt('events/sched/sched_process_exec/format', 'sched'));
  assert.equal(e.kind, PLAN_STEPS);
  assert.deepEqual(fields(e.payload), [['_filename', 'string'], ['_tid', 's32@8'], ['_old_tid', 's32@8']]);
  assert.equal(e.steps[0]!.op, OP_DATALOC_STR);
});

test('raw_syscalls keep their own names; arrays of longs in hex', () => {
  const p = planEvent(fmt('events/raw_syscalls/sys_enter/format', 'raw_syscalls'));
  assert.equal(p.name, 'sys_enter');
  assert.deepEqual(fields(p.payload), [['_id', 's64@8'], ['_args', 'u64@8x[6]']]);
});

test('LTTng event names', () => {
  assert.equal(lttngEventName('irq', 'softirq_entry'), 'irq_softirq_entry');
  assert.equal(lttngEventName('irq', 'irq_handler_entry'), 'irq_handler_entry');
  assert.equal(lttngEventName('timer', 'hrtimer_start'), 'timer_hrtimer_start');
  assert.equal(lttngEventName('kmem', 'mm_page_alloc'), 'kmem_mm_page_alloc');
  assert.equal(lttngEventName('kmem', 'kmem_cache_alloc'), 'kmem_cache_alloc');
  assert.equal(lttngEventName('power', 'cpu_idle'), 'power_cpu_idle');
  assert.equal(lttngEventName('syscalls', 'sys_enter_close'), 'syscall_entry_close');
  assert.equal(lttngEventName('block', 'block_rq_issue'), 'block_rq_issue');
});

test('contexts: LTTng names, byte-packed after the 10-byte header', () => {
  assert.equal(contextStruct([]), undefined);
  assert.deepEqual(fields(contextStruct(['pid', 'tid', 'procname', 'hostname'])), [['_pid', 's32@8'], ['_tid', 's32@8'], ['_procname', 'text[16]'], ['_hostname', 'text[65]']]);
  assert.equal(headerBytes([]), 16);
  assert.equal(headerBytes(['tid']), 16);
  assert.equal(headerBytes(['pid', 'tid', 'procname']), 40);
});

test('rules: names, globs, syscalls, statedump, missing names', () => {
  const avail = [
    { system: 'sched', name: 'sched_switch' }, { system: 'sched', name: 'sched_wakeup' }, { system: 'irq', name: 'softirq_entry' },
    { system: 'syscalls', name: 'sys_enter_read' }, { system: 'raw_syscalls', name: 'sys_enter' }, { system: 'ttng_x_1', name: 'open64_f7fc0' },
  ];
  const calls = ['read', 'openat', 'open'];
  const sel = (rules: Parameters<typeof selectEvents>[0]) => selectEvents(rules, avail, calls);
  assert.deepEqual([...sel([{ kind: 'tracepoint', pattern: 'sched_switch', enabled: true }]).events], ['sched/sched_switch']);
  assert.deepEqual([...sel([{ kind: 'tracepoint', pattern: 'sched_*', enabled: true }]).events], ['sched/sched_switch', 'sched/sched_wakeup']);
  assert.deepEqual([...sel([{ kind: 'tracepoint', pattern: 'irq_softirq_entry', enabled: true }]).events], ['irq/softirq_entry']);
  const all = sel([{ kind: 'tracepoint', pattern: '*', enabled: true }]);
  assert.deepEqual([...all.events], ['sched/sched_switch', 'sched/sched_wakeup', 'irq/softirq_entry']);
  assert.equal(all.statedump, true);
  assert.deepEqual([...sel([{ kind: 'syscall', pattern: 'open*', enabled: true }]).events], [
    'syscalls/sys_enter_openat', 'syscalls/sys_exit_openat', 'syscalls/sys_enter_open', 'syscalls/sys_exit_open',
  ]);
  assert.equal(sel([{ kind: 'tracepoint', pattern: 'nope', enabled: true }]).missing.length, 1);
  assert.equal(sel([{ kind: 'tracepoint', pattern: 'nope*', enabled: true }]).missing.length, 0);
  assert.equal(sel([{ kind: 'tracepoint', pattern: 'sched_switch', enabled: false }]).events.size, 0);
  assert.ok(globMatch('a\\*b', 'a*b') && !globMatch('a\\*b', 'axb'));
});

test('ftrace sub-buffer: LTTng size when allowed, at most 64 KiB and 1/32 of the buffer', () => {
  assert.equal(ftraceSubbufKb(1 << 20, 4 << 20), 64);
  assert.equal(ftraceSubbufKb(16384, 4 << 20), 16);
  assert.equal(ftraceSubbufKb(4096, 8192), 4);
  assert.equal(ftraceSubbufKb(1 << 20, 1 << 20), 32);
  assert.equal(ftraceSubbufKb(12288, 1 << 30), 8);
});

test('trace_creation_datetime in LTTng form', () => {
  assert.match(creationDatetime(new Date(2025, 0, 2, 3, 4, 5)), /^20250102T030405[+-]\d{4}$/);
});

test('syscall layouts: arguments the kernel renamed since LTTng\'s table by position; calls newer than the table keep ftrace\'s arguments, paths as strings', () => {
  const clone = syscallLayout('clone', fmt('syscalls/sys_enter_clone', 'syscalls'));
  assert.deepEqual(clone.entry.map((a) => `${a.name}<${a.field.name}${a.hex ? ' hex' : ''}`), [
    'flags<clone_flags hex', 'newsp<newsp hex', 'parent_tid<parent_tidptr hex', 'child_tid<child_tidptr hex',
  ]);
  const statx = syscallLayout('statx', fmt('syscalls/sys_enter_statx', 'syscalls'));
  assert.equal(statx.known, false);
  assert.deepEqual(statx.entry.map((a) => `${a.name}${a.str ? '$' : ''}`), ['dfd', 'filename$', 'flags', 'mask', 'buffer']);
  assert.deepEqual(statx.exit, []);
  const futex = syscallLayout('futex', fmt('syscalls/sys_enter_futex', 'syscalls'));
  assert.deepEqual(futex.exit.map((a) => a.name), ['uaddr', 'uaddr2']);
});
