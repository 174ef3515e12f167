// ftrace events → LTTng kernel event layouts (../shared/protocols/lttng-facts.md §4).
// Pure: from an event's parsed `format`, decide its LTTng name, its field names
// and types, and how a record becomes a CTF event:
//
//  - RAW: the CTF payload describes ftrace's own layout, so the record bytes are
//    copied as they are (from `skip` on), with a few in-place fixes (priorities
//    minus 100). Field alignments are chosen so that a CTF reader finds each
//    field at its ftrace offset; integers narrower than their slot (syscall
//    arguments) are declared with their C size and read from the slot's low bytes.
//  - STEPS: the payload is rebuilt, byte-packed, by a short list of steps (copy
//    bytes, data_loc strings, path strings, values ftrace lacks). Used when a
//    record has dynamic fields or needs values from elsewhere.
import type { FieldType, NamedField, StructType } from '../ctf/model.js';
import type { KernelContextType } from './api.js';
import type { EventFormat, FtraceField } from './format.js';
import type { FilterNode } from '../filter/filter.js';
import { intType, stringType, textArray } from './ctf-out.js';
import type { SyscallArg } from './syscalls.js';
import { syscallLayout } from './syscalls.js';

/* ------------------------------- names ------------------------------- */

/** LTTng's name for a tracepoint (lttng-modules prefixes some systems) */
export function lttngEventName(system: string, name: string): string {
  if (system === 'syscalls') {
    if (name.startsWith('sys_enter_')) return 'syscall_entry_' + name.slice(10);
    if (name.startsWith('sys_exit_')) return 'syscall_exit_' + name.slice(9);
  }
  if (system === 'irq' && name.startsWith('softirq_')) return 'irq_' + name;
  if (system === 'timer' && (name.startsWith('hrtimer_') || name.startsWith('itimer_'))) return 'timer_' + name;
  if (system === 'kmem' && !name.startsWith('kmem_')) return 'kmem_' + name;
  if (system === 'power' && !name.startsWith('power_')) return 'power_' + name;
  if (system === 'irq_vectors') return 'x86_irq_vectors_' + name;
  return name;
}

/** ftrace field names LTTng spells differently (ftrace's `pid` of a task is its TID) */
const SCHED_RENAMES: Record<string, string> = {
  pid: 'tid', prev_pid: 'prev_tid', next_pid: 'next_tid', old_pid: 'old_tid',
  parent_pid: 'parent_tid', child_pid: 'child_tid', orig_pid: 'orig_tid', dest_pid: 'dest_tid',
};

/** sched fields that LTTng records as `prio - MAX_RT_PRIO` */
const PRIO_FIELDS = new Set(['prio', 'prev_prio', 'next_prio', 'oldprio', 'newprio']);
export const MAX_RT_PRIO = 100;

export function lttngFieldName(system: string, field: string): string {
  if (system === 'sched') return SCHED_RENAMES[field] ?? field;
  return field;
}

/** open-like system calls: when no uprobe saw the path, /proc/TID/fd/RET names the file after the exit */
export const OPEN_CALLS = new Set(['openat', 'open', 'creat', 'openat2']);

/* ------------------------------- C types ------------------------------- */

interface CType {
  bits: number;
  signed: boolean;
  hex: boolean;
}

