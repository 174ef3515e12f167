// The tree of a filter expression (what parseFilter() returns and the tracers
// evaluate or translate), its error, and the depth limit every walk relies on.

/**
 * Deepest expression parseFilter() accepts: levels of its tree, where each
 * operator, parenthesised group and index counts one (so a chain `a || b || …`
 * of N operands is N levels deep). The parser, the checks, the evaluators and
 * the kernel's ftrace translation all recurse along this depth, so the bound
 * keeps them far from the stack's limit, in the daemon and in a traced app.
 * Real filters are a few levels deep; LTTng's own parser gives up near 10 000
 * nested parentheses (bison's stack: "memory exhausted") and its tracers at
 * 64 KiB of bytecode, a few thousand operands.
 */
export const MAX_FILTER_DEPTH = 1024;

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
