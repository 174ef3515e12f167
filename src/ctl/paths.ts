// Where ttng keeps its control socket, pid file, current-session file, saved
// sessions and default trace output (LTTng's layout, with ttng's names).
//
//   root:           /run/ttng/sessiond.sock      (group `tracing`, mode 0660)
//   other users:    ~/.ttng/sessiond.sock        (mode 0600)
//   TTNG_HOME=DIR:  DIR/.ttng/sessiond.sock      (both; tests use it)
//
// Traces go to ~/ttng-traces/ (or $TTNG_HOME/ttng-traces/), the current
// session is named in ~/.ttngrc, saved sessions live in ~/.ttng/sessions/.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** the group whose members may reach the root session daemon (as LTTng's) */
export const TRACING_GROUP = 'tracing';
/** system-wide run directory of the root daemon */
export const GLOBAL_RUN_DIR = '/run/ttng';
export const SOCKET_NAME = 'sessiond.sock';
export const PID_NAME = 'sessiond.pid';
export const LOG_NAME = 'sessiond.log';

export interface TtngPaths {
  /** `$TTNG_HOME`, else `$HOME` */
  home: string;
  /** directory of the socket, pid file and log */
  runDir: string;
  socket: string;
  pidFile: string;
  logFile: string;
  /** default parent of session output directories */
  tracesDir: string;
  /** the current-session file (`session=NAME`) */
  rcFile: string;
  /** where `save` writes and `load` reads by default */
  sessionsDir: string;
}

export function getUid(): number {
  return typeof process.getuid === 'function' ? process.getuid() : -1;
}

/** `$TTNG_HOME`, else the user's home directory */
export function homeDir(env: NodeJS.ProcessEnv = process.env): string {
  const th = env['TTNG_HOME'];
  if (th) return path.resolve(th);
  const h = env['HOME'];
  if (h) return h;
  return os.homedir();
}

/** The paths of the daemon a process of user `uid` runs (or would start). */
export function ttngPaths(uid = getUid(), env: NodeJS.ProcessEnv = process.env): TtngPaths {
  const home = homeDir(env);
  const overridden = !!env['TTNG_HOME'];
  const runDir = !overridden && uid === 0 ? GLOBAL_RUN_DIR : path.join(home, '.ttng');
  return {
    home,
    runDir,
    socket: path.join(runDir, SOCKET_NAME),
    pidFile: path.join(runDir, PID_NAME),
    logFile: path.join(runDir, LOG_NAME),
    tracesDir: path.join(home, 'ttng-traces'),
    rcFile: path.join(home, '.ttngrc'),
    sessionsDir: path.join(home, '.ttng', 'sessions'),
  };
}

/** gid of the `tracing` group (or `group`), or undefined when it does not exist */
export function tracingGid(group = TRACING_GROUP): number | undefined {
  try {
    for (const line of fs.readFileSync('/etc/group', 'utf8').split('\n')) {
      const f = line.split(':');
      if (f[0] === group && f[2] !== undefined) {
        const gid = Number(f[2]);
        if (Number.isInteger(gid)) return gid;
      }
    }
  } catch {
    /* no /etc/group */
  }
  return undefined;
}

/** true when this process is a member of the `tracing` group */
export function inTracingGroup(): boolean {
  const gid = tracingGid();
  if (gid === undefined) return false;
  if (typeof process.getgid === 'function' && process.getgid() === gid) return true;
  if (typeof process.getegid === 'function' && process.getegid() === gid) return true;
  return typeof process.getgroups === 'function' && process.getgroups().includes(gid);
}

/**
 * The sockets a client tries, in order (as liblttng-ctl does): root uses the
 * system-wide one; a member of `tracing` tries it first, then its own; other
 * users use their own. `TTNG_HOME` names the only one.
 */
export function clientSocketCandidates(env: NodeJS.ProcessEnv = process.env): string[] {
  const uid = getUid();
  const own = ttngPaths(uid, env).socket;
  if (env['TTNG_HOME'] || uid === 0) return [own];
  const out: string[] = [];
  if (inTracingGroup()) out.push(path.join(GLOBAL_RUN_DIR, SOCKET_NAME));
  out.push(own);
  return out;
}

/** The current session named in the rc file, or undefined. */
export function readCurrentSession(rcFile = ttngPaths().rcFile): string | undefined {
  let text: string;
  try {
    text = fs.readFileSync(rcFile, 'utf8');
  } catch {
    return undefined;
  }
  for (const line of text.split('\n')) {
    const m = /^\s*session\s*=\s*(.*?)\s*$/.exec(line);
    if (m && m[1]) return m[1];
  }
  return undefined;
}

export function writeCurrentSession(name: string, rcFile = ttngPaths().rcFile): void {
  fs.mkdirSync(path.dirname(rcFile), { recursive: true });
  fs.writeFileSync(rcFile, `session=${name}\n`);
}

/** Removes the rc file (when it names `name`, if given). */
export function clearCurrentSession(name?: string, rcFile = ttngPaths().rcFile): void {
  if (name !== undefined && readCurrentSession(rcFile) !== name) return;
  try {
    fs.unlinkSync(rcFile);
  } catch {
    /* already gone */
  }
}
