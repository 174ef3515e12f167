// `memtop`: pages allocated and freed per thread (lttng-memtop).
import { ResultTable } from '../lami.js';
import type { Cell, TableClass } from '../lami.js';
import type { Filters, PeriodStats } from '../period.js';
import type { Process } from '../state.js';
import { barGraph } from '../text/termgraph.js';
import { groupByClass } from './command.js';
import type { Report } from './command.js';
import { BASE_EVENTS } from './interest.js';

const PAGE_EVENTS = new Set(['mm_page_alloc', 'kmem_mm_page_alloc', 'mm_page_free', 'kmem_mm_page_free']);

export class ThreadMem {
  allocated = 0;
  freed = 0;
  constructor(
    readonly tid: number,
    readonly comm: string,
  ) {}
}

export class MemStats implements PeriodStats {
  readonly tids = new Map<number, ThreadMem>();
  constructor(private readonly filters: Filters) {}

  private thread(p: Process, cpu: number): ThreadMem | undefined {
    if (!this.filters.process(p) || !this.filters.cpu(cpu)) return undefined;
    let t = this.tids.get(p.tid!);
    if (!t) this.tids.set(p.tid!, (t = new ThreadMem(p.tid!, p.comm)));
    return t;
  }

  tidPageAlloc(p: Process, cpu: number): void {
    const t = this.thread(p, cpu);
    if (t) t.allocated++;
  }

  tidPageFree(p: Process, cpu: number): void {
    const t = this.thread(p, cpu);
    if (t) t.freed++;
  }
}

const perTid = (name: string, title: string, what: string): TableClass => ({
  name,
  title,
  columns: [['process', 'Process', 'process'], ['pages', what, 'number', 'pages']],
});
const ALLOCD = perTid('allocd', 'Per-TID top allocated memory', 'Allocated pages');
const FREED = perTid('freed', 'Per-TID top freed memory', 'Freed pages');
const TOTAL: TableClass = {
  name: 'total',
  title: 'Total allocated/freed memory',
  columns: [['allocd', 'Total allocated pages', 'number', 'pages'], ['freed', 'Total freed pages', 'number', 'pages']],
};
const SUMMARY: TableClass = {
  name: 'summary',
  title: 'Memory usage - summary',
  columns: [['time_range', 'Time range', 'time-range'], ...TOTAL.columns],
};

const pages = (r: Record<string, Cell>, k: string): number => (r[k] as { value: number }).value;

export const memtopReport: Report<MemStats> = {
  name: 'memtop',
  info: { title: 'Top memory usage', description: 'Per-TID top allocated/freed memory', tags: ['memory', 'top'], tableClasses: [ALLOCD, FREED, TOTAL, SUMMARY] },
  wants: (n) => BASE_EVENTS.has(n) || PAGE_EVENTS.has(n),
  tracksIo: false,
  newStats: (_b, filters) => new MemStats(filters),

  tables(p, endTs, ctx) {
    const b = ctx.abs(p.beginTs);
    const e = ctx.abs(endTs);
    const threads = [...p.stats.tids.values()];
    const top = (tc: TableClass, key: (t: ThreadMem) => number): ResultTable => {
      const t = new ResultTable(tc, b, e);
      for (const th of [...threads].sort((x, y) => key(y) - key(x))) {
        t.append({ process: { cls: 'process', name: th.comm, tid: th.tid }, pages: { cls: 'number', value: key(th) } });
        if (ctx.opts.limit > 0 && t.rows.length >= ctx.opts.limit) break;
      }
      return t;
    };
    const total = new ResultTable(TOTAL, b, e);
    let allocd = 0;
    let freed = 0;
    for (const th of threads) {
      allocd += th.allocated;
      freed += th.freed;
    }
    total.append({ allocd: { cls: 'number', value: allocd }, freed: { cls: 'number', value: freed } });
    return [top(ALLOCD, (t) => t.allocated), top(FREED, (t) => t.freed), total];
  },

  text(tables) {
    const [allocd, freed, total] = tables as [ResultTable, ResultTable, ResultTable];
    const graph = (t: ResultTable, title: string): string[] =>
      barGraph({
        title,
        unit: 'pages',
        labelHeader: 'Process',
        data: t.rows.map((r) => {
          const p = r['process'] as { name?: string; tid?: number };
          return { value: pages(r, 'pages'), valueStr: String(pages(r, 'pages')), label: `${p.name} (${p.tid})` };
        }),
      });
    const r = total.rows[0]!;
    return [
      ...graph(allocd, 'Per-TID Memory Allocations'),
      ...graph(freed, 'Per-TID Memory Deallocations'),
      '',
      'Total memory usage:',
      `- ${pages(r, 'allocd')} pages allocated`,
      `- ${pages(r, 'freed')} pages freed`,
    ];
  },

  miResults(perPeriod) {
    if (perPeriod.length <= 1) return groupByClass(perPeriod.flat());
    const totals = perPeriod.flat().filter((t) => t.tableClass === TOTAL);
    const summary = new ResultTable(SUMMARY, totals[0]!.begin, totals[totals.length - 1]!.end);
    for (const t of totals) summary.append({ time_range: { cls: 'time-range', begin: t.begin, end: t.end }, allocd: t.rows[0]!['allocd']!, freed: t.rows[0]!['freed']! });
    return [summary];
  },
};
