// `ttng coredump-handler`: what the kernel's core_pattern pipes a core dump
// to (`|NODE …/bin/ttng.js coredump-handler %p %u %g %s %t %h %e`). It first
// records a snapshot of every snapshot session of the root session daemon
// (the crashing process's last system calls are in the buffers), then stores
// the core (stdin). The core is never lost because of the snapshot: the
// snapshot part has a deadline and every failure there is only logged. It
// always exits 0 (the kernel ignores the status; a failure must not lose
// the core). `--install`/`--uninstall` set core_pattern and restore the
// previous one.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ttngPaths } from '../ctl/paths.js';
import { snapshotAll } from '../ctl/snapshot-all.js';
import { flag, value } from './args.js';
import { err, guard, msg, parseVerbArgs } from './session-common.js';
import type { Verb } from './session-common.js';

export const CORE_PATTERN = '/proc/sys/kernel/core_pattern';
/** what --install saved: the previous core_pattern, where cores go, which daemon to ask */
export const HANDLER_STATE = '/var/lib/ttng/coredump-handler.json';
export const DEFAULT_CORE_DIR = '/var/lib/ttng/cores';
/** the snapshots must be done by then (the dying process waits for us) */
const SNAPSHOT_DEADLINE_MS = 10_000;
/** the kernel's limit for core_pattern (CORENAME_MAX_SIZE − 1) */
const CORE_PATTERN_MAX = 127;

interface HandlerState {
  previous: string;
  coreDir: string;
  /** TTNG_HOME of the installer (its daemon is the one to ask), if any */
  ttngHome?: string;
}

function readState(): HandlerState | undefined {
  try {
    const o = JSON.parse(fs.readFileSync(HANDLER_STATE, 'utf8')) as Partial<HandlerState>;
    if (typeof o.previous !== 'string' || typeof o.coreDir !== 'string') return undefined;
    return { previous: o.previous, coreDir: o.coreDir, ...(typeof o.ttngHome === 'string' ? { ttngHome: o.ttngHome } : {}) };
  } catch {
    return undefined;
  }
}

/** the core_pattern line that runs this handler */
export function handlerPattern(): string {
  const bin = fileURLToPath(new URL('../../bin/ttng.js', import.meta.url));
  return `|${process.execPath} ${bin} coredump-handler %p %u %g %s %t %h %e`;
}

function isOurs(pattern: string): boolean {
  return pattern.startsWith('|') && pattern.includes(' coredump-handler ');
}

/** a file-name-safe piece of a core name */
function safe(s: string | undefined, fallback: string): string {
  const v = (s ?? '').replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 64);
  return v === '' || v === '.' || v === '..' ? fallback : v;
}

/** copies stdin (the core) to `file`; returns its size */
function copyStdin(file: string): number {
  const fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o600);
  const buf = Buffer.allocUnsafe(1 << 20);
  let total = 0;
  try {
    for (;;) {
      let n: number;
      try {
        n = fs.readSync(0, buf, 0, buf.length, null);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN') {
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
          continue;
        }
        if (code === 'EOF') break;
        throw e;
      }
      if (n <= 0) break;
      let o = 0;
      while (o < n) o += fs.writeSync(fd, buf, o, n - o);
      total += n;
    }
  } finally {
    fs.closeSync(fd);
  }
  return total;
}

/** the handler proper: snapshots, then the core; exits 0 whatever happens */
async function handle(args: string[]): Promise<number> {
  const [pid, uid, gid, sig, time, host, ...exeParts] = args;
  const exe = exeParts.join(' ');
  const state = readState();
  const coreDir = state?.coreDir ?? DEFAULT_CORE_DIR;
  const t = /^[0-9]+$/.test(time ?? '') ? time! : String(Math.floor(Date.now() / 1000));
  const base = `core.${safe(exe, 'unknown')}.${safe(pid, 'unknown')}.${t}`;
  let log: string[] = [];
  try {
    const env: NodeJS.ProcessEnv = { ...process.env };
    if (state?.ttngHome) env['TTNG_HOME'] = state.ttngHome;
    else delete env['TTNG_HOME'];
    log = await snapshotAll({ socket: ttngPaths(0, env).socket, env, tag: `core-${safe(exe, 'unknown')}-${safe(pid, 'unknown')}`, deadlineMs: SNAPSHOT_DEADLINE_MS });
  } catch (e) {
    log.push(`no snapshot: ${(e as Error).message}`);
  }
  // the core: in the configured directory, else the default one, else /tmp (never lost for a bad setting)
  for (const dir of [...new Set([coreDir, DEFAULT_CORE_DIR, '/tmp'])]) {
    try {
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      let file = path.join(dir, base);
      for (let n = 1; fs.existsSync(file); n++) file = path.join(dir, `${base}.${n}`);
      const bytes = copyStdin(file);
      log.unshift(`core of pid ${pid ?? '?'} (uid ${uid ?? '?'}, gid ${gid ?? '?'}, signal ${sig ?? '?'}, host ${host ?? '?'}, exe ${exe || '?'}): ${file} (${bytes} bytes)`);
      try {
        fs.writeFileSync(`${file}.ttng.log`, log.join('\n') + '\n', { mode: 0o600 });
      } catch {
        /* the core is what matters */
      }
      return 0;
    } catch {
      /* next directory */
    }
  }
  return 0;
}

