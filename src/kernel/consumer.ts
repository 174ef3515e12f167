// Per-channel consumer: the per-CPU readers of `trace_pipe_raw`
// (cpu-reader.ts), read passes paced by what the writer has finished, the
// streams (rotation, first packets, losses), and the pages handed to the
// decoder (page-decoder.ts), which transcodes each record into a CTF event
// of the channel's stream for that CPU.
import { nodeFs } from '../output/fs.js';
import type { OutputFs } from '../output/fs.js';
import type { KernelContextType } from './api.js';
import { KernelStream } from './ctf-out.js';
import type { TracefileLimit } from './ctf-out.js';
import { CpuReader } from './cpu-reader.js';
import type { HeaderEvent, HeaderPage } from './format.js';
import type { EventPlan } from './mapping.js';
import type { AheadPage } from './page-decoder.js';
import { PageDecoder } from './page-decoder.js';
import type { PathProbeLayout } from './path-strings.js';
import { closeMemFds } from './path-strings.js';
import type { ProcCache } from './procinfo.js';
import type { Instance } from './tracefs.js';
import type { TrackSpec } from './tracker.js';

export interface ConsumerOptions {
  channel: string;
  streamId: number;
  instance: Instance;
  cpus: number[];
  outDir: string;
  /** CTF packet size in bytes */
  packetBytes: number;
  uuid: Uint8Array;
  contexts: KernelContextType[];
  overwrite: boolean;
  headerPage: HeaderPage;
  headerEvent: HeaderEvent;
  /** sub-buffer size: the size of one read() */
  subbufBytes: number;
  procs: ProcCache;
  hostname: string;
  /** the trace clock now, in ns (default: CLOCK_MONOTONIC); a record later than this by a minute is garbage */
  now?: () => number;
  /** the longest a record may wait in the kernel's buffer (the channel's read timer), ms */
  latencyMs?: number;
  /** `--tracefile-size`/`--tracefile-count` */
  tracefile?: TracefileLimit;
  /** false: overwritten records are not counted in events_discarded (snapshots: what the user asked for) */
  countLosses?: boolean;
  /** how stream files and folders are made (the session owner's identity) */
  fs?: OutputFs;
}

export class ChannelConsumer {
  readonly readers: CpuReader[];
  /** plans, the hot loop, and everything done with the records it hands back */
  private readonly decoder: PageDecoder;
  private readonly pageBytes: number;
  private readonly halfPage: number;
  /** largest unread byte count seen since the last debug line */
  debugUnread = -0;
  readonly dbg = !!process.env['TTNG_KDEBUG'];
  dbgRead = -0;
  dbgDecode = -0;

  constructor(readonly opts: ConsumerOptions) {
    this.pageBytes = (Math.max(opts.subbufBytes, opts.headerPage.dataOffset + opts.headerPage.dataSize) + 7) & ~7;
    this.decoder = new PageDecoder(opts, this.pageBytes, opts.cpus.length);
    this.halfPage = opts.headerPage.dataSize >> 1;
    this.readers = opts.cpus.map(
      (cpu) => new CpuReader(cpu, this.newStream(opts.outDir, cpu)),
    );
  }

  /** pages that could not be decoded (kept out of the trace, counted) */
  get pageErrors(): number {
    return this.decoder.pageErrors;
  }

  get lastPageError(): string {
    return this.decoder.lastPageError;
  }

  /** exits whose output arguments could not be paired with an entry (written as 0) */
  get unpairedExits(): number {
    return this.decoder.pairs.unpairedExits;
  }

  /** string arguments no uprobe saw, read from /proc/TID/mem instead, and those that could not be read */
  get pathsFromMem(): number {
    return this.decoder.paths.pathsFromMem;
  }

  get pathsUnknown(): number {
    return this.decoder.paths.pathsUnknown;
  }

  private newStream(dir: string, cpu: number): KernelStream {
    const o = this.opts;
    const packet = o.tracefile ? Math.max(4096, Math.min(o.packetBytes, o.tracefile.size)) : o.packetBytes;
    return new KernelStream(`${dir}/${o.channel}_${cpu}`, o.streamId, cpu, packet, o.uuid, o.tracefile, o.fs);
  }

