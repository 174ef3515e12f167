// The session verbs through the CLI, against a real daemon (with the fake
// kernel tracer of test/sessiond/fake-kernel.mjs): lttng 2.13's wording,
// defaults and errors (one `Error: …` line, non-zero exit, no stack trace).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, describe, test } from 'node:test';
import { BIN, ensureBuilt } from '../helpers.js';
import { home, oneError } from '../sessiond/harness.js';
import type { TestHome } from '../sessiond/harness.js';

before(() => ensureBuilt());

const DATETIME = '[0-9]{8}-[0-9]{6}';

/** the rules the fake kernel tracer last received for a channel */
function lastRules(h: TestHome, channel = 'channel0'): unknown {
  const c = h.calls().filter((x) => x.op === 'setEventRules' && x['channel'] === channel);
  return c[c.length - 1]?.['rules'];
}

const KERNEL_HEADER = `=== Domain: Linux kernel ===

Tracked process attributes
  Process IDs:          all
  Virtual process IDs:  all
  User IDs:             all
  Virtual user IDs:     all
  Group IDs:            all
  Virtual group IDs:    all

Channels:
-------------
`;

function channelBlock(name: string, rules: string[], opts: { discarded?: number; readTimer?: string } = {}): string {
  return `- ${name}: [enabled]

    Attributes:
      Event-loss mode:  discard
      Sub-buffer size:  1048576 bytes
      Sub-buffer count: 4
      Switch timer:     inactive
      Read timer:       ${opts.readTimer ?? '200000 us'}
      Monitor timer:    1000000 us
      Blocking timeout: 0 us
      Trace file count: 1 per stream
      Trace file size:  unlimited
      Output mode:      splice

    Statistics:
      Discarded events: ${opts.discarded ?? 0}

    Recording event rules:
${rules.length ? rules.map((r) => `      ${r}\n`).join('') : '      None\n'}
`;
}

