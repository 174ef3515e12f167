// Test-only harness around Debian's LTTng 2.13 and ttng-relayd as real processes: a
// session daemon of its own (run as `nobody` with its own LTTNG_HOME, so it never
// meets the machine's root daemon), the reference C app (../shared/lttng-reference),
// ttng-relayd and lttng-relayd on free loopback ports. Every process started is
// killed by its pid when the test process exits.
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO, SHARED, childEnv, ensureBuilt, run, type RunResult } from '../helpers.js';

export const RELAYD_BIN = path.join(REPO, 'bin', 'ttng-relayd.js');
const REFERENCE = path.join(SHARED, 'lttng-reference');
const TRACEPOINT_H = '/usr/include/x86_64-linux-gnu/lttng/tracepoint.h';

/** what these tests need of the machine, or false */
export function lttngMissing(): string | false {
  if (process.getuid?.() !== 0) return 'root (to run LTTng as nobody through setpriv)';
  for (const t of ['/usr/bin/lttng', '/usr/bin/lttng-sessiond', '/usr/bin/lttng-relayd', '/usr/bin/babeltrace2', '/usr/bin/babeltrace', '/usr/bin/gcc', '/usr/bin/setpriv']) {
    if (!fs.existsSync(t)) return `${t} (Debian's lttng-tools, babeltrace2, babeltrace, gcc, util-linux)`;
  }
  if (!fs.existsSync(TRACEPOINT_H)) return 'liblttng-ust-dev';
  if (!fs.existsSync(path.join(REFERENCE, 'reftypes.c'))) return `${REFERENCE} (reference C apps)`;
  return false;
}

/** pids still to kill when the test process exits, whatever happened to the test */
const running = new Set<number>();
process.on('exit', () => running.forEach((pid) => killQuietly(pid)));

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* gone already */
  }
}

function track(child: ChildProcess): ChildProcess {
  const pid = child.pid;
  if (pid !== undefined) {
    running.add(pid);
    child.on('exit', () => running.delete(pid));
  }
  return child;
}

/** builds reftypes (the reference C app) into `dir` */
export async function buildReftypes(dir: string): Promise<string> {
  const out = path.join(dir, 'reftypes');
  const r = await run('/usr/bin/gcc', ['-O2', `-I${REFERENCE}`, '-o', out, path.join(REFERENCE, 'reftypes.c'), path.join(REFERENCE, 'reftypes_tp.c'), '-llttng-ust', '-ldl', '-lm']);
  if (r.code !== 0) throw new Error(`gcc failed: ${r.stderr}`);
  fs.chmodSync(dir, 0o755);
  return out;
}

