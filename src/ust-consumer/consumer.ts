// The user-space consumer of one session: it reads the apps' buffers and
// copies their packets, as they are, into the trace output (streams and index
// through ../output/), on a read timer; and it writes snapshots, rotates and
// clears the files.
import { nodeFs } from '../output/fs.js';
import type { OutputFs } from '../output/fs.js';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { INDEX_ENTRY_BYTES, INDEX_HEADER_BYTES } from '../output/ctf-index.js';
import { LocalTraceOutput } from '../output/local.js';
import { newestWithin } from '../output/trim.js';
import type { UstChannelConfig } from '../ust/protocol.js';
import type { UstApp } from './apps.js';
import type { UstBufferSource } from './buffer.js';
import type { UstChannel } from './channel.js';
import { ustMetadataText } from './metadata.js';
import { UST_FILE_MODE } from './registry.js';
import type { UstRegistry, UstTrace } from './registry.js';
import { UstStreamFile, packetFields } from './stream-file.js';

/** how often buffers are read when the channel has no read timer (LTTng-UST's consumer is woken by the app instead) */
const DEFAULT_POLL_US = 100_000;
/** the read period while apps fill their buffers */
const BUSY_POLL_MS = 5;
/**
 * snapshot sessions: buffers of exited apps kept for snapshots, at most (the
 * oldest go first): LTTng's per-UID buffers are shared by the apps of a user,
 * ours are per thread, so many short-lived apps would otherwise pile up
 */
export const MAX_DEAD_BUFFERS = 64;

/** one (session, channel, app thread) buffer */
export interface UstBuffer {
  chanKey: number;
  app: UstApp;
  channel: UstChannel;
  trace: UstTrace;
  config: UstChannelConfig;
  source?: UstBufferSource;
  file?: UstStreamFile;
  /** the app could not create it */
  failed?: string;
  /** drained for good (app gone or session destroyed) */
  done: boolean;
  /** snapshot sessions: the app is gone, its buffer stays mapped for snapshots until the session is destroyed */
  dead?: boolean;
}

export interface UstChannelStats {
  name: string;
  discardedEvents: number;
  lostPackets: number;
}

export interface UstSnapshotResult {
  bytes: number;
  /** streams written (those with data) */
  streams: number;
}

function streamName(b: UstBuffer): string {
  return `${b.channel.name}_${b.config.streamInstanceId}`;
}