describe('ttng create, list, status, set-session, destroy', () => {
  test('wording of a session life, as lttng 2.13 prints it', async (t) => {
    const h = home(t);
    const out = path.join(h.dir, 'out-s1');
    assert.equal(await h.ok(['create', 's1', '-o', out]), `Spawning a session daemon\nSession s1 created.\nTraces will be output to ${out}\n`);
    const auto = await h.ok(['create']);
    const m = new RegExp(`^Session (auto-${DATETIME}) created\\.\\nTraces will be output to (.*)\\n$`).exec(auto);
    assert.ok(m, auto);
    assert.equal(m![2], path.join(h.dir, 'ttng-traces', m![1]!), 'an automatic name is its own directory');
    const s2 = await h.ok(['create', 's2']);
    const m2 = new RegExp(`^Session s2 created\\.\\nTraces will be output to (${h.dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/ttng-traces/s2-${DATETIME})\\n$`).exec(s2);
    assert.ok(m2, s2);
    const s2out = m2![1]!;

    assert.equal(
      await h.ok(['list']),
      `Available recording sessions:
  1) s1 [inactive]
    Trace output: ${out}

  2) ${m![1]} [inactive]
    Trace output: ${m![2]}

  3) s2 [inactive]
    Trace output: ${s2out}


Use ttng list <session_name> for more details
`,
    );
    // the last one created is the current one
    assert.equal(fs.readFileSync(h.rcFile, 'utf8'), 'session=s2\n');
    assert.equal(await h.ok(['status']), `Recording session s2: [inactive]\n    Trace output: ${s2out}\n\n`);
    assert.equal(await h.ok(['list', 's1']), `Recording session s1: [inactive]\n    Trace output: ${out}\n\n`);

    assert.equal(await h.ok(['set-session', 's1']), 'Session set to s1\n');
    assert.match(await h.ok(['status']), /^Recording session s1: \[inactive\]/);
    assert.equal(oneError(await h.ttng(['set-session', 'nope'])), "Error: Session 'nope' not found");
    assert.equal(oneError(await h.ttng(['set-session'])), 'Error: Missing session name');

    assert.equal(oneError(await h.ttng(['create', 's1'])), 'Error: Session name already exists');
    assert.equal(oneError(await h.ttng(['create', 'auto-mine'])), 'Error: auto is a reserved keyword for default session(s)');
    assert.equal(oneError(await h.ttng(['create', 'a/b'])), 'Error: Invalid character found in session name');
    assert.equal(oneError(await h.ttng(['create', 'x', 'y'])), 'Error: Unknown argument: y');
    assert.equal(oneError(await h.ttng(['create', '--shm-path=/dev/shm/x'])), 'Error: --shm-path is not supported yet');
    assert.equal(oneError(await h.ttng(['list', 'nosuch'])), "Error: Session 'nosuch' not found");

    assert.equal(await h.ok(['destroy']), 'Session s1 destroyed\n');
    assert.ok(!fs.existsSync(h.rcFile), 'destroying the current session forgets it');
    const st = await h.ttng(['status']);
    assert.equal(oneError(st), `Error: Can't find valid ttng config ${h.rcFile}`);
    assert.equal(st.stdout, 'Did you create a session? (ttng create <my_session>)\n');
    assert.equal(oneError(await h.ttng(['destroy', 'nosuch'])), 'Error: Session name nosuch not found');
    assert.equal(await h.ok(['destroy', '-a']), `Session ${m![1]} destroyed\nSession s2 destroyed\n`);
    assert.equal(await h.ok(['destroy', '-a']), 'No session found, nothing to do.\n');
    assert.equal(await h.ok(['list']), 'Currently no available recording session\n');
  });

  test('--help on every verb; unknown verbs and options', async (t) => {
    const h = home(t);
    const verbs = ['create', 'destroy', 'start', 'stop', 'list', 'status', 'set-session', 'enable-channel', 'enable-event', 'disable-event', 'add-context', 'save', 'load', 'view', 'version'];
    for (const v of verbs) {
      const r = await h.ttng([v, '--help']);
      assert.equal(r.code, 0, `${v} --help: ${r.stderr}`);
      assert.match(r.stdout, new RegExp(`^Usage: ttng ${v}\\b`), v);
      const r2 = await h.ttng(['help', v]);
      assert.equal(r2.stdout, r.stdout, `ttng help ${v}`);
    }
    const top = await h.ok(['--help']);
    for (const v of verbs) assert.match(top, new RegExp(`^  ${v}\\b`, 'm'), `ttng --help lists ${v}`);
    assert.equal(oneError(await h.ttng(['bogus-verb'])), 'Error: unknown command "bogus-verb" (see `ttng --help`)');
    assert.equal(
      oneError(await h.ttng(['start', '--bogus'])),
      "Error: Unrecognized option --bogus used with 'start' command (see `ttng start --help`)",
    );
    assert.equal(oneError(await h.ttng(['enable-event', '-k', '-c'])), 'Error: Option -c needs a value');
    assert.equal(h.daemonPid(), undefined, '--help and usage errors start no daemon');
  });
});

describe('ttng list -k', () => {
  test('the kernel tracepoints and system calls; a closed pipe ends the output quietly', async (t) => {
    const h = home(t, { env: { TTNG_FAKE_TRACEPOINTS: '20000' } });
    await h.ok(['create', 's']);
    const k = await h.ok(['list', '-k']);
    const lines = k.split('\n');
    assert.deepEqual(lines.slice(0, 3), ['Kernel events:', '-------------', '      fake_tracepoint_0 (loglevel: TRACE_EMERG (0)) (type: tracepoint)']);
    assert.equal(lines.length, 20004);
    assert.deepEqual(lines.slice(-2), ['', '']);
    const sys = await h.ok(['list', '-k', '--syscall']);
    assert.match(sys, /^System calls:\n-------------\n      read \[(64|32)-bit\]\n      write \[(64|32)-bit\]\n/);
    const piped = await h.run('/bin/sh', ['-c', `"${process.execPath}" "${BIN}" list -k | head -1`]);
    assert.equal(piped.stdout.split('\n')[0], 'Kernel events:');
    assert.equal(piped.stderr, '', 'no EPIPE stack trace');
  });
});

