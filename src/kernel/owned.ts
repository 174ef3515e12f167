// Process-wide bookkeeping of the kernel tracer: the ftrace instances and
// uprobe groups this process owns (cleanupStaleInstances() never removes
// them), and the live sessions its `exit` handler destroys.
import { sanitize } from './session-env.js';

/** instances and uprobe groups this process owns (never removed as stale) */
export const ownedInstances = new Set<string>();
export const ownedGroups = new Set<string>();

/** what the exit handler needs of a session */
interface LiveSession {
  destroySync(): void;
}

const liveSessions = new Set<LiveSession>();
let exitHook = false;
let groupCounter = 0;

/** `s` is started: the process's exit destroys it unless it is destroyed before */
export function addLiveSession(s: LiveSession): void {
  if (!exitHook) {
    exitHook = true;
    process.on('exit', () => {
      for (const l of liveSessions) l.destroySync();
    });
  }
  liveSessions.add(s);
}

export function removeLiveSession(s: LiveSession): void {
  liveSessions.delete(s);
}

/** a new uprobe group name of this process (owned from now on) */
export function newUprobeGroup(daemonId: string): string {
  const group = `ttng_${sanitize(daemonId, 24)}_${++groupCounter}`;
  ownedGroups.add(group);
  return group;
}
