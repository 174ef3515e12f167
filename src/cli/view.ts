// `ttng view PATH...`: babeltrace2's default text output (and JSON, and a
// decode-only mode for measuring).
import { openInputs, messageIterator } from '../ctf/reader.js';
import { PrettyPrinter, defaultPrettyOptions, textOptionsFor } from '../ctf/pretty.js';
import type { PrettyOptions } from '../ctf/pretty.js';
import { eventJson } from '../ctf/json.js';
import { FdWriter } from './output.js';
import { UsageError } from './usage.js';
import { checkTimeBound } from '../ctf/time-bound.js';
import * as fs from 'node:fs';
import { spawn } from 'node:child_process';
import { constants as osConstants } from 'node:os';
import { withClient } from '../ctl/client.js';
import { CtlError } from '../ctl/protocol.js';
import type { SessionSummary } from '../ctl/protocol.js';
import { readCurrentSession } from '../ctl/paths.js';
import { optionValue, tokenize } from '../ctl/argv.js';
import type { OptionSpec } from '../ctl/argv.js';

export const VIEW_HELP = `Usage: ttng view [OPTIONS] [SESSION | PATH...]
       ttng view [OPTIONS] -t DIR

Print the events of the CTF traces found under each PATH (searched
recursively), merged by time, exactly as \`babeltrace2 PATH...\` prints them.

An argument that is an existing path is read as a trace; otherwise it names
a recording session, whose output directory is read (as \`lttng view
SESSION\`). Without an argument: the current session. A session that is
recording must be stopped first.

Options:
  -t, --trace-path=DIR    Read DIR as a trace (never a session name)
  -e, --viewer=CMD        Run CMD (e.g. babeltrace2) on the trace directory
                          instead of printing it; CMD is split at spaces and
                          the directory appended (\`-e TIME\` with a time is
                          --end=TIME)
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
      --format=FMT        text (default), json (one object per event; string
                          bytes that are not UTF-8 are \udc80-\udcff, one per
                          byte, as Python's surrogateescape), or
                          dummy (decode every field, print nothing)
  -o, --output-format=FMT Same as --format (babeltrace2 spelling)
  -h, --help              Show this help
`;

