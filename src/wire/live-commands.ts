// Viewer → relay commands: `lttng_viewer_cmd` header (16 B) + one fixed request struct.
import { Reader, Writer } from './bytes.js';
import { LIVE_HEADER, LIVE_REQUESTS, LiveCmd, type LiveCommand, type LiveRequestCmd } from './live-types.js';
import { readMessage, structSize, writeStruct, type StructOf, type StructSpec } from './struct.js';

/** Largest payload of an unknown command id (read whole, then answered LTTNG_ERR_UNK). */
export const LIVE_MAX_UNKNOWN_PAYLOAD = 64 * 1024;

const NAME_BY_ID = new Map<number, LiveRequestCmd>(Object.entries(LiveCmd).map(([k, v]) => [v, k as LiveRequestCmd]));
export function liveCommandName(id: number): string {
  return NAME_BY_ID.get(id) ?? `command ${id}`;
}

/** Exact payload size of each known command; unknown ids: [0, LIVE_MAX_UNKNOWN_PAYLOAD]. */
export function livePayloadBounds(id: number): [number, number] {
  const name = NAME_BY_ID.get(id);
  if (name === undefined) return [0, LIVE_MAX_UNKNOWN_PAYLOAD];
  const n = structSize(LIVE_REQUESTS[name]);
  return [n, n];
}

export function decodeLivePayload(id: number, r: Reader): LiveCommand {
  r.command = liveCommandName(id);
  const name = NAME_BY_ID.get(id);
  return readMessage<LiveCommand>(r, 'cmd', r.command, name && LIVE_REQUESTS[name], () => ({ cmd: 'UNKNOWN', id, payload: r.bytes(r.remaining, 'payload') }));
}

export interface EncodeLiveOptions {
  cmdVersion?: number;
}

/** Header + payload of one viewer command, in one buffer (babeltrace2 writes them together to dodge Nagle). */
export function encodeLiveCommand(msg: LiveCommand, opts: EncodeLiveOptions = {}): Buffer {
  const id = msg.cmd === 'UNKNOWN' ? msg.id : LiveCmd[msg.cmd];
  const spec: StructSpec | undefined = msg.cmd === 'UNKNOWN' ? undefined : LIVE_REQUESTS[msg.cmd];
  const size = spec ? structSize(spec) : msg.cmd === 'UNKNOWN' ? msg.payload.length : 0;
  const w = new Writer(structSize(LIVE_HEADER) + size, 'live-command', liveCommandName(id));
  writeStruct(w, LIVE_HEADER, { dataSize: BigInt(size), cmd: id, cmdVersion: opts.cmdVersion ?? 0 });
  if (spec) writeStruct(w, spec, msg as unknown as StructOf<StructSpec>);
  else if (msg.cmd === 'UNKNOWN') w.bytes(msg.payload);
  return w.done();
}
