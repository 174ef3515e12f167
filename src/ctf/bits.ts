// The runtime the generated decoders (./codegen.ts) call: the decoding state of a
// stream, bit-level readers for fields that are not byte-aligned or wider than 32
// bits, the 64-bit clock update, and the errors a packet's content can raise.

import { isUtf8 } from 'node:buffer';

export class DecodeError extends Error {
  constructor(
    message: string,
    /** bit position in the packet where it happened */
    readonly bitPos: number,
  ) {
    super(message);
    this.name = 'DecodeError';
  }
}

/** Mutable decoding state of one stream; the generated code reads and updates it. */
export class DecodeState {
  buf: Buffer = Buffer.alloc(0);
  dv: DataView = new DataView(new ArrayBuffer(0));
  /** bit position from the packet start */
  pos = 0;
  /** end of the packet content, in bits */
  end = 0;
  /** values of fields that sequences, variants or the reader need */
  saved: number[] = [];
  /** default clock value as two unsigned 32-bit halves */
  clkHi = 0;
  clkLo = 0;
  eventId = -1;
  /** decode-only mode folds every value in here so nothing is optimised away */
  sum = 0;
  /** raw values of role fields (packet header/context), by role name */
  roles: Record<string, number | bigint> = {};
  uuid: Uint8Array | undefined;

  setBuffer(buf: Buffer): void {
    this.buf = buf;
    this.dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }
}

/** a CTF string is bytes: a JS string when they are valid UTF-8, else the bytes themselves */
export type Value = number | bigint | string | Uint8Array | Value[] | VariantValue;
export interface VariantValue {
  sel: number;
  v: Value;
}

export function readBitsLE(buf: Buffer, pos: number, size: number): number {
  // unsigned, size <= 32
  let byte = pos >>> 3;
  const shift = pos & 7;
  let v = 0;
  let got = 0;
  let mul = 1;
  let first = true;
  while (got < size + shift) {
    let b = buf[byte++];
    if (b === undefined) throw new RangeError('out of bounds');
    if (first) {
      b >>>= shift;
      first = false;
      v += b * mul;
      mul *= 2 ** (8 - shift);
      got += 8;
      continue;
    }
    v += b * mul;
    mul *= 256;
    got += 8;
  }
  return v % 2 ** size;
}

export function readBitsBE(buf: Buffer, pos: number, size: number): number {
  let byte = pos >>> 3;
  const shift = pos & 7;
  const total = shift + size;
  const nbytes = (total + 7) >>> 3;
  let v = 0;
  for (let i = 0; i < nbytes; i++) {
    const b = buf[byte++];
    if (b === undefined) throw new RangeError('out of bounds');
    v = v * 256 + b;
  }
  // drop the bits after the field, then those before it
  v = Math.floor(v / 2 ** (nbytes * 8 - total));
  return v % 2 ** size;
}

export function readBigLE(buf: Buffer, pos: number, size: number): bigint {
  let v = 0n;
  let done = 0;
  while (done < size) {
    const n = Math.min(32, size - done);
    v |= BigInt(readBitsLE(buf, pos + done, n)) << BigInt(done);
    done += n;
  }
  return v;
}

export function readBigBE(buf: Buffer, pos: number, size: number): bigint {
  let v = 0n;
  let done = 0;
  while (done < size) {
    const n = Math.min(32, size - done);
    v = (v << BigInt(n)) | BigInt(readBitsBE(buf, pos + done, n));
    done += n;
  }
  return v;
}

export function signBig(v: bigint, size: number): number | bigint {
  const s = BigInt.asIntN(size, v);
  return s >= -0x1fffffffffffffn && s <= 0x1fffffffffffffn ? Number(s) : s;
}
export function unsignBig(v: bigint): number | bigint {
  return v <= 0x1fffffffffffffn ? Number(v) : v;
}

export function clockUpdateBig(st: DecodeState, v: number | bigint, size: number): void {
  const cur = (BigInt(st.clkHi) << 32n) | BigInt(st.clkLo);
  const nv = BigInt(v);
  let next: bigint;
  if (size >= 64) next = nv;
  else {
    const mask = (1n << BigInt(size)) - 1n;
    next = cur;
    if (nv < (cur & mask)) next += mask + 1n;
    next = (next & ~mask) | nv;
  }
  next = BigInt.asUintN(64, next);
  st.clkHi = Number(next >> 32n);
  st.clkLo = Number(next & 0xffffffffn);
}

export function floatFromBits(buf: Buffer, pos: number, size: number, le: boolean): number {
  const big = le ? readBigLE(buf, pos, size) : readBigBE(buf, pos, size);
  const dv = new DataView(new ArrayBuffer(8));
  if (size === 32) {
    dv.setUint32(0, Number(big));
    return dv.getFloat32(0);
  }
  dv.setBigUint64(0, big);
  return dv.getFloat64(0);
}

export function textBytes(buf: Buffer, start: number, len: number): string {
  let end = start;
  const stop = start + len;
  while (end < stop && buf[end] !== 0) end++;
  return buf.toString('utf8', start, end);
}

/** a string field's value: its bytes when they are not valid UTF-8 (kept byte for byte) */
export function strValue(buf: Buffer, start: number, end: number): string | Uint8Array {
  const bytes = buf.subarray(start, end);
  return isUtf8(bytes) ? buf.toString('utf8', start, end) : Uint8Array.prototype.slice.call(bytes);
}

export function overrun(p: number, end: number): never {
  throw new DecodeError(`event ends at bit ${p}, past the end of the packet content (bit ${end})`, p);
}

export function badLength(len: number, p: number): never {
  throw new DecodeError(`sequence length ${len} goes past the end of the packet content`, p);
}

export function noOption(tag: number, p: number): never {
  throw new DecodeError(`variant tag value ${tag} selects no option`, p);
}

export function unterminated(p: number): never {
  throw new DecodeError('string is not terminated before the end of the packet content', p);
}
