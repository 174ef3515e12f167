// Path resolution: the field a sequence takes its length from and the enumeration
// a variant takes its tag from, by CTF 1.8's rules (absolute paths such as
// `stream.event.header.id`, else the lexical scope, else the enclosing root
// scopes). Each target gets a save slot in the decoder's table.
import { TsdlError } from './tsdl/lexer.js';
import type { Pos } from './tsdl/parser.js';
import type { FieldType, IntegerType, StructType } from './model.js';

export type ScopeName = 'packet.header' | 'packet.context' | 'event.header' | 'event.common_context' | 'event.context' | 'event.fields';

const ORDER: ScopeName[] = ['packet.header', 'packet.context', 'event.header', 'event.common_context', 'event.context', 'event.fields'];

const SCOPE_PREFIXES: [string, ScopeName][] = [
  ['trace.packet.header.', 'packet.header'],
  ['stream.packet.context.', 'packet.context'],
  ['stream.event.header.', 'event.header'],
  ['stream.event.context.', 'event.common_context'],
  ['event.context.', 'event.context'],
  ['event.fields.', 'event.fields'],
];

export interface ResolveCtx {
  roots: Partial<Record<ScopeName, StructType>>;
  nextSlot: { n: number };
  /** where each type was declared, for errors */
  pos: WeakMap<FieldType, Pos>;
}

/** the members of `s` visible at a point of it: those before `upTo` */
interface Frame {
  s: StructType;
  upTo: number;
}

export function findMember(s: StructType, name: string): FieldType | undefined {
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

function lookup(path: string, stack: Frame[], scopeName: ScopeName, ctx: ResolveCtx): FieldType | undefined {
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
  const mine = ORDER.indexOf(scopeName);
  for (let i = mine - 1; i >= 0; i--) {
    const r = ctx.roots[ORDER[i]!];
    const t = r && descend(r, parts);
    if (t) return t;
  }
  return undefined;
}

/** a TsdlError at the declaration of `t` (a plain Error if it has none) */
export function typeError(t: FieldType, ctx: { pos: WeakMap<FieldType, Pos> }, msg: string): Error {
  const p = ctx.pos.get(t);
  return p ? new TsdlError(msg, p.line, p.col) : new Error(msg);
}

/**
 * Resolve sequence lengths and variant tags; assigns save slots to targets.
 * Recurses along the type's nesting, which the builder bounds.
 */
export function resolveScope(root: StructType, scopeName: ScopeName, ctx: ResolveCtx): void {
  const slotFor = (t: IntegerType): void => {
    if (t.saveSlot === undefined) t.saveSlot = ctx.nextSlot.n++;
  };
  const walk = (t: FieldType, stack: Frame[]): void => {
    switch (t.kind) {
      case 'struct':
        for (let i = 0; i < t.fields.length; i++) walk(t.fields[i]!.type, [...stack, { s: t, upTo: i }]);
        break;
      case 'variant': {
        const target = lookup(t.tagPath, stack, scopeName, ctx);
        if (!target) throw typeError(t, ctx, `cannot resolve variant tag "${t.tagPath}"`);
        if (target.kind !== 'enum') throw typeError(t, ctx, `variant tag "${t.tagPath}" is not an enumeration`);
        t.tag = target;
        slotFor(target.container);
        for (const o of t.options) walk(o.type, stack);
        break;
      }
      case 'array':
        walk(t.element, stack);
        break;
      case 'sequence': {
        const target = lookup(t.lengthPath, stack, scopeName, ctx);
        if (!target) throw typeError(t, ctx, `cannot resolve sequence length "${t.lengthPath}"`);
        if (target.kind !== 'int' || target.signed) throw typeError(t, ctx, `sequence length "${t.lengthPath}" is not an unsigned integer`);
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
