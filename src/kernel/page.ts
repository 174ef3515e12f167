// Decoder of the ftrace ring-buffer pages that `per_cpu/cpuN/trace_pipe_raw`
// hands out, driven by `header_page` and `header_event` (see
// ../shared/protocols/ftrace-format.md §2–§4). Pure and allocation-free: a
// cursor walks the records of one page; the caller copies what it needs.
//
// Timestamps are 64-bit; they are kept as two u32 halves (`tsHi`, `tsLo`) so
// that values beyond 2^53 stay exact without a BigInt per record.
import type { HeaderEvent, HeaderPage } from './format.js';

export class PageError extends Error {}

/** libtraceevent's COMMIT_MASK: the low 27 bits of `commit` are the data size */
const COMMIT_MASK = (1 << 27) - 1;
const MISSED_EVENTS = 0x80000000;
const MISSED_STORED = 0x40000000;
const TWO32 = 4294967296;
/** TS_MSB: the top 5 bits of a TIME_STAMP record come from the page timestamp */
const TS_MSB_HI = 0xf8000000;

export class PageCursor {
  private readonly dataOffset: number;
  private readonly dataSize: number;
  private readonly commitOffset: number;
  private readonly padding: number;
  private readonly timeExtend: number;
  private readonly timeStamp: number;
  private readonly maxTypeLen: number;

  private buf: Uint8Array = new Uint8Array(0);
  private dv: DataView = new DataView(new ArrayBuffer(0));
  private base = 0;
  private pos = 0;
  private end = 0;

  /** page header */
  pageTsHi = 0;
  pageTsLo = 0;
  /** bytes of record data on the page */
  size = 0;
  /** RB_MISSED_EVENTS: events were lost before this page */
  missedEvents = false;
  /** how many, when the kernel stored the count (RB_MISSED_STORED); else -1 */
  missedCount = 0;

  /** current record: timestamp, payload offset in the buffer, payload length */
  tsHi = 0;
  tsLo = 0;
  offset = 0;
  length = 0;
  /** records skipped as discarded (padding with a time delta) on this page */
  discarded = 0;

  constructor(hp: HeaderPage, he: HeaderEvent) {
    this.dataOffset = hp.dataOffset;
    this.dataSize = hp.dataSize;
    this.commitOffset = hp.commitOffset;
    this.padding = he.padding;
    this.timeExtend = he.timeExtend;
    this.timeStamp = he.timeStamp;
    this.maxTypeLen = he.dataMaxTypeLen;
  }

  /**
   * Starts on the page at `buf[start .. start+avail)`. `dv` must view the same
   * memory as `buf` (passed in so that callers reuse one DataView per buffer).
   */
  reset(buf: Uint8Array, dv: DataView, start: number, avail: number): void {
    if (avail < this.dataOffset) throw new PageError(`page of ${avail} bytes is shorter than its ${this.dataOffset}-byte header`);
    this.buf = buf;
    this.dv = dv;
    this.base = start;
    this.pageTsLo = dv.getUint32(start, true);
    this.pageTsHi = dv.getUint32(start + 4, true);
    const commit = dv.getUint32(start + this.commitOffset, true);
    const size = commit & COMMIT_MASK;
    const room = Math.min(this.dataSize, avail - this.dataOffset);
    if (size > room) throw new PageError(`page commit size ${size} exceeds the ${room} bytes of data the page can hold`);
    this.size = size;
    this.missedEvents = (commit & MISSED_EVENTS) !== 0;
    this.missedCount = 0;
    if (this.missedEvents) {
      this.missedCount = -1;
      const at = start + this.dataOffset + size;
      if ((commit & MISSED_STORED) !== 0 && size + 8 <= room) {
        this.missedCount = dv.getUint32(at, true) + dv.getUint32(at + 4, true) * TWO32;
      }
    }
    this.pos = start + this.dataOffset;
    this.end = this.pos + size;
    this.tsLo = this.pageTsLo;
    this.tsHi = this.pageTsHi;
    this.discarded = 0;
  }

  private addDelta(d: number): void {
    const t = this.tsLo + d;
    if (t < TWO32) this.tsLo = t;
    else {
      const carry = Math.floor(t / TWO32);
      this.tsHi = (this.tsHi + carry) >>> 0;
      this.tsLo = t - carry * TWO32;
    }
  }