export class UstConsumer {
  /** the buffers being read, by channel key */
  private readonly byKey = new Map<number, UstBuffer>();
  /** snapshot sessions: buffers of exited apps, oldest first */
  private readonly dead: UstBuffer[] = [];
  /** discarded events of buffers already released, per channel */
  private readonly releasedDiscarded = new Map<string, number>();
  /** packets read from the apps that could not be written (disk full, I/O error): reported as lost */
  private readonly lost = new Map<UstChannel, number>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly sessionName: string,
    private readonly registry: UstRegistry,
    private readonly log: (msg: string) => void,
    /** flight recorder: the buffers are only read by snapshots */
    private readonly snapshotMode: boolean,
    /** how snapshot files are made (the session owner's identity) */
    private readonly fs: OutputFs = nodeFs,
  ) {}

  add(b: UstBuffer): void {
    this.byKey.set(b.chanKey, b);
  }

  get(chanKey: number): UstBuffer | undefined {
    return this.byKey.get(chanKey);
  }

  /** the app mapped the buffer: its stream starts (with the trace's metadata first) */
  attach(b: UstBuffer, source: UstBufferSource): void {
    b.source = source;
    if (this.snapshotMode) return;
    b.trace.output.mkdirs();
    // a new chunk since this trace's metadata was written (rotation)
    if (!b.trace.output.hasMetadata()) b.trace.metadataDirty = true;
    this.registry.writeMetadata(b.trace);
    b.file = this.streamFile(b);
  }

  private streamFile(b: UstBuffer): UstStreamFile {
    const a = b.channel.attrs;
    return new UstStreamFile(b.trace.output.openStream(streamName(b), { tracefileSize: a.tracefileSize, tracefileCount: a.tracefileCount }));
  }

  /** the app is gone: its buffer is read to the end, or kept for snapshots (`keep`) */
  release(b: UstBuffer, keep: boolean): void {
    // a crashed app's last events are what a snapshot is for (LTTng keeps per-UID buffers too)
    if (keep && b.source && !b.done) {
      b.dead = true;
      this.dead.push(b);
      while (this.dead.length > MAX_DEAD_BUFFERS) this.finish(this.dead.shift()!);
    } else this.finish(b);
  }

  /** copies the complete packets (and with `partial`, the one being written); returns how many packets it copied */
  drain(b: UstBuffer, partial: boolean): number {
    if (!b.source || !b.file || b.done) return 0;
    try {
      const ps = partial ? b.source.takeAll() : b.source.takeComplete();
      for (const p of ps) {
        try {
          b.file.write(p);
        } catch (e) {
          this.lost.set(b.channel, (this.lost.get(b.channel) ?? 0) + 1);
          this.log(`session ${this.sessionName}: writing ${path.join(b.trace.dir, streamName(b))}: ${(e as Error).message}`);
        }
      }
      return ps.length;
    } catch (e) {
      this.log(`session ${this.sessionName}: reading ${streamName(b)}: ${(e as Error).message}`);
      return 0;
    }
  }

  /** every buffer, to the end of what the apps wrote */
  drainAll(): void {
    for (const b of this.byKey.values()) this.drain(b, true);
  }

  /** reads the last packets of a buffer, releases its shared memory and closes its file */
  finish(b: UstBuffer): void {
    if (b.done) return;
    this.drain(b, true);
    b.done = true;
    const d = this.discardedOf(b);
    this.releasedDiscarded.set(b.channel.name, (this.releasedDiscarded.get(b.channel.name) ?? 0) + d);
    b.source?.close(true);
    b.file?.close();
    this.byKey.delete(b.chanKey);
  }

  finishAll(): void {
    for (const b of [...this.byKey.values()]) this.finish(b);
  }

  private discardedOf(b: UstBuffer): number {
    const fromSource = b.source?.discarded();
    if (fromSource !== undefined) return fromSource;
    return Number(b.file?.discarded ?? 0n);
  }

  /** the buffers that apps still write, per app (to have them close their packets) */
  liveChanKeys(): { app: UstApp; chanKeys: number[] }[] {
    const per = new Map<UstApp, number[]>();
    for (const b of this.byKey.values()) {
      if (!b.source || b.done || b.dead) continue;
      const l = per.get(b.app);
      if (l) l.push(b.chanKey);
      else per.set(b.app, [b.chanKey]);
    }
    return [...per].map(([app, chanKeys]) => ({ app, chanKeys }));
  }

  /**
   * Reads every buffer; true when one had complete packets, so that the next
   * read comes soon (a fast app fills 4 × 512 KiB in a few tens of ms: the
   * period alone would discard most of its events).
   */
  private poll(): boolean {
    let busy = false;
    for (const b of this.byKey.values()) if (this.drain(b, false) > 0) busy = true;
    return busy;
  }

  startTimer(channels: readonly UstChannel[]): void {
    // the flight recorder costs nothing while tracing: no reads until a snapshot
    if (this.timer || this.snapshotMode) return;
    const us = Math.min(...channels.map((c) => c.attrs.readTimerUs || DEFAULT_POLL_US));
    const period = Math.max(1, Math.round(us / 1000));
    const tick = (): void => {
      const busy = this.poll();
      if (this.timer) this.timer = setTimeout(tick, busy ? Math.min(BUSY_POLL_MS, period) : period);
    };
    this.timer = setTimeout(tick, period);
  }

  stopTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /**
   * Snapshot sessions: what every buffer holds now (apps that died since the
   * start included), without consuming it, as complete traces under `dir`
   * (the snapshot's `ust/`): the newest packets of each stream, at most
   * `maxBytes` in all (0: no limit). Each snapshot is a trace of its own (a new
   * UUID), so that overlapping snapshots in one directory still read.
   */
  snapshot(dir: string, maxBytes: number): UstSnapshotResult {
    if (!this.snapshotMode) throw new Error(`session ${this.sessionName} is not in snapshot mode`);
    // the kernel part, written first, gives the clock: kernel and UST events then order exactly
    this.registry.shareKernelClock(path.join(path.dirname(dir), 'kernel', 'metadata'));
    const byTrace = new Map<UstTrace, { b: UstBuffer; packets: Uint8Array[] }[]>();
    let maxPacket = 0;
    for (const b of this.byKey.values()) {
      if (!b.source || b.done) continue;
      let packets: Uint8Array[];
      try {
        packets = b.source.snapshot();
      } catch (e) {
        this.log(`session ${this.sessionName}: snapshot of ${streamName(b)}: ${(e as Error).message}`);
        continue;
      }
      maxPacket = Math.max(maxPacket, b.config.subbufSize);
      if (packets.length === 0) continue;
      let l = byTrace.get(b.trace);
      if (!l) byTrace.set(b.trace, (l = []));
      l.push({ b, packets });
    }
    const out: UstSnapshotResult = { bytes: 0, streams: 0 };
    if (byTrace.size === 0) return out;
    const nstreams = [...byTrace.values()].reduce((n, l) => n + l.length, 0);
    const metas = new Map<UstTrace, { dir: string; uuid: Uint8Array; text: string }>();
    let metaBytes = 0;
    for (const t of byTrace.keys()) {
      const uuid = randomBytes(16);
      const text = ustMetadataText(this.registry.metadataOf(t, uuid.toString('hex')));
      metaBytes += Buffer.byteLength(text);
      metas.set(t, { dir: path.join(dir, path.relative(this.registry.root, t.dir)), uuid, text });
    }
    // each stream gets an equal share of what the metadata leaves (as LTTng splits max-size over streams)
    const share = maxBytes > 0 ? Math.floor((maxBytes - metaBytes) / nstreams) : 0;
    if (maxBytes > 0 && share < maxPacket + INDEX_ENTRY_BYTES + INDEX_HEADER_BYTES) {
      throw new Error(
        `Invalid snapshot size: ${maxBytes} bytes cannot hold the metadata (${metaBytes} bytes) and a ${maxPacket}-byte sub-buffer for each of the ${nstreams} user space streams`,
      );
    }
    for (const [t, list] of byTrace) {
      const m = metas.get(t)!;
      const o = new LocalTraceOutput(m.dir, { fileMode: UST_FILE_MODE, fs: this.fs });
      o.writeMetadata(m.text);
      out.bytes += Buffer.byteLength(m.text);
      for (const { b, packets } of list) {
        const compact = packets.map((p) => compactPacket(p, m.uuid));
        // the newest packets that fit in the share
        const kept = newestWithin(compact.map((p) => p.byteLength), share);
        const f = new UstStreamFile(o.openStream(streamName(b)));
        try {
          for (let i = kept.from; i < compact.length; i++) f.write(compact[i]!);
        } finally {
          f.close();
        }
        out.bytes += kept.bytes;
        out.streams++;
      }
    }
    return out;
  }

  /**
   * Session rotation: everything the apps wrote so far goes into the closing
   * chunk (the packets being written included, taken without the apps' help);
   * the streams go on in `dir` (the new chunk's `ust/`), with their metadata.
   */
  rotate(dir: string): void {
    if (this.snapshotMode) throw new Error(`session ${this.sessionName} is in snapshot mode`);
    this.drainAll();
    this.registry.moveTo(dir);
    for (const b of this.byKey.values()) if (b.file && !b.done) this.registry.writeMetadata(b.trace);
  }

  /** `ttng clear`: what the buffers hold is dropped, and the current chunk's stream files emptied */
  clear(): void {
    for (const b of this.byKey.values()) {
      if (!b.source || b.done) continue;
      try {
        // consumed: later reads and snapshots start after it
        b.source.takeAll();
      } catch (e) {
        this.log(`session ${this.sessionName}: clearing ${streamName(b)}: ${(e as Error).message}`);
      }
    }
    if (this.snapshotMode) return;
    for (const t of this.registry.traces.values()) t.output.clear();
  }

  stats(channels: readonly UstChannel[]): UstChannelStats[] {
    return channels.map((c) => {
      let d = this.releasedDiscarded.get(c.name) ?? 0;
      for (const b of this.byKey.values()) if (b.channel === c) d += this.discardedOf(b);
      return { name: c.name, discardedEvents: d, lostPackets: this.lost.get(c) ?? 0 };
    });
  }
}

/**
 * A snapshot's copy of a packet: cut to its content (a sub-buffer is mostly
 * padding when the app is quiet), with the snapshot trace's UUID.
 */
function compactPacket(p: Uint8Array, uuid: Uint8Array): Uint8Array {
  const f = packetFields(p);
  if (!f) return p;
  const size = Math.min(p.byteLength, Math.ceil(Number(f.contentSize) / 64) * 8);
  const out = p.slice(0, size);
  out.set(uuid, 4);
  new DataView(out.buffer).setBigUint64(56, BigInt(size * 8), true);
  return out;
}
