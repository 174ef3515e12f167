// Public API of src/wire: LTTng's relayd (control + data) and live viewer protocol codecs.
export { WireError } from './errors.js';
export type { WireProtocol } from './errors.js';
export type { UnknownCommand } from './stream.js';
export { LTTNG_HOST_NAME_MAX, LTTNG_NAME_MAX, LTTNG_PATH_MAX } from './struct.js';
export type { StructOf } from './struct.js';
export * from './relayd-types.js';
export { RELAYD_MAX_CONTROL_PAYLOAD, RELAYD_MAX_UNKNOWN_PAYLOAD, RELAYD_MAX_ROTATE_STREAMS, relayCommandName, relayPayloadBounds, encodeRelayPayload, decodeRelayPayload } from './relayd-commands.js';
export { RELAYD_MAX_REPLY_PATH, replyKindOf } from './relayd-replies.js';
export type { RelayReplyKind } from './relayd-replies.js';
export { RELAYD_HEADER_SIZE, encodeRelayCommand, encodeRelayFrame, encodeRelayReply, RelayCommandDecoder, RelayReplyDecoder } from './relayd.js';
export type { EncodeRelayOptions, RelayCommandDecoderOptions, RelayReplyDecoderOptions } from './relayd.js';
export {
  RELAYD_DATA_HEADER_SIZE, RELAYD_MAX_DATA_PACKET, RELAYD_MAX_ASSEMBLED_PACKET,
  encodeRelayDataHeader, decodeRelayDataHeader, encodeRelayDataPacket, RelayDataDecoder, RelayDataPacketDecoder,
} from './relayd-data.js';
export type { RelayDataPiece, RelayDataPacket, RelayDataDecoderOptions } from './relayd-data.js';
export * from './live-types.js';
export { LIVE_MAX_UNKNOWN_PAYLOAD, liveCommandName, livePayloadBounds } from './live-commands.js';
export type { EncodeLiveOptions } from './live-commands.js';
export { LIVE_MAX_REPLY, LIVE_MAX_SESSIONS } from './live-replies.js';
export type { LiveReplyKind } from './live-replies.js';
export { encodeLiveCommand, encodeLiveReply, encodeLiveFrame, LiveCommandDecoder, LiveReplyDecoder } from './live.js';
export type { LiveCommandDecoderOptions, LiveReplyDecoderOptions } from './live.js';
