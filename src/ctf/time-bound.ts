// babeltrace2's --begin/--end time formats → ns from origin.

const FORMS = [/^(-?)(\d+)(?:\.(\d{1,9}))?$/, /^(?:(\d{4})-(\d{2})-(\d{2})[ T])?(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?$/];

/** Throws a one-line error if `text` is not a time babeltrace2 accepts. */
export function checkTimeBound(text: string): void {
  if (!FORMS.some((re) => re.test(text.trim())))
    throw new Error(`invalid time "${text}": expecting [YYYY-MM-DD ]HH:MM:SS[.NS] or SEC[.NS]`);
}

/**
 * `[YYYY-MM-DD ]HH:MM:SS[.NS]` (local time, or UTC with `gmt`) or `[-]SEC[.NS]`
 * since the Epoch, in ns. A time of day alone takes the date of `firstNs`
 * (the first message's time).
 */
export function parseTimeBound(text: string, firstNs: bigint, gmt: boolean): bigint {
  const frac = (s: string | undefined): bigint => (s ? BigInt(s.padEnd(9, '0').slice(0, 9)) : 0n);
  let m = /^(-?)(\d+)(?:\.(\d{1,9}))?$/.exec(text.trim());
  if (m) {
    const ns = BigInt(m[2]!) * 1000000000n + frac(m[3]);
    return m[1] ? -ns : ns;
  }
  m = /^(?:(\d{4})-(\d{2})-(\d{2})[ T])?(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?$/.exec(text.trim());
  if (!m) throw new Error(`invalid time "${text}": expecting [YYYY-MM-DD ]HH:MM:SS[.NS] or SEC[.NS]`);
  let y: number, mo: number, d: number;
  if (m[1]) {
    y = +m[1];
    mo = +m[2]! - 1;
    d = +m[3]!;
  } else {
    const ms = firstNs / 1000000n - (firstNs % 1000000n < 0n ? 1n : 0n); // floor
    const first = new Date(Number(ms));
    y = gmt ? first.getUTCFullYear() : first.getFullYear();
    mo = gmt ? first.getUTCMonth() : first.getMonth();
    d = gmt ? first.getUTCDate() : first.getDate();
  }
  const ms = gmt ? Date.UTC(y, mo, d, +m[4]!, +m[5]!, +m[6]!) : new Date(y, mo, d, +m[4]!, +m[5]!, +m[6]!).getTime();
  return BigInt(ms) * 1000000n + frac(m[7]);
}
