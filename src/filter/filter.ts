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
//
// The language's parts: ./lexer.ts, ./parser.ts (grammar and checks), ./evaluate.ts,
// the tree in ./ast.ts. An expression deeper than MAX_FILTER_DEPTH (1024 levels)
// is refused with one FilterError naming the character.
export { FilterError, MAX_FILTER_DEPTH } from './ast.js';
export type { BitwiseOp, CompareOp, FieldPathElement, FilterNode, LogicalOp, UnaryOp } from './ast.js';
export { filterReferences, parseFilter } from './parser.js';
export { evaluateFilter } from './evaluate.js';
export type { FilterLookup, FilterValue } from './evaluate.js';
