// ttng-relayd's command line (pure): lttng-relayd(8)'s options, with ttng's defaults
// (every port on the loopback interface unless an address is given; traces under
// ~/ttng-traces, moved by TTNG_HOME as for the session daemon).
import * as path from 'node:path';
import type { GroupBy } from './names.js';

/** LTTng's ports (configure.ac) */
export const DEFAULT_PORTS = { control: 5342, data: 5343, live: 5344 } as const;

export interface Endpoint {
  host: string;
  port: number;
}

export interface RelaydArgs {
  control: Endpoint;
  data: Endpoint;
  live: Endpoint;
  /** absolute */
  output: string;
  groupBy: GroupBy;
  daemonize: boolean;
  /** -b: daemonize but keep the working directory */
  keepCwd: boolean;
  verbosity: number;
  /** internal: the fd a daemonized child reports readiness on */
  readyFd?: number;
}

export const RELAYD_HELP = `Usage: ttng-relayd [OPTIONS]

The ttng relay daemon: receives traces that session daemons (ttng-sessiond or
LTTng's lttng-sessiond) stream over the network, writes them in LTTng's layout,
and serves them to live viewers (babeltrace2 --input-format=lttng-live,
\`ttng view net://…\`). It speaks LTTng 2.13's relay and live protocols.

Unlike lttng-relayd, every port listens on the loopback interface (127.0.0.1)
unless an address is given: to receive traces from other hosts, give one, for
example -C tcp://0.0.0.0:5342 -D tcp://0.0.0.0:5343.

Options:
  -C, --control-port=URL   Control port URL (default tcp://127.0.0.1:${DEFAULT_PORTS.control})
  -D, --data-port=URL      Data port URL (default tcp://127.0.0.1:${DEFAULT_PORTS.data})
  -L, --live-port=URL      Live viewer port URL (default tcp://127.0.0.1:${DEFAULT_PORTS.live})
                           URL: tcp://ADDR[:PORT] or tcp6://[ADDR][:PORT]; port 0
                           picks a free one (printed with -v)
  -o, --output=DIR         Output directory (default ~/ttng-traces;
                           $TTNG_HOME/ttng-traces when TTNG_HOME is set)
  -p, --group-output-by-host
                           OUTPUT/HOSTNAME/SESSION-DATETIME/… (default)
  -s, --group-output-by-session
                           OUTPUT/SESSION/HOSTNAME-DATETIME/…
  -x, --disallow-clear     Refuse \`clear\` (always: this relay does not clear)
  -d, --daemonize          Start in the background (log in ~/.ttng/relayd.log)
                           and return once the ports listen
  -b, --background         Same as --daemonize, keeping the working directory
  -v, --verbose            More messages (-vv: every command)
  -V, --version            Print the version and exit
  -h, --help               Show this help
`;

export class ArgError extends Error {}

/** `tcp://ADDR[:PORT]`, `tcp6://[ADDR][:PORT]` (also `net://`, `net6://`, as LTTng's URI parser) */
export function parseEndpoint(url: string, defaultPort: number): Endpoint {
  const m = /^(tcp|tcp4|tcp6|net|net4|net6):\/\/(\[[^\]]*\]|[^:/[\]]*)(?::(\d+))?\/?$/.exec(url);
  if (!m) throw new ArgError(`invalid URL ${JSON.stringify(url)} (expected tcp://ADDR[:PORT])`);
  let host = m[2]!;
  const v6 = m[1]!.endsWith('6') || host.startsWith('[');
  if (host.startsWith('[')) host = host.slice(1, -1);
  if (host === '') host = v6 ? '::1' : '127.0.0.1';
  if (host === 'localhost') host = v6 ? '::1' : '127.0.0.1';
  const port = m[3] === undefined ? defaultPort : Number(m[3]);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ArgError(`invalid port in ${JSON.stringify(url)}`);
  return { host, port };
}

