// The local-files sink (src/output/local.ts, chunk.ts): LTTng's layout of
// stream files and index, the trace-file ring, rotation, clear, metadata
// rewrites, snapshot trimming, and that every file it creates goes through
// its file-system seam.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { decodeIndex } from '../../src/output/ctf-index.js';
import type { IndexFields } from '../../src/output/ctf-index.js';
import { archiveChunk, chunkExists, deleteChunk } from '../../src/output/chunk.js';
import { nodeFs } from '../../src/output/fs.js';
import type { OutputFs } from '../../src/output/fs.js';
import { LocalTraceOutput, localStream, treeBytes } from '../../src/output/local.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ttng-output-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));
let n = 0;
const fresh = (): string => path.join(tmp, `t${n++}`);

/** a packet of `bytes` bytes filled with `fill`, and its index fields */
function packet(bytes: number, fill: number, seq: number): [Uint8Array, IndexFields] {
  return [
    new Uint8Array(bytes).fill(fill),
    {
      packetSize: BigInt(bytes * 8), contentSize: BigInt(bytes * 8 - 3), timestampBegin: BigInt(1000 * seq), timestampEnd: BigInt(1000 * seq + 999),
      eventsDiscarded: BigInt(seq), streamId: 1n, streamInstanceId: 4n, packetSeqNum: BigInt(seq),
    },
  ];
}

function index(dir: string, file: string): ReturnType<typeof decodeIndex> {
  return decodeIndex(fs.readFileSync(path.join(dir, 'index', `${file}.idx`)));
}

test('a stream: packets back to back, one index entry each with the offset the sink chose', () => {
  const dir = fresh();
  const s = new LocalTraceOutput(dir).openStream('chan_0');
  for (let i = 0; i < 3; i++) s.appendPacket(...packet(64 * (i + 1), i + 1, i));
  s.close();
  s.close();
  const data = fs.readFileSync(path.join(dir, 'chan_0'));
  assert.equal(data.length, 64 + 128 + 192);
  assert.equal(data[64], 2);
  const ix = index(dir, 'chan_0');
  assert.deepEqual(ix.entries.map((e) => e.offset), [0n, 64n, 192n]);
  assert.deepEqual(ix.entries[2], { offset: 192n, ...packet(192, 3, 2)[1] });
  assert.throws(() => s.appendPacket(...packet(8, 0, 3)), /closed/);
});

test('the trace-file ring: the next file before a packet would pass the size, then back to the first (truncated)', () => {
  const dir = fresh();
  const s = new LocalTraceOutput(dir).openStream('chan_1', { tracefileSize: 300, tracefileCount: 2 });
  // 200 | 200 | 200 + 100 | 200 (back to _1)
  const sizes = [200, 200, 200, 100, 200];
  sizes.forEach((b, i) => s.appendPacket(...packet(b, i + 1, i)));
  s.close();
  assert.deepEqual(fs.readdirSync(dir).sort(), ['chan_1_0', 'chan_1_1', 'index']);
  assert.deepEqual([...fs.readFileSync(path.join(dir, 'chan_1_0'))].filter((_, i) => i % 100 === 0), [3, 3, 4]);
  assert.deepEqual([...fs.readFileSync(path.join(dir, 'chan_1_1'))].filter((_, i) => i % 100 === 0), [5, 5]);
  assert.deepEqual(index(dir, 'chan_1_0').entries.map((e) => [e.offset, e.packetSeqNum]), [[0n, 2n], [200n, 3n]]);
  assert.deepEqual(index(dir, 'chan_1_1').entries.map((e) => [e.offset, e.packetSeqNum]), [[0n, 4n]]);
});

test('a packet larger than the trace-file size gets a file of its own; without a count the files go on', () => {
  const dir = fresh();
  const s = localStream(path.join(dir, 'c_0'), { tracefileSize: 100 });
  for (let i = 0; i < 3; i++) s.appendPacket(...packet(150, i + 1, i));
  s.close();
  assert.deepEqual(['c_0_0', 'c_0_1', 'c_0_2'].map((f) => fs.statSync(path.join(dir, f)).size), [150, 150, 150]);
});