describe('ttng enable-channel', () => {
  test('options, defaults and lttng-like validation errors', async (t) => {
    const h = home(t);
    await h.ok(['create', 's']);
    const E = async (args: string[]): Promise<string> => oneError(await h.ttng(['enable-channel', ...args]));
    assert.equal(await E(['c1']), 'Error: Please specify a domain (--kernel/--userspace).');
    assert.equal(await E(['-k', '-u', 'c1']), 'Error: Only one domain must be specified.');
    assert.equal(await E(['-j', 'c1']), "Error: Unrecognized option --jul used with 'enable-channel' command");
    assert.equal(await E(['-k']), 'Error: Missing channel name.');
    assert.equal(await E(['-k', 'c1', 'c2']), 'Error: Unknown argument: c2');
    for (const bad of ['abc', '0', '-4096', '4x', '4m', '1T']) {
      assert.equal(await E(['-k', `--subbuf-size=${bad}`, 'c1']), `Error: Wrong value in --subbuf-size parameter: ${bad}`);
    }
    assert.equal(await E(['-k', '--num-subbuf=0', 'c1']), 'Error: Wrong value in --num-subbuf parameter: 0');
    assert.equal(await E(['-k', '--num-subbuf', 'x', 'c1']), 'Error: Wrong value in --num-subbuf parameter: x');
    assert.equal(await E(['-k', '--switch-timer=abc', 'c1']), 'Error: Wrong value for --switch-timer parameter: abc');
    assert.equal(await E(['-k', '--read-timer=-1', 'c1']), 'Error: Wrong value for --read-timer parameter: -1');
    assert.equal(await E(['-k', '--switch-timer=5000000000', 'c1']), 'Error: 32-bit overflow in --switch-timer parameter: 5000000000');
    assert.equal(await E(['-k', '--blocking-timeout=10', 'c1']), 'Error: Retry timeout option not supported for kernel domain (-k)');
    assert.equal(await E(['-k', '--buffers-pid', 'c1']), 'Error: Buffer type not supported for domain -k');
    assert.equal(await E(['-k', '--output=foo', 'c1']), 'Error: Unknown output type foo. Possible values are: mmap, splice');
    assert.equal(await E(['-k', '--tracefile-count=2', 'c1']), "Error: Missing option --tracefile-size. A file count without a size won't do anything.");
    assert.equal(await E(['-k', '--subbuf-size=1k', 'c1']), 'Error: Channel c1: Invalid sub-buffer size 1024: must be at least the page size (4096 bytes) (session s)');
    assert.equal(await E(['-k', '.hidden']), `Error: Invalid channel name: ".hidden". Channel names may not start with '.', and may not contain '/'.`);
    assert.equal(await E(['-k', '-s', 'nosuch', 'c1']), 'Error: Channel c1: Session name not found (session nosuch)');
    assert.equal(h.calls().filter((c) => c.op === 'addChannel').length, 0, 'no channel reached the tracer');

    // rounding to powers of 2 warns, as lttng does
    const r = await h.ttng(['enable-channel', '-k', '--subbuf-size=3k', '--num-subbuf', '3', '--switch-timer=1s', '--read-timer', '100ms', 'c1']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stderr,
      'Warning: The subbuf size (3072) is rounded to the next power of 2 (4096)\nWarning: The number of subbuffers (3) is rounded to the next power of 2 (4)\n',
    );
    assert.equal(r.stdout, 'kernel channel c1 enabled for session s\n');
    const add = h.calls().filter((c) => c.op === 'addChannel');
    assert.deepEqual(add.map((c) => c['cfg']), [{ name: 'c1', subbufSize: 4096, numSubbuf: 4, switchTimerUs: 1_000_000, readTimerUs: 100_000, overwrite: false }]);

    assert.equal(await h.ok(['enable-channel', '-k', '--overwrite', '--subbuf-size=2M', 'c2,c3']), 'kernel channel c2 enabled for session s\nkernel channel c3 enabled for session s\n');
    const again = await h.ttng(['enable-channel', '-k', 'c1']);
    assert.equal(oneError(again), 'Warning: Channel c1: Kernel channel already exists (session s)');

    const list = await h.ok(['list', 's', '-c', 'c2']);
    assert.match(list, /- c2: \[enabled\]\n\n    Attributes:\n      Event-loss mode:  overwrite\n      Sub-buffer size:  2097152 bytes\n/);
    assert.match(list, /Output mode:      splice\n\n    Statistics:\n      Lost packets:     0\n/);
    assert.doesNotMatch(list, /Blocking timeout/, 'no blocking timeout in overwrite mode');
    const l1 = await h.ok(['list', 's', '-c', 'c1']);
    assert.match(l1, /      Switch timer:     1000000 us\n      Read timer:       100000 us\n/);
    assert.equal(oneError(await h.ttng(['list', 's', '-c', 'nope'])), 'Error: Channel nope not found');

    await h.ok(['enable-event', '-k', '-c', 'c1', 'sched_switch']);
    await h.ok(['start']);
    assert.equal(await E(['-k', 'late']), 'Error: Channel late: Tracing has already been started once (session s)');
  });
});

