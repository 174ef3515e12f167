// Per-channel consumer: per-CPU non-blocking readers of `trace_pipe_raw`
// (one sub-buffer per read(), EAGAIN when empty), page decoding, and the
// transcoding of each record into a CTF event of the channel's stream for
// that CPU. Most events are copied as they are (see mapping.ts, RAW plans);
// the others are rebuilt by a few steps.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { KernelContextType } from './api.js';
import type { FtraceField, HeaderEvent, HeaderPage } from './format.js';
import { PageCursor, PageError } from './page.js';
import { KernelStream } from './ctf-out.js';
import type { TracefileLimit } from './ctf-out.js';
import type { EventPlan } from './mapping.js';
import { OP_OUT } from './mapping.js';
import {
  HOSTNAME_LEN, MAX_RT_PRIO, OP_COPY, OP_DATALOC_SEQ, OP_DATALOC_STR, OP_DATALOC_TEXT, OP_FLEX_SEQ, OP_FLEX_STR, OP_PATH, OP_PIDNS,
  OP_PRIO, OP_RELLOC_SEQ, OP_RELLOC_STR, OP_TEXT16, OP_TGID, OP_VTIDS, PLAN_RAW, contextBytes, headerBytes,
} from './mapping.js';
import type { Instance } from './tracefs.js';
import type { ProcCache, TaskInfo } from './procinfo.js';
import { commBytes } from './procinfo.js';
import type { TrackSpec } from './tracker.js';
import { TaskTracker } from './tracker.js';
import type { Walker } from './wasm-walk.js';
import {
  KIND_COPY, KIND_JS, KIND_NONE, PLANS, PLAN_BYTES, S_BEGIN, S_BEGINTS, S_DECL, S_END, S_EXTEND, S_FAST, S_LAST, S_LIMIT, S_MAXTL,
  S_N, S_O, S_PADDING, S_PAGETS, S_POS, S_REC_LEN, S_REC_OFF, S_STAMP, S_TS, W_BAD_LENGTH, W_BAD_TYPE, W_END, W_FUTURE, W_PAST_END,
  W_TRUNCATED, createWalker, S_CTXBYTES, S_HDR, S_CTXTAB, S_CTXMASK, S_CTXSTRIDE, S_CTXVALS, S_CPUKEY, W_CTX_MISS,
  S_SCAN, S_LIST, S_LISTN, S_LISTMAX, W_LIST_FULL, S_PAIRTAB, S_PAIRMASK, PAIR_BYTES, PAIR_VALUES,
} from './wasm-walk.js';

/** where the page lives in the wasm memory (after STATE and PLANS) */
const PAGE_BASE = PLANS + 65536 * PLAN_BYTES;
/** threads whose contexts the wasm loop keeps (a power of two) */
const CTX_ENTRIES = 4096;
const BYTES_LINE = Buffer.from('\nbytes:');
/** slots of the pair table (a power of two; direct-mapped by thread) */
const PAIR_SLOTS = 4096;
/** records listed per scan call */
const LIST_MAX = 1024;
const WALK_ERRORS: Record<number, string> = {
  [-W_TRUNCATED]: 'truncated record', [-W_PAST_END]: 'record runs past the page data', [-W_BAD_LENGTH]: 'invalid record length',
  [-W_BAD_TYPE]: 'unknown record type', [-W_FUTURE]: 'timestamp in the future',
};
import { acceptRecord } from './filter.js';

const TWO32 = 4294967296;
const EMPTY = new Uint8Array(0);
/** path strings ttng could not obtain (never empty: babeltrace2 2.0.4 prints a stale value for empty strings) */
const UNKNOWN_PATH = Buffer.from('(unknown)');
const NULL_PATH = Buffer.from('(null)');
/** an empty path (fstat's AT_EMPTY_PATH ""): LTTng records "", which babeltrace2 2.0.4 prints as the previous string */
const EMPTY_PATH = Buffer.from('(empty)');
const NO_PATHS: Uint8Array[] = [];

const C_PID = 0, C_TID = 1, C_PPID = 2, C_PROCNAME = 3, C_PRIO = 4, C_NICE = 5, C_VPID = 6, C_VTID = 7, C_VPPID = 8, C_HOSTNAME = 9;
const CTX_CODE: Record<KernelContextType, number> = {
  pid: C_PID, tid: C_TID, ppid: C_PPID, procname: C_PROCNAME, prio: C_PRIO, nice: C_NICE, vpid: C_VPID, vtid: C_VTID, vppid: C_VPPID, hostname: C_HOSTNAME,
};

/** a uprobe of ours: where its strings (path0, path1…) and their pointers (ptr0…) are in the record */
export interface PathProbeLayout {
  strs: { path: FtraceField; ptr: FtraceField }[];
}

/** an exit written before its entry was read (another CPU's later pages): patched when the entry comes */
interface PendingExit {
  stream: KernelStream;
  packet: number;
  pos: number;
  sizes: number[];
  ts: number;
  entryId: number;
}

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
}

class CpuReader {
  /** trace_pipe_raw (-1: closed); numbers only, so the JIT sees one shape */
  fd = -1;
  /** per_cpu/cpuN/stats, kept open and read with pread (-1: none) */
  statsFd = -1;
  /**
   * when a page the writer was still filling was last read (ms since the
   * epoch; starts as a non-small number so the field's representation never
   * changes: that would throw the hot loop's optimised code away)
   */
  lastPartial = Date.now();
  /** events lost according to pages (overwrite mode); counters start as -0 (see KernelStream) */
  missedFromPages = -0;
  missedUnknown = false;
  statsLost = -0;
  /** overwrite mode: events the writer overwrote before they were read (not losses) */
  overwritten = 0;
  pagesRead = -0;
  bytesRead = -0;
  readonly swapper: Uint8Array;
  constructor(readonly cpu: number, public stream: KernelStream) {
    this.swapper = commBytes(`swapper/${cpu}`);
  }
}

interface PendingOpen {
  reader: CpuReader;
  plan: EventPlan;
  tsHi: number;
  tsLo: number;
  rec: Uint8Array;
  ptr: number;
  pass: number;
}

