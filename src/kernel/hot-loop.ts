// A channel consumer's WebAssembly memory and the hot loop over it
// (wasm-walk.ts): the page slots pages are read into, the per-event plan
// table, the per-thread context cache, the scan mode's list of thread events,
// the syscall pair table, and the output area whose events go into a packet
// with one set(). What the loop hands back is the consumer's (consumer.ts).
import type { KernelStream } from './ctf-out.js';
import type { HeaderEvent } from './format.js';
import type { EventPlan } from './mapping.js';
import { PageError } from './page.js';
import type { TaskTracker, TrackSpec } from './tracker.js';
import type { Walker } from './wasm-walk.js';
import {
  KIND_COPY, KIND_JS, KIND_NONE, PAIR_BYTES, PAIR_VALUES, PLANS, PLAN_BYTES, S_BEGIN, S_BEGINTS, S_CPUKEY, S_CTXBYTES, S_CTXMASK, S_CTXSTRIDE,
  S_CTXTAB, S_CTXVALS, S_DECL, S_END, S_EXTEND, S_FAST, S_HDR, S_LAST, S_LIMIT, S_LIST, S_LISTMAX, S_LISTN, S_MAXTL, S_N, S_O, S_PADDING,
  S_PAGETS, S_PAIRMASK, S_PAIRTAB, S_POS, S_REC_LEN, S_REC_OFF, S_SCAN, S_STAMP, S_TS, W_BAD_LENGTH, W_BAD_TYPE, W_FUTURE, W_LIST_FULL,
  W_PAST_END, W_TRUNCATED, createWalker,
} from './wasm-walk.js';

/** where the page lives in the wasm memory (after STATE and PLANS) */
const PAGE_BASE = PLANS + 65536 * PLAN_BYTES;
/** threads whose contexts the wasm loop keeps (a power of two) */
const CTX_ENTRIES = 4096;
/** slots of the pair table (a power of two; direct-mapped by thread) */
export const PAIR_SLOTS = 4096;
/** records listed per scan call */
const LIST_MAX = 1024;
const WALK_ERRORS: Record<number, string> = {
  [-W_TRUNCATED]: 'truncated record', [-W_PAST_END]: 'record runs past the page data', [-W_BAD_LENGTH]: 'invalid record length',
  [-W_BAD_TYPE]: 'unknown record type', [-W_FUTURE]: 'timestamp in the future',
};
const TWO32 = 4294967296;

/** one page slot of the wasm memory, with its views */
export interface PageSlot {
  readonly base: number;
  readonly u8: Uint8Array;
  readonly u32: Uint32Array;
  readonly dv: DataView;
}

/** what the memory is laid out for */
export interface HotLoopLayout {
  /** bytes of one page slot (a sub-buffer, 8-byte aligned) */
  pageBytes: number;
  /** CPUs read by the consumer */
  cpus: number;
  /** bytes of the event header (timestamp, id, contexts) */
  hdr: number;
  /** bytes of the contexts */
  ctxBytes: number;
  headerEvent: HeaderEvent;
}

export class HotLoop {
  readonly walker: Walker;
  readonly u8: Uint8Array;
  readonly dv: DataView;
  /** the pair table (see wasm-walk.ts S_PAIRTAB): output arguments of each thread's last syscall entry */
  readonly pairBase: number;
  /** page slots (several when pages are read ahead of decoding, for the thread tracker) */
  readonly slots: PageSlot[] = [];
  /** the page being decoded: one of the slots */
  page: PageSlot;
  /** when the context cache was last cleared (ms since the epoch) */
  ctxClearedAt = 0;
  private readonly outBase: number;
  /** the wasm context cache (see wasm-walk.ts S_CTX*) */
  private readonly ctxTab: number;
  private readonly ctxVals: number;
  private readonly ctxStride: number;
  private readonly ctxBytes: number;
  private ctxCount = 0;
  /** where the scan mode lists the thread tracker's records */
  private readonly listBase: number;

