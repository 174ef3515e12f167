// Trace chunks on local files: what LTTng's CLOSE_TRACE_CHUNK close commands
// do to a chunk's directory (move it to the session's archives, or delete
// it), and TRACE_CHUNK_EXISTS.
import * as path from 'node:path';
import { nodeFs } from './fs.js';
import type { OutputFs } from './fs.js';

/**
 * Moves a closed chunk to `archive`: the whole directory, or with `parts`
 * only those of its entries that exist (the first chunk is the top of the
 * session output, which holds other things too).
 */
export function archiveChunk(dir: string, archive: string, parts?: readonly string[], fs: OutputFs = nodeFs): void {
  if (parts) {
    fs.mkdir(archive);
    for (const p of parts) {
      const from = path.join(dir, p);
      if (fs.exists(from)) fs.rename(from, path.join(archive, p));
    }
  } else {
    fs.mkdir(path.dirname(archive));
    fs.rename(dir, archive);
  }
}

/** removes a chunk (or a failed snapshot) and everything in it */
export function deleteChunk(dir: string, fs: OutputFs = nodeFs): void {
  fs.remove(dir);
}

export function chunkExists(dir: string, fs: OutputFs = nodeFs): boolean {
  return fs.exists(dir);
}
