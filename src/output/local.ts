// The local-files sink: LTTng's on-disk layout of a trace directory —
// `metadata`, one file per stream (`<name>`, or `<name>_<k>` with a trace-file
// ring), and `index/<file>.idx` beside them (CTF index v1.1). All file-system
// access goes through an OutputFs (fs.ts).
import * as path from 'node:path';
import { INDEX_HEADER_BYTES, decodeIndex, encodeIndexEntry, encodeIndexHeader } from './ctf-index.js';
import type { IndexFields } from './ctf-index.js';
import { nodeFs } from './fs.js';
import type { OutputFs } from './fs.js';
import { needsNextFile, nextTracefile, tracefileName, tracefileRing } from './ring.js';
import type { TracefileRing } from './ring.js';
import type { StreamOptions, StreamOutput, TraceOutput } from './sink.js';
import { newestWithin } from './trim.js';

export interface LocalOutputOptions {
  fs?: OutputFs;
  /** mode of the files created (default: the file system's, 0666 less the umask) */
  fileMode?: number;
}

const METADATA = 'metadata';

export class LocalTraceOutput implements TraceOutput {
  readonly fs: OutputFs;
  readonly fileMode: number | undefined;
  private dir: string;
  private readonly streams = new Set<LocalStreamOutput>();

  /** nothing is created until something is written */
  constructor(dir: string, opts: LocalOutputOptions = {}) {
    this.dir = dir;
    this.fs = opts.fs ?? nodeFs;
    this.fileMode = opts.fileMode;
  }

  get path(): string {
    return this.dir;
  }

  /** creates the directory and its `index/` now (a trace without streams still looks like one) */
  mkdirs(): void {
    this.fs.mkdir(path.join(this.dir, 'index'));
  }

  openStream(name: string, opts: StreamOptions = {}): LocalStreamOutput {
    const s = new LocalStreamOutput(this, name, tracefileRing(opts.tracefileSize, opts.tracefileCount));
    this.streams.add(s);
    return s;
  }

  /** @internal a stream closed for good */
  forget(s: LocalStreamOutput): void {
    this.streams.delete(s);
  }

  writeMetadata(text: Uint8Array | string): void {
    this.fs.mkdir(this.dir);
    // a temporary file renamed over the old one: a reader sees the old or the new text, whole
    const tmp = path.join(this.dir, `.metadata.${process.pid}.tmp`);
    this.fs.writeFile(tmp, text, this.fileMode);
    this.fs.rename(tmp, path.join(this.dir, METADATA));
  }

  appendMetadata(text: Uint8Array | string): void {
    this.fs.appendFile(path.join(this.dir, METADATA), text);
  }

  hasMetadata(): boolean {
    return this.fs.exists(path.join(this.dir, METADATA));
  }

  rotate(dir: string): void {
    for (const s of this.streams) s.closeFiles();
    this.dir = dir;
    for (const s of this.streams) s.restart();
  }

  clear(): void {
    for (const s of this.streams) s.closeFiles();
    let names: string[] = [];
    try {
      names = this.fs.list(this.dir).map((e) => e.name);
    } catch {
      /* nothing written yet */
    }
    // the metadata stays, and so do temporary files (a metadata rewrite in progress)
    for (const n of names) if (n !== METADATA && !n.startsWith('.')) this.fs.remove(path.join(this.dir, n));
    for (const s of this.streams) s.restart();
  }

  close(): void {
    for (const s of [...this.streams]) s.close();
  }

  /**
   * Snapshot trimming of a stream written whole (no trace-file ring): keeps
   * its newest packets so that its file and index take at most `budget`
   * bytes (never less than the newest packet; see trim.ts). The kept packets
   * move to the front of the file; their index entries follow them. Returns
   * the bytes kept.
   */
  keepNewest(name: string, budget: number): number {
    const file = path.join(this.dir, name);
    const idx = indexFile(this.dir, name);
    const ib = this.fs.readFile(idx);
    const { header, entries } = decodeIndex(ib);
    const eb = header.entryBytes;
    const { from } = newestWithin(entries.map((e) => Number(e.packetSize / 8n)), budget, eb);
    if (from === 0) return this.fs.size(file) + ib.length;
    const base = entries[from]!.offset;
    const data = this.fs.readFile(file).subarray(Number(base));
    this.fs.writeFile(file, data);
    const out = Buffer.alloc(INDEX_HEADER_BYTES + (entries.length - from) * eb);
    out.set(ib.subarray(0, INDEX_HEADER_BYTES));
    for (let i = from; i < entries.length; i++) {
      const at = INDEX_HEADER_BYTES + (i - from) * eb;
      out.set(ib.subarray(INDEX_HEADER_BYTES + i * eb, INDEX_HEADER_BYTES + (i + 1) * eb), at);
      out.writeBigUInt64BE(entries[i]!.offset - base, at);
    }
    this.fs.writeFile(idx, out);
    return data.length + out.length;
  }