export class ChannelConsumer {
  readonly readers: CpuReader[];
  private readonly plans: (EventPlan | undefined)[] = new Array<EventPlan | undefined>(65536).fill(undefined);
  private readonly probes = new Map<number, PathProbeLayout>();
  private readonly tracks = new Map<number, TrackSpec>();
  private readonly tracker: TaskTracker;
  private readonly cursor: PageCursor;
  /** the wasm hot loop and its memory: the page read and the records written live there */
  private readonly walker: Walker;
  private readonly wasmU8: Uint8Array;
  private readonly wasmDv: DataView;
  private readonly outBase: number;
  private readonly pageBytes: number;
  /** the wasm context cache (see wasm-walk.ts S_CTX*) */
  private readonly ctxTab: number;
  private readonly ctxVals: number;
  private readonly ctxStride: number;
  private ctxCount = 0;
  /** where the scan mode lists the thread tracker's records */
  private readonly listBase: number;
  /** the pair table (see wasm-walk.ts S_PAIRTAB): output arguments of each thread's last syscall entry */
  private readonly pairBase: number;
  /** the page being decoded: one of the page slots of the wasm memory */
  private pageBase = PAGE_BASE;
  private pageU8: Uint8Array;
  private pageU32: Uint32Array;
  private pageDv: DataView;
  /** page slots (several when pages are read ahead of decoding, for the thread tracker) */
  private readonly slots: { base: number; u8: Uint8Array; u32: Uint32Array; dv: DataView }[] = [];
  private ctxClearedAt = 0;
  private readonly hdr: number;
  private readonly ctxBytes: number;
  private readonly ctxCodes: Int32Array;
  private readonly hostname: Uint8Array;
  private readonly halfPage: number;
  /** tid → paths fetched by uprobes just before the system call (newest first) */
  private readonly uprobePaths = new Map<number, { ptr: number; path: Uint8Array }[]>();
  private readonly pendingExits = new Map<number, PendingExit>();
  /** where writeSteps() wrote the first output argument (-1: none) */
  private outPos = -1;
  /** exits whose output arguments could not be paired with an entry (written as 0) */
  unpairedExits = 0;
  /** string arguments no uprobe saw, read from /proc/TID/mem instead, and those that could not be read */
  pathsFromMem = 0;
  pathsUnknown = 0;
  private readonly pendingOpens = new Map<number, PendingOpen>();
  private passNo = 0;
  /** latest plausible record time (ns) for the page being decoded */
  private limit = Infinity;
  /** pages that could not be decoded (kept out of the trace, counted) */
  pageErrors = 0;
  lastPageError = '';

  constructor(readonly opts: ConsumerOptions) {
    this.cursor = new PageCursor(opts.headerPage, opts.headerEvent);
    this.pageBytes = (Math.max(opts.subbufBytes, opts.headerPage.dataOffset + opts.headerPage.dataSize) + 7) & ~7;
    this.hdr = headerBytes(opts.contexts);
    this.ctxBytes = opts.contexts.reduce((n, t) => n + contextBytes(t), 0);
    // PAGE, then OUT: room for (header + 8) / 12 bytes out per byte in (a 12-byte record can become a 24-byte event)
    // page slots: 1 MiB per CPU (a pass's reading) up to 8 MiB, at least one
    const nslots = Math.max(1, Math.min(Math.floor((8 << 20) / this.pageBytes), opts.cpus.length * Math.max(16, Math.floor((1 << 20) / this.pageBytes))));
    this.outBase = (PAGE_BASE + nslots * this.pageBytes + 64 + 7) & ~7;
    const outBytes = Math.ceil(((this.hdr + 8) / 12) * this.pageBytes) + 256;
    // then the context cache: keys, and values of ctxBytes (+ zeros up to the next 8 bytes, + 8)
    this.ctxTab = (this.outBase + outBytes + 7) & ~7;
    this.ctxStride = ((this.ctxBytes + 7) & ~7) + 8;
    this.ctxVals = this.ctxTab + CTX_ENTRIES * 4;
    this.listBase = (this.ctxVals + (this.ctxBytes ? CTX_ENTRIES * this.ctxStride : 0) + 7) & ~7;
    // then the syscall entry → exit pairs
    this.pairBase = (this.listBase + LIST_MAX * 16 + 64 + 7) & ~7;
    this.walker = createWalker(this.pairBase + PAIR_SLOTS * PAIR_BYTES + 64);
    const buf = this.walker.mem.buffer;
    this.wasmU8 = new Uint8Array(buf);
    this.wasmDv = new DataView(buf);
    this.wasmDv.setUint32(S_CTXBYTES, this.ctxBytes, true);
    this.wasmDv.setUint32(S_HDR, this.hdr, true);
    this.wasmDv.setUint32(S_CTXTAB, this.ctxTab, true);
    this.wasmDv.setUint32(S_CTXMASK, CTX_ENTRIES - 1, true);
    this.wasmDv.setUint32(S_CTXSTRIDE, this.ctxStride, true);
    this.wasmDv.setUint32(S_CTXVALS, this.ctxVals, true);
    this.wasmDv.setUint32(S_PAIRTAB, this.pairBase, true);
    this.wasmDv.setUint32(S_PAIRMASK, PAIR_SLOTS - 1, true);
    this.wasmDv.setUint32(S_MAXTL, opts.headerEvent.dataMaxTypeLen, true);
    this.wasmDv.setUint32(S_PADDING, opts.headerEvent.padding, true);
    this.wasmDv.setUint32(S_EXTEND, opts.headerEvent.timeExtend, true);
    this.wasmDv.setUint32(S_STAMP, opts.headerEvent.timeStamp, true);
    for (let i = 0; i < nslots; i++) {
      const base = PAGE_BASE + i * this.pageBytes;
      this.slots.push({ base, u8: new Uint8Array(buf, base, this.pageBytes), u32: new Uint32Array(buf, base, this.pageBytes >> 2), dv: new DataView(buf, base, this.pageBytes) });
    }
    this.pageU8 = this.slots[0]!.u8;
    this.pageU32 = this.slots[0]!.u32;
    this.pageDv = this.slots[0]!.dv;
    this.ctxCodes = Int32Array.from(opts.contexts.map((t) => CTX_CODE[t]));
    this.hostname = new Uint8Array(HOSTNAME_LEN);
    this.hostname.set(Buffer.from(opts.hostname, 'utf8').subarray(0, HOSTNAME_LEN - 1));
    this.halfPage = opts.headerPage.dataSize >> 1;
    this.tracker = new TaskTracker(opts.procs);
    this.readers = opts.cpus.map(
      (cpu) => new CpuReader(cpu, this.newStream(opts.outDir, cpu)),
    );
  }

  private newStream(dir: string, cpu: number): KernelStream {
    const o = this.opts;
    const packet = o.tracefile ? Math.max(4096, Math.min(o.packetBytes, o.tracefile.size)) : o.packetBytes;
    return new KernelStream(`${dir}/${o.channel}_${cpu}`, o.streamId, cpu, packet, o.uuid, o.tracefile);
  }

  /**
   * Session rotation: what was read so far goes to the current files, which
   * are closed; the streams go on in `dir` (same clock floor and cumulative
   * lost-event counts, so nothing is lost or written twice between chunks).
   */
  switchOutput(dir: string, atHi: number, atLo: number): void {
    this.expirePending(true);
    this.pollStats();
    fs.mkdirSync(dir, { recursive: true });
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
    for (const [id, spec] of from.tracks) this.setTrack(id, spec);
    for (const [id, l] of from.probes) this.setProbe(id, l);
    from.plans.forEach((p) => {
      if (p) this.setPlan(p);
    });
  }

  /**
   * Snapshots: every page the buffers hold now, per reader (copies, oldest
   * first), the one the writer is filling included. Reading consumes them.
   * At most `maxBytes` per CPU (a busy writer would keep the reader going).
   */
  readAllPages(maxBytes: number): Uint8Array[][] {
    this.open();
    const out: Uint8Array[][] = [];
    const buf = new Uint8Array(this.pageBytes);
    for (const r of this.readers) {
      const pages: Uint8Array[] = [];
      for (let bytes = 0; bytes < maxBytes; ) {
        let got: number;
        try {
          got = fs.readSync(r.fd, buf, 0, this.pageBytes, null);
        } catch (e) {
          const c = (e as NodeJS.ErrnoException).code;
          if (c === 'EAGAIN' || c === 'EWOULDBLOCK' || c === 'ENODEV' || c === 'ENOMEM' || c === 'EBUSY' || c === 'EINTR') break;
          throw e;
        }
        if (got <= 0) break;
        bytes += got;
        pages.push(buf.slice(0, got));
      }
      out.push(pages);
    }
    return out;
  }

