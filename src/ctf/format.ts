// Value formatting exactly as babeltrace2's text.pretty prints it.

const TWO32 = 4294967296;

/** C's `%g` (6 significant digits), as glibc prints it */
export function fmtG(x: number): string {
  if (Number.isNaN(x)) {
    const b = new DataView(new ArrayBuffer(8));
    b.setFloat64(0, x);
    return b.getUint8(0) & 0x80 ? '-nan' : 'nan';
  }
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  const e = x.toExponential(5); // d.ddddde±X, correctly rounded to 6 digits
  const ei = e.indexOf('e');
  const exp = parseInt(e.slice(ei + 1), 10);
  if (exp < -4 || exp >= 6) {
    let mant = e.slice(0, ei);
    if (mant.includes('.')) mant = mant.replace(/0+$/, '').replace(/\.$/, '');
    const ae = Math.abs(exp);
    return `${mant}e${exp < 0 ? '-' : '+'}${ae < 10 ? '0' : ''}${ae}`;
  }
  let f = x.toFixed(Math.max(0, 5 - exp));
  if (f.includes('.')) f = f.replace(/0+$/, '').replace(/\.$/, '');
  return f;
}

const NEEDS_ESCAPE = /[\\'"?\x00-\x1f\x7f]/;

/** babeltrace2's print_escape_string, quotes included */
export function quoteString(s: string): string {
  if (!NEEDS_ESCAPE.test(s)) return '"' + s + '"';
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    const c = s.charCodeAt(i);
    switch (ch) {
      case '\\': out += '\\\\'; continue;
      case "'": out += "\\'"; continue;
      case '"': out += '\\"'; continue;
      case '?': out += '\\?'; continue;
    }
    if (c >= 0x20 && c !== 0x7f) {
      out += ch;
      continue;
    }
    switch (c) {
      case 0: out += '\\0'; break;
      case 7: out += '\\a'; break;
      case 8: out += '\\b'; break;
      case 0x1b: out += '\\e'; break;
      case 12: out += '\\f'; break;
      case 10: out += '\\n'; break;
      case 13: out += '\\r'; break;
      case 9: out += '\\t'; break;
      case 11: out += '\\v'; break;
      default: out += '\\x' + c.toString(16).padStart(2, '0');
    }
  }
  return out + '"';
}

function toUnsigned(v: number | bigint, bits: number): bigint {
  const b = typeof v === 'bigint' ? v : BigInt(v);
  return BigInt.asUintN(bits, b);
}

/** `0x%PRIX64` of the value masked to its size rounded up to a nibble */
export function fmtHex(v: number | bigint, size: number): string {
  if (typeof v === 'number' && v >= 0) return '0x' + v.toString(16).toUpperCase();
  const bits = size < 64 ? (size + 3) & ~3 : 64;
  if (typeof v === 'number' && bits <= 52) return '0x' + (v + 2 ** bits).toString(16).toUpperCase();
  return '0x' + toUnsigned(v, bits).toString(16).toUpperCase();
}

export function fmtOct(v: number | bigint, size: number, signed: boolean): string {
  let u: bigint;
  if (signed && size < 64) u = toUnsigned(v, Math.floor((size - 1) / 3 + 1) * 3);
  else u = toUnsigned(v, 64);
  return '0' + u.toString(8);
}

export function fmtBin(v: number | bigint, size: number): string {
  return '0b' + toUnsigned(v, size).toString(2).padStart(size, '0');
}

/** Parts of a wall-clock time for printing, from ns since the epoch split as sec + ns. */
export interface ClockFormat {
  seconds: boolean;
  gmt: boolean;
  date: boolean;
}

const pad2 = (n: number): string => (n < 10 ? '0' + n : '' + n);
const pad9 = (n: number): string => {
  const s = '' + n;
  return s.length >= 9 ? s : '000000000'.slice(s.length) + s;
};

/**
 * Formats a time as babeltrace2 does. `sec`/`nsec` are the floor split of the ns
 * value (nsec in [0, 1e9)); negative times print as seconds.
 */
export class TimeFormatter {
  private cacheSec = NaN;
  private cachePrefix = '';
  warnedNegative = false;
  constructor(readonly opts: ClockFormat) {}

  format(sec: number, nsec: number): string {
    if (sec < 0) {
      // babeltrace2 falls back to [sec.ns] for negative times
      let s = sec;
      let ns = nsec;
      if (ns > 0) {
        s = sec + 1;
        ns = 1e9 - nsec;
      }
      const neg = s < 0 || ns > 0;
      return (neg ? '-' : '') + Math.abs(s) + '.' + pad9(ns);
    }
    if (this.opts.seconds) return sec + '.' + pad9(nsec);
    if (sec !== this.cacheSec) {
      this.cacheSec = sec;
      const d = new Date(sec * 1000);
      let h: number, m: number, s: number, prefix = '';
      if (this.opts.gmt) {
        h = d.getUTCHours();
        m = d.getUTCMinutes();
        s = d.getUTCSeconds();
        if (this.opts.date) prefix = `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())} `;
      } else {
        h = d.getHours();
        m = d.getMinutes();
        s = d.getSeconds();
        if (this.opts.date) prefix = `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} `;
      }
      this.cachePrefix = `${prefix}${pad2(h)}:${pad2(m)}:${pad2(s)}.`;
    }
    return this.cachePrefix + pad9(nsec);
  }
}

export { TWO32 };
