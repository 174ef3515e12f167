// The TSDL AST that ./parser.ts builds and ../metadata*.ts turn into a TraceClass;
// every node carries its position in the metadata text for error messages.

/**
 * Deepest nesting of types (structures, variants, enumeration containers, array
 * dimensions) that the metadata may declare; a type spec or field deeper than
 * this is a TsdlError at its position. Every walk over types (builder, path
 * resolution, printing rules, generated decoders, formatters) recurses along
 * this nesting, so the bound keeps them all far from the stack's limit.
 * LTTng writes 3 or 4 levels at most; babeltrace2 2.0 itself gives up near
 * 3 300 ("memory exhausted" from its parser's stack).
 */
export const MAX_TYPE_NESTING = 256;

export interface Pos {
  line: number;
  col: number;
}

export type Value =
  | ({ k: 'int'; v: bigint } & Pos)
  | ({ k: 'str'; v: string } & Pos)
  | ({ k: 'path'; v: string } & Pos);

export interface Attr extends Pos {
  key: string;
  value: Value;
}

export interface EnumEntry extends Pos {
  label: string;
  lo?: Value;
  hi?: Value;
}

export type TypeSpec =
  | ({ k: 'integer'; attrs: Attr[] } & Pos)
  | ({ k: 'floating_point'; attrs: Attr[] } & Pos)
  | ({ k: 'string'; attrs: Attr[] } & Pos)
  | ({ k: 'struct'; name?: string; body?: Entry[]; align?: Value } & Pos)
  | ({ k: 'variant'; name?: string; tag?: string; body?: Entry[] } & Pos)
  | ({ k: 'enum'; name?: string; container?: TypeSpec; entries?: EnumEntry[] } & Pos)
  | ({ k: 'named'; name: string } & Pos);

export interface Declarator extends Pos {
  name: string;
  /** outermost first: `a[2][3]` → [2, 3]; strings are length paths */
  dims: (bigint | string)[];
}

export type Entry =
  | ({ k: 'attr'; key: string; value: Value } & Pos)
  | ({ k: 'typeassign'; key: string; type: TypeSpec; dims: (bigint | string)[] } & Pos)
  | ({ k: 'field'; type: TypeSpec; decls: Declarator[] } & Pos)
  | ({ k: 'typealias'; type: TypeSpec; dims: (bigint | string)[]; alias: string } & Pos)
  | ({ k: 'typedef'; type: TypeSpec; decls: Declarator[] } & Pos)
  | ({ k: 'typedecl'; type: TypeSpec } & Pos)
  | ({ k: 'block'; block: BlockName; body: Entry[] } & Pos);

export type BlockName = 'trace' | 'env' | 'clock' | 'stream' | 'event' | 'callsite';
