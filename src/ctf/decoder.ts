// Decoders generated from the metadata: one specialised JavaScript function per
// scope and output kind, so the per-event loop does no type dispatch.
// Metadata strings are never pasted into generated source: they live in `K`.
import type { EnumType, FieldType, IntegerType, StructType, VariantType } from './model.js';
import { fmtBin, fmtG, fmtHex, fmtOct, quoteString } from './format.js';
import { displayName } from './metadata.js';

export class DecodeError extends Error {
  constructor(
    message: string,
    /** bit position in the packet where it happened */
    readonly bitPos: number,
  ) {
    super(message);
    this.name = 'DecodeError';
  }
}

/** Mutable decoding state of one stream; the generated code reads and updates it. */
export class DecodeState {
  buf: Buffer = Buffer.alloc(0);
  dv: DataView = new DataView(new ArrayBuffer(0));
  /** bit position from the packet start */
  pos = 0;
  /** end of the packet content, in bits */
  end = 0;
  /** values of fields that sequences, variants or the reader need */
  saved: number[] = [];
  /** default clock value as two unsigned 32-bit halves */
  clkHi = 0;
  clkLo = 0;
  eventId = -1;
  /** decode-only mode folds every value in here so nothing is optimised away */
  sum = 0;
  /** raw values of role fields (packet header/context), by role name */
  roles: Record<string, number | bigint> = {};
  uuid: Uint8Array | undefined;

  setBuffer(buf: Buffer): void {
    this.buf = buf;
    this.dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }
}

export type Value = number | bigint | string | Value[] | VariantValue;
export interface VariantValue {
  sel: number;
  v: Value;
}

export type Mode = 'text' | 'bytes' | 'values' | 'skip';

export interface TextOptions {
  /** print member names (babeltrace2's name-payload / name-context) */
  names: boolean;
  /** per scope, `stream.event.context = `-like labels (babeltrace2's name-scope) */
  scopeLabels?: (string | undefined)[];
  /** per scope override of `names` (contexts and payload have separate switches) */
  namesPerScope?: boolean[];
}

/* ---------------- runtime helpers the generated code calls ---------------- */

function readBitsLE(buf: Buffer, pos: number, size: number): number {
  // unsigned, size <= 32
  let byte = pos >>> 3;
  const shift = pos & 7;
  let v = 0;
  let got = 0;
  let mul = 1;
  let first = true;
  while (got < size + shift) {
    let b = buf[byte++];
    if (b === undefined) throw new RangeError('out of bounds');
    if (first) {
      b >>>= shift;
      first = false;
      v += b * mul;
      mul *= 2 ** (8 - shift);
      got += 8;
      continue;
    }
    v += b * mul;
    mul *= 256;
    got += 8;
  }
  return v % 2 ** size;
}

function readBitsBE(buf: Buffer, pos: number, size: number): number {
  let byte = pos >>> 3;
  const shift = pos & 7;
  const total = shift + size;
  const nbytes = (total + 7) >>> 3;
  let v = 0;
  for (let i = 0; i < nbytes; i++) {
    const b = buf[byte++];
    if (b === undefined) throw new RangeError('out of bounds');
    v = v * 256 + b;
  }
  // drop the bits after the field, then those before it
  v = Math.floor(v / 2 ** (nbytes * 8 - total));
  return v % 2 ** size;
}

function readBigLE(buf: Buffer, pos: number, size: number): bigint {
  let v = 0n;
  let done = 0;
  while (done < size) {
    const n = Math.min(32, size - done);
    v |= BigInt(readBitsLE(buf, pos + done, n)) << BigInt(done);
    done += n;
  }
  return v;
}

function readBigBE(buf: Buffer, pos: number, size: number): bigint {
  let v = 0n;
  let done = 0;
  while (done < size) {
    const n = Math.min(32, size - done);
    v = (v << BigInt(n)) | BigInt(readBitsBE(buf, pos + done, n));
    done += n;
  }
  return v;
}

function signBig(v: bigint, size: number): number | bigint {
  const s = BigInt.asIntN(size, v);
  return s >= -0x1fffffffffffffn && s <= 0x1fffffffffffffn ? Number(s) : s;
}
function unsignBig(v: bigint): number | bigint {
  return v <= 0x1fffffffffffffn ? Number(v) : v;
}

