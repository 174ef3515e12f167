// Seeded, bounded fuzzing of every wire decoder: 20 000 random and mutated inputs each
// (windows of real frames from the captures and the samples, mutated or replaced by noise,
// fed in random chunks). A decoder may only return messages that survive encode → decode,
// or throw a WireError (not one wrapping an internal error). The loops run in a child
// process (fuzz-runner.ts) killed if it has not finished long after it should have: a hang.
// A failure prints the command that replays the failing iteration alone.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { CHILD_ENV, REPO } from '../helpers.js';

const RUNNER = path.join(REPO, 'test', 'wire', 'fuzz-runner.ts');
const N = 20_000;
/** a run takes seconds; this much means a decoder loops (the kill is the hang detector, not a timing check) */
const HANG_MS = 240_000;

interface Outcome {
  failures: { i: number; what: string; error: string; mutations: string[] }[];
  done: Record<string, number> | undefined;
  /** the last progress mark printed */
  reached: number;
  error: Error | null;
}

function fuzz(mode: string): Promise<Outcome> {
  return new Promise((resolve) => {
    const args = ['--import', 'tsx', RUNNER, mode, '11', String(N)];
    execFile(process.execPath, args, { cwd: REPO, env: CHILD_ENV, timeout: HANG_MS, maxBuffer: 64 << 20 }, (error, stdout) => {
      const lines = stdout.split('\n');
      const json = (tag: string): unknown[] => lines.filter((l) => l.startsWith(tag)).map((l) => JSON.parse(l.slice(2)));
      const marks = lines.filter((l) => l.startsWith('P ')).map((l) => Number(l.slice(2)));
      resolve({
        failures: json('F ') as Outcome['failures'],
        done: json('D ')[0] as Record<string, number> | undefined,
        reached: marks.length > 0 ? marks[marks.length - 1]! : -1,
        error,
      });
    });
  });
}

const replay = (mode: string, i: number): string => `node --import tsx ${path.relative(REPO, RUNNER)} ${mode} 11 ${N} --only=${i} --show`;

describe('fuzz: wire decoders', () => {
  const modes: [string, string][] = [
    ['relay-command', 'relayd control commands (RelayCommandDecoder)'],
    ['relay-reply', 'relayd replies (RelayReplyDecoder)'],
    ['relay-data', 'relayd data port pieces (RelayDataDecoder)'],
    ['relay-packets', 'relayd data port packets (RelayDataPacketDecoder)'],
    ['live-command', 'live viewer commands (LiveCommandDecoder)'],
    ['live-reply', 'live relay replies (LiveReplyDecoder)'],
  ];
  for (const [mode, what] of modes) {
    test(`${what}: ${N} inputs, only WireErrors or valid messages`, { timeout: HANG_MS + 30_000 }, async () => {
      const o = await fuzz(mode);
      const killed = o.error && 'killed' in o.error && o.error.killed;
      assert.ok(!killed, `still running after ${HANG_MS} ms, past iteration ${o.reached} (hang?): replay the 100 from ${replay(mode, o.reached)}`);
      assert.equal(o.error, null, `the runner failed after iteration ${o.reached}: ${String(o.error)}`);
      const shown = o.failures.slice(0, 5).map((f) => `iteration ${f.i} (${f.what}): ${f.error}\n  ${f.mutations.join('\n  ')}\n  replay: ${replay(mode, f.i)}`);
      assert.equal(o.failures.length, 0, `${o.failures.length} failures:\n${shown.join('\n')}`);
      const d = o.done!;
      assert.equal(d['iterations'], N);
      // both outcomes must be common, or the mutations (or the corpus) are off
      assert.ok(d['rejected']! > N / 10 && d['clean']! > N / 10, `too one-sided: ${JSON.stringify(d)}`);
      assert.ok(d['messages']! > N / 4, `too few messages decoded: ${JSON.stringify(d)}`);
    });
  }
});
