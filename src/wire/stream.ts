// What every streaming decoder of this folder shares: received chunks queued as they come,
// next() handing out one whole message at a time, and a first WireError that sticks.
import { ByteQueue, Reader } from './bytes.js';
import { WireError, type WireProtocol } from './errors.js';
import { offsetOf, readMessage, readStruct, structSize, type StructOf, type StructSpec } from './struct.js';

/** A command id the receiving side does not implement: kept whole, answered LTTNG_ERR_UNK. */
export interface UnknownCommand {
  cmd: 'UNKNOWN';
  id: number;
  payload: Uint8Array;
}

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

/** How far the measuring of a variable reply got (a long session list is walked once). */
export interface ReplyProgress {
  count: number;
  off: number;
  i: number;
}

/** A command sent, the kind of reply it awaits, and the measuring progress of that reply. */
export interface AwaitedReply<C, K> {
  request: C;
  kind: K;
  progress?: ReplyProgress | undefined;
}

/** What a reply decoder knows of one protocol's replies. */
export interface ReplyCodec<C, K extends string, R> {
  protocol: WireProtocol;
  major: number;
  /** the reply a command gets, or undefined when it gets none */
  kindOf(request: C): K | undefined;
  /** size of the reply due, or undefined while the queued bytes do not tell yet (limit: the reply cap) */
  measure(want: AwaitedReply<C, K>, minor: number, q: ByteQueue, limit: number): number | undefined;
  /** the struct of a reply that is one fixed struct */
  fixedSpec(kind: K): StructSpec | undefined;
  /** the other replies */
  decodeTail(kind: K, minor: number, r: Reader): R;
  /** the version a version command (VERSION, CONNECT) or its reply carries */
  version(m: C | R): { major: number; minor: number } | undefined;
}

/**
 * Replies carry no header on either port: the decoder is told each command sent, in order
 * (expect), measures the reply due from its fixed head, then decodes it whole. A version
 * exchange settles the minor the later replies are read with: min(ours, theirs).
 */
export class ReplyDecoder<C, K extends string, R> extends StreamDecoder<R> {
  private pending: AwaitedReply<C, K>[] = [];

  constructor(
    private readonly codec: ReplyCodec<C, K, R>,
    /** the minor replies are read with: ours until the version reply, then the negotiated one */
    public minor: number,
    private readonly limit: number,
  ) {
    super(codec.protocol);
  }

  /** Registers a sent command; returns whether a reply is due for it. */
  expect(request: C): boolean {
    const kind = this.codec.kindOf(request);
    if (kind === undefined) return false;
    this.pending.push({ request, kind });
    return true;
  }

  /** replies still awaited */
  get awaiting(): number {
    return this.pending.length;
  }

  protected step(): R | undefined {
    const { q, codec } = this;
    if (q.length === 0) return undefined;
    const want = this.pending[0];
    if (!want) throw new WireError(codec.protocol, 'reply', 'stream', q.consumed, `${q.length} bytes arrived with no command awaiting a reply`);
    const size = codec.measure(want, this.minor, q, this.limit);
    if (size === undefined || q.length < size) return undefined;
    const r = new Reader(q.take(size), codec.protocol, `${want.kind} reply`, q.consumed - size);
    const reply = readMessage<R>(r, 'reply', want.kind, codec.fixedSpec(want.kind), () => codec.decodeTail(want.kind, this.minor, r));
    this.pending.shift();
    const [asked, got] = [codec.version(want.request), codec.version(reply)];
    if (asked && got && got.major === codec.major) this.minor = Math.min(asked.minor, got.minor);
    return reply;
  }
}

/** What a command header must hold: the payload size and the command id. */
export type CommandHeaderSpec = StructSpec & { readonly dataSize: readonly [string, 'u64']; readonly cmd: readonly [string, 'u32'] };

/**
 * The receiving side of a command stream: a header giving the payload size and the command,
 * then the payload. The size is checked against the command's bounds from the header alone,
 * so an oversized frame is refused before it is buffered. The first command (VERSION,
 * CONNECT) carries the peer's version: with the same major, both sides use the lower minor
 * from then on, and so does this decoder for the frames after it, even within one chunk.
 */
export abstract class CommandDecoder<F, H extends CommandHeaderSpec> extends StreamDecoder<F> {
  /** the minor the structs are read with: serverMinor until the version command, then the negotiated one */
  minor: number;
  /** the peer's version, once received */
  peerVersion: { major: number; minor: number } | undefined;
  private readonly headerSize: number;
  private readonly sizeAt: number;
  private readonly cmdAt: number;

  constructor(
    private readonly name: WireProtocol,
    private readonly header: H,
    private readonly major: number,
    /** the minor this side answers the version command with */
    readonly serverMinor: number,
  ) {
    super(name);
    this.minor = serverMinor;
    this.headerSize = structSize(header);
    this.sizeAt = offsetOf(header, 'dataSize');
    this.cmdAt = offsetOf(header, 'cmd');
  }

  protected abstract commandName(id: number): string;
  /** [min, max] payload size of a command */
  protected abstract bounds(id: number): [number, number];
  protected abstract frame(head: StructOf<H>, payload: Reader, at: number, size: number): F;

  protected settle(major: number, minor: number): void {
    this.peerVersion = { major, minor };
    // a major mismatch ends the connection anyway (the server's decision)
    if (major === this.major) this.minor = Math.min(this.serverMinor, minor);
  }

  protected step(): F | undefined {
    const q = this.q;
    if (q.length < this.headerSize) return undefined;
    const at = q.consumed;
    const dataSize = q.u64At(this.sizeAt);
    const id = q.u32At(this.cmdAt);
    const [min, max] = this.bounds(id);
    const name = this.commandName(id);
    if (dataSize < BigInt(min) || dataSize > BigInt(max)) {
      throw new WireError(this.name, name, 'data_size', at + this.sizeAt, `${dataSize} bytes, expected ${min === max ? min : `${min}..${max}`} (protocol 2.${this.minor})`);
    }
    const size = this.headerSize + Number(dataSize);
    if (q.length < size) return undefined;
    const bytes = q.take(size);
    const head = readStruct(new Reader(bytes.subarray(0, this.headerSize), this.name, name, at), this.header);
    return this.frame(head, new Reader(bytes.subarray(this.headerSize), this.name, name, at + this.headerSize), at, size);
  }
}
