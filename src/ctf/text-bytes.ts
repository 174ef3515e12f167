// Text primitives of the fast output path: numbers and babeltrace2-escaped strings
// written straight into a byte buffer, no intermediate JS string. Each takes the
// buffer and an offset and returns the offset after what it wrote; the caller
// (generated printers, pretty.ts) makes room first.
import { fmtHex } from './format.js';

/** Where generated printers write: a buffer with room up to `limit` for fixed-size output. */
export interface ByteSink {
  buf: Buffer;
  o: number;
  /** offset after which fixed-size output needs a flush first */
  limit: number;
  flush(): void;
  /** make room for `n` more bytes (grows or flushes) */
  need(n: number): void;
}

/** "00".."99" */
export const DIGIT_PAIRS = Uint8Array.from(Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0')).join(''), (c) => c.charCodeAt(0));

/** unsigned decimal digits of a safe integer */
export function wUint(b: Buffer, o: number, v: number): number {
  if (v < 10) {
    b[o] = 48 + v;
    return o + 1;
  }
  if (v < 2147483648) {
    // int32 arithmetic, two digits at a time
    let len = v < 100 ? 2 : v < 1000 ? 3 : v < 10000 ? 4 : v < 100000 ? 5 : v < 1000000 ? 6 : v < 10000000 ? 7 : v < 100000000 ? 8 : v < 1000000000 ? 9 : 10;
    const end = o + len;
    let e = end;
    while (v >= 100) {
      const q = (v / 100) | 0;
      const r = (v - q * 100) << 1;
      b[--e] = DIGIT_PAIRS[r + 1]!;
      b[--e] = DIGIT_PAIRS[r]!;
      v = q;
    }
    if (v >= 10) {
      const r = v << 1;
      b[--e] = DIGIT_PAIRS[r + 1]!;
      b[--e] = DIGIT_PAIRS[r]!;
    } else b[--e] = 48 + v;
    return end;
  }
  let len = 1;
  for (let x = v; x >= 10; x = Math.floor(x / 10)) len++;
  let e = o + len;
  while (v >= 10) {
    const q = Math.floor(v / 10);
    b[--e] = 48 + (v - q * 10);
    v = q;
  }
  b[--e] = 48 + v;
  return o + len;
}

export function wAscii(b: Buffer, o: number, s: string): number {
  for (let i = 0; i < s.length; i++) b[o + i] = s.charCodeAt(i);
  return o + s.length;
}

export function wInt(b: Buffer, o: number, v: number | bigint): number {
  if (typeof v === 'number') {
    if (v >= 0) return wUint(b, o, v);
    b[o] = 45;
    return wUint(b, o + 1, -v);
  }
  return wAscii(b, o, v.toString());
}

const HEX = Buffer.from('0123456789ABCDEF');
export function wHex(b: Buffer, o: number, v: number | bigint, size: number): number {
  if (typeof v === 'number' && v >= 0) {
    b[o++] = 48;
    b[o++] = 120;
    if (v === 0) {
      b[o] = 48;
      return o + 1;
    }
    let len = 0;
    for (let x = v; x > 0; x = Math.floor(x / 16)) len++;
    let e = o + len;
    while (v > 0) {
      const q = Math.floor(v / 16);
      b[--e] = HEX[v - q * 16]!;
      v = q;
    }
    return o + len;
  }
  return wAscii(b, o, fmtHex(v, size));
}

/** babeltrace2's escaped string, quoted, straight from the packet's bytes */
export function wEsc(b: Buffer, o: number, src: Buffer, start: number, end: number): number {
  b[o++] = 34;
  for (let i = start; i < end; i++) {
    const c = src[i]!;
    if (c >= 0x20 && c !== 0x7f && c !== 34 && c !== 39 && c !== 63 && c !== 92) {
      b[o++] = c;
      continue;
    }
    b[o++] = 92;
    switch (c) {
      case 34: case 39: case 63: case 92: b[o++] = c; break;
      case 7: b[o++] = 97; break;
      case 8: b[o++] = 98; break;
      case 0x1b: b[o++] = 101; break;
      case 12: b[o++] = 102; break;
      case 10: b[o++] = 110; break;
      case 13: b[o++] = 114; break;
      case 9: b[o++] = 116; break;
      case 11: b[o++] = 118; break;
      default:
        b[o++] = 120;
        b[o++] = HEX[c >> 4]! + (c >> 4 >= 10 ? 32 : 0);
        b[o++] = HEX[c & 15]! + ((c & 15) >= 10 ? 32 : 0);
    }
  }
  b[o++] = 34;
  return o;
}

/** copy: a loop beats TypedArray.set for the short pieces of a line */
export function cp(b: Buffer, o: number, src: Buffer): number {
  const n = src.length;
  if (n > 64) {
    b.set(src, o);
    return o + n;
  }
  for (let i = 0; i < n; i++) b[o + i] = src[i]!;
  return o + n;
}
