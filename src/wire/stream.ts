// What every streaming decoder of this folder shares: received chunks queued as they come,
// next() handing out one whole message at a time, and a first WireError that sticks.
import { ByteQueue } from './bytes.js';
import { WireError, type WireProtocol } from './errors.js';

export abstract class StreamDecoder<T> {
  protected readonly q = new ByteQueue();
  private failed: WireError | undefined;

  constructor(private readonly protocol: WireProtocol) {}

  /** queues bytes as received (kept, not copied, until framed) */
  push(chunk: Uint8Array): void {
    this.q.push(chunk);
  }

  /** bytes received and not yet handed out */
  get buffered(): number {
    return this.q.length;
  }

  /** the next whole message, or undefined until more bytes arrive; a WireError ends the stream */
  next(): T | undefined {
    if (this.failed) throw this.failed;
    try {
      return this.step();
    } catch (e) {
      // anything but a WireError is a bug here; it is still reported as one, so a server only has one error to handle
      this.failed = e instanceof WireError ? e : new WireError(this.protocol, 'frame', 'decoder', this.q.consumed, `internal error: ${String(e)}`);
      throw this.failed;
    }
  }

  /** push(chunk), then every whole message */
  drain(chunk?: Uint8Array): T[] {
    if (chunk) this.push(chunk);
    const out: T[] = [];
    for (let m = this.next(); m !== undefined; m = this.next()) out.push(m);
    return out;
  }

  protected abstract step(): T | undefined;
}