const CTYPES: Record<string, [number, boolean]> = {
  'char': [8, true], 'signed char': [8, true], 'unsigned char': [8, false], 'bool': [8, false], '_Bool': [8, false],
  'short': [16, true], 'unsigned short': [16, false], 'int': [32, true], 'signed': [32, true], 'unsigned': [32, false],
  'unsigned int': [32, false], 'long': [64, true], 'unsigned long': [64, false], 'long long': [64, true],
  'unsigned long long': [64, false], 'size_t': [64, false], 'ssize_t': [64, true], 'pid_t': [32, true],
  'uid_t': [32, false], 'gid_t': [32, false], 'qid_t': [32, false], 'umode_t': [16, false], 'mode_t': [32, false],
  'loff_t': [64, true], 'off_t': [64, true], 'key_t': [32, true], 'mqd_t': [32, true], 'timer_t': [32, true],
  'clockid_t': [32, true], 'key_serial_t': [32, true], 'rwf_t': [32, true], 'aio_context_t': [64, false],
  'u8': [8, false], 'u16': [16, false], 'u32': [32, false], 'u64': [64, false], 's8': [8, true], 's16': [16, true],
  's32': [32, true], 's64': [64, true], '__u8': [8, false], '__u16': [16, false], '__u32': [32, false],
  '__u64': [64, false], '__s8': [8, true], '__s16': [16, true], '__s32': [32, true], '__s64': [64, true],
  'uint8_t': [8, false], 'uint16_t': [16, false], 'uint32_t': [32, false], 'uint64_t': [64, false],
  'int8_t': [8, true], 'int16_t': [16, true], 'int32_t': [32, true], 'int64_t': [64, true],
  'dev_t': [32, false], 'fmode_t': [32, false], 'sector_t': [64, false], 'ino_t': [64, false],
};

/**
 * C type of a syscall argument → what LTTng would record (its C size and sign).
 * Pointers are 64-bit unsigned integers, printed in decimal as lttng-modules'
 * ctf_integer() prints them (its table marks the few it prints in hex).
 */
export function cType(type: string, slotSize: number, slotSigned: boolean): CType {
  const t = type.replace(/\b(const|volatile|__user|struct|union|enum)\b/g, (m) => (m === 'struct' || m === 'union' || m === 'enum' ? m : '')).replace(/\s+/g, ' ').trim();
  if (t.includes('*') || t === 'cap_user_header_t' || t === 'cap_user_data_t') return { bits: 64, signed: false, hex: false };
  const known = CTYPES[t];
  if (known && known[0] <= slotSize * 8) return { bits: known[0], signed: known[1], hex: false };
  return { bits: slotSize * 8, signed: slotSigned, hex: false };
}

function isPointer(type: string): boolean {
  return type.includes('*');
}

/* ------------------------------- plans ------------------------------- */

export const PLAN_RAW = 0;
export const PLAN_STEPS = 1;

/** step opcodes of STEPS plans */
export const OP_COPY = 0; // a = src offset, b = bytes
export const OP_PRIO = 1; // a = src offset (s32 minus 100)
export const OP_DATALOC_STR = 2; // a = src offset of the u32 locator
export const OP_RELLOC_STR = 3;
export const OP_DATALOC_SEQ = 4; // a = locator, b = element size: u32 count + elements
export const OP_RELLOC_SEQ = 5;
export const OP_FLEX_STR = 6; // a = offset: rest of the record as a string
export const OP_FLEX_SEQ = 7; // a = offset, b = element size
export const OP_PATH = 8; // a = src offset of the user pointer: the path string
export const OP_DATALOC_TEXT = 9; // a = locator, b = fixed length: data_loc string → char[b]
export const OP_TGID = 10; // a = src offset of a tid (s32): its process id
export const OP_PIDNS = 11; // a = src offset of a tid: its pid namespace inode (u32)
export const OP_VTIDS = 12; // a = src offset of a tid: u8 count + s32 ids (one per pid ns level)
export const OP_TEXT16 = 13; // a = src offset, b = src bytes: char[16], zero-padded
export const OP_OUT = 14; // a = index of an output argument saved from the entry, b = bytes (its C size)

export interface Step {
  op: number;
  a: number;
  b: number;
}

