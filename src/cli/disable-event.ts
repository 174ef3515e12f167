// `ttng disable-event (-k | -u) [--tracepoint | --syscall | --all] (-a | NAME[,NAME…])
// [-c CHANNEL] [-s SESSION]` (lttng-disable-event(1)).
import { CtlError } from '../ctl/protocol.js';
import type { EventKind } from '../ctl/protocol.js';
import { flag, value } from './args.js';
import { DOMAIN_OPTIONS, err, guard, domainOf, msg, parseVerbArgs, sessionName, withDaemon } from './session-common.js';
import type { Verb } from './session-common.js';

const SPECS = [
  ...DOMAIN_OPTIONS,
  { long: 'session', short: 's', value: true },
  { long: 'all-events', short: 'a' },
  { long: 'channel', short: 'c', value: true },
  { long: 'tracepoint' },
  { long: 'syscall' },
  { long: 'probe' },
  { long: 'function' },
  { long: 'all' },
];

export const disableEventVerb: Verb = {
  name: 'disable-event',
  summary: 'Disable event rules',
  help: `Usage: ttng disable-event (-k | -u) [--tracepoint | --syscall | --all]
                          (-a | NAME[,NAME...]) [-c CHANNEL] [-s SESSION]

Disable the event rules named NAME (or all of them with -a) of a channel
(default: channel0). The rules stay, disabled; enable-event enables them
again. User-space rules stop recording in running apps at once.

Options:
  -k, --kernel              Kernel domain
  -u, --userspace           User-space domain
  -a, --all-events          Every event rule
      --tracepoint          Only tracepoint rules
      --syscall             Only system call rules
      --all                 Rules of any type (default)
  -c, --channel=CHANNEL     Channel (default: channel0)
  -s, --session=SESSION     Recording session (default: the current one)
  -h, --help                Show this help
`,
  run: (argv) =>
    guard(async () => {
      const a = parseVerbArgs(disableEventVerb, argv, SPECS);
      if (!a) return 0;
      const types = ['tracepoint', 'syscall', 'probe', 'function', 'all'].filter((t) => flag(a, t));
      if (types.length > 1) {
        err('Multiple event type not supported.');
        return 1;
      }
      const domain = domainOf(a, true);
      if (domain === 'ust' && types.length > 0 && types[0] !== 'all') {
        err('Disabling userspace and agent (-j | -l | -p) event(s) based on instrumentation type is not supported.');
        return 1;
      }
      if (types[0] === 'probe' || types[0] === 'function') {
        err(`--${types[0]} is not supported yet`);
        return 1;
      }
      const kind: EventKind | 'all' = types[0] === 'syscall' ? 'syscall' : types[0] === 'tracepoint' ? 'tracepoint' : 'all';
      const typeName = kind === 'all' ? 'any' : kind;
      const allEvents = flag(a, 'all-events');
      const [list, leftover] = a.positional;
      if (list === undefined && !allEvents) {
        err('Missing event name(s).');
        return 1;
      }
      if (leftover !== undefined || (allEvents && list !== undefined)) {
        err(`Unknown argument: ${leftover ?? list}`);
        return 1;
      }
      const session = sessionName(value(a, 'session'));
      const channel = value(a, 'channel');
      const chanName = channel ?? 'channel0';
      return withDaemon(async (c) => {
        if (allEvents) {
          try {
            await c.call('event.disable', { session, domain, channel, kind });
          } catch (e) {
            if (!(e instanceof CtlError)) throw e;
            err(e.message);
            return 1;
          }
          msg(`All ${domain} events of type ${typeName} are disabled in channel ${chanName}`);
          return 0;
        }
        let status = 0;
        for (const name of list!.split(',').filter((n) => n !== '')) {
          try {
            await c.call('event.disable', { session, domain, channel, kind, name });
            msg(`${domain} ${name} of type ${typeName} disabled in channel ${chanName} for session ${session}`);
          } catch (e) {
            if (!(e instanceof CtlError)) throw e;
            status = 1;
            const ch = e.code === 'NEED_CHANNEL_NAME' ? (channel ?? '<default>') : chanName;
            err(`${name} of type ${typeName} : ${e.message} (channel ${ch}, session ${session})`);
          }
        }
        return status;
      });
    }),
};
