// Layout of a ttng user-space ring buffer in shared memory (pure: offsets and
// header helpers, no I/O). One object per (app thread, channel):
//
//   [header: HEADER_BYTES rounded to pages] [sub-buffer 0] … [sub-buffer n-1]
//
// The header is an array of 32-bit words. Producer (app thread) and reader
// (daemon) each own the words they write; every cross-process handoff is one
// Atomics.store of one word, so neither side ever waits for the other:
//
// - slotSeq[i]    packet sequence number being written in sub-buffer i; stored
//                 by the producer *before* it writes a byte of that packet
// - slotClosed[i] sequence number of the last packet completed in sub-buffer i
//                 (header final); stored after the packet's end fields
// - commit record (double-buffered, version word last): {seq, committed bytes
//                 of that packet, timestamp of the last committed event}; the
//                 reader takes a partially written packet from it alone
// - consumed      next packet the reader will read; in discard mode the
//                 producer reuses a sub-buffer only for seq < consumed + n
//
// Sub-buffers hold LTTng-UST CTF packets: packet header (magic, uuid,
// stream_id, stream_instance_id), packet context (timestamp_begin/end,
// content_size, packet_size, packet_seq_num, events_discarded, cpu_id), then
// events with the compact header (5-bit id, 27-bit timestamp; id 31 = extended:
// 32-bit id, 64-bit timestamp), every field byte-aligned as LTTng-UST packs them.

export const RB_MAGIC = 0x54524231; // 'TRB1'
export const RB_VERSION = 1;
export const CTF_MAGIC = 0xc1fc1fc1;

/** word indexes in the header */
export const W = {
  MAGIC: 0,
  VERSION: 1,
  HEADER_BYTES: 2,
  SUBBUF_SIZE: 3,
  NUM_SUBBUF: 4,
  OVERWRITE: 5,
  PID: 6,
  TID: 7,
  STREAM_ID: 8,
  INSTANCE_ID: 9,
  CHAN_KEY: 10,
  /** commit record version (producer) */
  REC_VER: 16,
  /** two records of 4 words: seq, committed bytes, last timestamp lo, hi */
  REC: 20,
  /** cumulative discarded events, lo/hi (producer) */
  DISCARDED_LO: 28,
  DISCARDED_HI: 29,
  /** FLAG_* (producer) */
  FLAGS: 30,
  /** next packet seq the reader reads (reader) */
  CONSUMED: 32,
  READER_PID: 33,
  /** how much of packet TAKEN_SEQ readAll() already returned (reader; a new reader resumes there) */
  TAKEN_SEQ: 34,
  TAKEN_OFF: 35,
  TAKEN_TS_LO: 36,
  TAKEN_TS_HI: 37,
  /** first of the slotSeq words; slotClosed follow them */
  SLOTS: 64,
} as const;

/** the producer released the buffer: nothing more will be written */
export const FLAG_RELEASED = 1;

export const MAX_SUBBUFS = 4096;
export const PAGE = 4096;

/** packet header + LTTng-UST packet context, byte offsets */
export const P = {
  MAGIC: 0,
  UUID: 4,
  STREAM_ID: 20,
  STREAM_INSTANCE_ID: 24,
  TS_BEGIN: 32,
  TS_END: 40,
  CONTENT_SIZE: 48,
  PACKET_SIZE: 56,
  SEQ_NUM: 64,
  EVENTS_DISCARDED: 72,
  CPU_ID: 80,
  /** first event */
  EVENTS: 84,
} as const;

/** compact event header: id (5 bits) | timestamp (27 bits) in one LE word */
export const COMPACT_HEADER = 4;
/** extended: id byte 31, uint32 id, uint64 timestamp */
export const EXTENDED_HEADER = 13;
export const EXTENDED_ID = 31;
export const COMPACT_TS_BITS = 27;

export interface RingBufferConfig {
  subbufSize: number;
  numSubbuf: number;
  overwrite: boolean;
  /** trace UUID, 16 bytes */
  uuid: Uint8Array;
  streamId: number;
  streamInstanceId: number;
  /** written to packet context `cpu_id` (LTTng's stream number) */
  cpuId: number;
  /** the daemon's key, recorded for diagnostics */
  chanKey?: number;
}

export class RingBufferError extends Error {}

export function headerBytes(numSubbuf: number): number {
  const words = W.SLOTS + 2 * numSubbuf;
  return Math.ceil((words * 4) / PAGE) * PAGE;
}

export function isPowerOf2(n: number): boolean {
  return Number.isInteger(n) && n > 0 && (n & (n - 1)) === 0;
}

/** checks a config and returns the total object size */
export function checkConfig(c: Pick<RingBufferConfig, 'subbufSize' | 'numSubbuf'>): number {
  if (!isPowerOf2(c.subbufSize) || c.subbufSize < PAGE || c.subbufSize > 1 << 28)
    throw new RingBufferError(`sub-buffer size ${c.subbufSize}: must be a power of 2 from ${PAGE} to 256 MiB`);
  if (!isPowerOf2(c.numSubbuf) || c.numSubbuf < 2 || c.numSubbuf > MAX_SUBBUFS)
    throw new RingBufferError(`number of sub-buffers ${c.numSubbuf}: must be a power of 2 from 2 to ${MAX_SUBBUFS}`);
  const total = headerBytes(c.numSubbuf) + c.subbufSize * c.numSubbuf;
  if (total > 2 ** 31) throw new RingBufferError(`buffer of ${total} bytes is too large (2 GiB at most)`);
  return total;
}

/** shm object name of one buffer: never `lttng-ust-*` (LTTng-UST's own) */
export function shmName(pid: number, tid: number, chanKey: number): string {
  return `/ttng-ust-${pid}-${tid}-${chanKey}`;
}

/** fills the static part of a fresh header */
export function initHeader(h: Int32Array, c: RingBufferConfig, pid: number, tid: number): void {
  h[W.VERSION] = RB_VERSION;
  h[W.HEADER_BYTES] = headerBytes(c.numSubbuf);
  h[W.SUBBUF_SIZE] = c.subbufSize;
  h[W.NUM_SUBBUF] = c.numSubbuf;
  h[W.OVERWRITE] = c.overwrite ? 1 : 0;
  h[W.PID] = pid;
  h[W.TID] = tid;
  h[W.STREAM_ID] = c.streamId;
  h[W.INSTANCE_ID] = c.streamInstanceId;
  h[W.CHAN_KEY] = c.chanKey ?? 0;
  // no record yet: seq -1 (no packet), nothing closed
  h[W.REC] = -1;
  h[W.REC + 4] = -1;
  h[W.TAKEN_SEQ] = -1;
  for (let i = 0; i < c.numSubbuf; i++) {
    h[W.SLOTS + i] = -1;
    h[W.SLOTS + c.numSubbuf + i] = -1;
  }
  Atomics.store(h, W.MAGIC, RB_MAGIC);
}
