// `ttng stop [SESSION] [-n]` (lttng-stop(1)): returns once the data is on disk.
import { CtlError } from '../ctl/protocol.js';
import { flag } from './args.js';
import { err, guard, msg, msgPart, parseVerbArgs, sessionArg, statsWarning, warn, withDaemon } from './session-common.js';
import type { Verb } from './session-common.js';

/** lttng's DEFAULT_DATA_AVAILABILITY_WAIT_TIME_US */
export const DATA_WAIT_MS = 200;

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export const stopVerb: Verb = {
  name: 'stop',
  summary: 'Stop tracing',
  help: `Usage: ttng stop [SESSION] [-n]

Stop recording the events of SESSION (default: the current session), and
wait until all the recorded data is in the trace files. Warns when events
were discarded.

Options:
  -n, --no-wait          Do not wait for the data to be written
  -h, --help             Show this help
`,
  run: (argv) =>
    guard(async () => {
      const a = parseVerbArgs(stopVerb, argv, [{ long: 'no-wait', short: 'n' }]);
      if (!a) return 0;
      const name = sessionArg(a.positional);
      return withDaemon(async (c) => {
        try {
          await c.call('session.stop', { name, wait: false });
        } catch (e) {
          if (e instanceof CtlError && e.code === 'TRACE_ALREADY_STOPPED') {
            warn(`Tracing already stopped for session ${name}`);
            return 1;
          }
          throw e;
        }
        if (!flag(a, 'no-wait')) {
          msgPart('Waiting for data availability');
          let st = await c.call('session.dataPending', { name });
          while (st.pending) {
            await sleep(DATA_WAIT_MS);
            msgPart('.');
            st = await c.call('session.dataPending', { name });
          }
          msg('');
          if (st.error !== undefined) {
            err(`Stopping kernel trace failed: ${st.error}`);
            return 1;
          }
        }
        const w = statsWarning(await c.call('session.get', { name }));
        if (w) msg(w);
        msg(`Tracing stopped for session ${name}`);
        return 0;
      });
    }),
};
