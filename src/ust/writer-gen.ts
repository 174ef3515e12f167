// Per-event emit functions, generated once per event declaration so that an
// enabled emit is straight-line stores into the ring buffer and a disabled one
// is a single branch. The generated source is built from numbers and fixed
// identifiers only (sizes, offsets, setter names): field names, event names
// and every other user string stay out of it.
import type { RingBufferProducer } from '../ringbuffer/producer.js';
import type { UstFieldDecl, UstIntegerDecl } from './protocol.js';

/** where one enabled event goes */
export interface Target {
  p: RingBufferProducer;
  /** event id in that channel's stream class */
  id: number;
  /** writes the event context (see generateContextWriter), or null */
  wctx: ContextWriter | null;
  ctxLen: number;
  /** record only when it returns true (LTTng filters), null = always */
  filter: ((args: unknown[]) => boolean) | null;
}

/** what a generated emit reads: `t` is the only thing that changes at run time */
export interface EmitState {
  t: Target[] | null;
  /** emits that threw (bad argument types) and were dropped */
  errors: number;
}

const TWO32 = 4294967296;
const hb = process.hrtime.bigint;
const big = new BigUint64Array(1);
const halves = new Uint32Array(big.buffer);
let getcpu: (() => number) | undefined;
export function setCpuReader(f: () => number): void {
  getcpu = f;
}

/** helpers the generated code calls (small, monomorphic) */
const H = {
  w64(dv: DataView, q: number, v: number | bigint): void {
    if (typeof v === 'bigint') dv.setBigUint64(q, BigInt.asUintN(64, v), true);
    else {
      dv.setUint32(q, v >>> 0, true);
      dv.setUint32(q + 4, Math.floor(v / TWO32) >>> 0, true);
    }
  },
  /** the string LTTng would record: text up to the first NUL */
  str(v: unknown): string {
    // null/undefined as LTTng-UST records a NULL string
    const s = typeof v === 'string' ? v : v === null || v === undefined ? '(null)' : String(v);
    const z = s.indexOf('\0');
    return z < 0 ? s : s.slice(0, z);
  },
  len(s: string): number {
    return Buffer.byteLength(s, 'utf8');
  },
  /** writes `s` (its UTF-8 is `n` bytes) at q */
  put(p: RingBufferProducer, q: number, s: string, n: number): void {
    if (n === s.length && n < 32) {
      const u8 = p.u8;
      for (let i = 0; i < n; i++) u8[q + i] = s.charCodeAt(i);
    } else p.buf.write(s, q, n, 'utf8');
  },
  /** writes at most `max` bytes of `s` (whole characters) at q; returns the bytes written */
  putMax(p: RingBufferProducer, q: number, s: string, n: number, max: number): number {
    if (n <= max) {
      H.put(p, q, s, n);
      return n;
    }
    return p.buf.write(s, q, max, 'utf8');
  },
  /** char[n]: the text cut or zero-padded to n bytes */
  text(p: RingBufferProducer, q: number, s: string, n: number): void {
    const w = p.buf.write(s, q, n, 'utf8');
    p.u8.fill(0, q + w, q + n);
  },
};

export type ContextWriter = (dv: DataView, q: number) => void;

/**
 * The event context of one channel in one thread is constant (vpid, vtid,
 * procname…) but for cpu_id: a function storing it as 32-bit immediates is
 * the cheapest way to copy it. `cpuOff` >= 0: cpu_id goes there, read per event.
 */
export function generateContextWriter(ctx: Uint8Array, cpuOff: number): ContextWriter {
  const dv = new DataView(ctx.buffer, ctx.byteOffset, ctx.byteLength);
  const lines: string[] = [];
  let i = 0;
  for (; i + 4 <= ctx.length; i += 4) lines.push(`dv.setInt32(q + ${i}, ${dv.getInt32(i, true)}, true);`);
  for (; i < ctx.length; i++) lines.push(`dv.setUint8(q + ${i}, ${ctx[i]});`);
  if (cpuOff >= 0) lines.push(`dv.setInt32(q + ${Number(cpuOff)}, cpu(), true);`);
  const cpu = (): number => (getcpu ? getcpu() : 0);
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  return new Function('cpu', `return function ctx(dv, q) {\n${lines.join('\n')}\n};`)(cpu) as ContextWriter;
}

function setter(d: UstIntegerDecl, q: string, v: string): string {
  switch (d.size) {
    case 8:
      return `dv.set${d.signed ? 'Int8' : 'Uint8'}(${q}, ${v});`;
    case 16:
      return `dv.set${d.signed ? 'Int16' : 'Uint16'}(${q}, ${v}, true);`;
    case 32:
      return `dv.set${d.signed ? 'Int32' : 'Uint32'}(${q}, ${v}, true);`;
    case 64:
      return `H.w64(dv, ${q}, ${v});`;
  }
}

