// The daemon's view of one app buffer in shared memory: what the UST consumer
// (ust-session.ts) needs from src/ringbuffer's RingBufferReader.
import { RingBufferReader, shmName as bufferShmName } from '../ringbuffer/index.js';
import type { UstChannelConfig } from '../ust/protocol.js';

export interface UstBufferSource {
  /** complete sub-buffers not read yet, oldest first: whole CTF packets */
  takeComplete(): Uint8Array[];
  /** the complete ones and what the producer wrote of the current one (stop, app gone), without its help */
  takeAll(): Uint8Array[];
  /** a copy of what the buffer holds now (complete packets and the current one), consuming nothing */
  snapshot(): Uint8Array[];
  /** events the producer discarded so far */
  discarded(): number;
  /** unmaps; with `unlink`, removes the shm object */
  close(unlink: boolean): void;
}

/**
 * Maps the buffer an app thread reported. The name must be the one this app
 * and key give (so that an app cannot make the daemon read or unlink someone
 * else's shared memory), and the buffer's header must agree.
 */
export function openUstBuffer(shmName: string, cfg: UstChannelConfig, app: { pid: number; tid: number }): UstBufferSource {
  const expected = bufferShmName(app.pid, app.tid, cfg.chanKey);
  if (shmName !== expected) throw new Error(`unexpected buffer name ${shmName} (expected ${expected})`);
  const r = RingBufferReader.open(shmName);
  if (r.chanKey !== cfg.chanKey || r.pid !== app.pid || r.streamId !== cfg.streamClassId || r.subbufSize !== cfg.subbufSize || r.numSubbuf !== cfg.numSubbuf) {
    r.close(false);
    throw new Error(`buffer ${shmName} does not match its channel configuration`);
  }
  return {
    takeComplete: () => r.read().map((p) => p.data),
    takeAll: () => r.readAll().map((p) => p.data),
    snapshot: () => r.snapshot().map((p) => p.data),
    discarded: () => r.discarded,
    close: (unlink) => r.close(unlink),
  };
}
