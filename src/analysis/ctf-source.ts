// The one adapter between the CTF reader and the analyses: opens traces,
// tells what lttng-analyses reads from them before it starts (tracer version,
// first and last event, babeltrace 1's stream intersection) and feeds their
// events, decoding only the event classes a report asks for.
// It is the only file of src/analysis that reads files (through the reader).
import * as path from 'node:path';
import { iterate, openInputs } from '../ctf/reader.js';
import type { Cursor, OpenedTraces } from '../ctf/reader.js';
import { nsFromOrigin } from '../ctf/trace.js';
import type { CtfTrace, Stream } from '../ctf/trace.js';
import type { EventClass, FieldType, StructType } from '../ctf/model.js';
import { compileEventValues, compileSkip, compileValues } from '../ctf/decoder.js';
import type { CompiledScope, Value } from '../ctf/decoder.js';
import type { AnalysisEvent, FieldValue } from './event.js';

type Conv = ((v: Value) => FieldValue) | undefined;

/** where each field of one event class is, and how to convert it */
interface ClassInfo {
  name: string;
  wanted: boolean;
  payload: Map<string, number>;
  /** [scope index (0 stream event context, 1 event context), field index] */
  context: Map<string, [number, number]>;
  conv: Conv[][];
  /** the scopes: stream event context, event context, payload */
  scopes: (StructType | undefined)[];
  /** decoders, compiled when first needed: skip the contexts, decode the payload, decode the contexts */
  skipContexts?: CompiledScope<void> | null;
  payloadValues?: CompiledScope<Value[]>;
  contextValues?: CompiledScope<(Value[] | undefined)[]>;
}

function textOf(v: Value): FieldValue {
  const a = v as number[];
  let s = '';
  for (let i = 0; i < a.length; i++) {
    const b = a[i]!;
    if (b === 0) break;
    // names are ASCII but for the rare UTF-8 one
    if (b > 0x7f) {
      const end = a.indexOf(0);
      return Buffer.from(end < 0 ? a : a.slice(0, end)).toString('utf8');
    }
    s += String.fromCharCode(b);
  }
  return s;
}

function converter(t: FieldType): Conv {
  if ((t.kind === 'array' || t.kind === 'sequence') && t.isText) return textOf;
  if (t.kind === 'variant') return (v) => (v as { v: Value }).v as FieldValue;
  return undefined;
}

function fieldMap(s: StructType | undefined): Map<string, number> {
  const m = new Map<string, number>();
  s?.fields.forEach((f, i) => {
    const n = f.name.startsWith('_') ? f.name.slice(1) : f.name;
    if (!m.has(n)) m.set(n, i);
  });
  return m;
}

/**
 * The event handed to the analyses: one object, refilled for each event.
 * Nothing is decoded until a handler asks for a field: most events only
 * need their name and time (a system call entry, for instance).
 */
class CtfEvent implements AnalysisEvent {
  name = '';
  ts = 0;
  cpu = -1;
  info!: ClassInfo;
  payload: Value[] | undefined;
  contexts: (Value[] | undefined)[] | undefined;
  cursor!: Cursor;
  /** bit position of the event's contexts in the cursor's packet */
  bodyPos = 0;
  /** bit position after the payload, once decoded (-1: not yet) */
  endPos = -1;

  /** the cursor to the end of the event, decoded or not */
  done(): void {
    const c = this.cursor;
    if (this.endPos >= 0) c.st.pos = this.endPos;
    else {
      c.st.pos = this.bodyPos;
      c.decodeBody(c.cs.skip(c.ceIndex!));
    }
  }

  field(name: string): FieldValue | undefined {
    const i = this.info.payload.get(name);
    if (i === undefined) return undefined;
    if (this.payload === undefined) {
      const c = this.cursor;
      const info = this.info;
      const [sctx, ctx, payload] = info.scopes;
      if (info.skipContexts === undefined) info.skipContexts = sctx || ctx ? compileSkip([sctx, ctx].filter((x): x is StructType => x !== undefined)) : null;
      info.payloadValues ??= compileValues(payload!);
      c.st.pos = this.bodyPos;
      if (info.skipContexts) c.decodeBody(info.skipContexts);
      this.payload = c.decodeBody(info.payloadValues);
      this.endPos = c.st.pos;
    }
    const v = this.payload[i]!;
    const c = this.info.conv[2]![i];
    return c ? c(v) : (v as FieldValue);
  }

  context(name: string): FieldValue | undefined {
    const at = this.info.context.get(name);
    if (at === undefined) return undefined;
    if (this.contexts === undefined) {
      this.info.contextValues ??= compileEventValues([this.info.scopes[0], this.info.scopes[1]]);
      this.cursor.st.pos = this.bodyPos;
      this.contexts = this.cursor.decodeBody(this.info.contextValues);
    }
    const v = this.contexts[at[0]]![at[1]]!;
    const c = this.info.conv[at[0]]![at[1]];
    return c ? c(v) : (v as FieldValue);
  }
}

