// `ttng view PATH...`: babeltrace2's default text output (and JSON, and a
// decode-only mode for measuring).
import { openInputs, iterate } from '../ctf/reader.js';
import type { Cursor } from '../ctf/reader.js';
import { PrettyPrinter, defaultPrettyOptions, textOptionsFor } from '../ctf/pretty.js';
import type { PrettyOptions } from '../ctf/pretty.js';
import { eventJson } from '../ctf/json.js';
import { FdWriter } from './output.js';
import { UsageError } from './usage.js';
import { parseTimeBound } from '../ctf/time-bound.js';

export const VIEW_HELP = `Usage: ttng view [OPTIONS] PATH...

Print the events of the CTF traces found under each PATH (searched
recursively), merged by time, exactly as \`babeltrace2 PATH...\` prints them.

Options:
  --clock-cycles          Print timestamps in clock cycles
  --clock-date            Print timestamp dates
  --clock-gmt             Print and parse timestamps in UTC, not local time
  --clock-seconds         Print timestamps as seconds since the Epoch
  --no-delta              Do not print the time since the previous event
  -n, --names=NAME[,...]  Print field names: payload (default), context
                          (default), scope, header, all, none
  -f, --fields=NAME[,...] Print fields: trace, trace:hostname (default),
                          trace:domain, trace:procname (default),
                          trace:vpid (default), loglevel, emf, all
  -b, --begin=TIME        Start at TIME: [YYYY-MM-DD] HH:MM:SS[.NS] or SEC[.NS]
  -e, --end=TIME          Stop after TIME
      --format=FMT        text (default), json (one object per event), or
                          dummy (decode every field, print nothing)
  -o, --output-format=FMT Same as --format (babeltrace2 spelling)
  -h, --help              Show this help
`;

export interface ViewArgs {
  paths: string[];
  pretty: PrettyOptions;
  format: 'text' | 'json' | 'dummy';
  begin?: string;
  end?: string;
}

function applyList(list: string, kind: 'names' | 'fields', o: PrettyOptions): void {
  const items = list.split(',').map((x) => x.trim()).filter(Boolean);
  let def: boolean | undefined;
  const set: string[] = [];
  for (const it of items) {
    if (it === 'all') def = true;
    else if (it === 'none') def = false;
    else set.push(it);
  }
  if (def === undefined && set.length) def = false;
  if (kind === 'names') {
    if (def !== undefined) o.names = { payload: def, context: def, header: def, scope: def };
    for (const s of set) {
      if (s === 'payload' || s === 'context' || s === 'header' || s === 'scope') o.names[s] = true;
      else throw new UsageError(`unknown field name category "${s}" in --names (expecting payload, context, scope, header, all or none)`);
    }
  } else {
    if (def !== undefined) {
      for (const k of Object.keys(o.fields) as (keyof PrettyOptions['fields'])[]) o.fields[k] = def;
    }
    const map: Record<string, keyof PrettyOptions['fields']> = {
      trace: 'trace', 'trace:hostname': 'hostname', 'trace:domain': 'domain', 'trace:procname': 'procname',
      'trace:vpid': 'vpid', loglevel: 'loglevel', emf: 'emf', callsite: 'callsite',
    };
    for (const s of set) {
      const k = map[s];
      if (!k) throw new UsageError(`unknown field "${s}" in --fields`);
      o.fields[k] = true;
    }
  }
}

export function parseViewArgs(argv: string[]): ViewArgs | 'help' {
  const a: ViewArgs = { paths: [], pretty: defaultPrettyOptions(), format: 'text' };
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i]!;
    let val: string | undefined;
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    if (eq > 0) {
      val = arg.slice(eq + 1);
      arg = arg.slice(0, eq);
    }
    const need = (): string => {
      if (val !== undefined) return val;
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`option ${arg} needs a value`);
      return v;
    };
    switch (arg) {
      case '-h':
      case '--help':
        return 'help';
      case '--clock-cycles': a.pretty.clock.cycles = true; break;
      case '--clock-date': a.pretty.clock.date = true; break;
      case '--clock-gmt': a.pretty.clock.gmt = true; break;
      case '--clock-seconds': a.pretty.clock.seconds = true; break;
      case '--no-delta': a.pretty.noDelta = true; break;
      case '-n':
      case '--names': applyList(need(), 'names', a.pretty); break;
      case '-f':
      case '--fields': applyList(need(), 'fields', a.pretty); break;
      case '-b':
      case '--begin': a.begin = need(); break;
      case '-e':
      case '--end': a.end = need(); break;
      case '--format':
      case '-o':
      case '--output-format': {
        const f = need();
        if (f !== 'text' && f !== 'json' && f !== 'dummy') throw new UsageError(`unknown output format "${f}" (expecting text, json or dummy)`);
        a.format = f;
        break;
      }
      case '--': a.paths.push(...argv.slice(i + 1)); i = argv.length; break;
      default:
        if (arg.startsWith('-') && arg !== '-') throw new UsageError(`unknown option "${arg}"`);
        a.paths.push(arg);
    }
  }
  if (a.paths.length === 0) throw new UsageError('no trace path given');
  return a;
}

/** Runs the view; returns the exit status. Errors go to stderr as one line. */
export function runView(a: ViewArgs): number {
  const out = new FdWriter(1);
  const err = new FdWriter(2, 4096, true);
  const opened = openInputs(a.paths);
  for (const t of opened.traces) t.textOpts = textOptionsFor(a.pretty);
  const pp = new PrettyPrinter(a.pretty, opened.baseNs);
  let beginRel = -Infinity;
  let endRel = Infinity;
  let boundsReady = a.begin === undefined && a.end === undefined;
  const resolveBounds = (firstRel: number): void => {
    boundsReady = true;
    const gmt = a.pretty.clock.gmt;
    if (a.begin !== undefined) beginRel = parseTimeBound(a.begin, firstRel, opened.baseNs, gmt);
    if (a.end !== undefined) endRel = parseTimeBound(a.end, firstRel, opened.baseNs, gmt);
  };
  const onItem = (c: Cursor): boolean => {
    const it = c.item!;
    if (!boundsReady && Number.isFinite(c.time)) resolveBounds(c.time);
    if (it.kind !== 'event') {
      if (a.format === 'text' && c.time >= beginRel && c.time <= endRel) err.write(pp.discardedLine(it));
      return !out.closed;
    }
    const t = c.time;
    if (t > endRel) return false;
    if (t < beginRel) {
      c.decodeBody(c.cs.skip(c.ceIndex!));
      return true;
    }
    switch (a.format) {
      case 'text':
        pp.writeEvent(c, out);
        break;
      case 'json':
        out.write(eventJson(c, opened.baseNs) + '\n');
        break;
      case 'dummy': {
        const ce = c.ceIndex!;
        c.decodeBody(ce.skip ?? c.cs.skip(ce));
        break;
      }
    }
    return !out.closed;
  };
  try {
    iterate(opened, a.format === 'text', onItem);
  } finally {
    out.flush();
    err.flush();
  }
  return 0;
}
