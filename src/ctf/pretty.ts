// babeltrace2's text.pretty output, line for line.
import type { ByteSink, TextOptions } from './decoder.js';
import { DIGIT_PAIRS, cp } from './decoder.js';

/** 9 zero-padded digits of v < 1e9 (unrolled: this runs twice per line) */
function w9(b: Buffer, o: number, v: number): number {
  let x = v | 0;
  let q = (x / 100) | 0;
  let r = (x - q * 100) << 1;
  b[o + 8] = DIGIT_PAIRS[r + 1]!;
  b[o + 7] = DIGIT_PAIRS[r]!;
  x = q;
  q = (x / 100) | 0;
  r = (x - q * 100) << 1;
  b[o + 6] = DIGIT_PAIRS[r + 1]!;
  b[o + 5] = DIGIT_PAIRS[r]!;
  x = q;
  q = (x / 100) | 0;
  r = (x - q * 100) << 1;
  b[o + 4] = DIGIT_PAIRS[r + 1]!;
  b[o + 3] = DIGIT_PAIRS[r]!;
  x = q;
  q = (x / 100) | 0;
  r = (x - q * 100) << 1;
  b[o + 2] = DIGIT_PAIRS[r + 1]!;
  b[o + 1] = DIGIT_PAIRS[r]!;
  b[o] = 48 + q;
  return o + 9;
}

function wU(b: Buffer, o: number, v: number): number {
  if (v < 10) {
    b[o] = 48 + v;
    return o + 1;
  }
  let len = 0;
  for (let x = v; x >= 1; x = Math.floor(x / 10)) len++;
  for (let i = len - 1; i >= 0; i--) {
    const q = Math.floor(v / 10);
    b[o + i] = 48 + (v - q * 10);
    v = q;
  }
  return o + len;
}
import { TimeFormatter } from './format.js';
import type { EventClass } from './model.js';
import type { Cursor, DiscardedItem } from './cursor.js';
import type { CtfTrace } from './trace.js';
import { nsFromOrigin } from './trace.js';

export interface PrettyOptions {
  names: { payload: boolean; context: boolean; header: boolean; scope: boolean };
  fields: {
    trace: boolean; hostname: boolean; domain: boolean; procname: boolean; vpid: boolean;
    loglevel: boolean; emf: boolean; callsite: boolean;
  };
  clock: { cycles: boolean; seconds: boolean; date: boolean; gmt: boolean };
  noDelta: boolean;
}

export function defaultPrettyOptions(): PrettyOptions {
  return {
    names: { payload: true, context: true, header: false, scope: false },
    fields: { trace: false, hostname: true, domain: false, procname: true, vpid: true, loglevel: false, emf: false, callsite: false },
    clock: { cycles: false, seconds: false, date: false, gmt: false },
    noDelta: false,
  };
}

/** decoder options for contexts and payload under these printing options */
export function textOptionsFor(o: PrettyOptions): TextOptions {
  return {
    names: o.names.payload,
    namesPerScope: [o.names.context, o.names.context, o.names.payload],
    scopeLabels: o.names.scope ? ['stream.event.context', 'event.context', 'event.fields'] : undefined,
  };
}

/** within this many ns of the base, times and their differences are exact doubles */
const NEAR = 2 ** 52;

const LOG_LEVELS = [
  'TRACE_EMERG', 'TRACE_ALERT', 'TRACE_CRIT', 'TRACE_ERR', 'TRACE_WARNING', 'TRACE_NOTICE', 'TRACE_INFO',
  'TRACE_DEBUG_SYSTEM', 'TRACE_DEBUG_PROGRAM', 'TRACE_DEBUG_PROCESS', 'TRACE_DEBUG_MODULE', 'TRACE_DEBUG_UNIT',
  'TRACE_DEBUG_FUNCTION', 'TRACE_DEBUG_LINE', 'TRACE_DEBUG',
];

export class PrettyPrinter {
  private readonly tf: TimeFormatter;
  private readonly baseSec: number;
  private lastRel = NaN;
  /** the previous event's exact rest (see Cursor.timeRem) and whether it was far from the base */
  private lastRem = 0;
  private lastFar = false;
  private lastCycles = -1n;
  private readonly prefixes = new Map<CtfTrace, Map<EventClass, string>>();

  constructor(
    readonly o: PrettyOptions,
    readonly baseNs: bigint,
  ) {
    this.tf = new TimeFormatter({ seconds: o.clock.seconds, gmt: o.clock.gmt, date: o.clock.date });
    this.baseSec = Number(baseNs / 1000000000n);
  }

  /** wall-clock text of a time relative to baseNs */
  wall(rel: number): string {
    const s = Math.floor(rel / 1e9);
    return this.tf.format(this.baseSec + s, rel - s * 1e9);
  }

  /** wall-clock text of an exact time relative to baseNs, however far */
  wallNs(rel: bigint): string {
    let s = rel / 1000000000n;
    if (s * 1000000000n > rel) s--; // floor
    return this.tf.format(this.baseSec + Number(s), Number(rel - s * 1000000000n));
  }

