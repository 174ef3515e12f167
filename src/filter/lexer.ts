// The filter language's tokenizer: LTTng's lexer (filter-lexer.l), with its
// literals, escapes it knows but refuses, and `$ctx`/`$app` global identifiers.
import { FilterError } from './ast.js';

export type TokKind = 'int' | 'float' | 'string' | 'ident' | 'global' | 'op' | 'eof';
export interface Token {
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

export function lex(src: string): Token[] {
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
      const t = scanString(src, at);
      toks.push(t);
      i += t.text.length;
      continue;
    }
    if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(src[i + 1] ?? ''))) {
      const t = scanNumber(src, at);
      toks.push(t);
      i += t.text.length;
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

/** the string literal at `at` (its quote, or `L` and its quote) */
function scanString(src: string, at: number): Token {
  const n = src.length;
  const c = src[at]!;
  const q = c === 'L' ? src[at + 1]! : c;
  let i = at + (c === 'L' ? 2 : 1);
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
  return { kind: 'string', text: src.slice(at, i), str: s, glob, at };
}

/** the integer or floating point constant at `at` */
function scanNumber(src: string, at: number): Token {
  const rest = src.slice(at);
  const fm =
    /^0[xX][0-9A-Fa-f]*\.?[0-9A-Fa-f]*[pP][+-]?[0-9]+[fFlL]?/.exec(rest) ??
    /^[0-9]*\.[0-9]+([eE][+-]?[0-9]+)?[fFlL]?/.exec(rest) ??
    /^[0-9]+\.[0-9]*([eE][+-]?[0-9]+)?[fFlL]?/.exec(rest) ??
    /^[0-9]+[eE][+-]?[0-9]+[fFlL]?/.exec(rest);
  if (fm) {
    const text = fm[0];
    const num = /^0[xX]/.test(text) ? parseHexFloat(text) : Number(text.replace(/[fFlL]$/, ''));
    if (!Number.isFinite(num)) throw new FilterError(`cannot scanf float constant "${text}"`, at);
    return { kind: 'float', text, num, at };
  }
  const im = /^(0[xX][0-9A-Fa-f]+|0[0-7]*|[1-9][0-9]*)([uU](ll|LL|l|L)?|(ll|LL|l|L)[uU]?)?/.exec(rest);
  if (!im) throw new FilterError(`invalid number "${rest.slice(0, 12)}"`, at);
  const digits = im[1]!;
  let v: bigint;
  if (/^0[xX]/.test(digits)) v = BigInt(digits);
  else if (digits.length > 1 && digits.startsWith('0')) v = BigInt('0o' + digits.slice(1));
  else v = BigInt(digits);
  if (v > U64_MAX) throw new FilterError(`integer constant ${digits} does not fit in 64 bits`, at);
  const end = at + im[0].length;
  if (end < src.length && isIdChar(src[end]!)) throw new FilterError(`invalid number "${src.slice(at, end + 1)}"`, at);
  return { kind: 'int', text: im[0], int: v, at };
}

function parseHexFloat(text: string): number {
  const m = /^0[xX]([0-9A-Fa-f]*)\.?([0-9A-Fa-f]*)[pP]([+-]?[0-9]+)/.exec(text);
  if (!m) return NaN;
  const int = m[1] ? parseInt(m[1], 16) : 0;
  const frac = m[2] ? parseInt(m[2], 16) / 16 ** m[2].length : 0;
  return (int + frac) * 2 ** Number(m[3]);
}
