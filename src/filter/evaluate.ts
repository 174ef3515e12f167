// Evaluation of a parsed filter against one event, with LTTng's semantics: int64
// integers, uint64 bitwise operators, a missing field or bad index or shift
// count makes the whole expression false, `*` globs in string literals.
// Recurses along the tree, whose depth parseFilter() bounds (MAX_FILTER_DEPTH).
import { globMatch } from './glob.js';
import type { FilterNode } from './ast.js';

/** A field value as a tracer hands it to the filter. */
export type FilterValue = bigint | number | string | boolean | FilterValue[] | { [name: string]: FilterValue };

export interface FilterLookup {
  /** a payload field by name (undefined: no such field) */
  payload(name: string): FilterValue | undefined;
  /** a context by name (`procname`, `tid`, …) */
  context(name: string): FilterValue | undefined;
  /** an application context `PROVIDER:NAME` */
  app?(name: string): FilterValue | undefined;
}

class FalseResult {}
const FALSE = new FalseResult();

type Scalar = bigint | number | string;

function scalar(v: FilterValue | undefined): Scalar {
  if (v === undefined) throw FALSE;
  if (typeof v === 'boolean') return v ? 1n : 0n;
  if (typeof v === 'bigint' || typeof v === 'string') return v;
  if (typeof v === 'number') return Number.isInteger(v) ? BigInt(v) : v;
  throw FALSE; // arrays and structures are not comparable
}

function loadField(n: Extract<FilterNode, { type: 'field' }>, env: FilterLookup): Scalar {
  const [first, ...rest] = n.path;
  let v: FilterValue | undefined =
    n.root === 'payload' ? env.payload(first!.name) : n.root === 'context' ? env.context(first!.name) : env.app?.(first!.name);
  const index = (idx: bigint[]): void => {
    for (const i of idx) {
      if (!Array.isArray(v) || i < 0n || i >= BigInt(v.length)) throw FALSE;
      v = v[Number(i)];
    }
  };
  index(first!.indexes);
  for (const e of rest) {
    if (v === undefined || typeof v !== 'object' || Array.isArray(v) || !Object.prototype.hasOwnProperty.call(v, e.name)) throw FALSE;
    v = (v as { [name: string]: FilterValue })[e.name];
    index(e.indexes);
  }
  return scalar(v);
}


function toInt(v: Scalar): bigint {
  if (typeof v === 'bigint') return BigInt.asIntN(64, v);
  if (typeof v === 'number') return BigInt.asIntN(64, BigInt(Math.trunc(v)));
  throw FALSE;
}

function evalNode(n: FilterNode, env: FilterLookup): Scalar {
  switch (n.type) {
    case 'int':
      return BigInt.asIntN(64, n.value);
    case 'float':
      return n.value;
    case 'string':
      return n.value;
    case 'field':
      return loadField(n, env);
    case 'unary': {
      const v = evalNode(n.child, env);
      if (typeof v === 'string') throw FALSE;
      switch (n.op) {
        case '+':
          return v;
        case '-':
          return typeof v === 'number' ? -v : BigInt.asIntN(64, -v);
        case '!':
          return (typeof v === 'number' ? v === 0 : v === 0n) ? 1n : 0n;
        case '~':
          return BigInt.asIntN(64, ~toInt(v));
      }
      break;
    }
    case 'logical': {
      const truthy = (x: Scalar): boolean => {
        if (typeof x === 'string') throw FALSE;
        return typeof x === 'number' ? x !== 0 : x !== 0n;
      };
      const l = truthy(evalNode(n.left, env));
      if (n.op === '&&' ? !l : l) return l ? 1n : 0n;
      return truthy(evalNode(n.right, env)) ? 1n : 0n;
    }
    case 'bitwise': {
      const l = evalNode(n.left, env);
      const r = evalNode(n.right, env);
      if (typeof l !== 'bigint' || typeof r !== 'bigint') throw FALSE;
      const a = BigInt.asUintN(64, l);
      const b = BigInt.asUintN(64, r);
      let out: bigint;
      switch (n.op) {
        case '&':
          out = a & b;
          break;
        case '|':
          out = a | b;
          break;
        case '^':
          out = a ^ b;
          break;
        case '<<':
        case '>>':
          if (r < 0n || r > 63n) throw FALSE;
          out = n.op === '<<' ? a << b : a >> b;
          break;
      }
      return BigInt.asIntN(64, out);
    }
    case 'compare': {
      const l = evalNode(n.left, env);
      const r = evalNode(n.right, env);
      let c: number;
      if (typeof l === 'string' || typeof r === 'string') {
        if (typeof l !== 'string' || typeof r !== 'string') throw FALSE;
        let eq: boolean;
        if (n.right.type === 'string' && n.right.glob) eq = globMatch(r, l);
        else if (n.left.type === 'string' && n.left.glob) eq = globMatch(l, r);
        else eq = (n.left.type === 'string' ? unescapeStar(l) : l) === (n.right.type === 'string' ? unescapeStar(r) : r);
        if (n.op === '==') return eq ? 1n : 0n;
        if (n.op === '!=') return eq ? 0n : 1n;
        throw FALSE;
      }
      if (typeof l === 'number' || typeof r === 'number') {
        const a = Number(l);
        const b = Number(r);
        c = a < b ? -1 : a > b ? 1 : 0;
      } else c = l < r ? -1 : l > r ? 1 : 0;
      const ok =
        n.op === '==' ? c === 0 : n.op === '!=' ? c !== 0 : n.op === '<' ? c < 0 : n.op === '>' ? c > 0 : n.op === '<=' ? c <= 0 : c >= 0;
      return ok ? 1n : 0n;
    }
  }
  throw FALSE;
}

function unescapeStar(s: string): string {
  return s.includes('\\*') ? s.replace(/\\\*/g, '*') : s;
}

/** Runs a parsed filter against one event: true when the event is kept. */
export function evaluateFilter(node: FilterNode, env: FilterLookup): boolean {
  try {
    const v = evalNode(node, env);
    if (typeof v === 'string') return false;
    return typeof v === 'number' ? v !== 0 : v !== 0n;
  } catch (e) {
    if (e === FALSE) return false;
    throw e;
  }
}
