// `ttng status`: `ttng list` of the current session (lttng-status(1)).
import { err, guard, parseVerbArgs, sessionName } from './session-common.js';
import type { Verb } from './session-common.js';
import { printSession } from './list.js';

export const statusVerb: Verb = {
  name: 'status',
  summary: 'Show the current session',
  help: `Usage: ttng status

Show the current session's status, domains, channels and event rules (as
\`ttng list SESSION\`).

Options:
  -h, --help             Show this help
`,
  run: (argv) =>
    guard(async () => {
      const a = parseVerbArgs(statusVerb, argv, []);
      if (!a) return 0;
      if (a.positional.length) {
        err('This command does not accept positional arguments.');
        return 1;
      }
      return printSession(sessionName(undefined));
    }),
};
