// TSDL type specs → model field types: integers, floats, strings, enumerations,
// structures, variants, arrays and sequences, with the lexical scoping of named
// types (typealias, typedef, `struct NAME`, `variant NAME`, `enum NAME`).
// Every type built here gets its position in the metadata (`Builder.pos`), so
// later checks (path resolution, roles) can name a line and column, and none is
// nested deeper than MAX_TYPE_NESTING.
import { TsdlError } from './tsdl/lexer.js';
import { MAX_TYPE_NESTING } from './tsdl/parser.js';
import type { Attr, Entry, Pos, TypeSpec, Value } from './tsdl/parser.js';
import type { ByteOrder, ClockClass, EnumType, FieldType, IntegerType, NamedField, StructType, VariantType } from './model.js';

export class Scope {
  readonly aliases = new Map<string, FieldType>();
  readonly structs = new Map<string, StructType>();
  readonly variants = new Map<string, VariantType>();
  readonly enums = new Map<string, EnumType>();
  constructor(readonly parent?: Scope) {}
  find<K extends 'aliases' | 'structs' | 'variants' | 'enums'>(
    ns: K,
    name: string,
  ): (Scope[K] extends Map<string, infer V> ? V : never) | undefined {
    for (let s: Scope | undefined = this; s; s = s.parent) {
      const v = s[ns].get(name);
      if (v) return v as Scope[K] extends Map<string, infer V> ? V : never;
    }
    return undefined;
  }
}

export function err(pos: Pos, msg: string): never {
  throw new TsdlError(msg, pos.line, pos.col);
}

/**
 * Deep copy, so that every use of an alias is its own field (roles, slots);
 * `copied` sees each original and its copy.
 */
export function cloneType<T extends FieldType>(t: T, copied?: (from: FieldType, to: FieldType) => void): T {
  const c = copyOf(t, copied);
  copied?.(t, c);
  return c as T;
}

function copyOf(t: FieldType, copied: ((from: FieldType, to: FieldType) => void) | undefined): FieldType {
  const each = (fs: NamedField[]): NamedField[] => fs.map((f) => ({ name: f.name, type: cloneType(f.type, copied) }));
  switch (t.kind) {
    case 'int':
    case 'float':
    case 'string':
      return { ...t };
    case 'enum':
      return { ...t, container: cloneType(t.container, copied) };
    case 'struct':
      return { ...t, fields: each(t.fields) };
    case 'variant':
      return { ...t, options: each(t.options), tag: undefined };
    case 'array':
      return { ...t, element: cloneType(t.element, copied) };
    case 'sequence':
      return { ...t, element: cloneType(t.element, copied), lengthField: undefined };
  }
}

/** levels of `t` (a scalar is 1), counted without recursion; stops past `max` */
function depthOf(t: FieldType, max: number): number {
  let deepest = 0;
  const todo: [FieldType, number][] = [[t, 1]];
  for (let item = todo.pop(); item; item = todo.pop()) {
    const [u, d] = item;
    if (d > deepest) deepest = d;
    if (deepest > max) break;
    if (u.kind === 'struct') for (const f of u.fields) todo.push([f.type, d + 1]);
    else if (u.kind === 'variant') for (const o of u.options) todo.push([o.type, d + 1]);
    else if (u.kind === 'array' || u.kind === 'sequence') todo.push([u.element, d + 1]);
    else if (u.kind === 'enum') todo.push([u.container, d + 1]);
  }
  return deepest;
}

export function intOf(v: Value, what: string): bigint {
  if (v.k !== 'int') err(v, `${what}: expecting an integer constant`);
  return v.v;
}

export function boolOf(v: Value, what: string): boolean {
  if (v.k === 'int') return v.v !== 0n;
  if (v.k === 'path') {
    const s = v.v.toLowerCase();
    if (s === 'true') return true;
    if (s === 'false') return false;
  }
  return err(v, `${what}: expecting a boolean`);
}

export function strOf(v: Value): string {
  return v.k === 'int' ? v.v.toString() : v.v;
}

const BASES: Record<string, 2 | 8 | 10 | 16> = {
  '2': 2, binary: 2, b: 2, '8': 8, octal: 8, oct: 8, o: 8, '10': 10, decimal: 10, dec: 10, d: 10, i: 10, u: 10,
  '16': 16, hexadecimal: 16, hex: 16, x: 16, p: 16,
};

export class Builder {
  traceByteOrder: ByteOrder = 'le';
  readonly clocks = new Map<string, ClockClass>();
  readonly root = new Scope();
  /** where each type was declared (for the checks after building) */
  readonly pos = new WeakMap<FieldType, Pos>();

  private at<T extends FieldType>(t: T, p: Pos): T {
    this.pos.set(t, { line: p.line, col: p.col });
    return t;
  }
  private clone<T extends FieldType>(t: T): T {
    return cloneType(t, (from, to) => {
      const p = this.pos.get(from);
      if (p) this.pos.set(to, p);
    });
  }