export interface EventPlan {
  kind: typeof PLAN_RAW | typeof PLAN_STEPS;
  /** the kernel's common_type, also the CTF event id */
  id: number;
  system: string;
  ftraceName: string;
  name: string;
  payload: StructType | undefined;
  /* RAW */
  /** record offset where the copied payload starts (8, or 16 when __syscall_nr is dropped) */
  skip: number;
  /** bytes from `skip` to the end of the last declared field */
  declBytes: number;
  /** record offsets of s32 priorities to lower by MAX_RT_PRIO */
  prioFixups: number[];
  /** u32 words copied from `skip` (RAW) */
  words: number;
  /** RAW and nothing else to do: the consumer's fast path copies it */
  fast: boolean;
  /** shortest record the fast path accepts (skip + declBytes + holeLen) */
  minLen: number;
  /** RAW: payload bytes [holeAt, holeAt + holeLen) of the copied span are cut out (0: none) */
  holeAt: number;
  holeLen: number;
  /** RAW syscall exit: sizes of the entry's values appended after `ret` (LTTng's output arguments) */
  pairSizes: number[];
  /* STEPS */
  steps: Step[];
  /** upper bound of the payload bytes given the record length (STEPS) */
  extraBytes: number;
  /** a syscall entry: record offsets of the pointers of its string arguments (OP_PATH b = index), else empty */
  pathPointers: number[];
  /** the entry of an open-like syscall (its path can also come from /proc/TID/fd/RET after the exit) */
  openEntry: boolean;
  /** the exit of an open-like syscall */
  pathExit: boolean;
  /** a syscall exit: its return value's record offset (else undefined) */
  retOffset: number | undefined;
  /** a syscall entry: record offsets of the arguments its exit records (LTTng's output arguments), else empty */
  outOffsets: number[];
  /** a syscall exit with output arguments: the entry's ftrace id (the consumer pairs them per thread), else -1 */
  pairWith: number;
  /** filters the consumer evaluates (any accepts); undefined: none */
  userFilter: FilterNode[] | undefined;
  /** the event's ftrace format (filters decode fields with it) */
  format: EventFormat | undefined;
}

export class MappingError extends Error {}

/** fields ttng leaves out of LTTng's layout */
function dropped(ev: EventFormat, f: FtraceField): boolean {
  return ev.system === 'syscalls' && f.name === '__syscall_nr';
}

/** CTF type of a fixed-size ftrace field (for STEPS: byte-packed). */
function fieldType(ev: EventFormat, f: FtraceField): FieldType {
  const isSyscall = ev.system === 'syscalls';
  if (f.arrayLength !== undefined && f.arrayLength > 0) {
    const elem = f.size / f.arrayLength;
    if (Number.isInteger(elem) && elem === 1 && /\bchar\b/.test(f.type)) return textArray(f.arrayLength);
    if (Number.isInteger(elem) && [1, 2, 4, 8].includes(elem)) {
      const et = intType(elem * 8, f.signed, isPointer(f.type) || f.name === 'args' ? { base: 16 } : {});
      return { kind: 'array', length: f.arrayLength, align: 8, isText: false, element: et };
    }
    return { kind: 'array', length: f.size, align: 8, isText: false, element: intType(8, false, { base: 16 }) };
  }
  if (isSyscall && f.size === 8) {
    const c = cType(f.type, f.size, f.signed);
    return intType(c.bits, c.signed, c.hex ? { base: 16 } : {});
  }
  if ([1, 2, 4, 8].includes(f.size)) return intType(f.size * 8, f.signed, isPointer(f.type) ? { base: 16 } : {});
  return { kind: 'array', length: f.size, align: 8, isText: false, element: intType(8, false, { base: 16 }) };
}

function sizeOf(t: FieldType): number {
  if (t.kind === 'int') return t.size / 8;
  if (t.kind === 'array') return t.length * sizeOf(t.element);
  throw new MappingError('no static size');
}

function elemAlignMax(t: FieldType): number {
  if (t.kind === 'int') return t.size / 8;
  if (t.kind === 'array') return t.isText ? 1 : elemAlignMax(t.element);
  return 1;
}

function withAlign(t: FieldType, bytes: number): FieldType {
  if (t.kind === 'int') return { ...t, align: bytes * 8 };
  if (t.kind === 'array') return { ...t, align: bytes * 8, element: withAlign(t.element, bytes) };
  return t;
}