  private secCache = -Infinity;
  private secBytes: Buffer = Buffer.alloc(0);

  /**
   * Writes the event's line into `ob` (the fast path of eventLine: same
   * bytes). Decodes the event body.
   */
  writeEvent(c: Cursor, ob: ByteSink): void {
    const o0 = this.o;
    if (o0.names.header || o0.clock.cycles || (c.clock && (c.time < 0 || c.time > NEAR || this.lastFar))) {
      ob.need(65536);
      const line = this.eventLine(c);
      ob.need(line.length * 3);
      ob.o += ob.buf.utf8Write(line, ob.o);
      return;
    }
    const ce = c.ceIndex!;
    const pre = (ce.prefixBytes ??= Buffer.from(this.prefix(c.trace, ce.ec, true), 'utf8'));
    // The start of the line (time, prefix, packet context, ", ") must end below
    // the limit: the payload printer flushes past it, and an event with nothing
    // more to print takes the ", " back, which it cannot do once flushed.
    if (ob.o + 128 + pre.length + c.packetBytes.length > ob.limit) ob.flush();
    let b = ob.buf;
    let o = ob.o;
    const lineStart = o;
    if (c.clock) {
      const rel = c.time;
      const sec = Math.floor(rel / 1e9);
      const ns = rel - sec * 1e9;
      if (sec !== this.secCache) {
        this.secCache = sec;
        const w = this.wall(sec * 1e9);
        this.secBytes = Buffer.from('[' + w.slice(0, w.length - 9), 'latin1');
      }
      const sb = this.secBytes;
      for (let i = 0; i < sb.length; i++) b[o++] = sb[i]!;
      o = w9(b, o, ns);
      b[o++] = 93; // ]
      b[o++] = 32;
      if (!o0.noDelta) {
        b[o++] = 40; // (
        b[o++] = 43; // +
        if (Number.isNaN(this.lastRel)) {
          b[o++] = 63;
          b[o++] = 46;
          for (let i = 0; i < 9; i++) b[o++] = 63;
        } else {
          let d = rel - this.lastRel;
          if (d < 0) {
            const u = BigInt.asUintN(64, BigInt(d));
            const t = (u / 1000000000n).toString() + '.' + (u % 1000000000n).toString().padStart(9, '0');
            for (let i = 0; i < t.length; i++) b[o++] = t.charCodeAt(i);
          } else {
            const ds = Math.floor(d / 1e9);
            d -= ds * 1e9;
            o = wU(b, o, ds);
            b[o++] = 46;
            o = w9(b, o, d);
          }
        }
        b[o++] = 41; // )
        b[o++] = 32;
      }
      this.lastRel = rel;
    }
    if (o + pre.length > b.length - 8192) {
      ob.o = o;
      ob.need(pre.length + 8192);
      b = ob.buf;
      o = ob.o;
    }
    o = cp(b, o, pre);
    const pkt = c.packetBytes;
    if (pkt.length) {
      if (o + pkt.length > b.length - 8192) {
        ob.o = o;
        ob.need(pkt.length + 8192);
        b = ob.buf;
        o = ob.o;
      }
      o = cp(b, o, pkt);
      b[o++] = 44;
      b[o++] = 32;
    }
    ob.o = o;
    let printed: boolean;
    try {
      printed = c.printBytes(ce.bytes ?? c.cs.bytes(ce), ob);
    } catch (e) {
      // no partial line: babeltrace2 prints whole events only
      if (ob.buf === b && ob.o >= lineStart) ob.o = lineStart;
      throw e;
    }
    if (pkt.length && !printed) ob.o -= 2;
    ob.buf[ob.o++] = 10;
  }

  /** The event's line, newline included. Decodes the event body. */
  eventLine(c: Cursor): string {
    const nh = this.o.names.header;
    let line = '';
    let startLine = true;
    if (c.clock) {
      line += nh ? 'timestamp = ' : '[';
      let delta: string;
      if (this.o.clock.cycles) {
        const cy = c.cycles();
        line += cy.toString().padStart(20, '0');
        delta = this.lastCycles < 0n ? '+????????????' : '+' + BigInt.asUintN(64, cy - this.lastCycles).toString().padStart(12, '0');
        this.lastCycles = cy;
      } else {
        const rel = c.time;
        const near = rel >= -NEAR && rel <= NEAR;
        if (near && !this.lastFar) {
          line += this.wall(rel);
          if (Number.isNaN(this.lastRel)) delta = '+?.?????????';
          else {
            let d = rel - this.lastRel;
            if (d < 0) {
              const u = BigInt.asUintN(64, BigInt(d));
              delta = '+' + (u / 1000000000n).toString() + '.' + (u % 1000000000n).toString().padStart(9, '0');
            } else {
              const sec = Math.floor(d / 1e9);
              d -= sec * 1e9;
              delta = '+' + sec + '.' + ('' + d).padStart(9, '0');
            }
          }
        } else {
          // far from the base: exact, in bigints
          const ns = c.relNs();
          line += this.wallNs(ns);
          if (Number.isNaN(this.lastRel)) delta = '+?.?????????';
          else {
            const u = BigInt.asUintN(64, ns - (BigInt(this.lastRel) + BigInt(this.lastRem)));
            delta = '+' + (u / 1000000000n).toString() + '.' + (u % 1000000000n).toString().padStart(9, '0');
          }
        }
        this.lastRel = rel;
        this.lastRem = c.timeRem;
        this.lastFar = !near;
      }
      if (!nh) line += '] ';
      if (!this.o.noDelta) line += nh ? ', delta = ' + delta : '(' + delta + ') ';
      startLine = !nh;
    }
    line += this.prefix(c.trace, c.ec!, startLine);
    const body = c.decodeBody(c.cs.text(c.ceIndex!));
    const pkt = c.packetText;
    if (pkt) line += body ? pkt + ', ' + body : pkt;
    else line += body;
    return line + '\n';
  }

