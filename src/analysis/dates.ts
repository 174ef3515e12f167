// --begin/--end/--timerange as lttng-analyses parses them: full dates, times
// of day (on the trace's date), or ns since the Epoch; local time unless
// --gmt (which, as there, shifts by the standard-time offset).
import { brokenDown } from './pyfmt.js';

const NS = 1_000_000_000n;

interface Naive {
  y: number;
  mo: number;
  d: number;
  h: number;
  mi: number;
  s: number;
}

/** a date string's parts; `date` undefined for a time of day */
function parseParts(text: string): { date?: [number, number, number]; h: number; mi: number; s: number; ns: bigint } | undefined {
  let m = /^(\d{4})-([01]\d)-([0-3]\d)[\sTt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{9}))?$/.exec(text);
  if (m) return { date: [+m[1]!, +m[2]!, +m[3]!], h: +m[4]!, mi: +m[5]!, s: +m[6]!, ns: BigInt(m[7] ?? 0) };
  m = /^(\d{2}):(\d{2}):(\d{2})(?:\.(\d{9}))?$/.exec(text);
  if (m) return { h: +m[1]!, mi: +m[2]!, s: +m[3]!, ns: BigInt(m[4] ?? 0) };
  return undefined;
}

function validNaive(n: Naive): boolean {
  if (n.mo < 1 || n.mo > 12 || n.d < 1 || n.h > 23 || n.mi > 59 || n.s > 59) return false;
  const days = new Date(Date.UTC(n.y, n.mo, 0)).getUTCDate();
  return n.d <= days && n.y >= 1;
}

/** seconds since the Epoch of a local naive date-time (mktime) */
function localSeconds(n: Naive): number {
  return Math.floor(new Date(n.y, n.mo - 1, n.d, n.h, n.mi, n.s).getTime() / 1000);
}

/** Python's time.timezone: seconds west of UTC, standard time */
function stdOffsetWest(): number {
  const y = new Date().getFullYear();
  return Math.max(new Date(y, 0, 1).getTimezoneOffset(), new Date(y, 6, 1).getTimezoneOffset()) * 60;
}

export interface TraceDates {
  /** absolute ns of the first event */
  first: bigint | undefined;
  /** the trace spans more than one local day */
  multiDay: boolean;
}

/** local calendar date of ns since the Epoch */
function localDate(ns: bigint): [number, number, number] {
  const t = brokenDown(Number(ns / NS), false);
  return [t.year, t.mon, t.day];
}

export function isMultiDay(first: bigint | undefined, last: bigint | undefined): boolean {
  if (first === undefined || last === undefined) return false;
  return localDate(first).join('-') !== localDate(last).join('-');
}

/** Parses one date as lttng-analyses does; throws Error with its message. */
export function parseTraceDate(text: string, dates: TraceDates, gmt: boolean): bigint {
  const p = parseParts(text);
  let naive: Naive;
  let ns: bigint;
  if (p) {
    ns = p.ns;
    let date = p.date;
    if (!date) {
      if (dates.multiDay || dates.first === undefined) throw new Error(`Invalid date format for multi-day trace: ${text}`);
      date = localDate(dates.first);
    }
    naive = { y: date[0], mo: date[1], d: date[2], h: p.h, mi: p.mi, s: p.s };
    if (!validNaive(naive)) throw new Error(`Unrecognised date format: ${text}`);
  } else if (/^\d+$/.test(text)) {
    const v = BigInt(text);
    const t = brokenDown(Number(v / NS), false);
    naive = { y: t.year, mo: t.mon, d: t.day, h: t.hour, mi: t.min, s: t.sec };
    ns = v % NS;
  } else throw new Error(`Unrecognised date format: ${text}`);
  let secs = localSeconds(naive);
  if (gmt) {
    // datetime + timedelta(seconds=time.timezone), read back as local time
    const shifted = new Date(naive.y, naive.mo - 1, naive.d, naive.h, naive.mi, naive.s + stdOffsetWest());
    secs = Math.floor(shifted.getTime() / 1000);
  }
  return BigInt(secs) * NS + ns;
}

/** `[BEGIN,END]` */
export function parseTimeRange(text: string, dates: TraceDates, gmt: boolean): [bigint, bigint] {
  const m = /^\[(.*),(.*)\]$/.exec(text);
  if (!m) throw new Error(`Invalid time range format: ${text}`);
  return [parseTraceDate(m[1]!.trim(), dates, gmt), parseTraceDate(m[2]!.trim(), dates, gmt)];
}
