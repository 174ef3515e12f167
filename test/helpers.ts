// Shared helpers of the test suite: paths, building dist/ for the CLI, the one
// way tests run a process (run/runSync, in a hermetic environment), what a test
// needs of the machine (needs), temporary copies of traces.
import { spawn, spawnSync } from 'node:child_process';
import type { SpawnOptions } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** ../shared beside the clone (read-only reference data) */
export const SHARED = path.resolve(REPO, '..', 'shared');
export const TRACES = path.join(SHARED, 'traces');
export const CONFORMANCE = path.join(SHARED, 'ctf-conformance');
export const BIN = path.join(REPO, 'bin', 'ttng.js');
export const BABELTRACE2 = '/usr/bin/babeltrace2';

/** this test process's HOME and TTNG_HOME for its children, made on first use, removed at exit */
let ownHome: string | undefined;
function testHome(): string {
  if (ownHome === undefined) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ttng-test-home-'));
    ownHome = dir;
    process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  }
  return ownHome;
}

/**
 * The environment of every child process, hermetic: no TTNG_* variable of the
 * caller, and HOME and TTNG_HOME in a temporary directory, so neither the
 * machine's ~/.ttngrc, ~/.ttng and ~/ttng-traces nor a running root daemon
 * (/run/ttng) reach a test. TZ=UTC: babeltrace2 prints local times.
 * `extra` goes on top (a variable set to undefined is removed).
 */
export function childEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('TTNG_')) env[k] = v;
  const home = testHome();
  Object.assign(env, { TZ: 'UTC', LANG: 'C.UTF-8', HOME: home, TTNG_HOME: home });
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

/** childEnv() for the children tests spawn themselves (long-running, interactive) */
export const CHILD_ENV: NodeJS.ProcessEnv = childEnv();

/** true under CI (CI=true, as CI services set it): every test must run there */
export const IN_CI = !['', '0', 'false'].includes((process.env['CI'] ?? '').toLowerCase());

/**
 * The `skip` option of a test that needs something of the machine: root,
 * tracefs, a peer tool (babeltrace2, lttng-analyses, setpriv…), reference data.
 * `reason` says what is missing, or is false when nothing is. Outside CI the
 * test is skipped with that reason; under CI it is skipped too but a test named
 * after the reason fails in its place, so a missing need never passes silently.
 */
export function needs(reason: string | false): string | false {
  if (reason === false) return false;
  if (IN_CI) {
    test(`needs: ${reason}`, () => {
      throw new Error(`CI=true and this machine lacks what a test needs: ${reason}`);
    });
  }
  return reason;
}

/**
 * needs() for an optional part of a running test: true when `reason` is false;
 * else false outside CI (the part is left out), and under CI it throws.
 */
export function has(reason: string | false): boolean {
  if (reason === false) return true;
  if (IN_CI) throw new Error(`CI=true and this machine lacks what a test needs: ${reason}`);
  return false;
}

function sourcesOf(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...sourcesOf(p));
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** dist/ is stale when a src/X.ts has no dist/X.js or is newer than it */
function distIsStale(): boolean {
  const src = path.join(REPO, 'src');
  for (const f of sourcesOf(src)) {
    const js = path.join(REPO, 'dist', path.relative(src, f)).replace(/\.ts$/, '.js');
    let jsTime: number;
    try {
      jsTime = fs.statSync(js).mtimeMs;
    } catch {
      return true;
    }
    if (fs.statSync(f).mtimeMs > jsTime) return true;
  }
  return false;
}

/**
 * Makes sure dist/ (what bin/ttng.js runs) is built from the current src/.
 * Test files run in parallel processes: a lock directory serialises builds.
 */
