// LAMI 1.0 (the machine interface of lttng-analyses' `-mi` scripts): result
// tables of typed cells, and JSON written byte for byte as Python's
// json.dumps writes it (", " and ": " separators, ints apart from floats,
// non-ASCII escaped).
import { pyRepr } from './pyfmt.js';

/** a value Python holds as a float (a plain number or bigint is a Python int) */
export class PyFloat {
  constructor(readonly v: number) {}
}

export type PyNum = number | bigint | PyFloat;
export type PyJson = null | boolean | string | PyNum | PyJson[] | { [k: string]: PyJson };

export function pyFloat(v: number): PyFloat {
  return new PyFloat(v);
}

function jsonString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += '\\\\';
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c === 0x09) out += '\\t';
    else if (c === 0x08) out += '\\b';
    else if (c === 0x0c) out += '\\f';
    else if (c < 0x20 || c > 0x7e) out += '\\u' + c.toString(16).padStart(4, '0');
    else out += s[i];
  }
  return out + '"';
}

function jsonFloat(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? 'Infinity' : '-Infinity';
  return pyRepr(x);
}

/** json.dumps(v) */
export function pyJson(v: PyJson): string {
  if (v === null) return 'null';
  if (v === true) return 'true';
  if (v === false) return 'false';
  if (typeof v === 'string') return jsonString(v);
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : jsonFloat(v);
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof PyFloat) return jsonFloat(v.v);
  if (Array.isArray(v)) return '[' + v.map(pyJson).join(', ') + ']';
  return '{' + Object.keys(v).map((k) => jsonString(k) + ': ' + pyJson(v[k]!)).join(', ') + '}';
}

/* -------------------------------- cells -------------------------------- */

export type Cell =
  | { cls: 'empty' }
  | { cls: 'unknown' }
  | { cls: 'bool'; value: boolean }
  | { cls: 'number' | 'timestamp' | 'duration' | 'size' | 'bitrate'; value: PyNum | null; low?: PyNum; high?: PyNum }
  | { cls: 'string'; value: string }
  | { cls: 'ratio'; value: PyNum }
  | { cls: 'time-range'; begin: PyNum; end: PyNum }
  | { cls: 'syscall' | 'disk' | 'part' | 'netif'; name: string }
  | { cls: 'process'; name?: string; pid?: number; tid?: number }
  | { cls: 'path'; path: string }
  | { cls: 'fd'; fd: number }
  | { cls: 'irq'; hard: boolean; nr: number; name?: string }
  | { cls: 'cpu'; id: number };

export const EMPTY: Cell = { cls: 'empty' };

/** the number in a cell (0 when it has none), as the text reports print it */
export function cellNumber(c: Cell | undefined): number {
  const v = (c as { value?: unknown } | undefined)?.value;
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  return v instanceof PyFloat ? v.v : 0;
}
export const UNKNOWN: Cell = { cls: 'unknown' };

export function cellJson(c: Cell): PyJson {
  switch (c.cls) {
    case 'empty':
      return null;
    case 'unknown':
      return { class: 'unknown' };
    case 'bool':
    case 'string':
    case 'ratio':
      return { class: c.cls, value: c.value };
    case 'number':
    case 'timestamp':
    case 'duration':
    case 'size':
    case 'bitrate': {
      const o: { [k: string]: PyJson } = { class: c.cls };
      if (c.value !== null) o['value'] = c.value;
      if (c.low !== undefined) o['low'] = c.low;
      if (c.high !== undefined) o['high'] = c.high;
      return o;
    }
    case 'time-range':
      return { class: 'time-range', begin: { class: 'timestamp', value: c.begin }, end: { class: 'timestamp', value: c.end } };
    case 'syscall':
    case 'disk':
    case 'part':
    case 'netif':
      return { class: c.cls, name: c.name };
    case 'process': {
      const o: { [k: string]: PyJson } = { class: 'process' };
      if (c.name !== undefined) o['name'] = c.name;
      if (c.pid !== undefined) o['pid'] = c.pid;
      if (c.tid !== undefined) o['tid'] = c.tid;
      return o;
    }
    case 'path':
      return { class: 'path', path: c.path };
    case 'fd':
      return { class: 'fd', fd: c.fd };
    case 'irq': {
      const o: { [k: string]: PyJson } = { class: 'irq', hard: c.hard, nr: c.nr };
      if (c.name !== undefined) o['name'] = c.name;
      return o;
    }
    case 'cpu':
      return { class: 'cpu', id: c.id };
  }
}

/* ------------------------------- tables -------------------------------- */

/** [key, title, cell class, unit?] */
export type ColumnDef = readonly [string, string, Cell['cls'] | 'number', string?];

export interface TableClass {
  name: string;
  title: string;
  columns: readonly ColumnDef[];
}

/** a result table: rows of cells keyed by the table class's column keys */
export class ResultTable {
  readonly rows: Record<string, Cell>[] = [];
  constructor(
    readonly tableClass: TableClass,
    readonly begin: PyNum,
    readonly end: PyNum,
    readonly subtitle?: string,
  ) {}

  append(row: Record<string, Cell>): void {
    this.rows.push(row);
  }

  toJson(): PyJson {
    const tc = this.tableClass;
    const cls: PyJson = this.subtitle !== undefined ? { inherit: tc.name, title: `${tc.title} [${this.subtitle}]` } : tc.name;
    return {
      class: cls,
      'time-range': cellJson({ cls: 'time-range', begin: this.begin, end: this.end }),
      data: this.rows.map((r) => tc.columns.map(([k]) => cellJson(r[k] ?? EMPTY))),
    };
  }
}

function tableClassJson(tc: TableClass): PyJson {
  return {
    title: tc.title,
    'column-descriptions': tc.columns.map(([, title, cls, unit]) => {
      const o: { [k: string]: PyJson } = { title, class: cls };
      if (unit) o['unit'] = unit;
      return o;
    }),
  };
}

export interface AnalysisInfo {
  title: string;
  description: string;
  tags: readonly string[];
  tableClasses: readonly TableClass[];
}

const VERSION = { major: 0, minor: 6, patch: 1, extra: '' };

/** `--metadata` */
export function metadataJson(a: AnalysisInfo): string {
  const tcs: { [k: string]: PyJson } = {};
  for (const tc of a.tableClasses) tcs[tc.name] = tableClassJson(tc);
  return pyJson({
    'mi-version': { major: 1, minor: 0 },
    version: VERSION,
    title: a.title,
    description: a.description,
    authors: ['Julien Desfossez', 'Antoine Busque', 'Philippe Proulx'],
    url: 'https://github.com/lttng/lttng-analyses',
    tags: ['linux-kernel', 'lttng-analyses', ...a.tags],
    'table-classes': tcs,
  });
}

/** the `{"results": [...]}` line */
export function resultsJson(tables: readonly ResultTable[]): string {
  return pyJson({ results: tables.map((t) => t.toJson()) });
}

export function errorJson(message: string): string {
  return pyJson({ 'error-message': message });
}

export const MI_VERSION = '1.0';
