// Bounds-checked big-endian reading and writing of the packed structs both protocols
// use, and the queue of received TCP chunks the streaming decoders frame from.
import { WireError, type WireProtocol } from './errors.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

export const U32_MAX = 0xffff_ffff;
export const U64_MAX = 0xffff_ffff_ffff_ffffn;

/** Reads one complete frame (or struct); every failure is a WireError naming the field. */
export class Reader {
  pos = 0;
  constructor(
    readonly buf: Uint8Array,
    readonly protocol: WireProtocol,
    public command: string,
    /** stream offset of buf[0], for error messages */
    readonly base = 0,
  ) {}

  fail(field: string, detail: string, at = this.pos): never {
    throw new WireError(this.protocol, this.command, field, this.base + at, detail);
  }

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  private need(n: number, field: string): number {
    if (n > this.buf.length - this.pos) this.fail(field, `needs ${n} bytes, ${this.buf.length - this.pos} left`);
    const p = this.pos;
    this.pos += n;
    return p;
  }

  u8(field: string): number {
    return this.buf[this.need(1, field)]!;
  }

  u32(field: string): number {
    const p = this.need(4, field);
    const b = this.buf;
    return ((b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!) >>> 0;
  }

  /** a u32 length or count that may not exceed max */
  u32Max(field: string, max: number): number {
    const v = this.u32(field);
    if (v > max) this.fail(field, `${v} exceeds ${max}`, this.pos - 4);
    return v;
  }

  u64(field: string): bigint {
    const hi = this.u32(field);
    const lo = this.u32(field);
    return (BigInt(hi) << 32n) | BigInt(lo);
  }

  /** a view of the next n bytes (no copy) */
  bytes(n: number, field: string): Uint8Array {
    const p = this.need(n, field);
    return this.buf.subarray(p, p + n);
  }

  private text(bytes: Uint8Array, field: string, at: number): string {
    try {
      return utf8.decode(bytes);
    } catch {
      return this.fail(field, 'is not valid UTF-8', at);
    }
  }

  /** char[size]: NUL-terminated within its size; the bytes after the NUL are ignored (as LTTng does) */
  fixedString(size: number, field: string): string {
    const p = this.need(size, field);
    const raw = this.buf.subarray(p, p + size);
    const nul = raw.indexOf(0);
    if (nul < 0) this.fail(field, `has no NUL terminator within its ${size} bytes`, p);
    return this.text(raw.subarray(0, nul), field, p);
  }

  /** len bytes, the last of them the only NUL (LTTng's length-prefixed strings include it) */
  cString(len: number, field: string): string {
    if (len < 1) this.fail(field, 'has length 0 (the NUL terminator is counted)');
    const p = this.need(len, field);
    const raw = this.buf.subarray(p, p + len);
    const nul = raw.indexOf(0);
    if (nul !== len - 1) this.fail(field, nul < 0 ? 'is not NUL-terminated' : `has a NUL inside (at ${nul} of ${len})`, p);
    return this.text(raw.subarray(0, nul), field, p);
  }

  /** len bytes with no NUL at all (2.15's session-list strings) */
  plainString(len: number, field: string): string {
    const p = this.need(len, field);
    const raw = this.buf.subarray(p, p + len);
    if (raw.indexOf(0) >= 0) this.fail(field, 'contains a NUL', p);
    return this.text(raw, field, p);
  }

  /** the struct must use every byte it was given */
  end(): void {
    if (this.pos !== this.buf.length) this.fail('size', `${this.buf.length - this.pos} unexpected trailing bytes`);
  }
}

/** Writes into a buffer of the exact size computed beforehand; rejects out-of-range values. */
export class Writer {
  readonly buf: Buffer;
  pos = 0;
  constructor(
    size: number,
    readonly protocol: WireProtocol,
    readonly command: string,
  ) {
    this.buf = Buffer.alloc(size);
  }

  fail(field: string, detail: string): never {
    throw new WireError(this.protocol, this.command, field, this.pos, detail);
  }

  u8(v: number, field: string): void {
    if (!Number.isInteger(v) || v < 0 || v > 0xff) this.fail(field, `${v} is not a u8`);
    this.buf[this.pos++] = v;
  }

  u32(v: number, field: string): void {
    if (!Number.isInteger(v) || v < 0 || v > U32_MAX) this.fail(field, `${v} is not a u32`);
    this.buf.writeUInt32BE(v, this.pos);
    this.pos += 4;
  }

  u64(v: bigint, field: string): void {
    if (typeof v !== 'bigint' || v < 0n || v > U64_MAX) this.fail(field, `${String(v)} is not a u64`);
    this.buf.writeBigUInt64BE(v, this.pos);
    this.pos += 8;
  }