function intSize(d: UstIntegerDecl): number {
  return d.size / 8;
}

export type EmitFn = (...args: unknown[]) => void;

/** builds the emit function of an event with these fields */
export function generateEmit(fields: readonly UstFieldDecl[], st: EmitState): EmitFn {
  const n = fields.length;
  const args = Array.from({ length: n }, (_, i) => `a${i}`);
  const pre: string[] = []; // size computation of variable parts
  const body: string[] = []; // the stores
  let fixed = 0; // bytes at known offsets since the last variable part
  let dyn = false; // a variable part came before: offsets are from q
  const at = (): string => (fixed ? `q + ${fixed}` : 'q');
  const flush = (): void => {
    if (fixed) body.push(`q += ${fixed};`);
    fixed = 0;
  };
  let size = 0;
  const sizeTerms: string[] = [];
  fields.forEach((f, i) => {
    const a = `a${i}`;
    const t = f.type;
    switch (t.type) {
      case 'integer':
        body.push(setter(t, at(), a));
        fixed += intSize(t);
        size += intSize(t);
        break;
      case 'enum':
        body.push(setter(t.container, at(), a));
        fixed += intSize(t.container);
        size += intSize(t.container);
        break;
      case 'float':
        body.push(`dv.setFloat${t.size}(${at()}, ${a}, true);`);
        fixed += t.size / 8;
        size += t.size / 8;
        break;
      case 'string':
        pre.push(`const s${i} = H.str(${a}); const l${i} = H.len(s${i});`);
        sizeTerms.push(`l${i} + 1`);
        flush();
        body.push(`H.put(p, q, s${i}, l${i}); p.u8[q + l${i}] = 0; q += l${i} + 1;`);
        dyn = true;
        break;
      case 'array':
        if (t.text) {
          pre.push(`const s${i} = H.str(${a});`);
          body.push(`H.text(p, ${at()}, s${i}, ${t.length});`);
          fixed += t.length;
          size += t.length;
        } else {
          const es = intSize(t.element);
          flush();
          body.push(`for (let k = 0; k < ${t.length}; k++) { const e = ${a}[k]; ${setter(t.element, `q + k * ${es}`, 'e === undefined ? 0 : e')} }`);
          body.push(`q += ${t.length * es};`);
          size += t.length * es;
        }
        break;
      case 'sequence': {
        const ls = intSize(t.lengthType);
        // the length field bounds the sequence: longer arguments are cut to what it can count
        const max = t.lengthType.size === 64 ? 2 ** 32 - 1 : 2 ** t.lengthType.size - 1;
        if (t.text) {
          pre.push(`const s${i} = H.str(${a}); const f${i} = H.len(s${i}); const l${i} = Math.min(f${i}, ${max});`);
          sizeTerms.push(`l${i}`);
          flush();
          body.push(`const w${i} = H.putMax(p, q + ${ls}, s${i}, f${i}, ${max});`);
          body.push(setter(t.lengthType, 'q', `w${i}`));
          body.push(`q += ${ls} + w${i};`);
        } else {
          const es = intSize(t.element);
          pre.push(`const l${i} = Math.min(${a}.length >>> 0, ${max});`);
          sizeTerms.push(`l${i} * ${es}`);
          flush();
          body.push(setter(t.lengthType, 'q', `l${i}`));
          body.push(`q += ${ls};`);
          body.push(`for (let k = 0; k < l${i}; k++) { const e = ${a}[k]; ${setter(t.element, `q + k * ${es}`, 'e === undefined ? 0 : e')} }`);
          body.push(`q += l${i} * ${es};`);
        }
        size += ls;
        dyn = true;
        break;
      }
    }
  });
  flush();
  void dyn;
  const sizeExpr = [String(size), ...sizeTerms].join(' + ');
  const argList = args.join(', ');
  const src = `
return function emit(${argList}) {
  const ts = st.t;
  if (ts === null) return;
  big[0] = hb();
  const lo = halves[0], hi = halves[1];
  for (let i = 0; i < ts.length; i++) {
    const t = ts[i];
    try {
      if (t.filter !== null && !t.filter([${argList}])) continue;
      ${pre.join('\n      ')}
      const p = t.p;
      p.setTime(hi, lo);
      const o = p.reserve(t.id, t.ctxLen + ${sizeExpr});
      if (o < 0) continue;
      const dv = p.dv;
      let q = o;
      if (t.wctx !== null) { t.wctx(dv, q); q += t.ctxLen; }
      ${body.join('\n      ')}
      p.commit(q);
    } catch (e) {
      st.errors++;
    }
  }
};`;
  // eslint-disable-next-line @typescript-eslint/no-implied-eval
  return new Function('st', 'hb', 'big', 'halves', 'H', src)(st, hb, big, halves, H) as EmitFn;
}