export function ensureBuilt(): void {
  if (!distIsStale()) return;
  const lock = path.join(os.tmpdir(), `ttng-test-build-${Buffer.from(REPO).toString('hex').slice(-24)}.lock`);
  const deadline = Date.now() + 120_000;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch {
      // another test file is building; a lock older than 2 minutes is stale
      try {
        if (Date.now() - fs.statSync(lock).mtimeMs > 120_000) fs.rmSync(lock, { recursive: true, force: true });
      } catch { /* gone meanwhile */ }
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${lock}`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    }
  }
  try {
    if (!distIsStale()) return;
    const r = spawnSync('npx', ['--no-install', 'tsc', '-p', '.'], { cwd: REPO, encoding: 'utf8' });
    // type errors still emit JavaScript: the CLI tests run on it (`npm run typecheck` is
    // the place for type errors); only a build that emitted nothing stops them
    if (r.status !== 0 && distIsStale()) throw new Error(`npx tsc -p . failed:\n${r.stdout}${r.stderr}`);
    if (r.status !== 0) process.stderr.write(`warning: npx tsc -p . reported errors (dist/ was emitted):\n${r.stdout}${r.stderr}`);
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** killed with SIGKILL after this long (default 60 s) */
  timeoutMs?: number;
  /** default: the repository */
  cwd?: string;
  /** variables on top of childEnv() (undefined removes one) */
  env?: NodeJS.ProcessEnv;
  /** run as `nobody` through setpriv (an array: the setpriv arguments to use instead) */
  asNobody?: boolean | string[];
  /** written to stdin (else stdin is /dev/null) */
  input?: string | Buffer;
}

export const NOBODY = ['--reuid=nobody', '--regid=nogroup', '--clear-groups'];

/** what run() and runSync() hand to spawn */
function spawnArgs(cmd: string, args: string[], opts: RunOptions): { file: string; argv: string[]; options: SpawnOptions } {
  const nobody = opts.asNobody === true ? NOBODY : opts.asNobody || undefined;
  return {
    file: nobody ? '/usr/bin/setpriv' : cmd,
    argv: nobody ? [...nobody, cmd, ...args] : args,
    options: { cwd: opts.cwd ?? REPO, env: childEnv(opts.env), stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] },
  };
}

/** Runs a command to completion (the one way tests do), killing it after `timeoutMs`. */
export function run(cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  const { file, argv, options } = spawnArgs(cmd, args, opts);
  return new Promise((resolve, reject) => {
    const child = spawn(file, argv, options);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on('data', (b: Buffer) => out.push(b));
    child.stderr!.on('data', (b: Buffer) => err.push(b));
    if (opts.input !== undefined) child.stdin!.end(opts.input);
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
  });
}

/** run() for synchronous code: same environment, options and result */
export function runSync(cmd: string, args: string[], opts: RunOptions = {}): RunResult {
  const { file, argv, options } = spawnArgs(cmd, args, opts);
  const r = spawnSync(file, argv, {
    ...options, encoding: 'utf8', maxBuffer: 1 << 30, timeout: opts.timeoutMs ?? 60_000, killSignal: 'SIGKILL',
    ...(opts.input === undefined ? {} : { input: opts.input }),
  });
  // a timeout ends as run()'s does: killed, not thrown
  if (r.error && (r.error as NodeJS.ErrnoException).code !== 'ETIMEDOUT') throw r.error;
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** `node bin/ttng.js ARGS...` */
export function ttng(args: string[], timeoutMs = 60_000, env?: NodeJS.ProcessEnv): Promise<RunResult> {
  return run(process.execPath, [BIN, ...args], { timeoutMs, env });
}

/** `babeltrace2 ARGS...` */
export function babeltrace2(args: string[], timeoutMs = 60_000, env?: NodeJS.ProcessEnv): Promise<RunResult> {
  return run(BABELTRACE2, args, { timeoutMs, env });
}

export function hasBabeltrace2(): boolean {
  return fs.existsSync(BABELTRACE2);
}

/** why a test that compares with babeltrace2 cannot run here, or false (for needs() and has()) */
export const NO_BABELTRACE2: string | false = hasBabeltrace2() ? false : `babeltrace2 is not installed (${BABELTRACE2})`;

/** a stack-trace line, as check-conformance.sh detects them */
export const STACK_LINE = /^\s+at .+:[0-9]+:[0-9]+\)?$/m;

/** `WARNING: Tracer …` lines, the stream path reduced to its last component */
export function tracerWarnings(stderr: string): string[] {
  return stderr
    .split('\n')
    .filter((l) => l.startsWith('WARNING: Tracer'))
    .map((l) => l.replace(/within stream "[^"]*\/([^"/]+)"/, 'within stream "$1"'));
}

/** A fresh temporary directory, removed by the returned function. */
export function tempDir(prefix = 'ttng-test-'): { dir: string; remove: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** Copies a trace directory (recursively) to `dest`. */
export function copyTrace(src: string, dest: string): void {
  fs.cpSync(src, dest, { recursive: true });
}

/** Data stream files of a trace directory (not metadata, not index/, not hidden). */
export function streamFiles(dir: string): string[] {
  return fs
    .readdirSync(dir)
    .filter((n) => n !== 'metadata' && !n.startsWith('.'))
    .map((n) => path.join(dir, n))
    .filter((p) => fs.statSync(p).isFile() && fs.statSync(p).size > 0)
    .sort();
}

/** Mulberry32: small seeded PRNG, so that fuzz failures reproduce. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** integer in [0, n) */
export function randInt(rnd: () => number, n: number): number {
  return Math.floor(rnd() * n);
}

/** The plain-text metadata files of the reference traces (packetized ones left out). */
export function referenceMetadataTexts(): string[] {
  const out: string[] = [];
  if (fs.existsSync(TRACES)) for (const n of fs.readdirSync(TRACES)) if (n.endsWith('.metadata.txt')) out.push(path.join(TRACES, n));
  if (fs.existsSync(CONFORMANCE)) {
    for (const g of fs.readdirSync(CONFORMANCE)) {
      const gd = path.join(CONFORMANCE, g);
      if (!fs.statSync(gd).isDirectory()) continue;
      for (const n of fs.readdirSync(gd)) {
        const m = path.join(gd, n, 'metadata');
        if (!fs.existsSync(m)) continue;
        const head = fs.readFileSync(m).subarray(0, 4);
        if (head.length === 4 && (head.readUInt32LE(0) === 0x75d11d57 || head.readUInt32BE(0) === 0x75d11d57)) continue;
        out.push(m);
      }
    }
  }
  return out.sort();
}
