// The trace-file ring of `--tracefile-size`/`--tracefile-count` (pure): a
// stream's packets go to `<name>_0`, `<name>_1`…; before a packet would make
// the current file pass the size, the next file begins, and with a count the
// ring wraps to `_0` again (the oldest file is overwritten). A packet is never
// split: a file holds at least one, however large.

/** `size` bytes per file, at most `count` files (0: no limit) */
export interface TracefileRing {
  size: number;
  count: number;
}

/** the ring of a stream's options; undefined without a size (one file, no suffix) */
export function tracefileRing(size: number | undefined, count: number | undefined): TracefileRing | undefined {
  return size !== undefined && size > 0 ? { size, count: count ?? 0 } : undefined;
}

/** the name of file `k` of stream `name` */
export function tracefileName(name: string, ring: TracefileRing | undefined, k: number): string {
  return ring ? `${name}_${k}` : name;
}

/** a packet of `bytes` must start the next file when the current one holds `used` bytes */
export function needsNextFile(ring: TracefileRing | undefined, used: number, bytes: number): boolean {
  return ring !== undefined && used > 0 && used + bytes > ring.size;
}

/** the file after `k` */
export function nextTracefile(ring: TracefileRing, k: number): number {
  return ring.count > 0 ? (k + 1) % ring.count : k + 1;
}
