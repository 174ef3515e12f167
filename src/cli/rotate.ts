// `ttng rotate [-n] [SESSION]` (lttng-rotate(1)): archives the current trace chunk.
import { flag } from './args.js';
import { guard, msg, parseVerbArgs, sessionArg, withDaemon } from './session-common.js';
import type { Verb } from './session-common.js';

export const rotateVerb: Verb = {
  name: 'rotate',
  summary: 'Archive the current trace chunk of a session',
  help: `Usage: ttng rotate [-n] [SESSION]

Close the current trace chunk of SESSION (default: the current session) and
make it a complete trace of its own under OUTPUT/archives/BEGIN-END-INDEX/;
tracing goes on in a new chunk. No event is lost or written twice between
chunks.

Options:
  -n, --no-wait          Do not print the archive's path
  -h, --help             Show this help
`,
  run: (argv) =>
    guard(async () => {
      const a = parseVerbArgs(rotateVerb, argv, [{ long: 'no-wait', short: 'n' }]);
      if (!a) return 0;
      const name = sessionArg(a.positional);
      return withDaemon(async (c) => {
        const r = await c.call('session.rotate', { name });
        if (flag(a, 'no-wait')) msg(`Rotation ongoing for session ${name}`);
        else msg(`Trace chunk archive for session ${name} is now readable at ${r.path}`);
        return 0;
      });
    }),
};
