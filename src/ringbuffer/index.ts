// Shared-memory ring buffers between a traced app thread (producer) and the
// session daemon (reader). See layout.ts for the format.
export { RingBufferProducer } from './producer.js';
export { RingBufferReader, type RingBufferPacket } from './reader.js';
export {
  RingBufferError, shmName, checkConfig, headerBytes, CTF_MAGIC, P as PACKET_OFFSETS, COMPACT_HEADER, EXTENDED_HEADER, EXTENDED_ID,
  type RingBufferConfig,
} from './layout.js';
export { gettid, unlinkShm, ShmError } from './shm.js';
