// Bad input through the CLI: `ttng view` exits 1 with one `Error: …` line (naming the file
// and the byte offset where there is one), no stack trace, and the events decoded before the
// error on stdout, as babeltrace2 2.0.4 prints them (checked against babeltrace2 itself when
// it is installed; the expected counts below come from it). Damaged traces are copies of
// reference traces in a temporary directory.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  BIN, CONFORMANCE, NO_BABELTRACE2, STACK_LINE, TRACES, babeltrace2, copyTrace, ensureBuilt, has, run, tempDir, ttng,
} from '../helpers.js';
import type { RunResult } from '../helpers.js';

const tmp = tempDir('ttng-view-errors-');
const CRASH = path.join(CONFORMANCE, 'succeed', 'lttng-crash'); // one file, 4 packets of 4096 bytes, 400 events
const SMALL = path.join(CONFORMANCE, 'succeed', 'smalltrace'); // no packet context: the file is one packet
const HEARTBEAT = path.join(CONFORMANCE, 'succeed', 'wk-heartbeat-u'); // 8 stream files
const SEQUENCE = path.join(CONFORMANCE, 'succeed', 'sequence'); // lttng-ust 2.3, 4 stream files of one packet

/** A copy of `src` named `name`, damaged by `damage(dir)`. */
function damaged(name: string, src: string, damage: (dir: string) => void): string {
  const dir = path.join(tmp.dir, name);
  copyTrace(src, dir);
  damage(dir);
  return dir;
}

function patchFile(file: string, fn: (b: Buffer) => Uint8Array): void {
  fs.writeFileSync(file, fn(fs.readFileSync(file)));
}

/** the first `n` lines of a reference output */
function firstLines(refFile: string, n: number): string {
  const lines = fs.readFileSync(refFile, 'utf8').split('\n').slice(0, n);
  return n === 0 ? '' : lines.join('\n') + '\n';
}

/** the single error line; asserts the shape of a failed run */
function oneError(r: RunResult): string {
  assert.equal(r.signal, null, `killed by ${r.signal}`);
  assert.equal(r.code, 1, `exit ${r.code}; stderr:\n${r.stderr}`);
  assert.doesNotMatch(r.stderr, STACK_LINE, `stack trace on stderr:\n${r.stderr}`);
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  const errors = lines.filter((l) => !l.startsWith('WARNING: '));
  assert.equal(errors.length, 1, `expected one error line on stderr:\n${r.stderr}`);
  assert.match(errors[0]!, /^Error: \S/);
  assert.ok(r.stderr.endsWith('\n'), 'stderr ends with a newline');
  return errors[0]!;
}

/** babeltrace2's stdout for the same input, when it is installed: complete lines only */
async function sameEventsAsBabeltrace2(dir: string, ours: RunResult): Promise<void> {
  if (!has(NO_BABELTRACE2)) return;
  const b = await babeltrace2([dir]);
  assert.notEqual(b.code, 0, 'babeltrace2 accepts this trace');
  assert.equal(ours.stdout, b.stdout.slice(0, b.stdout.lastIndexOf('\n') + 1), "events before the error differ from babeltrace2's");
}