/** one option: its names, and what it does to the arguments (with its value when it takes one) */
interface OptionSpec {
  names: readonly string[];
  value?: true;
  apply(a: RelaydArgs, value: string, cwd: string): RelaydArgs | 'help' | 'version';
}

const OPTIONS: readonly OptionSpec[] = [
  { names: ['-h', '--help'], apply: () => 'help' },
  { names: ['-V', '--version'], apply: () => 'version' },
  { names: ['-C', '--control-port'], value: true, apply: (a, v) => ({ ...a, control: parseEndpoint(v, DEFAULT_PORTS.control) }) },
  { names: ['-D', '--data-port'], value: true, apply: (a, v) => ({ ...a, data: parseEndpoint(v, DEFAULT_PORTS.data) }) },
  { names: ['-L', '--live-port'], value: true, apply: (a, v) => ({ ...a, live: parseEndpoint(v, DEFAULT_PORTS.live) }) },
  { names: ['-o', '--output'], value: true, apply: (a, v, cwd) => ({ ...a, output: path.resolve(cwd, v) }) },
  { names: ['-p', '--group-output-by-host'], apply: (a) => ({ ...a, groupBy: 'host' }) },
  { names: ['-s', '--group-output-by-session'], apply: (a) => ({ ...a, groupBy: 'session' }) },
  // clear is never allowed here (see chunks.ts): accepted for lttng-relayd's command lines
  { names: ['-x', '--disallow-clear'], apply: (a) => a },
  { names: ['-d', '--daemonize'], apply: (a) => ({ ...a, daemonize: true }) },
  { names: ['-b', '--background'], apply: (a) => ({ ...a, daemonize: true, keepCwd: true }) },
  { names: ['--verbose'], apply: (a) => ({ ...a, verbosity: a.verbosity + 1 }) },
  {
    names: ['--ready-fd'],
    value: true,
    apply: (a, v) => {
      const fd = Number(v);
      if (!Number.isInteger(fd) || fd < 3) throw new ArgError('--ready-fd needs a file descriptor number');
      return { ...a, readyFd: fd };
    },
  },
];

/**
 * The arguments, lttng-relayd's way: `--name=VALUE` or `--name VALUE`, `-C VALUE` or
 * `-CVALUE`, `-v` repeated or grouped (`-vv`).
 */
export function parseRelaydArgs(argv: string[], env: { tracesDir: string; cwd: string }): RelaydArgs | 'help' | 'version' {
  let a: RelaydArgs = {
    control: { host: '127.0.0.1', port: DEFAULT_PORTS.control },
    data: { host: '127.0.0.1', port: DEFAULT_PORTS.data },
    live: { host: '127.0.0.1', port: DEFAULT_PORTS.live },
    output: env.tracesDir,
    groupBy: 'host',
    daemonize: false,
    keepCwd: false,
    verbosity: 0,
  };
  const queue = [...argv];
  while (queue.length > 0) {
    const word = queue.shift()!;
    if (/^-v+$/.test(word)) {
      a = { ...a, verbosity: a.verbosity + word.length - 1 };
      continue;
    }
    const long = word.startsWith('--') && word.includes('=');
    const name = long ? word.slice(0, word.indexOf('=')) : /^-[A-Za-z]./.test(word) ? word.slice(0, 2) : word;
    const spec = OPTIONS.find((o) => o.names.includes(name));
    if (!spec) throw new ArgError(word.startsWith('-') ? `unknown option ${name}` : `unexpected argument ${word}`);
    const attached = long ? word.slice(name.length + 1) : name !== word ? word.slice(2) : undefined;
    if (!spec.value && attached !== undefined) throw new ArgError(`option ${name} takes no value`);
    const value = spec.value ? (attached ?? queue.shift()) : '';
    if (value === undefined) throw new ArgError(`option ${name} needs a value`);
    const next = spec.apply(a, value, env.cwd);
    if (typeof next === 'string') return next;
    a = next;
  }
  return a;
}
