// `ttng version` (lttng-version(1)).
import { VERSION } from '../ctl/version.js';
import { guard, msg, parseVerbArgs } from './session-common.js';
import type { Verb } from './session-common.js';

export const versionVerb: Verb = {
  name: 'version',
  summary: 'Show the version',
  help: `Usage: ttng version

Print ttng's version.

Options:
  -h, --help             Show this help
`,
  run: (argv) =>
    guard(async () => {
      const a = parseVerbArgs(versionVerb, argv, []);
      if (!a) return 0;
      msg(`ttng ${VERSION} - LTTng-compatible tracing in TypeScript (lttng 2.13 command line)`);
      return 0;
    }),
};