  /** Moves to the next data record; false at the end of the page. */
  next(): boolean {
    const dv = this.dv;
    const end = this.end;
    for (;;) {
      const pos = this.pos;
      if (pos >= end) return false;
      if (pos + 4 > end) throw new PageError(`truncated record header at page offset ${pos - this.base}`);
      const w = dv.getUint32(pos, true);
      const typeLen = w & 31;
      const delta = w >>> 5;
      if (typeLen !== 0 && typeLen <= this.maxTypeLen) {
        const len = typeLen << 2;
        if (pos + 4 + len > end) throw new PageError(`record at page offset ${pos - this.base} runs past the page data`);
        this.addDelta(delta);
        this.offset = pos + 4;
        this.length = len;
        this.pos = pos + 4 + len;
        return true;
      }
      if (pos + 8 > end) {
        // a padding record with delta 0 may be the last 4 bytes
        if (typeLen === this.padding && delta === 0) return false;
        throw new PageError(`truncated record at page offset ${pos - this.base}`);
      }
      const a0 = dv.getUint32(pos + 4, true);
      if (typeLen === 0) {
        if (a0 < 4 || a0 > end - pos) throw new PageError(`record at page offset ${pos - this.base} has invalid length ${a0}`);
        const len = a0 - 4;
        const total = 4 + ((a0 + 3) & ~3);
        if (pos + total > end) throw new PageError(`record at page offset ${pos - this.base} runs past the page data`);
        this.addDelta(delta);
        this.offset = pos + 8;
        this.length = len;
        this.pos = pos + total;
        return true;
      }
      if (typeLen === this.padding) {
        // delta 0: the rest of the page is unused; else a discarded event
        if (delta === 0) {
          this.pos = end;
          return false;
        }
        if (a0 > end - pos) throw new PageError(`padding at page offset ${pos - this.base} has invalid length ${a0}`);
        const total = 4 + ((a0 + 3) & ~3);
        if (total < 8 || pos + total > end) throw new PageError(`padding at page offset ${pos - this.base} has invalid length ${a0}`);
        this.addDelta(delta);
        this.discarded++;
        this.pos = pos + total;
        continue;
      }
      if (typeLen === this.timeExtend) {
        // delta = (array[0] << 27) + time_delta, split so it stays exact
        this.tsHi = (this.tsHi + (a0 >>> 5)) >>> 0;
        this.addDelta((a0 & 31) * 134217728 + delta);
        this.pos = pos + 8;
        continue;
      }
      if (typeLen === this.timeStamp) {
        this.tsHi = ((a0 >>> 5) | (this.pageTsHi & TS_MSB_HI)) >>> 0;
        this.tsLo = (a0 & 31) * 134217728 + delta;
        this.pos = pos + 8;
        continue;
      }
      throw new PageError(`unknown record type ${typeLen} at page offset ${pos - this.base}`);
    }
  }

  /** the underlying buffer (records are read from it at `offset`) */
  get buffer(): Uint8Array {
    return this.buf;
  }
}

/** A decoded record, for tests and slow paths. */
export interface RawRecord {
  ts: bigint;
  /** common_type */
  id: number;
  payload: Uint8Array;
}

/** Decodes every record of one page (allocates; not for the hot path). */
export function decodePage(hp: HeaderPage, he: HeaderEvent, page: Uint8Array): { records: RawRecord[]; missedEvents: boolean; missedCount: number; size: number } {
  const c = new PageCursor(hp, he);
  const dv = new DataView(page.buffer, page.byteOffset, page.byteLength);
  c.reset(page, dv, 0, page.length);
  const records: RawRecord[] = [];
  while (c.next()) {
    const payload = page.slice(c.offset, c.offset + c.length);
    const id = payload.length >= 2 ? payload[0]! | (payload[1]! << 8) : -1;
    records.push({ ts: (BigInt(c.tsHi) << 32n) | BigInt(c.tsLo), id, payload });
  }
  return { records, missedEvents: c.missedEvents, missedCount: c.missedCount, size: c.size };
}

/** Builds a page (for tests): records are [delta, payload] or special entries. */
export type PageEntry =
  | { kind: 'data'; delta: number; payload: Uint8Array }
  | { kind: 'extend'; delta: bigint }
  | { kind: 'stamp'; ts: bigint }
  | { kind: 'discard'; delta: number; length: number };

export function encodePage(hp: HeaderPage, he: HeaderEvent, pageTs: bigint, entries: PageEntry[], opts: { pageSize?: number; missed?: number } = {}): Uint8Array {
  const size = opts.pageSize ?? hp.dataOffset + hp.dataSize;
  const page = new Uint8Array(size);
  const dv = new DataView(page.buffer);
  dv.setBigUint64(0, pageTs, true);
  let pos = hp.dataOffset;
  const word = (typeLen: number, delta: number): void => {
    dv.setUint32(pos, ((delta << 5) | typeLen) >>> 0, true);
    pos += 4;
  };
  for (const e of entries) {
    if (e.kind === 'data') {
      const padded = (e.payload.length + 3) & ~3;
      if (padded <= he.dataMaxTypeLen * 4 && padded > 0) {
        word(padded / 4, e.delta);
      } else {
        word(0, e.delta);
        dv.setUint32(pos, e.payload.length + 4, true);
        pos += 4;
      }
      page.set(e.payload, pos);
      pos += padded;
    } else if (e.kind === 'extend') {
      word(he.timeExtend, Number(e.delta & 0x7ffffffn));
      dv.setUint32(pos, Number(e.delta >> 27n), true);
      pos += 4;
    } else if (e.kind === 'stamp') {
      word(he.timeStamp, Number(e.ts & 0x7ffffffn));
      dv.setUint32(pos, Number((e.ts >> 27n) & 0xffffffffn), true);
      pos += 4;
    } else {
      word(he.padding, e.delta);
      dv.setUint32(pos, e.length, true);
      pos += 4 + ((e.length - 4 + 3) & ~3);
    }
  }
  let commit = pos - hp.dataOffset;
  if (opts.missed !== undefined) {
    commit |= MISSED_EVENTS;
    if (opts.missed >= 0) {
      commit |= MISSED_STORED;
      dv.setBigUint64(pos, BigInt(opts.missed), true);
    }
  }
  dv.setUint32(hp.commitOffset, commit >>> 0, true);
  if (commit & MISSED_EVENTS) dv.setUint32(hp.commitOffset + 4, 0xffffffff, true);
  return page;
}
