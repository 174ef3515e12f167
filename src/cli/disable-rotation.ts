// `ttng disable-rotation [-s SESSION] [--timer] [--size]` (lttng-disable-rotation(1)).
import { flag, value } from './args.js';
import { err, guard, msg, parseVerbArgs, sessionName, withDaemon } from './session-common.js';
import type { Verb } from './session-common.js';

export const disableRotationVerb: Verb = {
  name: 'disable-rotation',
  summary: 'Unset a rotation schedule of a session',
  help: `Usage: ttng disable-rotation [-s SESSION] [--timer] [--size]

Remove the periodic (--timer) or size-based (--size) rotation schedule of the
session (both when neither is given).

Options:
  -s, --session=SESSION  Session (default: the current one)
      --timer            The periodic schedule
      --size             The size-based schedule
  -h, --help             Show this help
`,
  run: (argv) =>
    guard(async () => {
      const a = parseVerbArgs(disableRotationVerb, argv, [{ long: 'session', short: 's', value: true }, { long: 'timer' }, { long: 'size' }]);
      if (!a) return 0;
      if (a.positional.length) {
        err(`Unknown argument: ${a.positional[0]}`);
        return 1;
      }
      const session = sessionName(value(a, 'session'));
      const timer = flag(a, 'timer');
      const size = flag(a, 'size');
      return withDaemon(async (c) => {
        await c.call('rotation.disable', { session, timer, size });
        if (timer || !size) msg(`Disabled periodic rotation on session ${session}`);
        if (size || !timer) msg(`Disabled size-based rotation on session ${session}`);
        return 0;
      });
    }),
};