/** one payload field: the ftrace field it comes from, LTTng's name, its CTF type (fixed-size fields) */
interface Col {
  f: FtraceField;
  name: string;
  type: FieldType | undefined;
  /** a syscall argument recorded as the user-space string it points to */
  str: boolean;
}

/** the payload of a non-syscall event: every ftrace field, LTTng's names */
function plainCols(ev: EventFormat): Col[] {
  return ev.fields.filter((f) => !dropped(ev, f)).map((f) => ({
    f, name: '_' + lttngFieldName(ev.system, f.name), str: false,
    type: f.dynamic || f.arrayLength === 0 ? undefined : fieldType(ev, f),
  }));
}

/** syscall arguments as LTTng records them (C size; hex where lttng-modules prints hex) */
function syscallCols(args: SyscallArg[]): Col[] {
  return args.map((a) => {
    if (a.str) return { f: a.field, name: '_' + a.name, type: undefined, str: true };
    const c = cType(a.field.type, a.field.size, a.field.signed);
    return { f: a.field, name: '_' + a.name, str: false, type: intType(c.bits, c.signed, a.hex ? { base: 16 } : {}) };
  });
}

function isPrio(ev: EventFormat, f: FtraceField): boolean {
  return ev.system === 'sched' && PRIO_FIELDS.has(f.name) && f.size === 4 && f.signed && f.arrayLength === undefined;
}

/**
 * The RAW layout of an event, or undefined when ftrace's layout cannot be
 * described. A syscall entry may leave out one run of whole argument slots
 * (an output argument LTTng records in the exit): the copy cuts it out.
 */
function rawPlan(ev: EventFormat, name: string, cols: Col[] = plainCols(ev)): EventPlan | undefined {
  if (cols.some((c) => c.type === undefined || c.str)) return undefined;
  const skip = cols.length ? Math.max(8, cols[0]!.f.offset - (cols[0]!.f.offset % 8)) : 8;
  const fields: NamedField[] = [];
  const prioFixups: number[] = [];
  let cur = 0;
  let holeAt = 0;
  let holeLen = 0;
  for (const c of cols) {
    const f = c.f;
    let r = f.offset - skip - holeLen;
    if (r < cur) return undefined;
    let t = c.type!;
    // a whole 8-byte slot (or more) before this field is not in LTTng's layout: cut it out
    const at = (cur + 7) & ~7;
    if (ev.system === 'syscalls' && !holeLen && r - at >= 8 && (r - at) % 8 === 0 && at < 256 && r - at < 256) {
      holeAt = at;
      holeLen = r - at;
      r = at;
    }
    // a scalar may be aligned beyond its size (a 32-bit int aligned on 64 bits skips
    // the upper half of a syscall argument slot); array elements may not
    const maxA = t.kind === 'int' ? 8 : Math.min(8, elemAlignMax(t));
    let chosen = 0;
    for (const a of [1, 2, 4, 8]) {
      if (a > maxA) break;
      if (r % a === 0 && Math.ceil(cur / a) * a === r) {
        chosen = a;
        break;
      }
    }
    if (!chosen) return undefined;
    t = withAlign(t, chosen);
    fields.push({ name: c.name, type: t });
    if (isPrio(ev, f)) prioFixups.push(f.offset);
    cur = r + sizeOf(t);
  }
  return {
    kind: PLAN_RAW, id: ev.id, system: ev.system, ftraceName: ev.name, name,
    payload: fields.length ? { kind: 'struct', align: 64, fields } : undefined,
    skip, declBytes: cur, prioFixups, words: (cur + holeLen + 3) >> 2, fast: true, minLen: skip + cur + holeLen, steps: [], extraBytes: 0,
    holeAt, holeLen, pairSizes: [],
    pathPointers: [], openEntry: false, pathExit: false, retOffset: undefined, outOffsets: [], pairWith: -1, userFilter: undefined, format: ev,
  };
}