  /**
   * Session rotation: what was read so far goes to the current files, which
   * are closed; the streams go on in `dir` (same clock floor and cumulative
   * lost-event counts, so nothing is lost or written twice between chunks).
   */
  switchOutput(dir: string, atHi: number, atLo: number): void {
    this.decoder.expirePending(true);
    this.pollStats();
    (this.opts.fs ?? nodeFs).mkdir(dir);
    for (const r of this.readers) {
      const old = r.stream;
      // the chunk ends at the switch (its last packet, even an empty one, ends then; the next
      // chunk starts there): readers order the chunks of a stream by time
      old.release();
      old.setFloor(atHi, atLo);
      old.close();
      const s = this.newStream(dir, r.cpu);
      s.continueFrom(old);
      r.stream = s;
    }
  }

  /** gives this consumer (a snapshot's) the plans, probes and thread tracking of `from` */
  adoptPlans(from: ChannelConsumer): void {
    this.decoder.adopt(from.decoder);
  }

  /**
   * Snapshots: every page the buffers hold now, per reader (copies, oldest
   * first), the one the writer is filling included. Reading consumes them.
   * At most `maxBytes` per CPU (a busy writer would keep the reader going).
   */
  readAllPages(maxBytes: number): Uint8Array[][] {
    this.open();
    return this.readers.map((r) => r.readAll(this.pageBytes, maxBytes));
  }

  setPlan(p: EventPlan): void {
    this.decoder.setPlan(p);
  }

  /** records of this event are no longer written */
  removePlan(id: number): void {
    this.decoder.removePlan(id);
  }

  setProbe(id: number, l: PathProbeLayout): void {
    this.decoder.setProbe(id, l);
  }

  /** an event that tells who threads are (see tracker.ts); read ahead of each pass */
  setTrack(id: number, spec: TrackSpec): void {
    this.decoder.setTrack(id, spec);
  }

  /** streams start no earlier than this clock value */
  setFloor(hi: number, lo: number): void {
    for (const r of this.readers) r.stream.setFloor(hi, lo);
  }

  open(): void {
    for (const r of this.readers) r.open(this.opts.instance);
  }

  closeFds(): void {
    for (const r of this.readers) r.close();
  }

  /**
   * One read pass over every CPU: at most `budget` pages each, stopping at the
   * first page that is less than half full (the reader has caught up with the
   * writer) unless `all`. Returns true when some CPU still had full pages.
   */
  pass(budget: number, all = false): boolean {
    const dec = this.decoder;
    const loop = dec.loop;
    this.opts.procs.tick();
    const nowMs = Date.now();
    dec.beginPass(nowMs);
    const ahead = dec.readAhead;
    // read ahead: every page of the pass first (each in its slot), then decoded
    const pages: AheadPage[] = [];
    let more = false;
    loop.usePage(0);
    const dataSize = this.opts.headerPage.dataSize;
    for (const r of this.readers) {
      if (r.fd < 0) continue;
      // Read the sub-buffers the writer has finished; the one it is filling
      // only once the read timer says its records have waited long enough:
      // the kernel hands a finished sub-buffer over whole, but copies a
      // partial one record by record with interrupts off.
      let limit = budget;
      if (!all) {
        const unread = r.unread();
        if (process.env['TTNG_KDEBUG']) this.debugUnread = Math.max(this.debugUnread, unread);
        if (unread >= 0) {
          const full = Math.floor(unread / dataSize);
          const partialDue = unread > 0 && nowMs - r.lastPartial >= (this.opts.latencyMs ?? 200);
          limit = Math.min(budget, full + (partialDue ? 1 : 0));
          if (full >= budget) more = true;
        }
      }
      let n = 0;
      for (;;) {
        if (!all && n >= limit) {
          if (limit === budget) more = true;
          break;
        }
        if (ahead) {
          if (pages.length >= loop.slots.length) {
            more = true;
            break;
          }
          loop.usePage(pages.length);
        }
        const t0 = this.dbg ? performance.now() : 0;
        const got = r.read(loop.page.u8, this.pageBytes);
        if (got < 0) break;
        if (this.dbg) this.dbgRead += performance.now() - t0;
        if (got === 0) break;
        n++;
        r.pagesRead++;
        r.bytesRead += got;
        let size: number;
        if (ahead) {
          size = dec.scanAhead(got);
          pages.push({ r, slot: pages.length, got });
        } else {
          const t1 = this.dbg ? performance.now() : 0;
          size = dec.decodePage(r, got);
          if (this.dbg) this.dbgDecode += performance.now() - t1;
        }
        if (size < this.halfPage) r.lastPartial = nowMs;
        if (!all && n > 1 && size < this.halfPage) break;
      }
    }
    if (ahead) dec.decodeAhead(pages);
    dec.expirePending(false);
    return more;
  }

