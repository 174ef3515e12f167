// The coredump handler on the real kernel: installed in core_pattern, a C
// program and a Node.js program that abort leave their cores and snapshots
// whose last events are their last system calls (and, for a Node.js app traced with
// ttng/auto, its user-space events up to the crash); bad arguments or no session still give
// the core and exit 0; --uninstall restores core_pattern. core_pattern is
// restored by the test whatever happens (t.after and the process's exit).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, describe, test } from 'node:test';
import { BIN, REPO, babeltrace2, ensureBuilt, needs, run } from '../helpers.js';
import { home, sleep, until } from './harness.js';
import { buildWorkload, readTrace, whyNoKernel } from './snapshot-workload.js';

const CORE_PATTERN = '/proc/sys/kernel/core_pattern';
const CRASH_APP = path.join(REPO, 'test', 'ust', 'crash-app.mjs');
const STATE = '/var/lib/ttng/coredump-handler.json';

before(() => ensureBuilt());

let original: string | undefined;
let savedState: string | undefined;
function restore(): void {
  if (original === undefined) return;
  try {
    fs.writeFileSync(CORE_PATTERN, original);
  } catch {
    /* nothing more to do */
  }
  try {
    if (savedState !== undefined) fs.writeFileSync(STATE, savedState);
    else fs.rmSync(STATE, { force: true });
  } catch {
    /* best effort */
  }
}
process.on('exit', restore);

/** runs `cmd` through sh with core dumps allowed; resolves with its pid and how it ended */
function crash(exe: string, args: string[]): Promise<{ pid: number; signal: NodeJS.Signals | null }> {
  return new Promise((resolve, reject) => {
    const c = spawn('/bin/sh', ['-c', 'ulimit -c unlimited; exec "$0" "$@"', exe, ...args], { stdio: 'ignore' });
    c.on('error', reject);
    c.on('exit', (_code, signal) => resolve({ pid: c.pid!, signal }));
  });
}

/** the handler run by hand, with `input` on stdin */
function handler(args: string[], input: Buffer, env: NodeJS.ProcessEnv): Promise<{ code: number | null; stderr: string }> {
  return run(process.execPath, [BIN, 'coredump-handler', ...args], { env, input });
}

