// Bounded, seeded fuzzing of the metadata parser and of the packet decoder.
// The loops run in a child process (fuzz-runner.ts) watched for hangs; a failure prints
// the command that replays the failing iteration alone.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  CHILD_ENV, CONFORMANCE, REPO, STACK_LINE, TRACES, copyTrace, ensureBuilt, needs, prng, randInt, streamFiles, tempDir, ttng,
} from '../helpers.js';

const RUNNER = path.join(REPO, 'test', 'ctf', 'fuzz-runner.ts');
/** no progress line for this long = a hang */
const HANG_MS = 8_000;

interface RunnerResult {
  failures: { i: number; what: string; error: string; mutations: string[] }[];
  done: Record<string, number>;
}

function runFuzz(args: string[]): Promise<RunnerResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', RUNNER, ...args], { cwd: REPO, env: CHILD_ENV, stdio: ['ignore', 'pipe', 'pipe'] });
    const failures: RunnerResult['failures'] = [];
    let done: Record<string, number> | undefined;
    let last = -1;
    let buf = '';
    let stderr = '';
    let hung = false;
    let timer = setTimeout(onHang, HANG_MS);
    function onHang(): void {
      hung = true;
      child.kill('SIGKILL');
    }
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
      stderr = (stderr + d).slice(-4000); // uuid-mismatch warnings of corrupted packets: keep the tail
    });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const replay = (i: number): string => `node --import tsx ${path.relative(REPO, RUNNER)} ${args.join(' ')} --only=${i} --show`;
      if (hung) return reject(new Error(`iteration ${last} made no progress for ${HANG_MS} ms (hang?); replay: ${replay(last)}`));
      if (code !== 0 || !done) return reject(new Error(`fuzz runner exited ${code} (${signal}) at iteration ${last}; replay: ${replay(last)}\n${stderr}`));
      for (const f of failures) (f as { replay?: string }).replay = replay(f.i);
      resolve({ failures, done });
    });
  });
}

function report(r: RunnerResult): string {
  return r.failures
    .slice(0, 5)
    .map((f) => `iteration ${f.i} (${f.what}): ${f.error}\n  mutations: ${f.mutations.join('; ')}\n  replay: ${(f as { replay?: string }).replay}`)
    .join('\n');
}

describe('fuzz: metadata parser', () => {
  // Real metadata texts (../shared/traces/*.metadata.txt, ../shared/ctf-conformance/*/*/metadata)
  // mutated: characters deleted, inserted, replaced, truncated, tokens swapped or dropped,
  // numbers set to edge values, identifiers replaced, regions duplicated. parseMetadata must
  // return (and then every decoder must compile) or throw a TsdlError or a plain Error with a
  // message; never a TypeError, RangeError, SyntaxError from generated code, never hang.
  for (const seed of [1, 2]) {
    test(`seed ${seed}: 2500 mutated metadata texts`, { timeout: 20_000 }, async () => {
      const r = await runFuzz(['metadata', String(seed), '2500']);
      assert.equal(r.failures.length, 0, `${r.failures.length} failures:\n${report(r)}`);
      assert.ok(r.done['accepted']! > 50, `only ${r.done['accepted']} mutated texts were accepted: the mutations are too destructive`);
      assert.ok(r.done['rejected']! > 500, `only ${r.done['rejected']} mutated texts were rejected`);
    });
  }
});

