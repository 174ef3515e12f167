// LTTng's event filter language (`lttng-event-rule(7)`, "Event payload and
// context filter condition"): a C-like boolean expression over payload fields,
// `$ctx.NAME` contexts and `$app.PROVIDER:NAME` application contexts.
//
// parseFilter() checks an expression as LTTng's parser and IR checks do and
// returns its tree; evaluateFilter() runs a tree against one event. Semantics
// (from the man page): integers are int64, bitwise operators work on uint64,
// a missing field or an out-of-bounds index or a shift count outside [0, 63]
// makes the whole expression false; strings compare only with == and !=, and
// a `*` in a string literal is a wildcard (`\*` is a literal star).
// Unlike C, `& ^ |` bind tighter than the comparisons; arithmetic (`+ - * / %`
// as binary operators) is parsed but refused, as LTTng does.
import { globMatch } from './glob.js';

export class FilterError extends Error {
  constructor(
    message: string,
    readonly offset?: number,
  ) {
    super(message);
    this.name = 'FilterError';
  }
}

export interface FieldPathElement {
  name: string;
  /** constant indexes applied to this element (`a[1][2]`) */
  indexes: bigint[];
}

export type CompareOp = '==' | '!=' | '<' | '>' | '<=' | '>=';
export type BitwiseOp = '<<' | '>>' | '&' | '^' | '|';
export type LogicalOp = '&&' | '||';
export type UnaryOp = '+' | '-' | '!' | '~';

export type FilterNode =
  | { type: 'int'; value: bigint }
  | { type: 'float'; value: number }
  /** `glob`: the literal holds an unescaped `*` */
  | { type: 'string'; value: string; glob: boolean }
  /** `root`: payload field, `$ctx.` context or `$app.` application context */
  | { type: 'field'; root: 'payload' | 'context' | 'app'; path: FieldPathElement[] }
  | { type: 'unary'; op: UnaryOp; child: FilterNode }
  | { type: 'compare'; op: CompareOp; left: FilterNode; right: FilterNode }
  | { type: 'bitwise'; op: BitwiseOp; left: FilterNode; right: FilterNode }
  | { type: 'logical'; op: LogicalOp; left: FilterNode; right: FilterNode };

/* -------------------------------- lexer -------------------------------- */

type TokKind = 'int' | 'float' | 'string' | 'ident' | 'global' | 'op' | 'eof';
interface Token {
  kind: TokKind;
  text: string;
  /** decoded value for literals */
  str?: string;
  glob?: boolean;
  int?: bigint;
  num?: number;
  at: number;
}

// longest first
const OPERATORS = ['...', '<<', '>>', '==', '!=', '<=', '>=', '&&', '||', '->', ':=', '[', ']', '(', ')', '{', '}', '*', '+', '-', '%', '/', '<', '>', '!', ':', ';', '.', '=', ',', '^', '&', '|', '~'];
const U64_MAX = (1n << 64n) - 1n;

function isIdStart(c: string): boolean {
  return /[A-Za-z_:]/.test(c);
}
function isIdChar(c: string): boolean {
  return /[A-Za-z0-9_:]/.test(c);
}

