// ttng-sessiond: the session daemon. Owns the tracing sessions; `ttng` and
// programs using `ttng/ctl` control it through a unix socket.
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { getUid, tracingGid, ttngPaths, TRACING_GROUP } from '../ctl/paths.js';
import type { TtngPaths } from '../ctl/paths.js';
import { SessionManager } from './sessions.js';
import { ControlServer } from './server.js';
import { kernelBackend } from './kernel-domain.js';
import { countsText, startReaper } from './reaper.js';
import { removeStaleShm } from '../ust-consumer/apps.js';
import { VERSION } from '../ctl/version.js';

export const SESSIOND_HELP = `Usage: ttng-sessiond [OPTIONS]

The ttng session daemon: it owns the recording sessions that \`ttng\` and
programs using \`ttng/ctl\` create and control. \`ttng create\` starts one when
none runs.

Run by root, it listens on ${path.join('/run/ttng', 'sessiond.sock')}, which only root and
members of the "tracing" group may use, and may trace the kernel. Run by any
other user, it listens on ~/.ttng/sessiond.sock and serves that user only.
TTNG_HOME=DIR moves the socket to DIR/.ttng/, the default trace output to
DIR/ttng-traces/ and saved sessions to DIR/.ttng/sessions/.

Apps using ttng/ust connect to the same socket (one connection per thread)
and get their tracing state pushed on it; the daemon reads their buffers
(/dev/shm/ttng-ust-*) and removes those of dead apps when it starts.

Options:
  -d, --daemonize        Start in the background (detached, messages in the
                         log file beside the socket) and return once it listens
  -b, --background       Same as --daemonize, keeping the working directory
  -g, --group=GROUP      Group allowed to use the root daemon (default: tracing)
  -q, --quiet            Log nothing
  -V, --version          Print the version and exit
  -h, --help             Show this help
`;

interface Args {
  daemonize: boolean;
  keepCwd: boolean;
  group: string;
  quiet: boolean;
  readyFd?: number;
}

class ArgError extends Error {}

function parseArgs(argv: string[]): Args | 'help' | 'version' {
  const a: Args = { daemonize: false, keepCwd: false, group: TRACING_GROUP, quiet: false };
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
      case '-d':
      case '--daemonize':
        a.daemonize = true;
        break;
      case '-b':
      case '--background':
        a.daemonize = true;
        a.keepCwd = true;
        break;
      case '-g':
      case '--group':
        a.group = need();
        break;
      case '-q':
      case '--quiet':
        a.quiet = true;
        break;
      case '--ready-fd': {
        const n = Number(need());
        if (!Number.isInteger(n) || n < 3) throw new ArgError('--ready-fd needs a file descriptor number');
        a.readyFd = n;
        break;
      }
      default:
        throw new ArgError(arg.startsWith('-') ? `Unknown option: ${arg}` : `Unknown argument: ${arg}`);
    }
  }
  return a;
}

function errorExit(msg: string): never {
  process.stderr.write(`Error: ${msg}\n`);
  process.exit(1);
}

function makeRunDir(p: TtngPaths, uid: number): void {
  // root's directory must let `tracing` members reach the socket (the socket's
  // own mode keeps everyone else out); a user's is private
  fs.mkdirSync(p.runDir, { recursive: true, mode: uid === 0 ? 0o755 : 0o700 });
}

/** pid of a live daemon recorded in the pid file, or undefined */
function livePid(pidFile: string): number | undefined {
  let pid: number;
  try {
    pid = Number(fs.readFileSync(pidFile, 'utf8').trim());
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return undefined;
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return undefined;
  }
  // a recycled pid is not a daemon
  try {
    const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    if (!/sessiond/.test(cmd)) return undefined;
  } catch {
    /* no /proc: trust kill(0) */
  }
  return pid;
}

