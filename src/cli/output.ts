// Buffered synchronous output to a file descriptor: fast, ordered, and quiet
// on a closed pipe (`ttng view | head`).
import * as fs from 'node:fs';

export class FdWriter {
  private chunks: string[] = [];
  private size = 0;
  closed = false;
  constructor(
    private readonly fd: number,
    private readonly limit = 1 << 16,
  ) {}

  write(s: string): void {
    this.chunks.push(s);
    this.size += s.length;
    if (this.size >= this.limit) this.flush();
  }

  flush(): void {
    if (this.size === 0 || this.closed) {
      this.chunks = [];
      this.size = 0;
      return;
    }
    const data = Buffer.from(this.chunks.join(''), 'utf8');
    this.chunks = [];
    this.size = 0;
    let off = 0;
    while (off < data.length) {
      try {
        off += fs.writeSync(this.fd, data, off, data.length - off);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN') {
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
          continue;
        }
        if (code === 'EPIPE') {
          this.closed = true;
          return;
        }
        throw e;
      }
    }
  }
}
