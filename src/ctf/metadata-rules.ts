// babeltrace2's reading rules, applied to a built TraceClass: the roles of header
// and context fields (magic, stream id, packet sizes, timestamps, event id…), the
// implicit clock and the timestamps it maps automatically, each stream class's
// default clock, path resolution in scope order, and which fields are part of
// its "IR" (what it prints). Also the one-underscore stripping of printed names.
// The walks recurse along the type's nesting, which the builder bounds.
import type { ClockClass, FieldType, IntegerType, StreamClass, StructType, TraceClass } from './model.js';
import type { Pos } from './tsdl/parser.js';
import { findMember, resolveScope, typeError } from './metadata-scope.js';
import type { ResolveCtx } from './metadata-scope.js';

/** babeltrace2 prints `_name` as `name` (CTF 1.8's escape for keywords) */
export function displayName(name: string): string {
  return name.startsWith('_') ? name.slice(1) : name;
}

function intMember(s: StructType | undefined, name: string): IntegerType | undefined {
  const t = s && findMember(s, name);
  if (!t) return undefined;
  if (t.kind === 'int') return t;
  if (t.kind === 'enum') return t.container;
  return undefined;
}

function forEachInt(t: FieldType | undefined, name: string | undefined, fn: (i: IntegerType, name: string | undefined) => void): void {
  if (!t) return;
  switch (t.kind) {
    case 'int':
      fn(t, name);
      break;
    case 'enum':
      fn(t.container, name);
      break;
    case 'struct':
      for (const f of t.fields) forEachInt(f.type, f.name, fn);
      break;
    case 'variant':
      for (const o of t.options) forEachInt(o.type, undefined, fn);
      break;
    case 'array':
    case 'sequence':
      forEachInt(t.element, undefined, fn);
      break;
    default:
  }
}

function forEachIntNamed(t: FieldType | undefined, fn: (i: IntegerType, name: string) => void): void {
  if (!t) return;
  if (t.kind === 'struct') {
    for (const f of t.fields) {
      if (f.type.kind === 'int') fn(f.type, f.name);
      else if (f.type.kind === 'enum') fn(f.type.container, f.name);
      forEachIntNamed(f.type, fn);
    }
  } else if (t.kind === 'variant') {
    for (const o of t.options) forEachIntNamed(o.type, fn);
  }
}

/** babeltrace2's "in IR" rule: which fields are printed. */
function markInIr(t: FieldType | undefined, deps: Set<FieldType>): void {
  if (!t) return;
  switch (t.kind) {
    case 'int':
      t.inIr = (!t.mappedClock && !t.meaning) || deps.has(t);
      break;
    case 'enum':
      markInIr(t.container, deps);
      t.inIr = t.container.inIr || deps.has(t);
      if (t.inIr) t.container.inIr = true;
      break;
    case 'struct':
      t.inIr = t.fields.length === 0;
      for (let i = t.fields.length - 1; i >= 0; i--) {
        const f = t.fields[i]!.type;
        markInIr(f, deps);
        if (f.inIr) t.inIr = true;
      }
      break;
    case 'variant':
      t.inIr = false;
      for (let i = t.options.length - 1; i >= 0; i--) {
        const o = t.options[i]!.type;
        markInIr(o, deps);
        if (o.inIr) t.inIr = true;
      }
      if (t.inIr) {
        for (const o of t.options) o.type.inIr = true;
        if (t.tag) {
          deps.add(t.tag);
          deps.add(t.tag.container);
        }
      }
      break;
    case 'array':
    case 'sequence':
      markInIr(t.element, deps);
      t.inIr = t.element.inIr;
      if (t.kind === 'sequence' && t.inIr && t.lengthField) deps.add(t.lengthField);
      break;
    default:
      t.inIr = true;
  }
}

function forceInIr(t: FieldType | undefined, v: boolean): void {
  if (!t) return;
  t.inIr = v;
  if (t.kind === 'struct') t.fields.forEach((f) => forceInIr(f.type, v));
  else if (t.kind === 'variant') t.options.forEach((f) => forceInIr(f.type, v));
  else if (t.kind === 'array' || t.kind === 'sequence') forceInIr(t.element, v);
  else if (t.kind === 'enum') forceInIr(t.container, v);
}

function setMeaning(s: StructType | undefined, name: string, m: IntegerType['meaning']): void {
  const i = intMember(s, name);
  if (i) i.meaning = m;
}

/** roles of the packet header's fields */
function packetHeaderRoles(tc: TraceClass, pos: WeakMap<FieldType, Pos>): void {
  const ph = tc.packetHeader;
  setMeaning(ph, 'magic', 'magic');
  setMeaning(ph, 'stream_id', 'stream_id');
  setMeaning(ph, 'stream_instance_id', 'stream_instance_id');
  const uuidField = ph && findMember(ph, 'uuid');
  if (uuidField && uuidField.kind === 'array') {
    const el = uuidField.element;
    if (uuidField.length !== 16 || el.kind !== 'int' || el.size !== 8) throw typeError(uuidField, { pos }, 'packet header "uuid" must be an array of 16 bytes');
    el.meaning = 'uuid';
  }
}