describe('fuzz: packet decoder', () => {
  // A copy of a small real trace; one stream file gets bits flipped, bytes overwritten (often
  // in packet headers and contexts), plausible wrong sizes, or is truncated; then the view
  // runs in-process twice: through PrettyPrinter.eventLine (strings) and through the CLI's
  // path, PrettyPrinter.writeEvent into an FdWriter with its smallest buffer. It must end;
  // any error must be a TraceError naming the file and a `byte offset`; no TypeError or
  // RangeError may leak, no `undefined`/`NaN` may be printed; and both paths must print the
  // same bytes and stop at the same error.
  const cases: [string, string, number][] = [
    ['packet-seq-num/no-lost', path.join(CONFORMANCE, 'packet-seq-num', 'no-lost'), 1000],
    ['succeed/sequence', path.join(CONFORMANCE, 'succeed', 'sequence'), 800],
    ['succeed/wk-heartbeat-u', path.join(CONFORMANCE, 'succeed', 'wk-heartbeat-u'), 800],
    ['succeed/ev-disc-no-ts-begin-end', path.join(CONFORMANCE, 'succeed', 'ev-disc-no-ts-begin-end'), 800],
    // LTTng's 16-bit event-header enums make each open cost ~20 ms: fewer iterations
    ['succeed/lttng-crash', path.join(CONFORMANCE, 'succeed', 'lttng-crash'), 200],
    ['traces/ust-types', path.join(TRACES, 'ust-types'), 80],
  ];
  for (const [name, dir, n] of cases) {
    const missing = needs(fs.existsSync(dir) ? false : `${dir} missing`);
    // (a hang is caught by runFuzz's progress watchdog; this bounds a slow run on a busy machine)
    test(`${name}: ${n} corrupted copies: errors are TraceErrors with a byte offset`, { timeout: 60_000, skip: missing }, async () => {
      const r = await runFuzz(['stream', '7', String(n), dir]);
      assert.equal(r.failures.length, 0, `${r.failures.length} failures:\n${report(r)}`);
      assert.ok(r.done['ok']! > n / 10 && r.done['failed']! > n / 10, `too one-sided: ${JSON.stringify(r.done)}`);
    });
  }
});

describe('fuzz: corrupt traces through the CLI', () => {
  // exit 1, exactly one `Error: …` line naming the file and a byte offset, no stack trace
  const tmp = tempDir('ttng-fuzz-cli-');
  before(() => ensureBuilt());
  after(() => tmp.remove());

  const src = path.join(CONFORMANCE, 'succeed', 'lttng-crash');
  const rnd = prng(20240611);
  const corruptions: [string, (b: Buffer) => Uint8Array][] = [
    ['truncated in the second packet', (b) => b.subarray(0, 4096 + 1000)],
    ['truncated in the first packet header', (b) => b.subarray(0, 20)],
    ['bad magic in the third packet', (b) => (b.writeUInt32LE(0xdeadbeef, 8192), b)],
    ['packet size past the end of the file', (b) => (b.writeBigUInt64LE(8n * 1000000n, 4096 + 56), b)],
    ['content size larger than the packet size', (b) => (b.writeBigUInt64LE(8n * 8192n, 48), b)],
    ['garbage in the middle of the events', (b) => {
      for (let j = 6000; j < 6200; j++) b[j] = randInt(rnd, 256);
      return b;
    }],
    ['all 0xff after the first packet', (b) => b.fill(0xff, 4096)],
  ];
  corruptions.forEach(([label, damage], k) => {
    test(label, async () => {
      const dir = path.join(tmp.dir, `t${k}`);
      copyTrace(src, dir);
      const [file] = streamFiles(dir);
      fs.writeFileSync(file!, damage(fs.readFileSync(file!)));
      const r = await ttng(['view', dir]);
      assert.doesNotMatch(r.stderr, STACK_LINE, r.stderr);
      const lines = r.stderr.split('\n').filter((l) => l !== '');
      const errors = lines.filter((l) => l.startsWith('Error: '));
      const others = lines.filter((l) => !l.startsWith('Error: ') && !l.startsWith('WARNING: ') && !l.startsWith('ttng: warning: '));
      assert.equal(r.code, 1, `exit ${r.code} (${r.signal}):\n${r.stderr}`);
      assert.equal(errors.length, 1, `expected one Error line:\n${r.stderr}`);
      assert.deepEqual(others, [], `unexpected stderr lines:\n${r.stderr}`);
      assert.match(errors[0]!, /^Error: .*chan_0: byte offset \d+: \S/);
      assert.ok(errors[0]!.includes(file!), errors[0]);
    });
  });

  test('the exact message for a truncated packet', async () => {
    const dir = path.join(tmp.dir, 'structural');
    copyTrace(src, dir);
    const [file] = streamFiles(dir);
    fs.writeFileSync(file!, fs.readFileSync(file!).subarray(0, 4096 + 1000));
    const r = await ttng(['view', dir]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^Error: .*chan_0: byte offset 4096: packet size \(4096 bytes\) goes past the end of the file \(5096 bytes\)\n$/);
  });
});