export interface RunOptions {
  /** events of other classes are not decoded nor passed on */
  wants(eventName: string): boolean;
  /** babeltrace 1's intersection mode: only events where every stream of the trace has data */
  intersect: boolean;
  /** false stops the run */
  onEvent(ev: AnalysisEvent): boolean;
  /** the time of an event not wanted (not decoded); false stops the run */
  onSkipped(ts: number): boolean;
}

/** absolute ns from the clock origin of a stream's packet bound */
function packetNs(s: Stream, cycles: bigint | undefined): bigint | undefined {
  const c = s.sc.defaultClock;
  return c && cycles !== undefined ? nsFromOrigin(c, cycles) : undefined;
}

/**
 * babeltrace 1 gives every trace of a collection the average clock offset of
 * the traces sharing a clock (same UUID): ns to add to each trace's times.
 */
function offsetShifts(traces: CtfTrace[]): Map<CtfTrace, number> {
  const keys = new Set<string>();
  let first = 0n;
  let deltaSum = 0n;
  let n = 0n;
  let useAvg = false;
  const own = new Map<CtfTrace, bigint>();
  for (const t of traces) {
    const c = t.streams[0]?.sc.defaultClock ?? [...t.tc.streams.values()][0]?.defaultClock;
    if (!c) continue;
    const key = c.absolute ? `n:${c.name}` : c.uuid ? `u:${c.uuid}` : undefined;
    if (key === undefined) continue;
    const off = nsFromOrigin(c, 0n);
    own.set(t, off);
    if (!keys.has(key)) {
      if (n === 0n) {
        first = off;
        n = 1n;
      }
      keys.add(key);
    } else if (!c.absolute) {
      deltaSum += off - first;
      n++;
      useAvg = true;
    }
  }
  const shifts = new Map<CtfTrace, number>();
  if (!useAvg) return shifts;
  // C's int64 division truncates toward zero, as BigInt's does
  const avg = first + deltaSum / n;
  for (const t of traces) shifts.set(t, Number(avg - (own.get(t) ?? avg)));
  return shifts;
}

export class CtfSource {
  private readonly classes = new Map<EventClass, ClassInfo>();
  /** per trace, ns added to its event times (babeltrace 1's averaged clock offsets) */
  private readonly shifts: Map<CtfTrace, number>;

  private constructor(
    readonly paths: string[],
    private readonly opened: OpenedTraces,
  ) {
    this.shifts = offsetShifts(opened.traces);
  }

  /** Opens the traces under `paths` (throws the reader's TraceError). */
  static open(paths: string[]): CtfSource {
    return new CtfSource(paths, openInputs(paths));
  }

  /** events' `ts` count from here (absolute ns) */
  get baseNs(): bigint {
    return this.opened.baseNs;
  }

  /**
   * The tracer version lttng-analyses reads: from the first trace in a
   * directory whose path ends with `kernel`.
   */
  kernelTracerVersion(): { found: boolean; version?: [number, number, number] } {
    const t = [...this.opened.traces].sort((a, b) => (a.dir < b.dir ? -1 : 1)).find((x) => path.resolve(x.dir).endsWith('kernel'));
    if (!t) return { found: false };
    const env = t.tc.env;
    const parts = ['tracer_major', 'tracer_minor', 'tracer_patchlevel'].map((k) => env.get(k));
    if (parts.some((p) => p === undefined || !/^\d+$/.test(String(p)))) return { found: true };
    return { found: true, version: parts.map((p) => Number(p)) as [number, number, number] };
  }

  /** absolute ns of the first event (undefined: no event) */
  firstEventNs(): bigint | undefined {
    let first: bigint | undefined;
    iterate(this.opened, false, (c) => {
      if (c.item!.kind !== 'event') return true;
      if (Number.isFinite(c.time)) first = this.opened.baseNs + BigInt(c.time + (this.shifts.get(c.trace) ?? 0));
      return false;
    });
    return first;
  }

  /** absolute ns of the beginning of the first packet (no event is earlier) */
  firstPacketNs(): bigint | undefined {
    let first: bigint | undefined;
    for (const s of this.opened.streams) {
      const p = s.packets[0];
      const b0 = p && packetNs(s, p.begin);
      const b = b0 === undefined ? undefined : b0 + BigInt(this.shifts.get(s.trace) ?? 0);
      if (b !== undefined && (first === undefined || b < first)) first = b;
    }
    return first;
  }

  /** absolute ns of the end of the last packet (the trace's last moment) */
  lastPacketNs(): bigint | undefined {
    let last: bigint | undefined;
    for (const s of this.opened.streams) {
      const p = s.packets[s.packets.length - 1];
      const e0 = p && packetNs(s, p.end ?? p.begin);
      const e = e0 === undefined ? undefined : e0 + BigInt(this.shifts.get(s.trace) ?? 0);
      if (e !== undefined && (last === undefined || e > last)) last = e;
    }
    return last;
  }