function socketAnswers(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createConnection({ path: socketPath });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** Takes the pid file (exclusive), or throws when another daemon owns it. */
function takePidFile(pidFile: string): void {
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      const fd = fs.openSync(pidFile, 'wx', 0o644);
      fs.writeSync(fd, `${process.pid}\n`);
      fs.closeSync(fd);
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const other = livePid(pidFile);
    if (other !== undefined) throw new Error(`A session daemon is already running (pid ${other})`);
    try {
      fs.unlinkSync(pidFile); // stale: its daemon died
    } catch {
      /* someone else removed it */
    }
  }
  throw new Error(`Cannot take ${pidFile}`);
}

/** `-d`: starts the daemon detached and returns once it listens. */
function daemonize(argv: string[], keepCwd: boolean): void {
  const uid = getUid();
  const p = ttngPaths(uid);
  try {
    makeRunDir(p, uid);
  } catch (e) {
    errorExit(`Cannot create ${p.runDir}: ${(e as Error).message}`);
  }
  let logFd: number;
  try {
    try {
      if (fs.statSync(p.logFile).size > 1 << 20) fs.truncateSync(p.logFile, 0);
    } catch {
      /* no log yet */
    }
    logFd = fs.openSync(p.logFile, 'a', 0o640);
  } catch (e) {
    errorExit(`Cannot open ${p.logFile}: ${(e as Error).message}`);
  }
  const args = argv.filter((a) => a !== '-d' && a !== '--daemonize' && a !== '-b' && a !== '--background');
  const child = spawn(process.execPath, [...process.execArgv, process.argv[1]!, ...args, '--ready-fd', '3'], {
    detached: true,
    cwd: keepCwd ? process.cwd() : '/',
    stdio: ['ignore', logFd, logFd, 'pipe'],
    env: process.env,
  });
  fs.closeSync(logFd);
  const pipe = child.stdio[3] as NodeJS.ReadableStream;
  let msg = '';
  pipe.setEncoding('utf8');
  pipe.on('data', (d: string) => {
    msg += d;
    if (msg.includes('\n')) finish();
  });
  let done = false;
  const finish = (code?: number | null): void => {
    if (done) return;
    done = true;
    const line = msg.split('\n')[0] ?? '';
    if (line === 'ready') {
      child.unref();
      (pipe as unknown as { destroy(): void }).destroy();
      process.exit(0);
    }
    if (line.startsWith('error: ')) errorExit(line.slice(7));
    errorExit(`The session daemon exited during its start (status ${code ?? '?'}); see ${p.logFile}`);
  };
  child.on('exit', (code) => setTimeout(() => finish(code), 50));
  child.on('error', (e) => errorExit(`Cannot start the session daemon: ${e.message}`));
}

