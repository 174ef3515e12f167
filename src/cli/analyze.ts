// `ttng analyze COMMAND [OPTIONS] TRACE...`: lttng-analyses' reports over
// kernel traces, with the same text (and, with --mi, the same LAMI JSON as
// the lttng-*-mi scripts).
import { TraceError } from '../ctf/trace.js';
import { CtfSource } from '../analysis/ctf-source.js';
import { COMMANDS, ReportRun } from '../analysis/commands/index.js';
import type { CommandSpec, ReportOptions } from '../analysis/commands/index.js';
import { isMultiDay, parseTimeRange, parseTraceDate } from '../analysis/dates.js';
import { MI_VERSION, errorJson, metadataJson } from '../analysis/lami.js';
import type { AnalysisConfig } from '../analysis/period.js';
import { MissingFieldError } from '../analysis/event.js';
import { parseOptions } from './args.js';
import type { OptionSpec } from './args.js';
import { FdWriter } from './output.js';
import { UsageError } from './usage.js';

export const ANALYZE_HELP = `Usage: ttng analyze COMMAND [OPTIONS] TRACE...

Reports over LTTng kernel traces, printing what Debian's lttng-analyses
0.6.1 (lttng-COMMAND) prints for the same trace and options, line for line;
--mi prints the LAMI 1.0 JSON of the lttng-COMMAND-mi scripts.

Commands:
${[...COMMANDS].map(([n, c]) => `  ${n.padEnd(22)} ${c.summary}`).join('\n')}

Options (all commands):
  --begin=TIME            Start at TIME: [YYYY-MM-DD ]HH:MM:SS[.NNNNNNNNN] or
                          ns since the Epoch (times of day: the trace's date)
  --end=TIME              Stop after TIME
  --timerange=[BEGIN,END] Both at once
  --gmt                   Times in UTC, not local time
  --cpu=ID[,ID...]        Only these CPUs
  -r, --refresh=DURATION  A report every DURATION (s, ms, us, ns; default s)
  --no-intersection       Read the whole trace, not only where every stream
                          has data (babeltrace 1's intersection mode, the
                          default)
  --skip-validation       Do not print the "Checking the trace for lost
                          events..." line
  --mi                    LAMI 1.0 JSON results (as lttng-COMMAND-mi)
  --mi-version            Print the LAMI version and exit
  --metadata              Print the analysis' LAMI metadata and exit
  -h, --help              Show this help
cputop, memtop: --procname=NAME[,...], --tid=TID[,...], --limit=N (default 10)
syscallstats: --procname=NAME[,...], --tid=TID[,...]
io*: --min/--max=USEC (latency), --minsize/--maxsize=BYTES, --limit=N; the
     other sections: --usage, --stats, --top, --log, --freq
     (--freq-resolution=N)
sched*: --procname, --tid, --min/--max=USEC, --limit=N; --total, --per-tid,
     --per-prio (statistics grouping); the other sections: --log, --top,
     --stats

Known lttng-analyses quirks kept for identical output: syscallstats counts
each return value once too often; iolatencytop lists --limit + 1 calls;
splice and sendfile64 are not seen as I/O; soft IRQs of lttng-modules 2.7+
(irq_softirq_*) are not seen; a thread's first I/O system call with a pid
context re-creates its process entry under the thread's name. Where
lttng-analyses stops with a Python error (a trace without a "kernel"
directory that has wake-ups, block requests with a text rwbs), ttng goes on.
Several traces: babeltrace 1's averaged clock offset is applied.
`;

const COMMON: OptionSpec[] = [
  { long: 'begin', value: true },
  { long: 'end', value: true },
  { long: 'timerange', value: true },
  { long: 'gmt' },
  { long: 'cpu', value: true },
  { long: 'refresh', short: 'r', value: true },
  { long: 'no-intersection' },
  { long: 'skip-validation' },
  { long: 'no-progress' },
  { long: 'no-color' },
  { long: 'mi' },
  { long: 'mi-version' },
  { long: 'metadata' },
];