describe('ttng enable-event, disable-event, add-context', () => {
  test('event rules, channel0 created on demand with the kernel defaults, filters', async (t) => {
    const h = home(t);
    await h.ok(['create', 's']);
    const E = async (args: string[]): Promise<string> => oneError(await h.ttng(['enable-event', ...args]));
    assert.equal(await E(['sched_switch']), 'Error: Please specify a domain (--kernel/--userspace/--jul/--log4j/--python).');
    assert.equal(await E(['-k']), 'Error: Missing event name(s).');
    assert.equal(await E(['-k', '--syscall', '--tracepoint', 'x']), 'Error: Multiple event type not supported.');
    assert.equal(await E(['-k', '-x', 'a', 'b*']), 'Error: Event name exclusions are not yet implemented for kernel events');
    assert.equal(await E(['-k', '--probe=do_sys_open', 'x']), 'Error: --probe is not supported yet');

    assert.equal(await h.ok(['enable-event', '-k', 'sched_switch']), 'kernel event sched_switch created in channel channel0\n');
    const ch0 = h.calls().filter((c) => c.op === 'addChannel');
    assert.deepEqual(ch0.map((c) => c['cfg']), [{ name: 'channel0', subbufSize: 1 << 20, numSubbuf: 4, switchTimerUs: 0, readTimerUs: 200_000, overwrite: false }]);
    assert.deepEqual(lastRules(h), [{ kind: 'tracepoint', pattern: 'sched_switch', enabled: true }]);

    assert.equal(
      await h.ok(['enable-event', '-k', 'sched_wakeup,sched_process_*']),
      'kernel event sched_wakeup created in channel channel0\nkernel event sched_process_* created in channel channel0\n',
    );
    assert.equal(await h.ok(['enable-event', '-k', '--syscall', 'openat,read']), 'kernel event openat created in channel channel0\nkernel event read created in channel channel0\n');
    assert.equal(await h.ok(['enable-event', '-k', '--syscall', '-a']), 'All kernel system calls are enabled in channel channel0\n');
    assert.equal(
      oneError(await h.ttng(['enable-event', '-k', 'sched_switch'])),
      'Warning: Kernel event sched_switch already enabled (channel channel0, session s)',
    );
    assert.equal(await h.ok(['enable-event', '-k', '--filter', 'prev_tid == 0 && $ctx.procname != "kworker*"', 'sched_switch']), `Event sched_switch: Filter 'prev_tid == 0 && $ctx.procname != "kworker*"' successfully set\n`);
    const rules = lastRules(h) as { kind: string; pattern: string; filter?: string }[];
    assert.equal(rules.length, 7);
    assert.deepEqual(rules[6], { kind: 'tracepoint', pattern: 'sched_switch', enabled: true, filter: 'prev_tid == 0 && $ctx.procname != "kworker*"' });
    assert.deepEqual(rules[5], { kind: 'syscall', pattern: '*', enabled: true });

    // filters are checked as LTTng's parser does
    const F = async (f: string): Promise<string> => oneError(await h.ttng(['enable-event', '-k', `--filter=${f}`, 'sched_wakeup']));
    assert.equal(await F('prev_tid =='), "Error: Event sched_wakeup: Invalid filter expression: syntax error: unexpected end of expression (channel channel0, session s, filter 'prev_tid ==')");
    assert.equal(await F('prev_tid + 1 > 2'), "Error: Event sched_wakeup: Invalid filter expression: binary operation '+' not supported (channel channel0, session s, filter 'prev_tid + 1 > 2')");
    assert.equal(await F('comm < "a"'), "Error: Event sched_wakeup: Invalid filter expression: Only '==' and '!=' comparators are allowed for strings (channel channel0, session s, filter 'comm < \"a\"')");
    assert.equal(await F('$foo.bar == 1'), "Error: Event sched_wakeup: Invalid filter expression: Unexpected identifier '$foo' (channel channel0, session s, filter '$foo.bar == 1')");
    assert.equal(await F('$app.p:c == 1'), "Error: Event sched_wakeup: Invalid filter expression: application contexts ($app.…) are not available in the kernel domain (channel channel0, session s, filter '$app.p:c == 1')");

    // a named channel is made on demand too; then -c is needed
    assert.equal(await h.ok(['enable-event', '-k', '-c', 'mine', 'irq_*']), 'kernel event irq_* created in channel mine\n');
    assert.equal(
      await E(['-k', 'sched_waking']),
      "Error: Event sched_waking: Non-default channel exists within session: channel name needs to be specified with '-c name' (channel <default>, session s)",
    );
    assert.equal(await h.ok(['enable-event', '-k', '-a', '-c', 'mine']), 'All kernel events are enabled in channel mine\n');
    assert.deepEqual(lastRules(h, 'mine'), [
      { kind: 'tracepoint', pattern: 'irq_*', enabled: true },
      { kind: 'tracepoint', pattern: '*', enabled: true },
      { kind: 'syscall', pattern: '*', enabled: true },
    ]);
    assert.equal(oneError(await h.ttng(['enable-event', '-k', '-a', '--tracepoint', '-c', 'mine'])), 'Warning: Kernel events already enabled (channel mine, session s)');

    // disable-event
    const D = async (args: string[]): Promise<string> => h.ok(['disable-event', ...args]);
    assert.equal(await D(['-k', '-c', 'channel0', 'sched_wakeup']), 'kernel sched_wakeup of type any disabled in channel channel0 for session s\n');
    assert.equal(
      oneError(await h.ttng(['disable-event', '-k', '-c', 'channel0', 'nosuch'])),
      'Error: nosuch of type any : Event not found (channel channel0, session s)',
    );
    assert.equal(await D(['-k', '-c', 'channel0', '-a', '--syscall']), 'All kernel events of type syscall are disabled in channel channel0\n');
    assert.equal(oneError(await h.ttng(['disable-event', '-k', '-c', 'nope', 'x'])), 'Error: x of type any : Kernel channel not found (channel nope, session s)');

    const list = await h.ok(['list', 's', '-c', 'channel0']);
    assert.equal(
      list,
      `Recording session s: [inactive]
    Trace output: ${(await h.ok(['list'])).split('\n')[2]!.replace('    Trace output: ', '')}

${KERNEL_HEADER}${channelBlock('channel0', [
        `sched_switch (loglevel: TRACE_EMERG (0)) (type: tracepoint) [enabled] [filter: 'prev_tid == 0 && $ctx.procname != "kworker*"']`,
        '* (type:syscall) [disabled]',
        'read (type:syscall) [disabled]',
        'openat (type:syscall) [disabled]',
        'sched_process_* (loglevel: TRACE_EMERG (0)) (type: tracepoint) [enabled]',
        'sched_wakeup (loglevel: TRACE_EMERG (0)) (type: tracepoint) [disabled]',
        'sched_switch (loglevel: TRACE_EMERG (0)) (type: tracepoint) [enabled]',
      ])}`,
    );
    // enabling a disabled rule again
    assert.equal(await h.ok(['enable-event', '-k', '-c', 'channel0', 'sched_wakeup']), 'kernel event sched_wakeup created in channel channel0\n');
    assert.match(await h.ok(['list', 's']), /sched_wakeup \(loglevel: TRACE_EMERG \(0\)\) \(type: tracepoint\) \[enabled\]/);
  });

  test('add-context: to all channels, to one, channel0 made when there is none', async (t) => {
    const h = home(t);
    await h.ok(['create', 's']);
    const E = async (args: string[]): Promise<string> => oneError(await h.ttng(['add-context', ...args]));
    assert.equal(await E(['-k']), 'Error: Missing mandatory -t TYPE');
    assert.equal(await E(['-k', '-t', 'bogus']), 'Error: Unknown context type bogus');
    assert.equal(await E(['-k', '-t', 'perf:cpu:cycles']), 'Error: perf:cpu:cycles: context type not supported by ttng yet');
    assert.equal(await E(['-t', 'pid']), 'Error: Please specify a domain (--kernel/--userspace/--jul/--log4j/--python).');
    assert.equal(await h.ok(['add-context', '-k', '-t', 'pid', '--type=procname']), 'kernel context pid added to all channels\nkernel context procname added to all channels\n');
    assert.deepEqual(h.calls().filter((c) => c.op === 'addChannel').map((c) => (c['cfg'] as { name: string }).name), ['channel0']);
    await h.ok(['enable-channel', '-k', 'c2']);
    assert.equal(await h.ok(['add-context', '-k', '-t', 'tid', '-c', 'c2']), 'kernel context tid added to channel c2\n');
    assert.equal(await E(['-k', '-t', 'tid', '-c', 'nope']), 'Error: tid: Kernel channel not found');
    assert.equal(await h.ok(['add-context', '-k', '-t', 'vpid']), 'kernel context vpid added to all channels\n');
    const ctx = h.calls().filter((c) => c.op === 'setContexts');
    const last = (ch: string): unknown => ctx.filter((c) => c['channel'] === ch).pop()?.['types'];
    assert.deepEqual(last('channel0'), ['pid', 'procname', 'vpid']);
    assert.deepEqual(last('c2'), ['tid', 'vpid']);
    assert.equal(await h.ok(['add-context', '-k', '-t', 'pid']), 'kernel context pid added to all channels\n', 'a context already there is no error');
    assert.equal((await h.ok(['add-context', '--list'])).split('\n')[0], 'pid');
    await h.ok(['enable-event', '-k', '-c', 'c2', 'x']);
    await h.ok(['start']);
    assert.equal(await E(['-k', '-t', 'nice']), 'Error: nice: Tracing has already been started once');
  });
});