test('metadata: whole rewrites leave no temporary file; increments append; the file mode is the one asked for', () => {
  const dir = fresh();
  const old = process.umask(0o022);
  try {
    const t = new LocalTraceOutput(dir, { fileMode: 0o640 });
    assert.equal(t.hasMetadata(), false);
    t.writeMetadata('/* CTF 1.8 */\n');
    t.appendMetadata(Buffer.from('event { };\n'));
    assert.equal(fs.readFileSync(path.join(dir, 'metadata'), 'utf8'), '/* CTF 1.8 */\nevent { };\n');
    t.writeMetadata('again\n');
    assert.equal(fs.readFileSync(path.join(dir, 'metadata'), 'utf8'), 'again\n');
    assert.deepEqual(fs.readdirSync(dir), ['metadata']);
    assert.equal(fs.statSync(path.join(dir, 'metadata')).mode & 0o777, 0o640);
    t.openStream('s').close();
    assert.equal(fs.statSync(path.join(dir, 's')).mode & 0o777, 0o640);
    assert.equal(t.hasMetadata(), true);
  } finally {
    process.umask(old);
  }
});

test('rotation: open streams go on, empty, in the new chunk; the old files stay whole; closed streams stay closed', () => {
  const a = fresh();
  const b = fresh();
  const t = new LocalTraceOutput(a);
  t.writeMetadata('m');
  const live = t.openStream('live', { tracefileSize: 100, tracefileCount: 3 });
  const gone = t.openStream('gone');
  live.appendPacket(...packet(80, 1, 0));
  live.appendPacket(...packet(80, 2, 1));
  gone.appendPacket(...packet(8, 9, 0));
  gone.close();
  t.rotate(b);
  assert.equal(t.path, b);
  assert.equal(t.hasMetadata(), false, 'the producer writes the metadata of the new chunk');
  live.appendPacket(...packet(40, 3, 2));
  t.close();
  assert.deepEqual(fs.readdirSync(a).sort(), ['gone', 'index', 'live_0', 'live_1', 'metadata']);
  assert.deepEqual(fs.readdirSync(b).sort(), ['index', 'live_0']);
  assert.deepEqual(index(b, 'live_0').entries.map((e) => [e.offset, e.packetSeqNum]), [[0n, 2n]]);
  assert.equal(fs.statSync(path.join(b, 'live_0')).size, 40);
});

test('clear: the stream data goes, the metadata and temporary files stay, open streams start again', () => {
  const dir = fresh();
  const t = new LocalTraceOutput(dir);
  t.writeMetadata('m');
  const s = t.openStream('s', { tracefileSize: 10, tracefileCount: 4 });
  for (let i = 0; i < 3; i++) s.appendPacket(...packet(8, i, i));
  t.openStream('old').close();
  fs.writeFileSync(path.join(dir, '.metadata.1.tmp'), 'x');
  t.clear();
  assert.deepEqual(fs.readdirSync(dir).sort(), ['.metadata.1.tmp', 'index', 'metadata', 's_0']);
  assert.equal(fs.statSync(path.join(dir, 's_0')).size, 0);
  s.appendPacket(...packet(8, 7, 3));
  s.close();
  assert.deepEqual(index(dir, 's_0').entries.map((e) => e.packetSeqNum), [3n]);
  new LocalTraceOutput(path.join(dir, 'missing')).clear();
});

test('snapshot trimming: the newest packets within the budget move to the front, their entries rebased', () => {
  const dir = fresh();
  const t = new LocalTraceOutput(dir);
  const s = t.openStream('s');
  for (let i = 0; i < 5; i++) s.appendPacket(...packet(100, i + 1, i));
  s.close();
  // header 16 + 2 × (100 + 72)
  assert.equal(t.keepNewest('s', 16 + 2 * 172 + 171), 16 + 2 * 172);
  const data = fs.readFileSync(path.join(dir, 's'));
  assert.deepEqual([data.length, data[0], data[100]], [200, 4, 5]);
  const ix = index(dir, 's');
  assert.deepEqual(ix.entries.map((e) => [e.offset, e.packetSeqNum]), [[0n, 3n], [100n, 4n]]);
  // all fits: nothing changes
  assert.equal(t.keepNewest('s', 1 << 20), 200 + 16 + 2 * 72);
  assert.equal(fs.statSync(path.join(dir, 's')).size, 200);
  // never less than the newest packet
  t.keepNewest('s', 1);
  assert.deepEqual(index(dir, 's').entries.map((e) => [e.offset, e.packetSeqNum]), [[0n, 4n]]);
});

