// The code generator behind ./decoder.ts: walks a field type and emits the
// JavaScript lines that decode it (and, by output kind, print it as text, write
// it as bytes, build its value, or only skip it). Tracks the alignment known at
// each point so that aligned reads become plain DataView loads. Metadata strings
// are never pasted into the source: they become constants (`K[i]`).
// The recursion follows the type's nesting, which the metadata builder bounds.
import type { ArrayType, EnumType, FieldType, FloatType, IntegerType, SequenceType, StringType, StructType, VariantType } from './model.js';
import { enumLabelFn, variantSelector } from './lookups.js';
import { displayName } from './metadata-rules.js';

export type Mode = 'text' | 'bytes' | 'values' | 'skip';

export interface TextOptions {
  /** print member names (babeltrace2's name-payload / name-context) */
  names: boolean;
  /** per scope, `stream.event.context = `-like labels (babeltrace2's name-scope) */
  scopeLabels?: (string | undefined)[];
  /** per scope override of `names` (contexts and payload have separate switches) */
  namesPerScope?: boolean[];
}

export class Gen {
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
    } else if (byteAligned && s === 64) this.readInt64(t, v, le);
    else if (s <= 32) {
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

  /** a byte-aligned 64-bit integer as two 32-bit loads */
  private readInt64(t: IntegerType, v: string, le: boolean): void {
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
    const print = this.printing && t.inIr === true;
    switch (t.kind) {
      case 'int': {
        const v = this.readInt(t);
        if (this.mode === 'skip') this.emit(`st.sum = st.sum + ${t.size > 52 ? `(typeof ${v} === 'number' ? ${v} : 1)` : v} | 0;`);
        if (print) this.outInt(t, v);
        return v;
      }
      case 'enum':
        return this.enumField(t, print);
      case 'float':
        return this.floatField(t, print);
      case 'string':
        return this.stringField(t, print);
      case 'struct':
        return this.structField(t, print);
      case 'variant':
        return this.variantField(t, print);
      case 'array':
      case 'sequence':
        return this.arrayField(t, print);
    }
  }

  private enumField(t: EnumType, print: boolean): string {
    const mode = this.mode;
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

  private floatField(t: FloatType, print: boolean): string {
    this.align(t.align);
    const v = this.v();
    const le = t.byteOrder === 'le';
    if (this.known >= 8) this.emit(`const ${v} = dv.getFloat${t.mantDig === 24 ? 32 : 64}(p >>> 3, ${le});`);
    else this.emit(`const ${v} = H.floatFromBits(buf, p, ${t.mantDig === 24 ? 32 : 64}, ${le});`);
    const bits = t.mantDig === 24 ? 32 : 64;
    this.emit(`p += ${bits};`);
    this.advance(bits);
    if (this.mode === 'skip') this.emit(`st.sum = st.sum + (${v} > 0 ? 1 : 0) | 0;`);
    if (print) this.outStr(`H.fmtG(${v})`);
    return v;
  }

  private stringField(_t: StringType, print: boolean): string {
    const mode = this.mode;
    this.align(8);
    const v = this.v();
    const e = this.v('e');
    this.emit(`const ${e} = buf.indexOf(0, p >>> 3);`);
    this.emit(`if (${e} < 0 || ${e} * 8 >= st.end) H.unterminated(p);`);
    if (mode === 'skip') this.emit(`st.sum = st.sum + ${e} | 0;`);
    else if (mode === 'bytes') {
      if (print) this.emit(`ob.o = o; ob.need((${e} - (p >>> 3)) * 4 + 2); b = ob.buf; o = H.wEsc(b, ob.o, buf, p >>> 3, ${e});`);
    } else if (mode === 'values') this.emit(`const ${v} = H.strValue(buf, p >>> 3, ${e});`);
    else this.emit(`const ${v} = buf.toString('utf8', p >>> 3, ${e});`);
    this.emit(`p = (${e} + 1) * 8;`);
    this.known = 8;
    if (print && mode === 'text') this.emit(`s += H.quoteString(${v});`);
    return mode === 'values' || mode === 'text' ? v : '""';
  }

  private structField(t: StructType, print: boolean): string | undefined {
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
    if (this.mode === 'values') {
      const v = this.v();
      this.emit(`const ${v} = [${vals.join(', ')}];`);
      return v;
    }
    return undefined;
  }

  private variantField(t: VariantType, print: boolean): string | undefined {
    const mode = this.mode;
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

  private arrayField(t: ArrayType | SequenceType, print: boolean): string | undefined {
    const mode = this.mode;
    let len: string;
    if (t.kind === 'array') len = String(t.length);
    else {
      len = this.v('n');
      this.emit(`const ${len} = st.saved[${t.lengthField!.saveSlot!}];`);
      this.emit(`if (${len} > st.end - p) H.badLength(${len}, p);`);
    }
    this.align(t.element.align);
    if (t.isText) return this.textArray(t, len, print);
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

  /** 8-bit aligned bytes: printed as a string up to the first NUL */
  private textArray(t: ArrayType | SequenceType, len: string, print: boolean): string | undefined {
    const mode = this.mode;
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
}