export interface ViewArgs {
  paths: string[];
  /** `-t DIR`: a path, never a session name */
  tracePath?: string;
  /** `-e CMD` / `--viewer=CMD`: another viewer */
  viewer?: string;
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

const VIEW_OPTIONS: OptionSpec[] = [
  { long: 'help', short: 'h' }, { long: 'clock-cycles' }, { long: 'clock-date' }, { long: 'clock-gmt' }, { long: 'clock-seconds' },
  { long: 'no-delta' }, { long: 'names', short: 'n', value: true }, { long: 'fields', short: 'f', value: true },
  { long: 'begin', short: 'b', value: true }, { long: 'end', value: true }, { short: 'e', value: true }, { long: 'viewer', value: true },
  { long: 'trace-path', short: 't', value: true }, { long: 'format', value: true }, { long: 'output-format', short: 'o', value: true },
];

export function parseViewArgs(argv: string[]): ViewArgs | 'help' {
  const a: ViewArgs = { paths: [], pretty: defaultPrettyOptions(), format: 'text' };
  for (const t of tokenize(argv, VIEW_OPTIONS)) {
    if (t.kind === 'positional') {
      a.paths.push(t.value);
      continue;
    }
    // (`--=…` has always read as `--`)
    if (t.kind === 'terminator' || (t.rawName === '--' && !t.bundled)) {
      a.paths.push(...argv.slice(t.index + 1));
      break;
    }
    // no short groups or attached values; a flag ignores `=VALUE`
    if (!t.spec || t.bundled) throw new UsageError(`unknown option "${t.typed}"`);
    const need = (): string => optionValue(t, (n) => new UsageError(`option ${n} needs a value`));
    switch (t.rawName) {
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
      case '--end': a.end = need(); break;
      case '-e': {
        // babeltrace2's -e is --end, lttng view's is --viewer: a time is an end
        const v = need();
        if (/^[0-9][0-9:. -]*$/.test(v.trim())) a.end = v;
        else a.viewer = v;
        break;
      }
      case '--viewer': a.viewer = need(); break;
      case '-t':
      case '--trace-path': a.tracePath = need(); break;
      case '--format':
      case '-o':
      case '--output-format': {
        const f = need();
        if (f !== 'text' && f !== 'json' && f !== 'dummy') throw new UsageError(`unknown output format "${f}" (expecting text, json or dummy)`);
        a.format = f;
        break;
      }
    }
  }
  return a;
}

function viewError(line: string): number {
  process.stderr.write(`Error: ${line}\n`);
  return 1;
}

/** `-e CMD`: runs CMD (split at spaces) with the trace directory appended. */
function runViewer(cmd: string, dirs: string[]): Promise<number> {
  const argv = cmd.split(' ').filter((x) => x !== '');
  if (argv.length === 0) return Promise.resolve(viewError('empty viewer command'));
  return new Promise((resolve) => {
    const child = spawn(argv[0]!, [...argv.slice(1), ...dirs], { stdio: 'inherit' });
    child.on('error', (e) => resolve(viewError(`Cannot run the viewer "${argv[0]}": ${(e as NodeJS.ErrnoException).code ?? e.message}`)));
    child.on('close', (code, signal) => resolve(code ?? (signal ? 128 + (osConstants.signals[signal] ?? 0) : 1)));
  });
}

/** the sessions the daemon knows, or undefined when no daemon runs */
async function daemonSessions(): Promise<SessionSummary[] | undefined> {
  try {
    return await withClient((c) => c.call('session.list', {}));
  } catch (e) {
    if (e instanceof CtlError && e.code === 'NO_SESSIOND') return undefined;
    throw e;
  }
}

/**
 * \`ttng view\` with lttng's session forms: resolves SESSION / no argument / -t,
 * refuses a session that records, and runs the built-in viewer or \`-e CMD\`.
 */
export async function runViewCommand(a: ViewArgs): Promise<number> {
  let dirs: string[];
  if (a.tracePath !== undefined) {
    if (a.paths.length) return viewError(`Unknown argument: ${a.paths[0]}`);
    dirs = [a.tracePath];
  } else {
    let session: string | undefined;
    if (a.paths.length === 0) {
      session = readCurrentSession();
      if (session === undefined) return viewError('no trace path given');
    } else if (a.paths.length === 1 && !fs.existsSync(a.paths[0]!) && !a.paths[0]!.includes('/')) {
      // not a path: a session name, when a daemon knows it
      const list = await daemonSessions();
      if (list?.some((s) => s.name === a.paths[0])) session = a.paths[0];
    }
    if (session === undefined) dirs = a.paths;
    else {
      const list = await daemonSessions();
      if (list === undefined) return viewError(`Unable to list sessions. Session name ${session} not found. Is there a session daemon running?`);
      const s = list.find((x) => x.name === session);
      if (!s) return viewError(`Session name ${session} not found`);
      if (s.active) {
        process.stderr.write(`Warning: Session ${session} is running. Please stop it before reading it.\n`);
        return 1;
      }
      if (!s.outputPath) return viewError(`Session ${session} has no local output`);
      // (the daemon makes the output folder at create: an empty one is a session never started)
      const missing = !fs.existsSync(s.outputPath);
      if (missing || fs.readdirSync(s.outputPath).length === 0) {
        return viewError(`Session ${session} has no trace yet (${s.outputPath} ${missing ? 'does not exist' : 'is empty'}): start it first`);
      }
      dirs = [s.outputPath];
    }
  }
  if (a.viewer !== undefined) return runViewer(a.viewer, dirs);
  return runView({ ...a, paths: dirs });
}

/** Runs the view; returns the exit status. Errors go to stderr as one line. */
export function runView(a: ViewArgs): number {
  const out = new FdWriter(1);
  const err = new FdWriter(2, 4096, true);
  if (a.begin !== undefined) checkTimeBound(a.begin);
  if (a.end !== undefined) checkTimeBound(a.end);
  const opened = openInputs(a.paths);
  const text = a.format === 'text';
  const it = messageIterator(opened, { wantText: text, begin: a.begin, end: a.end, gmt: a.pretty.clock.gmt });
  for (const t of opened.traces) t.textOpts = textOptionsFor(a.pretty);
  const pp = new PrettyPrinter(a.pretty, opened.baseNs);
  try {
    for (;;) {
      const m = it.next();
      if (m === 'end') break;
      // files read whole never say 'again'
      if (m === 'again') throw new Error('internal error: a trace read from files said "again"');
      if (m.kind !== 'event') {
        if (text) err.write(pp.discardedLine(m));
      } else if (text) pp.writeEvent(m.cursor, out);
      else if (a.format === 'json') out.write(eventJson(m.cursor, opened.baseNs) + '\n');
      // dummy: the cursor decodes (skips) the body when it moves on
      if (out.closed) break;
    }
  } finally {
    out.flush();
    err.flush();
  }
  return 0;
}