  /** decode from page slot i */
  private usePage(i: number): void {
    const sl = this.slots[i]!;
    this.pageBase = sl.base;
    this.pageU8 = sl.u8;
    this.pageU32 = sl.u32;
    this.pageDv = sl.dv;
  }

  setPlan(p: EventPlan): void {
    this.plans[p.id] = p;
    this.planEntry(p.id);
  }

  /** records of this event are no longer written */
  removePlan(id: number): void {
    this.plans[id] = undefined;
    this.planEntry(id);
  }

  setProbe(id: number, l: PathProbeLayout): void {
    this.probes.set(id, l);
    this.planEntry(id);
  }

  /** the wasm loop's view of an event id (see wasm-walk.ts, PLANS) */
  private planEntry(id: number): void {
    const e = PLANS + id * PLAN_BYTES;
    const dv = this.wasmDv;
    const p = this.plans[id];
    this.wasmU8.fill(0, e, e + PLAN_BYTES);
    if (this.tracks.has(id)) dv.setUint8(e + 9, 1);
    if (!p) {
      dv.setUint8(e, this.probes.has(id) ? KIND_JS : KIND_NONE);
      return;
    }
    const copy = p.fast && p.prioFixups.length <= 3 && p.skip < 256 && p.minLen < 65536 && p.declBytes < 65536 && p.outOffsets.length <= PAIR_VALUES &&
      p.outOffsets.every((o) => o < 256) && p.pairSizes.length <= PAIR_VALUES;
    dv.setUint8(e, copy ? KIND_COPY : KIND_JS);
    if (!copy) return;
    dv.setUint8(e + 16, p.outOffsets.length);
    p.outOffsets.forEach((o, i) => dv.setUint8(e + 17 + i, o));
    dv.setUint8(e + 20, p.holeAt);
    dv.setUint8(e + 21, p.holeLen);
    if (p.outOffsets.length || p.holeLen || p.pairWith >= 0) dv.setUint8(e + 23, 1);
    if (p.pairWith >= 0) {
      dv.setUint8(e + 22, p.pairSizes.length);
      dv.setUint16(e + 24, p.pairWith, true);
      p.pairSizes.forEach((n, i) => dv.setUint8(e + 26 + i, n));
    }
    dv.setUint8(e + 1, p.skip);
    dv.setUint16(e + 2, p.words, true);
    dv.setUint16(e + 4, p.declBytes, true);
    dv.setUint16(e + 6, p.minLen, true);
    dv.setUint8(e + 8, p.prioFixups.length);
    p.prioFixups.forEach((f, i) => dv.setUint16(e + 10 + 2 * i, f, true));
  }

  /** an event that tells who threads are (see tracker.ts); read ahead of each pass */
  setTrack(id: number, spec: TrackSpec): void {
    this.tracks.set(id, spec);
    this.planEntry(id);
  }

  /** streams start no earlier than this clock value */
  setFloor(hi: number, lo: number): void {
    for (const r of this.readers) r.stream.setFloor(hi, lo);
  }

  open(): void {
    for (const r of this.readers) {
      if (r.fd >= 0) continue;
      r.fd = fs.openSync(this.opts.instance.rawPipe(r.cpu), fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
      try {
        r.statsFd = fs.openSync(this.opts.instance.file(`per_cpu/cpu${r.cpu}/stats`), 'r');
      } catch {
        r.statsFd = -1;
      }
    }
  }

  closeFds(): void {
    for (const r of this.readers) {
      if (r.fd >= 0) fs.closeSync(r.fd);
      if (r.statsFd >= 0) fs.closeSync(r.statsFd);
      r.fd = -1;
      r.statsFd = -1;
    }
  }

  private readonly statsBuf = Buffer.alloc(1024);
  /** largest unread byte count seen since the last debug line */
  debugUnread = -0;
  readonly dbg = !!process.env['TTNG_KDEBUG'];
  dbgRead = -0;
  readonly dbgCounts = new Map<string, number>();
  dbgDecode = -0;

  /** bytes of unread events in a CPU's buffer (stats "bytes:"), -1 if unknown */
  private unread(r: CpuReader): number {
    if (r.statsFd < 0) return -1;
    try {
      const n = fs.readSync(r.statsFd, this.statsBuf, 0, this.statsBuf.length, 0);
      const b = this.statsBuf;
      // "bytes: N" (the 4th line)
      const i = b.indexOf(BYTES_LINE);
      if (i >= 0 && i < n) {
        let v = 0;
        let j = i + BYTES_LINE.length;
        while (j < n && b[j] === 32) j++;
        while (j < n && b[j]! >= 48 && b[j]! <= 57) v = v * 10 + (b[j++]! - 48);
        return v;
      }
    } catch {
      /* fall through */
    }
    return -1;
  }

  /**
   * One read pass over every CPU: at most `budget` pages each, stopping at the
   * first page that is less than half full (the reader has caught up with the
   * writer) unless `all`. Returns true when some CPU still had full pages.
   */
  pass(budget: number, all = false): boolean {
    this.passNo++;
    this.opts.procs.tick();
    const nowMs = Date.now();
    // /proc's values age: ask again now and then
    if (nowMs - this.ctxClearedAt >= 1000) this.clearContexts();
    const ahead = this.tracks.size > 0;
    // read ahead: every page of the pass first (each in its slot), then decoded
    const pages: { r: CpuReader; slot: number; got: number }[] = [];
    let more = false;
    this.usePage(0);
    const dataSize = this.opts.headerPage.dataSize;
    for (const r of this.readers) {
      if (r.fd < 0) continue;
      // Read the sub-buffers the writer has finished; the one it is filling
      // only once the read timer says its records have waited long enough:
      // the kernel hands a finished sub-buffer over whole, but copies a
      // partial one record by record with interrupts off.
      let limit = budget;
      if (!all) {
        const unread = this.unread(r);
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
          if (pages.length >= this.slots.length) {
            more = true;
            break;
          }
          this.usePage(pages.length);
        }
        let got: number;
        const t0 = this.dbg ? performance.now() : 0;
        try {
          got = fs.readSync(r.fd, this.pageU8, 0, this.pageBytes, null);
          if (this.dbg) this.dbgRead += performance.now() - t0;
        } catch (e) {
          const c = (e as NodeJS.ErrnoException).code;
          if (c === 'EAGAIN' || c === 'EWOULDBLOCK' || c === 'ENODEV' || c === 'ENOMEM' || c === 'EBUSY' || c === 'EINTR') break;
          throw e;
        }
        if (got <= 0) break;
        n++;
        r.pagesRead++;
        r.bytesRead += got;
        let size: number;
        if (ahead) {
          this.scanTracking(got);
          pages.push({ r, slot: pages.length, got });
          size = this.pageDv.getUint32(this.opts.headerPage.commitOffset, true) & 0x7ffffff;
        } else {
          const t1 = this.dbg ? performance.now() : 0;
          size = this.decodePage(r, got);
          if (this.dbg) this.dbgDecode += performance.now() - t1;
        }
        if (size < this.halfPage) r.lastPartial = nowMs;
        if (!all && n > 1 && size < this.halfPage) break;
      }
    }
    if (ahead) {
      this.tracker.ready();
      // cached contexts of threads that changed in these pages are stale
      if (this.tracker.anyChange()) this.clearContexts();
      for (const p of pages) {
        this.usePage(p.slot);
        this.decodePage(p.r, p.got);
      }
      this.tracker.endPass();
      this.usePage(0);
    }
    this.expirePending(false);
    return more;
  }

