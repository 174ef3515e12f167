// The source for traces still being written on this machine (a local
// session that records): stream files that grow, new stream files and trace
// directories, metadata that grows. A packet the file does not hold whole
// yet, or a file that has not grown, is AGAIN; after finish() (the session
// stopped) the end of a file is the end of its stream.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TimeBase } from './cursor.js';
import { DecodeState } from './decoder.js';
import { findTraceDirs, isTraceDir, streamFiles } from './discover.js';
import { probePacket } from './file-index.js';
import type { StreamSet } from './muxer.js';
import { traceName } from './open.js';
import { CtfTrace, Stream, TraceError, closeFile, readAt, readMetadataFile } from './trace.js';
import type { PacketEntry, PacketSource, SourcePacket, StreamFile } from './trace.js';

interface LiveTrace {
  trace: CtfTrace;
  /** size of the metadata file when it was last read */
  metadataSize: number;
  /** stream files by path */
  files: Map<string, GrowingFile>;
  /** next stream id per stream class, for streams without an instance id */
  nextId: Map<number, number>;
}

/** One stream file being written: its packets as they are completed. */
class GrowingFile implements PacketSource {
  /** the first packet, read to learn the stream class */
  first: PacketEntry | undefined;
  stream: Stream | undefined;
  private offset = 0;
  constructor(
    private readonly set: GrowingTraces,
    readonly lt: LiveTrace,
    readonly file: StreamFile,
  ) {}

  private size(): number {
    if (this.file.fd === undefined) this.file.fd = fs.openSync(this.file.path, 'r');
    return (this.file.size = fs.fstatSync(this.file.fd).size);
  }

  /** the packet at the read offset, once the file holds it whole */
  probe(): PacketEntry | undefined {
    const size = this.size();
    if (this.offset >= size) return undefined;
    try {
      return probePacket(this.lt.trace, this.set.st, this.file, this.offset, size, !this.set.finished);
    } catch (e) {
      // a stream class the metadata does not declare yet: it is on its way
      if (!this.set.finished && e instanceof TraceError && /unknown stream class/.test(e.message)) return undefined;
      throw e;
    }
  }

  nextPacket(): SourcePacket | 'again' | 'end' {
    let e = this.first;
    this.first = undefined;
    if (!e) {
      this.set.reloadMetadata(this.lt);
      e = this.probe();
      if (!e) {
        if (!this.set.finished) return 'again';
        closeFile(this.file);
        return 'end';
      }
      if (e.streamClassId !== this.stream!.sc.id) throw new TraceError(this.file.path, e.offset, `packet of stream class ${e.streamClassId} in a stream of class ${this.stream!.sc.id}`);
    }
    const bytes = readAt(this.file, e.offset, e.packetBits / 8);
    this.offset = e.offset + e.packetBits / 8;
    return { entry: e, bytes };
  }

  refreshMetadata(): boolean {
    return this.set.reloadMetadata(this.lt);
  }
}

/**
 * The traces under some directories while they are being written: a StreamSet
 * for messageIterator(). Streams appear once their first packet is complete;
 * until then they hold the others back (they could have older events).
 */
export class GrowingTraces implements StreamSet {
  readonly base = new TimeBase();
  readonly st = new DecodeState();
  finished = false;
  blocked = false;
  private polledAfterFinish = false;
  private readonly byDir = new Map<string, LiveTrace>();
  /** directories whose metadata does not parse yet */
  private readonly pendingDirs = new Set<string>();

  constructor(private readonly inputs: string[]) {}

  get done(): boolean {
    return this.polledAfterFinish && !this.blocked;
  }

  /** The writer is done (the session stopped): what the files hold now is all there is. */
  finish(): void {
    this.finished = true;
  }

  poll(): Stream[] {
    const after = this.finished;
    const out: Stream[] = [];
    this.blocked = false;
    for (const input of this.inputs) {
      if (!fs.existsSync(input)) continue;
      for (const dir of isTraceDir(input) ? [input] : findTraceDirs(input)) {
        const lt = this.byDir.get(dir) ?? this.openDir(input, dir);
        if (lt) this.pollFiles(lt, out);
      }
    }
    if (this.pendingDirs.size) this.blocked = true;
    if (after) this.polledAfterFinish = true;
    return out;
  }

  private openDir(input: string, dir: string): LiveTrace | undefined {
    const meta = path.join(dir, 'metadata');
    let trace: CtfTrace;
    let size: number;
    try {
      size = fs.statSync(meta).size;
      trace = new CtfTrace(dir, readMetadataFile(meta), []);
    } catch (e) {
      // being written: try again at the next poll
      if (this.finished) throw e;
      this.pendingDirs.add(dir);
      return undefined;
    }
    this.pendingDirs.delete(dir);
    trace.name = traceName(input, trace);
    const lt: LiveTrace = { trace, metadataSize: size, files: new Map(), nextId: new Map() };
    this.byDir.set(dir, lt);
    return lt;
  }

  private pollFiles(lt: LiveTrace, out: Stream[]): void {
    for (const f of streamFiles(lt.trace.dir, true)) {
      if (!lt.files.has(f.path)) lt.files.set(f.path, new GrowingFile(this, lt, f));
    }
    for (const g of lt.files.values()) {
      if (g.stream) continue;
      this.reloadMetadata(lt);
      const e = g.probe();
      if (!e) {
        // no complete packet yet; an empty file of a stopped session is no stream
        if (!this.finished) this.blocked = true;
        continue;
      }
      const t = lt.trace;
      const sc = t.tc.streams.get(e.streamClassId)!;
      const s = new Stream(t, sc, e.instanceId, g.file.path);
      if (e.instanceId !== undefined) s.id = Number(e.instanceId);
      else {
        s.id = lt.nextId.get(sc.id) ?? 0;
        lt.nextId.set(sc.id, s.id + 1);
      }
      s.source = g;
      g.first = e;
      g.stream = s;
      t.streams.push(s);
      out.push(s);
    }
  }

  /** reads the metadata again if it grew; true if it changed */
  reloadMetadata(lt: LiveTrace): boolean {
    const meta = path.join(lt.trace.dir, 'metadata');
    let size: number;
    try {
      size = fs.statSync(meta).size;
    } catch {
      return false;
    }
    if (size === lt.metadataSize) return false;
    try {
      const tc = readMetadataFile(meta);
      lt.metadataSize = size;
      lt.trace.updateMetadata(tc);
      return true;
    } catch (e) {
      // a partly written metadata packet: the next reading will have it whole
      if (this.finished) throw e;
      return false;
    }
  }
}