const GROUPS: Record<CommandSpec['options'][number], OptionSpec[]> = {
  proc: [{ long: 'procname', value: true }, { long: 'tid', value: true }],
  top: [{ long: 'limit', value: true }, { long: 'top' }],
  freq: [{ long: 'freq-resolution', value: true }, { long: 'freq-uniform' }, { long: 'freq-series' }],
  minmax: [{ long: 'min', value: true }, { long: 'max', value: true }],
  io: [
    { long: 'min', value: true },
    { long: 'max', value: true },
    { long: 'limit', value: true },
    { long: 'minsize', value: true },
    { long: 'maxsize', value: true },
  ],
};

/** lttng-analyses' parse_duration: a number with s/ms/us/µs/ns (default s) */
function parseDuration(text: string): number {
  const m = /^([^a-zA-Zµ]*)([a-zA-Zµ].*)?$/.exec(text)!;
  const v = Number(m[1]);
  if (m[1]!.trim() === '' || Number.isNaN(v)) throw new Error(`invalid duration: ${m[1]}`);
  const unit = m[2];
  const exp = unit === undefined || unit === 's' ? 3 : unit === 'ms' ? 2 : unit === 'us' || unit === 'µs' ? 1 : unit === 'ns' ? 0 : -1;
  if (exp < 0) throw new Error(`unrecognised units: ${unit}`);
  return Math.trunc(v * 1000 ** exp);
}

function intList(opt: string, text: string): number[] {
  return text.split(',').map((x) => {
    if (!/^\s*[-+]?\d+\s*$/.test(x)) throw new UsageError(`--${opt}: invalid integer "${x}"`);
    return Number(x);
  });
}

/** an lttng-analyses error: text on stderr, or JSON on stdout with --mi */
class AnalyzeError extends Error {
  constructor(
    message: string,
    readonly code = 1,
  ) {
    super(message);
  }
}

export function runAnalyze(argv: string[]): number {
  const name = argv[0];
  if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
    process.stdout.write(ANALYZE_HELP);
    return 0;
  }
  const spec = COMMANDS.get(name);
  if (!spec) throw new UsageError(`unknown analysis "${name}" (see \`ttng analyze --help\`)`);
  const specs = [...COMMON];
  for (const g of spec.options) for (const o of GROUPS[g]) if (!specs.some((s) => s.long === o.long)) specs.push(o);
  // the other sections of the same lttng-analyses command, on top of this one's
  for (const sw of spec.switches ?? []) if (!specs.some((s) => s.long === sw)) specs.push({ long: sw });
  const parsed = parseOptions(`analyze ${name}`, argv.slice(1), specs);
  if (parsed === 'help' || parsed === 'list-options') {
    process.stdout.write(ANALYZE_HELP);
    return 0;
  }
  const opt = (k: string): string | undefined => parsed.opts.get(k)?.at(-1);
  const has = (k: string): boolean => parsed.opts.has(k);
  const mi = has('mi') || has('mi-version') || has('metadata');
  const out = new FdWriter(1);
  try {
    if (has('mi-version')) {
      out.write(MI_VERSION + '\n');
      return 0;
    }
    if (has('metadata')) {
      out.write(metadataJson(spec.report.info) + '\n');
      return 0;
    }
    return analyze(spec, parsed.positional, opt, has, mi, out);
  } catch (e) {
    if (!(e instanceof AnalyzeError)) throw e;
    if (mi) out.write(errorJson(e.message) + '\n');
    else {
      out.flush();
      process.stderr.write(e.message + '\n');
    }
    return e.code;
  } finally {
    out.flush();
  }
}