  /** bytes of the files of this trace */
  bytes(): number {
    return treeBytes(this.dir, {}, this.fs);
  }
}

function indexFile(dir: string, file: string): string {
  return path.join(dir, 'index', `${file}.idx`);
}

function writeAll(fs: OutputFs, fd: number, data: Uint8Array, position: number | null): void {
  let off = 0;
  while (off < data.byteLength) off += fs.write(fd, data, off, data.byteLength - off, position === null ? null : position + off);
}

export class LocalStreamOutput implements StreamOutput {
  private fd = -1;
  private idxFd = -1;
  /** the file of the ring being written */
  private k = 0;
  /** bytes in it */
  private used = 0;
  private closed = false;

  constructor(
    private readonly trace: LocalTraceOutput,
    readonly name: string,
    readonly ring: TracefileRing | undefined,
  ) {
    this.openFiles();
  }

  /** the data file being written */
  get file(): string {
    return path.join(this.trace.path, tracefileName(this.name, this.ring, this.k));
  }

  /** opens (truncating) the current data file and its index */
  private openFiles(): void {
    const fs = this.trace.fs;
    const dir = this.trace.path;
    const name = tracefileName(this.name, this.ring, this.k);
    fs.mkdir(path.join(dir, 'index'));
    this.fd = fs.openWrite(path.join(dir, name), this.trace.fileMode);
    this.idxFd = fs.openWrite(indexFile(dir, name), this.trace.fileMode);
    writeAll(fs, this.idxFd, encodeIndexHeader(), null);
    this.used = 0;
  }

  /** @internal */
  closeFiles(): void {
    if (this.fd < 0) return;
    this.trace.fs.close(this.fd);
    this.trace.fs.close(this.idxFd);
    this.fd = this.idxFd = -1;
  }

  /** @internal on again from the ring's first file (a new chunk, or cleared) */
  restart(): void {
    this.k = 0;
    this.openFiles();
  }

  appendPacket(packet: Uint8Array, index: IndexFields): void {
    if (this.closed) throw new Error(`stream ${this.name} is closed`);
    const size = packet.byteLength;
    if (needsNextFile(this.ring, this.used, size)) {
      this.closeFiles();
      this.k = nextTracefile(this.ring!, this.k);
      this.openFiles();
    }
    const fs = this.trace.fs;
    writeAll(fs, this.fd, packet, this.used);
    writeAll(fs, this.idxFd, encodeIndexEntry({ ...index, offset: BigInt(this.used) }), null);
    this.used += size;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.closeFiles();
    this.trace.forget(this);
  }
}

/** A stream file by its path: `file`'s directory is the trace. */
export function localStream(file: string, opts: StreamOptions & LocalOutputOptions = {}): LocalStreamOutput {
  return new LocalTraceOutput(path.dirname(file), opts).openStream(path.basename(file), opts);
}

/**
 * Bytes of the regular files under `dir` (0 when it does not exist; files
 * that vanish meanwhile count for nothing); `withoutMetadata` leaves out the
 * `metadata` files (rotation's `--size` counts trace data only).
 */
export function treeBytes(dir: string, opts: { withoutMetadata?: boolean } = {}, fs: OutputFs = nodeFs): number {
  let n = 0;
  let entries;
  try {
    entries = fs.list(dir);
  } catch {
    return 0;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) n += treeBytes(p, opts, fs);
    else if (e.isFile() && !(opts.withoutMetadata && e.name === METADATA)) {
      try {
        n += fs.size(p);
      } catch {
        /* gone meanwhile */
      }
    }
  }
  return n;
}
