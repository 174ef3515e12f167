// Dates and clocks in LTTng's forms, one place for the tracers, the consumers
// and the daemon: trace_creation_datetime / chunk names (`YYYYmmddTHHMMSS±HHMM`),
// session and snapshot directory suffixes (`YYYYmmdd-HHMMSS`), and the offset
// between the monotonic clock the tracers stamp with and wall time.

function pad(n: number, w = 2): string {
  return String(Math.abs(n)).padStart(w, '0');
}

/** LTTng's trace_creation_datetime and trace-chunk time: ISO 8601 basic form with the UTC offset, local time */
export function creationDatetime(d = new Date()): string {
  const off = -d.getTimezoneOffset();
  return `${d.getFullYear()}${pad(d.getMonth() + 1)}${pad(d.getDate())}T${pad(d.getHours())}${pad(d.getMinutes())}${pad(d.getSeconds())}${off >= 0 ? '+' : '-'}${pad(Math.floor(Math.abs(off) / 60))}${pad(Math.abs(off) % 60)}`;
}

/** `YYYYmmdd-HHMMSS` in local time, as LTTng names sessions and directories */
export function datetimeSuffix(d: Date): string {
  return `${d.getFullYear()}${pad(d.getMonth() + 1)}${pad(d.getDate())}-${pad(d.getHours())}${pad(d.getMinutes())}${pad(d.getSeconds())}`;
}

/** realtime − monotonic in ns, to about a microsecond (waits for Date.now() to tick) */
export function measureClockOffset(): bigint {
  const t0 = Date.now();
  let t = t0;
  let m = 0n;
  const deadline = process.hrtime.bigint() + 5_000_000n;
  while (t === t0) {
    m = process.hrtime.bigint();
    t = Date.now();
    if (m > deadline) break;
  }
  return BigInt(t) * 1_000_000n - m;
}