  bytes(b: Uint8Array): void {
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }

  /** char[size], NUL-padded; the text must leave room for the NUL */
  fixedString(s: string, size: number, field: string): void {
    const raw = stringBytes(s, field, this);
    if (raw.length >= size) this.fail(field, `${raw.length} bytes do not fit in char[${size}] with its NUL`);
    this.buf.set(raw, this.pos);
    this.pos += size; // Buffer.alloc zeroed the rest
  }

  /** the string and its NUL (its length, NUL included, was written by the caller) */
  cString(raw: Uint8Array): void {
    this.buf.set(raw, this.pos);
    this.pos += raw.length + 1;
  }

  done(): Buffer {
    if (this.pos !== this.buf.length) this.fail('size', `wrote ${this.pos} of ${this.buf.length} bytes (encoder bug)`);
    return this.buf;
  }
}

/** UTF-8 bytes of a string sent with its NUL and a length (NUL included) of at most max. */
export function cStringBytes(s: string, field: string, max: number, w: { fail(field: string, detail: string): never }): Buffer {
  const raw = stringBytes(s, field, w);
  if (raw.length + 1 > max) w.fail(field, `${raw.length + 1} bytes with the NUL exceed ${max}`);
  return raw;
}

/** UTF-8 bytes of a string field, refusing NULs (they would cut it short on the other side). */
export function stringBytes(s: string, field: string, w: { fail(field: string, detail: string): never }): Buffer {
  if (typeof s !== 'string') w.fail(field, 'is not a string');
  const raw = Buffer.from(s, 'utf8');
  if (raw.indexOf(0) >= 0) w.fail(field, 'contains a NUL');
  return raw;
}

/**
 * The bytes received on a connection and not yet framed. Chunks are kept as pushed
 * (no copy); take() copies only when a frame spans chunks.
 */
export class ByteQueue {
  private chunks: Buffer[] = [];
  private head = 0; // bytes of chunks[0] already consumed
  length = 0;
  /** stream offset of the first queued byte */
  consumed = 0;

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length));
    this.length += chunk.length;
  }

  // where the last at() found its byte, so walking a long reply is not quadratic in chunks
  private cacheIdx = 0;
  private cacheStart = 0;

  /** the byte at offset (offset < length) */
  at(offset: number): number {
    const o = offset + this.head;
    if (o < this.cacheStart) {
      this.cacheIdx = 0;
      this.cacheStart = 0;
    }
    while (this.cacheIdx < this.chunks.length) {
      const c = this.chunks[this.cacheIdx]!;
      if (o < this.cacheStart + c.length) return c[o - this.cacheStart]!;
      this.cacheStart += c.length;
      this.cacheIdx++;
    }
    throw new RangeError('ByteQueue.at past the end');
  }

  u32At(offset: number): number {
    return ((this.at(offset) << 24) | (this.at(offset + 1) << 16) | (this.at(offset + 2) << 8) | this.at(offset + 3)) >>> 0;
  }

  u64At(offset: number): bigint {
    return (BigInt(this.u32At(offset)) << 32n) | BigInt(this.u32At(offset + 4));
  }

  /** the next n bytes, contiguous (n <= length) */
  take(n: number): Buffer {
    if (n > this.length) throw new RangeError('ByteQueue.take past the end');
    const first = this.chunks[0];
    let out: Buffer;
    if (n === 0) out = Buffer.alloc(0);
    else if (first && first.length - this.head >= n) out = first.subarray(this.head, this.head + n);
    else {
      out = Buffer.allocUnsafe(n);
      let filled = 0;
      let i = 0;
      let h = this.head;
      while (filled < n) {
        const c = this.chunks[i++]!;
        const part = Math.min(c.length - h, n - filled);
        c.copy(out, filled, h, h + part);
        filled += part;
        h = 0;
      }
    }
    this.skip(n);
    return out;
  }

  /** up to n bytes from the first chunk, without copying (n >= 1, length >= 1) */
  takeSome(n: number): Buffer {
    const first = this.chunks[0]!;
    const part = Math.min(first.length - this.head, n);
    const out = first.subarray(this.head, this.head + part);
    this.skip(part);
    return out;
  }

  skip(n: number): void {
    this.length -= n;
    this.consumed += n;
    let h = this.head + n;
    let drop = 0;
    while (drop < this.chunks.length && h >= this.chunks[drop]!.length) h -= this.chunks[drop++]!.length;
    if (drop > 0) this.chunks.splice(0, drop);
    this.head = this.chunks.length > 0 ? h : 0;
    this.cacheIdx = 0;
    this.cacheStart = 0;
  }
}
