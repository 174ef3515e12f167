// The one error every decoder (and encoder) of this folder throws. A server or client
// that catches it closes that one connection; anything else escaping a decoder is a bug.

/** Which byte stream a frame came from. */
export type WireProtocol = 'relayd-control' | 'relayd-reply' | 'relayd-data' | 'live-command' | 'live-reply';

export class WireError extends Error {
  override readonly name = 'WireError';
  constructor(
    readonly protocol: WireProtocol,
    /** command (or reply) name, or "header"/"frame" before the command is known */
    readonly command: string,
    /** the field being read or written */
    readonly field: string,
    /** byte offset in the connection's stream (decoding) or in the message (encoding) */
    readonly offset: number,
    readonly detail: string,
  ) {
    super(`${protocol} ${command}: ${field} at byte ${offset}: ${detail}`);
  }
}
