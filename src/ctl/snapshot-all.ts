// A snapshot of every snapshot session of one daemon, within a deadline:
// what a crash leaves behind. Used by `ttng coredump-handler` (the root
// daemon, for any crashing process) and by `ttng/auto` when a Node.js app dies
// of an uncaught exception (its own daemon). Never throws: it reports.
import { TtngClient } from './client.js';

export interface SnapshotAllOptions {
  /** the daemon's control socket */
  socket: string;
  env?: NodeJS.ProcessEnv;
  /** the snapshots' name (`NAME-YYYYmmdd-HHMMSS-N`) */
  tag: string;
  /** every snapshot is done by then, or reported as failed */
  deadlineMs: number;
}

function withDeadline<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

/** snapshots of every snapshot session; returns log lines (`snapshot of session S: DIR`, failures) */
export async function snapshotAll(o: SnapshotAllOptions): Promise<string[]> {
  const log: string[] = [];
  let c: TtngClient | undefined;
  const deadline = Date.now() + o.deadlineMs;
  const left = (): number => Math.max(1, deadline - Date.now());
  try {
    c = await withDeadline(TtngClient.connect({ socket: o.socket, env: o.env ?? process.env }), Math.min(2000, left()), 'session daemon');
    const client = c;
    const sessions = await withDeadline(client.call('session.list', {}), Math.min(2000, left()), 'session list');
    const snaps = sessions.filter((s) => s.snapshotMode);
    if (!snaps.length) log.push('no snapshot session');
    for (const s of snaps) {
      try {
        const r = await withDeadline(client.call('snapshot.record', { session: s.name, name: o.tag }), left(), `snapshot of ${s.name}`);
        log.push(`snapshot of session ${s.name}: ${r.path}`);
      } catch (e) {
        log.push(`snapshot of session ${s.name} failed: ${(e as Error).message}`);
      }
    }
  } catch (e) {
    log.push(`no snapshot: ${(e as Error).message}`);
  } finally {
    c?.close();
  }
  return log;
}
