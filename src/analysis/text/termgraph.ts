// lttng-analyses' terminal bar graphs, line for line: a title (with a label
// header aligned past the values), a '#' rule, one bar of up to 80 '█' per
// datum, then an empty line.
import { padEnd, padStart, pyFixed, pyLen } from '../pyfmt.js';

const WIDTH = 80;
const BAR = '█';

/** how lttng-analyses prints a value it holds as int or float */
export function defaultValueStr(v: number, isFloat: boolean): string {
  return isFloat ? pyFixed(v, 2) : String(v);
}

export interface BarDatum {
  value: number;
  valueStr: string;
  label: string;
}

export interface BarGraphSpec {
  title: string;
  labelHeader?: string;
  unit?: string;
  data: readonly BarDatum[];
}

function bar(value: number, max: number, width: number): string {
  const w = max === 0 ? 0 : Math.trunc((width * value) / max);
  return BAR.repeat(w) + ' '.repeat(width - w);
}

/** lines of a BarGraph (none when there is no data) */
export function barGraph(g: BarGraphSpec): string[] {
  if (g.data.length === 0) return [];
  const data = g.data.map((d) => ({ ...d, valueStr: g.unit ? `${d.valueStr} ${g.unit}` : d.valueStr }));
  let max = 0;
  let maxLen = 0;
  for (const d of data) {
    if (d.value > max) max = d.value;
    if (pyLen(d.valueStr) > maxLen) maxLen = pyLen(d.valueStr);
  }
  const header = g.labelHeader ? g.title + ' '.repeat(WIDTH - pyLen(g.title) + 1 + maxLen + 1) + g.labelHeader : g.title;
  const out = [header, '#'.repeat(WIDTH)];
  for (const d of data) out.push(`${bar(d.value, max, WIDTH)} ${padStart(d.valueStr, maxLen)} ${d.label}`);
  out.push('');
  return out;
}

export interface FreqDatum {
  value: number;
  valueStr: string;
  lowerBound: number;
}

/** lines of a FreqGraph (histogram with lower bounds on the left) */
export function freqGraph(title: string, unit: string | undefined, data: readonly FreqDatum[]): string[] {
  if (data.length === 0) return [];
  const vals = data.map((d) => ({ ...d }));
  let max = 0;
  let maxLen = 0;
  for (const d of vals) {
    if (d.value > max) max = d.value;
    if (pyLen(d.valueStr) > maxLen) maxLen = pyLen(d.valueStr);
  }
  const out = [unit ? `${title} (${unit})` : title, '#'.repeat(WIDTH)];
  for (const d of vals) out.push(`${padStart(pyFixed(d.lowerBound, 3), 7)} ${bar(d.value, max, WIDTH - 8)} ${padStart(d.valueStr, maxLen)}`);
  out.push('');
  return out;
}

export { padEnd, padStart };
