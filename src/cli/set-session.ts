// `ttng set-session SESSION` (lttng-set-session(1)).
import { writeCurrentSession } from '../ctl/paths.js';
import { err, guard, msg, parseVerbArgs, withDaemon } from './session-common.js';
import type { Verb } from './session-common.js';

export const setSessionVerb: Verb = {
  name: 'set-session',
  summary: 'Set the current session',
  help: `Usage: ttng set-session SESSION

Make SESSION the current session (the one the other commands work on when
they are given none), in ~/.ttngrc.

Options:
  -h, --help             Show this help
`,
  run: (argv) =>
    guard(async () => {
      const a = parseVerbArgs(setSessionVerb, argv, []);
      if (!a) return 0;
      const [name, leftover] = a.positional;
      if (name === undefined) {
        err('Missing session name');
        return 1;
      }
      if (leftover !== undefined) {
        err(`Unknown argument: ${leftover}`);
        return 1;
      }
      if (name.length > 255) {
        err('Session name too long. Length must be lower or equal to 255');
        return 1;
      }
      const sessions = await withDaemon((c) => c.call('session.list', {}));
      if (!sessions.some((s) => s.name === name)) {
        err(`Session '${name}' not found`);
        return 1;
      }
      writeCurrentSession(name);
      msg(`Session set to ${name}`);
      return 0;
    }),
};