  private prefix(t: CtfTrace, ec: EventClass, startLine: boolean): string {
    let m = this.prefixes.get(t);
    if (!m) {
      m = new Map();
      this.prefixes.set(t, m);
    }
    let p = m.get(ec);
    if (p === undefined) {
      p = this.buildPrefix(t, ec, startLine);
      m.set(ec, p);
    }
    return p;
  }

  private buildPrefix(t: CtfTrace, ec: EventClass, startLineIn: boolean): string {
    const nh = this.o.names.header;
    const f = this.o.fields;
    let s = '';
    let start = startLineIn;
    let dom = false;
    const env = t.tc.env;
    if (f.trace) {
      if (!start) s += ', ';
      if (nh) s += 'trace = ';
      s += t.name;
      if (nh) s += ', ';
    }
    const envStr = (k: string): string | undefined => {
      const v = env.get(k);
      return typeof v === 'string' ? v : undefined;
    };
    const host = envStr('hostname');
    if (f.hostname && host !== undefined) {
      if (!start) s += ', ';
      if (nh) s += 'trace:hostname = ';
      s += host;
      dom = true;
    }
    const domain = envStr('domain');
    if (f.domain && domain !== undefined) {
      if (!start) s += ', ';
      if (nh) s += 'trace:domain = ';
      else if (dom) s += ':';
      s += domain;
      dom = true;
    }
    const proc = envStr('procname');
    if (f.procname && proc !== undefined) {
      if (!start) s += ', ';
      if (nh) s += 'trace:procname = ';
      else if (dom) s += ':';
      s += proc;
      dom = true;
    }
    const vpid = env.get('vpid');
    if (f.vpid && vpid !== undefined) {
      if (!start) s += ', ';
      if (nh) s += 'trace:vpid = ';
      else if (dom) s += ':';
      s += '(' + (typeof vpid === 'bigint' ? BigInt.asIntN(64, vpid).toString() : '0') + ')';
      dom = true;
    }
    if (f.loglevel && ec.logLevel !== undefined && LOG_LEVELS[ec.logLevel] !== undefined) {
      if (!start) s += ', ';
      if (nh) s += 'loglevel = ';
      else if (dom) s += ':';
      s += `${LOG_LEVELS[ec.logLevel]} (${ec.logLevel})`;
      dom = true;
    }
    if (f.emf && ec.emfUri !== undefined) {
      if (!start) s += ', ';
      if (nh) s += 'model.emf.uri = ';
      else if (dom) s += ':';
      s += ec.emfUri;
      dom = true;
    }
    if (dom && !nh) s += ' ';
    if (!start) s += ', ';
    start = true;
    if (nh) s += 'name = ';
    s += ec.name;
    s += nh ? ', ' : ': ';
    return s;
  }

  /** babeltrace2's WARNING line for discarded events or packets */
  discardedLine(it: DiscardedItem): string {
    const c = it.cursor;
    const what = it.kind === 'discarded-events' ? 'event' : 'packet';
    let s = 'WARNING: ';
    if (it.count === undefined) s += `Tracer may have discarded ${what}s `;
    else s += `Tracer discarded ${it.count} ${what}${it.count === 1n ? '' : 's'} `;
    if (it.begin !== undefined && it.end !== undefined && c.clock) {
      const b = nsFromOrigin(c.clock, it.begin) - this.baseNs;
      const e = nsFromOrigin(c.clock, it.end) - this.baseNs;
      s += `between [${this.wallNs(b)}] and [${this.wallNs(e)}]`;
    } else s += '(unknown time range)';
    const t = c.trace;
    s += ` in trace "${t.name}" `;
    s += t.uuid ? `(UUID: ${t.uuid}) ` : '(no UUID) ';
    s += `within stream "${c.stream.name}" (stream class ID: ${c.stream.sc.id}, stream ID: ${c.stream.id}).\n`;
    return s;
  }
}
