// `ttng load [SESSION | -a] [-i PATH] [-f]` (lttng-load(1)).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeCurrentSession } from '../ctl/paths.js';
import { flag, value } from './args.js';
import { err, guard, msg, parseVerbArgs, warn, withDaemon } from './session-common.js';
import type { Verb } from './session-common.js';

export const loadVerb: Verb = {
  name: 'load',
  summary: 'Load session configurations',
  help: `Usage: ttng load [SESSION | -a] [-i PATH] [-f]

Recreate sessions from configurations saved by \`ttng save\` (or \`lttng
save\`: kernel channels, event rules and contexts). PATH is a file or a
directory of .lttng files (default: ~/.ttng/sessions). Starts the session
daemon when none runs. A session saved while recording starts recording.

Options:
  -a, --all                 Load every session found (default)
  -i, --input-path=PATH     File or directory to load from
  -f, --force               Replace existing sessions of the same names
  -h, --help                Show this help
`,
  run: (argv) =>
    guard(async () => {
      const a = parseVerbArgs(loadVerb, argv, [
        { long: 'all', short: 'a' },
        { long: 'input-path', short: 'i', value: true },
        { long: 'force', short: 'f' },
        { long: 'override-url', value: true },
        { long: 'override-name', value: true },
      ]);
      if (!a) return 0;
      if (flag(a, 'override-url') || flag(a, 'override-name')) {
        err(`--${flag(a, 'override-url') ? 'override-url' : 'override-name'} is not supported yet`);
        return 1;
      }
      const all = flag(a, 'all');
      const [name, leftover] = all ? [undefined, a.positional[0]] : a.positional;
      if (leftover !== undefined) {
        err(`Unknown argument: ${leftover}`);
        return 1;
      }
      let input = value(a, 'input-path');
      if (input !== undefined) {
        try {
          input = fs.realpathSync(input);
        } catch {
          err(`Invalid input path: ${path.resolve(input)}`);
          return 1;
        }
      }
      await withDaemon((c) => c.call('session.load', { name, inputPath: input, force: flag(a, 'force') }), true);
      if (name === undefined) msg('All sessions have been loaded successfully');
      else {
        try {
          writeCurrentSession(name);
        } catch {
          warn(`Could not set ${name} as the default session`);
        }
        msg(`Session ${name} has been loaded successfully`);
      }
      return 0;
    }),
};