  /** feeds the tracker with the thread events of the page in pageU8 (the wasm loop finds them) */
  private scanTracking(got: number): void {
    const c = this.cursor;
    try {
      c.reset(this.pageU8, this.pageDv, 0, got);
    } catch {
      return; // counted when the page is transcoded
    }
    const mem = this.wasmDv;
    const start = this.pageBase + this.opts.headerPage.dataOffset;
    mem.setUint32(S_POS, start, true);
    mem.setUint32(S_END, start + c.size, true);
    mem.setUint32(S_TS, c.pageTsLo, true);
    mem.setUint32(S_TS + 4, c.pageTsHi, true);
    mem.setUint32(S_PAGETS, c.pageTsLo, true);
    mem.setUint32(S_PAGETS + 4, c.pageTsHi, true);
    mem.setUint32(S_LIMIT, 0xffffffff, true);
    mem.setUint32(S_LIMIT + 4, 0xffffffff, true);
    mem.setUint32(S_SCAN, 1, true);
    mem.setUint32(S_LIST, this.listBase, true);
    mem.setUint32(S_LISTMAX, LIST_MAX, true);
    try {
      for (;;) {
        mem.setUint32(S_LISTN, 0, true);
        const status = this.walker.walk();
        const n = mem.getUint32(S_LISTN, true);
        for (let i = 0; i < n; i++) {
          const e = this.listBase + i * 16;
          const off = mem.getUint32(e, true) - this.pageBase;
          const spec = this.tracks.get(this.pageU8[off]! | (this.pageU8[off + 1]! << 8));
          if (spec) this.tracker.note(spec, this.pageU8, this.pageDv, off, mem.getUint32(e + 4, true), mem.getUint32(e + 12, true) * TWO32 + mem.getUint32(e + 8, true));
        }
        if (status !== W_LIST_FULL) break;
      }
    } finally {
      mem.setUint32(S_SCAN, 0, true);
    }
  }

  /** the thread `tid` at the time of the record being written */
  private task(tid: number, tsHi: number, tsLo: number): TaskInfo | undefined {
    return this.tracks.size ? this.tracker.at(tid, tsHi * TWO32 + tsLo) : this.opts.procs.get(tid);
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
    for (const r of this.readers) {
      let lost: number;
      try {
        const st = this.opts.instance.stats(r.cpu);
        // overwrite mode: what the writer overwrote is what the user asked for, not a loss
        // (LTTng does not count it in events_discarded either); only commit overruns are lost
        if (this.opts.overwrite) {
          r.overwritten = Math.max(r.overwritten, st.overrun, r.missedFromPages);
          lost = st.commitOverrun;
        } else lost = st.droppedEvents + st.commitOverrun;
      } catch {
        continue;
      }
      if (lost > r.statsLost) r.statsLost = lost;
      if (r.statsLost > r.stream.discarded) r.stream.discarded = r.statsLost;
    }
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
    this.expirePending(true);
    this.pollStats();
    for (const r of this.readers) r.stream.sync();
  }

  close(): void {
    if (this.dbg) {
      process.stderr.write(`slow records: ${JSON.stringify([...this.dbgCounts].sort((a, b) => b[1] - a[1]).slice(0, 12))}\n`);
      process.stderr.write(`paths from /proc/TID/mem: ${this.pathsFromMem}, unknown: ${this.pathsUnknown}; exits not paired with their entry: ${this.unpairedExits}\n`);
    }
    this.expirePending(true);
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
    const stream = r.stream;
    const o = stream.reserve(tsHi, tsLo, 16 + this.ctxBytes + payload.length);
    const u8 = stream.u8;
    u8[o + 8] = id & 0xff;
    u8[o + 9] = id >>> 8;
    const p = this.writeContexts(r, stream.dv, u8, o + 10, tid, tsHi, tsLo);
    u8.set(payload, p);
    stream.commit(p + payload.length);
  }

  /** Decodes one page given by the caller (tests, replay) as if read from CPU reader `index`. */
  consumePage(index: number, page: Uint8Array): void {
    const r = this.readers[index];
    if (!r) throw new Error(`no reader ${index}`);
    const n = Math.min(page.length, this.pageU8.length);
    this.pageU8.set(page.subarray(0, n));
    this.pageU8.fill(0, n);
    if (this.tracks.size) {
      this.scanTracking(n);
      this.tracker.ready();
    }
    this.decodePage(r, n);
    if (this.tracks.size) this.tracker.endPass();
  }

  /* ------------------------------ decoding ------------------------------ */

  /** decodes one page; returns its data size */
  private decodePage(r: CpuReader, got: number): number {
    const c = this.cursor;
    try {
      c.reset(this.pageU8, this.pageDv, 0, got);
    } catch (e) {
      this.noteError(e);
      return 0;
    }
    if (c.missedEvents && this.opts.countLosses !== false) {
      if (c.missedCount > 0) r.missedFromPages += c.missedCount;
      else r.missedUnknown = true;
      if (this.opts.overwrite) r.overwritten = Math.max(r.overwritten, r.missedFromPages);
      else if (r.missedFromPages > r.stream.discarded) r.stream.discarded = r.missedFromPages;
    }
    try {
      // a timestamp from the future would hold the whole stream there (time never goes back in a stream)
      const now = this.opts.now ? this.opts.now() : Number(process.hrtime.bigint());
      this.limit = Math.max(now + 60e9, r.stream.lastHi * TWO32 + r.stream.lastLo + 600e9);
      if (c.pageTsHi * TWO32 + c.pageTsLo > this.limit) throw new PageError(`page timestamp ${c.pageTsHi * TWO32 + c.pageTsLo} is in the future`);
      this.walk(r, this.opts.headerPage.dataOffset, this.opts.headerPage.dataOffset + c.size, c.pageTsHi, c.pageTsLo);
      if (this.pendingExits.size) this.resolvePendingExits();
    } catch (e) {
      if (!(e instanceof PageError)) throw e;
      this.noteError(e);
    }
    return c.size;
  }