  byteOrderOf(v: Value): ByteOrder {
    const s = strOf(v);
    switch (s) {
      case 'le':
      case 'little':
        return 'le';
      case 'be':
      case 'big':
      case 'network':
        return 'be';
      case 'native':
        return this.traceByteOrder;
      default:
        return err(v, `invalid byte order "${s}"`);
    }
  }

  integer(attrs: Attr[], pos: Pos): IntegerType {
    const t: IntegerType = { kind: 'int', size: 0, align: 0, signed: false, byteOrder: this.traceByteOrder, base: 10, encoding: 'none' };
    let size: number | undefined;
    let align: number | undefined;
    for (const a of attrs) {
      if (a.key === 'size') {
        const n = intOf(a.value, 'integer size');
        if (n < 1n || n > 64n) err(a, `invalid integer size ${n}: expecting 1 to 64`);
        size = Number(n);
      } else if (a.key === 'align') {
        const n = intOf(a.value, 'integer align');
        if (n < 1n || (n & (n - 1n)) !== 0n) err(a, `invalid alignment ${n}: expecting a power of two`);
        align = Number(n);
      } else this.intAttr(t, a);
    }
    if (size === undefined) err(pos, 'integer type is missing its "size" attribute');
    t.size = size;
    t.align = align ?? (size % 8 === 0 ? 8 : 1);
    return t;
  }

  /** an integer attribute other than size and align */
  private intAttr(t: IntegerType, a: Attr): void {
    switch (a.key) {
      case 'signed':
        t.signed = boolOf(a.value, 'integer signed');
        break;
      case 'byte_order':
        t.byteOrder = this.byteOrderOf(a.value);
        break;
      case 'base': {
        const key = strOf(a.value).toLowerCase();
        const b = Object.hasOwn(BASES, key) ? BASES[key] : undefined; // not `constructor` and the like
        if (!b) err(a, `invalid integer base "${strOf(a.value)}"`);
        t.base = b;
        break;
      }
      case 'encoding': {
        const s = strOf(a.value).toLowerCase();
        if (s === 'utf8' || s === 'ascii') t.encoding = 'utf8';
        else if (s === 'none') t.encoding = 'none';
        else err(a, `invalid encoding "${strOf(a.value)}"`);
        break;
      }
      case 'map': {
        const m = /^clock\.([A-Za-z_][A-Za-z0-9_]*)\.value$/.exec(strOf(a.value));
        if (!m) err(a, `invalid "map" attribute "${strOf(a.value)}": expecting clock.NAME.value`);
        // as babeltrace2: the clock must be declared before
        if (!this.clocks.has(m[1]!)) err(a, `invalid "map" attribute: no clock named "${m[1]}" is declared at this point`);
        t.mappedClock = m[1]!;
        break;
      }
      default:
        break; // unknown attributes are ignored, as babeltrace2 does (with a warning)
    }
  }

  typeOf(spec: TypeSpec, scope: Scope): FieldType {
    switch (spec.k) {
      case 'integer':
        return this.at(this.integer(spec.attrs, spec), spec);
      case 'floating_point':
        return this.at(this.float(spec.attrs, spec), spec);
      case 'string': {
        let enc: 'utf8' | 'none' = 'utf8';
        for (const a of spec.attrs) if (a.key === 'encoding' && strOf(a.value).toLowerCase() === 'none') enc = 'none';
        return this.at({ kind: 'string', encoding: enc, align: 8 }, spec);
      }
      case 'named': {
        const t = scope.find('aliases', spec.name);
        if (!t) err(spec, `unknown type "${spec.name}"`);
        return this.at(this.clone(t), spec);
      }
      case 'struct':
        return this.at(this.struct(spec, scope), spec);
      case 'variant':
        return this.at(this.variant(spec, scope), spec);
      case 'enum':
        return this.at(this.enumeration(spec, scope), spec);
    }
  }

  private float(attrs: Attr[], pos: Pos): FieldType {
    let exp = 0;
    let mant = 0;
    let align = 8;
    let bo = this.traceByteOrder;
    for (const a of attrs) {
      if (a.key === 'exp_dig') exp = Number(intOf(a.value, 'exp_dig'));
      else if (a.key === 'mant_dig') mant = Number(intOf(a.value, 'mant_dig'));
      else if (a.key === 'align') align = Number(intOf(a.value, 'align'));
      else if (a.key === 'byte_order') bo = this.byteOrderOf(a.value);
    }
    if (!((exp === 8 && mant === 24) || (exp === 11 && mant === 53)))
      err(pos, `unsupported floating point type: exp_dig=${exp}, mant_dig=${mant} (expecting 8/24 or 11/53)`);
    return { kind: 'float', expDig: exp, mantDig: mant, align, byteOrder: bo };
  }

