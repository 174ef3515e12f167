// `ttng enable-event -k [--tracepoint | --syscall] (-a | NAME[,NAME…])
// [--filter=EXPR] [-c CHANNEL] [-s SESSION]` and `ttng enable-event -u
// [--tracepoint] (-a | NAME[,NAME…]) [-x NAME,…] [--loglevel=L |
// --loglevel-only=L] [--filter=EXPR] [-c CHANNEL] [-s SESSION]` (lttng-enable-event(1)).
import { CtlError } from '../ctl/protocol.js';
import type { EventKind, LoglevelCriterion } from '../ctl/protocol.js';
import { parseLoglevel } from '../ctl/loglevels.js';
import type { TtngClient } from '../ctl/client.js';
import { flag, value } from './args.js';
import { CliExit, DOMAIN_OPTIONS, err, guard, domainOf, msg, parseVerbArgs, sessionName, warn, withDaemon } from './session-common.js';
import type { Verb } from './session-common.js';

const SPECS = [
  ...DOMAIN_OPTIONS,
  { long: 'session', short: 's', value: true },
  { long: 'all', short: 'a' },
  { long: 'channel', short: 'c', value: true },
  { long: 'tracepoint' },
  { long: 'syscall' },
  { long: 'probe', value: true },
  { long: 'userspace-probe', value: true },
  { long: 'function', value: true },
  { long: 'loglevel', value: true },
  { long: 'loglevel-only', value: true },
  { long: 'filter', short: 'f', value: true },
  { long: 'exclude', short: 'x', value: true },
];

const STARTED_MSG = 'The command tried to enable an event in a new domain for a session that has already been started once.';

export const enableEventVerb: Verb = {
  name: 'enable-event',
  summary: 'Create or enable event rules',
  help: `Usage: ttng enable-event -k [--tracepoint | --syscall] (-a | NAME[,NAME...])
                         [--filter=EXPR] [-c CHANNEL] [-s SESSION]
       ttng enable-event -u [--tracepoint] (-a | NAME[,NAME...])
                         [-x NAME[,NAME...]] [--loglevel=LEVEL | --loglevel-only=LEVEL]
                         [--filter=EXPR] [-c CHANNEL] [-s SESSION]

Create event rules (or enable disabled ones) in a channel of a recording
session. NAME is a tracepoint or system call name (user space:
\`provider:event\`), or a pattern with * wildcards. Without -c, the rules go to
channel0, which is created with the domain's defaults when missing. User-space
rules take effect in running apps at once.

Options:
  -k, --kernel              Kernel domain
  -u, --userspace           User-space domain (Node.js apps using ttng/ust)
  -a, --all                 Every tracepoint (with --tracepoint), every
                            system call (with --syscall), or both
      --tracepoint          NAME is a tracepoint (default)
      --syscall             NAME is a system call
  -f, --filter=EXPR         Record only the events for which EXPR is true
                            (LTTng's filter language: payload fields,
                            $ctx.NAME contexts, == != < <= > >=, && || !,
                            & | ^ ~ << >>, "glob*" strings)
  -x, --exclude=NAME,...    User space: names (or patterns) the NAME pattern
                            does not cover
      --loglevel=LEVEL      User space: events of LEVEL or more severe
                            (EMERG, ALERT, CRIT, ERR, WARNING, NOTICE, INFO,
                            DEBUG_SYSTEM ... DEBUG_LINE, DEBUG, or 0 to 14;
                            TRACE_ prefix optional)
      --loglevel-only=LEVEL User space: events of exactly LEVEL
  -c, --channel=CHANNEL     Channel (default: channel0)
  -s, --session=SESSION     Recording session (default: the current one)
  -h, --help                Show this help
`,
  run: (argv) =>
    guard(async () => {
      const a = parseVerbArgs(enableEventVerb, argv, SPECS);
      if (!a) return 0;
      const types = ['tracepoint', 'syscall', 'probe', 'userspace-probe', 'function'].filter((t) => flag(a, t));
      if (types.length > 1) {
        err('Multiple event type not supported.');
        return 1;
      }
      const domain = domainOf(a, true);
      if (domain === 'ust') return enableUst(a, types[0]);
      if (types[0] === 'probe' || types[0] === 'userspace-probe' || types[0] === 'function') {
        err(`--${types[0]} is not supported yet`);
        return 1;
      }
      const kind: EventKind | 'all' = types[0] === 'syscall' ? 'syscall' : types[0] === 'tracepoint' ? 'tracepoint' : 'all';
      if (flag(a, 'loglevel') || flag(a, 'loglevel-only')) warn('Kernel loglevels are not supported.');
      if (flag(a, 'exclude')) {
        err('Event name exclusions are not yet implemented for kernel events');
        return 1;
      }
      const { all, list, session, channel, filter, chanName } = eventTarget(a);
      return withDaemon(async (c) => {
        if (all) return enableAll(c, session, channel, kind, filter);
        let status = 0;
        for (const name of list!.split(',').filter((n) => n !== '')) {
          try {
            await c.call('event.enable', { session, domain: 'kernel', channel, kind, name, filter });
            if (filter === undefined) msg(`kernel event ${name} created in channel ${chanName}`);
            else msg(`Event ${name}: Filter '${filter}' successfully set`);
          } catch (e) {
            if (!(e instanceof CtlError)) throw e;
            status = 1;
            const where = (code: string): string =>
              `(channel ${code === 'NEED_CHANNEL_NAME' ? (channel ?? '<default>') : chanName}, session ${session}${filter !== undefined ? `, filter '${filter}'` : ''})`;
            if (e.code === 'KERN_EVENT_EXIST') {
              if (filter === undefined) warn(`Kernel event ${name} already enabled (channel ${chanName}, session ${session})`);
              else warn(`Filter on event ${name} is already enabled (channel ${chanName}, session ${session})`);
            } else if (e.code === 'TRACE_ALREADY_STARTED') err(`Event ${name}: ${STARTED_MSG} ${where(e.code)}`);
            else err(`Event ${name}: ${e.message} ${where(e.code)}`);
          }
        }
        return status;
      });
    }),
};

