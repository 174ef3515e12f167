// `ttng destroy [SESSION | -a] [-n]` (lttng-destroy(1)).
import { clearCurrentSession } from '../ctl/paths.js';
import { CtlError } from '../ctl/protocol.js';
import type { TtngClient } from '../ctl/client.js';
import { flag } from './args.js';
import { err, guard, msg, msgPart, parseVerbArgs, sessionName, statsWarning, withDaemon } from './session-common.js';
import type { Verb } from './session-common.js';
import { DATA_WAIT_MS, sleep } from './stop.js';

async function destroyOne(c: TtngClient, name: string, noWait: boolean): Promise<void> {
  let alreadyStopped = false;
  let printed = false;
  const progress = (): void => {
    if (!printed) {
      msgPart(`Destroying session ${name}`);
      printed = true;
    }
    msgPart('.');
  };
  try {
    await c.call('session.stop', { name, wait: false });
  } catch (e) {
    if (!(e instanceof CtlError && e.code === 'TRACE_ALREADY_STOPPED')) throw e;
    alreadyStopped = true;
  }
  try {
    if (!noWait) {
      while ((await c.call('session.dataPending', { name })).pending) {
        await sleep(DATA_WAIT_MS);
        progress();
      }
    }
    // the events lost are shown by `stop`; destroy shows them when it stopped the session
    const stats = alreadyStopped ? undefined : statsWarning(await c.call('session.get', { name }));
    const timer = setInterval(progress, DATA_WAIT_MS);
    let r: { archive?: string };
    try {
      r = await c.call('session.destroy', { name });
    } finally {
      clearInterval(timer);
    }
    msg(`${printed ? '\n' : ''}Session ${name} destroyed`);
    printed = false;
    if (stats) msg(stats);
    // a rotated session's last chunk, as lttng prints it
    if (r.archive !== undefined) msg(`Trace chunk archive for session ${name} is now readable at ${r.archive}`);
    clearCurrentSession(name);
  } finally {
    if (printed) msg('');
  }
}

export const destroyVerb: Verb = {
  name: 'destroy',
  summary: 'Destroy recording sessions',
  help: `Usage: ttng destroy [SESSION | -a] [-n]

Stop SESSION (default: the current session) if it records, wait for its data,
and destroy it; its trace files stay.

Options:
  -a, --all              Destroy every session
  -n, --no-wait          Do not wait for the data to be written
  -h, --help             Show this help
`,
  run: (argv) =>
    guard(async () => {
      const a = parseVerbArgs(destroyVerb, argv, [
        { long: 'all', short: 'a' },
        { long: 'no-wait', short: 'n' },
      ]);
      if (!a) return 0;
      const all = flag(a, 'all');
      const [arg, leftover] = a.positional;
      if (leftover !== undefined || (all && arg !== undefined)) {
        err(`Unknown argument: ${leftover ?? arg}`);
        return 1;
      }
      const name = all ? undefined : sessionName(arg);
      const noWait = flag(a, 'no-wait');
      return withDaemon(async (c) => {
        const sessions = await c.call('session.list', {});
        if (all) {
          if (sessions.length === 0) msg('No session found, nothing to do.');
          let failed = false;
          for (const s of sessions) {
            try {
              await destroyOne(c, s.name, noWait);
            } catch (e) {
              if (!(e instanceof CtlError)) throw e;
              err(`${e.message} during the destruction of session "${s.name}"`);
              failed = true;
            }
          }
          return failed ? 1 : 0;
        }
        if (!sessions.some((s) => s.name === name)) {
          err(`Session name ${name!} not found`);
          return 1;
        }
        await destroyOne(c, name!, noWait);
        return 0;
      });
    }),
};
