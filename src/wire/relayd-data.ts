// The relayd data port: `lttcomm_relayd_data_hdr` (32 B) + data_size packet bytes, no
// handshake, no reply. The piece decoder hands out the payload as it arrives, as views of
// the received chunks (no copy, nothing buffered beyond one header), so ingest can write
// straight to files; the packet decoder assembles whole packets, for small clients and tests.
import { ByteQueue, Reader, Writer } from './bytes.js';
import { WireError } from './errors.js';
import type { RelayDataHeader } from './relayd-types.js';

export const RELAYD_DATA_HEADER_SIZE = 32;
/** Default cap of data_size + padding_size (one sub-buffer; LTTng's are far smaller). */
export const RELAYD_MAX_DATA_PACKET = 256 * 1024 * 1024;
/** Default cap of a packet assembled whole by RelayDataPacketDecoder. */
export const RELAYD_MAX_ASSEMBLED_PACKET = 64 * 1024 * 1024;

export function encodeRelayDataHeader(h: RelayDataHeader): Buffer {
  const w = new Writer(RELAYD_DATA_HEADER_SIZE, 'relayd-data', 'data header');
  w.u64(h.circuitId, 'circuit_id');
  w.u64(h.streamId, 'stream_id');
  w.u64(h.netSeqNum, 'net_seq_num');
  w.u32(h.dataSize, 'data_size');
  w.u32(h.paddingSize, 'padding_size');
  return w.done();
}

export function decodeRelayDataHeader(bytes: Uint8Array, at = 0): RelayDataHeader {
  const r = new Reader(bytes, 'relayd-data', 'data header', at);
  const h: RelayDataHeader = {
    circuitId: r.u64('circuit_id'),
    streamId: r.u64('stream_id'),
    netSeqNum: r.u64('net_seq_num'),
    dataSize: r.u32('data_size'),
    paddingSize: r.u32('padding_size'),
  };
  r.end();
  return h;
}

/** Header + payload of one data packet, one buffer (padding is never sent). */
export function encodeRelayDataPacket(h: Omit<RelayDataHeader, 'dataSize'>, payload: Uint8Array): Buffer {
  const head = encodeRelayDataHeader({ ...h, dataSize: payload.length });
  return Buffer.concat([head, payload]);
}

/** A slice of one packet's payload. Every packet yields at least one piece; the last has end = true. */
export interface RelayDataPiece {
  header: RelayDataHeader;
  /** stream offset of the packet's header */
  packetOffset: number;
  /** where these bytes go within the packet's payload */
  offset: number;
  /** a view of the received chunk: consume it before that chunk's memory is reused */
  bytes: Uint8Array;
  end: boolean;
}

export interface RelayDataDecoderOptions {
  /** cap of data_size + padding_size (default RELAYD_MAX_DATA_PACKET) */
  maxPacket?: number;
}

export class RelayDataDecoder {
  private q = new ByteQueue();
  private failed: WireError | undefined;
  private current: { header: RelayDataHeader; at: number; done: number } | undefined;
  private readonly maxPacket: number;

  constructor(opts: RelayDataDecoderOptions = {}) {
    this.maxPacket = opts.maxPacket ?? RELAYD_MAX_DATA_PACKET;
  }

  push(chunk: Uint8Array): void {
    this.q.push(chunk);
  }

  /** true between packets (a clean place for the connection to end) */
  get idle(): boolean {
    return this.current === undefined && this.q.length === 0;
  }

  next(): RelayDataPiece | undefined {
    if (this.failed) throw this.failed;
    try {
      return this.step();
    } catch (e) {
      this.failed = e instanceof WireError ? e : new WireError('relayd-data', 'data header', 'decoder', this.q.consumed, `internal error: ${String(e)}`);
      throw this.failed;
    }
  }

  drain(chunk?: Uint8Array): RelayDataPiece[] {
    if (chunk) this.push(chunk);
    const out: RelayDataPiece[] = [];
    for (let p = this.next(); p; p = this.next()) out.push(p);
    return out;
  }

  private step(): RelayDataPiece | undefined {
    const q = this.q;
    if (!this.current) {
      if (q.length < RELAYD_DATA_HEADER_SIZE) return undefined;
      const at = q.consumed;
      const header = decodeRelayDataHeader(q.take(RELAYD_DATA_HEADER_SIZE), at);
      if (header.dataSize + header.paddingSize > this.maxPacket) {
        throw new WireError('relayd-data', 'data header', 'data_size', at + 24, `${header.dataSize} + padding ${header.paddingSize} exceed ${this.maxPacket} bytes`);
      }
      this.current = { header, at, done: 0 };
      if (header.dataSize === 0) {
        this.current = undefined;
        return { header, packetOffset: at, offset: 0, bytes: new Uint8Array(0), end: true };
      }
    }
    const cur = this.current;
    if (q.length === 0) return undefined;
    const bytes = q.takeSome(cur.header.dataSize - cur.done);
    const offset = cur.done;
    cur.done += bytes.length;
    const end = cur.done === cur.header.dataSize;
    if (end) this.current = undefined;
    return { header: cur.header, packetOffset: cur.at, offset, bytes, end };
  }
}

export interface RelayDataPacket {
  header: RelayDataHeader;
  offset: number;
  payload: Uint8Array;
}

/** Whole packets: header and payload in one piece (copied when the payload spans chunks). */
export class RelayDataPacketDecoder {
  private pieces: RelayDataDecoder;
  private parts: Uint8Array[] = [];

  constructor(opts: RelayDataDecoderOptions = {}) {
    // the piece decoder refuses an oversized packet from its header, before any of it is kept
    this.pieces = new RelayDataDecoder({ maxPacket: opts.maxPacket ?? RELAYD_MAX_ASSEMBLED_PACKET });
  }

  push(chunk: Uint8Array): void {
    this.pieces.push(chunk);
  }

  next(): RelayDataPacket | undefined {
    for (let p = this.pieces.next(); p; p = this.pieces.next()) {
      this.parts.push(p.bytes);
      if (p.end) {
        const payload = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts);
        this.parts = [];
        return { header: p.header, offset: p.packetOffset, payload };
      }
    }
    return undefined;
  }

  drain(chunk?: Uint8Array): RelayDataPacket[] {
    if (chunk) this.push(chunk);
    const out: RelayDataPacket[] = [];
    for (let p = this.next(); p; p = this.next()) out.push(p);
    return out;
  }
}
