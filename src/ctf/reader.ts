// The reader graph, as babeltrace2's: source (files read whole, or files and
// network streams still being written) → muxer → trimmer (--begin/--end) →
// the caller, which pulls one message at a time.
import { Cursor, TimeBase } from './cursor.js';
import type { Item } from './cursor.js';
import { Muxer } from './muxer.js';
import type { StreamSet } from './muxer.js';
import { FileStreams } from './open.js';
import type { OpenedTraces } from './open.js';
import { Trimmer } from './trimmer.js';
import type { Stream } from './trace.js';

export { openInputs } from './open.js';
export type { OpenedTraces } from './open.js';
export { Cursor } from './cursor.js';
export type { DiscardedItem, Item } from './cursor.js';

export interface ReadOptions {
  /** decode packet contexts as text too (the text output prints them) */
  wantText?: boolean;
  /** babeltrace2's --begin / --end: [YYYY-MM-DD ]HH:MM:SS[.NS] or [-]SEC[.NS] */
  begin?: string;
  end?: string;
  /** times of day in --begin/--end are UTC, not local time */
  gmt?: boolean;
}

/**
 * Messages in time order, pulled one at a time. A message (event or
 * discarded items) is valid until the next call; an event's body is decoded
 * on demand through `message.cursor` (or skipped). 'again': a source has no
 * data yet (a live trace): call again later. 'end': there is no more.
 */
export interface MessageIterator {
  next(): Item | 'again' | 'end';
  /** ns from origin that cursor times count from (undefined until a live trace's first packet) */
  readonly baseNs: bigint | undefined;
}

function isOpened(src: OpenedTraces | StreamSet): src is OpenedTraces {
  return typeof (src as Partial<StreamSet>).poll !== 'function';
}

function noClock(s: Stream): Error {
  // babeltrace2's trimmer needs every stream to have a clock
  return new Error(`--begin/--end need timestamps, and stream ${s.name} has no clock`);
}

/** The graph over traces opened whole (openInputs) or over a live StreamSet. */
export function messageIterator(src: OpenedTraces | StreamSet, opts: ReadOptions = {}): MessageIterator {
  const trim = opts.begin !== undefined || opts.end !== undefined;
  if (trim && isOpened(src)) {
    const clockless = src.streams.find((s) => !s.sc.defaultClock);
    if (clockless) throw noClock(clockless);
  }
  const set = isOpened(src) ? new FileStreams(src) : src;
  const base: TimeBase = set.base;
  const wantText = opts.wantText ?? false;
  const muxer = new Muxer(set, (s) => {
    if (trim && !s.sc.defaultClock) throw noClock(s);
    return new Cursor(s, base, wantText);
  });
  const last = trim ? new Trimmer(muxer, { begin: opts.begin, end: opts.end, gmt: opts.gmt ?? false }) : muxer;
  return {
    next: () => last.next(),
    get baseNs() {
      return base.ns;
    },
  };
}

/**
 * Calls `onItem` for every message of every stream in time order. The cursor
 * passed is positioned on the item; for events, the body is still to decode
 * (or is skipped).
 */
export function iterate(opened: OpenedTraces, wantText: boolean, onItem: (c: Cursor) => boolean | void): void {
  const it = messageIterator(opened, { wantText });
  for (;;) {
    const m = it.next();
    if (m === 'end') return;
    if (m === 'again') throw new Error('iterate(): a source has no data yet (use messageIterator() for live traces)');
    if (onItem(m.cursor) === false) return;
  }
}
