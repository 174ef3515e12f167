// `ttng start [SESSION]` (lttng-start(1)).
import { CtlError } from '../ctl/protocol.js';
import { guard, msg, parseVerbArgs, sessionArg, warn, withDaemon } from './session-common.js';
import type { Verb } from './session-common.js';

export const startVerb: Verb = {
  name: 'start',
  summary: 'Start tracing',
  help: `Usage: ttng start [SESSION]

Start recording the events of SESSION (default: the current session).

Options:
  -h, --help             Show this help
`,
  run: (argv) =>
    guard(async () => {
      const a = parseVerbArgs(startVerb, argv, []);
      if (!a) return 0;
      const name = sessionArg(a.positional);
      try {
        await withDaemon((c) => c.call('session.start', { name }));
      } catch (e) {
        if (e instanceof CtlError && e.code === 'TRACE_ALREADY_STARTED') {
          warn(`Tracing already started for session ${name}`);
          return 1;
        }
        throw e;
      }
      msg(`Tracing started for session ${name}`);
      return 0;
    }),
};
