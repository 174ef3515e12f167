// Buffered synchronous output to a file descriptor: strings are encoded
// straight into one reused buffer (no joins), written in large blocks, and a
// closed pipe (`ttng view | head`) ends the output quietly.
import * as fs from 'node:fs';
import type { ByteSink } from '../ctf/decoder.js';

export class FdWriter implements ByteSink {
  buf: Buffer;
  o = 0;
  limit: number;
  closed = false;
  constructor(
    private readonly fd: number,
    size = 1 << 20,
    private readonly autoFlush = false,
  ) {
    this.buf = Buffer.allocUnsafe(Math.max(size, 16384));
    this.limit = this.buf.length - 8192;
  }

  write(s: string): void {
    // worst case 3 bytes per UTF-16 unit
    this.need(s.length * 3);
    this.o += this.buf.utf8Write(s, this.o);
    if (this.autoFlush) this.flush();
  }

  need(n: number): void {
    if (this.o + n <= this.buf.length) return;
    this.flush();
    if (n > this.buf.length) {
      this.buf = Buffer.allocUnsafe(n + 16384);
      this.limit = this.buf.length - 8192;
    }
  }

  flush(): void {
    if (this.o === 0) return;
    const n = this.o;
    this.o = 0;
    this.writeAll(this.buf.subarray(0, n));
  }

  private writeAll(data: Buffer): void {
    if (this.closed) return;
    if (!writeAllSync(this.fd, data)) this.closed = true;
  }
}

/**
 * Writes all of `data` to `fd`, waiting out EAGAIN (a non-blocking pipe).
 * Returns false when the reader is gone (EPIPE), which callers treat as the
 * end of their output.
 */
export function writeAllSync(fd: number, data: Uint8Array): boolean {
  let off = 0;
  while (off < data.length) {
    try {
      off += fs.writeSync(fd, data, off, data.length - off);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
        continue;
      }
      if (code === 'EPIPE') return false;
      throw e;
    }
  }
  return true;
}

declare module 'node:buffer' {
  interface Buffer {
    /** Node's internal fast UTF-8 encoder (public since v0.x, untyped) */
    utf8Write(s: string, offset: number): number;
  }
}
