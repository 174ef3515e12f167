// Framing of the live viewer port: `lttng_viewer_cmd` + request from the viewer, headerless
// replies from the relay. Both decoders take TCP chunks of any size, hand out whole
// messages, and follow CONNECT's version negotiation (the minor picks the session-list form).
import { Reader } from './bytes.js';
import { decodeLivePayload, encodeLiveCommand, liveCommandName, livePayloadBounds } from './live-commands.js';
import { LIVE_MAX_REPLY, LIVE_REPLIES, encodeLiveReply, type LiveReplyKind } from './live-replies.js';
import { CommandDecoder, ReplyDecoder } from './stream.js';
import type { StructOf } from './struct.js';
import { LIVE_HEADER, LIVE_MAJOR, LIVE_MINOR, type LiveCommand, type LiveCommandFrame, type LiveReply } from './live-types.js';

export { encodeLiveCommand, encodeLiveReply };

/** Re-encodes a decoded command frame (cmd_version kept). */
export function encodeLiveFrame(frame: LiveCommandFrame): Buffer {
  return encodeLiveCommand(frame.command, { cmdVersion: frame.cmdVersion });
}

export interface LiveCommandDecoderOptions {
  /** the minor this relay answers CONNECT with (default 4); the negotiated one is min(ours, theirs) */
  serverMinor?: number;
}

/**
 * Relay side of the live port: viewer → relay commands. push() chunks, then next() until
 * undefined. A WireError leaves the decoder failed: close the connection.
 */
export class LiveCommandDecoder extends CommandDecoder<LiveCommandFrame, typeof LIVE_HEADER> {
  constructor(opts: LiveCommandDecoderOptions = {}) {
    super('live-command', LIVE_HEADER, LIVE_MAJOR, opts.serverMinor ?? LIVE_MINOR);
  }

  protected commandName(id: number): string {
    return liveCommandName(id);
  }

  protected bounds(id: number): [number, number] {
    return livePayloadBounds(id);
  }

  protected frame(head: StructOf<typeof LIVE_HEADER>, payload: Reader, offset: number, size: number): LiveCommandFrame {
    const command = decodeLivePayload(head.cmd, payload);
    if (command.cmd === 'CONNECT') this.settle(command.major, command.minor);
    return { command, cmdVersion: head.cmdVersion, offset, size };
  }
}

export interface LiveReplyDecoderOptions {
  /** the minor this viewer sends in CONNECT (default 4) */
  clientMinor?: number;
  /** cap of one reply (default 64 MiB); GET_PACKET replies are also capped by the len asked */
  maxReply?: number;
}

/**
 * Viewer side of the live port: relay → viewer replies. Call expect(command) for each
 * command sent, in order; push() chunks; next() until undefined.
 */
export class LiveReplyDecoder extends ReplyDecoder<LiveCommand, LiveReplyKind, LiveReply> {
  constructor(opts: LiveReplyDecoderOptions = {}) {
    super(LIVE_REPLIES, opts.clientMinor ?? LIVE_MINOR, opts.maxReply ?? LIVE_MAX_REPLY);
  }
}
