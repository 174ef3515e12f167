// `ttng clear [SESSION | -a]` (lttng-clear(1)): empties buffers and trace files.
import { flag } from './args.js';
import { err, guard, msg, parseVerbArgs, sessionName, withDaemon } from './session-common.js';
import type { Verb } from './session-common.js';

export const clearVerb: Verb = {
  name: 'clear',
  summary: 'Clear the buffers and trace files of a session',
  help: `Usage: ttng clear [SESSION | -a]

Discard what the buffers of SESSION (default: the current session) hold and
delete the files of its current trace chunk (the metadata stays; archived
chunks stay). Tracing goes on.

Options:
  -a, --all              Clear every session
  -h, --help             Show this help
`,
  run: (argv) =>
    guard(async () => {
      const a = parseVerbArgs(clearVerb, argv, [{ long: 'all', short: 'a' }]);
      if (!a) return 0;
      const [arg, leftover] = a.positional;
      if (leftover !== undefined || (arg !== undefined && flag(a, 'all'))) {
        err(`Unknown argument: ${leftover ?? arg}`);
        return 1;
      }
      return withDaemon(async (c) => {
        const names = flag(a, 'all') ? (await c.call('session.list', {})).map((s) => s.name) : [sessionName(arg)];
        for (const name of names) {
          await c.call('session.clear', { name });
          msg(`Session "${name}" cleared`);
        }
        return 0;
      });
    }),
};