function clockUpdateBig(st: DecodeState, v: number | bigint, size: number): void {
  const cur = (BigInt(st.clkHi) << 32n) | BigInt(st.clkLo);
  const nv = BigInt(v);
  let next: bigint;
  if (size >= 64) next = nv;
  else {
    const mask = (1n << BigInt(size)) - 1n;
    next = cur;
    if (nv < (cur & mask)) next += mask + 1n;
    next = (next & ~mask) | nv;
  }
  next = BigInt.asUintN(64, next);
  st.clkHi = Number(next >> 32n);
  st.clkLo = Number(next & 0xffffffffn);
}

function floatFromBits(buf: Buffer, pos: number, size: number, le: boolean): number {
  const big = le ? readBigLE(buf, pos, size) : readBigBE(buf, pos, size);
  const dv = new DataView(new ArrayBuffer(8));
  if (size === 32) {
    dv.setUint32(0, Number(big));
    return dv.getFloat32(0);
  }
  dv.setBigUint64(0, big);
  return dv.getFloat64(0);
}

function textBytes(buf: Buffer, start: number, len: number): string {
  let end = start;
  const stop = start + len;
  while (end < stop && buf[end] !== 0) end++;
  return buf.toString('utf8', start, end);
}

function overrun(p: number, end: number): never {
  throw new DecodeError(`event ends at bit ${p}, past the end of the packet content (bit ${end})`, p);
}

function badLength(len: number, p: number): never {
  throw new DecodeError(`sequence length ${len} goes past the end of the packet content`, p);
}

function noOption(tag: number, p: number): never {
  throw new DecodeError(`variant tag value ${tag} selects no option`, p);
}

function unterminated(p: number): never {
  throw new DecodeError('string is not terminated before the end of the packet content', p);
}

/* ---------------- byte output (the fast text path) ---------------- */

/** Where generated printers write: a buffer with room up to `limit` for fixed-size output. */
export interface ByteSink {
  buf: Buffer;
  o: number;
  /** offset after which fixed-size output needs a flush first */
  limit: number;
  flush(): void;
  /** make room for `n` more bytes (grows or flushes) */
  need(n: number): void;
}

