// ttng-relayd: the relay daemon's process — options, daemonizing, signals.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { getUid, ttngPaths } from '../ctl/paths.js';
import { VERSION } from '../ctl/version.js';
import { Log } from './log.js';
import { ArgError, RELAYD_HELP, parseRelaydArgs, type Endpoint, type RelaydArgs } from './options.js';
import { Relay } from './server.js';

export const RELAYD_LOG_NAME = 'relayd.log';

function errorExit(msg: string): never {
  process.stderr.write(`Error: ${msg}\n`);
  process.exit(1);
}

const url = (e: Endpoint): string => `tcp://${e.host.includes(':') ? `[${e.host}]` : e.host}:${e.port}`;

/** the arguments of the daemon child: everything resolved, so that its working directory does not matter */
function childArgs(a: RelaydArgs): string[] {
  const out = [`--control-port=${url(a.control)}`, `--data-port=${url(a.data)}`, `--live-port=${url(a.live)}`, `--output=${a.output}`];
  out.push(a.groupBy === 'session' ? '--group-output-by-session' : '--group-output-by-host');
  for (let i = 0; i < a.verbosity; i++) out.push('--verbose');
  return out;
}

/** `-d`: starts the relay detached, returns once it listens (or says why it could not) */
function daemonize(a: RelaydArgs): void {
  const runDir = ttngPaths(getUid()).runDir;
  const logFile = path.join(runDir, RELAYD_LOG_NAME);
  let logFd: number;
  try {
    fs.mkdirSync(runDir, { recursive: true, mode: 0o700 });
    logFd = fs.openSync(logFile, 'a', 0o640);
  } catch (e) {
    errorExit(`cannot open ${logFile}: ${(e as Error).message}`);
  }
  const child = spawn(process.execPath, [...process.execArgv, process.argv[1]!, ...childArgs(a), '--ready-fd', '3'], {
    detached: true,
    cwd: a.keepCwd ? process.cwd() : '/',
    stdio: ['ignore', logFd, logFd, 'pipe'],
    env: process.env,
  });
  fs.closeSync(logFd);
  const pipe = child.stdio[3] as NodeJS.ReadableStream;
  let msg = '';
  let done = false;
  const finish = (code?: number | null): void => {
    if (done) return;
    done = true;
    const line = msg.split('\n')[0] ?? '';
    if (line.startsWith('ready')) {
      process.stdout.write(`${line.slice(6)}\n`);
      child.unref();
      (pipe as unknown as { destroy(): void }).destroy();
      process.exit(0);
    }
    if (line.startsWith('error: ')) errorExit(line.slice(7));
    errorExit(`the relay daemon exited during its start (status ${code ?? '?'}); see ${logFile}`);
  };
  pipe.setEncoding('utf8');
  pipe.on('data', (d: string) => {
    msg += d;
    if (msg.includes('\n')) finish();
  });
  child.on('exit', (code) => setTimeout(() => finish(code), 50));
  child.on('error', (e) => errorExit(`cannot start the relay daemon: ${e.message}`));
}

export async function main(argv: string[]): Promise<void> {
  let a: RelaydArgs | 'help' | 'version';
  try {
    a = parseRelaydArgs(argv, { tracesDir: ttngPaths(getUid()).tracesDir, cwd: process.cwd() });
  } catch (e) {
    if (e instanceof ArgError) errorExit(`${e.message} (see ttng-relayd --help)`);
    throw e;
  }
  if (a === 'help') return void process.stdout.write(RELAYD_HELP);
  if (a === 'version') return void process.stdout.write(`ttng-relayd ${VERSION}\n`);
  if (a.daemonize) return daemonize(a);
  const args = a;
  const ready = (line: string): void => {
    if (args.readyFd === undefined) return;
    try {
      fs.writeSync(args.readyFd, `${line}\n`);
      fs.closeSync(args.readyFd);
    } catch {
      /* the parent is gone */
    }
    args.readyFd = undefined;
  };
  const log = new Log(a.verbosity);
  const relay = new Relay({ control: a.control, data: a.data, live: a.live, output: a.output, groupBy: a.groupBy, log });
  let bound;
  try {
    bound = await relay.start();
  } catch (e) {
    const msg = `cannot listen: ${(e as Error).message}`;
    ready(`error: ${msg}`);
    errorExit(msg);
  }
  const where = `control ${url(bound.control)}, data ${url(bound.data)}, live ${url(bound.live)}, output ${a.output}`;
  // one line tests and scripts can read the bound ports from (with port 0)
  log.line('info', `listening: ${where}`);
  ready(`ready ${where}`);
  let stopping = false;
  const stop = (sig: string): void => {
    if (stopping) return;
    stopping = true;
    const c = log.counters;
    log.info(`${sig}: stopping (write errors ${c.writeErrors}, protocol errors ${c.protocolErrors}, refused names ${c.refusedNames}, dropped packets ${c.droppedPackets})`);
    void relay.stop().then(() => process.exit(0));
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}
