// `ttng analyze X` against Debian's `lttng-X` (and `lttng-X-mi`) on one trace.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { STACK_LINE, needs, run, ttng } from '../helpers.js';
import type { RunResult } from '../helpers.js';

export const PY = '/usr/bin/python3';
export const ALL_COMMANDS = [
  'cputop', 'syscallstats', 'iousagetop', 'iolatencytop', 'iolatencystats', 'iolatencyfreq', 'iolog', 'schedtop', 'schedlog', 'schedstats', 'memtop',
] as const;

/** why lttng-analyses cannot run here (false: it can) */
export function noLttngAnalyses(): string | false {
  if (!fs.existsSync(PY)) return 'no /usr/bin/python3';
  if (!fs.existsSync('/usr/bin/lttng-cputop')) return 'lttng-analyses is not installed (python3-lttnganalyses)';
  return false;
}

/** Tests that need the machine skip without it, except under CI=true where they fail (needs()). */
export function requirement(why: string | false): { skip: string | false; check: () => void } {
  return {
    skip: needs(why),
    check: () => {
      if (why) assert.fail(`cannot run: ${why}`);
    },
  };
}

export function lttngTool(tool: string, args: string[], timeoutMs = 300_000): Promise<RunResult> {
  return run(PY, [`/usr/bin/lttng-${tool}`, ...args], { timeoutMs, env: { TZ: 'UTC', LANG: 'C.UTF-8' } });
}

/** runs `jobs` two at a time (the machine is shared) */
export async function pairwise<T>(jobs: (() => Promise<T>)[]): Promise<T[]> {
  const out: T[] = new Array(jobs.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length) {
      const i = next++;
      out[i] = await jobs[i]!();
    }
  };
  await Promise.all([worker(), worker()]);
  return out;
}

export interface Comparison {
  command: string;
  args: string[];
  mi: boolean;
}

/**
 * Same stdout, same exit status; lttng-analyses' stderr (progress bars,
 * babeltrace warnings) is not compared, but ttng's has no stack trace and
 * an error line where lttng-analyses has one.
 */
export async function compare(trace: string, c: Comparison): Promise<string> {
  const tool = c.mi ? `${c.command}-mi` : c.command;
  const pyArgs = [...(c.mi ? [] : ['--no-progress']), ...c.args, trace];
  const ttArgs = ['analyze', c.command, ...(c.mi ? ['--mi'] : []), ...c.args, trace];
  const [py, tt] = await Promise.all([lttngTool(tool, pyArgs), ttng(ttArgs, 300_000, { TZ: 'UTC' })]);
  const what = `${c.mi ? 'lttng-' + tool : 'lttng-' + tool} ${c.args.join(' ')}`;
  assert.equal(py.signal, null, `${what}: killed (${py.stderr})`);
  assert.doesNotMatch(tt.stderr, STACK_LINE, `ttng ${ttArgs.join(' ')}: stack trace:\n${tt.stderr}`);
  if (py.stdout !== tt.stdout) {
    const a = py.stdout.split('\n');
    const b = tt.stdout.split('\n');
    const i = a.findIndex((l, k) => l !== b[k]);
    assert.fail(`${what}: stdout differs at line ${i + 1}:\n  lttng-analyses: ${JSON.stringify(a[i])}\n  ttng:           ${JSON.stringify(b[i])}`);
  }
  assert.equal(tt.code, py.code, `${what}: exit ${tt.code}, lttng-analyses ${py.code}\nttng stderr: ${tt.stderr}\nlttng-analyses stderr: ${py.stderr}`);
  const pyErr = py.stderr.split('\n').filter((l) => /^(Error|Command line error):/.test(l));
  const ttErr = tt.stderr.split('\n').filter((l) => l !== '');
  assert.deepEqual(ttErr, pyErr, `${what}: error lines`);
  return py.stdout;
}
