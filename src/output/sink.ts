// The one trace-output interface. A producer (the kernel consumer, the
// user-space consumer, a snapshot, `ttng convert`) hands over finished CTF
// packets with the fields of their index entries, and metadata text; the sink
// decides where the bytes go. local.ts writes LTTng's on-disk layout; a relayd
// sink implements the same calls with LTTng's relayd protocol (see README.md).
import type { IndexFields } from './ctf-index.js';

export type { IndexFields } from './ctf-index.js';

/** per-stream options, as ADD_STREAM carries them */
export interface StreamOptions {
  /** `--tracefile-size`: bytes per file (0 or undefined: one file, no limit) */
  tracefileSize?: number;
  /** `--tracefile-count`: files in the ring (0 or undefined: no limit) */
  tracefileCount?: number;
}

/** One data stream (`<channel>_<cpu>` of the kernel, `<channel>_<n>` of user space). */
export interface StreamOutput {
  readonly name: string;
  /**
   * Appends one packet (its bytes: `packet_size` / 8 of them) and its index
   * entry; the sink fills in the offset, and moves on to the next file of the
   * trace-file ring when the packet would not fit in the current one.
   */
  appendPacket(packet: Uint8Array, index: IndexFields): void;
  /** no more packets; idempotent */
  close(): void;
}

/** One trace (a directory such as `kernel/` or `ust/uid/0/64-bit/`) in the current chunk. */
export interface TraceOutput {
  /** where the trace is: its directory here, its path in the session for a relay */
  readonly path: string;
  /** a new stream of this trace, empty (an existing one of that name is replaced) */
  openStream(name: string, opts?: StreamOptions): StreamOutput;
  /** the whole metadata, replacing what was written (readers never see half of it) */
  writeMetadata(text: Uint8Array | string): void;
  /** more metadata after what was written (new event classes) */
  appendMetadata(text: Uint8Array | string): void;
  /** the current chunk holds this trace's metadata */
  hasMetadata(): boolean;
  /**
   * Session rotation: the open streams close their files in the current chunk
   * and go on, empty, at `path` in the new one. Nothing else is carried over:
   * the producer writes the metadata again (each chunk is a complete trace).
   */
  rotate(path: string): void;
  /** `clear`: the current chunk's stream data is dropped (the metadata stays); open streams start again empty */
  clear(): void;
  /** closes the open streams */
  close(): void;
}
