// Decoders generated from the metadata: one specialised JavaScript function per
// scope and output kind, so the per-event loop does no type dispatch.
// ./codegen.ts writes their source; ./bits.ts and ./text-bytes.ts are the runtime
// they call (as `H`); metadata strings live in their constants (`K`).
import type { StructType } from './model.js';
import { fmtBin, fmtG, fmtHex, fmtOct, quoteString } from './format.js';
import {
  DecodeState, badLength, clockUpdateBig, floatFromBits, noOption, overrun, readBigBE, readBigLE, readBitsBE, readBitsLE,
  signBig, strValue, textBytes, unsignBig, unterminated,
} from './bits.js';
import { cp, wAscii, wEsc, wHex, wInt, wUint } from './text-bytes.js';
import type { ByteSink } from './text-bytes.js';
import type { Value } from './bits.js';
import { Gen } from './codegen.js';
import type { TextOptions } from './codegen.js';

export { DecodeError, DecodeState } from './bits.js';
export type { Value, VariantValue } from './bits.js';
export { DIGIT_PAIRS, cp } from './text-bytes.js';
export type { ByteSink } from './text-bytes.js';
export { enumLabelFn, variantSelector } from './lookups.js';
export type { Mode, TextOptions } from './codegen.js';

const helpers = {
  cp, wInt, wHex, wEsc, wUint, wAscii,
  readBitsLE, readBitsBE, readBigLE, readBigBE, signBig, unsignBig, clockUpdateBig, floatFromBits, textBytes, strValue,
  overrun, badLength, noOption, unterminated, fmtG, fmtHex, fmtOct, fmtBin, quoteString,
};
export type Helpers = typeof helpers;

export interface CompiledScope<R> {
  (st: DecodeState): R;
}

function build<R>(g: Gen, body: string): CompiledScope<R> {
  const src = `"use strict";\nreturn function decode(st, ob) {\nconst buf = st.buf, dv = st.dv;\nlet p = st.pos;\n${g.code.join('\n')}\n${body}\n};`;
  const factory = new Function('H', 'K', src) as (h: Helpers, k: unknown[]) => CompiledScope<R>;
  return factory(helpers, g.consts);
}

export type BytePrinter = (st: DecodeState, ob: ByteSink) => boolean;

/**
 * Like compileText, but writes the text into `ob` directly (UTF-8, strings
 * copied from the packet with babeltrace2's escapes). `sep` is written before
 * the first printed scope. Returns whether anything was printed.
 */
export function compileBytes(scopes: (StructType | undefined)[], opts: TextOptions): BytePrinter {
  const g = new Gen('bytes', { ...opts });
  g.emit('let b = ob.buf, o = ob.o;');
  g.emit('if (o > ob.limit) { ob.flush(); b = ob.buf; o = ob.o; }');
  let first = true;
  scopes.forEach((t, i) => {
    if (!t) return;
    g.text.names = opts.namesPerScope?.[i] ?? opts.names;
    if (t.inIr) {
      if (!first) g.lit(', ');
      first = false;
      const label = opts.scopeLabels?.[i];
      if (label) g.litK(label + ' = ');
    }
    g.field(t);
  });
  return build<boolean>(g, `if (p > st.end) H.overrun(p, st.end);\nst.pos = p;\nob.o = o;\nreturn ${!first};`) as unknown as BytePrinter;
}

/** Decode a struct (a root scope) into values, updating roles, slots and clock. */
export function compileValues(t: StructType): CompiledScope<Value[]> {
  const g = new Gen('values', { names: true });
  const r = g.field(t);
  return build<Value[]>(g, `if (p > st.end) H.overrun(p, st.end);\nst.pos = p;\nreturn ${r};`);
}

/** Decode scopes without building values (event header, decode-only mode). */
export function compileSkip(scopes: StructType[], alignStart = 1): CompiledScope<void> {
  const g = new Gen('skip', { names: false });
  g.known = alignStart;
  for (const t of scopes) g.field(t);
  return build<void>(g, `if (p > st.end) H.overrun(p, st.end);\nst.pos = p;`);
}

/**
 * Decode the event's contexts and payload into babeltrace2's text: each
 * printed scope is `{ … }`, joined with ", ". Scopes not in the printed set
 * (fields babeltrace2 drops) are decoded and skipped.
 */
export function compileText(scopes: (StructType | undefined)[], opts: TextOptions): CompiledScope<string> {
  const g = new Gen('text', { ...opts });
  g.emit('let s = "";');
  let first = true;
  scopes.forEach((t, i) => {
    if (!t) return;
    g.text.names = opts.namesPerScope?.[i] ?? opts.names;
    if (t.inIr) {
      if (!first) g.emit('s += ", ";');
      first = false;
      const label = opts.scopeLabels?.[i];
      if (label) g.emit(`s += ${g.k(label + ' = ')};`);
    }
    g.field(t);
  });
  return build<string>(g, `if (p > st.end) H.overrun(p, st.end);\nst.pos = p;\nreturn s;`);
}

/** Decode the event's scopes into values (JSON output, conversion). */
export function compileEventValues(scopes: (StructType | undefined)[]): CompiledScope<(Value[] | undefined)[]> {
  const g = new Gen('values', { names: true });
  const rs: string[] = [];
  for (const t of scopes) rs.push(t ? g.field(t)! : 'undefined');
  return build(g, `if (p > st.end) H.overrun(p, st.end);\nst.pos = p;\nreturn [${rs.join(', ')}];`);
}
