// `enable-event --filter` for kernel events. LTTng's filter language (parsed by
// ../filter/filter.ts) is turned, per event, into an ftrace filter where
// ftrace can evaluate it in the kernel (fields by their ftrace names, LTTng
// priorities shifted back by 100, `$ctx.tid` → common_pid, `$ctx.procname` →
// COMM, `$ctx.cpu_id` → CPU); otherwise the consumer evaluates it on each
// record (decoding just the fields it reads). A filter that reads a field the
// event does not have is false for that event, as in LTTng.
import type { FilterLookup, FilterNode, FilterValue } from '../filter/filter.js';
import { evaluateFilter, parseFilter } from '../filter/filter.js';
import type { EventFormat, FtraceField } from './format.js';
import { MAX_RT_PRIO, cType, lttngFieldName } from './mapping.js';
import { syscallLayout } from './syscalls.js';

export type EventFilter =
  /** set `events/S/N/filter` to this */
  | { kind: 'ftrace'; text: string }
  /** no rule can accept the event: leave it disabled */
  | { kind: 'never' }
  /** the consumer evaluates these (any of them accepts) */
  | { kind: 'user'; nodes: FilterNode[] };

const PRIO = new Set(['prio', 'prev_prio', 'next_prio', 'oldprio', 'newprio']);

class Untranslatable {}
const NO = new Untranslatable();
class Missing {}
const MISSING = new Missing();

/** the ftrace field behind an LTTng field name of this event */
export function ftraceField(ev: EventFormat, name: string): FtraceField | undefined {
  return ev.fields.find((f) => f.name !== '__syscall_nr' && lttngFieldName(ev.system, f.name) === name);
}

function isStringField(f: FtraceField): boolean {
  return /\bchar\b/.test(f.type) && (f.dynamic !== undefined || (f.arrayLength !== undefined && f.size === f.arrayLength));
}

