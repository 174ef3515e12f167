// The filter language's parser and checks: LTTng's grammar (filter-parser.y, with
// `& ^ |` above the comparisons) and the IR checks of lttng-ctl, producing the
// FilterNode tree. Refuses expressions deeper than MAX_FILTER_DEPTH, naming the
// character where the limit is crossed, before any recursion can go deeper.
import { FilterError, MAX_FILTER_DEPTH } from './ast.js';
import type { BitwiseOp, FieldPathElement, FilterNode, UnaryOp } from './ast.js';
import { lex } from './lexer.js';
import type { Token } from './lexer.js';

// the AST as parsed, before the checks that turn it into a FilterNode; `d` is
// its depth (a literal or field is 1)
type Ast =
  | { t: 'lit'; node: FilterNode; d: number }
  | { t: 'chain'; elems: { name: string; global: boolean; brackets: Ast[] }[]; at: number; d: number }
  | { t: 'nested'; child: Ast; d: number }
  | { t: 'unary'; op: UnaryOp; child: Ast; at: number; d: number }
  | { t: 'bin'; op: string; left: Ast; right: Ast; at: number; d: number };

// binary operators, loosest first; all left-associative
const LEVELS: string[][] = [
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
const LEVEL_OF = new Map<string, number>(LEVELS.flatMap((ops, i) => ops.map((op): [string, number] => [op, i])));

function tooDeep(t: Token): FilterError {
  return new FilterError(`filter expression nested more than ${MAX_FILTER_DEPTH} levels deep (character ${t.at + 1})`, t.at);
}

class Parser {
  private p = 0;
  /** levels open around the current token: each will be a level of the tree above it */
  private open = 0;
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
  /** about to parse one level below `t` (undone by `this.open--`); refused before recursing past the limit */
  private enter(t: Token): void {
    // `open` levels above, and what follows is at least one deep
    if (++this.open >= MAX_FILTER_DEPTH) throw tooDeep(t);
  }
  /** `a` once its depth is known to be within the limit */
  private checked<A extends Ast>(a: A, t: Token): A {
    if (a.d > MAX_FILTER_DEPTH) throw tooDeep(t);
    return a;
  }

  parseAll(): Ast {
    if (this.peek().kind === 'eof') throw new FilterError('empty filter expression', 0);
    const e = this.binary(0);
    if (this.peek().kind !== 'eof') this.fail();
    return e;
  }

  /**
   * Operators of LEVELS[min] or tighter, by precedence climbing: the same trees
   * as one function per level, but a parenthesis costs a few stack frames, not
   * one per level.
   */
  private binary(min: number): Ast {
    let left = this.unary();
    for (;;) {
      const t = this.peek();
      const level = t.kind === 'op' ? LEVEL_OF.get(t.text) : undefined;
      if (level === undefined || level < min) return left;
      this.p++;
      this.enter(t);
      const right = this.binary(level + 1);
      this.open--;
      left = this.checked({ t: 'bin', op: t.text, left, right, at: t.at, d: Math.max(left.d, right.d) + 1 }, t);
    }
  }

  private unary(): Ast {
    const t = this.peek();
    if (this.isOp('+', '-', '!', '~')) {
      this.p++;
      this.enter(t);
      const child = this.unary();
      this.open--;
      return this.checked({ t: 'unary', op: t.text as UnaryOp, child, at: t.at, d: child.d + 1 }, t);
    }
    switch (t.kind) {
      case 'int':
        this.p++;
        return { t: 'lit', node: { type: 'int', value: t.int! }, d: 1 };
      case 'float':
        this.p++;
        return { t: 'lit', node: { type: 'float', value: t.num! }, d: 1 };
      case 'string':
        this.p++;
        return { t: 'lit', node: { type: 'string', value: t.str!, glob: t.glob! }, d: 1 };
      case 'ident':
      case 'global':
        return this.chain();
      case 'op':
        if (t.text === '(') {
          this.p++;
          this.enter(t);
          const child = this.binary(0);
          if (!this.isOp(')')) this.fail();
          this.p++;
          this.open--;
          return this.checked({ t: 'nested', child, d: child.d + 1 }, t);
        }
        return this.fail();
      default:
        return this.fail();
    }
  }

  private chain(): Ast {
    const first = this.peek();
    const elems: { name: string; global: boolean; brackets: Ast[] }[] = [];
    let d = 1;
    for (;;) {
      const t = this.peek();
      if (t.kind !== 'ident' && t.kind !== 'global') this.fail();
      this.p++;
      const brackets: Ast[] = [];
      while (this.isOp('[')) {
        const bracket = this.peek();
        this.p++;
        this.enter(bracket);
        const index = this.unary();
        this.open--;
        d = Math.max(d, index.d + 1);
        brackets.push(index);
        if (!this.isOp(']')) this.fail();
        this.p++;
      }
      elems.push({ name: t.text, global: t.kind === 'global', brackets });
      if (this.isOp('.', '->')) {
        this.p++;
        continue;
      }
      return this.checked({ t: 'chain', elems, at: first.at, d }, first);
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

/** a field path: payload, `$ctx.` or `$app.`, with constant indexes */
function fieldNode(a: Ast & { t: 'chain' }): FilterNode {
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

function toNode(a: Ast): FilterNode {
  switch (a.t) {
    case 'lit':
      return a.node;
    case 'nested':
      return toNode(a.child);
    case 'chain':
      return fieldNode(a);
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