/** the STEPS layout: every field rebuilt, byte-packed */
function stepsPlan(ev: EventFormat, name: string, cols: Col[] = plainCols(ev)): EventPlan {
  const fields: NamedField[] = [];
  const steps: Step[] = [];
  let extra = 0;
  const pathPointers: number[] = [];
  for (const c of cols) {
    const f = c.f;
    const out = c.name;
    if (c.str) {
      fields.push({ name: out, type: stringType() });
      steps.push({ op: OP_PATH, a: f.offset, b: pathPointers.length });
      pathPointers.push(f.offset);
      extra += 1;
      continue;
    }
    if (f.dynamic) {
      const isStr = /\bchar\b/.test(f.type);
      if (isStr) {
        fields.push({ name: out, type: stringType() });
        steps.push({ op: f.dynamic === 'data_loc' ? OP_DATALOC_STR : OP_RELLOC_STR, a: f.offset, b: 0 });
        extra += 1;
      } else {
        const es = elemSize(f.type);
        fields.push({ name: `_${out}_length`, type: intType(32, false) });
        fields.push({ name: out, type: { kind: 'sequence', lengthPath: `_${out}_length`, align: 8, isText: false, element: intType(es * 8, f.signed, { base: 16 }) } });
        steps.push({ op: f.dynamic === 'data_loc' ? OP_DATALOC_SEQ : OP_RELLOC_SEQ, a: f.offset, b: es });
        extra += 4;
      }
      continue;
    }
    if (f.arrayLength === 0) {
      if (/\bchar\b/.test(f.type)) {
        fields.push({ name: out, type: stringType() });
        steps.push({ op: OP_FLEX_STR, a: f.offset, b: 0 });
        extra += 1;
      } else {
        const es = elemSize(f.type);
        fields.push({ name: `_${out}_length`, type: intType(32, false) });
        fields.push({ name: out, type: { kind: 'sequence', lengthPath: `_${out}_length`, align: 8, isText: false, element: intType(es * 8, false, { base: 16 }) } });
        steps.push({ op: OP_FLEX_SEQ, a: f.offset, b: es });
        extra += 4;
      }
      continue;
    }
    const t = c.type ?? fieldType(ev, f);
    fields.push({ name: out, type: t });
    if (isPrio(ev, f)) steps.push({ op: OP_PRIO, a: f.offset, b: 4 });
    else steps.push({ op: OP_COPY, a: f.offset, b: sizeOf(t) });
  }
  return {
    kind: PLAN_STEPS, id: ev.id, system: ev.system, ftraceName: ev.name, name,
    payload: fields.length ? { kind: 'struct', align: 8, fields } : undefined,
    skip: 8, declBytes: 0, prioFixups: [], words: 0, fast: false, minLen: 0, steps: mergeCopies(steps), extraBytes: extra, pathPointers,
    holeAt: 0, holeLen: 0, pairSizes: [],
    openEntry: false, pathExit: false, retOffset: undefined, outOffsets: [], pairWith: -1, userFilter: undefined, format: ev,
  };
}

/** `syscall_entry_X`: LTTng's input arguments, paths as strings; notes the output arguments for the exit */
function syscallEntryPlan(ev: EventFormat, name: string): EventPlan {
  const call = ev.name.slice('sys_enter_'.length);
  const layout = syscallLayout(call, ev);
  const cols = syscallCols(layout.entry);
  const plan = rawPlan(ev, name, cols) ?? stepsPlan(ev, name, cols);
  plan.openEntry = OPEN_CALLS.has(call) && plan.pathPointers.length === 1;
  plan.outOffsets = layout.exit.map((a) => a.field.offset);
  return plan;
}

/**
 * `syscall_exit_X`: `ret`, then LTTng's output arguments, whose values come
 * from the thread's entry record (`entry`: the sys_enter_X format).
 */
