// Per-type lookup functions the generated decoders hold as constants: an enum's
// printed labels and a variant's option index, both from the metadata's mappings.
import type { EnumType, VariantType } from './model.js';
import { quoteString } from './format.js';

/** `"A"`, `"A", "B"` or `<unknown>`: the label part babeltrace2 prints for a value */
export function enumLabelFn(e: EnumType): (v: number | bigint) => string {
  const ranges: { lo: bigint; hi: bigint; label: string }[] = [];
  for (const m of e.mappings) for (const [lo, hi] of m.ranges) ranges.push({ lo, hi, label: m.label });
  const small = new Map<number, string>();
  let allSmall = true;
  for (const r of ranges) {
    if (r.hi - r.lo > 4096n || r.lo < -(2n ** 52n) || r.hi > 2n ** 52n) {
      allSmall = false;
      break;
    }
  }
  const compute = (v: bigint): string => {
    const labels: string[] = [];
    for (const m of e.mappings) if (m.ranges.some(([lo, hi]) => v >= lo && v <= hi)) labels.push(quoteString(m.label));
    return labels.length ? labels.join(', ') : '<unknown>';
  };
  if (allSmall) {
    for (const r of ranges) for (let x = r.lo; x <= r.hi; x++) small.set(Number(x), compute(x));
    return (v) => (typeof v === 'number' ? small.get(v) : undefined) ?? '<unknown>';
  }
  return (v) => compute(typeof v === 'bigint' ? v : BigInt(v));
}

/** tag value → option index, or -1 (the first mapping that holds the value wins) */
export function variantSelector(vt: VariantType): (v: number) => number {
  const tag = vt.tag!;
  const ranges: { lo: bigint; hi: bigint; idx: number }[] = [];
  for (const m of tag.mappings) {
    const idx = vt.options.findIndex((o) => o.name === m.label);
    if (idx >= 0) for (const [lo, hi] of m.ranges) ranges.push({ lo, hi, idx });
  }
  const max = ranges.reduce((a, r) => (r.hi > a ? r.hi : a), -1n);
  if (ranges.every((r) => r.lo >= 0n) && max < 1n << 20n) {
    // dense table, filled so that earlier mappings win: one array load per event
    const n = Number(max) + 1;
    const dense = new Int32Array(n).fill(-1);
    for (let i = ranges.length - 1; i >= 0; i--) {
      const r = ranges[i]!;
      dense.fill(r.idx, Number(r.lo), Number(r.hi) + 1);
    }
    return (v) => (v >= 0 && v < n ? dense[v]! : -1);
  }
  return (v) => {
    const b = BigInt(v);
    for (const r of ranges) if (b >= r.lo && b <= r.hi) return r.idx;
    return -1;
  };
}