function analyze(
  spec: CommandSpec,
  paths: string[],
  opt: (k: string) => string | undefined,
  has: (k: string) => boolean,
  mi: boolean,
  out: FdWriter,
): number {
  const cmdline = (m: string): AnalyzeError => new AnalyzeError(`Command line error: ${m}`);
  const conf: AnalysisConfig = {};
  const refresh = opt('refresh');
  if (refresh !== undefined) {
    try {
      conf.refreshPeriod = parseDuration(refresh);
    } catch (e) {
      throw cmdline((e as Error).message);
    }
  }
  if (opt('cpu') !== undefined) conf.cpuList = intList('cpu', opt('cpu')!);
  if (opt('procname')) conf.procList = opt('procname')!.split(',');
  if (opt('tid')) conf.tidList = intList('tid', opt('tid')!);
  const float = (k: string): number | undefined => {
    const t = opt(k);
    if (t === undefined) return undefined;
    const v = Number(t);
    if (t.trim() === '' || Number.isNaN(v)) throw new UsageError(`--${k}: invalid number "${t}"`);
    return v;
  };
  // --min/--max are in µs
  const min = float('min');
  const max = float('max');
  if (min !== undefined) conf.minDuration = min * 1000;
  if (max !== undefined) conf.maxDuration = max * 1000;
  const limitText = opt('limit');
  const limit = limitText === undefined ? 10 : Number(limitText);
  if (!Number.isInteger(limit)) throw new UsageError(`--limit: invalid integer "${limitText}"`);
  if (paths.length === 0) throw cmdline('Please specify a trace path');

  let source: CtfSource;
  try {
    source = CtfSource.open(paths);
  } catch (e) {
    if (e instanceof TraceError) throw new AnalyzeError(`Error: ${e.message}`);
    throw e;
  }
  const base = source.baseNs;
  const last = source.lastPacketNs();
  const dated = opt('timerange') !== undefined || opt('begin') !== undefined || opt('end') !== undefined;
  // the first event costs a read of every stream's first packet: only when its date matters
  const first = dated || isMultiDay(source.firstPacketNs(), last) ? source.firstEventNs() : undefined;
  const dates = { first, multiDay: isMultiDay(first, last) };
  const gmt = has('gmt');
  const rel = (abs: bigint): number => Number(abs - base);
  try {
    if (opt('timerange') !== undefined) {
      const [b, e] = parseTimeRange(opt('timerange')!, dates, gmt);
      conf.beginTs = rel(b);
      conf.endTs = rel(e);
    } else {
      if (opt('begin') !== undefined) conf.beginTs = rel(parseTraceDate(opt('begin')!, dates, gmt));
      if (opt('end') !== undefined) {
        const e = parseTraceDate(opt('end')!, dates, gmt);
        if (first !== undefined && e < first) throw cmdline('--end timestamp before beginning of trace');
        conf.endTs = rel(e);
      }
    }
  } catch (e) {
    if (e instanceof AnalyzeError) throw e;
    throw cmdline((e as Error).message);
  }
  const tv = source.kernelTracerVersion();
  if (tv.found && !tv.version) throw new AnalyzeError('Error: Malformed metadata, cannot read tracer version');
  const v = tv.version;
  const wakeupPrioOffset = v !== undefined && (v[0] !== 2 ? v[0] < 2 : v[1] !== 7 ? v[1] < 7 : v[2] < 1);
  if (!has('skip-validation') && !mi) out.write('Checking the trace for lost events...\n');
  if (spec.options.includes('io') && conf.cpuList) out.write('Warning: cpu filter not enabled on I/O analysis\n');
  const intersect = !has('no-intersection');
  if (intersect && !source.intersection()) throw new AnalyzeError('Error: Trace has no intersection. Use --no-intersection to override');

  const flags = new Set([...(spec.flags ?? []), ...(spec.switches ?? []).filter((f) => has(f))]);
  const freqResolution = float('freq-resolution');
  const ropts: ReportOptions = { limit, gmt, multiDay: dates.multiDay, mi, flags, minSize: float('minsize'), maxSize: float('maxsize'), freqResolution };
  const run = new ReportRun(spec.report, conf, ropts, base, (line) => out.write(line + '\n'), { wakeupPrioOffset });
  let failure: string | undefined;
  try {
    source.run({ wants: (n) => spec.report.wants(n), intersect, onEvent: (ev) => run.feed(ev) && !out.closed, onSkipped: (ts) => run.skip(ts) });
  } catch (e) {
    // a bad or truncated trace: report what was read, then the error
    if (e instanceof TraceError) failure = `Error: ${e.message}`;
    else if (e instanceof MissingFieldError) failure = `Error: Cannot run analysis: ${e.message}`;
    else throw e;
  }
  const json = run.finish();
  if (json !== undefined) out.write(json + '\n');
  if (failure !== undefined) throw new AnalyzeError(failure);
  return 0;
}