describe('coredump handler on the real kernel', { skip: needs(whyNoKernel) }, () => {
  test('a crashing program leaves its core and a snapshot of its last system calls', { timeout: 180_000 }, async (t) => {
    original = fs.readFileSync(CORE_PATTERN, 'utf8');
    savedState = fs.existsSync(STATE) ? fs.readFileSync(STATE, 'utf8') : undefined;
    t.after(restore);
    const h = home(t, { fake: false });
    const exe = buildWorkload(h.dir);
    const cores = path.join(h.dir, 'cores');
    await h.ok(['create', 'fr', '--snapshot']);
    await h.ok(['enable-event', '-k', '--syscall', '-a']);
    await h.ok(['enable-event', '-k', 'sched_switch']);
    await h.ok(['add-context', '-k', '-t', 'tid']);
    await h.ok(['enable-event', '-u', 'crash:*']);
    await h.ok(['add-context', '-u', '-t', 'vpid']);
    await h.ok(['start']);

    const inst = await h.ok(['coredump-handler', '--install', `--core-dir=${cores}`]);
    assert.equal(inst, `Coredump handler installed (previous core_pattern: ${original.trim()})\nCores will be written to ${cores}\n`);
    assert.match(fs.readFileSync(CORE_PATTERN, 'utf8'), /^\|\S+ \S+\/bin\/ttng\.js coredump-handler %p %u %g %s %t %h %e\n$/);

    const { pid, signal } = await crash(exe, ['500', 'a']);
    assert.equal(signal, 'SIGABRT');
    // the kernel runs the handler: wait for the core and its log
    await until(() => fs.existsSync(cores) && fs.readdirSync(cores).some((f) => f.endsWith('.ttng.log') && f.includes(`.${pid}.`)), 'the core and its log', 60_000);
    const coreName = fs.readdirSync(cores).find((f) => f.startsWith(`core.workload.${pid}.`) && !f.endsWith('.log'))!;
    assert.ok(coreName, fs.readdirSync(cores).join(' '));
    const core = fs.readFileSync(path.join(cores, coreName));
    assert.ok(core.length > 4096, `core of ${core.length} bytes`);
    assert.deepEqual([...core.subarray(0, 4)], [0x7f, 0x45, 0x4c, 0x46], 'an ELF core');
    const log = fs.readFileSync(path.join(cores, `${coreName}.ttng.log`), 'utf8');
    const m = /snapshot of session fr: (\S+)/.exec(log);
    assert.ok(m, log);
    assert.match(path.basename(m![1]!), new RegExp(`^core-workload-${pid}-[0-9]{8}-[0-9]{6}-0$`));
    const tr = await readTrace(m![1]!);
    const all = tr.events.filter((e) => e.tid === pid && e.name.startsWith('syscall_entry_'));
    // the workload's own calls: after the shell's exec of it
    const mine = all.slice(all.map((e) => e.name).lastIndexOf('syscall_entry_execve') + 1);
    assert.equal(mine.filter((e) => e.name === 'syscall_entry_getppid').length, 500, 'every getppid of the crashing process');
    // abort(): its last system calls (signal mask, then the signal to itself)
    const last = mine.slice(-4).map((e) => e.name);
    assert.ok(last.includes('syscall_entry_tgkill') || last.includes('syscall_entry_kill'), `last system calls: ${last.join(', ')}`);
    const lastGetppid = mine.map((e) => e.name).lastIndexOf('syscall_entry_getppid');
    assert.ok(mine.length - lastGetppid <= 6, `after the getppid loop: ${mine.slice(lastGetppid + 1).map((e) => e.name).join(', ')}`);

    // a Node.js program that aborts: the same
    const nodeCrash = await crash(process.execPath, ['-e', 'for (let i = 0; i < 300; i++) process.ppid; process.abort();']);
    assert.equal(nodeCrash.signal, 'SIGABRT');
    const np = nodeCrash.pid;
    await until(() => fs.readdirSync(cores).some((f) => f.endsWith('.ttng.log') && f.includes(`.${np}.`)), 'the Node.js core and its log', 60_000);
    const nodeCore = fs.readdirSync(cores).find((f) => f.startsWith(`core.node.${np}.`) && !f.endsWith('.log'))!;
    assert.ok(nodeCore, fs.readdirSync(cores).join(' '));
    assert.deepEqual([...fs.readFileSync(path.join(cores, nodeCore)).subarray(0, 4)], [0x7f, 0x45, 0x4c, 0x46]);
    const nlog = fs.readFileSync(path.join(cores, `${nodeCore}.ttng.log`), 'utf8');
    const nm = /snapshot of session fr: (\S+)/.exec(nlog);
    assert.ok(nm, nlog);
    const ntr = await readTrace(nm![1]!);
    const nall = ntr.events.filter((e) => e.tid === np && e.name.startsWith('syscall_entry_'));
    const nmine = nall.slice(nall.map((e) => e.name).lastIndexOf('syscall_entry_execve') + 1);
    assert.ok(nmine.filter((e) => e.name === 'syscall_entry_getppid').length >= 300, 'the getppid calls of process.ppid');
    assert.ok(nmine.slice(-4).some((e) => e.name === 'syscall_entry_tgkill' || e.name === 'syscall_entry_kill'), `last: ${nmine.slice(-4).map((e) => e.name).join(', ')}`);

    // a Node.js app traced with ttng/auto that aborts: its user-space events up to the crash are in the snapshot
    const app = spawn('/bin/sh', ['-c', 'ulimit -c unlimited; exec "$0" "$@"', process.execPath, '--import', 'ttng/auto', CRASH_APP, '400', 'abort'], {
      cwd: REPO,
      env: h.env,
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    h.trackPid(app.pid!);
    let appOut = '';
    app.stdout.setEncoding('utf8').on('data', (d: string) => (appOut += d));
    const appExit = new Promise<NodeJS.Signals | null>((r) => app.on('exit', (_c, sig) => r(sig)));
    await until(() => appOut.includes('"ready"'), 'the traced app to start', 20_000);
    const ap = app.pid!;
    for (let i = 0; !(await h.ttng(['list', '-u'])).stdout.includes(`PID: ${ap}`); i++) {
      assert.ok(i < 400, `pid ${ap} never appeared in ttng list -u`);
      await sleep(50);
    }
    await sleep(300);
    app.stdin.end('go\n');
    assert.equal(await appExit, 'SIGABRT');
    await until(() => fs.readdirSync(cores).some((f) => f.endsWith('.ttng.log') && f.includes(`.${ap}.`)), 'the traced app core and its log', 60_000);
    const appCore = fs.readdirSync(cores).find((f) => f.startsWith(`core.node.${ap}.`) && !f.endsWith('.log'))!;
    const alog = fs.readFileSync(path.join(cores, `${appCore}.ttng.log`), 'utf8');
    const am = /snapshot of session fr: (\S+)/.exec(alog);
    assert.ok(am, alog);
    const abt = await babeltrace2([am![1]!], 120_000);
    assert.equal(abt.code, 0, abt.stderr);
    const steps = abt.stdout.split('\n').map((l) => /crash:step: .*vpid = (\d+).*\{ n = (\d+) \}$/.exec(l)).filter((x) => x !== null && x[1] === String(ap));
    assert.deepEqual(steps.map((x) => Number(x![2])), [...Array(400).keys()], 'every user-space event of the crashing app');
    const appSys = (await readTrace(am![1]!)).events.filter((e) => e.tid === ap && e.name.startsWith('syscall_entry_'));
    assert.ok(appSys.slice(-4).some((e) => e.name === 'syscall_entry_tgkill' || e.name === 'syscall_entry_kill'), `last: ${appSys.slice(-4).map((e) => e.name).join(', ')}`);

    // bad arguments, then no snapshot session: the core is still written, exit 0
    const env = { ...h.env };
    const bad = await handler(['not-a-pid'], Buffer.from('core one'), env);
    assert.equal(bad.code, 0, bad.stderr);
    const none = await handler([], Buffer.from('core two'), env);
    assert.equal(none.code, 0, none.stderr);
    await h.ok(['destroy', 'fr']);
    const nosess = await handler(['4242', '0', '0', '6', '1700000000', 'host', 'prog'], Buffer.from('core three'), env);
    assert.equal(nosess.code, 0, nosess.stderr);
    const files = fs.readdirSync(cores);
    const contents = files.filter((f) => !f.endsWith('.log')).map((f) => fs.readFileSync(path.join(cores, f), 'utf8'));
    for (const c of ['core one', 'core two', 'core three']) assert.ok(contents.includes(c), `${c} written (${files.join(' ')})`);
    assert.ok(files.includes('core.prog.4242.1700000000'));
    assert.match(fs.readFileSync(path.join(cores, 'core.prog.4242.1700000000.ttng.log'), 'utf8'), /no snapshot session/);

    // --uninstall restores the previous pattern
    assert.match(await h.ok(['coredump-handler', '--uninstall']), /^Coredump handler uninstalled/);
    assert.equal(fs.readFileSync(CORE_PATTERN, 'utf8'), original);
    assert.ok(!fs.existsSync(STATE) || savedState !== undefined);
    await sleep(10);
  });
});
