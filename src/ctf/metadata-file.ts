// Reading a metadata file: plain TSDL text or packetized (magic 0x75D11D57).

export const METADATA_MAGIC = 0x75d11d57;
export const METADATA_HEADER_SIZE = 37;

export class MetadataFileError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
    this.name = 'MetadataFileError';
  }
}

export interface MetadataText {
  text: string;
  packetized: boolean;
  /** UUID of the metadata packets, when packetized */
  uuid?: Uint8Array;
  byteOrder?: 'le' | 'be';
}

export function isPacketized(buf: Uint8Array): boolean {
  if (buf.length < 4) return false;
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  return dv.getUint32(0, true) === METADATA_MAGIC || dv.getUint32(0, false) === METADATA_MAGIC;
}

/** Concatenates the TSDL text of a metadata stream (packetized or not). Pure. */
export function decodeMetadata(buf: Uint8Array): MetadataText {
  if (!isPacketized(buf)) return { text: Buffer.from(buf).toString('utf8'), packetized: false };
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const le = dv.getUint32(0, true) === METADATA_MAGIC;
  const parts: Buffer[] = [];
  let off = 0;
  let uuid: Uint8Array | undefined;
  while (off < buf.length) {
    if (buf.length - off < METADATA_HEADER_SIZE)
      throw new MetadataFileError(`truncated metadata packet header (${buf.length - off} bytes left)`, off);
    const magic = dv.getUint32(off, le);
    if (magic !== METADATA_MAGIC) throw new MetadataFileError(`bad metadata packet magic 0x${magic.toString(16)}`, off);
    const u = buf.slice(off + 4, off + 20);
    if (uuid && Buffer.compare(Buffer.from(uuid), Buffer.from(u)) !== 0)
      throw new MetadataFileError('metadata packet UUID differs from the first packet\'s', off);
    uuid = u;
    const contentBits = dv.getUint32(off + 24, le);
    const packetBits = dv.getUint32(off + 28, le);
    const compression = buf[off + 32]!;
    const encryption = buf[off + 33]!;
    const checksum = buf[off + 34]!;
    const major = buf[off + 35]!;
    const minor = buf[off + 36]!;
    if (major !== 1 || minor !== 8) throw new MetadataFileError(`invalid metadata packet version ${major}.${minor} (expecting 1.8)`, off + 35);
    if (compression || encryption || checksum)
      throw new MetadataFileError('compressed, encrypted or checksummed metadata packets are not supported', off + 32);
    if (packetBits % 8 || contentBits % 8 || contentBits > packetBits || contentBits < METADATA_HEADER_SIZE * 8)
      throw new MetadataFileError(`invalid metadata packet sizes: content ${contentBits} bits, packet ${packetBits} bits`, off + 24);
    const end = off + packetBits / 8;
    if (off + contentBits / 8 > buf.length)
      throw new MetadataFileError(`metadata packet content (${contentBits / 8} bytes) goes past the end of the file`, off);
    parts.push(Buffer.from(buf.subarray(off + METADATA_HEADER_SIZE, off + contentBits / 8)));
    off = Math.min(end, buf.length);
  }
  return { text: Buffer.concat(parts).toString('utf8'), packetized: true, uuid, byteOrder: le ? 'le' : 'be' };
}
