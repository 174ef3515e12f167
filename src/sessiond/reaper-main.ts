// The reaper process of one daemon (see reaper.ts): `reaper-main.js PID [--quiet]`,
// its stdin a pipe whose other end only daemon PID holds. It waits, blocked on
// that pipe; end of file means the kernel closed the daemon's files, i.e. the
// daemon is gone (however it ended). It then stops and removes what the daemon
// left in the kernel, logs it on stderr (the daemon's log) and exits.
// Imports only src/kernel/reap.ts and what that needs: a small process.
import { daemonPrefix, reapKernelState, reportText } from '../kernel/reap.js';
import { Tracefs } from '../kernel/tracefs.js';

const pid = Number(process.argv[2]);
const quiet = process.argv.includes('--quiet');

function log(msg: string): void {
  if (!quiet) process.stderr.write(`${new Date().toISOString()} ttng-sessiond[${pid}]: reaper[${process.pid}]: ${msg}\n`);
}

function reap(): void {
  const t0 = performance.now();
  let tfs: Tracefs;
  try {
    tfs = new Tracefs();
  } catch (e) {
    log(`cannot reach tracefs: ${(e as Error).message}`);
    process.exit(1);
  }
  const r = reapKernelState(tfs, { prefix: daemonPrefix(pid), ownerDead: true });
  if (r.instances.length || r.uprobes.length) log(`daemon ${pid} is gone: ${reportText(r)} in ${Math.round(performance.now() - t0)} ms`);
  for (const f of r.failures) log(f);
  process.exit(r.failures.length ? 1 : 0);
}

if (!Number.isInteger(pid) || pid <= 0) {
  process.stderr.write(`usage: reaper-main PID [--quiet] (stdin: a pipe from the daemon)\n`);
  process.exit(2);
}
// it must outlive its daemon: the signals a terminal or a group stop sends do not end it
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, () => undefined);
let reaped = false;
const once = (): void => {
  if (reaped) return;
  reaped = true;
  reap();
};
process.stdin.on('data', () => undefined); // the daemon never writes; reading is how EOF shows
process.stdin.on('end', once);
process.stdin.on('close', once);
process.stdin.on('error', once);