/** the trace's only clock, made up (as babeltrace2 does) when it declares none */
function implicitClock(tc: TraceClass, field: IntegerType, pos: WeakMap<FieldType, Pos>): ClockClass {
  if (tc.clocks.size === 0) {
    const c: ClockClass = { name: 'default', freq: 1000000000n, offsetSeconds: 0n, offsetCycles: 0n, precision: 0n, absolute: false, implicit: true };
    tc.clocks.set(c.name, c);
  }
  if (tc.clocks.size > 1) throw typeError(field, { pos }, 'a timestamp field is not mapped to a clock and the trace has several clocks');
  return [...tc.clocks.values()][0]!;
}

/** roles of the packet context and event header, timestamps mapped, the default clock */
function streamRoles(tc: TraceClass, sc: StreamClass, pos: WeakMap<FieldType, Pos>): void {
  const pc = sc.packetContext;
  // babeltrace2 maps unmapped timestamp fields to the trace's only clock
  forEachIntNamed(pc, (i, name) => {
    if ((name === 'timestamp_begin' || name === 'timestamp_end') && !i.mappedClock) i.mappedClock = implicitClock(tc, i, pos).name;
  });
  forEachIntNamed(sc.eventHeader, (i, name) => {
    if (name === 'timestamp' && !i.mappedClock) i.mappedClock = implicitClock(tc, i, pos).name;
  });
  setMeaning(pc, 'timestamp_begin', 'packet_begin');
  setMeaning(pc, 'timestamp_end', 'packet_end');
  setMeaning(pc, 'events_discarded', 'events_discarded');
  setMeaning(pc, 'packet_seq_num', 'packet_seq_num');
  setMeaning(pc, 'packet_size', 'packet_size');
  setMeaning(pc, 'content_size', 'content_size');
  forEachInt(sc.eventHeader, undefined, (i, name) => {
    if (name === 'id') i.meaning = 'event_id';
  });
  // default clock: the one any field of the stream is mapped to (as babeltrace2)
  let clockName: string | undefined;
  for (const s of [pc, sc.eventHeader, sc.eventContext, ...[...sc.events.values()].flatMap((e) => [e.context, e.payload])]) {
    forEachInt(s, undefined, (i) => {
      if (i.mappedClock) {
        if (clockName && clockName !== i.mappedClock) throw typeError(i, { pos }, `stream class ${sc.id} maps fields to two clocks`);
        clockName = i.mappedClock;
      }
    });
  }
  if (clockName) {
    const c = tc.clocks.get(clockName);
    if (!c) throw new Error(`unknown clock "${clockName}"`);
    sc.defaultClock = c;
  }
}

/** path resolution: every scope sees the ones before it; slots are numbered trace-wide */
function resolvePaths(tc: TraceClass, sc: StreamClass, slots: { n: number }, pos: WeakMap<FieldType, Pos>): void {
  const ph = tc.packetHeader;
  const pc = sc.packetContext;
  const base = { 'packet.header': ph, 'packet.context': pc, 'event.header': sc.eventHeader, 'event.common_context': sc.eventContext };
  const ctx: ResolveCtx = { roots: base, nextSlot: slots, pos };
  if (ph && sc === [...tc.streams.values()][0]) resolveScope(ph, 'packet.header', ctx);
  if (pc) resolveScope(pc, 'packet.context', ctx);
  if (sc.eventHeader) resolveScope(sc.eventHeader, 'event.header', ctx);
  if (sc.eventContext) resolveScope(sc.eventContext, 'event.common_context', ctx);
  for (const ev of sc.events.values()) {
    const ectx: ResolveCtx = { roots: { ...base, 'event.context': ev.context, 'event.fields': ev.payload }, nextSlot: slots, pos };
    if (ev.context) resolveScope(ev.context, 'event.context', ectx);
    if (ev.payload) resolveScope(ev.payload, 'event.fields', ectx);
  }
}

/** what babeltrace2 prints: headers never, the rest by the "in IR" rule */
function markPrinted(tc: TraceClass): void {
  const deps = new Set<FieldType>();
  for (const sc of tc.streams.values()) {
    for (const ev of sc.events.values()) {
      markInIr(ev.payload, deps);
      markInIr(ev.context, deps);
    }
    markInIr(sc.eventContext, deps);
    forceInIr(sc.eventHeader, false);
    markInIr(sc.packetContext, deps);
  }
  forceInIr(tc.packetHeader, false);
}

/** Apply the reading rules to a built trace class; `pos` locates its types for errors. */
export function applyReadingRules(tc: TraceClass, pos: WeakMap<FieldType, Pos>): void {
  const slots = { n: 0 };
  packetHeaderRoles(tc, pos);
  for (const sc of tc.streams.values()) {
    streamRoles(tc, sc, pos);
    resolvePaths(tc, sc, slots, pos);
  }
  markPrinted(tc);
}
