// TSDL (CTF 1.8 metadata) tokenizer. Pure: text in, tokens out.

export type TokenKind = 'id' | 'int' | 'str' | 'char' | 'punct' | 'eof';

export interface Token {
  kind: TokenKind;
  /** identifier / punctuation text, or the decoded string literal */
  text: string;
  /** integer literal value */
  value?: bigint;
  line: number;
  col: number;
}

export class TsdlError extends Error {
  constructor(
    message: string,
    readonly line: number,
    readonly col: number,
  ) {
    super(`line ${line}, column ${col}: ${message}`);
    this.name = 'TsdlError';
  }
}

const PUNCTS = ['...', ':=', '{', '}', '[', ']', '(', ')', ';', ',', '.', ':', '=', '<', '>', '+', '-', '*'];
const MAX_U64 = (1n << 64n) - 1n;

function isIdStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}
function isIdPart(c: number): boolean {
  return isIdStart(c) || (c >= 48 && c <= 57);
}

export function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const n = src.length;
  const err = (msg: string, at = i): never => {
    throw new TsdlError(msg, line, at - lineStart + 1);
  };
  while (i < n) {
    const c = src.charCodeAt(i);
    if (c === 10) {
      i++;
      line++;
      lineStart = i;
      continue;
    }
    if (c === 32 || c === 9 || c === 13 || c === 11 || c === 12) {
      i++;
      continue;
    }
    if (c === 47 && src.charCodeAt(i + 1) === 42) {
      // /* comment */
      const end = src.indexOf('*/', i + 2);
      if (end < 0) err('unterminated comment');
      for (let j = i; j < end; j++) {
        if (src.charCodeAt(j) === 10) {
          line++;
          lineStart = j + 1;
        }
      }
      i = end + 2;
      continue;
    }
    if (c === 47 && src.charCodeAt(i + 1) === 47) {
      while (i < n && src.charCodeAt(i) !== 10) i++;
      continue;
    }
    const col = i - lineStart + 1;
    if (isIdStart(c)) {
      let j = i + 1;
      while (j < n && isIdPart(src.charCodeAt(j))) j++;
      out.push({ kind: 'id', text: src.slice(i, j), line, col });
      i = j;
      continue;
    }
    if (c >= 48 && c <= 57) {
      const t = scanInteger(src, i, err);
      out.push({ kind: 'int', text: t.text, value: t.value, line, col });
      i = t.end;
      continue;
    }
    if (c === 34 || c === 39) {
      const t = scanLiteral(src, i, err);
      out.push({ kind: c === 34 ? 'str' : 'char', text: t.text, line, col });
      i = t.end;
      continue;
    }
    let matched = false;
    for (const p of PUNCTS) {
      if (src.startsWith(p, i)) {
        out.push({ kind: 'punct', text: p, line, col });
        i += p.length;
        matched = true;
        break;
      }
    }
    if (!matched) err(`unexpected character ${JSON.stringify(src[i])}`);
  }
  out.push({ kind: 'eof', text: '', line, col: i - lineStart + 1 });
  return out;
}

/** throws a TsdlError at offset `at` of the text */
type Fail = (msg: string, at: number) => never;

/** the integer constant starting at `i` (a digit), with its suffixes */
function scanInteger(src: string, i: number, fail: Fail): { text: string; value: bigint; end: number } {
  const n = src.length;
  const c = src.charCodeAt(i);
  let j = i;
  let digits: string;
  let radix: number;
  if (c === 48 && (src[i + 1] === 'x' || src[i + 1] === 'X')) {
    j = i + 2;
    while (j < n && /[0-9a-fA-F]/.test(src[j]!)) j++;
    digits = '0x' + src.slice(i + 2, j);
    radix = 16;
    if (j === i + 2) fail('malformed hexadecimal constant', i);
  } else if (c === 48 && j + 1 < n && src.charCodeAt(j + 1) >= 48 && src.charCodeAt(j + 1) <= 57) {
    j = i + 1;
    while (j < n && /[0-7]/.test(src[j]!)) j++;
    digits = '0o' + src.slice(i + 1, j);
    radix = 8;
  } else {
    while (j < n && src.charCodeAt(j) >= 48 && src.charCodeAt(j) <= 57) j++;
    digits = src.slice(i, j);
    radix = 10;
  }
  while (j < n && /[uUlL]/.test(src[j]!)) j++;
  if (j < n && isIdPart(src.charCodeAt(j))) fail(`malformed constant "${src.slice(i, j + 1)}"`, i);
  const value = BigInt(digits);
  if (value > MAX_U64) fail(`integer constant out of 64-bit range (base ${radix}): ${src.slice(i, j)}`, i);
  return { text: src.slice(i, j), value, end: j };
}

const SIMPLE_ESCAPES: Record<string, string> = {
  n: '\n', t: '\t', r: '\r', a: '\x07', b: '\b', f: '\f', v: '\v', e: '\x1b', '\\': '\\', '"': '"', "'": "'", '?': '?',
};

/** the string or character literal starting at `i` (its quote), escapes decoded */
function scanLiteral(src: string, i: number, fail: Fail): { text: string; end: number } {
  const n = src.length;
  const quote = src[i]!;
  let j = i + 1;
  let s = '';
  for (;;) {
    if (j >= n) fail('unterminated literal', i);
    const ch = src[j]!;
    if (ch === quote) break;
    if (ch === '\n') fail('newline in literal', i);
    if (ch === '\0') fail('NUL byte in literal', j);
    if (ch !== '\\') {
      s += ch;
      j++;
      continue;
    }
    const e = src[j + 1];
    j += 2;
    if (e !== undefined && Object.hasOwn(SIMPLE_ESCAPES, e)) s += SIMPLE_ESCAPES[e];
    else if (e === 'x') {
      let k = j;
      while (k < n && k < j + 2 && /[0-9a-fA-F]/.test(src[k]!)) k++;
      if (k === j) fail('invalid \\x escape', j);
      s += String.fromCharCode(parseInt(src.slice(j, k), 16));
      j = k;
    } else if (e !== undefined && e >= '0' && e <= '7') {
      let k = j - 1;
      const st = k;
      while (k < n && k < st + 3 && src[k]! >= '0' && src[k]! <= '7') k++;
      s += String.fromCharCode(parseInt(src.slice(st, k), 8));
      j = k;
    } else {
      fail(`invalid escape sequence "\\${e ?? ''}" in literal`, j - 2);
    }
  }
  return { text: s, end: j + 1 };
}
