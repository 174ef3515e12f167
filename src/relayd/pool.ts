// Packet buffers, reused. A stream's packets are mostly of one size (a sub-buffer), and
// touching freshly allocated memory costs page faults that dominate ingest: a packet is
// assembled in a buffer of its size left by an earlier packet once that one is written.

export class BufferPool {
  private readonly free = new Map<number, Buffer[]>();
  private bytes = 0;

  /** `capacity`: the most bytes kept for reuse */
  constructor(private readonly capacity = 64 * 1024 * 1024) {}

  /** a buffer of exactly `size` bytes, contents undefined */
  take(size: number): Buffer {
    const b = this.free.get(size)?.pop();
    if (!b) return Buffer.allocUnsafeSlow(size);
    this.bytes -= size;
    return b;
  }

  /** `b` is not used any more (not by its taker, nor by anything it was handed to) */
  give(b: Buffer): void {
    if (this.bytes + b.length > this.capacity || b.byteOffset !== 0 || b.buffer.byteLength !== b.length) return;
    let list = this.free.get(b.length);
    if (!list) this.free.set(b.length, (list = []));
    list.push(b);
    this.bytes += b.length;
  }
}