  /**
   * The hot loop (wasm-walk.ts) over pageU8[pos, end): events copied as they
   * are go straight into the packet; every other record goes through handle().
   */
  private walk(r: CpuReader, pos: number, end: number, hi: number, lo: number): void {
    const mem = this.wasmDv;
    const stream = r.stream;
    mem.setUint32(S_POS, this.pageBase + pos, true);
    mem.setUint32(S_END, this.pageBase + end, true);
    mem.setUint32(S_TS, lo, true);
    mem.setUint32(S_TS + 4, hi, true);
    mem.setUint32(S_PAGETS, lo, true);
    mem.setUint32(S_PAGETS + 4, hi, true);
    const limit = this.limit;
    if (limit >= 2 ** 64) {
      mem.setUint32(S_LIMIT, 0xffffffff, true);
      mem.setUint32(S_LIMIT + 4, 0xffffffff, true);
    } else {
      const lh = Math.floor(limit / TWO32);
      mem.setUint32(S_LIMIT + 4, lh, true);
      mem.setUint32(S_LIMIT, limit - lh * TWO32, true);
    }
    for (;;) {
      mem.setUint32(S_O, this.outBase, true);
      mem.setUint32(S_DECL, 0, true);
      mem.setUint32(S_N, 0, true);
      mem.setUint32(S_BEGIN, 0, true);
      mem.setUint32(S_FAST, stream.holding ? 0 : 1, true);
      mem.setUint32(S_CPUKEY, (0x80000000 | r.cpu) >>> 0, true);
      mem.setUint32(S_LAST, stream.lastLo, true);
      mem.setUint32(S_LAST + 4, stream.lastHi, true);
      const status = this.walker.walk();
      // what the loop wrote: into the packet, as it is
      const o = mem.getUint32(S_O, true);
      const bytes = o - this.outBase;
      if (bytes > 0) {
        const n = mem.getUint32(S_N, true);
        // (a packet closed here ends with its own last event: update the clock after)
        stream.ensureRoom(bytes);
        const at = stream.pktPos;
        if (stream.pktBeginHi < 0) {
          stream.pktBeginLo = mem.getUint32(S_BEGINTS, true);
          stream.pktBeginHi = mem.getUint32(S_BEGINTS + 4, true);
        }
        stream.pktU8.set(this.wasmU8.subarray(this.outBase, o), at);
        stream.pktDecl = at + (mem.getUint32(S_DECL, true) - this.outBase);
        stream.pktPos = at + bytes;
        stream.pktEvents += n;
        stream.events += n;
      }
      stream.lastLo = mem.getUint32(S_LAST, true);
      stream.lastHi = mem.getUint32(S_LAST + 4, true);
      if (status === W_END) return;
      if (status < 0) throw new PageError(`${WALK_ERRORS[-status] ?? 'bad record'} at page offset ${mem.getUint32(S_POS, true) - this.pageBase}`);
      // a record for JavaScript
      const off = mem.getUint32(S_REC_OFF, true) - this.pageBase;
      const len = mem.getUint32(S_REC_LEN, true);
      const tlo = mem.getUint32(S_TS, true);
      const thi = mem.getUint32(S_TS + 4, true);
      const plan = this.plans[this.pageU8[off]! | (this.pageU8[off + 1]! << 8)];
      if (this.dbg) {
        const k = status === W_CTX_MISS ? (this.tracks.size && thi * TWO32 + tlo < this.tracker.lastChange(this.pageDv.getInt32(off + 4, true)) ? 'miss-changing' : 'miss') : stream.holding ? 'holding' : plan ? (plan.fast ? 'fast?' : plan.name) : 'probe';
        this.dbgCounts.set(k, (this.dbgCounts.get(k) ?? 0) + 1);
      }
      if (status === W_CTX_MISS) this.cacheContexts(r, this.pageDv.getInt32(off + 4, true), thi, tlo);
      if (plan === undefined) this.onProbe(this.pageU8[off]! | (this.pageU8[off + 1]! << 8), off, len);
      else this.handle(r, plan, thi, tlo, off, len, this.pageDv);
    }
  }

  /** puts a thread's contexts in the wasm loop's cache (unless they change within these pages) */
  private cacheContexts(r: CpuReader, tid: number, hi: number, lo: number): void {
    // a thread that changes later in these pages: its records until then are JavaScript's
    if (this.tracks.size && hi * TWO32 + lo < this.tracker.lastChange(tid)) return;
    if (this.ctxCount >= (CTX_ENTRIES * 3) >> 2) this.clearContexts();
    const key = tid === 0 ? (0x80000000 | r.cpu) >>> 0 : (tid + 1) >>> 0;
    const mem = this.wasmDv;
    let h = (Math.imul(key, -1640531535) >>> 20) & (CTX_ENTRIES - 1);
    for (;;) {
      const k = mem.getUint32(this.ctxTab + h * 4, true);
      if (k === key) return;
      if (k === 0) break;
      h = (h + 1) & (CTX_ENTRIES - 1);
    }
    const v = this.ctxVals + h * this.ctxStride;
    this.wasmU8.fill(0, v, v + this.ctxStride);
    this.writeContexts(r, mem, this.wasmU8, v, tid, hi, lo);
    mem.setUint32(this.ctxTab + h * 4, key, true);
    this.ctxCount++;
  }

  /** forgets the cached contexts (once per pass: /proc's values age, threads come and go) */
  private clearContexts(): void {
    this.ctxClearedAt = Date.now();
    if (!this.ctxBytes) return;
    this.wasmU8.fill(0, this.ctxTab, this.ctxTab + CTX_ENTRIES * 4);
    this.ctxCount = 0;
  }

  /** one record the fast path does not take */
  private handle(r: CpuReader, plan: EventPlan, hi: number, lo: number, off: number, len: number, dv: DataView): void {
    if (plan.outOffsets.length) this.saveOuts(plan, hi, lo, off, len);
    if (plan.pathPointers.length) {
      this.onPathEntry(r, plan, hi, lo, off, len);
      return;
    }
    if (plan.pathExit) this.onOpenExit(r, plan, off);
    if (plan.userFilter && !this.accept(r, plan, hi, lo, this.pageU8, dv, off, len, undefined)) return;
    if (plan.pairWith >= 0) this.writeExit(r, plan, hi, lo, off, len);
    else if (plan.kind === PLAN_RAW) this.writeRaw(r, plan, hi, lo, off, len, undefined);
    else this.writeSteps(r, plan, hi, lo, this.pageU8, dv, off, len, NO_PATHS, undefined);
  }

  /* ------------------- output arguments: entry → exit, per thread ------------------- */

  /** the pair slot of thread `tid` (same hash as the wasm loop) */
  private pairSlot(tid: number): number {
    return this.pairBase + ((Math.imul((tid + 1) >>> 0, -1640531535) >>> 20) & (PAIR_SLOTS - 1)) * PAIR_BYTES;
  }

  /** an entry read by JavaScript: its output arguments into the thread's pair slot, as the wasm loop does */
  private saveOuts(plan: EventPlan, hi: number, lo: number, off: number, len: number): void {
    const dv = this.pageDv;
    const mem = this.wasmDv;
    const tid = dv.getInt32(off + 4, true);
    const slot = this.pairSlot(tid);
    mem.setUint32(slot, (tid + 1) >>> 0, true);
    mem.setUint16(slot + 4, plan.id, true);
    mem.setUint32(slot + 8, lo, true);
    mem.setUint32(slot + 12, hi, true);
    plan.outOffsets.forEach((o, i) => {
      if (i >= PAIR_VALUES) return;
      const ok = o + 8 <= len;
      mem.setUint32(slot + 16 + 8 * i, ok ? dv.getUint32(off + o, true) : 0, true);
      mem.setUint32(slot + 20 + 8 * i, ok ? dv.getUint32(off + o + 4, true) : 0, true);
    });
  }

