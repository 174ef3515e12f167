// Snapshot trimming (pure): which packets of a stream a snapshot keeps so that
// its files fit a byte budget (`snapshot record --max-size`, shared out over
// the streams as LTTng does).
import { INDEX_ENTRY_BYTES, INDEX_HEADER_BYTES } from './ctf-index.js';

export interface Kept {
  /** index of the oldest packet kept: packets `from`… are kept */
  from: number;
  /** bytes of the kept packets, their index entries and the index header */
  bytes: number;
}

/**
 * The newest packets whose bytes, with one index entry each and the index
 * header, fit in `budget` (0 or less: no limit). The newest packet is kept even
 * when it alone does not fit: a snapshot of a stream is never empty.
 */
export function newestWithin(sizes: readonly number[], budget: number, entryBytes = INDEX_ENTRY_BYTES): Kept {
  let bytes = INDEX_HEADER_BYTES;
  let from = sizes.length;
  while (from > 0) {
    const next = bytes + sizes[from - 1]! + entryBytes;
    if (budget > 0 && next > budget) break;
    bytes = next;
    from--;
  }
  if (from === sizes.length && from > 0) {
    from--;
    bytes += sizes[from]! + entryBytes;
  }
  return { from, bytes };
}