test('tree size: every regular file, or all but the metadata; 0 for a missing directory', () => {
  const dir = fresh();
  const t = new LocalTraceOutput(dir);
  t.writeMetadata('12345');
  const s = t.openStream('s');
  s.appendPacket(...packet(100, 1, 0));
  s.close();
  assert.equal(treeBytes(dir), 5 + 100 + 16 + 72);
  assert.equal(t.bytes(), 5 + 100 + 16 + 72);
  assert.equal(treeBytes(dir, { withoutMetadata: true }), 100 + 16 + 72);
  assert.equal(treeBytes(path.join(dir, 'nope')), 0);
});

test('chunks: archived whole or by parts, deleted', () => {
  const top = fresh();
  fs.mkdirSync(path.join(top, 'kernel'), { recursive: true });
  fs.writeFileSync(path.join(top, 'kernel', 'metadata'), 'k');
  fs.mkdirSync(path.join(top, 'other'));
  archiveChunk(top, path.join(top, 'archives', 'a-b-0'), ['kernel', 'ust']);
  assert.deepEqual(fs.readdirSync(top).sort(), ['archives', 'other']);
  assert.equal(fs.readFileSync(path.join(top, 'archives', 'a-b-0', 'kernel', 'metadata'), 'utf8'), 'k');
  const chunk = path.join(top, 'c-1');
  fs.mkdirSync(path.join(chunk, 'ust'), { recursive: true });
  archiveChunk(chunk, path.join(top, 'archives', 'c-d-1'));
  assert.equal(chunkExists(chunk), false);
  assert.equal(chunkExists(path.join(top, 'archives', 'c-d-1', 'ust')), true);
  deleteChunk(path.join(top, 'archives'));
  assert.equal(chunkExists(path.join(top, 'archives')), false);
});

test('the seam: every file and directory the sink creates, renames or removes goes through its OutputFs', () => {
  const dir = fresh();
  const made = new Set<string>();
  const calls: string[] = [];
  const seam: OutputFs = {
    ...nodeFs,
    mkdir: (d) => {
      calls.push('mkdir');
      for (let p = d; p.startsWith(dir); p = path.dirname(p)) made.add(p);
      nodeFs.mkdir(d);
    },
    openWrite: (f, mode) => {
      calls.push('open');
      made.add(f);
      return nodeFs.openWrite(f, mode);
    },
    writeFile: (f, d, mode) => {
      calls.push('writeFile');
      made.add(f);
      nodeFs.writeFile(f, d, mode);
    },
    appendFile: (f, d) => {
      calls.push('appendFile');
      made.add(f);
      nodeFs.appendFile(f, d);
    },
    rename: (a, b) => {
      calls.push('rename');
      made.add(b);
      nodeFs.rename(a, b);
    },
    remove: (p) => {
      calls.push('remove');
      nodeFs.remove(p);
    },
  };
  const t = new LocalTraceOutput(dir, { fs: seam });
  t.writeMetadata('m');
  t.appendMetadata('n');
  const s = t.openStream('s', { tracefileSize: 100, tracefileCount: 2 });
  for (let i = 0; i < 4; i++) s.appendPacket(...packet(80, i, i));
  t.clear();
  s.appendPacket(...packet(80, 9, 9));
  t.rotate(path.join(dir, 'next'));
  s.appendPacket(...packet(40, 9, 10));
  s.appendPacket(...packet(40, 9, 11));
  t.close();
  // trimming rewrites files in place: through the seam too
  const writes = calls.filter((c) => c === 'writeFile').length;
  t.keepNewest('s_0', 1);
  assert.equal(calls.filter((c) => c === 'writeFile').length, writes + 2);
  const walk = (d: string): string[] => fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(d, e.name);
    return e.isDirectory() ? [p, ...walk(p)] : [p];
  });
  for (const p of walk(dir)) assert.ok(made.has(p), `${p} was created behind the seam`);
  for (const k of ['mkdir', 'open', 'writeFile', 'appendFile', 'rename', 'remove']) assert.ok(calls.includes(k), k);
});