  /**
   * babeltrace 1's intersection: per trace, from the latest first packet to
   * the earliest last packet over its stream files; the union over traces.
   * undefined: no intersection.
   */
  intersection(): { begin: bigint; end: bigint; perTrace: Map<CtfTrace, [bigint, bigint]> } | undefined {
    let begin: bigint | undefined;
    let end: bigint | undefined;
    const perTrace = new Map<CtfTrace, [bigint, bigint]>();
    for (const t of this.opened.traces) {
      let b = 0n;
      let e = (1n << 64n) - 1n;
      let empty = t.streams.length === 0;
      const shift = BigInt(this.shifts.get(t) ?? 0);
      for (const s of t.streams) {
        // babeltrace 1 sees each file as a stream (rotated trace files too)
        const byFile = new Map<string, typeof s.packets>();
        for (const p of s.packets) {
          let l = byFile.get(p.file.path);
          if (!l) byFile.set(p.file.path, (l = []));
          l.push(p);
        }
        if (byFile.size === 0) empty = true;
        for (const ps of byFile.values()) {
          const fb = (packetNs(s, ps[0]!.begin) ?? 0n) + shift;
          const fe = (packetNs(s, ps[ps.length - 1]!.end) ?? (1n << 64n) - 1n) + shift;
          if (fb > b) b = fb;
          if (fe < e) e = fe;
        }
      }
      if (empty) continue;
      perTrace.set(t, [b, e]);
      if (begin === undefined || b < begin) begin = b;
      if (end === undefined || e > end) end = e;
    }
    if (begin === undefined || end === undefined || end < begin) return undefined;
    return { begin, end, perTrace };
  }

  private classInfo(c: Cursor, wants: (n: string) => boolean): ClassInfo {
    const ec = c.ec!;
    let info = this.classes.get(ec);
    if (info) return info;
    const scopes = c.cs.scopes(ec);
    const context = new Map<string, [number, number]>();
    // event context first, then the stream's (babeltrace 1's search order)
    for (const si of [1, 0]) for (const [n, i] of fieldMap(scopes[si])) if (!context.has(n)) context.set(n, [si, i]);
    info = {
      name: ec.name,
      wanted: wants(ec.name),
      payload: fieldMap(scopes[2]),
      context,
      conv: scopes.map((s) => (s ? s.fields.map((f) => converter(f.type)) : [])),
      scopes,
    };
    this.classes.set(ec, info);
    return info;
  }

  /** Feeds the events in time order (throws the reader's TraceError on bad data). */
  run(o: RunOptions): void {
    const opened = this.opened;
    const base = opened.baseNs;
    let lo = -Infinity;
    let hi = Infinity;
    let perTrace: Map<CtfTrace, [number, number]> | undefined;
    if (o.intersect) {
      const x = this.intersection();
      if (!x) return;
      lo = Number(x.begin - base);
      hi = Number(x.end - base);
      perTrace = new Map([...x.perTrace].map(([t, r]) => [t, [Number(r[0] - base), Number(r[1] - base)]]));
    }
    const ev = new CtfEvent();
    const cpuIndex = new Map<Stream, number>();
    const shifts = this.shifts;
    iterate(opened, false, (c) => {
      if (c.item!.kind !== 'event') return true;
      const t = shifts.size ? c.time + (shifts.get(c.trace) ?? 0) : c.time;
      if (t > hi) return false;
      const info = this.classInfo(c, o.wants);
      if (t < lo || (perTrace && !inRange(perTrace.get(c.trace), t))) {
        c.decodeBody(c.cs.skip(c.ceIndex!));
        return true;
      }
      if (!info.wanted) {
        c.decodeBody(c.cs.skip(c.ceIndex!));
        return o.onSkipped(t);
      }
      ev.cursor = c;
      ev.bodyPos = c.st.pos;
      ev.endPos = -1;
      ev.payload = undefined;
      ev.contexts = undefined;
      ev.info = info;
      ev.name = info.name;
      ev.ts = t;
      let ci = cpuIndex.get(c.stream);
      if (ci === undefined) {
        ci = c.stream.sc.packetContext ? fieldMap(c.stream.sc.packetContext).get('cpu_id') ?? -1 : -1;
        cpuIndex.set(c.stream, ci);
      }
      ev.cpu = ci >= 0 && c.packetValues ? Number(c.packetValues[ci]) : -1;
      const more = o.onEvent(ev);
      ev.done();
      return more;
    });
  }
}

function inRange(r: [number, number] | undefined, t: number): boolean {
  return r === undefined || (t >= r[0] && t <= r[1]);
}