  constructor(l: HotLoopLayout) {
    const pageBytes = l.pageBytes;
    this.ctxBytes = l.ctxBytes;
    // PAGE, then OUT: room for (header + 8) / 12 bytes out per byte in (a 12-byte record can become a 24-byte event)
    // page slots: 1 MiB per CPU (a pass's reading) up to 8 MiB, at least one
    const nslots = Math.max(1, Math.min(Math.floor((8 << 20) / pageBytes), l.cpus * Math.max(16, Math.floor((1 << 20) / pageBytes))));
    this.outBase = (PAGE_BASE + nslots * pageBytes + 64 + 7) & ~7;
    const outBytes = Math.ceil(((l.hdr + 8) / 12) * pageBytes) + 256;
    // then the context cache: keys, and values of ctxBytes (+ zeros up to the next 8 bytes, + 8)
    this.ctxTab = (this.outBase + outBytes + 7) & ~7;
    this.ctxStride = ((this.ctxBytes + 7) & ~7) + 8;
    this.ctxVals = this.ctxTab + CTX_ENTRIES * 4;
    this.listBase = (this.ctxVals + (this.ctxBytes ? CTX_ENTRIES * this.ctxStride : 0) + 7) & ~7;
    // then the syscall entry → exit pairs
    this.pairBase = (this.listBase + LIST_MAX * 16 + 64 + 7) & ~7;
    this.walker = createWalker(this.pairBase + PAIR_SLOTS * PAIR_BYTES + 64);
    const buf = this.walker.mem.buffer;
    this.u8 = new Uint8Array(buf);
    this.dv = new DataView(buf);
    this.dv.setUint32(S_CTXBYTES, this.ctxBytes, true);
    this.dv.setUint32(S_HDR, l.hdr, true);
    this.dv.setUint32(S_CTXTAB, this.ctxTab, true);
    this.dv.setUint32(S_CTXMASK, CTX_ENTRIES - 1, true);
    this.dv.setUint32(S_CTXSTRIDE, this.ctxStride, true);
    this.dv.setUint32(S_CTXVALS, this.ctxVals, true);
    this.dv.setUint32(S_PAIRTAB, this.pairBase, true);
    this.dv.setUint32(S_PAIRMASK, PAIR_SLOTS - 1, true);
    this.dv.setUint32(S_MAXTL, l.headerEvent.dataMaxTypeLen, true);
    this.dv.setUint32(S_PADDING, l.headerEvent.padding, true);
    this.dv.setUint32(S_EXTEND, l.headerEvent.timeExtend, true);
    this.dv.setUint32(S_STAMP, l.headerEvent.timeStamp, true);
    for (let i = 0; i < nslots; i++) {
      const base = PAGE_BASE + i * pageBytes;
      this.slots.push({ base, u8: new Uint8Array(buf, base, pageBytes), u32: new Uint32Array(buf, base, pageBytes >> 2), dv: new DataView(buf, base, pageBytes) });
    }
    this.page = this.slots[0]!;
  }

  /** decode from page slot i */
  usePage(i: number): void {
    this.page = this.slots[i]!;
  }

