// Framing of the relayd control port: `lttcomm_relayd_hdr` + payload from the sessiond,
// headerless replies from the relay. Both decoders take TCP chunks of any size and hand
// out whole messages; both follow the version negotiation themselves (VERSION fixes the
// minor, which chooses the struct forms of later frames, possibly in the same chunk).
import { Reader, Writer } from './bytes.js';
import { RELAYD_MAX_CONTROL_PAYLOAD, decodeRelayPayload, encodeRelayPayload, relayCommandName, relayPayloadBounds } from './relayd-commands.js';
import { RELAYD_MAX_REPLY_PATH, RELAYD_REPLIES, type RelayReplyKind, encodeRelayReply } from './relayd-replies.js';
import { CommandDecoder, ReplyDecoder } from './stream.js';
import { structSize, writeStruct, type StructOf } from './struct.js';
import { RELAYD_HEADER, RELAYD_MAJOR, RELAYD_MINOR, RelayCmd, type RelayCommand, type RelayControlFrame, type RelayReply } from './relayd-types.js';

export const RELAYD_HEADER_SIZE = structSize(RELAYD_HEADER);

export interface EncodeRelayOptions {
  /** negotiated minor: chooses the struct forms (default RELAYD_MINOR, 13) */
  minor?: number;
  circuitId?: bigint;
  cmdVersion?: number;
}

/** Header + payload of one control command, ready to write. */
export function encodeRelayCommand(msg: RelayCommand, opts: EncodeRelayOptions = {}): Buffer {
  const payload = encodeRelayPayload(msg, opts.minor ?? RELAYD_MINOR);
  const cmd = msg.cmd === 'UNKNOWN' ? msg.id : RelayCmd[msg.cmd];
  const w = new Writer(RELAYD_HEADER_SIZE + payload.length, 'relayd-control', relayCommandName(cmd));
  writeStruct(w, RELAYD_HEADER, { circuitId: opts.circuitId ?? 0n, dataSize: BigInt(payload.length), cmd, cmdVersion: opts.cmdVersion ?? 0 });
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
export class RelayCommandDecoder extends CommandDecoder<RelayControlFrame, typeof RELAYD_HEADER> {
  private readonly maxPayload: number;

  constructor(opts: RelayCommandDecoderOptions = {}) {
    super('relayd-control', RELAYD_HEADER, RELAYD_MAJOR, opts.serverMinor ?? RELAYD_MINOR);
    this.maxPayload = opts.maxPayload ?? RELAYD_MAX_CONTROL_PAYLOAD;
  }

  protected commandName(id: number): string {
    return relayCommandName(id);
  }

  protected bounds(id: number): [number, number] {
    const [min, max] = relayPayloadBounds(id, this.minor, this.maxPayload);
    return [min, Math.min(max, this.maxPayload)];
  }

  protected frame(head: StructOf<typeof RELAYD_HEADER>, payload: Reader, offset: number, size: number): RelayControlFrame {
    const command = decodeRelayPayload(head.cmd, payload, this.minor);
    if (command.cmd === 'VERSION') this.settle(command.major, command.minor);
    return { command, circuitId: head.circuitId, cmdVersion: head.cmdVersion, offset, size };
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
export class RelayReplyDecoder extends ReplyDecoder<RelayCommand, RelayReplyKind, RelayReply> {
  constructor(opts: RelayReplyDecoderOptions = {}) {
    super(RELAYD_REPLIES, opts.clientMinor ?? RELAYD_MINOR, RELAYD_MAX_REPLY_PATH);
  }
}

/** Encodes a reply for the given negotiated minor (re-exported for the relay side). */
export { encodeRelayReply };
