// Test harness for the session daemon and the session verbs: each test gets
// its own TTNG_HOME (so its own socket, pid file, traces and current-session
// file) and every daemon it started is killed afterwards, even on failure.
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { TestContext } from 'node:test';
import { BIN, REPO, STACK_LINE, childEnv, run } from '../helpers.js';
import type { RunOptions, RunResult } from '../helpers.js';

export { STACK_LINE };
export const SESSIOND_BIN = path.join(REPO, 'bin', 'ttng-sessiond.js');
export const FAKE_KERNEL = path.join(REPO, 'test', 'sessiond', 'fake-kernel.mjs');

/** every daemon pid a test saw, killed when the test process exits whatever happens */
const seenPids = new Set<number>();
process.on('exit', () => {
  for (const pid of seenPids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
});

export function isRoot(): boolean {
  return process.getuid?.() === 0;
}

export function hasSetpriv(): boolean {
  return fs.existsSync('/usr/bin/setpriv') && isRoot();
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export interface HomeOptions {
  /** load the fake kernel tracer (default true) */
  fake?: boolean;
  /** extra environment */
  env?: NodeJS.ProcessEnv;
  /** owner of the directory (for runs as nobody) */
  uid?: number;
  gid?: number;
  /** directory mode (default 0700) */
  mode?: number;
}

/** One test's TTNG_HOME, with helpers to run the CLI and the daemon in it. */
export class TestHome {
  readonly dir: string;
  readonly state: string;
  env: NodeJS.ProcessEnv;
  private readonly pids = new Set<number>();

  constructor(opts: HomeOptions = {}) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ttng-home-'));
    this.state = path.join(this.dir, 'fake-kernel');
    if (opts.mode !== undefined) fs.chmodSync(this.dir, opts.mode);
    if (opts.uid !== undefined) fs.chownSync(this.dir, opts.uid, opts.gid ?? opts.uid);
    // the home is HOME too: nothing of the machine's ~ reaches the CLI or the daemon
    const env = childEnv({ HOME: this.dir, TTNG_HOME: this.dir });
    if (opts.fake !== false) {
      env['TTNG_SESSIOND_KERNEL_MODULE'] = FAKE_KERNEL;
      env['TTNG_FAKE_KERNEL_STATE'] = this.state;
    }
    this.env = { ...env, ...(opts.env ?? {}) };
  }

  get runDir(): string {
    return path.join(this.dir, '.ttng');
  }
  get socket(): string {
    return path.join(this.runDir, 'sessiond.sock');
  }
  get pidFile(): string {
    return path.join(this.runDir, 'sessiond.pid');
  }
  get rcFile(): string {
    return path.join(this.dir, '.ttngrc');
  }

  /** pid in the pid file (remembered for the clean-up) */
  daemonPid(): number | undefined {
    try {
      const pid = Number(fs.readFileSync(this.pidFile, 'utf8').trim());
      if (Number.isInteger(pid) && pid > 0) {
        this.pids.add(pid);
        seenPids.add(pid);
        return pid;
      }
    } catch {
      /* none */
    }
    return undefined;
  }

  /** any command, run to completion in this home's environment (`opts.env` on top) */
  run(cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
    return run(cmd, args, { ...opts, env: { ...this.env, ...(opts.env ?? {}) } });
  }

  /** `ttng ARGS` in this home */
  async ttng(args: string[], opts: RunOptions = {}): Promise<RunResult> {
    const r = await this.run(process.execPath, [BIN, ...args], opts);
    this.daemonPid();
    return r;
  }

  /** `ttng-sessiond ARGS` in this home */
  async sessiond(args: string[], opts: RunOptions = {}): Promise<RunResult> {
    const r = await this.run(process.execPath, [SESSIOND_BIN, ...args], opts);
    this.daemonPid();
    return r;
  }

  /** `ttng ARGS`, asserting success and no stderr; returns stdout */
  async ok(args: string[], opts: RunOptions = {}): Promise<string> {
    const r = await this.ttng(args, opts);
    if (r.code !== 0 || r.stderr !== '') {
      throw new Error(`ttng ${args.join(' ')}: exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
    }
    return r.stdout;
  }

  /** the fake kernel tracer's calls, in order */
  calls(): { op: string; [k: string]: unknown }[] {
    const f = path.join(this.state, 'calls.log');
    if (!fs.existsSync(f)) return [];
    return fs
      .readFileSync(f, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { op: string });
  }

  /** the fake kernel's "instances" (files named as ttng names ftrace instances) */
  instances(): string[] {
    if (!fs.existsSync(this.state)) return [];
    return fs.readdirSync(this.state).filter((f) => f.startsWith('ttng_'));
  }

  trackPid(pid: number): void {
    this.pids.add(pid);
    seenPids.add(pid);
  }

  /** Kills the daemons (TERM, then KILL) and removes the directory. */
  async cleanup(): Promise<void> {
    this.daemonPid();
    for (const pid of this.pids) {
      if (!alive(pid)) continue;
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        /* gone */
      }
    }
    const deadline = Date.now() + 5000;
    while ([...this.pids].some(alive) && Date.now() < deadline) await sleep(50);
    for (const pid of this.pids) {
      if (!alive(pid)) continue;
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    for (const pid of this.pids) seenPids.delete(pid);
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A TestHome cleaned up when the test ends (pass or fail). */
export function home(t: TestContext, opts: HomeOptions = {}): TestHome {
  const h = new TestHome(opts);
  t.after(() => h.cleanup());
  return h;
}

/** asserts a failed run with one `Error: …` line on stderr and no stack trace; returns that line */
export function oneError(r: RunResult): string {
  if (r.code === 0) throw new Error(`expected a failure, got exit 0\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`);
  if (STACK_LINE.test(r.stderr)) throw new Error(`stack trace on stderr:\n${r.stderr}`);
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  if (lines.length !== 1) throw new Error(`expected one line on stderr:\n${r.stderr}`);
  return lines[0]!;
}

/** waits until `pred` holds (polling), or throws */
export async function until(pred: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

export function pidAlive(pid: number): boolean {
  return alive(pid);
}

/** A node child (tracked by its TestHome) that reports on stdout as JSON lines. */
export class JsonLinesChild<L extends object> {
  readonly lines: L[] = [];
  readonly child: ChildProcess;
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  constructor(h: TestHome, nodeArgv: string[], stdin: 'ignore' | 'pipe' = 'ignore') {
    this.child = spawn(process.execPath, nodeArgv, { cwd: REPO, env: h.env, stdio: [stdin, 'pipe', 'pipe'] });
    h.trackPid(this.child.pid!);
    let buf = '';
    this.child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      buf += d;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        this.lines.push(JSON.parse(buf.slice(0, nl)) as L);
        buf = buf.slice(nl + 1);
      }
    });
    this.child.stderr!.setEncoding('utf8').on('data', (d: string) => (this.stderr += d));
    this.exited = new Promise((r) => this.child.on('exit', (code, signal) => r({ code, signal })));
  }
}
