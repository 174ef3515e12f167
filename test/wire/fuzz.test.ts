// Seeded, bounded fuzzing of every wire decoder: 20 000 random and mutated inputs each
// (windows of real frames from the captures and the samples, mutated or replaced by noise,
// fed in random chunks). A decoder may only return messages that survive encode → decode,
// or throw a WireError (not one wrapping an internal error); it must never hang. The loops
// run in a child process (fuzz-runner.ts) watched for progress; a failure prints the
// command that replays the failing iteration alone.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { CHILD_ENV, REPO } from '../helpers.js';

const RUNNER = path.join(REPO, 'test', 'wire', 'fuzz-runner.ts');
/** no progress line for this long = a hang (progress is printed every 100 iterations) */
const HANG_MS = 10_000;
const N = 20_000;

interface Result {
  failures: { i: number; what: string; error: string; mutations: string[] }[];
  done: Record<string, number>;
}

function runFuzz(args: string[]): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', RUNNER, ...args], { cwd: REPO, env: CHILD_ENV, stdio: ['ignore', 'pipe', 'pipe'] });
    const failures: Result['failures'] = [];
    let done: Record<string, number> | undefined;
    let last = -1;
    let buf = '';
    let stderr = '';
    let hung = false;
    const onHang = (): void => {
      hung = true;
      child.kill('SIGKILL');
    };
    let timer = setTimeout(onHang, HANG_MS);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => {
      clearTimeout(timer);
      timer = setTimeout(onHang, HANG_MS);
      buf += d;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (line.startsWith('P ')) last = Number(line.slice(2));
        else if (line.startsWith('F ')) failures.push(JSON.parse(line.slice(2)));
        else if (line.startsWith('D ')) done = JSON.parse(line.slice(2));
      }
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => {
      stderr = (stderr + d).slice(-4000);
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const replay = (i: number): string => `node --import tsx ${path.relative(REPO, RUNNER)} ${args.join(' ')} --only=${i} --show`;
      if (hung) return reject(new Error(`no progress for ${HANG_MS} ms after iteration ${last} (hang?); replay the next 100 from: ${replay(last)}`));
      if (code !== 0 || !done) return reject(new Error(`fuzz runner exited ${code} (${signal}) after iteration ${last}\n${stderr}`));
      for (const f of failures) f.mutations.push(`replay: ${replay(f.i)}`);
      resolve({ failures, done });
    });
  });
}

function report(r: Result): string {
  return r.failures
    .slice(0, 5)
    .map((f) => `iteration ${f.i} (${f.what}): ${f.error}\n  ${f.mutations.join('\n  ')}`)
    .join('\n');
}

describe('fuzz: wire decoders', () => {
  const modes: [string, string][] = [
    ['relay-command', 'relayd control commands (RelayCommandDecoder)'],
    ['relay-reply', 'relayd replies (RelayReplyDecoder)'],
    ['relay-data', 'relayd data port (RelayDataDecoder and RelayDataPacketDecoder)'],
    ['live-command', 'live viewer commands (LiveCommandDecoder)'],
    ['live-reply', 'live relay replies (LiveReplyDecoder)'],
  ];
  for (const [mode, what] of modes) {
    test(`${what}: ${N} inputs, only WireErrors or valid messages`, { timeout: 120_000 }, async () => {
      const r = await runFuzz([mode, '11', String(N)]);
      assert.equal(r.failures.length, 0, `${r.failures.length} failures:\n${report(r)}`);
      assert.equal(r.done['iterations'], N);
      // both outcomes must be common, or the mutations (or the corpus) are off
      assert.ok(r.done['rejected']! > N / 10 && r.done['clean']! > N / 10, `too one-sided: ${JSON.stringify(r.done)}`);
      assert.ok(r.done['messages']! > N / 4, `too few messages decoded: ${JSON.stringify(r.done)}`);
    });
  }
});
