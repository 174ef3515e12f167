// summary.md of the overhead study: per setting, throughput and p95 latency
// as % of untraced, what each recorder cost, and how noisy the runs were.
import type { Cell, Spread, Summary } from './summary.js';

export const SETTING_TITLES: Record<string, string> = {
  default: 'default InnoDB settings (the server waits on its log flushes: CPUs partly idle)',
  'cpu-bound': 'CPU-bound: `--innodb-flush-log-at-trx-commit=2` (no CPU idle)',
};

const f1 = (x: number): string => x.toFixed(1);

/** `97.1 % (93.0–101.2)`; the range only with more than one pass */
function pct(s: Spread | undefined): string {
  if (!s) return '–';
  return s.n > 1 ? `${f1(s.median)} % (${f1(s.min)}–${f1(s.max)})` : `${f1(s.median)} %`;
}

/** 4 890 000 → `4.89 M` */
export function count(x: number | undefined): string {
  if (x === undefined) return '–';
  if (x >= 1e6) return `${(x / 1e6).toFixed(2)} M`;
  if (x >= 1e4) return `${(x / 1e3).toFixed(0)} k`;
  return String(Math.round(x));
}

function lost(c: Cell): string {
  if (c.lostMax === undefined) return 'n/a';
  if (c.lostMax === 0) return '0';
  return `${count(c.lostMax)} (${(c.lostPctMax ?? 0).toFixed(c.lostPctMax! < 0.1 ? 3 : 1)} %)`;
}

function row(cells: string[]): string {
  return `| ${cells.join(' | ')} |`;
}

function header(first: string[], threads: number[]): string[] {
  const h = [...first, ...threads.map((t) => `${t} thr`)];
  return [row(h), row(h.map((_, i) => (i < first.length ? '---' : '---:')))];
}

function table(sum: Summary, setting: string, base: (c: Cell) => string, traced: (c: Cell) => string, baseLabel: string): string[] {
  const out = header(['mode'], sum.threads);
  for (const m of sum.modes) {
    const cells = sum.threads.map((t) => {
      const c = sum.cell(setting, m, t);
      if (!c) return '–';
      const failed = c.failed ? ` ⚠${c.failed} failed` : '';
      return (m === 'untraced' ? base(c) : traced(c)) + failed;
    });
    out.push(row([m === 'untraced' ? `untraced (${baseLabel})` : m, ...cells]));
  }
  return out;
}

function costTable(sum: Summary, setting: string): string[] {
  const out = [
    row(['mode', 'threads', 'events recorded', 'events lost (worst pass)', 'recorder CPU s, during the load', 'recorder CPU s, start to end', 'MB written']),
    row(['---', '---:', '---:', '---:', '---:', '---:', '---:']),
  ];
  for (const m of sum.modes) {
    if (m === 'untraced') continue;
    for (const t of sum.threads) {
      const c = sum.cell(setting, m, t);
      if (!c) continue;
      const s2 = (s: Spread | undefined): string => (s ? s.median.toFixed(2) : '–');
      out.push(row([m, String(t), count(c.events?.median), lost(c), s2(c.recCpuLoadS), s2(c.recCpuTotalS), c.bytes ? f1(c.bytes.median / 1e6) : '–']));
    }
  }
  return out;
}

/** how far apart the untraced passes were: (max − min) / median, per thread count */
function noise(sum: Summary, setting: string): string {
  const parts: string[] = [];
  let passes = 0;
  for (const t of sum.threads) {
    const s = sum.cell(setting, 'untraced', t)?.tps;
    if (!s) continue;
    passes = Math.max(passes, s.n);
    parts.push(`${t} thr ${f1((100 * (s.max - s.min)) / s.median)} %`);
  }
  if (passes < 2) return 'One pass only: these figures carry no measure of their noise; run more passes (PASSES=3) before comparing close values.';
  const idle = sum.threads.map((t) => sum.cell(setting, 'untraced', t)?.idleCpuS?.median).filter((x): x is number => x !== undefined);
  const idleText = idle.length ? ` Idle CPU during the untraced runs: ${idle.map(f1).join(', ')} CPU-s per run.` : '';
  return `Noise: untraced transactions/s differed between passes by ${parts.join(', ')} of their median ((max − min) / median); differences between modes smaller than that are not significant.${idleText}`;
}

export function renderMarkdown(sum: Summary, passes: number, durationS: string): string {
  const out: string[] = [
    '# Overhead study: sysbench oltp_read_write on MariaDB, recording sched_switch and every system call',
    '',
    `Median of ${passes} pass${passes === 1 ? '' : 'es'} of ${durationS} s runs; each traced run is compared with the untraced run of the same pass and thread count (run back to back), the range of the passes in brackets. Throughput % above 100 is noise. Events lost are each recorder's own count (ttng: discarded events; trace-cmd: overruns and drops of its report; perf: lost samples); n/a where a recorder keeps none (flight recorder in overwrite mode, strace stops the traced threads instead).`,
    '',
  ];
  for (const s of sum.settings) {
    out.push(`## ${SETTING_TITLES[s] ?? s}`, '');
    out.push('Throughput, transactions/s as % of untraced:', '');
    out.push(...table(sum, s, (c) => (c.tps ? f1(c.tps.median) : '–'), (c) => pct(c.tpsPct), 'tps'), '');
    out.push('95th percentile latency as % of untraced:', '');
    out.push(...table(sum, s, (c) => (c.p95Ms ? c.p95Ms.median.toFixed(2) : '–'), (c) => pct(c.p95Pct), 'ms'), '');
    out.push('What each recorder cost (median of the passes):', '');
    out.push(...costTable(sum, s), '');
    out.push(noise(sum, s), '');
  }
  return out.join('\n');
}
