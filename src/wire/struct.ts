// Fixed-layout structs described once, as data: the field order, the wire name an error
// names, and the type (big-endian u8/u32/u64, or a NUL-padded char[N]). Reading, writing
// and the TypeScript type of a struct all come from the same description.
import { type Reader, Writer } from './bytes.js';
import type { WireProtocol } from './errors.js';

/** LTTng's limits (PATH_MAX, LTTNG_NAME_MAX, LTTNG_HOST_NAME_MAX), NUL included. */
export const LTTNG_PATH_MAX = 4096;
export const LTTNG_NAME_MAX = 255;
export const LTTNG_HOST_NAME_MAX = 64;

/** The tail both command headers share (`lttcomm_relayd_hdr` has a circuit id before it). */
export const COMMAND_HEADER_FIELDS = {
  /** payload bytes after the header */
  dataSize: ['data_size', 'u64'],
  cmd: ['cmd', 'u32'],
  /** always 0: struct forms go by the negotiated minor */
  cmdVersion: ['cmd_version', 'u32'],
} as const;

/**
 * The fields of a CTF index entry (LTTng's ctf-index.h) that both protocols carry:
 * SEND_INDEX to the relay, the index a viewer gets. Sizes in bits; stream_id is the CTF
 * stream class.
 */
export const PACKET_INDEX_FIELDS = {
  packetSize: ['packet_size', 'u64'],
  contentSize: ['content_size', 'u64'],
  timestampBegin: ['timestamp_begin', 'u64'],
  timestampEnd: ['timestamp_end', 'u64'],
  eventsDiscarded: ['events_discarded', 'u64'],
  streamId: ['stream_id', 'u64'],
} as const;

export type FieldType = 'u8' | 'u32' | 'u64' | { chars: number };
export type StructSpec = Readonly<Record<string, readonly [wire: string, type: FieldType]>>;

type ValueOf<T extends FieldType> = T extends 'u64' ? bigint : T extends { chars: number } ? string : number;
/** The decoded form of a struct: u64 → bigint, u8/u32 → number, char[N] → string. */
export type StructOf<S extends StructSpec> = { -readonly [K in keyof S]: ValueOf<S[K][1]> };

function sizeOf(t: FieldType): number {
  return t === 'u8' ? 1 : t === 'u32' ? 4 : t === 'u64' ? 8 : t.chars;
}

export function structSize(spec: StructSpec): number {
  let n = 0;
  for (const [, t] of Object.values(spec)) n += sizeOf(t);
  return n;
}

/** byte offset of a field within its struct */
export function offsetOf(spec: StructSpec, key: string): number {
  let n = 0;
  for (const [k, [, t]] of Object.entries(spec)) {
    if (k === key) return n;
    n += sizeOf(t);
  }
  throw new RangeError(`no field ${key}`);
}

export function readStruct<S extends StructSpec>(r: Reader, spec: S, prefix = ''): StructOf<S> {
  const out: Record<string, number | bigint | string> = {};
  for (const [key, [wire, t]] of Object.entries(spec)) {
    const f = prefix + wire;
    out[key] = t === 'u8' ? r.u8(f) : t === 'u32' ? r.u32(f) : t === 'u64' ? r.u64(f) : r.fixedString(t.chars, f);
  }
  return out as StructOf<S>;
}

/** Writes the spec's fields of v (other properties of v are ignored); values are range-checked. */
export function writeStruct<S extends StructSpec>(w: Writer, spec: S, v: StructOf<S>, prefix = ''): void {
  const values = v as Record<string, unknown>;
  for (const [key, [wire, t]] of Object.entries(spec)) {
    const f = prefix + wire;
    const x = values[key];
    if (t === 'u64') w.u64(x as bigint, f);
    else if (t === 'u32') w.u32(x as number, f);
    else if (t === 'u8') w.u8(x as number, f);
    else w.fixedString(x as string, t.chars, f);
  }
}

/**
 * One whole message: `{ [tag]: name, ...fields }` read with spec when the message is one fixed
 * struct, else what variable() reads; then the reader must be at its end. The cast is sound
 * because every fixed message type is derived (StructOf) from the spec it is read with.
 */
export function readMessage<T>(r: Reader, tag: 'cmd' | 'reply', name: string, spec: StructSpec | undefined, variable: () => T): T {
  const msg = spec ? ({ [tag]: name, ...readStruct(r, spec) } as T) : variable();
  r.end();
  return msg;
}

/** One fixed struct alone, as bytes (v's other properties are ignored; values are range-checked). */
export function encodeStruct<S extends StructSpec>(protocol: WireProtocol, name: string, spec: S, v: StructOf<S>): Buffer {
  const w = new Writer(structSize(spec), protocol, name);
  writeStruct(w, spec, v);
  return w.done();
}
