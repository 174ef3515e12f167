// The relayd data port: `lttcomm_relayd_data_hdr` (32 B) + data_size packet bytes, no
// handshake, no reply. The piece decoder hands out the payload as it arrives, as views of
// the received chunks (no copy, nothing buffered beyond one header), so ingest can write
// straight to files; the packet decoder assembles whole packets, for small clients and tests.
import { Reader } from './bytes.js';
import { WireError } from './errors.js';
import { RELAYD_DATA_HEADER, type RelayDataHeader } from './relayd-types.js';
import { StreamDecoder } from './stream.js';
import { encodeStruct, readStruct } from './struct.js';

export const RELAYD_DATA_HEADER_SIZE = 32;
/** Default cap of data_size + padding_size (one sub-buffer; LTTng's are far smaller). */
export const RELAYD_MAX_DATA_PACKET = 256 * 1024 * 1024;
/** Default cap of a packet assembled whole by RelayDataPacketDecoder. */
export const RELAYD_MAX_ASSEMBLED_PACKET = 64 * 1024 * 1024;

export function encodeRelayDataHeader(h: RelayDataHeader): Buffer {
  return encodeStruct('relayd-data', 'data header', RELAYD_DATA_HEADER, h);
}

export function decodeRelayDataHeader(bytes: Uint8Array, at = 0): RelayDataHeader {
  const r = new Reader(bytes, 'relayd-data', 'data header', at);
  const h = readStruct(r, RELAYD_DATA_HEADER);
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

export class RelayDataDecoder extends StreamDecoder<RelayDataPiece> {
  private current: { header: RelayDataHeader; at: number; done: number } | undefined;
  private readonly maxPacket: number;

  constructor(opts: RelayDataDecoderOptions = {}) {
    super('relayd-data');
    this.maxPacket = opts.maxPacket ?? RELAYD_MAX_DATA_PACKET;
  }

  /** true between packets (a clean place for the connection to end) */
  get idle(): boolean {
    return this.current === undefined && this.q.length === 0;
  }

  protected step(): RelayDataPiece | undefined {
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
export class RelayDataPacketDecoder extends StreamDecoder<RelayDataPacket> {
  private pieces: RelayDataDecoder;
  private parts: Uint8Array[] = [];

  constructor(opts: RelayDataDecoderOptions = {}) {
    super('relayd-data');
    // the piece decoder refuses an oversized packet from its header, before any of it is kept
    this.pieces = new RelayDataDecoder({ maxPacket: opts.maxPacket ?? RELAYD_MAX_ASSEMBLED_PACKET });
  }

  override push(chunk: Uint8Array): void {
    this.pieces.push(chunk);
  }

  override get buffered(): number {
    return this.pieces.buffered + this.parts.reduce((n, p) => n + p.length, 0);
  }

  protected step(): RelayDataPacket | undefined {
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
}
