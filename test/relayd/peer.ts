// Test-only peers of an in-process relay: a sessiond-like producer speaking the relayd
// protocol through src/wire (sessions, streams, packets with their indexes, metadata),
// and the relay itself on ports it picks.
import type * as net from 'node:net';
import { Log } from '../../src/relayd/log.js';
import { Relay, type RelayConfig } from '../../src/relayd/server.js';
import type { RelayReply, RelayReplyOf } from '../../src/wire/index.js';
import { ControlClient, connect, dataPacket } from './client.js';

export interface Running {
  relay: Relay;
  control: number;
  data: number;
  live: number;
  /** the relay's log lines */
  lines: string[];
}

export async function startRelay(output: string, extra: Partial<RelayConfig> = {}): Promise<Running> {
  const lines: string[] = [];
  const any = { host: '127.0.0.1', port: 0 };
  const relay = new Relay({ control: any, data: any, live: any, output, log: new Log(1, (l) => lines.push(l)), ...extra });
  const p = await relay.start();
  return { relay, control: p.control.port, data: p.data.port, live: p.live.port, lines };
}

export interface SessionOptions {
  name?: string;
  hostname?: string;
  liveTimer?: number;
  snapshot?: boolean;
  basePath?: string;
  /** seconds since the epoch */
  creationTime?: bigint;
}

export interface IndexOptions {
  packetSeqNum?: bigint;
  timestampBegin?: bigint;
  timestampEnd?: bigint;
  contentSize?: bigint;
}

/** A producer: one control connection (one relay session) and one data connection. */
export class Producer {
  private seq = new Map<bigint, bigint>();
  private packetSeq = new Map<bigint, bigint>();

  private constructor(
    readonly ctl: ControlClient,
    readonly data: net.Socket,
  ) {}

  static async open(r: { control: number; data: number }): Promise<Producer> {
    const ctl = await ControlClient.open(r.control);
    await ctl.version();
    return new Producer(ctl, await connect(r.data));
  }

  async createSession(o: SessionOptions = {}): Promise<RelayReplyOf<'CREATE_SESSION'>> {
    return (await this.ctl.request({
      cmd: 'CREATE_SESSION', sessionName: o.name ?? 'S', hostname: o.hostname ?? 'host', liveTimer: o.liveTimer ?? 1_000_000, snapshot: o.snapshot ?? false,
      basePath: o.basePath ?? '', nameContainsCreationTime: false, sessiondUuid: new Uint8Array(16).fill(7), sessionId: 42n,
      creationTime: o.creationTime ?? 1_700_000_000n, currentChunkId: undefined,
    })) as RelayReplyOf<'CREATE_SESSION'>;
  }

  async chunk(id: bigint, creation = 1_700_000_000n): Promise<RelayReply | undefined> {
    return this.ctl.request({ cmd: 'CREATE_TRACE_CHUNK', chunkId: id, creationTimestamp: creation });
  }

  /** CREATE_SESSION + chunk 0 */
  async start(o: SessionOptions = {}): Promise<bigint> {
    const r = await this.createSession(o);
    if (r.retCode !== 10) throw new Error(`CREATE_SESSION answered ${r.retCode}`);
    await this.chunk(0n);
    return r.sessionId;
  }

  async addStream(channel: string, pathname = 'ust/uid/0/64-bit', tracefileSize = 0n, tracefileCount = 0n): Promise<RelayReplyOf<'ADD_STREAM'>> {
    return (await this.ctl.request({ cmd: 'ADD_STREAM', channelName: channel, pathname, tracefileSize, tracefileCount, traceChunkId: 0n })) as RelayReplyOf<'ADD_STREAM'>;
  }

  async streamsSent(): Promise<void> {
    await this.ctl.request({ cmd: 'STREAMS_SENT' });
  }

  async metadata(handle: bigint, text: string, padding = 0): Promise<void> {
    await this.ctl.request({ cmd: 'SEND_METADATA', streamId: handle, paddingSize: padding, data: Buffer.from(text) });
  }

  /** one packet on the data port and its index on the control port; resolves with SEND_INDEX's reply code */
  async packet(handle: bigint, payload: Uint8Array, padding = 0, o: IndexOptions = {}): Promise<number> {
    const net = this.seq.get(handle) ?? 0n;
    this.seq.set(handle, net + 1n);
    const pseq = o.packetSeqNum ?? this.packetSeq.get(handle) ?? 0n;
    this.packetSeq.set(handle, pseq + 1n);
    this.data.write(dataPacket(handle, net, payload, padding));
    const size = BigInt(payload.length + padding) * 8n;
    const r = await this.ctl.request({
      cmd: 'SEND_INDEX', relayStreamId: handle, netSeqNum: net, packetSize: size, contentSize: o.contentSize ?? BigInt(payload.length) * 8n,
      timestampBegin: o.timestampBegin ?? 1000n + pseq, timestampEnd: o.timestampEnd ?? 2000n + pseq, eventsDiscarded: 0n, streamId: 0n, streamInstanceId: 0n, packetSeqNum: pseq,
    });
    return (r as RelayReplyOf<'GENERIC'>).retCode;
  }

  async beacon(handle: bigint, timestampEnd: bigint): Promise<void> {
    await this.ctl.request({
      cmd: 'SEND_INDEX', relayStreamId: handle, netSeqNum: 0n, packetSize: 0n, contentSize: 0n, timestampBegin: 0n, timestampEnd, eventsDiscarded: 0n, streamId: 0n, streamInstanceId: 0n, packetSeqNum: 0n,
    });
  }

  /** net_seq_num of the last packet sent on `handle` (NONE when none) */
  last(handle: bigint): bigint {
    const n = this.seq.get(handle);
    return n === undefined ? 0xffff_ffff_ffff_ffffn : n - 1n;
  }

  async closeStream(handle: bigint): Promise<RelayReply | undefined> {
    return this.ctl.request({ cmd: 'CLOSE_STREAM', streamId: handle, lastNetSeqNum: this.last(handle) });
  }

  close(): void {
    this.ctl.close();
    this.data.destroy();
  }
}

export async function until(what: string, cond: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 20));
  if (!cond()) throw new Error(`timed out waiting: ${what}`);
}