function syscallExitPlan(ev: EventFormat, name: string, entry: EventFormat | undefined): EventPlan {
  const call = ev.name.slice('sys_exit_'.length);
  const ret = ev.fields.find((f) => f.name === 'ret');
  const layout = entry ? syscallLayout(call, entry) : undefined;
  let plan: EventPlan;
  if (!ret || !layout?.exit.length || !entry) plan = rawPlan(ev, name) ?? stepsPlan(ev, name);
  else {
    // `ret` copied, then the entry's values (saved per thread) appended, byte-packed
    const outs = syscallCols(layout.exit);
    const raw = rawPlan(ev, name, [{ f: ret, name: '_ret', type: intType(64, true), str: false }]);
    if (raw && raw.declBytes === 8) {
      plan = raw;
      plan.payload = { kind: 'struct', align: 64, fields: [...raw.payload!.fields, ...outs.map((c) => ({ name: c.name, type: c.type! }))] };
      plan.pairSizes = outs.map((c) => sizeOf(c.type!));
    } else {
      const fields: NamedField[] = [{ name: '_ret', type: intType(64, true) }, ...outs.map((c) => ({ name: c.name, type: c.type! }))];
      const steps: Step[] = [{ op: OP_COPY, a: ret.offset, b: 8 }, ...outs.map((c, i) => ({ op: OP_OUT, a: i, b: sizeOf(c.type!) }))];
      plan = {
        kind: PLAN_STEPS, id: ev.id, system: ev.system, ftraceName: ev.name, name,
        payload: { kind: 'struct', align: 8, fields }, skip: 8, declBytes: 0, prioFixups: [], words: 0, fast: false, minLen: 0, steps,
        extraBytes: 8 * outs.length, holeAt: 0, holeLen: 0, pairSizes: [], pathPointers: [], openEntry: false, pathExit: false,
        retOffset: ret.offset, outOffsets: [], pairWith: entry.id, userFilter: undefined, format: ev,
      };
    }
    plan.pairWith = entry.id;
  }
  plan.retOffset = ret?.offset;
  if (OPEN_CALLS.has(call) && ret) {
    plan.pathExit = true;
    plan.fast = false;
  }
  return plan;
}

/** element size of `__data_loc T[]` / `T name[]` */
function elemSize(type: string): number {
  const t = type.replace(/\[\]$/, '').trim();
  const c = CTYPES[t.replace(/\b(const|volatile)\b/g, '').trim()];
  if (c) return c[0] / 8;
  if (isPointer(t)) return 8;
  return 1;
}

/** adjacent copies become one */
function mergeCopies(steps: Step[]): Step[] {
  const out: Step[] = [];
  for (const s of steps) {
    const last = out[out.length - 1];
    if (last && last.op === OP_COPY && s.op === OP_COPY && last.a + last.b === s.a) last.b += s.b;
    else out.push({ ...s });
  }
  return out;
}

/** field by name, checked */
function need(ev: EventFormat, name: string): FtraceField {
  const f = ev.fields.find((x) => x.name === name);
  if (!f) throw new MappingError(`${ev.system}:${ev.name} has no field ${name}`);
  return f;
}

/**
 * sched_process_fork as LTTng records it: parent_comm, parent_tid, parent_pid,
 * parent_ns_inum, child_comm, child_tid, vtids, child_pid, child_ns_inum.
 * ftrace has the comms (data_loc strings on recent kernels, char[16] before)
 * and the TIDs; the process ids and namespaces come from /proc.
 */
