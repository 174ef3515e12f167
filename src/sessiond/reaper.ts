// A guard that outlives the daemon (issue 10): a small process, started by a
// root daemon that traces the kernel, which removes the daemon's ftrace
// instances and uprobes once the daemon is gone, whatever ended it (kill -9
// included), as lttng-modules ends a session when its file descriptor closes.
// The link is a pipe: the daemon holds one end and never writes; the reaper
// sleeps in a read of the other end (no polling, no CPU) until end of file.
// After a normal exit the daemon has already cleaned up and the reaper finds
// nothing. The work itself is src/kernel/reap.ts (shared with the daemon's
// clean-up at start); the process is reaper-main.ts.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import * as realKernel from '../kernel/index.js';
import type { KernelBackend } from './kernel-domain.js';

export { countsText } from '../kernel/reap.js';

let reaper: ChildProcess | undefined;

/**
 * Starts this daemon's reaper (once). Nothing happens with another kernel
 * backend (the tests' fake tracer has no kernel state) or without tracefs.
 */
export function startReaper(backend: KernelBackend | Error, opts: { quiet: boolean; log: (msg: string) => void }): void {
  if (reaper || backend !== realKernel || !backend.kernelTracerAvailable().ok) return;
  // dist/ runs the compiled script; the sources (tsx) the TypeScript one, with the daemon's loader
  const ts = import.meta.url.endsWith('.ts');
  const script = fileURLToPath(new URL(`./reaper-main.${ts ? 'ts' : 'js'}`, import.meta.url));
  const child = spawn(process.execPath, [...(ts ? process.execArgv : []), script, String(process.pid), ...(opts.quiet ? ['--quiet'] : [])], {
    // its own session and process group: a kill of the daemon's group leaves it
    detached: true,
    // stdin: the pipe; stderr: the daemon's (its log file when daemonized)
    stdio: ['pipe', 'ignore', 'inherit'],
    // no traced app (NODE_OPTIONS may load ttng/auto)
    env: { ...process.env, TTNG_UST_DISABLE: '1' },
  });
  reaper = child;
  const pipe = child.stdin as Socket;
  pipe.on('error', () => undefined);
  // neither keeps the daemon's event loop alive
  pipe.unref();
  child.unref();
  child.on('error', (e) => opts.log(`cannot start the reaper: ${e.message}`));
  child.on('exit', (code, signal) => {
    opts.log(`the reaper (pid ${child.pid}) ended (${signal ?? `status ${code}`}): if this daemon is killed, its kernel state stays until the next daemon starts`);
  });
}