  /** the thread's saved entry values for an exit of `plan` at time `ts` (the slot is then free), else undefined */
  private takeOuts(plan: EventPlan, tid: number, ts: number): number[] | undefined {
    const mem = this.wasmDv;
    const slot = this.pairSlot(tid);
    if (mem.getUint32(slot, true) !== ((tid + 1) >>> 0) || mem.getUint16(slot + 4, true) !== plan.pairWith) return undefined;
    if (mem.getUint32(slot + 12, true) * TWO32 + mem.getUint32(slot + 8, true) > ts) return undefined;
    mem.setUint32(slot, 0, true);
    const vals: number[] = [];
    for (let i = 0; i < PAIR_VALUES; i++) vals.push(mem.getUint32(slot + 16 + 8 * i, true), mem.getUint32(slot + 20 + 8 * i, true));
    return vals;
  }

  /** exits written before their entry was read (another CPU's pages came later): patched now if it has come */
  private resolvePendingExits(): void {
    if (!this.pendingExits.size) return;
    for (const [tid, pe] of this.pendingExits) {
      const mem = this.wasmDv;
      const slot = this.pairSlot(tid);
      if (mem.getUint32(slot, true) !== ((tid + 1) >>> 0) || mem.getUint16(slot + 4, true) !== pe.entryId) continue;
      if (mem.getUint32(slot + 12, true) * TWO32 + mem.getUint32(slot + 8, true) > pe.ts) continue;
      this.pendingExits.delete(tid);
      mem.setUint32(slot, 0, true);
      if (pe.stream.packets !== pe.packet) continue;
      let p = pe.pos;
      pe.sizes.forEach((n, i) => {
        for (let b = 0; b < n; b++) pe.stream.pktU8[p + b] = this.wasmU8[slot + 16 + 8 * i + b]!;
        p += n;
      });
      this.unpairedExits--;
    }
  }

  /** a syscall exit with output arguments: `ret`, then the values its entry recorded */
  private writeExit(r: CpuReader, plan: EventPlan, hi: number, lo: number, off: number, len: number): void {
    const tid = this.pageDv.getInt32(off + 4, true);
    const ts = hi * TWO32 + lo;
    const vals = this.takeOuts(plan, tid, ts);
    if (plan.kind === PLAN_RAW) this.writeRaw(r, plan, hi, lo, off, len, vals);
    else this.writeSteps(r, plan, hi, lo, this.pageU8, this.pageDv, off, len, NO_PATHS, vals);
    if (vals || this.outPos < 0) return;
    this.unpairedExits++;
    if (!r.stream.holding) {
      if (this.pendingExits.size > 10_000) this.pendingExits.clear();
      const sizes = plan.kind === PLAN_RAW ? plan.pairSizes : plan.steps.filter((st) => st.op === OP_OUT).map((st) => st.b);
      this.pendingExits.set(tid, { stream: r.stream, packet: r.stream.packets, pos: this.outPos, sizes, ts, entryId: plan.pairWith });
    }
  }

  /** the plan's filters (evaluated here, not by ftrace) accept the record */
  private accept(r: CpuReader, plan: EventPlan, hi: number, lo: number, src: Uint8Array, dv: DataView, off: number, len: number, paths: Uint8Array[] | undefined): boolean {
    const tid = dv.getInt32(off + 4, true);
    const t = this.task(tid, hi, lo);
    let m: Map<string, string> | undefined;
    if (paths) {
      m = new Map();
      const fields = plan.format!.fields;
      plan.pathPointers.forEach((o, i) => {
        const f = fields.find((x) => x.offset === o);
        if (f && paths[i]) m!.set(f.name, Buffer.from(paths[i]!).toString('utf8'));
      });
    }
    return acceptRecord(plan.userFilter!, plan.format!, src, dv, off, len, {
      tid, cpu: r.cpu, pid: t?.tgid, ppid: t?.ppid, procname: t?.comm, paths: m,
    });
  }

  private noteError(e: unknown): void {
    this.pageErrors++;
    this.lastPageError = (e as Error).message;
  }

  /**
   * Record copied as it is (ftrace layout described by the metadata), less
   * its cut-out slots; a syscall exit then gets its entry's values (`outs`:
   * u32 halves; zeros when its entry has not been read).
   */
  private writeRaw(r: CpuReader, plan: EventPlan, tsHi: number, tsLo: number, off: number, len: number, outs: number[] | undefined): void {
    const hdr = this.hdr;
    const decl = plan.declBytes;
    const stream = r.stream;
    let extra = 0;
    for (const n of plan.pairSizes) extra += n;
    const o = stream.reserve(tsHi, tsLo, hdr + decl + extra + 8);
    const u32 = stream.u32;
    const src32 = this.pageU32;
    const ow = o >> 2;
    if (this.ctxCodes.length === 0) {
      u32[ow + 2] = src32[off >> 2]!;
      u32[ow + 3] = src32[(off >> 2) + 1]!;
    } else {
      const u8 = stream.u8;
      u8[o + 8] = this.pageU8[off]!;
      u8[o + 9] = this.pageU8[off + 1]!;
      const e = this.writeContexts(r, stream.dv, u8, o + 10, this.pageDv.getInt32(off + 4, true), tsHi, tsLo);
      for (let i = e; i < o + hdr; i++) u8[i] = 0;
    }
    this.outPos = -1;
    if (decl === 0 && extra === 0) {
      stream.commit(o + 10 + this.ctxBytes);
      return;
    }
    let have = len - plan.skip - plan.holeLen;
    if (have > decl) have = decl;
    if (have < 0) have = 0;
    if (plan.holeLen) {
      // two pieces around the cut-out slots
      const u8 = stream.u8;
      const s = off + plan.skip;
      const a = Math.min(have, plan.holeAt);
      u8.set(this.pageU8.subarray(s, s + a), o + hdr);
      if (have > a) u8.set(this.pageU8.subarray(s + plan.holeAt + plan.holeLen, s + plan.holeLen + have), o + hdr + a);
    } else {
      const words = (have + 3) >> 2;
      const d = (o + hdr) >> 2;
      const s = (off + plan.skip) >> 2;
      for (let i = 0; i < words; i++) u32[d + i] = src32[s + i]!;
    }
    if (have < decl) stream.u8.fill(0, o + hdr + have, o + hdr + decl);
    const fx = plan.prioFixups;
    if (fx.length) {
      const dv = stream.dv;
      for (let i = 0; i < fx.length; i++) {
        const p = o + hdr + fx[i]! - plan.skip;
        dv.setInt32(p, dv.getInt32(p, true) - MAX_RT_PRIO, true);
      }
    }
    let p = o + hdr + decl;
    if (plan.pairSizes.length) {
      this.outPos = p;
      const u8 = stream.u8;
      plan.pairSizes.forEach((n, i) => {
        const lo = outs ? outs[2 * i]! : 0;
        const hi = outs ? outs[2 * i + 1]! : 0;
        for (let b = 0; b < n; b++) u8[p + b] = b < 4 ? (lo >>> (8 * b)) & 0xff : (hi >>> (8 * (b - 4))) & 0xff;
        p += n;
      });
    }
    stream.commit(p);
  }

