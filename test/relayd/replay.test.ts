// The capture of Debian's lttng-sessiond/consumerd 2.13 streaming a live session into
// lttng-relayd, replayed into ttng-relayd: the files it writes are those lttng-relayd
// wrote (../shared/traces/ust-live), byte for byte, wherever TCP cut the flows.
process.env['TZ'] = 'UTC'; // the session directory's name is the creation time in local time
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { Relay } from '../../src/relayd/server.js';
import { RelayCommandDecoder } from '../../src/wire/index.js';
import { TRACES, tempDir } from '../helpers.js';
import { SESSIOND_RELAYD, conversations } from '../wire/captures.js';
import { connect } from './client.js';
import { tree } from './lttng.js';

const REFERENCE = path.join(TRACES, 'ust-live');
const convs = conversations(SESSIOND_RELAYD);
const control = convs.find((c) => c.server.port === 5342)!;
const data = convs.find((c) => c.server.port === 5343)!;
const tmp = tempDir('ttng-relayd-replay-');
after(() => tmp.remove());

/** stream offset just after STREAMS_SENT */
function streamsSentEnd(): number {
  const f = new RelayCommandDecoder().drain(control.toServer.bytes).find((x) => x.command.cmd === 'STREAMS_SENT')!;
  return f.offset + f.size;
}

/** the chunks cut at byte `at`: those before, those after */
function splitAt(chunks: Buffer[], at: number): [Buffer[], Buffer[]] {
  const before: Buffer[] = [];
  const afterCut: Buffer[] = [];
  let pos = 0;
  for (const c of chunks) {
    if (pos + c.length <= at) before.push(c);
    else if (pos >= at) afterCut.push(c);
    else {
      before.push(c.subarray(0, at - pos));
      afterCut.push(c.subarray(at - pos));
    }
    pos += c.length;
  }
  return [before, afterCut];
}

async function until(what: string, cond: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 20));
  assert.ok(cond(), what);
}

async function replay(out: string, order: 'control-first' | 'data-first' | 'interleaved'): Promise<void> {
  const relay = new Relay({ control: { host: '127.0.0.1', port: 0 }, data: { host: '127.0.0.1', port: 0 }, live: { host: '127.0.0.1', port: 0 }, output: out });
  const ports = await relay.start();
  try {
    const ctl = await connect(ports.control.port);
    ctl.resume(); // replies are not looked at here
    const dat = await connect(ports.data.port);
    const datChunks = [...data.toServer.chunks];
    // the data port names streams by the handles ADD_STREAM gave: those come first
    const head = splitAt(control.toServer.chunks, streamsSentEnd());
    const ctlChunks = [...head[0], ...head[1]];
    const firstData = head[0].length - 1;
    const sendAll = async (s: typeof ctl, chunks: Buffer[]): Promise<void> => {
      for (const c of chunks) await new Promise<void>((r) => s.write(c, () => r()));
    };
    if (order === 'control-first') {
      await sendAll(ctl, ctlChunks);
      await sendAll(dat, datChunks);
    } else if (order === 'data-first') {
      await sendAll(ctl, ctlChunks.slice(0, firstData + 1));
      await until('streams added', () => relay.state.streams.size === 3);
      await sendAll(dat, datChunks);
      await sendAll(ctl, ctlChunks.slice(firstData + 1));
    } else {
      await sendAll(ctl, ctlChunks.slice(0, firstData + 1));
      await until('streams added', () => relay.state.streams.size === 3);
      for (let i = 0; i < Math.max(ctlChunks.length, datChunks.length); i++) {
        if (datChunks[i]) await sendAll(dat, [datChunks[i]!]);
        if (ctlChunks[firstData + 1 + i]) await sendAll(ctl, [ctlChunks[firstData + 1 + i]!]);
      }
    }
    // a session whose trace has streams, all closed (closed streams leave its list)
    await until('every stream closed', () => [...relay.state.sessions.values()].some((x) => x.traces.size > 0 && x.streams.length === 0));
    ctl.destroy();
    dat.destroy();
    await until('the session ended', () => relay.state.sessions.size === 0);
  } finally {
    await relay.stop();
  }
  assert.equal(relay.log.counters.writeErrors + relay.log.counters.protocolErrors + relay.log.counters.droppedPackets, 0);
}

for (const order of ['control-first', 'data-first', 'interleaved'] as const) {
  test(`replayed capture (${order}): lttng-relayd's files, byte for byte`, async () => {
    const out = path.join(tmp.dir, order);
    await replay(out, order);
    const got = tree(out);
    const want = tree(REFERENCE);
    assert.deepEqual([...got.keys()].sort(), [...want.keys()].sort());
    for (const [f, bytes] of want) assert.ok(got.get(f)!.equals(bytes), `${f} differs`);
  });
}