describe('ttng view: errors', () => {
  before(() => ensureBuilt());
  after(() => tmp.remove());

  test('nonexistent path', async () => {
    const p = path.join(tmp.dir, 'does', 'not', 'exist');
    const r = await ttng(['view', p]);
    assert.equal(oneError(r), `Error: ${p}: no such file or directory`);
    assert.equal(r.stdout, '');
  });

  test('empty directory', async () => {
    const p = path.join(tmp.dir, 'empty');
    fs.mkdirSync(p);
    const r = await ttng(['view', p]);
    assert.equal(oneError(r), `Error: ${p}: no CTF trace found (no directory with a "metadata" file)`);
    assert.equal(r.stdout, '');
  });

  test('a directory of stream files without metadata', async () => {
    const dir = damaged('no-metadata', CRASH, (d) => fs.rmSync(path.join(d, 'metadata')));
    const r = await ttng(['view', dir]);
    assert.equal(oneError(r), `Error: ${dir}: no CTF trace found (no directory with a "metadata" file)`);
    assert.equal(r.stdout, '');
  });

  test('a file given instead of a trace directory', async () => {
    const f = path.join(SMALL, 'metadata');
    const r = await ttng(['view', f]);
    assert.match(oneError(r), /^Error: .*smalltrace\/metadata: /);
  });

  test('metadata syntax error: file, line and column', async () => {
    // line 20 of the metadata: `uint64_t stream_instance_id;` loses its semicolon
    const dir = damaged('metadata-syntax', CRASH, (d) => {
      const f = path.join(d, 'metadata');
      const lines = fs.readFileSync(f, 'utf8').split('\n');
      assert.match(lines[19]!, /uint64_t stream_instance_id;/);
      lines[19] = lines[19]!.replace(';', '');
      fs.writeFileSync(f, lines.join('\n'));
    });
    const r = await ttng(['view', dir]);
    assert.equal(oneError(r), `Error: ${dir}/metadata: metadata line 21, column 2: syntax error: expected ";", got "}"`);
    assert.equal(r.stdout, '');
    await sameEventsAsBabeltrace2(dir, r);
  });

  test('empty metadata file', async () => {
    const dir = damaged('metadata-empty', CRASH, (d) => fs.writeFileSync(path.join(d, 'metadata'), ''));
    const r = await ttng(['view', dir]);
    assert.match(oneError(r), new RegExp(`^Error: ${dir}/metadata: metadata .*missing "trace" block`));
  });

  test('a stream file truncated in a packet: the packet index fails first, no event printed', async () => {
    // babeltrace2 indexes every packet before printing: no event either
    const dir = damaged('truncated', CRASH, (d) => patchFile(path.join(d, 'chan_0'), (b) => b.subarray(0, 14000)));
    const r = await ttng(['view', dir]);
    assert.equal(oneError(r), `Error: ${dir}/chan_0: byte offset 12288: packet size (4096 bytes) goes past the end of the file (14000 bytes)`);
    assert.equal(r.stdout, '');
    await sameEventsAsBabeltrace2(dir, r);
  });

  test('one stream file of several truncated', async () => {
    const dir = damaged('truncated-one-of-8', HEARTBEAT, (d) => patchFile(path.join(d, 'u_3'), (b) => b.subarray(0, 100)));
    const r = await ttng(['view', dir]);
    assert.equal(oneError(r), `Error: ${dir}/u_3: byte offset 0: packet size (4096 bytes) goes past the end of the file (100 bytes)`);
    assert.equal(r.stdout, '');
    await sameEventsAsBabeltrace2(dir, r);
  });

  test('a packet with a bad magic number', async () => {
    const dir = damaged('bad-magic', CRASH, (d) => patchFile(path.join(d, 'chan_0'), (b) => (b.writeUInt32LE(0xdeadbeef, 8192), b)));
    const r = await ttng(['view', dir]);
    assert.equal(oneError(r), `Error: ${dir}/chan_0: byte offset 8192: bad packet magic 0xDEADBEEF (expecting 0xC1FC1FC1)`);
    assert.equal(r.stdout, '');
    await sameEventsAsBabeltrace2(dir, r);
  });

  test('a packet size past the end of the file', async () => {
    // the last packet's packet_size (packet context offset 56) says 8192 bytes
    const dir = damaged('packet-size', CRASH, (d) => patchFile(path.join(d, 'chan_0'), (b) => (b.writeBigUInt64LE(8n * 8192n, 12288 + 56), b)));
    const r = await ttng(['view', dir]);
    assert.equal(oneError(r), `Error: ${dir}/chan_0: byte offset 12288: packet size (8192 bytes) goes past the end of the file (16384 bytes)`);
    assert.equal(r.stdout, '');
    await sameEventsAsBabeltrace2(dir, r);
  });

  test('an unknown event id in the middle of a packet: the events before it are printed', async () => {
    const dir = damaged('unknown-id', CRASH, (d) => patchFile(path.join(d, 'chan_0'), (b) => {
      for (let j = 6000; j < 6200; j++) b[j] = (j * 151 + 7) & 0xff;
      return b;
    }));
    const r = await ttng(['view', dir]);
    const err = oneError(r);
    assert.match(err, new RegExp(`^Error: ${dir}/chan_0: byte offset \\d+: no event class with id \\d+ in stream class 0$`));
    // 187 intact events, then the one whose string runs into the damage (as babeltrace2 prints it)
    assert.equal(r.stdout.split('\n').length - 1, 188);
    assert.ok(r.stdout.startsWith(firstLines(`${CRASH}.babeltrace2.txt`, 187)), "the first 187 events are the trace's");
    await sameEventsAsBabeltrace2(dir, r);
  });

  test('a file without packet context cut in an event: the complete events are printed', async () => {
    const dir = damaged('cut-event', SMALL, (d) => patchFile(path.join(d, 'dummystream'), (b) => b.subarray(0, 60)));
    const r = await ttng(['view', dir]);
    assert.equal(oneError(r), `Error: ${dir}/dummystream: byte offset 41: event "string": string is not terminated before the end of the packet content`);
    assert.ok(r.stdout.startsWith('string: { str = "This is a test trace" }\n'), r.stdout);
  });

  test(
    'a file without packet context cut in an event: no partial line',
    {},
    async () => {
      const dir = damaged('cut-event-2', SMALL, (d) => patchFile(path.join(d, 'dummystream'), (b) => b.subarray(0, 60)));
      const r = await ttng(['view', dir]);
      oneError(r);
      assert.equal(r.stdout, 'string: { str = "This is a test trace" }\n');
      await sameEventsAsBabeltrace2(dir, r);
    },
  );

  test('time going backwards is an error, as in babeltrace2\'s muxer: the event, its place and both times', async () => {
    // the 0xff bytes make an event header whose full timestamp is far ahead; the next event is older
    const dir = damaged('backwards', CRASH, (d) => patchFile(path.join(d, 'chan_0'), (b) => b.fill(0xff, 6000, 6016)));
    const r = await ttng(['view', dir]);
    // babeltrace2: "… timestamp is less than muxer's message iterator's last returned timestamp:
    // …, ts=1565891729293328391, last-returned-ts=1565891733588294748"
    assert.equal(
      oneError(r),
      `Error: ${dir}/chan_0: byte offset 8276: time goes backwards: this event is at 1565891729293328391 ns from origin, ` +
        'before the previous message (1565891733588294748)',
    );
    assert.equal(r.stdout.split('\n').length - 1, 258);
    await sameEventsAsBabeltrace2(dir, r);
  });

  test(
    'LTTng < 2.11 trace whose last packet is corrupt: babeltrace2 fails before printing anything',
    async () => {
      // (its fix of the lttng-ust < 2.11 event-after-packet bug decodes the last packet of every stream at start-up)
      const dir = damaged('quirk-last-packet', SEQUENCE, (d) => patchFile(path.join(d, 'channel0_2'), (b) => b.fill(0xff, 900, 908)));
      const r = await ttng(['view', dir]);
      oneError(r);
      assert.equal(r.stdout, '');
      await sameEventsAsBabeltrace2(dir, r);
    },
  );

  test(
    'a content size smaller than the packet header and context: the events of the packets before are printed',
    async () => {
      // the second packet's content_size (packet context offset 48) says 152 bits
      const dir = damaged('content-size-small', CRASH, (d) => patchFile(path.join(d, 'chan_0'), (b) => (b.writeBigUInt64LE(152n, 4096 + 48), b)));
      const r = await ttng(['view', dir]);
      assert.match(oneError(r), new RegExp(`^Error: ${dir}/chan_0: byte offset 4096: `));
      assert.equal(r.stdout, firstLines(`${CRASH}.babeltrace2.txt`, 129));
      await sameEventsAsBabeltrace2(dir, r);
    },
  );

  test('a content size of 0: the events of the packets before are printed, then the error', async () => {
    const dir = damaged('content-size-0', CRASH, (d) => patchFile(path.join(d, 'chan_0'), (b) => (b.writeBigUInt64LE(0n, 4096 + 48), b)));
    const r = await ttng(['view', dir]);
    assert.equal(oneError(r), `Error: ${dir}/chan_0: byte offset 4096: packet content size (0 bits) is smaller than its header and context`);
    assert.equal(r.stdout, firstLines(`${CRASH}.babeltrace2.txt`, 129));
    await sameEventsAsBabeltrace2(dir, r);
  });

  test('a content size of 2^63 (past the packet and the file): the packet index fails, no event printed', async () => {
    const dir = damaged('content-size-huge', CRASH, (d) => patchFile(path.join(d, 'chan_0'), (b) => (b.writeBigUInt64LE(1n << 63n, 4096 + 48), b)));
    const r = await ttng(['view', dir]);
    assert.equal(oneError(r), `Error: ${dir}/chan_0: byte offset 4096: packet content size (9223372036854775808 bits) is larger than its packet size (32768 bits)`);
    assert.equal(r.stdout, '');
    await sameEventsAsBabeltrace2(dir, r);
  });

  test('a content size past the packet size: no event printed', async () => {
    const dir = damaged('content-size-past', CRASH, (d) => patchFile(path.join(d, 'chan_0'), (b) => (b.writeBigUInt64LE(40000n, 4096 + 48), b)));
    const r = await ttng(['view', dir]);
    assert.equal(oneError(r), `Error: ${dir}/chan_0: byte offset 4096: packet content size (40000 bits) is larger than its packet size (32768 bits)`);
    assert.equal(r.stdout, '');
    await sameEventsAsBabeltrace2(dir, r);
  });

  test('two traces sharing a UUID whose metadata differ: said so, under one path or given apart', async () => {
    const parent = path.join(tmp.dir, 'same-uuid');
    const a = damaged(path.join('same-uuid', 'a'), CRASH, () => {});
    const b = damaged(path.join('same-uuid', 'b'), CRASH, (d) => {
      const f = path.join(d, 'metadata');
      fs.writeFileSync(f, fs.readFileSync(f, 'utf8').replace('name = "my_app:current_temp"', 'name = "my_app:other_temp"'));
    });
    const uuid = /uuid = "([0-9a-f-]+)"/.exec(fs.readFileSync(path.join(a, 'metadata'), 'utf8'))![1]!;
    for (const args of [[parent], [a, b]]) {
      const r = await ttng(['view', ...args]);
      assert.equal(oneError(r), `Error: ${b}: traces ${a} and ${b} share UUID ${uuid} but their metadata differ`);
      assert.equal(r.stdout, '');
    }
  });

  test('two traces sharing a UUID given as separate paths are merged, overlapping packets kept once', async () => {
    // two overlapping snapshots of one session: what the parent folder prints
    const snap = path.join(TRACES, 'ust-snapshot');
    const [s1, s2] = fs.readdirSync(snap).sort().map((n) => path.join(snap, n));
    const r = await ttng(['view', s1!, s2!]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, fs.readFileSync(`${snap}.expected.txt`, 'utf8'));
    assert.equal(r.stdout.split('\n').length - 1, 301);
  });

  test('a folder, a metadata file or a stream file the reader may not read: permission denied, naming it', async () => {
    // run as nobody: root reads whatever the modes say
    const top = path.join(tmp.dir, 'perm');
    const secret = damaged(path.join('perm', 'secret'), SMALL, () => {});
    const nobody = (p: string): Promise<RunResult> => run(process.execPath, [BIN, 'view', p], { asNobody: true });
    fs.chmodSync(tmp.dir, 0o755);
    fs.chmodSync(top, 0o755);
    fs.chmodSync(path.join(secret, 'metadata'), 0o644);
    fs.chmodSync(path.join(secret, 'dummystream'), 0o644);
    fs.chmodSync(secret, 0o700); // root's folder
    for (const p of [secret, top]) {
      const r = await nobody(p);
      assert.equal(oneError(r), `Error: ${secret}: permission denied`);
      assert.equal(r.stdout, '');
    }
    fs.chmodSync(secret, 0o755);
    fs.chmodSync(path.join(secret, 'metadata'), 0o600);
    assert.equal(oneError(await nobody(top)), `Error: ${secret}/metadata: permission denied`);
    fs.chmodSync(path.join(secret, 'metadata'), 0o644);
    fs.chmodSync(path.join(secret, 'dummystream'), 0o600);
    assert.equal(oneError(await nobody(top)), `Error: ${secret}/dummystream: permission denied`);
  });

  test('two inputs, one of them missing: a warning and the other printed, as babeltrace2 does', async () => {
    const p = path.join(tmp.dir, 'nothing-here');
    const r = await ttng(['view', SMALL, p]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, fs.readFileSync(`${SMALL}.babeltrace2.txt`, 'utf8'));
    assert.match(r.stderr, /nothing-here: no CTF trace found/);
  });

  test(
    'two inputs, one without any trace: babeltrace2 warns and prints the other',
    {},
    async () => {
      const p = path.join(tmp.dir, 'nothing-here-2');
      const r = await ttng(['view', SMALL, p]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, fs.readFileSync(`${SMALL}.babeltrace2.txt`, 'utf8'));
    },
  );
});