  /** contexts at `p`; returns the end */
  private writeContexts(r: CpuReader, dv: DataView, u8: Uint8Array, p: number, tid: number, tsHi: number, tsLo: number): number {
    const codes = this.ctxCodes;
    for (let i = 0; i < codes.length; i++) {
      const c = codes[i]!;
      if (c === C_TID) {
        dv.setInt32(p, tid, true);
        p += 4;
        continue;
      }
      if (c === C_HOSTNAME) {
        u8.set(this.hostname, p);
        p += HOSTNAME_LEN;
        continue;
      }
      const t = this.task(tid, tsHi, tsLo);
      switch (c) {
        case C_PID:
          dv.setInt32(p, t ? t.tgid : tid, true);
          break;
        case C_PPID:
          dv.setInt32(p, t ? t.ppid : 0, true);
          break;
        case C_PROCNAME:
          u8.set(tid === 0 ? r.swapper : t ? t.commBytes : EMPTY16, p);
          p += 16;
          continue;
        case C_PRIO:
          dv.setInt32(p, t ? t.prio : 0, true);
          break;
        case C_NICE:
          dv.setInt32(p, t ? t.nice : 0, true);
          break;
        case C_VPID:
          dv.setInt32(p, t ? t.nsTgids[t.nsTgids.length - 1]! : tid, true);
          break;
        case C_VTID:
          dv.setInt32(p, t ? t.nsTids[t.nsTids.length - 1]! : tid, true);
          break;
        case C_VPPID:
          dv.setInt32(p, t ? t.ppid : 0, true);
          break;
      }
      p += 4;
    }
    return p;
  }

  /** record rebuilt by its plan's steps (byte-packed payload) */
  private writeSteps(r: CpuReader, plan: EventPlan, tsHi: number, tsLo: number, src: Uint8Array, sdv: DataView, off: number, len: number, paths: Uint8Array[], outs: number[] | undefined): void {
    const stream = r.stream;
    let max = 16 + this.ctxBytes + 2 * len + plan.extraBytes;
    for (const p of paths) max += p.length;
    this.outPos = -1;
    const o = stream.reserve(tsHi, tsLo, max);
    const u8 = stream.u8;
    const dv = stream.dv;
    u8[o + 8] = src[off]!;
    u8[o + 9] = src[off + 1]!;
    const tid = sdv.getInt32(off + 4, true);
    let p = this.writeContexts(r, dv, u8, o + 10, tid, tsHi, tsLo);
    const end = off + len;
    for (const st of plan.steps) {
      const a = off + st.a;
      switch (st.op) {
        case OP_COPY: {
          const n = Math.max(0, Math.min(st.b, end - a));
          u8.set(src.subarray(a, a + n), p);
          if (n < st.b) u8.fill(0, p + n, p + st.b);
          p += st.b;
          break;
        }
        case OP_PRIO:
          dv.setInt32(p, (a + 4 <= end ? sdv.getInt32(a, true) : 0) - MAX_RT_PRIO, true);
          p += 4;
          break;
        case OP_TEXT16: {
          const n = Math.max(0, Math.min(st.b, 16, end - a));
          u8.set(src.subarray(a, a + n), p);
          u8.fill(0, p + n, p + 16);
          u8[p + 15] = 0;
          p += 16;
          break;
        }
        case OP_DATALOC_STR:
        case OP_RELLOC_STR:
        case OP_DATALOC_TEXT:
        case OP_DATALOC_SEQ:
        case OP_RELLOC_SEQ: {
          let s = 0;
          let n = 0;
          if (a + 4 <= end) {
            const loc = sdv.getUint32(a, true);
            s = off + (loc & 0xffff) + (st.op === OP_RELLOC_STR || st.op === OP_RELLOC_SEQ ? st.a + 4 : 0);
            n = loc >>> 16;
            if (s < off || s > end) n = 0;
            else if (s + n > end) n = end - s;
          }
          if (st.op === OP_DATALOC_SEQ || st.op === OP_RELLOC_SEQ) {
            const count = Math.floor(n / st.b);
            dv.setUint32(p, count, true);
            p += 4;
            u8.set(src.subarray(s, s + count * st.b), p);
            p += count * st.b;
          } else if (st.op === OP_DATALOC_TEXT) {
            const k = strlen(src, s, Math.min(n, st.b - 1));
            u8.set(src.subarray(s, s + k), p);
            u8.fill(0, p + k, p + st.b);
            p += st.b;
          } else {
            const k = strlen(src, s, n);
            u8.set(src.subarray(s, s + k), p);
            p += k;
            u8[p++] = 0;
          }
          break;
        }
        case OP_FLEX_STR: {
          const n = Math.max(0, end - a);
          const k = strlen(src, a, n);
          u8.set(src.subarray(a, a + k), p);
          p += k;
          u8[p++] = 0;
          break;
        }
        case OP_FLEX_SEQ: {
          const count = Math.max(0, Math.floor((end - a) / st.b));
          dv.setUint32(p, count, true);
          p += 4;
          u8.set(src.subarray(a, a + count * st.b), p);
          p += count * st.b;
          break;
        }
        case OP_PATH: {
          const path = paths[st.b] ?? UNKNOWN_PATH;
          u8.set(path, p);
          p += path.length;
          u8[p++] = 0;
          break;
        }
        case OP_OUT: {
          if (this.outPos < 0) this.outPos = p;
          const vlo = outs ? outs[2 * st.a]! : 0;
          const vhi = outs ? outs[2 * st.a + 1]! : 0;
          if (st.b >= 4) dv.setUint32(p, vlo, true);
          else if (st.b === 2) dv.setUint16(p, vlo & 0xffff, true);
          else u8[p] = vlo & 0xff;
          if (st.b === 8) dv.setUint32(p + 4, vhi, true);
          p += st.b;
          break;
        }
        case OP_TGID: {
          const t = a + 4 <= end ? sdv.getInt32(a, true) : 0;
          const info = this.task(t, tsHi, tsLo);
          dv.setInt32(p, info ? info.tgid : t, true);
          p += 4;
          break;
        }
        case OP_PIDNS: {
          const t = a + 4 <= end ? sdv.getInt32(a, true) : 0;
          dv.setUint32(p, this.opts.procs.pidNs(t), true);
          p += 4;
          break;
        }
        case OP_VTIDS: {
          const t = a + 4 <= end ? sdv.getInt32(a, true) : 0;
          const info = this.task(t, tsHi, tsLo);
          const ids = info ? info.nsTids : [t];
          u8[p++] = ids.length;
          for (const v of ids) {
            dv.setInt32(p, v, true);
            p += 4;
          }
          break;
        }
      }
    }
    stream.commit(p);
  }

  /* ------------------------- path arguments of system calls ------------------------- */

