// A channel's pages through the hot loop (hot-loop.ts), and each record the
// loop hands back sent to its job: thread tracking (tracker.ts), path strings
// (path-strings.ts), syscall pairs (syscall-pairs.ts), event writing
// (event-writer.ts). Holds what each event id means (plans, probes, thread
// events). The reading itself is the consumer's (consumer.ts).
import type { KernelContextType } from './api.js';
import type { CpuReader } from './cpu-reader.js';
import { EventWriter } from './event-writer.js';
import type { HeaderEvent, HeaderPage } from './format.js';
import type { PageSlot } from './hot-loop.js';
import { HotLoop } from './hot-loop.js';
import type { EventPlan } from './mapping.js';
import { PLAN_RAW } from './mapping.js';
import { PageCursor, PageError } from './page.js';
import type { PathProbeLayout } from './path-strings.js';
import { PathStrings } from './path-strings.js';
import type { ProcCache } from './procinfo.js';
import { SyscallPairs } from './syscall-pairs.js';
import type { TrackSpec } from './tracker.js';
import { TaskTracker } from './tracker.js';
import { W_CTX_MISS, W_END } from './wasm-walk.js';

const TWO32 = 4294967296;
const NO_PATHS: Uint8Array[] = [];

/** what decoding needs of the channel's options (see ConsumerOptions) */
export interface DecoderOptions {
  headerPage: HeaderPage;
  headerEvent: HeaderEvent;
  contexts: KernelContextType[];
  hostname: string;
  procs: ProcCache;
  overwrite: boolean;
  countLosses?: boolean;
  now?: () => number;
}

/** a page read ahead of decoding (thread tracking), in its page slot */
export interface AheadPage {
  r: CpuReader;
  slot: number;
  got: number;
}

export class PageDecoder {
  private readonly plans: (EventPlan | undefined)[] = new Array<EventPlan | undefined>(65536).fill(undefined);
  private readonly probes = new Map<number, PathProbeLayout>();
  private readonly tracks = new Map<number, TrackSpec>();
  private readonly tracker: TaskTracker;
  private readonly cursor: PageCursor;
  /** the wasm hot loop and its memory: the pages read and the records written live there */
  readonly loop: HotLoop;
  private readonly writer: EventWriter;
  readonly pairs: SyscallPairs;
  readonly paths: PathStrings;
  /** read passes so far (pending opens give up after a few) */
  passNo = 0;
  /** pages that could not be decoded (kept out of the trace, counted) */
  pageErrors = 0;
  lastPageError = '';
  readonly dbg = !!process.env['TTNG_KDEBUG'];
  readonly dbgCounts = new Map<string, number>();

  constructor(private readonly opts: DecoderOptions, pageBytes: number, cpus: number) {
    this.cursor = new PageCursor(opts.headerPage, opts.headerEvent);
    this.tracker = new TaskTracker(opts.procs);
    this.writer = new EventWriter(opts.contexts, opts.hostname, opts.procs, this.tracker, this.tracks);
    this.loop = new HotLoop({ pageBytes, cpus, hdr: this.writer.hdr, ctxBytes: this.writer.ctxBytes, headerEvent: opts.headerEvent });
    this.pairs = new SyscallPairs(this.loop, this.writer);
    this.paths = new PathStrings(this.writer);
  }

  /** gives this decoder (a snapshot's) the plans, probes and thread tracking of `from` */
  adopt(from: PageDecoder): void {
    for (const [id, spec] of from.tracks) this.setTrack(id, spec);
    for (const [id, l] of from.probes) this.setProbe(id, l);
    from.plans.forEach((p) => {
      if (p) this.setPlan(p);
    });
  }

  setPlan(p: EventPlan): void {
    this.plans[p.id] = p;
    this.planEntry(p.id);
  }

  removePlan(id: number): void {
    this.plans[id] = undefined;
    this.planEntry(id);
  }

  setProbe(id: number, l: PathProbeLayout): void {
    this.probes.set(id, l);
    this.planEntry(id);
  }

  setTrack(id: number, spec: TrackSpec): void {
    this.tracks.set(id, spec);
    this.planEntry(id);
  }

  /** the wasm loop's view of an event id */
  private planEntry(id: number): void {
    this.loop.planEntry(id, this.plans[id], this.probes.has(id), this.tracks.has(id));
  }

  /** whether pages are read ahead of decoding (thread events to feed the tracker first) */
  get readAhead(): boolean {
    return this.tracks.size > 0;
  }

  /** a read pass begins (at `nowMs`) */
  beginPass(nowMs: number): void {
    this.passNo++;
    // /proc's values age: ask again now and then
    if (nowMs - this.loop.ctxClearedAt >= 1000) this.loop.clearContexts();
  }

  /** the current page (read ahead, `got` bytes) to the thread tracker; returns its data size */
  scanAhead(got: number): number {
    this.scanTracking(got);
    return this.loop.page.dv.getUint32(this.opts.headerPage.commitOffset, true) & 0x7ffffff;
  }

  /** decodes the pages read ahead, once the tracker has seen them all */
  decodeAhead(pages: AheadPage[]): void {
    this.tracker.ready();
    // cached contexts of threads that changed in these pages are stale
    if (this.tracker.anyChange()) this.loop.clearContexts();
    for (const p of pages) {
      this.loop.usePage(p.slot);
      this.decodePage(p.r, p.got);
    }
    this.tracker.endPass();
    this.loop.usePage(0);
  }

  /** feeds the tracker with the thread events of the current page (the wasm loop finds them) */
  private scanTracking(got: number): void {
    const c = this.cursor;
    const page = this.loop.page;
    try {
      c.reset(page.u8, page.dv, 0, got);
    } catch {
      return; // counted when the page is transcoded
    }
    this.loop.scan(this.opts.headerPage.dataOffset, c.size, c.pageTsHi, c.pageTsLo, this.tracks, this.tracker);
  }