  /** the wasm loop's view of event `id` (see wasm-walk.ts, PLANS): its plan, else whether it is a probe of ours; `track`: a thread event */
  planEntry(id: number, p: EventPlan | undefined, probe: boolean, track: boolean): void {
    const e = PLANS + id * PLAN_BYTES;
    const dv = this.dv;
    this.u8.fill(0, e, e + PLAN_BYTES);
    if (track) dv.setUint8(e + 9, 1);
    if (!p) {
      dv.setUint8(e, probe ? KIND_JS : KIND_NONE);
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

  /**
   * A context-cache entry for `key` (tid + 1, or 0x80000000 | cpu for the
   * idle task): the offset of its zeroed values, for the caller to fill,
   * or -1 when the key is cached already.
   */
  claimContext(key: number): number {
    if (this.ctxCount >= (CTX_ENTRIES * 3) >> 2) this.clearContexts();
    const mem = this.dv;
    let h = (Math.imul(key, -1640531535) >>> 20) & (CTX_ENTRIES - 1);
    for (;;) {
      const k = mem.getUint32(this.ctxTab + h * 4, true);
      if (k === key) return -1;
      if (k === 0) break;
      h = (h + 1) & (CTX_ENTRIES - 1);
    }
    const v = this.ctxVals + h * this.ctxStride;
    this.u8.fill(0, v, v + this.ctxStride);
    mem.setUint32(this.ctxTab + h * 4, key, true);
    this.ctxCount++;
    return v;
  }

  /** forgets the cached contexts (once per pass: /proc's values age, threads come and go) */
  clearContexts(): void {
    this.ctxClearedAt = Date.now();
    if (!this.ctxBytes) return;
    this.u8.fill(0, this.ctxTab, this.ctxTab + CTX_ENTRIES * 4);
    this.ctxCount = 0;
  }

  /** feeds the tracker with the thread events of the current page's data [pos, pos + size) (the wasm loop finds them) */
  scan(pos: number, size: number, hi: number, lo: number, tracks: ReadonlyMap<number, TrackSpec>, tracker: TaskTracker): void {
    const mem = this.dv;
    const page = this.page;
    const start = page.base + pos;
    mem.setUint32(S_POS, start, true);
    mem.setUint32(S_END, start + size, true);
    mem.setUint32(S_TS, lo, true);
    mem.setUint32(S_TS + 4, hi, true);
    mem.setUint32(S_PAGETS, lo, true);
    mem.setUint32(S_PAGETS + 4, hi, true);
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
          const off = mem.getUint32(e, true) - page.base;
          const spec = tracks.get(page.u8[off]! | (page.u8[off + 1]! << 8));
          if (spec) tracker.note(spec, page.u8, page.dv, off, mem.getUint32(e + 4, true), mem.getUint32(e + 12, true) * TWO32 + mem.getUint32(e + 8, true));
        }
        if (status !== W_LIST_FULL) break;
      }
    } finally {
      mem.setUint32(S_SCAN, 0, true);
    }
  }

  /** a walk of the current page's [pos, end) from the page's time hi:lo; records later than `limit` (ns) are rejected */
  begin(pos: number, end: number, hi: number, lo: number, limit: number): void {
    const mem = this.dv;
    mem.setUint32(S_POS, this.page.base + pos, true);
    mem.setUint32(S_END, this.page.base + end, true);
    mem.setUint32(S_TS, lo, true);
    mem.setUint32(S_TS + 4, hi, true);
    mem.setUint32(S_PAGETS, lo, true);
    mem.setUint32(S_PAGETS + 4, hi, true);
    if (limit >= 2 ** 64) {
      mem.setUint32(S_LIMIT, 0xffffffff, true);
      mem.setUint32(S_LIMIT + 4, 0xffffffff, true);
    } else {
      const lh = Math.floor(limit / TWO32);
      mem.setUint32(S_LIMIT + 4, lh, true);
      mem.setUint32(S_LIMIT, limit - lh * TWO32, true);
    }
  }

  /**
   * Runs the loop until the page ends (W_END) or a record is handed back
   * (W_RECORD, W_CTX_MISS: see rec*()): the events it copied go into
   * `stream`'s packet as they are. A bad record throws a PageError.
   */
  step(stream: KernelStream, cpu: number): number {
    const mem = this.dv;
    mem.setUint32(S_O, this.outBase, true);
    mem.setUint32(S_DECL, 0, true);
    mem.setUint32(S_N, 0, true);
    mem.setUint32(S_BEGIN, 0, true);
    mem.setUint32(S_FAST, stream.holding ? 0 : 1, true);
    mem.setUint32(S_CPUKEY, (0x80000000 | cpu) >>> 0, true);
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
      stream.pktU8.set(this.u8.subarray(this.outBase, o), at);
      stream.pktDecl = at + (mem.getUint32(S_DECL, true) - this.outBase);
      stream.pktPos = at + bytes;
      stream.pktEvents += n;
      stream.events += n;
    }
    stream.lastLo = mem.getUint32(S_LAST, true);
    stream.lastHi = mem.getUint32(S_LAST + 4, true);
    if (status < 0) throw new PageError(`${WALK_ERRORS[-status] ?? 'bad record'} at page offset ${mem.getUint32(S_POS, true) - this.page.base}`);
    return status;
  }

  /** the record handed back: its offset in the page, length, and time */
  recOff(): number {
    return this.dv.getUint32(S_REC_OFF, true) - this.page.base;
  }

  recLen(): number {
    return this.dv.getUint32(S_REC_LEN, true);
  }

  recTsHi(): number {
    return this.dv.getUint32(S_TS + 4, true);
  }

  recTsLo(): number {
    return this.dv.getUint32(S_TS, true);
  }
}