export async function main(argv: string[]): Promise<void> {
  let a: Args | 'help' | 'version';
  try {
    a = parseArgs(argv);
  } catch (e) {
    if (e instanceof ArgError) errorExit(e.message);
    throw e;
  }
  if (a === 'help') {
    process.stdout.write(SESSIOND_HELP);
    return;
  }
  if (a === 'version') {
    process.stdout.write(`ttng-sessiond ${VERSION}\n`);
    return;
  }
  if (a.daemonize) {
    daemonize(argv, a.keepCwd);
    return;
  }
  const args = a;
  const ready = (line: string): void => {
    if (args.readyFd === undefined) return;
    try {
      fs.writeSync(args.readyFd, line + '\n');
      fs.closeSync(args.readyFd);
    } catch {
      /* the parent is gone */
    }
    args.readyFd = undefined;
  };
  const fail = (msg: string): never => {
    ready(`error: ${msg}`);
    errorExit(msg);
  };

  const uid = getUid();
  const paths = ttngPaths(uid);
  const log = (msg: string): void => {
    if (!args.quiet) process.stderr.write(`${new Date().toISOString()} ttng-sessiond[${process.pid}]: ${msg}\n`);
  };

  try {
    makeRunDir(paths, uid);
  } catch (e) {
    fail(`Cannot create ${paths.runDir}: ${(e as Error).message}`);
  }
  try {
    takePidFile(paths.pidFile);
  } catch (e) {
    fail((e as Error).message);
  }
  let ownsSocket = false;
  const cleanupFiles = (): void => {
    if (ownsSocket) {
      try {
        fs.unlinkSync(paths.socket);
      } catch {
        /* gone */
      }
    }
    try {
      if (fs.readFileSync(paths.pidFile, 'utf8').trim() === String(process.pid)) fs.unlinkSync(paths.pidFile);
    } catch {
      /* gone */
    }
  };

  if (fs.existsSync(paths.socket)) {
    if (await socketAnswers(paths.socket)) {
      cleanupFiles();
      fail(`A session daemon is already listening on ${paths.socket}`);
    }
    try {
      fs.unlinkSync(paths.socket); // stale: left by a daemon that was killed
      log(`removed the stale socket ${paths.socket}`);
    } catch {
      /* gone */
    }
  }

  const daemonId = String(process.pid);
  if (uid === 0) {
    const b = await kernelBackend();
    if (b instanceof Error) log(`kernel tracer: ${b.message}`);
    else {
      try {
        const n = b.cleanupStaleInstances();
        if (n.instances + n.uprobes > 0) log(`removed ${countsText(n)} left by a daemon that died`);
      } catch (e) {
        log(`cleaning stale ftrace instances failed: ${(e as Error).message}`);
      }
    }
  }

  const staleShm = removeStaleShm();
  if (staleShm > 0) log(`removed ${staleShm} user-space buffer(s) left by apps that died`);

  const manager = new SessionManager({ uid, daemonId, paths, log });
  const server = new ControlServer(manager, log);
  const oldMask = process.umask(0o077);
  try {
    await server.listen(paths.socket);
    ownsSocket = true;
  } catch (e) {
    process.umask(oldMask);
    cleanupFiles();
    fail(`Cannot listen on ${paths.socket}: ${(e as Error).message}`);
  }
  process.umask(oldMask);
  if (uid === 0) {
    const gid = tracingGid(args.group);
    try {
      if (gid !== undefined) {
        fs.chownSync(paths.socket, 0, gid);
        fs.chmodSync(paths.socket, 0o660);
      } else fs.chmodSync(paths.socket, 0o600);
    } catch (e) {
      log(`cannot set the socket's group: ${(e as Error).message}`);
    }
  } else fs.chmodSync(paths.socket, 0o600);

  let stopping = false;
  const shutdown = async (why: string, code: number): Promise<void> => {
    if (stopping) return;
    stopping = true;
    log(`${why}: destroying the sessions and exiting`);
    const force = setTimeout(() => {
      cleanupFiles();
      process.exit(code);
    }, 15_000);
    force.unref();
    try {
      await server.close();
      await manager.destroyAll();
    } catch (e) {
      log(`shutdown: ${(e as Error).message}`);
    }
    cleanupFiles();
    process.exit(code);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM', 0));
  process.on('SIGINT', () => void shutdown('SIGINT', 0));
  process.on('SIGHUP', () => void shutdown('SIGHUP', 0));
  process.on('SIGPIPE', () => undefined);
  // a tracer's failure must not take the other sessions down: log it and carry on
  process.on('uncaughtException', (e) => {
    log(`uncaught exception: ${e.stack ?? e.message}`);
  });
  process.on('unhandledRejection', (e) => {
    log(`unhandled rejection: ${(e as Error)?.stack ?? String(e)}`);
  });

  log(`ttng-sessiond ${VERSION} listening on ${paths.socket} (uid ${uid})`);
  ready('ready');
  // after ready(): the reaper must not inherit the --ready-fd pipe
  if (uid === 0) startReaper(await kernelBackend(), { quiet: args.quiet, log });
}
