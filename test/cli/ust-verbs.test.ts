// The `-u` session verbs: messages, errors and listings as lttng 2.13 prints
// them (checked against the real `lttng` with `lttng-sessiond --no-kernel`),
// and save/load of the user-space domain. Real daemon, no app needed.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { before, describe, test } from 'node:test';
import { ensureBuilt } from '../helpers.js';
import { home, oneError } from '../sessiond/harness.js';

before(() => ensureBuilt());

describe('ttng -u verbs', () => {
  test('enable-channel -u: LTTng-UST defaults, buffer types, options lttng refuses', async (t) => {
    const h = home(t);
    await h.ok(['create', 's', '-o', path.join(h.dir, 'tr')]);
    assert.equal(await h.ok(['enable-channel', '-u', 'ch1']), 'ust channel ch1 enabled for session s\n');
    const again = await h.ttng(['enable-channel', '-u', 'ch1']);
    assert.equal(again.stderr, 'Warning: Channel ch1: UST channel already exist (session s)\n');
    assert.notEqual(again.code, 0);
    const E = async (args: string[]): Promise<string> => oneError(await h.ttng(['enable-channel', ...args]));
    assert.equal(await E(['-u', '--buffers-pid', 'ch2']), 'Error: Channel ch2: Buffer type mismatch for session (session s)');
    assert.equal(await E(['-u', '--buffers-global', 'ch3']), 'Error: Buffer type not supported for domain -u');
    assert.equal(await E(['-u', '--overwrite', '--blocking-timeout=100', 'ch4']), 'Error: You cannot specify --overwrite and --blocking-timeout=N, where N is different than 0');
    assert.equal(await E(['-u', '--output=splice', 'ch5']), 'Error: Channel ch5: Operation not supported (session s)');
    assert.match(await E(['-u', '--blocking-timeout=100', 'ch6']), /^Error: Channel ch6: Operation not supported: a traced app never blocks/);
    assert.equal(await h.ok(['enable-channel', '-u', '--overwrite', '--subbuf-size=8k', '--num-subbuf=8', '--switch-timer=100ms', 'ch7']), 'ust channel ch7 enabled for session s\n');
    const list = await h.ok(['list', 's']);
    assert.equal(
      list.split('\n').slice(0, 30).join('\n'),
      [
        'Recording session s: [inactive]',
        `    Trace output: ${path.join(h.dir, 'tr')}`,
        '',
        '=== Domain: User space ===',
        '',
        'Buffering scheme: per-user',
        '',
        'Tracked process attributes',
        '  Virtual process IDs:  all',
        '  Virtual user IDs:     all',
        '  Virtual group IDs:    all',
        '',
        'Channels:',
        '-------------',
        '- ch7: [enabled]',
        '',
        '    Attributes:',
        '      Event-loss mode:  overwrite',
        '      Sub-buffer size:  8192 bytes',
        '      Sub-buffer count: 8',
        '      Switch timer:     100000 us',
        '      Read timer:       inactive',
        '      Monitor timer:    1000000 us',
        '      Trace file count: 1 per stream',
        '      Trace file size:  unlimited',
        '      Output mode:      mmap',
        '',
        '    Statistics:',
        '      Lost packets:     0',
        '',
      ].join('\n'),
    );
    assert.match(list, /- ch1: \[enabled\]\n\n {4}Attributes:\n {6}Event-loss mode: {2}discard\n {6}Sub-buffer size: {2}524288 bytes\n {6}Sub-buffer count: 4\n/);
    assert.match(await h.ok(['list', '-d', 's']), /Domains:\n-------------\n {2}- UST global\n/);
  });

  test('--buffers-pid: 16 KiB sub-buffers, per-process scheme', async (t) => {
    const h = home(t);
    await h.ok(['create', 's']);
    await h.ok(['enable-channel', '-u', '--buffers-pid', 'p']);
    const list = await h.ok(['list', 's', '-u']);
    assert.match(list, /Buffering scheme: per-process\n/);
    assert.match(list, /Sub-buffer size: {2}16384 bytes\n/);
    assert.doesNotMatch(list, /=== Domain/);
  });

  test('enable-event -u, disable-event -u, add-context -u: messages and errors', async (t) => {
    const h = home(t);
    await h.ok(['create', 's']);
    const ok = (args: string[]): Promise<string> => h.ok(args);
    assert.equal(await ok(['enable-event', '-u', 'app:*', '-x', 'app:a,app:b']), 'ust event app:* excluding "app:a", "app:b" created in channel channel0\n');
    assert.equal(await ok(['enable-event', '-u', '-a', '--loglevel', 'WARNING']), 'All ust events are enabled in channel channel0 for loglevel WARNING\n');
    assert.equal(await ok(['enable-event', '-u', 'foo', '--loglevel-only', 'TRACE_INFO', '--filter', 'a==1']), "Event foo: Filter 'a==1' successfully set\n");
    assert.equal(await ok(['enable-event', '-u', 'bar']), 'ust event bar created in channel channel0\n');
    assert.equal(await ok(['disable-event', '-u', 'bar']), 'ust bar of type any disabled in channel channel0 for session s\n');
    const E = async (args: string[]): Promise<string> => oneError(await h.ttng(args));
    assert.equal(await E(['enable-event', '-u', 'app:*', '-x', 'app:a,app:b']), 'Error: Event app:*: UST event already enabled (channel channel0, session s)');
    assert.equal(await E(['enable-event', '-u', '-a', '--loglevel', 'WARNING']), 'Error: Events: UST event already enabled (channel channel0, session s)');
    assert.equal(await E(['enable-event', '-u', 'foo', '--loglevel', 'BLAH']), 'Error: Unknown loglevel BLAH');
    assert.equal(await E(['enable-event', '-u', 'foo', '-x', 'foo']), 'Error: Event foo: Exclusions can only be used with a globbing pattern');
    assert.match(await E(['enable-event', '-u', 'foo', '--filter', 'a ==']), /^Error: Event foo: Invalid filter expression/);
    const w = await h.ttng(['enable-event', '-u', 'foo*', '-x', 'bar']);
    assert.equal(w.stderr, 'Warning: Event foo*: bar does not exclude any events from foo*\n');
    assert.equal(w.stdout, 'ust event foo* excluding "bar" created in channel channel0\n');
    assert.equal(await E(['enable-event', '-u', '--syscall', 'x']), 'Error: Event type not available for user-space tracing');
    assert.equal(await E(['disable-event', '-u', '--syscall', 'x']), 'Error: Disabling userspace and agent (-j | -l | -p) event(s) based on instrumentation type is not supported.');
    assert.equal(await ok(['enable-event', '-u', '-a', '-x', 'foo,bar']), 'All ust events excluding "foo", "bar" are enabled in channel channel0\n');
    assert.equal(await E(['disable-event', '-u', 'nope']), 'Error: nope of type any : UST event not found (channel channel0, session s)');
    assert.equal(await E(['disable-event', '-u', 'foo', '-c', 'nochan']), 'Error: foo of type any : UST channel not found (channel nochan, session s)');
    assert.equal(await ok(['add-context', '-u', '-t', 'vpid', '-t', 'procname']), 'ust context vpid added to all channels\nust context procname added to all channels\n');
    assert.equal(await E(['add-context', '-u', '-t', 'pid']), 'Error: pid: UST invalid context');
    assert.equal(await E(['add-context', '-u', '-t', 'vpid', '-c', 'channel0']), 'Error: vpid: UST context already exist');
    const list = await h.ok(['list', 's']);
    assert.match(
      list,
      new RegExp(
        [
          '    Recording event rules:',
          '      \\* \\(type: tracepoint\\) \\[enabled\\] \\[exclusions: foo,bar\\]',
          '      foo\\* \\(type: tracepoint\\) \\[enabled\\] \\[exclusions: bar\\]',
          '      bar \\(type: tracepoint\\) \\[disabled\\]',
          "      foo \\(loglevel == TRACE_INFO \\(6\\)\\) \\(type: tracepoint\\) \\[enabled\\] \\[filter: 'a==1'\\]",
          '      \\* \\(loglevel <= TRACE_WARNING \\(4\\)\\) \\(type: tracepoint\\) \\[enabled\\]',
          '      app:\\* \\(type: tracepoint\\) \\[enabled\\] \\[exclusions: app:a,app:b\\]',
          '',
        ].join('\n'),
      ),
    );
    await h.ok(['start']);
    assert.equal(
      await E(['enable-event', '-u', '-c', 'newch', 'x']),
      'Error: Event x: The command tried to enable an event in a new domain for a session that has already been started once. (channel newch, session s)',
    );
    assert.equal(await E(['enable-channel', '-u', 'newch2']), 'Error: Channel newch2: Tracing has already been started once (session s)');
    assert.equal(await E(['add-context', '-u', '-t', 'vtid']), 'Error: vtid: Tracing has already been started once');
    assert.equal(await ok(['disable-event', '-u', '-a']), 'All ust events of type any are disabled in channel channel0\n');
    assert.equal(await ok(['list', '-u']), 'UST events:\n-------------\nNone\n\n');
  });

  test('save and load keep the user-space domain', async (t) => {
    const h = home(t);
    await h.ok(['create', 's']);
    await h.ok(['enable-channel', '-u', '--buffers-pid', '--overwrite', '--subbuf-size=32k', 'c']);
    await h.ok(['enable-event', '-u', '-c', 'c', 'app:*', '-x', 'app:x', '--loglevel', 'ERR', '--filter', 'v > 2']);
    await h.ok(['enable-event', '-u', '-c', 'c', 'off']);
    await h.ok(['disable-event', '-u', '-c', 'c', 'off']);
    await h.ok(['add-context', '-u', '-t', 'vtid', '-c', 'c']);
    const before = await h.ok(['list', 's']);
    const saveDir = path.join(h.dir, 'saved');
    await h.ok(['save', 's', '-o', saveDir]);
    const xml = fs.readFileSync(path.join(saveDir, 's.lttng'), 'utf8');
    assert.match(xml, /<type>UST<\/type>\n\t+<buffer_type>PER_PID<\/buffer_type>/);
    assert.match(xml, /<loglevel_type>RANGE<\/loglevel_type>\n\t+<loglevel>3<\/loglevel>/);
    assert.match(xml, /<exclusions>\n\t+<exclusion>app:x<\/exclusion>/);
    await h.ok(['destroy', 's']);
    await h.ok(['load', '-i', saveDir, 's']);
    assert.equal(await h.ok(['list', 's']), before);
  });
});
