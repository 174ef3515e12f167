// TSDL AST → TraceClass: type resolution, scoping, path resolution and the
// babeltrace2 reading rules (field roles, implicit clocks, what gets printed).
import { TsdlError } from './tsdl/lexer.js';
import { Attr, Entry, Pos, TypeSpec, Value, parseTsdl } from './tsdl/parser.js';
import type {
  ByteOrder,
  ClockClass,
  EnumType,
  EventClass,
  FieldType,
  IntegerType,
  NamedField,
  StreamClass,
  StructType,
  TraceClass,
  VariantType,
} from './model.js';
import { uuidFromString } from './model.js';

export { TsdlError };

class Scope {
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

function err(pos: Pos, msg: string): never {
  throw new TsdlError(msg, pos.line, pos.col);
}

/** deep copy, so that every use of an alias is its own field (roles, slots) */
export function cloneType<T extends FieldType>(t: T): T {
  switch (t.kind) {
    case 'int':
    case 'float':
    case 'string':
      return { ...t };
    case 'enum':
      return { ...t, container: cloneType(t.container) };
    case 'struct':
      return { ...t, fields: t.fields.map((f) => ({ name: f.name, type: cloneType(f.type) })) };
    case 'variant':
      return { ...t, options: t.options.map((f) => ({ name: f.name, type: cloneType(f.type) })), tag: undefined };
    case 'array':
      return { ...t, element: cloneType(t.element) };
    case 'sequence':
      return { ...t, element: cloneType(t.element), lengthField: undefined };
  }
}

function intOf(v: Value, what: string): bigint {
  if (v.k !== 'int') err(v, `${what}: expecting an integer constant`);
  return v.v;
}

function boolOf(v: Value, what: string): boolean {
  if (v.k === 'int') return v.v !== 0n;
  if (v.k === 'path') {
    const s = v.v.toLowerCase();
    if (s === 'true') return true;
    if (s === 'false') return false;
  }
  return err(v, `${what}: expecting a boolean`);
}

function strOf(v: Value): string {
  return v.k === 'int' ? v.v.toString() : v.v;
}

class Builder {
  traceByteOrder: ByteOrder = 'le';
  readonly clocks = new Map<string, ClockClass>();
  readonly root = new Scope();

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
    let size: number | undefined;
    let align: number | undefined;
    const t: IntegerType = { kind: 'int', size: 0, align: 0, signed: false, byteOrder: this.traceByteOrder, base: 10, encoding: 'none' };
    for (const a of attrs) {
      switch (a.key) {
        case 'size': {
          const n = intOf(a.value, 'integer size');
          if (n < 1n || n > 64n) err(a, `invalid integer size ${n}: expecting 1 to 64`);
          size = Number(n);
          break;
        }
        case 'align': {
          const n = intOf(a.value, 'integer align');
          if (n < 1n || (n & (n - 1n)) !== 0n) err(a, `invalid alignment ${n}: expecting a power of two`);
          align = Number(n);
          break;
        }
        case 'signed':
          t.signed = boolOf(a.value, 'integer signed');
          break;
        case 'byte_order':
          t.byteOrder = this.byteOrderOf(a.value);
          break;
        case 'base': {
          const v = a.value;
          const s = strOf(v).toLowerCase();
          const m: Record<string, 2 | 8 | 10 | 16> = {
            '2': 2, binary: 2, b: 2, '8': 8, octal: 8, oct: 8, o: 8, '10': 10, decimal: 10, dec: 10, d: 10, i: 10, u: 10,
            '16': 16, hexadecimal: 16, hex: 16, x: 16, p: 16,
          };
          const b = m[s];
          if (!b) err(a, `invalid integer base "${strOf(v)}"`);
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
    if (size === undefined) err(pos, 'integer type is missing its "size" attribute');
    t.size = size;
    t.align = align ?? (size % 8 === 0 ? 8 : 1);
    return t;
  }

  typeOf(spec: TypeSpec, scope: Scope): FieldType {
    switch (spec.k) {
      case 'integer':
        return this.integer(spec.attrs, spec);
      case 'floating_point': {
        let exp = 0;
        let mant = 0;
        let align = 8;
        let bo = this.traceByteOrder;
        for (const a of spec.attrs) {
          if (a.key === 'exp_dig') exp = Number(intOf(a.value, 'exp_dig'));
          else if (a.key === 'mant_dig') mant = Number(intOf(a.value, 'mant_dig'));
          else if (a.key === 'align') align = Number(intOf(a.value, 'align'));
          else if (a.key === 'byte_order') bo = this.byteOrderOf(a.value);
        }
        if (!((exp === 8 && mant === 24) || (exp === 11 && mant === 53)))
          err(spec, `unsupported floating point type: exp_dig=${exp}, mant_dig=${mant} (expecting 8/24 or 11/53)`);
        return { kind: 'float', expDig: exp, mantDig: mant, align, byteOrder: bo };
      }
      case 'string': {
        let enc: 'utf8' | 'none' = 'utf8';
        for (const a of spec.attrs) if (a.key === 'encoding' && strOf(a.value).toLowerCase() === 'none') enc = 'none';
        return { kind: 'string', encoding: enc, align: 8 };
      }
      case 'named': {
        const t = scope.find('aliases', spec.name);
        if (!t) err(spec, `unknown type "${spec.name}"`);
        return cloneType(t);
      }
      case 'struct': {
        if (!spec.body) {
          const t = scope.find('structs', spec.name!);
          if (!t) err(spec, `unknown structure "${spec.name}"`);
          return cloneType(t);
        }
        const inner = new Scope(scope);
        const fields = this.fieldsOf(spec.body, inner, 'structure');
        let align = 1;
        if (spec.align) {
          const n = intOf(spec.align, 'struct align');
          if (n < 1n || (n & (n - 1n)) !== 0n) err(spec.align, `invalid alignment ${n}`);
          align = Number(n);
        }
        for (const f of fields) align = Math.max(align, f.type.align);
        const t: StructType = { kind: 'struct', fields, align };
        if (spec.name) scope.structs.set(spec.name, t);
        return cloneType(t);
      }
      case 'variant': {
        let base: VariantType;
        if (!spec.body) {
          const t = scope.find('variants', spec.name!);
          if (!t) err(spec, `unknown variant "${spec.name}"`);
          base = cloneType(t);
        } else {
          const inner = new Scope(scope);
          const options = this.fieldsOf(spec.body, inner, 'variant');
          base = { kind: 'variant', tagPath: '', options, align: 1 };
          if (spec.name) scope.variants.set(spec.name, cloneType(base));
        }
        if (spec.tag) base.tagPath = spec.tag;
        return base;
      }
      case 'enum': {
        if (!spec.entries) {
          const t = scope.find('enums', spec.name!);
          if (!t) err(spec, `unknown enumeration "${spec.name}"`);
          return cloneType(t);
        }
        let container: FieldType;
        if (spec.container) container = this.typeOf(spec.container, scope);
        else {
          const t = scope.find('aliases', 'int');
          if (!t) err(spec, 'enumeration has no container type and no "int" type is declared');
          container = cloneType(t);
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
        const t: EnumType = { kind: 'enum', container, mappings, align: container.align };
        if (spec.name) scope.enums.set(spec.name, cloneType(t));
        return t;
      }
    }
  }

  withDims(t: FieldType, dims: (bigint | string)[]): FieldType {
    let out = t;
    for (let i = dims.length - 1; i >= 0; i--) {
      const d = dims[i]!;
      const isText =
        (out.kind === 'int' || out.kind === 'enum') &&
        (out.kind === 'int' ? out : out.container).size === 8 &&
        (out.kind === 'int' ? out : out.container).align === 8 &&
        (out.kind === 'int' ? out : out.container).encoding !== 'none';
      if (typeof d === 'bigint') out = { kind: 'array', length: Number(d), element: out, align: out.align, isText };
      else out = { kind: 'sequence', lengthPath: d, element: out, align: out.align, isText };
    }
    return out;
  }

  /** struct or variant body: declarations become fields; aliases are scoped */
  fieldsOf(body: Entry[], scope: Scope, what: string): NamedField[] {
    const out: NamedField[] = [];
    for (const e of body) {
      switch (e.k) {
        case 'field':
          for (const d of e.decls) {
            const t = this.withDims(this.typeOf(e.type, scope), d.dims);
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
    if (e.k === 'typealias') scope.aliases.set(e.alias, this.withDims(this.typeOf(e.type, scope), e.dims));
    else if (e.k === 'typedef') for (const d of e.decls) scope.aliases.set(d.name, this.withDims(this.typeOf(e.type, scope), d.dims));
    else if (e.k === 'typedecl') this.typeOf(e.type, scope);
  }

  structOf(e: Entry & { k: 'typeassign' }, scope: Scope, what: string): StructType {
    const t = this.withDims(this.typeOf(e.type, scope), e.dims);
    if (t.kind !== 'struct') err(e, `${what} must be a structure`);
    return t;
  }
}

const SCOPE_PREFIXES: [string, ScopeName][] = [
  ['trace.packet.header.', 'packet.header'],
  ['stream.packet.context.', 'packet.context'],
  ['stream.event.header.', 'event.header'],
  ['stream.event.context.', 'event.common_context'],
  ['event.context.', 'event.context'],
  ['event.fields.', 'event.fields'],
];
type ScopeName = 'packet.header' | 'packet.context' | 'event.header' | 'event.common_context' | 'event.context' | 'event.fields';

interface ResolveCtx {
  roots: Partial<Record<ScopeName, StructType>>;
  nextSlot: { n: number };
}

function findMember(s: StructType, name: string): FieldType | undefined {
  return s.fields.find((f) => f.name === name)?.type;
}

function descend(t: FieldType | undefined, parts: string[]): FieldType | undefined {
  for (const p of parts) {
    if (!t) return undefined;
    while (t && (t.kind === 'array' || t.kind === 'sequence')) t = t.element;
    if (!t || t.kind !== 'struct') return undefined;
    t = findMember(t, p);
  }
  return t;
}

/** Resolve sequence lengths and variant tags; assigns save slots to targets. */
function resolveScope(root: StructType, scopeName: ScopeName, ctx: ResolveCtx): void {
  const order: ScopeName[] = ['packet.header', 'packet.context', 'event.header', 'event.common_context', 'event.context', 'event.fields'];
  const lookup = (path: string, stack: { s: StructType; upTo: number }[]): FieldType | undefined => {
    for (const [prefix, name] of SCOPE_PREFIXES) {
      if (path.startsWith(prefix)) {
        const r = ctx.roots[name];
        return r ? descend(r, path.slice(prefix.length).split('.')) : undefined;
      }
    }
    const parts = path.split('.');
    for (let i = stack.length - 1; i >= 0; i--) {
      const { s, upTo } = stack[i]!;
      const idx = s.fields.findIndex((f, j) => j < upTo && f.name === parts[0]);
      if (idx >= 0) return descend(s.fields[idx]!.type, parts.slice(1));
    }
    // not in the lexical scope: look in the enclosing root scopes
    const mine = order.indexOf(scopeName);
    for (let i = mine - 1; i >= 0; i--) {
      const r = ctx.roots[order[i]!];
      const t = r && descend(r, parts);
      if (t) return t;
    }
    return undefined;
  };
  const slotFor = (t: IntegerType): void => {
    if (t.saveSlot === undefined) t.saveSlot = ctx.nextSlot.n++;
  };
  const walk = (t: FieldType, stack: { s: StructType; upTo: number }[]): void => {
    switch (t.kind) {
      case 'struct':
        for (let i = 0; i < t.fields.length; i++) {
          const frame = { s: t, upTo: i };
          walk(t.fields[i]!.type, [...stack, frame]);
        }
        break;
      case 'variant': {
        const target = lookup(t.tagPath, stack);
        if (!target) throw new Error(`cannot resolve variant tag "${t.tagPath}"`);
        if (target.kind !== 'enum') throw new Error(`variant tag "${t.tagPath}" is not an enumeration`);
        t.tag = target;
        slotFor(target.container);
        for (const o of t.options) walk(o.type, stack);
        break;
      }
      case 'array':
        walk(t.element, stack);
        break;
      case 'sequence': {
        const target = lookup(t.lengthPath, stack);
        if (!target) throw new Error(`cannot resolve sequence length "${t.lengthPath}"`);
        if (target.kind !== 'int' || target.signed)
          throw new Error(`sequence length "${t.lengthPath}" is not an unsigned integer`);
        t.lengthField = target;
        slotFor(target);
        walk(t.element, stack);
        break;
      }
      default:
        break;
    }
  };
  walk(root, []);
}

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

export interface ParseMetadataOptions {
  /** accept trace versions other than 1.8 (babeltrace 1 did) */
  lenientVersion?: boolean;
}

export function parseMetadata(text: string, opts: ParseMetadataOptions = {}): TraceClass {
  const ast = parseTsdl(text);
  const b = new Builder();
  // The trace byte order is needed before any type is built ("native").
  for (const e of ast) {
    if (e.k === 'block' && e.block === 'trace') {
      for (const a of e.body) {
        if (a.k === 'attr' && a.key === 'byte_order') {
          const s = strOf(a.value);
          if (s === 'le' || s === 'little') b.traceByteOrder = 'le';
          else if (s === 'be' || s === 'big' || s === 'network') b.traceByteOrder = 'be';
          else err(a, `invalid trace byte order "${s}": expecting le or be`);
        }
      }
    }
  }
  const tc: TraceClass = { major: -1, minor: -1, byteOrder: b.traceByteOrder, env: new Map(), clocks: b.clocks, streams: new Map() };
  const pendingEvents: { ev: EventClass; pos: Pos; hasStreamId: boolean; hasId: boolean }[] = [];
  let sawTrace = false;
  for (const e of ast) {
    if (e.k !== 'block') {
      if (e.k === 'field' || e.k === 'attr' || e.k === 'typeassign') err(e, 'unexpected declaration at top level');
      b.declare(e, b.root);
      continue;
    }
    const scope = new Scope(b.root);
    switch (e.block) {
      case 'trace': {
        if (sawTrace) err(e, 'duplicate "trace" block');
        sawTrace = true;
        let major: bigint | undefined;
        let minor: bigint | undefined;
        for (const a of e.body) {
          if (a.k === 'attr') {
            if (a.key === 'major') major = intOf(a.value, 'trace major');
            else if (a.key === 'minor') minor = intOf(a.value, 'trace minor');
            else if (a.key === 'uuid') {
              const u = uuidFromString(strOf(a.value));
              if (!u) err(a, `malformed trace UUID "${strOf(a.value)}"`);
              tc.uuid = u;
            }
          } else if (a.k === 'typeassign') {
            if (a.key === 'packet.header') tc.packetHeader = b.structOf(a, scope, 'trace packet.header');
          } else b.declare(a, scope);
        }
        if (major === undefined) err(e, 'missing "major" attribute in trace block');
        if (minor === undefined) err(e, 'missing "minor" attribute in trace block');
        if (!opts.lenientVersion && (major !== 1n || minor !== 8n))
          err(e, `unsupported trace version ${major}.${minor}: expecting 1.8`);
        tc.major = Number(major);
        tc.minor = Number(minor);
        break;
      }
      case 'env':
        for (const a of e.body) {
          if (a.k !== 'attr') err(a, 'unexpected entry in env block');
          tc.env.set(a.key, a.value.k === 'int' ? a.value.v : a.value.v);
        }
        break;
      case 'clock': {
        const c: ClockClass = { name: '', freq: 1000000000n, offsetSeconds: 0n, offsetCycles: 0n, precision: 0n, absolute: false };
        for (const a of e.body) {
          if (a.k !== 'attr') err(a, 'unexpected entry in clock block');
          const v = a.value;
          switch (a.key) {
            case 'name': c.name = strOf(v); break;
            case 'uuid': c.uuid = strOf(v); break;
            case 'description': c.description = strOf(v); break;
            case 'freq': c.freq = intOf(v, 'clock freq'); if (c.freq <= 0n) err(a, 'clock frequency must be positive'); break;
            case 'precision': c.precision = intOf(v, 'clock precision'); break;
            case 'offset_s': c.offsetSeconds = intOf(v, 'clock offset_s'); break;
            case 'offset': c.offsetCycles = intOf(v, 'clock offset'); break;
            case 'absolute': c.absolute = boolOf(v, 'clock absolute'); break;
            default: break;
          }
        }
        if (!c.name) err(e, 'clock block is missing its "name" attribute');
        if (b.clocks.has(c.name)) err(e, `duplicate clock "${c.name}"`);
        // babeltrace2 keeps the cycles part below one second
        if (c.offsetCycles >= c.freq || c.offsetCycles < 0n) {
          let s = c.offsetCycles / c.freq;
          let r = c.offsetCycles % c.freq;
          if (r < 0n) {
            r += c.freq;
            s -= 1n;
          }
          c.offsetSeconds += s;
          c.offsetCycles = r;
        }
        b.clocks.set(c.name, c);
        break;
      }
      case 'stream': {
        const sc: StreamClass = { id: -1, events: new Map() };
        for (const a of e.body) {
          if (a.k === 'attr') {
            if (a.key === 'id') sc.id = Number(intOf(a.value, 'stream id'));
          } else if (a.k === 'typeassign') {
            if (a.key === 'event.header') sc.eventHeader = b.structOf(a, scope, 'stream event.header');
            else if (a.key === 'event.context') sc.eventContext = b.structOf(a, scope, 'stream event.context');
            else if (a.key === 'packet.context') sc.packetContext = b.structOf(a, scope, 'stream packet.context');
          } else b.declare(a, scope);
        }
        if (sc.id < 0) {
          if (tc.streams.size > 0) err(e, 'stream block is missing its "id" attribute');
          sc.id = 0;
        }
        if (tc.streams.has(sc.id)) err(e, `duplicate stream class id ${sc.id}`);
        tc.streams.set(sc.id, sc);
        break;
      }
      case 'event': {
        const ev: EventClass = { id: -1, name: '', streamId: -1 };
        let hasStreamId = false;
        let hasId = false;
        for (const a of e.body) {
          if (a.k === 'attr') {
            switch (a.key) {
              case 'name': ev.name = strOf(a.value); break;
              case 'id': ev.id = Number(intOf(a.value, 'event id')); hasId = true; break;
              case 'stream_id': ev.streamId = Number(intOf(a.value, 'event stream_id')); hasStreamId = true; break;
              case 'loglevel': ev.logLevel = Number(intOf(a.value, 'event loglevel')); break;
              case 'model.emf.uri': ev.emfUri = strOf(a.value); break;
              default: break;
            }
          } else if (a.k === 'typeassign') {
            if (a.key === 'context') ev.context = b.structOf(a, scope, 'event context');
            else if (a.key === 'fields') ev.payload = b.structOf(a, scope, 'event fields');
            // other names: ignored, as babeltrace2 does (with a warning)
          } else b.declare(a, scope);
        }
        if (!ev.name) err(e, 'event block is missing its "name" attribute');
        pendingEvents.push({ ev, pos: e, hasStreamId, hasId });
        break;
      }
      case 'callsite':
        break;
    }
  }
  if (!sawTrace) throw new TsdlError('missing "trace" block', 1, 1);
  for (const { ev, pos, hasStreamId, hasId } of pendingEvents) {
    if (!hasStreamId) {
      if (tc.streams.size > 1) err(pos, `event "${ev.name}" has no stream_id and the trace has several stream classes`);
      ev.streamId = tc.streams.size === 1 ? [...tc.streams.keys()][0]! : 0;
    }
    let sc = tc.streams.get(ev.streamId);
    if (!sc) {
      if (tc.streams.size > 0 || hasStreamId && ev.streamId !== 0) err(pos, `event "${ev.name}" refers to unknown stream class ${ev.streamId}`);
      sc = { id: 0, events: new Map() };
      tc.streams.set(0, sc);
    }
    if (!hasId) {
      if (sc.events.size > 0) err(pos, `event "${ev.name}" is missing its "id" attribute`);
      ev.id = 0;
    }
    if (sc.events.has(ev.id)) err(pos, `duplicate event id ${ev.id} in stream class ${sc.id}`);
    sc.events.set(ev.id, ev);
  }
  finish(tc);
  return tc;
}

function finish(tc: TraceClass): void {
  const slots = { n: 0 };
  // roles ("meanings") of header and context fields
  const ph = tc.packetHeader;
  const setMeaning = (s: StructType | undefined, name: string, m: IntegerType['meaning']): IntegerType | undefined => {
    const i = intMember(s, name);
    if (i) i.meaning = m;
    return i;
  };
  setMeaning(ph, 'magic', 'magic');
  setMeaning(ph, 'stream_id', 'stream_id');
  setMeaning(ph, 'stream_instance_id', 'stream_instance_id');
  const uuidField = ph && findMember(ph, 'uuid');
  if (uuidField && uuidField.kind === 'array') {
    const el = uuidField.element;
    if (uuidField.length !== 16 || el.kind !== 'int' || el.size !== 8) throw new Error('packet header "uuid" must be an array of 16 bytes');
    el.meaning = 'uuid';
  }
  const implicitClock = (): ClockClass => {
    if (tc.clocks.size === 0) {
      const c: ClockClass = { name: 'default', freq: 1000000000n, offsetSeconds: 0n, offsetCycles: 0n, precision: 0n, absolute: false, implicit: true };
      tc.clocks.set(c.name, c);
    }
    if (tc.clocks.size > 1) throw new Error('a timestamp field is not mapped to a clock and the trace has several clocks');
    return [...tc.clocks.values()][0]!;
  };
  for (const sc of tc.streams.values()) {
    const pc = sc.packetContext;
    // babeltrace2 maps unmapped timestamp fields to the trace's only clock
    forEachIntNamed(pc, (i, name) => {
      if ((name === 'timestamp_begin' || name === 'timestamp_end') && !i.mappedClock) i.mappedClock = implicitClock().name;
    });
    forEachIntNamed(sc.eventHeader, (i, name) => {
      if (name === 'timestamp' && !i.mappedClock) i.mappedClock = implicitClock().name;
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
          if (clockName && clockName !== i.mappedClock) throw new Error(`stream class ${sc.id} maps fields to two clocks`);
          clockName = i.mappedClock;
        }
      });
    }
    if (clockName) {
      const c = tc.clocks.get(clockName);
      if (!c) throw new Error(`unknown clock "${clockName}"`);
      sc.defaultClock = c;
    }
    // path resolution: every scope sees the ones before it
    const base = { 'packet.header': ph, 'packet.context': pc, 'event.header': sc.eventHeader, 'event.common_context': sc.eventContext };
    const ctx: ResolveCtx = { roots: base, nextSlot: slots };
    if (ph && sc === [...tc.streams.values()][0]) resolveScope(ph, 'packet.header', ctx);
    if (pc) resolveScope(pc, 'packet.context', ctx);
    if (sc.eventHeader) resolveScope(sc.eventHeader, 'event.header', ctx);
    if (sc.eventContext) resolveScope(sc.eventContext, 'event.common_context', ctx);
    for (const ev of sc.events.values()) {
      const ectx: ResolveCtx = { roots: { ...base, 'event.context': ev.context, 'event.fields': ev.payload }, nextSlot: slots };
      if (ev.context) resolveScope(ev.context, 'event.context', ectx);
      if (ev.payload) resolveScope(ev.payload, 'event.fields', ectx);
    }
  }
  // what babeltrace2 prints
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

