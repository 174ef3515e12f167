// babeltrace2's flt.utils.trimmer (--begin/--end) after the muxer: events
// outside [begin, end] are dropped, the first event after `end` ends the
// iteration, and a discarded-items message that crosses a bound is clamped to
// it and loses its count ("may have discarded"), as babeltrace2's trimmer and
// its auto-seek to `begin` do.
import type { Cursor, DiscardedItem, Item } from './cursor.js';
import type { Muxer } from './muxer.js';
import { parseTimeBound } from './time-bound.js';
import { clockValueFromNs } from './trace.js';

/** A time as a cursor holds it: ns relative to the base, nearest double + exact rest. */
interface RelTime {
  t: number;
  rem: number;
}

function split(rel: bigint): RelTime {
  const t = Number(rel);
  return { t, rem: Number(rel - BigInt(t)) };
}

function before(t: number, rem: number, b: RelTime): boolean {
  return t < b.t || (t === b.t && rem < b.rem);
}

export interface TrimBounds {
  /** babeltrace2's --begin / --end texts: [YYYY-MM-DD ]HH:MM:SS[.NS] or [-]SEC[.NS] */
  begin?: string;
  end?: string;
  /** a time of day is in UTC, not local time */
  gmt: boolean;
}

export class Trimmer {
  private begin: RelTime | undefined;
  private end: RelTime | undefined;
  private beginNs = 0n;
  private endNs = 0n;
  /** the bounds wait for the first message with a time (a time of day takes its date) */
  private ready = false;
  private over = false;

  constructor(
    private readonly up: Muxer,
    private readonly bounds: TrimBounds,
  ) {}

  private resolve(c: Cursor): void {
    this.ready = true;
    const base = c.base.ns!;
    const first = base + c.relNs();
    const { begin, end, gmt } = this.bounds;
    if (begin !== undefined) {
      this.beginNs = parseTimeBound(begin, first, gmt);
      this.begin = split(this.beginNs - base);
      this.up.checkFrom = this.begin.t;
    }
    if (end !== undefined) {
      this.endNs = parseTimeBound(end, first, gmt);
      this.end = split(this.endNs - base);
    }
    if (this.begin && this.end && this.beginNs > this.endNs) {
      // babeltrace2: "Trimming time range's beginning time is greater than end time"
      throw new Error(`--begin is after --end (${this.beginNs} > ${this.endNs} ns from origin)`);
    }
  }

  next(): Item | 'again' | 'end' {
    if (this.over) return 'end';
    for (;;) {
      const m = this.up.next();
      if (typeof m === 'string') return m;
      const c = m.cursor;
      const t = c.time;
      if (!this.ready && t !== -Infinity) this.resolve(c);
      if (m.kind === 'event') {
        if (this.end && before(this.end.t, this.end.rem, { t, rem: c.timeRem })) {
          this.over = true;
          return 'end';
        }
        if (this.begin && before(t, c.timeRem, this.begin)) continue; // its body is skipped by the cursor
        return m;
      }
      const d = this.discarded(m, c);
      if (d === 'end') {
        this.over = true;
        return 'end';
      }
      if (d) return d;
    }
  }

  /** a discarded-items message clamped to the bounds, undefined to drop it, or 'end' */
  private discarded(m: DiscardedItem, c: Cursor): DiscardedItem | undefined | 'end' {
    if (!this.ready) return m;
    if (m.begin === undefined || m.end === undefined || !c.clock) {
      // no time range: kept without --begin, as before babeltrace2 would refuse such streams
      return this.begin ? undefined : m;
    }
    let out = m;
    const endRel = c.relNsOf(m.end);
    const base = c.base.ns!;
    if (this.begin && before(c.time, c.timeRem, this.begin)) {
      if (endRel < this.beginNs - base) return undefined;
      const raw = clockValueFromNs(c.clock, this.beginNs);
      if (raw !== undefined) out = { ...out, begin: raw, count: undefined };
    }
    if (this.end) {
      if (before(this.end.t, this.end.rem, { t: c.time, rem: c.timeRem })) return 'end';
      if (endRel > this.endNs - base) {
        const raw = clockValueFromNs(c.clock, this.endNs);
        if (raw !== undefined) out = { ...out, end: raw, count: undefined };
      }
    }
    return out;
  }
}