function forkPlan(ev: EventFormat): EventPlan {
  const pc = need(ev, 'parent_comm');
  const pp = need(ev, 'parent_pid');
  const cc = need(ev, 'child_comm');
  const cp = need(ev, 'child_pid');
  const comm = (f: FtraceField): Step =>
    f.dynamic ? { op: OP_DATALOC_TEXT, a: f.offset, b: 16 } : { op: OP_TEXT16, a: f.offset, b: Math.min(16, f.size) };
  const steps: Step[] = [
    comm(pc), { op: OP_COPY, a: pp.offset, b: 4 }, { op: OP_TGID, a: pp.offset, b: 0 }, { op: OP_PIDNS, a: pp.offset, b: 0 },
    comm(cc), { op: OP_COPY, a: cp.offset, b: 4 }, { op: OP_VTIDS, a: cp.offset, b: 0 }, { op: OP_TGID, a: cp.offset, b: 0 },
    { op: OP_PIDNS, a: cp.offset, b: 0 },
  ];
  const s32 = intType(32, true);
  const u32 = intType(32, false);
  const fields: NamedField[] = [
    { name: '_parent_comm', type: textArray(16) }, { name: '_parent_tid', type: s32 }, { name: '_parent_pid', type: s32 },
    { name: '_parent_ns_inum', type: u32 }, { name: '_child_comm', type: textArray(16) }, { name: '_child_tid', type: s32 },
    { name: '__vtids_length', type: intType(8, false) },
    { name: '_vtids', type: { kind: 'sequence', lengthPath: '__vtids_length', align: 8, isText: false, element: s32 } },
    { name: '_child_pid', type: s32 }, { name: '_child_ns_inum', type: u32 },
  ];
  return {
    kind: PLAN_STEPS, id: ev.id, system: ev.system, ftraceName: ev.name, name: 'sched_process_fork',
    payload: { kind: 'struct', align: 8, fields }, skip: 8, declBytes: 0, prioFixups: [], words: 0, fast: false, minLen: 0, steps, extraBytes: 256,
    holeAt: 0, holeLen: 0, pairSizes: [],
    pathPointers: [], openEntry: false, pathExit: false, retOffset: undefined, outOffsets: [], pairWith: -1, userFilter: undefined, format: ev,
  };
}

/**
 * The plan of one ftrace event. A syscall exit needs its entry's format
 * (`entry`) to record LTTng's output arguments.
 */
export function planEvent(ev: EventFormat, entry?: EventFormat): EventPlan {
  const name = lttngEventName(ev.system, ev.name);
  if (ev.system === 'sched' && ev.name === 'sched_process_fork') {
    try {
      return forkPlan(ev);
    } catch {
      /* unexpected layout: generic */
    }
  }
  if (ev.system === 'syscalls' && ev.name.startsWith('sys_enter_')) return syscallEntryPlan(ev, name);
  if (ev.system === 'syscalls' && ev.name.startsWith('sys_exit_')) return syscallExitPlan(ev, name, entry);
  return rawPlan(ev, name) ?? stepsPlan(ev, name);
}

/* ------------------------------- contexts ------------------------------- */

export const KERNEL_CONTEXT_TYPES: readonly KernelContextType[] = ['pid', 'tid', 'ppid', 'procname', 'prio', 'nice', 'vpid', 'vtid', 'vppid', 'hostname'];

/** LTTng's hostname context length (__NEW_UTS_LEN + 1) */
export const HOSTNAME_LEN = 65;

export function contextBytes(t: KernelContextType): number {
  return t === 'procname' ? 16 : t === 'hostname' ? HOSTNAME_LEN : 4;
}

/** the stream's event.context: LTTng names (`_pid`, `_procname` …), byte-packed */
export function contextStruct(types: readonly KernelContextType[]): StructType | undefined {
  if (!types.length) return undefined;
  return {
    kind: 'struct', align: 8, fields: types.map((t) => ({
      name: '_' + t,
      type: t === 'procname' ? textArray(16) : t === 'hostname' ? textArray(HOSTNAME_LEN) : intType(32, true),
    })),
  };
}

/** bytes of an event record before its payload: timestamp, id, contexts, 8-aligned */
export function headerBytes(types: readonly KernelContextType[]): number {
  let n = 10;
  for (const t of types) n += contextBytes(t);
  return (n + 7) & ~7;
}
