// Framing of the relayd control port: `lttcomm_relayd_hdr` + payload from the sessiond,
// headerless replies from the relay. Both decoders take TCP chunks of any size and hand
// out whole messages; both follow the version negotiation themselves (VERSION fixes the
// minor, which chooses the struct forms of later frames, possibly in the same chunk).
import { Reader, Writer } from './bytes.js';
import { WireError } from './errors.js';
import { RELAYD_MAX_CONTROL_PAYLOAD, decodeRelayPayload, encodeRelayPayload, relayCommandName, relayPayloadBounds } from './relayd-commands.js';
import { type RelayReplyKind, decodeRelayReply, encodeRelayReply, measureRelayReply, replyKindOf } from './relayd-replies.js';
import { StreamDecoder } from './stream.js';
import { RELAYD_MAJOR, RELAYD_MINOR, RelayCmd, type RelayCommand, type RelayControlFrame, type RelayReply } from './relayd-types.js';

export const RELAYD_HEADER_SIZE = 24;

export interface EncodeRelayOptions {
  /** negotiated minor: chooses the struct forms (default RELAYD_MINOR, 13) */
  minor?: number;
  circuitId?: bigint;
  cmdVersion?: number;
}

/** Header + payload of one control command, ready to write. */
export function encodeRelayCommand(msg: RelayCommand, opts: EncodeRelayOptions = {}): Buffer {
  const payload = encodeRelayPayload(msg, opts.minor ?? RELAYD_MINOR);
  const id = msg.cmd === 'UNKNOWN' ? msg.id : RelayCmd[msg.cmd];
  const w = new Writer(RELAYD_HEADER_SIZE + payload.length, 'relayd-control', relayCommandName(id));
  w.u64(opts.circuitId ?? 0n, 'circuit_id');
  w.u64(BigInt(payload.length), 'data_size');
  w.u32(id, 'cmd');
  w.u32(opts.cmdVersion ?? 0, 'cmd_version');
  w.bytes(payload);
  return w.done();
}

/** Re-encodes a decoded frame (header fields kept) for the minor it was decoded with. */
export function encodeRelayFrame(frame: RelayControlFrame, minor: number): Buffer {
  return encodeRelayCommand(frame.command, { minor, circuitId: frame.circuitId, cmdVersion: frame.cmdVersion });
}

export interface RelayCommandDecoderOptions {
  /** the minor this side offers in VERSION (default 13); the negotiated one is min(ours, theirs) */
  serverMinor?: number;
  /** cap of any control payload (default 128 MiB, as lttng-relayd; SEND_METADATA is the only big one) */
  maxPayload?: number;
}

/**
 * Relay side of the control port: sessiond → relayd commands. push() chunks, then next()
 * until undefined. A WireError leaves the decoder failed: close the connection.
 */
export class RelayCommandDecoder extends StreamDecoder<RelayControlFrame> {
  readonly serverMinor: number;
  private readonly maxPayload: number;
  /** the minor the structs are read with: serverMinor until VERSION, then the negotiated one */
  minor: number;
  /** the peer's VERSION, once received */
  peerVersion: { major: number; minor: number } | undefined;

  constructor(opts: RelayCommandDecoderOptions = {}) {
    super('relayd-control');
    this.serverMinor = opts.serverMinor ?? RELAYD_MINOR;
    this.minor = this.serverMinor;
    this.maxPayload = opts.maxPayload ?? RELAYD_MAX_CONTROL_PAYLOAD;
  }

  protected step(): RelayControlFrame | undefined {
    const q = this.q;
    if (q.length < RELAYD_HEADER_SIZE) return undefined;
    const at = q.consumed;
    const dataSize = q.u64At(8);
    const id = q.u32At(16);
    const [min, max] = relayPayloadBounds(id, this.minor, this.maxPayload);
    const name = relayCommandName(id);
    if (dataSize > BigInt(Math.min(max, this.maxPayload)) || dataSize < BigInt(min)) {
      const want = min === max ? `${min}` : `${min}..${Math.min(max, this.maxPayload)}`;
      throw new WireError('relayd-control', name, 'data_size', at + 8, `${dataSize} bytes, expected ${want} (protocol 2.${this.minor})`);
    }
    const size = RELAYD_HEADER_SIZE + Number(dataSize);
    if (q.length < size) return undefined;
    const bytes = q.take(size);
    const r = new Reader(bytes, 'relayd-control', name, at);
    const circuitId = r.u64('circuit_id');
    r.u64('data_size');
    r.u32('cmd');
    const cmdVersion = r.u32('cmd_version');
    const command = decodeRelayPayload(id, new Reader(bytes.subarray(RELAYD_HEADER_SIZE), 'relayd-control', name, at + RELAYD_HEADER_SIZE), this.minor);
    if (command.cmd === 'VERSION') {
      this.peerVersion = { major: command.major, minor: command.minor };
      // lttng-relayd adapts to the lower minor; a major mismatch ends the connection anyway
      if (command.major === RELAYD_MAJOR) this.minor = Math.min(this.serverMinor, command.minor);
    }
    return { command, circuitId, cmdVersion, offset: at, size };
  }
}

export interface RelayReplyDecoderOptions {
  /** the minor this side offers in VERSION (default 13) */
  clientMinor?: number;
}

/**
 * Sessiond side of the control port: relayd → sessiond replies. Call expect(command) for
 * each command sent (in order; SEND_METADATA expects nothing), push() chunks, next().
 */
export class RelayReplyDecoder extends StreamDecoder<RelayReply> {
  private pending: { kind: RelayReplyKind; versionMinor?: number | undefined }[] = [];
  /** the minor replies are read with: clientMinor until the VERSION reply, then the negotiated one */
  minor: number;

  constructor(opts: RelayReplyDecoderOptions = {}) {
    super('relayd-reply');
    this.minor = opts.clientMinor ?? RELAYD_MINOR;
  }

  /** Registers a sent command; returns whether a reply is due for it. */
  expect(command: RelayCommand): boolean {
    const kind = replyKindOf(command.cmd);
    if (kind === undefined) return false;
    this.pending.push({ kind, versionMinor: command.cmd === 'VERSION' ? command.minor : undefined });
    return true;
  }

  /** replies still awaited */
  get awaiting(): number {
    return this.pending.length;
  }

  protected step(): RelayReply | undefined {
    const q = this.q;
    if (q.length === 0) return undefined;
    const want = this.pending[0];
    if (!want) throw new WireError('relayd-reply', 'reply', 'stream', q.consumed, `${q.length} bytes arrived with no command awaiting a reply`);
    const size = measureRelayReply(want.kind, this.minor, q);
    if (size === undefined || q.length < size) return undefined;
    const at = q.consumed;
    const reply = decodeRelayReply(want.kind, this.minor, new Reader(q.take(size), 'relayd-reply', want.kind, at));
    this.pending.shift();
    if (reply.reply === 'VERSION' && want.versionMinor !== undefined && reply.major === RELAYD_MAJOR) {
      this.minor = Math.min(want.versionMinor, reply.minor);
    }
    return reply;
  }
}

/** Encodes a reply for the given negotiated minor (re-exported for the relay side). */
export { encodeRelayReply };