  /** Decodes one page given by the caller (tests, replay) as if read by `r`. */
  consumePage(r: CpuReader, page: Uint8Array): void {
    const slot = this.loop.page;
    const n = Math.min(page.length, slot.u8.length);
    slot.u8.set(page.subarray(0, n));
    slot.u8.fill(0, n);
    if (this.tracks.size) {
      this.scanTracking(n);
      this.tracker.ready();
    }
    this.decodePage(r, n);
    if (this.tracks.size) this.tracker.endPass();
  }

  /** an event ttng makes itself (statedump) into `r`'s stream */
  writeSynthetic(r: CpuReader, id: number, tsHi: number, tsLo: number, payload: Uint8Array, tid: number): void {
    this.writer.writeSynthetic(r, id, tsHi, tsLo, payload, tid);
  }

  /** gives up waiting for the exits of old pending opens (or all) */
  expirePending(all: boolean): void {
    this.paths.expirePending(all, this.passNo);
  }

  /** decodes the current page; returns its data size */
  decodePage(r: CpuReader, got: number): number {
    const c = this.cursor;
    const page = this.loop.page;
    try {
      c.reset(page.u8, page.dv, 0, got);
    } catch (e) {
      this.noteError(e);
      return 0;
    }
    if (c.missedEvents && this.opts.countLosses !== false) r.pageMissed(c.missedCount, this.opts.overwrite);
    try {
      // a timestamp from the future would hold the whole stream there (time never goes back in a stream)
      const now = this.opts.now ? this.opts.now() : Number(process.hrtime.bigint());
      const limit = Math.max(now + 60e9, r.stream.lastHi * TWO32 + r.stream.lastLo + 600e9);
      if (c.pageTsHi * TWO32 + c.pageTsLo > limit) throw new PageError(`page timestamp ${c.pageTsHi * TWO32 + c.pageTsLo} is in the future`);
      this.walk(r, this.opts.headerPage.dataOffset, this.opts.headerPage.dataOffset + c.size, c.pageTsHi, c.pageTsLo, limit);
      this.pairs.resolvePendingExits();
    } catch (e) {
      if (!(e instanceof PageError)) throw e;
      this.noteError(e);
    }
    return c.size;
  }

  /**
   * The hot loop over the current page's [pos, end): events copied as they
   * are go straight into the packet; every other record goes through handle().
   */
  private walk(r: CpuReader, pos: number, end: number, hi: number, lo: number, limit: number): void {
    const loop = this.loop;
    const stream = r.stream;
    loop.begin(pos, end, hi, lo, limit);
    for (;;) {
      const status = loop.step(stream, r.cpu);
      if (status === W_END) return;
      // a record for JavaScript
      const page = loop.page;
      const off = loop.recOff();
      const len = loop.recLen();
      const tlo = loop.recTsLo();
      const thi = loop.recTsHi();
      const id = page.u8[off]! | (page.u8[off + 1]! << 8);
      const plan = this.plans[id];
      if (this.dbg) {
        const k = status === W_CTX_MISS ? (this.tracks.size && thi * TWO32 + tlo < this.tracker.lastChange(page.dv.getInt32(off + 4, true)) ? 'miss-changing' : 'miss') : stream.holding ? 'holding' : plan ? (plan.fast ? 'fast?' : plan.name) : 'probe';
        this.dbgCounts.set(k, (this.dbgCounts.get(k) ?? 0) + 1);
      }
      if (status === W_CTX_MISS) this.cacheContexts(r, page.dv.getInt32(off + 4, true), thi, tlo);
      if (plan === undefined) {
        const l = this.probes.get(id);
        if (l) this.paths.onProbe(l, page, off, len);
      } else this.handle(r, plan, thi, tlo, page, off, len);
    }
  }

  /** puts a thread's contexts in the wasm loop's cache (unless they change within these pages) */
  private cacheContexts(r: CpuReader, tid: number, hi: number, lo: number): void {
    // a thread that changes later in these pages: its records until then are JavaScript's
    if (this.tracks.size && hi * TWO32 + lo < this.tracker.lastChange(tid)) return;
    const v = this.loop.claimContext(tid === 0 ? (0x80000000 | r.cpu) >>> 0 : (tid + 1) >>> 0);
    if (v >= 0) this.writer.writeContexts(r, this.loop.dv, this.loop.u8, v, tid, hi, lo);
  }

  /** one record the fast path does not take */
  private handle(r: CpuReader, plan: EventPlan, hi: number, lo: number, page: PageSlot, off: number, len: number): void {
    if (plan.outOffsets.length) this.pairs.saveOuts(plan, hi, lo, page.dv, off, len);
    if (plan.pathPointers.length) {
      this.paths.onPathEntry(r, plan, hi, lo, page, off, len, this.passNo);
      return;
    }
    if (plan.pathExit) this.paths.onOpenExit(plan, page, off);
    if (plan.userFilter && !this.writer.accept(r, plan, hi, lo, page.u8, page.dv, off, len, undefined)) return;
    if (plan.pairWith >= 0) this.pairs.writeExit(r, plan, hi, lo, page, off, len);
    else if (plan.kind === PLAN_RAW) this.writer.writeRaw(r, plan, hi, lo, page, off, len, undefined);
    else this.writer.writeSteps(r, plan, hi, lo, page.u8, page.dv, off, len, NO_PATHS, undefined);
  }

  private noteError(e: unknown): void {
    this.pageErrors++;
    this.lastPageError = (e as Error).message;
  }
}