  /** Reads everything the buffers hold (tracing stopped): passes until none is left. */
  drain(): void {
    for (let i = 0; i < 100_000 && this.pass(Infinity, true); i++);
  }

  /** bytes read by the fullest CPU since the last call */
  takeMaxBytes(): number {
    let m = 0;
    for (const r of this.readers) {
      m = Math.max(m, r.bytesRead);
      r.bytesRead = 0;
    }
    return m;
  }

  /** Reads each CPU's `stats` and updates the streams' lost-event counts. */
  pollStats(): void {
    if (this.opts.countLosses === false) return;
    for (const r of this.readers) r.pollStats(this.opts.instance, this.opts.overwrite);
  }

  /**
   * Writes each stream's first packet now (the statedump, or an empty one):
   * later packets then carry the events lost since, which readers report
   * with their count ("Tracer discarded N events between …").
   */
  firstPackets(): void {
    for (const r of this.readers) if (r.stream.packets === 0 && !r.stream.holding) r.stream.flushPacket(true);
  }

  /** Closes each stream's current packet (switch timer). */
  switchPackets(): void {
    for (const r of this.readers) if (!r.stream.holding) r.stream.flushPacket();
  }

  /** Everything read so far goes to disk (pending opens are resolved as well as they can be). */
  sync(): void {
    this.decoder.expirePending(true);
    this.pollStats();
    for (const r of this.readers) r.stream.sync();
  }

  close(): void {
    if (this.dbg) {
      process.stderr.write(`slow records: ${JSON.stringify([...this.decoder.dbgCounts].sort((a, b) => b[1] - a[1]).slice(0, 12))}\n`);
      process.stderr.write(`paths from /proc/TID/mem: ${this.pathsFromMem}, unknown: ${this.pathsUnknown}; exits not paired with their entry: ${this.unpairedExits}\n`);
    }
    this.decoder.expirePending(true);
    this.pollStats();
    this.closeFds();
    closeMemFds();
    for (const r of this.readers) r.stream.close();
  }

  get discarded(): number {
    let n = 0;
    for (const r of this.readers) n += r.stream.discarded;
    return n;
  }

  /** overwrite mode: events overwritten before they could be read */
  get overwritten(): number {
    let n = 0;
    for (const r of this.readers) n += r.overwritten;
    return n;
  }

  get recorded(): number {
    let n = 0;
    for (const r of this.readers) n += r.stream.events;
    return n;
  }

  /**
   * Writes an event ttng makes itself (statedump) into the stream of the
   * reader at `index`: header, contexts (of thread `tid`), byte-packed payload.
   */
  writeSynthetic(index: number, id: number, tsHi: number, tsLo: number, payload: Uint8Array, tid: number): void {
    const r = this.readers[index];
    if (!r) return;
    this.decoder.writeSynthetic(r, id, tsHi, tsLo, payload, tid);
  }

  /** Decodes one page given by the caller (tests, replay) as if read from CPU reader `index`. */
  consumePage(index: number, page: Uint8Array): void {
    const r = this.readers[index];
    if (!r) throw new Error(`no reader ${index}`);
    this.decoder.consumePage(r, page);
  }
}