describe('ttng view: usage errors', () => {
  before(() => ensureBuilt());

  test('no path', async () => {
    const r = await ttng(['view']);
    assert.equal(oneError(r), 'Error: no trace path given');
  });

  test('unknown option', async () => {
    const r = await ttng(['view', '--bogus', SMALL]);
    assert.equal(oneError(r), 'Error: unknown option "--bogus"');
    assert.equal(r.stdout, '');
  });

  test('an option without its value', async () => {
    const r = await ttng(['view', SMALL, '--begin']);
    assert.match(oneError(r), /^Error: option --begin needs a value/);
  });

  test('unknown --names and --fields items', async () => {
    assert.match(oneError(await ttng(['view', '--names=bogus', SMALL])), /^Error: unknown field name category "bogus"/);
    assert.match(oneError(await ttng(['view', '--fields=bogus', SMALL])), /^Error: unknown field "bogus"/);
  });

  test('an invalid --begin time on a trace with a clock', async () => {
    const r = await ttng(['view', '--begin=garbage', path.join(CONFORMANCE, 'intersection', '3eventsintersect')]);
    assert.match(oneError(r), /^Error: invalid time "garbage"/);
    assert.equal(r.stdout, '');
  });

  test(
    'an invalid --begin time on a trace without clock',
    {},
    async () => {
      const r = await ttng(['view', '--begin=garbage', SMALL]);
      oneError(r);
      assert.equal(r.stdout, '');
    },
  );

  test(
    '--begin on a trace without clock',
    {},
    async () => {
      const r = await ttng(['view', '--begin=10:00:00', SMALL]);
      oneError(r);
      assert.equal(r.stdout, '');
    },
  );
});
