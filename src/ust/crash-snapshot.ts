// The flight recorder's crash dump for a Node.js app traced with `ttng/auto`:
// on a fatal uncaught exception, the daemon the app is registered with
// records a snapshot of every snapshot session before the process dies. The
// app's events are in its shared-memory buffers, which the daemon reads
// without the app's help; the app only has to stay alive until the record is
// done. That must be synchronous (the process exits right after the
// exception monitor returns), so a small child process asks the daemon
// (ctl/snapshot-all.ts, as the coredump handler does) while the app waits for
// it, at most CRASH_SNAPSHOT_TIMEOUT_MS.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { registeredSocket } from './registration.js';
import { procname } from './runtime.js';

/** how long a dying app waits for its snapshot (a dead or stuck daemon costs at most this) */
export const CRASH_SNAPSHOT_TIMEOUT_MS = 5000;

/** Records the crash snapshot; never throws. Nothing happens when the app is not registered with a daemon. */
export function crashSnapshot(): void {
  try {
    const socket = registeredSocket();
    if (socket === undefined) return;
    const here = import.meta.url;
    // dist/ runs the compiled child; the sources (tsx) run the TypeScript one
    const ts = here.endsWith('.ts');
    const child = fileURLToPath(new URL(`./crash-snapshot-main.${ts ? 'ts' : 'js'}`, here));
    const tag = `crash-${String(procname()).replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 64) || 'node'}-${process.pid}`;
    spawnSync(process.execPath, [...(ts ? ['--import', 'tsx'] : []), child, socket, tag, String(CRASH_SNAPSHOT_TIMEOUT_MS - 500)], {
      // the child is no traced app (NODE_OPTIONS may load ttng/auto)
      env: { ...process.env, TTNG_UST_DISABLE: '1' },
      stdio: ['ignore', 'ignore', 'inherit'],
      timeout: CRASH_SNAPSHOT_TIMEOUT_MS,
      killSignal: 'SIGKILL',
    });
  } catch {
    /* tracing never hurts the traced */
  }
}