describe('ttng start, stop, destroy', () => {
  test('wording, the wait for the data, and the discarded-events warning', async (t) => {
    const h = home(t, { env: { TTNG_FAKE_DISCARDED: '1234', TTNG_FAKE_STOP_DELAY_MS: '700' } });
    await h.ok(['create', 's']);
    assert.equal(oneError(await h.ttng(['start'])), 'Error: No channel found in the session');
    await h.ok(['enable-event', '-k', 'sched_switch']);
    assert.equal(await h.ok(['start']), 'Tracing started for session s\n');
    assert.equal(oneError(await h.ttng(['start'])), 'Warning: Tracing already started for session s');
    const active = await h.ok(['list', 's']);
    assert.match(active, /^Recording session s: \[active\]/);
    assert.match(active, /Statistics:\n      Discarded events: 1234\n/);
    assert.match(await h.ok(['list']), /1\) s \[active\]/);
    assert.equal(
      oneError(await h.ttng(['enable-event', '-k', '-c', 'late', 'x'])),
      'Error: Event x: The command tried to enable an event in a new domain for a session that has already been started once. (channel late, session s)',
    );
    // rules may change while tracing
    assert.equal(await h.ok(['enable-event', '-k', 'sched_wakeup']), 'kernel event sched_wakeup created in channel channel0\n');

    const stop = await h.ok(['stop']);
    assert.match(
      stop,
      /^Waiting for data availability\.+\nWarning: 1234 events were discarded, please refer to the documentation on channel configuration\.\nTracing stopped for session s\n$/,
    );
    assert.ok(h.calls().some((c) => c.op === 'stop'), 'the tracer was stopped before stop returned');
    assert.equal(oneError(await h.ttng(['stop'])), 'Warning: Tracing already stopped for session s');
    assert.match(await h.ok(['list', 's']), /Discarded events: 1234/);
    // restart, then destroy a recording session: destroy waits for the data and warns
    await h.ok(['start']);
    const d = await h.ok(['destroy']);
    assert.match(d, /^Destroying session s\.+\nSession s destroyed\nWarning: 1234 events were discarded, please refer to the documentation on channel configuration\.\n$/);
    assert.deepEqual(h.instances(), [], 'destroy removed the instances');
    assert.equal(h.calls().filter((c) => c.op === 'destroy').length, 1);
  });

  test('stop --no-wait returns at once; two sessions are independent', async (t) => {
    const h = home(t, { env: { TTNG_FAKE_STOP_DELAY_MS: '300' } });
    await h.ok(['create', 'a']);
    await h.ok(['enable-event', '-k', 'sched_switch']);
    await h.ok(['create', 'b']);
    await h.ok(['enable-event', '-k', '--syscall', 'openat']);
    await h.ok(['start', 'a']);
    await h.ok(['start', 'b']);
    assert.equal(h.instances().length, 2);
    assert.equal(await h.ok(['stop', '-n', 'a']), 'Tracing stopped for session a\n');
    assert.match(await h.ok(['list']), /1\) a \[inactive\]\n[^\n]*\n\n  2\) b \[active\]/);
    // a's data may still be on its way: destroy waits for it (and shows it), as lttng does
    assert.match(await h.ok(['destroy', 'a']), /^(Destroying session a\.+\n)?Session a destroyed\n$/);
    assert.deepEqual(h.instances().map((i) => i.replace(/^ttng_\d+_/, '')), ['b_channel0'], "b's instance is intact");
    assert.match(await h.ok(['list', 'b']), /openat \(type:syscall\) \[enabled\]/);
    assert.match(await h.ok(['stop', 'b']), /Tracing stopped for session b\n$/);
  });
});