/** "00".."99" */
export const DIGIT_PAIRS = Uint8Array.from(Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0')).join(''), (c) => c.charCodeAt(0));

/** unsigned decimal digits of a safe integer */
function wUint(b: Buffer, o: number, v: number): number {
  if (v < 10) {
    b[o] = 48 + v;
    return o + 1;
  }
  if (v < 2147483648) {
    // int32 arithmetic, two digits at a time
    let len = v < 100 ? 2 : v < 1000 ? 3 : v < 10000 ? 4 : v < 100000 ? 5 : v < 1000000 ? 6 : v < 10000000 ? 7 : v < 100000000 ? 8 : v < 1000000000 ? 9 : 10;
    const end = o + len;
    let e = end;
    while (v >= 100) {
      const q = (v / 100) | 0;
      const r = (v - q * 100) << 1;
      b[--e] = DIGIT_PAIRS[r + 1]!;
      b[--e] = DIGIT_PAIRS[r]!;
      v = q;
    }
    if (v >= 10) {
      const r = v << 1;
      b[--e] = DIGIT_PAIRS[r + 1]!;
      b[--e] = DIGIT_PAIRS[r]!;
    } else b[--e] = 48 + v;
    return end;
  }
  let len = 1;
  for (let x = v; x >= 10; x = Math.floor(x / 10)) len++;
  let e = o + len;
  while (v >= 10) {
    const q = Math.floor(v / 10);
    b[--e] = 48 + (v - q * 10);
    v = q;
  }
  b[--e] = 48 + v;
  return o + len;
}

function wAscii(b: Buffer, o: number, s: string): number {
  for (let i = 0; i < s.length; i++) b[o + i] = s.charCodeAt(i);
  return o + s.length;
}

function wInt(b: Buffer, o: number, v: number | bigint): number {
  if (typeof v === 'number') {
    if (v >= 0) return wUint(b, o, v);
    b[o] = 45;
    return wUint(b, o + 1, -v);
  }
  return wAscii(b, o, v.toString());
}

const HEX = Buffer.from('0123456789ABCDEF');
function wHex(b: Buffer, o: number, v: number | bigint, size: number): number {
  if (typeof v === 'number' && v >= 0) {
    b[o++] = 48;
    b[o++] = 120;
    if (v === 0) {
      b[o] = 48;
      return o + 1;
    }
    let len = 0;
    for (let x = v; x > 0; x = Math.floor(x / 16)) len++;
    let e = o + len;
    while (v > 0) {
      const q = Math.floor(v / 16);
      b[--e] = HEX[v - q * 16]!;
      v = q;
    }
    return o + len;
  }
  return wAscii(b, o, fmtHex(v, size));
}

/** babeltrace2's escaped string, quoted, straight from the packet's bytes */
function wEsc(b: Buffer, o: number, src: Buffer, start: number, end: number): number {
  b[o++] = 34;
  for (let i = start; i < end; i++) {
    const c = src[i]!;
    if (c >= 0x20 && c !== 0x7f && c !== 34 && c !== 39 && c !== 63 && c !== 92) {
      b[o++] = c;
      continue;
    }
    b[o++] = 92;
    switch (c) {
      case 34: case 39: case 63: case 92: b[o++] = c; break;
      case 7: b[o++] = 97; break;
      case 8: b[o++] = 98; break;
      case 0x1b: b[o++] = 101; break;
      case 12: b[o++] = 102; break;
      case 10: b[o++] = 110; break;
      case 13: b[o++] = 114; break;
      case 9: b[o++] = 116; break;
      case 11: b[o++] = 118; break;
      default:
        b[o++] = 120;
        b[o++] = HEX[c >> 4]! + (c >> 4 >= 10 ? 32 : 0);
        b[o++] = HEX[c & 15]! + ((c & 15) >= 10 ? 32 : 0);
    }
  }
  b[o++] = 34;
  return o;
}

/** copy: a loop beats TypedArray.set for the short pieces of a line */
export function cp(b: Buffer, o: number, src: Buffer): number {
  const n = src.length;
  if (n > 64) {
    b.set(src, o);
    return o + n;
  }
  for (let i = 0; i < n; i++) b[o + i] = src[i]!;
  return o + n;
}

const helpers = {
  cp, wInt, wHex, wEsc, wUint, wAscii,
  readBitsLE, readBitsBE, readBigLE, readBigBE, signBig, unsignBig, clockUpdateBig, floatFromBits, textBytes,
  overrun, badLength, noOption, unterminated, fmtG, fmtHex, fmtOct, fmtBin, quoteString,
};
export type Helpers = typeof helpers;

/* ---------------- enum and variant lookups ---------------- */

/** `"A"`, `"A", "B"` or `<unknown>`: the label part babeltrace2 prints for a value */
export function enumLabelFn(e: EnumType): (v: number | bigint) => string {
  const ranges: { lo: bigint; hi: bigint; label: string }[] = [];
  for (const m of e.mappings) for (const [lo, hi] of m.ranges) ranges.push({ lo, hi, label: m.label });
  const small = new Map<number, string>();
  let allSmall = true;
  for (const r of ranges) {
    if (r.hi - r.lo > 4096n || r.lo < -(2n ** 52n) || r.hi > 2n ** 52n) {
      allSmall = false;
      break;
    }
  }
  const compute = (v: bigint): string => {
    const labels: string[] = [];
    for (const m of e.mappings) if (m.ranges.some(([lo, hi]) => v >= lo && v <= hi)) labels.push(quoteString(m.label));
    return labels.length ? labels.join(', ') : '<unknown>';
  };
  if (allSmall) {
    for (const r of ranges) for (let x = r.lo; x <= r.hi; x++) small.set(Number(x), compute(x));
    return (v) => (typeof v === 'number' ? small.get(v) : undefined) ?? '<unknown>';
  }
  return (v) => compute(typeof v === 'bigint' ? v : BigInt(v));
}

/** tag value → option index, or -1 (the first mapping that holds the value wins) */
export function variantSelector(vt: VariantType): (v: number) => number {
  const tag = vt.tag!;
  const ranges: { lo: bigint; hi: bigint; idx: number }[] = [];
  for (const m of tag.mappings) {
    const idx = vt.options.findIndex((o) => o.name === m.label);
    if (idx >= 0) for (const [lo, hi] of m.ranges) ranges.push({ lo, hi, idx });
  }
  const max = ranges.reduce((a, r) => (r.hi > a ? r.hi : a), -1n);
  if (ranges.every((r) => r.lo >= 0n) && max < 1n << 20n) {
    // dense table, filled so that earlier mappings win: one array load per event
    const n = Number(max) + 1;
    const dense = new Int32Array(n).fill(-1);
    for (let i = ranges.length - 1; i >= 0; i--) {
      const r = ranges[i]!;
      dense.fill(r.idx, Number(r.lo), Number(r.hi) + 1);
    }
    return (v) => (v >= 0 && v < n ? dense[v]! : -1);
  }
  return (v) => {
    const b = BigInt(v);
    for (const r of ranges) if (b >= r.lo && b <= r.hi) return r.idx;
    return -1;
  };
}

/* ---------------- code generation ---------------- */

class Gen {
  private n = 0;
  readonly consts: unknown[] = [];
  code: string[] = [];
  /** largest power of two known to divide the current position */
  known = 1;
  constructor(
    readonly mode: Mode,
    public text: TextOptions,
  ) {}

  v(prefix = 'v'): string {
    return `${prefix}${this.n++}`;
  }
  k(value: unknown): string {
    this.consts.push(value);
    return `K[${this.consts.length - 1}]`;
  }
  emit(line: string): void {
    this.code.push(line);
  }

  align(a: number): void {
    if (a > this.known) {
      this.emit(`p = (p + ${a - 1}) & ${-a};`);
      this.known = a;
    }
  }
  advance(bits: number): void {
    // after reading `bits` at a position aligned to `known`
    let k = 1;
    while (k < this.known && bits % (k * 2) === 0) k *= 2;
    this.known = Math.min(this.known, k);
  }

  /** emit code reading integer `t`; returns the JS variable holding its value */
  readInt(t: IntegerType): string {
    this.align(t.align);
    const v = this.v();
    const le = t.byteOrder === 'le';
    const byteAligned = this.known >= 8;
    const s = t.size;
    if (byteAligned && (s === 8 || s === 16 || s === 32)) {
      const fn = `${t.signed ? 'getInt' : 'getUint'}${s}`;
      this.emit(s === 8 ? `const ${v} = dv.${fn}(p >>> 3);` : `const ${v} = dv.${fn}(p >>> 3, ${le});`);
      if (t.mappedClock && t.meaning !== 'packet_end') {
        if (s === 32) this.emit(`if (${v} >>> 0 < st.clkLo) st.clkHi = st.clkHi + 1 >>> 0; st.clkLo = ${v} >>> 0;`);
        else this.clockSmall(`(${v} & ${2 ** s - 1})`, s);
      }
    } else if (byteAligned && s === 64) {
      const lo = this.v('lo');
      const hi = this.v('hi');
      const hiOff = le ? '(p >>> 3) + 4' : 'p >>> 3';
      const loOff = le ? 'p >>> 3' : '(p >>> 3) + 4';
      this.emit(`const ${lo} = dv.getUint32(${loOff}, ${le}), ${hi} = dv.${t.signed ? 'getInt32' : 'getUint32'}(${hiOff}, ${le});`);
      // small values stay small integers (cheap to print); others are exact doubles or bigints
      if (t.signed)
        this.emit(`const ${v} = ${hi} === 0 ? ${lo} : ${hi} === -1 && ${lo} >= 2147483648 ? ${lo} - 4294967296 : (${hi} >= -2097152 && ${hi} < 2097152) ? ${hi} * 4294967296 + ${lo} : H.signBig((BigInt(${hi}) << 32n) | BigInt(${lo}), 64);`);
      else this.emit(`const ${v} = ${hi} === 0 ? ${lo} : ${hi} < 2097152 ? ${hi} * 4294967296 + ${lo} : (BigInt(${hi}) << 32n) | BigInt(${lo});`);
      if (t.mappedClock && t.meaning !== 'packet_end') this.emit(`st.clkHi = ${hi} >>> 0; st.clkLo = ${lo};`);
    } else if (s <= 32) {
      const raw = this.v('r');
      this.emit(`const ${raw} = H.readBits${le ? 'LE' : 'BE'}(buf, p, ${s});`);
      if (t.signed) this.emit(`const ${v} = ${raw} >= ${2 ** (s - 1)} ? ${raw} - ${2 ** s} : ${raw};`);
      else this.emit(`const ${v} = ${raw};`);
      if (t.mappedClock && t.meaning !== 'packet_end') {
        if (s === 32) this.emit(`if (${raw} < st.clkLo) st.clkHi = st.clkHi + 1 >>> 0; st.clkLo = ${raw};`);
        else this.clockSmall(raw, s);
      }
    } else {
      const raw = this.v('r');
      this.emit(`const ${raw} = H.readBig${le ? 'LE' : 'BE'}(buf, p, ${s});`);
      this.emit(`const ${v} = ${t.signed ? `H.signBig(${raw}, ${s})` : `H.unsignBig(${raw})`};`);
      if (t.mappedClock && t.meaning !== 'packet_end') this.emit(`H.clockUpdateBig(st, ${raw}, ${s});`);
    }
    this.emit(`p += ${s};`);
    this.advance(s);
    if (t.saveSlot !== undefined) this.emit(`st.saved[${t.saveSlot}] = Number(${v});`);
    if (t.meaning === 'event_id') this.emit(`st.eventId = Number(${v});`);
    if (t.meaning && t.meaning !== 'event_id' && t.meaning !== 'uuid') this.emit(`st.roles[${this.k(t.meaning)}] = ${v};`);
    return v;
  }

  private clockSmall(raw: string, s: number): void {
    const m = 2 ** s;
    this.emit(`{ let lo = st.clkLo; if (${raw} < lo % ${m}) { lo += ${m}; if (lo >= 4294967296) { lo -= 4294967296; st.clkHi = st.clkHi + 1 >>> 0; } } st.clkLo = lo - lo % ${m} + ${raw}; }`);
  }

  intText(t: IntegerType, v: string): string {
    switch (t.base) {
      case 10:
        return v;
      case 16:
        return `H.fmtHex(${v}, ${t.size})`;
      case 8:
        return `H.fmtOct(${v}, ${t.size}, ${t.signed})`;
      case 2:
        return `H.fmtBin(${v}, ${t.size})`;
    }
  }

  get printing(): boolean {
    return this.mode === 'text' || this.mode === 'bytes';
  }

  /** output a constant */
  lit(s: string): void {
    if (this.mode === 'text') {
      this.emit(`s += ${JSON.stringify(s)};`);
      return;
    }
    const bytes = Buffer.from(s, 'utf8');
    if (bytes.length > 4096) this.emit(`ob.o = o; ob.need(${bytes.length}); b = ob.buf; o = ob.o;`);
    if (bytes.length <= 12) this.emit(Array.from(bytes, (x) => `b[o++] = ${x};`).join(' '));
    else if (bytes.length <= 64) this.emit(`o = H.cp(b, o, ${this.k(bytes)});`);
    else this.emit(`b.set(${this.k(bytes)}, o); o += ${bytes.length};`);
  }
  /** output a constant that comes from the metadata (never pasted in code) */
  litK(s: string): void {
    if (this.mode === 'text') this.emit(`s += ${this.k(s)};`);
    else {
      const bytes = Buffer.from(s, 'utf8');
      if (bytes.length > 4096) this.emit(`ob.o = o; ob.need(${bytes.length}); b = ob.buf; o = ob.o;`);
      if (bytes.length <= 64) this.emit(`o = H.cp(b, o, ${this.k(bytes)});`);
      else this.emit(`b.set(${this.k(bytes)}, o); o += ${bytes.length};`);
    }
  }
  /** output a JS string expression (short) */
  outStr(expr: string): void {
    if (this.mode === 'text') this.emit(`s += ${expr};`);
    else this.emit(`o += b.utf8Write(${expr}, o);`);
  }
  /** room for the next fixed-size output (names, numbers) */
  room(): void {
    if (this.mode === 'bytes') this.emit('if (o > ob.limit) { ob.o = o; ob.flush(); b = ob.buf; o = ob.o; }');
  }
  outInt(t: IntegerType, v: string): void {
    if (this.mode === 'text') this.emit(`s += ${this.intText(t, v)};`);
    else if (t.base === 10) this.emit(`o = H.wInt(b, o, ${v});`);
    else if (t.base === 16) this.emit(`o = H.wHex(b, o, ${v}, ${t.size});`);
    else this.outStr(this.intText(t, v));
  }

  /**
   * Emit code for one field. In text mode its text is appended to `s`; in
   * bytes mode written to `b` at `o`; in values mode returns an expression
   * for its value. Fields babeltrace2 does not print are decoded only.
   */
  field(t: FieldType): string | undefined {
    const mode = this.mode;
    const print = this.printing && t.inIr === true;
    switch (t.kind) {
      case 'int': {
        const v = this.readInt(t);
        if (mode === 'skip') this.emit(`st.sum = st.sum + ${t.size > 52 ? `(typeof ${v} === 'number' ? ${v} : 1)` : v} | 0;`);
        if (print) this.outInt(t, v);
        return v;
      }
      case 'enum': {
        const v = this.readInt(t.container);
        if (mode === 'skip') this.emit(`st.sum = st.sum + 1 | 0;`);
        if (print) {
          const fn = enumLabelFn(t);
          if (mode === 'text') this.emit(`s += "( " + ${this.k(fn)}(${v}) + " : container = ";`);
          else {
            const cache = new Map<number | bigint, Buffer>();
            const bfn = (x: number | bigint): Buffer => {
              let r = cache.get(x);
              if (!r) {
                r = Buffer.from(`( ${fn(x)} : container = `, 'utf8');
                if (cache.size < 4096) cache.set(x, r);
              }
              return r;
            };
            const lb = this.v('lb');
            this.emit(`const ${lb} = ${this.k(bfn)}(${v}); if (${lb}.length > 4096) { ob.o = o; ob.need(${lb}.length); b = ob.buf; o = ob.o; } o = H.cp(b, o, ${lb});`);
          }
          this.outInt(t.container, v);
          this.lit(' )');
        }
        return v;
      }
      case 'float': {
        this.align(t.align);
        const v = this.v();
        const le = t.byteOrder === 'le';
        if (this.known >= 8) this.emit(`const ${v} = dv.getFloat${t.mantDig === 24 ? 32 : 64}(p >>> 3, ${le});`);
        else this.emit(`const ${v} = H.floatFromBits(buf, p, ${t.mantDig === 24 ? 32 : 64}, ${le});`);
        const bits = t.mantDig === 24 ? 32 : 64;
        this.emit(`p += ${bits};`);
        this.advance(bits);
        if (mode === 'skip') this.emit(`st.sum = st.sum + (${v} > 0 ? 1 : 0) | 0;`);
        if (print) this.outStr(`H.fmtG(${v})`);
        return v;
      }
      case 'string': {
        this.align(8);
        const v = this.v();
        const e = this.v('e');
        this.emit(`const ${e} = buf.indexOf(0, p >>> 3);`);
        this.emit(`if (${e} < 0 || ${e} * 8 >= st.end) H.unterminated(p);`);
        if (mode === 'skip') this.emit(`st.sum = st.sum + ${e} | 0;`);
        else if (mode === 'bytes') {
          if (print) this.emit(`ob.o = o; ob.need((${e} - (p >>> 3)) * 4 + 2); b = ob.buf; o = H.wEsc(b, ob.o, buf, p >>> 3, ${e});`);
        } else this.emit(`const ${v} = buf.toString('utf8', p >>> 3, ${e});`);
        this.emit(`p = (${e} + 1) * 8;`);
        this.known = 8;
        if (print && mode === 'text') this.emit(`s += H.quoteString(${v});`);
        return mode === 'values' || mode === 'text' ? v : '""';
      }
      case 'struct': {
        this.align(t.align);
        const vals: string[] = [];
        if (print) this.lit('{');
        let printed = 0;
        for (const f of t.fields) {
          if (print && f.type.inIr) {
            this.room();
            this.lit(printed === 0 ? ' ' : ', ');
            if (this.text.names) this.litK(displayName(f.name) + ' = ');
            printed++;
          }
          const r = this.field(f.type);
          vals.push(r ?? 'undefined');
        }
        if (print) this.lit(' }');
        if (mode === 'values') {
          const v = this.v();
          this.emit(`const ${v} = [${vals.join(', ')}];`);
          return v;
        }
        return undefined;
      }
      case 'variant': {
        this.align(t.align);
        const slot = t.tag!.container.saveSlot!;
        const sel = this.k(variantSelector(t));
        const idx = this.v('i');
        this.emit(`const ${idx} = ${sel}(st.saved[${slot}]);`);
        const res = this.v();
        if (mode === 'values') this.emit(`let ${res};`);
        this.emit(`switch (${idx}) {`);
        const knownBefore = this.known;
        let knownAfter = Infinity;
        t.options.forEach((o, i) => {
          this.emit(`case ${i}: {`);
          this.known = knownBefore;
          if (print) this.lit('{ ');
          const r = this.field(o.type);
          if (print) this.lit(' }');
          if (mode === 'values') this.emit(`${res} = { sel: ${i}, v: ${r} };`);
          knownAfter = Math.min(knownAfter, this.known);
          this.emit('break; }');
        });
        this.emit(`default: H.noOption(st.saved[${slot}], p);`);
        this.emit('}');
        this.known = knownAfter === Infinity ? 1 : knownAfter;
        return mode === 'values' ? res : undefined;
      }
      case 'array':
      case 'sequence': {
        let len: string;
        if (t.kind === 'array') len = String(t.length);
        else {
          len = this.v('n');
          this.emit(`const ${len} = st.saved[${t.lengthField!.saveSlot!}];`);
          this.emit(`if (${len} > st.end - p) H.badLength(${len}, p);`);
        }
        this.align(t.element.align);
        if (t.isText) {
          // 8-bit aligned bytes: printed as a string up to the first NUL
          const v = this.v();
          if (mode === 'values') {
            this.emit(`const ${v} = Array.from(buf.subarray(p >>> 3, (p >>> 3) + ${len}));`);
          } else if (print && mode === 'text') {
            this.emit(`s += H.quoteString(H.textBytes(buf, p >>> 3, ${len}));`);
          } else if (print) {
            const z = this.v('z');
            this.emit(`let ${z} = buf.indexOf(0, p >>> 3); if (${z} < 0 || ${z} > (p >>> 3) + ${len}) ${z} = (p >>> 3) + ${len};`);
            this.emit(`ob.o = o; ob.need((${z} - (p >>> 3)) * 4 + 2); b = ob.buf; o = H.wEsc(b, ob.o, buf, p >>> 3, ${z});`);
          }
          if (mode === 'skip') this.emit(`st.sum = st.sum + ${len} | 0;`);
          this.emit(`p += ${len} * 8;`);
          if (t.kind === 'sequence') this.known = 8;
          return mode === 'values' ? v : undefined;
        }
        const i = this.v('j');
        const arr = this.v();
        if (mode === 'values') this.emit(`const ${arr} = new Array(${len});`);
        if (print) this.lit('[');
        this.emit(`for (let ${i} = 0; ${i} < ${len}; ${i}++) {`);
        if (print) {
          this.room();
          if (mode === 'text') this.emit(`s += (${i} === 0 ? " " : ", ")${this.text.names ? ` + "[" + ${i} + "] = "` : ''};`);
          else {
            this.emit(`if (${i} !== 0) b[o++] = 44; b[o++] = 32;`);
            if (this.text.names) this.emit(`b[o++] = 91; o = H.wInt(b, o, ${i}); b[o++] = 93; b[o++] = 32; b[o++] = 61; b[o++] = 32;`);
          }
        }
        const knownBefore = this.known;
        // each element starts where the previous one ended: alignment unknown
        this.known = 1;
        const r = this.field(t.element);
        if (mode === 'values') this.emit(`${arr}[${i}] = ${r};`);
        this.emit('}');
        this.known = Math.min(knownBefore, t.element.align, this.known);
        if (print) this.lit(' ]');
        return mode === 'values' ? arr : undefined;
      }
    }
  }
}

export interface CompiledScope<R> {
  (st: DecodeState): R;
}

function build<R>(g: Gen, body: string): CompiledScope<R> {
  const src = `"use strict";\nreturn function decode(st, ob) {\nconst buf = st.buf, dv = st.dv;\nlet p = st.pos;\n${g.code.join('\n')}\n${body}\n};`;
  const factory = new Function('H', 'K', src) as (h: Helpers, k: unknown[]) => CompiledScope<R>;
  return factory(helpers, g.consts);
}

export type BytePrinter = (st: DecodeState, ob: ByteSink) => boolean;

/**
 * Like compileText, but writes the text into `ob` directly (UTF-8, strings
 * copied from the packet with babeltrace2's escapes). `sep` is written before
 * the first printed scope. Returns whether anything was printed.
 */
export function compileBytes(scopes: (StructType | undefined)[], opts: TextOptions): BytePrinter {
  const g = new Gen('bytes', { ...opts });
  g.emit('let b = ob.buf, o = ob.o;');
  g.emit('if (o > ob.limit) { ob.flush(); b = ob.buf; o = ob.o; }');
  let first = true;
  scopes.forEach((t, i) => {
    if (!t) return;
    g.text.names = opts.namesPerScope?.[i] ?? opts.names;
    if (t.inIr) {
      if (!first) g.lit(', ');
      first = false;
      const label = opts.scopeLabels?.[i];
      if (label) g.litK(label + ' = ');
    }
    g.field(t);
  });
  return build<boolean>(g, `if (p > st.end) H.overrun(p, st.end);\nst.pos = p;\nob.o = o;\nreturn ${!first};`) as unknown as BytePrinter;
}

/** Decode a struct (a root scope) into values, updating roles, slots and clock. */
export function compileValues(t: StructType): CompiledScope<Value[]> {
  const g = new Gen('values', { names: true });
  const r = g.field(t);
  return build<Value[]>(g, `if (p > st.end) H.overrun(p, st.end);\nst.pos = p;\nreturn ${r};`);
}

/** Decode scopes without building values (event header, decode-only mode). */
export function compileSkip(scopes: StructType[], alignStart = 1): CompiledScope<void> {
  const g = new Gen('skip', { names: false });
  g.known = alignStart;
  for (const t of scopes) g.field(t);
  return build<void>(g, `if (p > st.end) H.overrun(p, st.end);\nst.pos = p;`);
}

/**
 * Decode the event's contexts and payload into babeltrace2's text: each
 * printed scope is `{ … }`, joined with ", ". Scopes not in the printed set
 * (fields babeltrace2 drops) are decoded and skipped.
 */
export function compileText(scopes: (StructType | undefined)[], opts: TextOptions): CompiledScope<string> {
  const g = new Gen('text', { ...opts });
  g.emit('let s = "";');
  let first = true;
  scopes.forEach((t, i) => {
    if (!t) return;
    g.text.names = opts.namesPerScope?.[i] ?? opts.names;
    if (t.inIr) {
      if (!first) g.emit('s += ", ";');
      first = false;
      const label = opts.scopeLabels?.[i];
      if (label) g.emit(`s += ${g.k(label + ' = ')};`);
    }
    g.field(t);
  });
  return build<string>(g, `if (p > st.end) H.overrun(p, st.end);\nst.pos = p;\nreturn s;`);
}

/** Decode the event's scopes into values (JSON output, conversion). */
export function compileEventValues(scopes: (StructType | undefined)[]): CompiledScope<(Value[] | undefined)[]> {
  const g = new Gen('values', { names: true });
  const rs: string[] = [];
  for (const t of scopes) rs.push(t ? g.field(t)! : 'undefined');
  return build(g, `if (p > st.end) H.overrun(p, st.end);\nst.pos = p;\nreturn [${rs.join(', ')}];`);
}