  private onProbe(id: number, off: number, len: number): void {
    const l = this.probes.get(id);
    if (!l) return;
    const dv = this.pageDv;
    const tid = dv.getInt32(off + 4, true);
    const end = off + len;
    let list = this.uprobePaths.get(tid);
    for (const sp of l.strs) {
      if (off + sp.ptr.offset + 8 > end || off + sp.path.offset + 4 > end) continue;
      const ptr = dv.getUint32(off + sp.ptr.offset, true) + dv.getUint32(off + sp.ptr.offset + 4, true) * TWO32;
      const loc = dv.getUint32(off + sp.path.offset, true);
      const s = off + (loc & 0xffff);
      let n = loc >>> 16;
      if (s > end) continue;
      if (s + n > end) n = end - s;
      const k = strlen(this.pageU8, s, n);
      // an empty fetch is most often a page that was not resident: the fallbacks do better
      if (k === 0) continue;
      if (!list) {
        if (this.uprobePaths.size > 10_000) this.uprobePaths.clear();
        this.uprobePaths.set(tid, (list = []));
      }
      // newest first; a few per thread (one call may pass through several probed wrappers)
      list.unshift({ ptr, path: this.pageU8.slice(s, s + k) });
      if (list.length > 6) list.length = 6;
    }
  }

  /** the string at `ptr` for thread `tid`: from a uprobe, else (when allowed) /proc/TID/mem */
  private pathFor(tid: number, ptr: number, list: { ptr: number; path: Uint8Array }[] | undefined, mem: boolean): Uint8Array | undefined {
    if (ptr === 0) return NULL_PATH;
    if (list) for (const u of list) if (u.ptr === ptr) return u.path.length ? u.path : EMPTY_PATH;
    if (!mem) return undefined;
    const v = readUserString(tid, ptr);
    if (v) this.pathsFromMem++;
    else this.pathsUnknown++;
    return v ? (v.length ? v : EMPTY_PATH) : UNKNOWN_PATH;
  }

  private onPathEntry(r: CpuReader, plan: EventPlan, tsHi: number, tsLo: number, off: number, len: number): void {
    const dv = this.pageDv;
    const tid = dv.getInt32(off + 4, true);
    const list = this.uprobePaths.get(tid);
    this.uprobePaths.delete(tid);
    const ptrs = plan.pathPointers.map((o) => (o + 8 <= len ? dv.getUint32(off + o, true) + dv.getUint32(off + o + 4, true) * TWO32 : 0));
    // an open whose path no uprobe saw: /proc/TID/fd/RET after its exit (this CPU's records wait)
    if (plan.openEntry && ptrs[0] !== 0 && !list?.some((u) => u.ptr === ptrs[0]) && !r.stream.holding && !this.pendingOpens.has(tid)) {
      this.pendingOpens.set(tid, { reader: r, plan, tsHi, tsLo, rec: this.pageU8.slice(off, off + len), ptr: ptrs[0]!, pass: this.passNo });
      r.stream.hold();
      return;
    }
    // No /proc/TID/mem for execve (once done, the memory is the new program's) nor for opens (their
    // fallback is /proc/TID/fd/RET; a buffer read later may hold another path by then)
    const mem = !EXEC_CALLS.has(plan.ftraceName) && !plan.openEntry;
    const paths = ptrs.map((p) => this.pathFor(tid, p, list, mem) ?? (this.pathsUnknown++, UNKNOWN_PATH));
    if (!plan.userFilter || this.accept(r, plan, tsHi, tsLo, this.pageU8, dv, off, len, paths)) this.writeSteps(r, plan, tsHi, tsLo, this.pageU8, dv, off, len, paths, undefined);
  }

  private onOpenExit(r: CpuReader, plan: EventPlan, off: number): void {
    const dv = this.pageDv;
    const tid = dv.getInt32(off + 4, true);
    const p = this.pendingOpens.get(tid);
    if (!p) return;
    this.pendingOpens.delete(tid);
    const ret = plan.retOffset !== undefined ? dv.getInt32(off + plan.retOffset, true) : -1;
    // the uprobe's record may have come since, from another CPU's pages (the thread moved in between)
    let path = this.pathFor(tid, p.ptr, this.uprobePaths.get(tid), false);
    if (path) this.uprobePaths.delete(tid);
    else if (ret >= 0) {
      try {
        path = Buffer.from(fs.readlinkSync(`/proc/${tid}/fd/${ret}`), 'utf8');
        if (!path.length) path = undefined;
      } catch {
        /* gone already */
      }
    }
    path ??= p.ptr === 0 ? NULL_PATH : UNKNOWN_PATH;
    this.resolve(p, path);
    void r;
  }

  private resolve(p: PendingOpen, path: Uint8Array): void {
    const rec = p.rec;
    const rdv = new DataView(rec.buffer, rec.byteOffset, rec.byteLength);
    const keep = !p.plan.userFilter || this.accept(p.reader, p.plan, p.tsHi, p.tsLo, rec, rdv, 0, rec.length, [path]);
    p.reader.stream.release(() => {
      if (keep) this.writeSteps(p.reader, p.plan, p.tsHi, p.tsLo, rec, rdv, 0, rec.length, [path], undefined);
    });
  }

  /** gives up waiting for the exits of old pending opens (or all) */
  private expirePending(all: boolean): void {
    if (!this.pendingOpens.size) return;
    for (const [tid, p] of this.pendingOpens) {
      if (!all && this.passNo - p.pass < 3 && p.reader.stream.heldCount < 100_000) continue;
      this.pendingOpens.delete(tid);
      this.resolve(p, p.ptr === 0 ? NULL_PATH : UNKNOWN_PATH);
    }
  }
}

/** system calls after which the thread's memory belongs to another program */
const EXEC_CALLS = new Set(['sys_enter_execve', 'sys_enter_execveat']);

const EMPTY16 = new Uint8Array(16);

function strlen(b: Uint8Array, s: number, n: number): number {
  const i = b.subarray(s, s + n).indexOf(0);
  return i < 0 ? n : i;
}

/** open /proc/TID/mem files (opening one costs far more than reading it), most recent last */
const memFds = new Map<number, number>();
const MEM_FDS = 64;

function memFd(tid: number): number {
  let fd = memFds.get(tid);
  if (fd !== undefined) {
    memFds.delete(tid);
    memFds.set(tid, fd);
    return fd;
  }
  fd = fs.openSync(`/proc/${tid}/mem`, 'r');
  memFds.set(tid, fd);
  if (memFds.size > MEM_FDS) {
    const [old, ofd] = memFds.entries().next().value as [number, number];
    memFds.delete(old);
    fs.closeSync(ofd);
  }
  return fd;
}

function dropMemFd(tid: number): void {
  const fd = memFds.get(tid);
  if (fd === undefined) return;
  memFds.delete(tid);
  try {
    fs.closeSync(fd);
  } catch {
    /* closed */
  }
}

const memBuf = Buffer.alloc(4096);

/** a NUL-terminated string in a thread's memory (best effort) */
export function readUserString(tid: number, ptr: number): Uint8Array | undefined {
  if (!ptr || tid <= 0) return undefined;
  // a cached file may belong to the program before an exec, or to a dead thread whose id came back: then once more, afresh
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const n = fs.readSync(memFd(tid), memBuf, 0, 4096, ptr);
      const k = memBuf.subarray(0, n).indexOf(0);
      if (k >= 0) return Uint8Array.prototype.slice.call(memBuf, 0, k);
    } catch {
      /* below */
    }
    dropMemFd(tid);
  }
  return undefined;
}

/** closes the cached /proc/TID/mem files */
export function closeMemFds(): void {
  for (const tid of [...memFds.keys()]) dropMemFd(tid);
}
