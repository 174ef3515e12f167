// What the session verbs share: the verb interface, output with lttng's
// conventions (messages on stdout, `Error: …` and `Warning: …` on stderr),
// connecting to the session daemon, the current session.
import { writeAllSync } from './output.js';
import { TtngClient } from '../ctl/client.js';
import { CtlError } from '../ctl/protocol.js';
import type { SessionDetail } from '../ctl/protocol.js';
import { readCurrentSession, ttngPaths } from '../ctl/paths.js';
import { listOptions, parseOptions } from './args.js';
import type { OptionSpec, ParsedArgs } from './args.js';

export interface Verb {
  name: string;
  /** one line for `ttng --help` */
  summary: string;
  help: string;
  run(argv: string[]): Promise<number>;
}

/** A failure whose messages were already printed; carries the exit status. */
export class CliExit extends Error {
  constructor(readonly status: number) {
    super(`exit ${status}`);
  }
}

const closed = new Set<number>();

/** Writes synchronously; a closed pipe (`ttng list -k | head`) ends that output quietly. */
export function writeFd(fd: number, text: string): void {
  if (closed.has(fd)) return;
  if (!writeAllSync(fd, Buffer.from(text, 'utf8'))) closed.add(fd);
}

export function msg(line: string): void {
  writeFd(1, line + '\n');
}
/** without a newline (lttng's `_MSG`) */
export function msgPart(text: string): void {
  writeFd(1, text);
}
export function err(line: string): void {
  writeFd(2, `Error: ${line}\n`);
}
export function warn(line: string): void {
  writeFd(2, `Warning: ${line}\n`);
}

/** Parses a verb's options; prints help or the option list and returns undefined when asked. */
export function parseVerbArgs(verb: Verb, argv: string[], specs: OptionSpec[]): ParsedArgs | undefined {
  const a = parseOptions(verb.name, argv, specs);
  if (a === 'help') {
    writeFd(1, verb.help);
    return undefined;
  }
  if (a === 'list-options') {
    writeFd(1, listOptions(specs));
    return undefined;
  }
  return a;
}

/** Connects to the session daemon (starting one when `autostart`, as `lttng create` does). */
export function connect(autostart = false): Promise<TtngClient> {
  return TtngClient.connect({
    autostart,
    onSpawn: () => msg('Spawning a session daemon'),
  });
}

export async function withDaemon<T>(fn: (c: TtngClient) => Promise<T>, autostart = false): Promise<T> {
  const c = await connect(autostart);
  try {
    return await fn(c);
  } finally {
    c.close();
  }
}

/** The session a verb works on: its argument, else the current one (~/.ttngrc). */
export function sessionName(arg: string | undefined): string {
  if (arg !== undefined) return arg;
  const p = ttngPaths();
  const name = readCurrentSession(p.rcFile);
  if (name === undefined) {
    err(`Can't find valid ttng config ${p.rcFile}`);
    msg('Did you create a session? (ttng create <my_session>)');
    throw new CliExit(1);
  }
  return name;
}

/** the optional SESSION argument of a verb (default: the current session); more is an error */
export function sessionArg(positional: string[]): string {
  const [arg, leftover] = positional;
  if (leftover !== undefined) {
    err(`Unknown argument: ${leftover}`);
    throw new CliExit(1);
  }
  return sessionName(arg);
}

/** lttng's `get_session_stats_str`: the discarded-event / lost-packet warning, if any */
export function statsWarning(s: SessionDetail): string | undefined {
  if (s.snapshotMode) return undefined;
  let discarded = 0;
  let lost = 0;
  for (const d of s.domains) {
    for (const c of d.channels) {
      discarded += c.discardedEvents;
      lost += c.lostPackets;
    }
  }
  if (discarded > 0 && lost > 0) {
    return `Warning: ${discarded} events were discarded and ${lost} packets were lost, please refer to the documentation on channel configuration.`;
  }
  if (discarded > 0) return `Warning: ${discarded} events were discarded, please refer to the documentation on channel configuration.`;
  if (lost > 0) return `Warning: ${lost} packets were lost, please refer to the documentation on channel configuration.`;
  return undefined;
}

/** Runs a verb body, turning errors into lttng-like one-liners and an exit status. */
export async function guard(fn: () => Promise<number>): Promise<number> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof CliExit) return e.status;
    if (e instanceof CtlError) {
      err(e.message);
      return 1;
    }
    throw e;
  }
}

/** The domain a verb's -k/-u/-j/-l/-p flags name (the kernel or user space; the agents are not supported). */
export function domainOf(a: ParsedArgs, agents: boolean): 'kernel' | 'ust' {
  const has = (l: string): boolean => a.opts.has(l);
  const n = ['kernel', 'userspace', 'jul', 'log4j', 'python'].filter(has).length;
  if (n === 0) {
    err(`Please specify a domain (--kernel/--userspace${agents ? '/--jul/--log4j/--python' : ''}).`);
    throw new CliExit(1);
  }
  if (n > 1) {
    err('Only one domain must be specified.');
    throw new CliExit(1);
  }
  if (has('kernel')) return 'kernel';
  if (has('userspace')) return 'ust';
  const which = has('jul') ? 'JUL (-j)' : has('log4j') ? 'log4j (-l)' : 'Python (-p)';
  err(`The ${which} domain is not supported yet: ttng traces the kernel (-k) and user space (-u)`);
  throw new CliExit(1);
}

export const DOMAIN_OPTIONS: OptionSpec[] = [
  { long: 'kernel', short: 'k' },
  { long: 'userspace', short: 'u' },
  { long: 'jul', short: 'j' },
  { long: 'log4j', short: 'l' },
  { long: 'python', short: 'p' },
];