/** a free TCP port on 127.0.0.1 (bound then released: lttng-relayd cannot be told port 0) */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen({ host: '127.0.0.1', port: 0 }, () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

async function accepting(port: number, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((r) => {
      const s = net.createConnection({ host: '127.0.0.1', port }, () => {
        s.destroy();
        r(true);
      });
      s.once('error', () => r(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on port ${port}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface RelayProcess {
  control: number;
  data: number;
  live: number;
  output: string;
  child: ChildProcess;
  /** what it printed so far */
  log(): string;
  stop(): Promise<void>;
}

function stopper(child: ChildProcess): () => Promise<void> {
  return () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      child.once('exit', () => {
        clearTimeout(t);
        resolve();
      });
      child.kill('SIGTERM');
    });
}

/** ttng-relayd on ports it picks itself (read from its `listening:` line) */
export async function startTtngRelayd(output: string, extra: string[] = []): Promise<RelayProcess> {
  ensureBuilt();
  const child = track(spawn(process.execPath, [RELAYD_BIN, '-v', '-C', 'tcp://127.0.0.1:0', '-D', 'tcp://127.0.0.1:0', '-L', 'tcp://127.0.0.1:0', '-o', output, ...extra], { env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] }));
  let text = '';
  child.stdout!.on('data', (b: Buffer) => (text += b.toString()));
  const ports = await new Promise<number[]>((resolve, reject) => {
    child.stderr!.on('data', (b: Buffer) => {
      text += b.toString();
      const m = /listening: control tcp:\/\/[^:]+:(\d+), data tcp:\/\/[^:]+:(\d+), live tcp:\/\/[^:]+:(\d+)/.exec(text);
      if (m) resolve([Number(m[1]), Number(m[2]), Number(m[3])]);
    });
    child.once('exit', (code) => reject(new Error(`ttng-relayd exited (${code}): ${text}`)));
  });
  return { control: ports[0]!, data: ports[1]!, live: ports[2]!, output, child, log: () => text, stop: stopper(child) };
}

/** Debian's lttng-relayd on free loopback ports */
export async function startLttngRelayd(output: string): Promise<RelayProcess> {
  const [control, data, live] = [await freePort(), await freePort(), await freePort()];
  const child = track(spawn('/usr/bin/lttng-relayd', ['-C', `tcp://127.0.0.1:${control}`, '-D', `tcp://127.0.0.1:${data}`, '-L', `tcp://127.0.0.1:${live}`, '-o', output], {
    env: childEnv({ LTTNG_HOME: path.dirname(output) }),
    stdio: ['ignore', 'pipe', 'pipe'],
  }));
  let text = '';
  child.stdout!.on('data', (b: Buffer) => (text += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (text += b.toString()));
  await accepting(control);
  await accepting(live);
  return { control, data, live, output, child, log: () => text, stop: stopper(child) };
}

/** lttng-sessiond --no-kernel as nobody, in a home of its own */
export class LttngHome {
  readonly dir: string;
  private pid: number | undefined;

  constructor() {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ttng-lttng-home-'));
    const nobody = userIds('nobody');
    fs.chownSync(this.dir, nobody.uid, nobody.gid);
  }

  private env(): NodeJS.ProcessEnv {
    return { HOME: this.dir, LTTNG_HOME: this.dir, TZ: 'UTC' };
  }

  /** a command as nobody in this home */
  run(cmd: string, args: string[], timeoutMs = 60_000): Promise<RunResult> {
    return run(cmd, args, { asNobody: true, env: this.env(), timeoutMs, cwd: '/' });
  }

  /** `lttng ARGS…`, failing the test on a non-zero status */
  async lttng(...args: string[]): Promise<string> {
    const r = await this.run('/usr/bin/lttng', args);
    if (r.code !== 0) throw new Error(`lttng ${args.join(' ')} failed (${r.code}): ${r.stdout}${r.stderr}`);
    return r.stdout;
  }

  async startSessiond(): Promise<void> {
    const r = await this.run('/usr/bin/lttng-sessiond', ['--no-kernel', '--daemonize']);
    if (r.code !== 0) throw new Error(`lttng-sessiond failed: ${r.stderr}`);
    this.pid = Number(fs.readFileSync(path.join(this.dir, '.lttng', 'lttng-sessiond.pid'), 'utf8').trim());
    running.add(this.pid);
  }

  async stop(): Promise<void> {
    const pid = this.pid;
    this.pid = undefined;
    if (pid !== undefined) {
      try {
        process.kill(pid, 'SIGTERM');
        for (let i = 0; i < 100; i++) {
          process.kill(pid, 0);
          await new Promise((r) => setTimeout(r, 100));
        }
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
      running.delete(pid);
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

function userIds(name: string): { uid: number; gid: number } {
  for (const line of fs.readFileSync('/etc/passwd', 'utf8').split('\n')) {
    const f = line.split(':');
    if (f[0] === name) return { uid: Number(f[2]), gid: Number(f[3]) };
  }
  throw new Error(`no user ${name}`);
}

/** `babeltrace2 ARGS…` (TZ=UTC), its stdout; a failure fails the test */
export async function babeltrace2(args: string[], timeoutMs = 60_000): Promise<string> {
  const r = await run('/usr/bin/babeltrace2', args, { timeoutMs });
  if (r.code !== 0) throw new Error(`babeltrace2 ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

/** babeltrace2 reading a live session until it ends; started now, awaited later */
export function babeltrace2Live(url: string): { done: Promise<RunResult>; child: ChildProcess } {
  const child = track(spawn('/usr/bin/babeltrace2', ['--input-format=lttng-live', url], { env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] }));
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout!.on('data', (b: Buffer) => out.push(b));
  child.stderr!.on('data', (b: Buffer) => err.push(b));
  const done = new Promise<RunResult>((resolve) => {
    child.on('close', (code, signal) => resolve({ code, signal, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }));
  });
  return { done, child };
}

/** the key of an event line: its timestamp, delta, host and event name */
function lineKey(line: string): string | undefined {
  return /^(\[[^\]]+\] \([^)]*\) \S+ [^:]+(?::[^:]+)?):/.exec(line)?.[1];
}

/**
 * Which string fields of which events are really empty, from babeltrace 1.5's text of the
 * same trace: babeltrace2 2.0.4 prints some empty strings with a stale earlier value, not
 * at the same places when it reads files and when it reads live (../shared/traces/README.md).
 */
export function emptyStrings(bt1: string): Map<string, string[][]> {
  const lines: string[] = [];
  // babeltrace 1 does not escape newlines in strings: continuation lines join their event
  for (const l of bt1.split('\n')) {
    if (l.startsWith('[') || lines.length === 0) lines.push(l);
    else lines[lines.length - 1] += `\\n${l}`;
  }
  const out = new Map<string, string[][]>();
  for (const l of lines) {
    const k = lineKey(l);
    if (!k) continue;
    const names = [...l.matchAll(/[{,] (\w+) = ""/g)].map((m) => m[1]!);
    const list = out.get(k) ?? [];
    list.push(names);
    out.set(k, list);
  }
  return out;
}

/** babeltrace2 texts compared line by line, the fields `empty` names as empty taken as "" */
export function sameEventText(a: string, b: string, empty: Map<string, string[][]>): string | undefined {
  const la = a.split('\n');
  const lb = b.split('\n');
  if (la.length !== lb.length) return `${la.length} lines against ${lb.length}`;
  const seen = new Map<string, number>();
  const fix = (line: string, names: string[]): string => {
    let out = line;
    for (const n of names) out = out.replace(new RegExp(`([{,] ${n} = )"(?:[^"\\\\]|\\\\.)*"`), '$1""');
    return out;
  };
  for (let i = 0; i < la.length; i++) {
    const k = lineKey(la[i]!);
    const nth = k === undefined ? 0 : (seen.get(k) ?? 0);
    if (k !== undefined) seen.set(k, nth + 1);
    const names = (k !== undefined && empty.get(k)?.[nth]) || [];
    if (fix(la[i]!, names) !== fix(lb[i]!, names)) return `line ${i + 1} differs:\n  ${la[i]}\n  ${lb[i]}`;
  }
  return undefined;
}

/** `babeltrace ARGS…` (1.5, TZ=UTC), its stdout */
export async function babeltrace1(args: string[]): Promise<string> {
  const r = await run('/usr/bin/babeltrace', args, { timeoutMs: 60_000 });
  if (r.code !== 0) throw new Error(`babeltrace ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

/** relative path → bytes of every file under `dir` */
export function tree(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.set(path.relative(dir, p), fs.readFileSync(p));
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return out;
}

/** why two trees differ, or undefined */
export function treeDiff(a: Map<string, Buffer>, b: Map<string, Buffer>): string | undefined {
  const ka = [...a.keys()].sort().join('\n');
  const kb = [...b.keys()].sort().join('\n');
  if (ka !== kb) return `file lists differ:\n${ka}\n--- against ---\n${kb}`;
  for (const [f, bytes] of a) if (!bytes.equals(b.get(f)!)) return `${f} differs (${bytes.length} against ${b.get(f)!.length} bytes)`;
  return undefined;
}
