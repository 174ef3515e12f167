// ttng-relayd's command line (pure): lttng-relayd(8)'s options, with ttng's defaults
// (every port on the loopback interface unless an address is given; traces under
// ~/ttng-traces, moved by TTNG_HOME as for the session daemon).
import * as path from 'node:path';
import type { GroupBy } from './names.js';

export const DEFAULT_CONTROL_PORT = 5342;
export const DEFAULT_DATA_PORT = 5343;
export const DEFAULT_LIVE_PORT = 5344;

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
  -C, --control-port=URL   Control port URL (default tcp://127.0.0.1:${DEFAULT_CONTROL_PORT})
  -D, --data-port=URL      Data port URL (default tcp://127.0.0.1:${DEFAULT_DATA_PORT})
  -L, --live-port=URL      Live viewer port URL (default tcp://127.0.0.1:${DEFAULT_LIVE_PORT})
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

export function parseRelaydArgs(argv: string[], env: { tracesDir: string; cwd: string }): RelaydArgs | 'help' | 'version' {
  const a: RelaydArgs = {
    control: { host: '127.0.0.1', port: DEFAULT_CONTROL_PORT },
    data: { host: '127.0.0.1', port: DEFAULT_DATA_PORT },
    live: { host: '127.0.0.1', port: DEFAULT_LIVE_PORT },
    output: env.tracesDir,
    groupBy: 'host',
    daemonize: false,
    keepCwd: false,
    verbosity: 0,
  };
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i]!;
    let val: string | undefined;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      if (eq > 0) [arg, val] = [arg.slice(0, eq), arg.slice(eq + 1)];
    } else if (/^-[CDLo].+/.test(arg)) {
      [arg, val] = [arg.slice(0, 2), arg.slice(2)];
    } else if (/^-v+$/.test(arg)) {
      a.verbosity += arg.length - 1;
      continue;
    }
    const need = (): string => {
      if (val !== undefined) return val;
      const v = argv[++i];
      if (v === undefined) throw new ArgError(`option ${arg} needs a value`);
      return v;
    };
    switch (arg) {
      case '-h':
      case '--help':
        return 'help';
      case '-V':
      case '--version':
        return 'version';
      case '-C':
      case '--control-port':
        a.control = parseEndpoint(need(), DEFAULT_CONTROL_PORT);
        break;
      case '-D':
      case '--data-port':
        a.data = parseEndpoint(need(), DEFAULT_DATA_PORT);
        break;
      case '-L':
      case '--live-port':
        a.live = parseEndpoint(need(), DEFAULT_LIVE_PORT);
        break;
      case '-o':
      case '--output':
        a.output = path.resolve(env.cwd, need());
        break;
      case '-p':
      case '--group-output-by-host':
        a.groupBy = 'host';
        break;
      case '-s':
      case '--group-output-by-session':
        a.groupBy = 'session';
        break;
      case '-x':
      case '--disallow-clear':
        break;
      case '-d':
      case '--daemonize':
        a.daemonize = true;
        break;
      case '-b':
      case '--background':
        a.daemonize = true;
        a.keepCwd = true;
        break;
      case '--verbose':
        a.verbosity++;
        break;
      case '--ready-fd': {
        const n = Number(need());
        if (!Number.isInteger(n) || n < 3) throw new ArgError('--ready-fd needs a file descriptor number');
        a.readyFd = n;
        break;
      }
      default:
        throw new ArgError(arg.startsWith('-') ? `unknown option ${arg}` : `unexpected argument ${arg}`);
    }
  }
  return a;
}
