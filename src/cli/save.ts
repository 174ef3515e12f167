// `ttng save [SESSION | -a] [-o DIR] [-f]` (lttng-save(1)): LTTng's XML
// session configuration, in ~/.ttng/sessions/SESSION.lttng by default.
import * as path from 'node:path';
import { flag, value } from './args.js';
import { err, guard, msg, parseVerbArgs, withDaemon } from './session-common.js';
import type { Verb } from './session-common.js';

export const saveVerb: Verb = {
  name: 'save',
  summary: 'Save session configurations',
  help: `Usage: ttng save [SESSION | -a] [-o DIR] [-f]

Save the configuration of SESSION (default: every session) to
DIR/SESSION.lttng (default DIR: ~/.ttng/sessions), in LTTng's XML session
format; \`ttng load\` (or \`lttng load\`) recreates it.

Options:
  -a, --all                 Save every session (default)
  -o, --output-path=DIR     Directory of the files
  -f, --force               Overwrite existing files
  -h, --help                Show this help
`,
  run: (argv) =>
    guard(async () => {
      const a = parseVerbArgs(saveVerb, argv, [
        { long: 'all', short: 'a' },
        { long: 'output-path', short: 'o', value: true },
        { long: 'force', short: 'f' },
      ]);
      if (!a) return 0;
      const all = flag(a, 'all');
      const [name, leftover] = all ? [undefined, a.positional[0]] : a.positional;
      if (leftover !== undefined) {
        err(`Unknown argument: ${leftover}`);
        return 1;
      }
      const out = value(a, 'output-path');
      await withDaemon((c) => c.call('session.save', { name, outputDir: out !== undefined ? path.resolve(out) : undefined, force: flag(a, 'force') }));
      if (name !== undefined) msg(out !== undefined ? `Session ${name} saved successfully in ${out}.` : `Session ${name} saved successfully.`);
      else msg(out !== undefined ? `All sessions have been saved successfully in ${out}.` : 'All sessions have been saved successfully.');
      return 0;
    }),
};