async function enableAll(c: TtngClient, session: string, channel: string | undefined, kind: EventKind | 'all', filter: string | undefined): Promise<number> {
  const chanName = channel ?? 'channel0';
  try {
    await c.call('event.enable', { session, domain: 'kernel', channel, kind, name: '*', filter });
  } catch (e) {
    if (!(e instanceof CtlError)) throw e;
    const ch = e.code === 'NEED_CHANNEL_NAME' ? (channel ?? '<default>') : chanName;
    if (filter === undefined) {
      if (e.code === 'KERN_EVENT_EXIST') warn(`Kernel events already enabled (channel ${chanName}, session ${session})`);
      else err(`Events: ${e.code === 'TRACE_ALREADY_STARTED' ? STARTED_MSG : e.message} (channel ${ch}, session ${session})`);
    } else if (e.code === 'KERN_EVENT_EXIST') {
      warn(`Filter on all events is already enabled (channel ${chanName}, session ${session})`);
    } else {
      err(`All events: ${e.code === 'TRACE_ALREADY_STARTED' ? STARTED_MSG : e.message} (channel ${ch}, session ${session}, filter '${filter}')`);
    }
    return 1;
  }
  if (filter !== undefined) msg(`Filter '${filter}' successfully set`);
  else if (kind === 'tracepoint') msg(`All kernel tracepoints are enabled in channel ${chanName}`);
  else if (kind === 'syscall') msg(`All kernel system calls are enabled in channel ${chanName}`);
  else msg(`All kernel events are enabled in channel ${chanName}`);
  return 0;
}

/** what both domains read from the command line: `-a` or the event list, the session, channel and filter */
function eventTarget(a: Parameters<typeof flag>[0]): { all: boolean; list: string | undefined; session: string; channel: string | undefined; filter: string | undefined; chanName: string } {
  const all = flag(a, 'all');
  const [list, leftover] = a.positional;
  if (list === undefined && !all) {
    err('Missing event name(s).');
    throw new CliExit(1);
  }
  if (leftover !== undefined || (all && list !== undefined)) {
    err(`Unknown argument: ${leftover ?? list}`);
    throw new CliExit(1);
  }
  const channel = value(a, 'channel');
  return { all, list, session: sessionName(value(a, 'session')), channel, filter: value(a, 'filter'), chanName: channel ?? 'channel0' };
}

/** `enable-event -u` */
async function enableUst(a: Parameters<typeof flag>[0], type: string | undefined): Promise<number> {
  if (type !== undefined && type !== 'tracepoint') {
    err('Event type not available for user-space tracing');
    return 1;
  }
  if (flag(a, 'loglevel') && flag(a, 'loglevel-only')) {
    err('Only one of --loglevel and --loglevel-only may be given.');
    return 1;
  }
  let loglevel: LoglevelCriterion | undefined;
  const llText = value(a, 'loglevel') ?? value(a, 'loglevel-only');
  if (llText !== undefined) {
    const level = parseLoglevel(llText);
    if (level === undefined) {
      err(`Unknown loglevel ${llText}`);
      return 1;
    }
    loglevel = { type: flag(a, 'loglevel') ? 'range' : 'single', level };
  }
  const exclusions = flag(a, 'exclude') ? value(a, 'exclude')!.split(',').filter((x) => x !== '') : undefined;
  const { all, list, session, channel, filter, chanName } = eventTarget(a);
  const names = all ? ['*'] : list!.split(',').filter((n) => n !== '');
  return withDaemon(async (c) => {
    let status = 0;
    for (const name of names) {
      const label = all ? 'Events' : `Event ${name}`;
      try {
        const r = await c.call('event.enable', { session, domain: 'ust', channel, kind: 'tracepoint', name, filter, loglevel, exclusions });
        for (const w of r.warnings ?? []) warn(`${label}: ${w}`);
        if (filter !== undefined) msg(all ? `Filter '${filter}' successfully set` : `Event ${name}: Filter '${filter}' successfully set`);
        else if (all) {
          const excl = exclusions?.length ? ` excluding ${exclusions.map((x) => `"${x}"`).join(', ')}` : '';
          msg(`All ust events${excl} are enabled in channel ${chanName}${llText !== undefined ? ` for loglevel ${llText}` : ''}`);
        }
        else if (exclusions?.length) msg(`ust event ${name} excluding ${exclusions.map((x) => `"${x}"`).join(', ')} created in channel ${chanName}`);
        else msg(`ust event ${name} created in channel ${chanName}`);
      } catch (e) {
        if (!(e instanceof CtlError)) throw e;
        status = 1;
        const ch = e.code === 'NEED_CHANNEL_NAME' ? (channel ?? '<default>') : chanName;
        if (e.code === 'EXCLUSION_INVAL' && /globbing/.test(e.message)) err(`${label}: ${e.message}`);
        else if (e.code === 'TRACE_ALREADY_STARTED') err(`${label}: ${STARTED_MSG} (channel ${ch}, session ${session})`);
        else err(`${label}: ${e.message} (channel ${ch}, session ${session}${filter !== undefined ? `, filter '${filter}'` : ''})`);
      }
    }
    return status;
  });
}