export const coredumpHandlerVerb: Verb = {
  name: 'coredump-handler',
  summary: 'Core dump handler: snapshot of the snapshot sessions, then the core',
  help: `Usage: ttng coredump-handler PID UID GID SIGNAL TIME HOST EXE   (run by the kernel)
       ttng coredump-handler --install [--core-dir=DIR]
       ttng coredump-handler --uninstall

As the kernel's core_pattern handler (core dump on stdin), records a
snapshot of every snapshot session of the root session daemon (name
core-EXE-PID), then writes the core to DIR/core.EXE.PID.TIME (default
${DEFAULT_CORE_DIR}; mode 0600) with a .ttng.log next to it naming the
snapshots. The core is written even when the snapshots fail (they have a
${SNAPSHOT_DEADLINE_MS / 1000} s deadline); the handler always exits 0.

--install saves the current core_pattern and ttng's settings in
${HANDLER_STATE} and sets core_pattern to
  |NODE .../bin/ttng.js coredump-handler %p %u %g %s %t %h %e
(the daemon asked is the one this environment's TTNG_HOME names, else the
root daemon). --uninstall restores the saved core_pattern. Both need root.

Options:
      --install          Install the handler in core_pattern
      --uninstall        Restore the previous core_pattern
      --core-dir=DIR     Where cores go (with --install)
  -h, --help             Show this help
`,
  run: async (argv) => {
    if (!argv.some((a) => a === '--install' || a === '--uninstall' || a === '--help' || a === '-h' || a === '--list-options')) {
      // the kernel's call: nothing may keep the core from being written
      try {
        return await handle(argv);
      } catch {
        return 0;
      }
    }
    return guard(async () => {
      const a = parseVerbArgs(coredumpHandlerVerb, argv, [{ long: 'install' }, { long: 'uninstall' }, { long: 'core-dir', value: true }]);
      if (!a) return 0;
      if (flag(a, 'install') === flag(a, 'uninstall')) {
        err('Give one of --install or --uninstall');
        return 1;
      }
      if (flag(a, 'install')) {
        const pattern = handlerPattern();
        if (pattern.length > CORE_PATTERN_MAX) {
          err(`The handler's core_pattern is ${pattern.length} bytes, more than the kernel's ${CORE_PATTERN_MAX}: install ttng under a shorter path`);
          return 1;
        }
        const dir = path.resolve(value(a, 'core-dir') ?? DEFAULT_CORE_DIR);
        const current = fs.readFileSync(CORE_PATTERN, 'utf8').replace(/\n$/, '');
        // installed twice: keep the pattern that was there before ttng
        const previous = isOurs(current) ? readState()?.previous ?? 'core' : current;
        const st: HandlerState = { previous, coreDir: dir, ...(process.env['TTNG_HOME'] ? { ttngHome: path.resolve(process.env['TTNG_HOME']) } : {}) };
        fs.mkdirSync(path.dirname(HANDLER_STATE), { recursive: true });
        fs.writeFileSync(HANDLER_STATE, JSON.stringify(st, null, 2) + '\n');
        fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
        fs.writeFileSync(CORE_PATTERN, pattern + '\n');
        msg(`Coredump handler installed (previous core_pattern: ${previous})`);
        msg(`Cores will be written to ${dir}`);
        return 0;
      }
      const st = readState();
      const current = fs.readFileSync(CORE_PATTERN, 'utf8').replace(/\n$/, '');
      if (!st) {
        err(`The coredump handler is not installed (no ${HANDLER_STATE})`);
        return 1;
      }
      // someone else changed core_pattern since: leave theirs
      if (isOurs(current)) fs.writeFileSync(CORE_PATTERN, st.previous + '\n');
      fs.rmSync(HANDLER_STATE, { force: true });
      msg(`Coredump handler uninstalled (core_pattern: ${isOurs(current) ? st.previous : current})`);
      return 0;
    });
  },
};
