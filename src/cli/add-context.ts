// `ttng add-context (-k | -u) -t TYPE [-t TYPE…] [-c CHANNEL] [-s SESSION]`
// (lttng-add-context(1)).
import { CtlError, KERNEL_CONTEXTS } from '../ctl/protocol.js';
import { UST_CONTEXTS } from '../ust/protocol.js';
import { flag, value, values } from './args.js';
import { DOMAIN_OPTIONS, err, guard, domainOf, msg, parseVerbArgs, sessionName, withDaemon } from './session-common.js';
import type { Verb } from './session-common.js';

/** context types lttng knows that ttng does not record yet */
const LTTNG_ONLY = new Set([
  'pthread_id', 'ip', 'interruptible', 'preemptible', 'need_reschedule', 'migratable', 'callstack-kernel', 'callstack-user',
  'cgroup_ns', 'ipc_ns', 'mnt_ns', 'net_ns', 'pid_ns', 'time_ns', 'user_ns', 'uts_ns',
  'uid', 'euid', 'suid', 'gid', 'egid', 'sgid', 'vuid', 'veuid', 'vsuid', 'vgid', 'vegid', 'vsgid',
]);

const SPECS = [
  ...DOMAIN_OPTIONS,
  { long: 'session', short: 's', value: true },
  { long: 'channel', short: 'c', value: true },
  { long: 'type', short: 't', value: true },
  { long: 'list' },
];

export const addContextVerb: Verb = {
  name: 'add-context',
  summary: 'Add context fields to channels',
  help: `Usage: ttng add-context (-k | -u) -t TYPE [-t TYPE...] [-c CHANNEL] [-s SESSION]
       ttng add-context --list

Record context fields with every event of a channel (default: every channel
of the domain in the session; channel0 is created when there is none).

Kernel context types: ${KERNEL_CONTEXTS.join(', ')}.
User-space context types: ${UST_CONTEXTS.join(', ')}.

Options:
  -k, --kernel              Kernel domain
  -u, --userspace           User-space domain
  -t, --type=TYPE           Context type (repeat for more)
  -c, --channel=CHANNEL     Only this channel
  -s, --session=SESSION     Recording session (default: the current one)
      --list                List the context types
  -h, --help                Show this help
`,
  run: (argv) =>
    guard(async () => {
      const a = parseVerbArgs(addContextVerb, argv, SPECS);
      if (!a) return 0;
      if (flag(a, 'list')) {
        msg([...new Set([...KERNEL_CONTEXTS, ...UST_CONTEXTS])].join('\n'));
        return 0;
      }
      const types = values(a, 'type');
      const domain = domainOf(a, true);
      for (const t of types) {
        if (domain === 'ust') {
          // the daemon answers for user-space types (lttng: `TYPE: UST invalid context`)
          if (!/^[a-z0-9_:$.-]+$/i.test(t)) {
            err(`Unknown context type ${t}`);
            return 1;
          }
          continue;
        }
        if (LTTNG_ONLY.has(t) || t.startsWith('perf:') || t.startsWith('$app.')) {
          err(`${t}: context type not supported by ttng yet`);
          return 1;
        }
        if (!(KERNEL_CONTEXTS as readonly string[]).includes(t)) {
          err(`Unknown context type ${t}`);
          return 1;
        }
      }
      if (a.positional.length) {
        err(`Unknown argument: ${a.positional[0]}`);
        return 1;
      }
      if (types.length === 0) {
        err('Missing mandatory -t TYPE');
        return 1;
      }
      const session = sessionName(value(a, 'session'));
      const channel = value(a, 'channel');
      return withDaemon(async (c) => {
        let status = 0;
        for (const type of types) {
          try {
            await c.call('context.add', { session, domain, channel, type });
            msg(channel !== undefined ? `${domain} context ${type} added to channel ${channel}` : `${domain} context ${type} added to all channels`);
          } catch (e) {
            if (!(e instanceof CtlError)) throw e;
            err(`${type}: ${e.message}`);
            status = 1;
          }
        }
        return status;
      });
    }),
};
