// Framing of the live viewer port: `lttng_viewer_cmd` + request from the viewer, headerless
// replies from the relay. Both decoders take TCP chunks of any size, hand out whole
// messages, and follow CONNECT's version negotiation (the minor picks the session-list form).
import { Reader } from './bytes.js';
import { WireError } from './errors.js';
import { decodeLivePayload, encodeLiveCommand, liveCommandName, livePayloadBounds } from './live-commands.js';
import { LIVE_MAX_REPLY, type MeasureContext, decodeLiveReply, encodeLiveReply, liveReplyKindOf, measureLiveReply, type LiveReplyKind } from './live-replies.js';
import { StreamDecoder } from './stream.js';
import { LIVE_MAJOR, LIVE_MINOR, LiveSizes, type LiveCommand, type LiveCommandFrame, type LiveReply } from './live-types.js';

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
export class LiveCommandDecoder extends StreamDecoder<LiveCommandFrame> {
  readonly serverMinor: number;
  /** serverMinor until CONNECT, then the negotiated minor */
  minor: number;
  /** the viewer's CONNECT, once received */
  peerVersion: { major: number; minor: number } | undefined;

  constructor(opts: LiveCommandDecoderOptions = {}) {
    super('live-command');
    this.serverMinor = opts.serverMinor ?? LIVE_MINOR;
    this.minor = this.serverMinor;
  }

  protected step(): LiveCommandFrame | undefined {
    const q = this.q;
    if (q.length < LiveSizes.HEADER) return undefined;
    const at = q.consumed;
    const dataSize = q.u64At(0);
    const id = q.u32At(8);
    const [min, max] = livePayloadBounds(id);
    const name = liveCommandName(id);
    if (dataSize < BigInt(min) || dataSize > BigInt(max)) {
      throw new WireError('live-command', name, 'data_size', at, `${dataSize} bytes, expected ${min === max ? min : `${min}..${max}`}`);
    }
    const size = LiveSizes.HEADER + Number(dataSize);
    if (q.length < size) return undefined;
    const bytes = q.take(size);
    const r = new Reader(bytes, 'live-command', name, at);
    r.u64('data_size');
    r.u32('cmd');
    const cmdVersion = r.u32('cmd_version');
    const command = decodeLivePayload(id, new Reader(bytes.subarray(LiveSizes.HEADER), 'live-command', name, at + LiveSizes.HEADER));
    if (command.cmd === 'CONNECT') {
      this.peerVersion = { major: command.major, minor: command.minor };
      if (command.major === LIVE_MAJOR) this.minor = Math.min(this.serverMinor, command.minor);
    }
    return { command, cmdVersion, offset: at, size };
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
export class LiveReplyDecoder extends StreamDecoder<LiveReply> {
  private pending: { kind: LiveReplyKind; ctx: MeasureContext }[] = [];
  private readonly maxReply: number;
  /** clientMinor until the CONNECT reply, then the negotiated minor */
  minor: number;

  constructor(opts: LiveReplyDecoderOptions = {}) {
    super('live-reply');
    this.minor = opts.clientMinor ?? LIVE_MINOR;
    this.maxReply = opts.maxReply ?? LIVE_MAX_REPLY;
  }

  expect(command: LiveCommand): void {
    this.pending.push({ kind: liveReplyKindOf(command.cmd), ctx: { minor: this.minor, maxReply: this.maxReply, request: command } });
  }

  get awaiting(): number {
    return this.pending.length;
  }

  protected step(): LiveReply | undefined {
    const q = this.q;
    if (q.length === 0) return undefined;
    const want = this.pending[0];
    if (!want) throw new WireError('live-reply', 'reply', 'stream', q.consumed, `${q.length} bytes arrived with no command awaiting a reply`);
    // the minor may have been negotiated after this command was queued (CONNECT + LIST_SESSIONS in one go)
    want.ctx.minor = this.minor;
    const size = measureLiveReply(want.kind, want.ctx, q);
    if (size === undefined || q.length < size) return undefined;
    const at = q.consumed;
    const reply = decodeLiveReply(want.kind, this.minor, new Reader(q.take(size), 'live-reply', want.kind, at));
    this.pending.shift();
    const req = want.ctx.request;
    if (reply.reply === 'CONNECT' && req?.cmd === 'CONNECT' && reply.major === LIVE_MAJOR) this.minor = Math.min(req.minor, reply.minor);
    return reply;
  }
}
