// Numbers, sizes and dates written exactly as Python 3 writes them, since
// lttng-analyses' output is the contract: repr() of floats, '%.Nf' (round
// half to even on the exact binary value), round(), str.format padding.

/** repr() of a Python float */
export function pyRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  // shortest round-trip digits, then Python's layout: fixed for 1e-4 <= |x| < 1e16
  const e = x.toExponential();
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(e)!;
  const sign = m[1]!;
  const digits = m[2]! + (m[3] ?? '');
  const exp = Number(m[4]);
  if (exp >= -5 + 1 && exp < 16) {
    if (exp < 0) return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
    const intPart = digits.slice(0, exp + 1).padEnd(exp + 1, '0');
    const frac = digits.slice(exp + 1);
    return `${sign}${intPart}.${frac || '0'}`;
  }
  const mant = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  const ee = Math.abs(exp);
  return `${sign}${mant}e${exp < 0 ? '-' : '+'}${ee < 10 ? '0' : ''}${ee}`;
}

/** Python's '%.{n}f' % x (and '{:.{n}f}'): correctly rounded, ties to even */
export function pyFixed(x: number, n: number): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'nan' : x > 0 ? 'inf' : '-inf';
  // toFixed switches to exponents from 1e21; such doubles are integers
  if (Math.abs(x) >= 1e21) return BigInt(x).toString() + (n > 0 ? '.' + '0'.repeat(n) : '');
  let s = x.toFixed(n);
  // toFixed breaks exact ties away from zero; an exact tie is x = odd / 2^(n+1)
  const t = x * 2 ** (n + 1);
  if (Number.isInteger(t) && Math.abs(t) < 2 ** 53 && t % 2 !== 0) {
    const last = s.charCodeAt(s.length - 1) - 48;
    if (last % 2 === 1) s = decrementLastDigit(s);
  }
  return s;
}

/** lowers the magnitude of a decimal string by one unit in its last place */
function decrementLastDigit(s: string): string {
  const neg = s.startsWith('-');
  const chars = (neg ? s.slice(1) : s).split('');
  for (let i = chars.length - 1; i >= 0; i--) {
    const c = chars[i]!;
    if (c === '.') continue;
    if (c === '0') {
      chars[i] = '9';
      continue;
    }
    chars[i] = String.fromCharCode(c.charCodeAt(0) - 1);
    break;
  }
  let r = chars.join('');
  // "10.5" -> "09.5": drop a leading zero the borrow left
  if (r.length > 1 && r[0] === '0' && r[1] !== '.') r = r.slice(1);
  return neg ? '-' + r : r;
}

/** Python's round(x, n) for a float */
export function pyRound(x: number, n: number): number {
  return Number(pyFixed(x, n));
}

/** Python's len(): code points */
export function pyLen(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdbff) n++;
  }
  return n;
}

/** '{:<w}' */
export function padEnd(s: string, w: number): string {
  const n = pyLen(s);
  return n >= w ? s : s + ' '.repeat(w - n);
}

/** '{:>w}' */
export function padStart(s: string, w: number): string {
  const n = pyLen(s);
  return n >= w ? s : ' '.repeat(w - n) + s;
}

/** str() of a value that Python holds as int or float */
export function pyStr(v: number, isFloat: boolean): string {
  return isFloat ? pyRepr(v) : String(v);
}

const BIN_UNITS = ['  B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB', 'ZiB', 'YiB'];

/** lttng-analyses' format_size (binary prefixes) */
export function formatSize(size: number): string {
  if (size < 0) throw new RangeError('Cannot format negative size');
  let exponent = 0;
  let v = size;
  if (size !== 0) {
    exponent = Math.trunc(Math.log(size) / Math.log(1024));
    if (exponent >= BIN_UNITS.length) exponent = BIN_UNITS.length - 1;
    v = size / 1024 ** exponent;
  }
  const unit = BIN_UNITS[exponent]!;
  return exponent === 0 ? `${pyFixed(v, 0)} ${unit}` : `${pyFixed(v, 2)} ${unit}`;
}

/** lttng-analyses' format_prio_list: unique priorities, sorted, with counts */
export function formatPrioList(prios: readonly (number | undefined)[]): string {
  const count = new Map<number | undefined, number>();
  for (const p of prios) count.set(p, (count.get(p) ?? 0) + 1);
  if (count.size === 0) return '[]';
  // (an unknown priority is Python's None)
  const parts = [...count.keys()].sort((a, b) => (a ?? -Infinity) - (b ?? -Infinity)).map((p) => {
    const c = count.get(p)!;
    return c > 1 ? `${p ?? 'None'} (${c} times)` : `${p ?? 'None'}`;
  });
  return `[${parts.join(', ')}]`;
}

const NS_PER_S = 1_000_000_000n;

function two(n: number): string {
  return n < 10 ? `0${n}` : `${n}`;
}

/** broken-down time of `sec` seconds since the Epoch, local (TZ) or UTC */
export function brokenDown(sec: number, gmt: boolean): { year: number; mon: number; day: number; hour: number; min: number; sec: number } {
  const d = new Date(sec * 1000);
  return gmt
    ? { year: d.getUTCFullYear(), mon: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: d.getUTCHours(), min: d.getUTCMinutes(), sec: d.getUTCSeconds() }
    : { year: d.getFullYear(), mon: d.getMonth() + 1, day: d.getDate(), hour: d.getHours(), min: d.getMinutes(), sec: d.getSeconds() };
}

/** lttng-analyses' format_timestamp: `[YYYY-MM-DD ]HH:MM:SS.nnnnnnnnn` */
export function formatTimestamp(ns: bigint, printDate: boolean, gmt: boolean): string {
  const s = ns >= 0n ? ns / NS_PER_S : (ns - NS_PER_S + 1n) / NS_PER_S;
  const rem = ns - s * NS_PER_S;
  const t = brokenDown(Number(s), gmt);
  const time = `${two(t.hour)}:${two(t.min)}:${two(t.sec)}.${rem.toString().padStart(9, '0')}`;
  return printDate ? `${String(t.year).padStart(4, '0')}-${two(t.mon)}-${two(t.day)} ${time}` : time;
}

/** lttng-analyses' format_time_range: `[BEGIN, END]` */
export function formatTimeRange(begin: bigint, end: bigint, printDate: boolean, gmt: boolean): string {
  return `[${formatTimestamp(begin, printDate, gmt)}, ${formatTimestamp(end, printDate, gmt)}]`;
}

/** lttng-analyses' format_ipv4 (a 4-byte sequence or a network-order integer) */
export function formatIpv4(ip: number | readonly number[], port?: number): string {
  const b = typeof ip === 'number' ? [(ip >>> 24) & 255, (ip >>> 16) & 255, (ip >>> 8) & 255, ip & 255] : ip;
  const s = `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
  return port === undefined ? s : `${s}:${port}`;
}

/** repr() of a Python str (single quotes unless the text has one and no double quote) */
export function pyStrRepr(s: string): string {
  const q = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = q;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === q || ch === '\\') out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || c === 0x7f) out += '\\x' + c.toString(16).padStart(2, '0');
    else out += ch;
  }
  return out + q;
}