/** LTTng glob → ftrace glob, when ftrace would read it the same way */
function ftraceGlob(s: string): string | undefined {
  if (/[?[\]\\"]/.test(s.replace(/\\\*/g, ''))) return undefined;
  if (s.includes('\\*')) return undefined;
  return s;
}

function translate(n: FilterNode, ev: EventFormat): string {
  switch (n.type) {
    case 'logical':
      return `(${translate(n.left, ev)}) ${n.op} (${translate(n.right, ev)})`;
    case 'unary':
      if (n.op === '!') return `!(${translate(n.child, ev)})`;
      throw NO;
    case 'field':
      return `${fieldRef(n, ev).name} != 0`;
    case 'bitwise': {
      if (n.op !== '&' || n.left.type !== 'field' || n.right.type !== 'int') throw NO;
      const f = fieldRef(n.left, ev);
      if (f.string || f.prio) throw NO;
      return `${f.name} & ${n.right.value}`;
    }
    case 'compare': {
      let { left, right, op } = n;
      if (left.type !== 'field') {
        [left, right] = [right, left];
        op = ({ '<': '>', '>': '<', '<=': '>=', '>=': '<=', '==': '==', '!=': '!=' } as const)[op];
      }
      if (left.type !== 'field') throw NO;
      const f = fieldRef(left, ev);
      if (right.type === 'string') {
        if (!f.string || (op !== '==' && op !== '!=')) throw NO;
        const lit = right.value;
        if (right.glob) {
          const g = ftraceGlob(lit);
          if (g === undefined) throw NO;
          return op === '==' ? `${f.name} ~ "${g}"` : `!(${f.name} ~ "${g}")`;
        }
        // characters some kernels read as glob or escape even with ==
        if (/[*?[\]"\\]/.test(lit)) throw NO;
        return `${f.name} ${op} "${lit}"`;
      }
      if (right.type !== 'int' || f.string) throw NO;
      let v = right.value + (f.prio ? BigInt(MAX_RT_PRIO) : 0n);
      if (f.narrowSigned && (v < 0n || op !== '==' && op !== '!=')) throw NO;
      if (!f.signed && v < 0n) throw NO;
      if (v > (1n << 63n) - 1n) throw NO;
      if (f.narrowSigned && v > 0x7fffffffn) v = -1n; // cannot match
      return `${f.name} ${op} ${v}`;
    }
    default:
      throw NO;
  }
}

interface Ref {
  name: string;
  string: boolean;
  signed: boolean;
  prio: boolean;
  /** a C int held in an 8-byte syscall slot: only == and != with non-negative values are safe */
  narrowSigned: boolean;
}

function fieldRef(n: Extract<FilterNode, { type: 'field' }>, ev: EventFormat): Ref {
  if (n.path.length !== 1 || n.path[0]!.indexes.length) throw NO;
  const name = n.path[0]!.name;
  if (n.root === 'context') {
    if (name === 'tid' || name === 'vtid') return { name: 'common_pid', string: false, signed: true, prio: false, narrowSigned: false };
    if (name === 'procname') return { name: 'COMM', string: true, signed: false, prio: false, narrowSigned: false };
    if (name === 'cpu_id') return { name: 'CPU', string: false, signed: false, prio: false, narrowSigned: false };
    throw NO;
  }
  if (n.root !== 'payload') throw NO;
  const f = ftraceField(ev, name);
  if (!f) throw MISSING;
  if (stringArgs(ev).has(f.name)) throw NO; // a user pointer in ftrace, a string in the trace
  if (f.arrayLength !== undefined && !isStringField(f)) throw NO;
  const c = ev.system === 'syscalls' && f.size === 8 ? cType(f.type, f.size, f.signed) : undefined;
  return {
    name: f.name, string: isStringField(f), signed: c ? c.signed : f.signed,
    prio: ev.system === 'sched' && PRIO.has(f.name), narrowSigned: c !== undefined && c.signed && c.bits < 64,
  };
}

function references(n: FilterNode, ev: EventFormat): boolean {
  // false when the expression reads a payload field the event lacks
  switch (n.type) {
    case 'field':
      return n.root !== 'payload' || ftraceField(ev, n.path[0]!.name) !== undefined;
    case 'unary':
      return references(n.child, ev);
    case 'compare':
    case 'bitwise':
    case 'logical':
      return references(n.left, ev) && references(n.right, ev);
    default:
      return true;
  }
}

/**
 * The filter of one event, given the filters of the enabled rules that
 * select it (`undefined` = a rule without a filter: everything passes).
 */
export function eventFilter(filters: (string | undefined)[], ev: EventFormat): EventFilter | undefined {
  if (!filters.length || filters.some((f) => f === undefined)) return undefined;
  const nodes = filters.map((f) => parseFilter(f!)).filter((n) => references(n, ev));
  if (!nodes.length) return { kind: 'never' };
  try {
    const parts = nodes.map((n) => translate(n, ev));
    return { kind: 'ftrace', text: parts.length === 1 ? parts[0]! : parts.map((p) => `(${p})`).join(' || ') };
  } catch (e) {
    if (e === NO || e === MISSING) return { kind: 'user', nodes };
    throw e;
  }
}

const stringArgCache = new WeakMap<EventFormat, Set<string>>();

/** ftrace names of the syscall arguments ttng records as strings */
export function stringArgs(ev: EventFormat): Set<string> {
  let s = stringArgCache.get(ev);
  if (!s) {
    s = new Set(ev.system === 'syscalls' && ev.name.startsWith('sys_enter_') ? syscallLayout(ev.name.slice(10), ev).entry.filter((a) => a.str).map((a) => a.field.name) : []);
    stringArgCache.set(ev, s);
  }
  return s;
}

/* --------------------------- evaluation on records --------------------------- */

export interface RecordContext {
  tid: number;
  cpu: number;
  pid?: number;
  ppid?: number;
  procname?: string;
  /** the strings of a syscall entry's path arguments, by ftrace field name, once known */
  paths?: Map<string, string>;
}

function decodeField(ev: EventFormat, f: FtraceField, rec: Uint8Array, dv: DataView, off: number, len: number): FilterValue | undefined {
  const end = off + len;
  const at = off + f.offset;
  if (f.dynamic) {
    if (at + 4 > end) return undefined;
    const loc = dv.getUint32(at, true);
    const s = off + (loc & 0xffff) + (f.dynamic === 'rel_loc' ? f.offset + 4 : 0);
    const n = Math.min(loc >>> 16, Math.max(0, end - s));
    if (!isStringField(f)) return undefined;
    return cstr(rec, s, n);
  }
  if (at + f.size > end) return undefined;
  if (isStringField(f)) return cstr(rec, at, f.size);
  if (f.arrayLength !== undefined) return undefined;
  let size = f.size;
  let signed = f.signed;
  if (ev.system === 'syscalls' && f.size === 8) {
    const c = cType(f.type, f.size, f.signed);
    size = c.bits / 8;
    signed = c.signed;
  }
  let v: bigint;
  switch (size) {
    case 1: v = BigInt(signed ? dv.getInt8(at) : dv.getUint8(at)); break;
    case 2: v = BigInt(signed ? dv.getInt16(at, true) : dv.getUint16(at, true)); break;
    case 4: v = BigInt(signed ? dv.getInt32(at, true) : dv.getUint32(at, true)); break;
    case 8: v = signed ? dv.getBigInt64(at, true) : dv.getBigUint64(at, true); break;
    default: return undefined;
  }
  if (ev.system === 'sched' && PRIO.has(f.name)) v -= BigInt(MAX_RT_PRIO);
  return v;
}

function cstr(b: Uint8Array, s: number, n: number): string {
  const sub = b.subarray(s, s + n);
  const z = sub.indexOf(0);
  return Buffer.from(z < 0 ? sub : sub.subarray(0, z)).toString('utf8');
}

/** true when one of `nodes` accepts the record at `off` (payload per `ev`) */
export function acceptRecord(nodes: FilterNode[], ev: EventFormat, rec: Uint8Array, dv: DataView, off: number, len: number, ctx: RecordContext): boolean {
  const lookup: FilterLookup = {
    payload(name: string): FilterValue | undefined {
      const f = ftraceField(ev, name);
      if (!f) return undefined;
      if (stringArgs(ev).has(f.name)) return ctx.paths?.get(f.name);
      return decodeField(ev, f, rec, dv, off, len);
    },
    context(name: string): FilterValue | undefined {
      switch (name) {
        case 'tid':
        case 'vtid':
          return BigInt(ctx.tid);
        case 'cpu_id':
          return BigInt(ctx.cpu);
        case 'pid':
        case 'vpid':
          return ctx.pid !== undefined ? BigInt(ctx.pid) : undefined;
        case 'ppid':
        case 'vppid':
          return ctx.ppid !== undefined ? BigInt(ctx.ppid) : undefined;
        case 'procname':
          return ctx.procname;
        default:
          return undefined;
      }
    },
  };
  return nodes.some((n) => evaluateFilter(n, lookup));
}