  private struct(spec: TypeSpec & { k: 'struct' }, scope: Scope): StructType {
    if (!spec.body) {
      const t = scope.find('structs', spec.name!);
      if (!t) err(spec, `unknown structure "${spec.name}"`);
      return this.clone(t);
    }
    const fields = this.fieldsOf(spec.body, new Scope(scope), 'structure');
    let align = 1;
    if (spec.align) {
      const n = intOf(spec.align, 'struct align');
      if (n < 1n || (n & (n - 1n)) !== 0n) err(spec.align, `invalid alignment ${n}`);
      align = Number(n);
    }
    for (const f of fields) align = Math.max(align, f.type.align);
    const t: StructType = this.at({ kind: 'struct', fields, align }, spec);
    if (spec.name) scope.structs.set(spec.name, t);
    return this.clone(t);
  }

  private variant(spec: TypeSpec & { k: 'variant' }, scope: Scope): VariantType {
    let base: VariantType;
    if (!spec.body) {
      const t = scope.find('variants', spec.name!);
      if (!t) err(spec, `unknown variant "${spec.name}"`);
      base = this.clone(t);
    } else {
      const options = this.fieldsOf(spec.body, new Scope(scope), 'variant');
      base = this.at({ kind: 'variant', tagPath: '', options, align: 1 }, spec);
      if (spec.name) scope.variants.set(spec.name, this.clone(base));
    }
    if (spec.tag) base.tagPath = spec.tag;
    return base;
  }

  private enumeration(spec: TypeSpec & { k: 'enum' }, scope: Scope): EnumType {
    if (!spec.entries) {
      const t = scope.find('enums', spec.name!);
      if (!t) err(spec, `unknown enumeration "${spec.name}"`);
      return this.clone(t);
    }
    let container: FieldType;
    if (spec.container) container = this.typeOf(spec.container, scope);
    else {
      const t = scope.find('aliases', 'int');
      if (!t) err(spec, 'enumeration has no container type and no "int" type is declared');
      container = this.at(this.clone(t), spec);
    }
    if (container.kind !== 'int') err(spec, 'enumeration container type is not an integer');
    const mappings: { label: string; ranges: [bigint, bigint][] }[] = [];
    let next = 0n;
    for (const e of spec.entries) {
      let lo = next;
      let hi = next;
      if (e.lo) {
        lo = intOf(e.lo, 'enumeration value');
        hi = e.hi ? intOf(e.hi, 'enumeration value') : lo;
      }
      if (hi < lo) [lo, hi] = [hi, lo];
      next = hi + 1n;
      const existing = mappings.find((m) => m.label === e.label);
      if (existing) existing.ranges.push([lo, hi]);
      else mappings.push({ label: e.label, ranges: [[lo, hi]] });
    }
    const t: EnumType = this.at({ kind: 'enum', container, mappings, align: container.align }, spec);
    if (spec.name) scope.enums.set(spec.name, this.clone(t));
    return t;
  }

  /** `t` with array/sequence dimensions (outermost first), positioned at `pos`; its depth checked */
  withDims(t: FieldType, dims: (bigint | string)[], pos: Pos): FieldType {
    let out = t;
    for (let i = dims.length - 1; i >= 0; i--) {
      const d = dims[i]!;
      const el = out.kind === 'int' ? out : out.kind === 'enum' ? out.container : undefined;
      const isText = el !== undefined && el.size === 8 && el.align === 8 && el.encoding !== 'none';
      if (typeof d === 'bigint') out = { kind: 'array', length: Number(d), element: out, align: out.align, isText };
      else out = { kind: 'sequence', lengthPath: d, element: out, align: out.align, isText };
      this.at(out, pos);
    }
    if (depthOf(out, MAX_TYPE_NESTING) > MAX_TYPE_NESTING) err(pos, `types nested more than ${MAX_TYPE_NESTING} levels deep`);
    return out;
  }

  /** struct or variant body: declarations become fields; aliases are scoped */
  fieldsOf(body: Entry[], scope: Scope, what: string): NamedField[] {
    const out: NamedField[] = [];
    for (const e of body) {
      switch (e.k) {
        case 'field':
          for (const d of e.decls) {
            const t = this.withDims(this.typeOf(e.type, scope), d.dims, d);
            if (out.some((f) => f.name === d.name)) err(d, `duplicate ${what} member "${d.name}"`);
            out.push({ name: d.name, type: t });
          }
          break;
        case 'typealias':
        case 'typedef':
        case 'typedecl':
          this.declare(e, scope);
          break;
        default:
          err(e, `unexpected entry in ${what}`);
      }
    }
    return out;
  }

  declare(e: Entry, scope: Scope): void {
    if (e.k === 'typealias') scope.aliases.set(e.alias, this.withDims(this.typeOf(e.type, scope), e.dims, e));
    else if (e.k === 'typedef') for (const d of e.decls) scope.aliases.set(d.name, this.withDims(this.typeOf(e.type, scope), d.dims, d));
    else if (e.k === 'typedecl') this.typeOf(e.type, scope);
  }

  structOf(e: Entry & { k: 'typeassign' }, scope: Scope, what: string): StructType {
    const t = this.withDims(this.typeOf(e.type, scope), e.dims, e);
    if (t.kind !== 'struct') err(e, `${what} must be a structure`);
    return t;
  }
}
