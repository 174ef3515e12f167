// babeltrace2's flt.utils.muxer: the messages of every stream, oldest first,
// with its order for equal times. It never returns a message while a stream
// that could hold an older one says AGAIN (lttng-live semantics), and time
// going backwards is an error, as in babeltrace2.
import { AGAIN, END, ITEM } from './cursor.js';
import type { Cursor, Item, TimeBase } from './cursor.js';
import type { CtfTrace, Stream } from './trace.js';
import { TraceError } from './trace.js';

/** babeltrace2's order of message types at equal times (an idle stream: see Cursor.idle) */
const TYPE_WEIGHT: Record<Item['kind'] | 'inactivity', number> = { inactivity: 6, event: 5, 'discarded-events': 4, 'discarded-packets': 1 };

function strcmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function uuidBytesCompare(a: CtfTrace, b: CtfTrace): number {
  const ua = a.tc.uuid;
  const ub = b.tc.uuid;
  if (ua && !ub) return -1;
  if (!ua && ub) return 1;
  if (!ua || !ub) return 0;
  return Buffer.compare(Buffer.from(ua), Buffer.from(ub));
}

export function compareCursors(a: Cursor, b: Cursor): number {
  if (a.time !== b.time) return a.time < b.time ? -1 : 1;
  if (a.timeRem !== b.timeRem) return a.timeRem < b.timeRem ? -1 : 1;
  const ta = a.trace;
  const tb = b.trace;
  let r = uuidBytesCompare(ta, tb);
  if (r) return r;
  r = strcmp(ta.name, tb.name);
  if (r) return r;
  if (a.stream.sc.id !== b.stream.sc.id) return a.stream.sc.id < b.stream.sc.id ? -1 : 1;
  if (a.stream.id !== b.stream.id) return a.stream.id < b.stream.id ? -1 : 1;
  const ka = a.idle ? 'inactivity' : a.item!.kind;
  const kb = b.idle ? 'inactivity' : b.item!.kind;
  if (ka !== kb) return TYPE_WEIGHT[kb] - TYPE_WEIGHT[ka];
  if (ka === 'event') {
    const ea = a.ec!;
    const eb = b.ec!;
    if (ea.id !== eb.id) return ea.id < eb.id ? -1 : 1;
    r = strcmp(ea.name, eb.name);
    if (r) return r;
  }
  return strcmp(a.stream.name, b.stream.name);
}

/** Binary min-heap of cursors. */
export class CursorHeap {
  private readonly h: Cursor[] = [];
  get size(): number {
    return this.h.length;
  }
  peek(): Cursor | undefined {
    return this.h[0];
  }
  push(c: Cursor): void {
    const h = this.h;
    h.push(c);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (compareCursors(h[i]!, h[p]!) >= 0) break;
      [h[i], h[p]] = [h[p]!, h[i]!];
      i = p;
    }
  }
  pop(): Cursor | undefined {
    const h = this.h;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last) {
      h[0] = last;
      this.siftDown(0);
    }
    return top;
  }
  /** the top's key changed (it advanced): restore order */
  replaceTop(): void {
    this.siftDown(0);
  }
  private siftDown(i: number): void {
    const h = this.h;
    const n = h.length;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < n && compareCursors(h[l]!, h[m]!) < 0) m = l;
      if (r < n && compareCursors(h[r]!, h[m]!) < 0) m = r;
      if (m === i) return;
      [h[i], h[m]] = [h[m]!, h[i]!];
      i = m;
    }
  }
}

/**
 * Where the muxer's streams come from: all known at once (files read whole),
 * or appearing over time (a live session, a network source).
 */
export interface StreamSet {
  readonly base: TimeBase;
  /**
   * Streams ready to read since the last call (all of them on the first). A
   * live set also looks for new ones here; the muxer calls it only when it
   * is stuck or when `blocked` says so.
   */
  poll(): Stream[];
  /** streams known to exist whose first packet has not arrived: nothing can be returned before it */
  readonly blocked: boolean;
  /** no stream will appear any more: the end of every stream is the end */
  readonly done: boolean;
}

export type MuxMessage = Item;

/** The oldest message of all streams, one at a time: a message, 'again' or 'end'. */
export class Muxer {
  private readonly heap = new CursorHeap();
  /** streams whose next message is not there yet, with no time to wait at */
  private readonly waiting: Cursor[] = [];
  /** the cursor of the message returned last: advanced at the next call */
  private last: Cursor | undefined;
  private lastTime = -Infinity;
  private lastRem = 0;
  /** messages before this time (ns rel) are dropped downstream (--begin): their order is not checked */
  checkFrom = -Infinity;
  private started = false;

  constructor(
    private readonly set: StreamSet,
    private readonly makeCursor: (s: Stream) => Cursor,
  ) {}

  next(): Item | 'again' | 'end' {
    const c = this.last;
    if (c !== undefined) {
      this.last = undefined;
      const s = c.next();
      if (s === ITEM || (s === AGAIN && c.idle)) this.heap.replaceTop(); // an idle stream stays in order
      else {
        this.heap.pop();
        if (s === AGAIN) this.waiting.push(c);
      }
    }
    if (!this.started) {
      this.started = true;
      this.take();
    }
    for (;;) {
      if (this.set.blocked || (this.waiting.length !== 0 && !this.retryWaiting())) {
        if (this.take()) continue;
        return 'again';
      }
      const top = this.heap.peek();
      if (top === undefined) {
        if (this.set.done) return 'end';
        if (this.take() || this.set.done) continue;
        return 'again';
      }
      if (top.idle) {
        // the oldest possible message is that stream's next one: ask it again
        const t = top.time;
        const s = top.next();
        if (s === END) this.heap.pop();
        else if (s === AGAIN && !top.idle) {
          this.heap.pop();
          this.waiting.push(top);
        } else if (s === AGAIN && top.time === t) {
          if (this.take()) continue;
          return 'again';
        } else this.heap.replaceTop();
        continue;
      }
      this.check(top);
      this.last = top;
      return top.item!;
    }
  }

  private check(top: Cursor): void {
    const t = top.time;
    if (t > this.lastTime || (t === this.lastTime && top.timeRem >= this.lastRem)) {
      this.lastTime = t;
      this.lastRem = top.timeRem;
    } else if (t !== -Infinity && t >= this.checkFrom) {
      // babeltrace2's muxer: "Youngest upstream message iterator wrapper's timestamp
      // is less than muxer's message iterator's last returned timestamp"
      const w = top.where();
      const base = top.base.ns ?? 0n;
      const what = top.item!.kind === 'event' ? 'event' : 'message';
      const last = base + BigInt(this.lastTime) + BigInt(this.lastRem);
      throw new TraceError(w.file, w.offset, `time goes backwards: this ${what} is at ${base + top.relNs()} ns from origin, before the previous message (${last})`);
    }
  }

  /** takes the streams that appeared; true if there were any */
  private take(): boolean {
    const fresh = this.set.poll();
    for (const s of fresh) this.waiting.push(this.makeCursor(s));
    return fresh.length !== 0;
  }

  /** asks the waiting streams again; true when none is left waiting */
  private retryWaiting(): boolean {
    const w = this.waiting;
    for (let i = 0; i < w.length; ) {
      const c = w[i]!;
      const s = c.next();
      if (s === AGAIN && !c.idle) {
        i++;
        continue;
      }
      w.splice(i, 1);
      if (s !== END) this.heap.push(c);
    }
    return w.length === 0;
  }
}
