// Test-only clients of the relay's three ports, built on src/wire: a control client
// that sends commands and awaits their replies, a raw data sender, and a live viewer.
import * as net from 'node:net';
import {
  LiveReplyDecoder, RelayReplyDecoder, encodeLiveCommand, encodeRelayCommand, encodeRelayDataPacket,
  type LiveCommand, type LiveReply, type RelayCommand, type RelayReply,
} from '../../src/wire/index.js';

export function connect(port: number, host = '127.0.0.1'): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.createConnection({ host, port }, () => {
      s.off('error', reject);
      resolve(s);
    });
    s.once('error', reject);
  });
}

/** resolves when the peer closed the socket (or rejects after `ms`) */
export function closedBy(s: net.Socket, ms = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    if (s.destroyed || s.readableEnded) return resolve();
    const t = setTimeout(() => reject(new Error('the relay did not close the connection')), ms);
    s.once('close', () => {
      clearTimeout(t);
      resolve();
    });
    s.resume();
  });
}

/** A request/reply client over a reply decoder (one reply awaited at a time, in order). */
class Client<C, R> {
  private waiting: { resolve: (r: R) => void; reject: (e: Error) => void }[] = [];
  private ended: Error | undefined;

  constructor(
    readonly sock: net.Socket,
    private readonly decoder: { expect(c: C): boolean; drain(b: Buffer): R[] },
    private readonly encode: (c: C) => Buffer,
  ) {
    sock.on('data', (b: Buffer) => {
      try {
        for (const r of this.decoder.drain(b)) this.waiting.shift()?.resolve(r);
      } catch (e) {
        this.fail(e as Error);
      }
    });
    sock.on('close', () => this.fail(new Error('connection closed by the relay')));
    sock.on('error', (e) => this.fail(e));
  }

  private fail(e: Error): void {
    this.ended ??= e;
    for (const w of this.waiting.splice(0)) w.reject(e);
  }

  /** sends a command; resolves with its reply (undefined for commands that get none) */
  request(c: C): Promise<R | undefined> {
    if (this.ended) return Promise.reject(this.ended);
    const wants = this.decoder.expect(c);
    this.sock.write(this.encode(c));
    if (!wants) return Promise.resolve(undefined);
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  close(): void {
    this.sock.destroy();
  }
}

export class ControlClient extends Client<RelayCommand, RelayReply> {
  private readonly negotiated: { minor: number };

  static async open(port: number): Promise<ControlClient> {
    return new ControlClient(await connect(port));
  }

  constructor(sock: net.Socket) {
    const negotiated = { minor: 13 };
    super(sock, new RelayReplyDecoder(), (c) => encodeRelayCommand(c, { minor: negotiated.minor }));
    this.negotiated = negotiated;
  }

  /** VERSION 2.minor; later commands take that minor's forms */
  async version(minor = 13): Promise<RelayReply | undefined> {
    const r = await this.request({ cmd: 'VERSION', major: 2, minor });
    this.negotiated.minor = Math.min(13, minor);
    return r;
  }
}

/** the reply a viewer command gets (ATTACH_SESSION and GET_NEW_STREAMS share one struct) */
type ReplyFor<K> = LiveReply extends infer R ? (R extends { reply: infer Q } ? (K extends Q ? R : never) : never) : never;

export class LiveClient extends Client<LiveCommand, LiveReply> {
  static async open(port: number, minor = 4): Promise<LiveClient> {
    const c = new LiveClient(await connect(port), minor);
    await c.request({ cmd: 'CONNECT', viewerSessionId: 0xffff_ffff_ffff_ffffn, major: 2, minor, type: 1 });
    return c;
  }

  constructor(sock: net.Socket, minor = 4) {
    super(sock, new LiveReplyDecoder({ clientMinor: minor }), (c) => encodeLiveCommand(c));
  }

  async ask<K extends LiveReply['reply']>(c: LiveCommand & { cmd: K }): Promise<ReplyFor<K>> {
    return (await this.request(c)) as ReplyFor<K>;
  }
}

/** one data-port packet (header + payload) */
export function dataPacket(streamId: bigint, netSeqNum: bigint, payload: Uint8Array, paddingSize = 0): Buffer {
  return encodeRelayDataPacket({ circuitId: 0n, streamId, netSeqNum, paddingSize }, payload);
}
