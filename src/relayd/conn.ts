// What the three kinds of connection share: framing errors close that one connection
// (with a log line, counted), replies are written with back-pressure (a peer that does
// not read its replies stops being read, it never makes the relay buffer without end).
import type * as net from 'node:net';
import { WireError } from '../wire/index.js';
import type { Log } from './log.js';
import type { RelayState } from './sessions.js';

/** A peer broke the protocol: its connection is closed (the message says why). */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
}

/** Replies waiting in the socket beyond this: stop reading the peer until they drain. */
const MAX_UNSENT = 4 * 1024 * 1024;

export abstract class Connection {
  protected readonly log: Log;
  private readonly peer: string;
  private ended = false;

  constructor(
    readonly sock: net.Socket,
    protected readonly state: RelayState,
  ) {
    this.log = state.log;
    this.peer = `${sock.remoteAddress ?? '?'}:${sock.remotePort ?? '?'}`;
    if (sock.listenerCount('data') === 0) sock.on('data', (b: Buffer) => this.receive(b));
    sock.on('error', (e) => this.log.info(`${this.label}: ${e.message}`));
    sock.on('close', () => this.end());
    this.log.info(`${this.label}: opened`);
  }

  /** which port */
  protected abstract get kind(): 'control' | 'data' | 'live';

  get label(): string {
    return `${this.kind} connection from ${this.peer}`;
  }
  /** handles received bytes; throws ProtocolError or WireError on a malformed peer */
  protected abstract onBytes(b: Buffer): void;
  /** the connection is gone (closed by either side) */
  protected abstract onEnd(): void;

  /** bytes from the peer (the socket's 'data' events, or a reader of its own) */
  receive(b: Buffer): void {
    if (this.ended) return;
    try {
      this.onBytes(b);
    } catch (e) {
      this.fail(e);
    }
  }

  /** closes the connection on a protocol error (anything else is a bug, reported the same way) */
  protected fail(e: unknown): void {
    if (this.ended) return;
    this.log.counters.protocolErrors++;
    const what = e instanceof WireError || e instanceof ProtocolError ? e.message : `internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`;
    this.log.error(`${this.label}: closed: ${what}`);
    this.sock.destroy();
    this.end();
  }

  /** the reply is written, then the connection ends (a refused version, an unknown command) */
  protected closeAfterReply(why: string): void {
    if (this.ended) return;
    this.log.counters.protocolErrors++;
    this.log.error(`${this.label}: closed: ${why}`);
    this.sock.end();
    this.end();
  }

  protected send(bytes: Uint8Array): void {
    if (this.ended) return;
    this.sock.write(bytes);
    if (this.sock.writableLength > MAX_UNSENT && !this.sock.isPaused()) {
      this.sock.pause();
      this.sock.once('drain', () => {
        if (!this.ended) this.sock.resume();
      });
    }
  }

  get closed(): boolean {
    return this.ended;
  }

  private end(): void {
    if (this.ended) return;
    this.ended = true;
    this.log.info(`${this.label}: closed`);
    try {
      this.onEnd();
    } catch (e) {
      this.log.error(`${this.label}: while closing: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    }
  }

  /** closes from our side (relay shutdown) */
  destroy(): void {
    this.sock.destroy();
    this.end();
  }
}