// escape sequences LTTng's lexer knows (and its parser then refuses)
const ESCSEQ = /^\\(['"?\\abfnrtv]|[0-7]{1,3}|u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|x[0-9A-Fa-f]+)/;

function lex(src: string): Token[] {
  const toks: Token[] = [];
  let i = 0;
  const n = src.length;
  while (i < n) {
    const c = src[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    if (src.startsWith('/*', i)) {
      const end = src.indexOf('*/', i + 2);
      if (end < 0) throw new FilterError('unterminated comment', i);
      i = end + 2;
      continue;
    }
    if (src.startsWith('//', i)) {
      const end = src.indexOf('\n', i);
      i = end < 0 ? n : end + 1;
      continue;
    }
    const at = i;
    if (c === '"' || c === "'" || ((c === 'L') && (src[i + 1] === '"' || src[i + 1] === "'"))) {
      const q = c === 'L' ? src[i + 1]! : c;
      i += c === 'L' ? 2 : 1;
      let s = '';
      let glob = false;
      for (;;) {
        if (i >= n) throw new FilterError('unterminated string literal', at);
        const ch = src[i]!;
        if (ch === q) {
          i++;
          break;
        }
        if (ch === '\\') {
          if (ESCSEQ.test(src.slice(i))) throw new FilterError('escape sequences not supported yet', i);
          // `\*` (a literal star) and other backslashes are kept as they are
          s += ch;
          if (i + 1 < n && src[i + 1] !== '\n') {
            s += src[i + 1];
            i += 2;
          } else i++;
          continue;
        }
        if (ch === '\n') {
          i++;
          continue;
        }
        if (ch === '*') glob = true;
        s += ch;
        i++;
      }
      toks.push({ kind: 'string', text: src.slice(at, i), str: s, glob, at });
      continue;
    }
    if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(src[i + 1] ?? ''))) {
      const rest = src.slice(i);
      const fm =
        /^0[xX][0-9A-Fa-f]*\.?[0-9A-Fa-f]*[pP][+-]?[0-9]+[fFlL]?/.exec(rest) ??
        /^[0-9]*\.[0-9]+([eE][+-]?[0-9]+)?[fFlL]?/.exec(rest) ??
        /^[0-9]+\.[0-9]*([eE][+-]?[0-9]+)?[fFlL]?/.exec(rest) ??
        /^[0-9]+[eE][+-]?[0-9]+[fFlL]?/.exec(rest);
      if (fm) {
        const text = fm[0];
        const num = /^0[xX]/.test(text) ? parseHexFloat(text) : Number(text.replace(/[fFlL]$/, ''));
        if (!Number.isFinite(num)) throw new FilterError(`cannot scanf float constant "${text}"`, at);
        toks.push({ kind: 'float', text, num, at });
        i += text.length;
        continue;
      }
      const im = /^(0[xX][0-9A-Fa-f]+|0[0-7]*|[1-9][0-9]*)([uU](ll|LL|l|L)?|(ll|LL|l|L)[uU]?)?/.exec(rest);
      if (!im) throw new FilterError(`invalid number "${rest.slice(0, 12)}"`, at);
      const digits = im[1]!;
      let v: bigint;
      if (/^0[xX]/.test(digits)) v = BigInt(digits);
      else if (digits.length > 1 && digits.startsWith('0')) v = BigInt('0o' + digits.slice(1));
      else v = BigInt(digits);
      if (v > U64_MAX) throw new FilterError(`integer constant ${digits} does not fit in 64 bits`, at);
      i += im[0].length;
      if (i < n && isIdChar(src[i]!)) throw new FilterError(`invalid number "${src.slice(at, i + 1)}"`, at);
      toks.push({ kind: 'int', text: im[0], int: v, at });
      continue;
    }
    if (c === '$' && i + 1 < n && isIdStart(src[i + 1]!)) {
      let j = i + 2;
      while (j < n && isIdChar(src[j]!)) j++;
      toks.push({ kind: 'global', text: src.slice(i, j), at });
      i = j;
      continue;
    }
    if (isIdStart(c)) {
      let j = i + 1;
      while (j < n && isIdChar(src[j]!)) j++;
      const text = src.slice(i, j);
      // `:` alone (or `:=`) is an operator, not an identifier
      if (/^:+$/.test(text) || (text === ':' && src[j] === '=')) {
        /* fall through to operators */
      } else {
        toks.push({ kind: 'ident', text, at });
        i = j;
        continue;
      }
    }
    const op = OPERATORS.find((o) => src.startsWith(o, i));
    if (!op) throw new FilterError(`unexpected character "${c}"`, at);
    toks.push({ kind: 'op', text: op, at });
    i += op.length;
  }
  toks.push({ kind: 'eof', text: '', at: n });
  return toks;
}

function parseHexFloat(text: string): number {
  const m = /^0[xX]([0-9A-Fa-f]*)\.?([0-9A-Fa-f]*)[pP]([+-]?[0-9]+)/.exec(text);
  if (!m) return NaN;
  const int = m[1] ? parseInt(m[1], 16) : 0;
  const frac = m[2] ? parseInt(m[2], 16) / 16 ** m[2].length : 0;
  return (int + frac) * 2 ** Number(m[3]);
}

/* -------------------------------- parser ------------------------------- */

// the AST as parsed, before the checks that turn it into a FilterNode
type Ast =
  | { t: 'lit'; node: FilterNode }
  | { t: 'chain'; elems: { name: string; global: boolean; brackets: Ast[] }[]; at: number }
  | { t: 'nested'; child: Ast }
  | { t: 'unary'; op: UnaryOp; child: Ast; at: number }
  | { t: 'bin'; op: string; left: Ast; right: Ast; at: number };

class Parser {
  private p = 0;
  constructor(private readonly toks: Token[]) {}

  private peek(): Token {
    return this.toks[this.p]!;
  }
  private isOp(...ops: string[]): boolean {
    const t = this.peek();
    return t.kind === 'op' && ops.includes(t.text);
  }
  private fail(t: Token = this.peek()): never {
    if (t.kind === 'eof') throw new FilterError('syntax error: unexpected end of expression', t.at);
    throw new FilterError(`syntax error near "${t.text}" (character ${t.at + 1})`, t.at);
  }

  parseAll(): Ast {
    if (this.peek().kind === 'eof') throw new FilterError('empty filter expression', 0);
    const e = this.binary(0);
    if (this.peek().kind !== 'eof') this.fail();
    return e;
  }

  // loosest first
  private static readonly LEVELS: string[][] = [
    ['||'],
    ['&&'],
    ['==', '!='],
    ['<', '>', '<=', '>='],
    ['|'],
    ['^'],
    ['&'],
    ['<<', '>>'],
    ['+', '-'],
    ['*', '/', '%'],
  ];

  private binary(level: number): Ast {
    if (level >= Parser.LEVELS.length) return this.unary();
    let left = this.binary(level + 1);
    const ops = Parser.LEVELS[level]!;
    while (this.isOp(...ops)) {
      const t = this.toks[this.p++]!;
      const right = this.binary(level + 1);
      left = { t: 'bin', op: t.text, left, right, at: t.at };
    }
    return left;
  }

  private unary(): Ast {
    if (this.isOp('+', '-', '!', '~')) {
      const t = this.toks[this.p++]!;
      return { t: 'unary', op: t.text as UnaryOp, child: this.unary(), at: t.at };
    }
    const t = this.peek();
    switch (t.kind) {
      case 'int':
        this.p++;
        return { t: 'lit', node: { type: 'int', value: t.int! } };
      case 'float':
        this.p++;
        return { t: 'lit', node: { type: 'float', value: t.num! } };
      case 'string':
        this.p++;
        return { t: 'lit', node: { type: 'string', value: t.str!, glob: t.glob! } };
      case 'ident':
      case 'global':
        return this.chain();
      case 'op':
        if (t.text === '(') {
          this.p++;
          const child = this.binary(0);
          if (!this.isOp(')')) this.fail();
          this.p++;
          return { t: 'nested', child };
        }
        return this.fail();
      default:
        return this.fail();
    }
  }

  private chain(): Ast {
    const at = this.peek().at;
    const elems: { name: string; global: boolean; brackets: Ast[] }[] = [];
    for (;;) {
      const t = this.peek();
      if (t.kind !== 'ident' && t.kind !== 'global') this.fail();
      this.p++;
      const brackets: Ast[] = [];
      while (this.isOp('[')) {
        this.p++;
        brackets.push(this.unary());
        if (!this.isOp(']')) this.fail();
        this.p++;
      }
      elems.push({ name: t.text, global: t.kind === 'global', brackets });
      if (this.isOp('.', '->')) {
        this.p++;
        continue;
      }
      return { t: 'chain', elems, at };
    }
  }
}

/* ------------------------ checks (LTTng's IR visitors) ------------------------ */

type DataType = 'numeric' | 'float' | 'string' | 'expression';

function dataType(n: FilterNode): DataType {
  switch (n.type) {
    case 'int':
      return 'numeric';
    case 'float':
      return 'float';
    case 'string':
      return 'string';
    case 'field':
      return 'expression';
    case 'unary':
      return dataType(n.child);
    default:
      return 'numeric';
  }
}

function toNode(a: Ast): FilterNode {
  switch (a.t) {
    case 'lit':
      return a.node;
    case 'nested':
      return toNode(a.child);
    case 'chain': {
      const first = a.elems[0]!;
      let root: 'payload' | 'context' | 'app' = 'payload';
      let elems = a.elems;
      if (first.global) {
        if (first.name === '$ctx') root = 'context';
        else if (first.name === '$app') root = 'app';
        else throw new FilterError(`Unexpected identifier '${first.name}'`, a.at);
        if (first.brackets.length) throw new FilterError(`Expecting identifier after '${first.name}'`, a.at);
        elems = a.elems.slice(1);
        if (elems.length === 0) throw new FilterError(`Expecting identifier after '${first.name}'`, a.at);
      }
      const path: FieldPathElement[] = elems.map((e) => {
        if (e.global) throw new FilterError(`Unexpected identifier '${e.name}'`, a.at);
        return {
          name: e.name,
          indexes: e.brackets.map((b) => {
            if (b.t !== 'lit' || b.node.type !== 'int') throw new FilterError('Expecting constant index in array expression', a.at);
            return b.node.value;
          }),
        };
      });
      return { type: 'field', root, path };
    }
    case 'unary': {
      const child = toNode(a.child);
      if (dataType(child) === 'string') throw new FilterError(`unary operation '${a.op}' not allowed on string literal`, a.at);
      return { type: 'unary', op: a.op, child };
    }
    case 'bin': {
      const left = toNode(a.left);
      const right = toNode(a.right);
      const lt = dataType(left);
      const rt = dataType(right);
      switch (a.op) {
        case '*':
        case '/':
        case '%':
        case '+':
        case '-':
          throw new FilterError(`binary operation '${a.op}' not supported`, a.at);
        case '==':
        case '!=':
        case '<':
        case '>':
        case '<=':
        case '>=': {
          const num = (t: DataType): boolean => t === 'numeric' || t === 'float';
          if ((lt === 'string' && num(rt)) || (num(lt) && rt === 'string')) {
            throw new FilterError(`binary operation '${a.op}' operand type mismatch`, a.at);
          }
          if ((lt === 'string' || rt === 'string') && a.op !== '==' && a.op !== '!=') {
            throw new FilterError(`Only '==' and '!=' comparators are allowed for strings`, a.at);
          }
          const lg = left.type === 'string' && left.glob;
          const rg = right.type === 'string' && right.glob;
          if (lg && rg) throw new FilterError('Cannot compare two globbing patterns', a.at);
          return { type: 'compare', op: a.op, left, right };
        }
        case '&&':
        case '||':
          if (lt === 'string' || rt === 'string') {
            throw new FilterError(`logical binary operation '${a.op}' cannot have string operand`, a.at);
          }
          return { type: 'logical', op: a.op, left, right };
        default: {
          if (lt === 'string' || rt === 'string') {
            throw new FilterError(`bitwise binary operation '${a.op}' cannot have string operand`, a.at);
          }
          if (lt === 'float' || rt === 'float') {
            throw new FilterError(`bitwise binary operation '${a.op}' cannot have floating point operand`, a.at);
          }
          return { type: 'bitwise', op: a.op as BitwiseOp, left, right };
        }
      }
    }
  }
}

/**
 * Parses and checks a filter expression; throws a FilterError whose message
 * is one line for the user.
 */
export function parseFilter(text: string): FilterNode {
  const ast = new Parser(lex(text)).parseAll();
  const root = toNode(ast);
  if (dataType(root) === 'string') throw new FilterError('String cannot be root data type');
  return root;
}

/** Every field and context an expression reads (for tracers that fetch lazily). */
export function filterReferences(node: FilterNode): { payload: string[]; context: string[]; app: string[] } {
  const out = { payload: new Set<string>(), context: new Set<string>(), app: new Set<string>() };
  const walk = (n: FilterNode): void => {
    switch (n.type) {
      case 'field':
        out[n.root].add(n.path[0]!.name);
        break;
      case 'unary':
        walk(n.child);
        break;
      case 'compare':
      case 'bitwise':
      case 'logical':
        walk(n.left);
        walk(n.right);
        break;
      default:
        break;
    }
  };
  walk(node);
  return { payload: [...out.payload], context: [...out.context], app: [...out.app] };
}

/* ------------------------------ evaluation ------------------------------ */

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
