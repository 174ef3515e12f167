// The overhead study's raw.csv (one row per run, written by run.sh) read and
// summed up: each traced run is compared with the untraced run of the same
// setting, pass and thread count (the same block of back-to-back runs, so
// slow drift of the machine cancels out), then the passes are summarised by
// their median and range. Pure: no I/O.

export interface Run {
  setting: string;
  pass: number;
  threads: number;
  mode: string;
  status: string;
  tps: number | undefined;
  p95Ms: number | undefined;
  events: number | undefined;
  lost: number | undefined;
  recCpuLoadS: number | undefined;
  recCpuTotalS: number | undefined;
  bytes: number | undefined;
  idleCpuS: number | undefined;
  loadS: number | undefined;
  note: string;
}

const COLUMNS = ['setting', 'pass', 'threads', 'mode', 'status', 'tps', 'p95_ms', 'events', 'lost', 'rec_cpu_load_s', 'rec_cpu_total_s', 'bytes', 'idle_cpu_s', 'load_s', 'note'] as const;

function num(s: string | undefined): number | undefined {
  if (s === undefined || s.trim() === '') return undefined;
  const v = Number(s);
  return Number.isFinite(v) ? v : undefined;
}

/** raw.csv as written by run.sh (no quoting: no field holds a comma) */
export function parseRuns(csv: string): Run[] {
  const lines = csv.split('\n').filter((l) => l.trim() !== '');
  const head = (lines.shift() ?? '').split(',');
  const at: Record<string, number> = {};
  for (const c of COLUMNS) {
    const i = head.indexOf(c);
    if (i < 0) throw new Error(`raw.csv: no column ${c}`);
    at[c] = i;
  }
  return lines.map((line, k) => {
    const f = line.split(',');
    if (f.length !== head.length) throw new Error(`raw.csv line ${k + 2}: ${f.length} fields, the header has ${head.length}`);
    const g = (c: (typeof COLUMNS)[number]): string => f[at[c]!] ?? '';
    return {
      setting: g('setting'),
      pass: Number(g('pass')),
      threads: Number(g('threads')),
      mode: g('mode'),
      status: g('status'),
      tps: num(g('tps')),
      p95Ms: num(g('p95_ms')),
      events: num(g('events')),
      lost: num(g('lost')),
      recCpuLoadS: num(g('rec_cpu_load_s')),
      recCpuTotalS: num(g('rec_cpu_total_s')),
      bytes: num(g('bytes')),
      idleCpuS: num(g('idle_cpu_s')),
      loadS: num(g('load_s')),
      note: g('note'),
    };
  });
}

export function median(xs: number[]): number | undefined {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1]! + s[m]!) / 2;
}

/** median and range of the passes */
export interface Spread {
  median: number;
  min: number;
  max: number;
  n: number;
}

export function spread(xs: number[]): Spread | undefined {
  const m = median(xs);
  if (m === undefined) return undefined;
  return { median: m, min: Math.min(...xs), max: Math.max(...xs), n: xs.length };
}

/** one mode at one setting and thread count, over the passes */
export interface Cell {
  /** traced tps / untraced tps of the same block, % */
  tpsPct: Spread | undefined;
  /** traced p95 / untraced p95 of the same block, % */
  p95Pct: Spread | undefined;
  tps: Spread | undefined;
  p95Ms: Spread | undefined;
  events: Spread | undefined;
  /** the most any pass lost (undefined: the recorder counts none) */
  lostMax: number | undefined;
  /** lost / (recorded + lost), %, of that pass */
  lostPctMax: number | undefined;
  recCpuLoadS: Spread | undefined;
  recCpuTotalS: Spread | undefined;
  bytes: Spread | undefined;
  idleCpuS: Spread | undefined;
  failed: number;
}

export interface Summary {
  settings: string[];
  /** in the order first seen, untraced first */
  modes: string[];
  threads: number[];
  cell(setting: string, mode: string, threads: number): Cell | undefined;
}

const defined = (xs: (number | undefined)[]): number[] => xs.filter((x): x is number => x !== undefined);

export function summarize(runs: Run[]): Summary {
  const uniq = <T>(xs: T[]): T[] => [...new Set(xs)];
  const settings = uniq(runs.map((r) => r.setting));
  const modes = uniq(['untraced', ...runs.map((r) => r.mode)]).filter((m) => runs.some((r) => r.mode === m));
  const threads = uniq(runs.map((r) => r.threads)).sort((a, b) => a - b);
  const ok = runs.filter((r) => r.status === 'ok');
  const base = new Map<string, Run>();
  for (const r of ok) if (r.mode === 'untraced') base.set(`${r.setting}/${r.pass}/${r.threads}`, r);
  const cells = new Map<string, Cell>();
  for (const s of settings) {
    for (const m of modes) {
      for (const t of threads) {
        const all = runs.filter((r) => r.setting === s && r.mode === m && r.threads === t);
        if (all.length === 0) continue;
        const rs = all.filter((r) => r.status === 'ok');
        const tpsPct: number[] = [];
        const p95Pct: number[] = [];
        for (const r of rs) {
          const b = base.get(`${s}/${r.pass}/${t}`);
          if (!b) continue;
          if (r.tps !== undefined && b.tps) tpsPct.push((100 * r.tps) / b.tps);
          if (r.p95Ms !== undefined && b.p95Ms) p95Pct.push((100 * r.p95Ms) / b.p95Ms);
        }
        const losses = rs.filter((r) => r.lost !== undefined);
        const lostPct = losses.map((r) => {
          const whole = (r.events ?? 0) + r.lost!;
          return whole > 0 ? (100 * r.lost!) / whole : 0;
        });
        cells.set(`${s}/${m}/${t}`, {
          tpsPct: spread(tpsPct),
          p95Pct: spread(p95Pct),
          tps: spread(defined(rs.map((r) => r.tps))),
          p95Ms: spread(defined(rs.map((r) => r.p95Ms))),
          events: spread(defined(rs.map((r) => r.events))),
          lostMax: losses.length ? Math.max(...losses.map((r) => r.lost!)) : undefined,
          lostPctMax: lostPct.length ? Math.max(...lostPct) : undefined,
          recCpuLoadS: spread(defined(rs.map((r) => r.recCpuLoadS))),
          recCpuTotalS: spread(defined(rs.map((r) => r.recCpuTotalS))),
          bytes: spread(defined(rs.map((r) => r.bytes))),
          idleCpuS: spread(defined(rs.map((r) => r.idleCpuS))),
          failed: all.length - rs.length,
        });
      }
    }
  }
  return { settings, modes, threads, cell: (s, m, t) => cells.get(`${s}/${m}/${t}`) };
}