describe('ttng save, load', () => {
  test('LTTng XML session files round-trip, -o/-i/-f', async (t) => {
    const h = home(t);
    await h.ok(['create', 's', '-o', path.join(h.dir, 'out')]);
    await h.ok(['enable-channel', '-k', '--overwrite', '--subbuf-size=64k', '--num-subbuf=8', '--switch-timer=500ms', 'fr']);
    await h.ok(['enable-event', '-k', '-c', 'fr', 'sched_switch']);
    await h.ok(['enable-event', '-k', '-c', 'fr', '--syscall', '-a', '--filter', 'fd < 3 || $ctx.procname == "x\\*"']);
    await h.ok(['enable-event', '-k', '-c', 'fr', 'sched_wakeup']);
    await h.ok(['disable-event', '-k', '-c', 'fr', 'sched_wakeup']);
    await h.ok(['add-context', '-k', '-t', 'procname', '-t', 'tid']);
    const before = await h.ok(['list', 's']);
    assert.equal(await h.ok(['save']), 'All sessions have been saved successfully.\n');
    const file = path.join(h.dir, '.ttng', 'sessions', 's.lttng');
    const xml = fs.readFileSync(file, 'utf8');
    assert.match(xml, /^<\?xml version="1.0" encoding="UTF-8"\?>\n<sessions>\n\t<session>\n\t\t<name>s<\/name>/);
    assert.match(xml, /<filter>fd &lt; 3 \|\| \$ctx.procname == &quot;x\\\*&quot;<\/filter>/);
    assert.equal(oneError(await h.ttng(['save', 's'])), `Error: Session file already exists: ${file}`);
    assert.equal(await h.ok(['save', 's', '-f']), 'Session s saved successfully.\n');
    const other = path.join(h.dir, 'elsewhere');
    assert.equal(await h.ok(['save', 's', '-o', other]), `Session s saved successfully in ${other}.\n`);
    assert.ok(fs.existsSync(path.join(other, 's.lttng')));

    await h.ok(['destroy', '-a']);
    assert.equal(await h.ok(['load']), 'All sessions have been loaded successfully\n');
    assert.equal(await h.ok(['list', 's']), before, 'the loaded session is the saved one');
    assert.equal(oneError(await h.ttng(['load', 's'])), 'Error: Session name already exists: s');
    assert.equal(await h.ok(['load', '-f', 's', '-i', path.join(other, 's.lttng')]), 'Session s has been loaded successfully\n');
    assert.equal(fs.readFileSync(h.rcFile, 'utf8'), 'session=s\n');
    assert.equal(oneError(await h.ttng(['load', 'nope'])), `Error: Session nope not found in ${path.join(h.dir, '.ttng', 'sessions')}`);
    assert.equal(oneError(await h.ttng(['load', '-i', '/nonexistent/x.lttng'])), 'Error: Invalid input path: /nonexistent/x.lttng');
    fs.writeFileSync(path.join(other, 'bad.lttng'), '<sessions><session><name>b</name></sessio></sessions>');
    assert.match(oneError(await h.ttng(['load', '-i', path.join(other, 'bad.lttng')])), /^Error: Invalid session configuration .*bad\.lttng: line 1: mismatched end tag for <session>$/);
  });

  test('a file as LTTng 2.13 writes it loads, and a started session starts', async (t) => {
    const h = home(t);
    const out = path.join(h.dir, 'lt-out');
    const file = path.join(h.dir, 'lt.lttng');
    fs.writeFileSync(
      file,
      `<?xml version="1.0" encoding="UTF-8"?>
<sessions>
	<session>
		<name>lt</name>
		<shared_memory_path></shared_memory_path>
		<domains>
			<domain>
				<type>KERNEL</type>
				<buffer_type>GLOBAL</buffer_type>
				<channels>
					<channel>
						<name>channel0</name>
						<enabled>true</enabled>
						<overwrite_mode>DISCARD</overwrite_mode>
						<subbuffer_size>262144</subbuffer_size>
						<subbuffer_count>4</subbuffer_count>
						<switch_timer_interval>0</switch_timer_interval>
						<read_timer_interval>200000</read_timer_interval>
						<output_type>SPLICE</output_type>
						<tracefile_size>0</tracefile_size>
						<tracefile_count>0</tracefile_count>
						<live_timer_interval>0</live_timer_interval>
						<monitor_timer_interval>1000000</monitor_timer_interval>
						<events>
							<event>
								<name>sched_switch</name>
								<enabled>true</enabled>
								<type>TRACEPOINT</type>
								<loglevel_type>ALL</loglevel_type>
								<loglevel>0</loglevel>
								<filter>prev_prio &lt; 120</filter>
							</event>
						</events>
						<contexts>
							<context>
								<type>VTID</type>
							</context>
						</contexts>
					</channel>
				</channels>
				<process_attr_trackers/>
			</domain>
		</domains>
		<started>true</started>
		<attributes>
			<snapshot_mode>false</snapshot_mode>
		</attributes>
		<output>
			<consumer_output>
				<enabled>true</enabled>
				<destination>
					<path>${out}</path>
				</destination>
			</consumer_output>
		</output>
	</session>
</sessions>
`,
    );
    assert.equal(await h.ok(['load', '-i', file]), 'Spawning a session daemon\nAll sessions have been loaded successfully\n');
    const l = await h.ok(['list', 'lt']);
    assert.match(l, /^Recording session lt: \[active\]\n    Trace output: .*lt-out\n/);
    assert.match(l, /Sub-buffer size:  262144 bytes/);
    assert.match(l, /sched_switch \(loglevel: TRACE_EMERG \(0\)\) \(type: tracepoint\) \[enabled\] \[filter: 'prev_prio < 120'\]/);
    assert.deepEqual(h.calls().filter((c) => c.op === 'setContexts').pop()?.['types'], ['vtid']);
  });
});
