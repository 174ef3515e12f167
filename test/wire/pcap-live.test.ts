// babeltrace2's lttng-live source talking to lttng-relayd 2.13: every viewer command and
// every relay reply of the five connections, decoded as the TCP segments delivered them,
// checked against the capture's summary, and re-encoded to their exact bytes.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  AttachStatus, IndexStatus, LiveCommandDecoder, LiveFlag, MetadataStatus, PacketStatus, LiveReplyDecoder, encodeLiveFrame, encodeLiveReply,
  type LiveCommandFrame, type LiveReply,
} from '../../src/wire/index.js';
import { LIVE_VIEWER, conversations, readSummary, type SummaryCommand } from './captures.js';

const convs = conversations(LIVE_VIEWER);
const summary = readSummary(LIVE_VIEWER);

interface Decoded {
  commands: LiveCommandFrame[];
  replies: LiveReply[];
  minor: number;
}

function decode(i: number): Decoded {
  const c = convs[i]!;
  const cmds = new LiveCommandDecoder({ serverMinor: 13 });
  const commands: LiveCommandFrame[] = [];
  for (const chunk of c.toServer.chunks) commands.push(...cmds.drain(chunk));
  assert.equal(cmds.buffered, 0);
  const reps = new LiveReplyDecoder();
  for (const f of commands) reps.expect(f.command);
  const replies: LiveReply[] = [];
  for (const chunk of c.toClient.chunks) replies.push(...reps.drain(chunk));
  assert.equal(reps.minor, cmds.minor, 'both sides negotiated the same minor');
  return { commands, replies, minor: reps.minor };
}

function summaryFields(cmd: LiveCommandFrame['command']): Record<string, string> {
  if (cmd.cmd !== 'CONNECT') return {};
  return { viewer_session_id: String(cmd.viewerSessionId), major: String(cmd.major), minor: String(cmd.minor), type: String(cmd.type) };
}

function asSummary(f: LiveCommandFrame): SummaryCommand {
  return { name: f.command.cmd, payload: f.size - 16, fields: summaryFields(f.command) };
}

describe('wire: babeltrace2 lttng-live ⇄ relayd capture', () => {
  test('five complete connections, sizes as in the summary', () => {
    assert.equal(convs.length, summary.length);
    convs.forEach((c, i) => {
      assert.equal(c.server.port, 5344);
      assert.equal(c.toServer.missing + c.toClient.missing, 0);
      assert.equal(c.toServer.bytes.length, summary[i]!.toServer);
      assert.equal(c.toClient.bytes.length, summary[i]!.toClient);
    });
  });

  test('commands: the summary sequence (listed head and tail), payload sizes and counts', () => {
    convs.forEach((_, i) => {
      const s = summary[i]!;
      const listed = decode(i).commands.map(asSummary);
      assert.deepEqual(listed.slice(0, s.head.length), s.head, `connection ${i} head`);
      if (s.tail.length > 0) assert.deepEqual(listed.slice(-s.tail.length), s.tail, `connection ${i} tail`);
      else assert.equal(listed.length, s.head.length);
      const counts: Record<string, number> = {};
      for (const c of listed) counts[c.name] = (counts[c.name] ?? 0) + 1;
      assert.deepEqual(counts, s.counts, `connection ${i} counts`);
    });
  });

  test('replies: one per command, the summary values, negotiated 2.4 against a 2.13 relay', () => {
    convs.forEach((_, i) => {
      const { commands, replies, minor } = decode(i);
      assert.equal(replies.length, commands.length, `connection ${i}`);
      assert.equal(minor, 4);
      replies.forEach((r, k) => assert.equal(r.reply, commands[k]!.command.cmd));
      const s = summary[i]!;
      for (const line of s.replies) {
        const r = replies.find((x) => x.reply === line.name)!;
        if (r.reply === 'CONNECT') {
          assert.equal(line.text, `viewer_session_id=${r.viewerSessionId} major=${r.major} minor=${r.minor} type=${r.type}`);
        } else if (r.reply === 'LIST_SESSIONS') {
          assert.equal(line.text, `${r.sessions.length} session(s)`);
          assert.deepEqual(line.more, r.sessions.map((x) => `id=${x.id} live_timer=${x.liveTimer} clients=${x.clients} streams=${x.streams} hostname='${x.hostname}' session_name='${x.sessionName}'`));
        } else {
          assert.fail(`no check for ${line.name}`);
        }
      }
    });
  });

  test('every frame re-encodes to its exact bytes, both directions', () => {
    convs.forEach((c, i) => {
      const { commands, replies, minor } = decode(i);
      let end = 0;
      for (const f of commands) {
        assert.equal(f.offset, end);
        assert.deepEqual(encodeLiveFrame(f), c.toServer.bytes.subarray(f.offset, f.offset + f.size), `${f.command.cmd} at ${f.offset}`);
        end += f.size;
      }
      assert.equal(end, c.toServer.bytes.length);
      assert.deepEqual(Buffer.concat(replies.map((r) => encodeLiveReply(r, minor))), c.toClient.bytes, `connection ${i} replies`);
    });
  });

  test('the followed session: streams, metadata, indexes (OK, RETRY, HUP, INACTIVE beacons), packets, flags', () => {
    const { commands, replies } = decode(1);
    const attach = replies.find((r) => r.reply === 'ATTACH_SESSION');
    assert.ok(attach?.reply === 'ATTACH_SESSION');
    assert.equal(attach.status, AttachStatus.OK);
    const announced = replies.flatMap((r) => (r.reply === 'GET_NEW_STREAMS' ? r.streams : []));
    assert.deepEqual(
      announced.map((s) => [s.id, s.ctfTraceId, s.metadataFlag, s.pathName, s.channelName]),
      [[2n, 1n, 0, 'ust/uid/0/64-bit', 'channel0_1'], [3n, 1n, 1, 'ust/uid/0/64-bit', 'metadata'], [1n, 1n, 0, 'ust/uid/0/64-bit', 'channel0_0']],
    );
    const metadata = replies.filter((r) => r.reply === 'GET_METADATA');
    assert.deepEqual(metadata.map((m) => m.status).filter((st) => st === MetadataStatus.OK).length, 1);
    assert.ok(metadata.every((m) => m.status === MetadataStatus.NO_NEW || m.data.length === 20480));
    const indexes = replies.filter((r) => r.reply === 'GET_NEXT_INDEX');
    assert.deepEqual(new Set(indexes.map((r) => r.status)), new Set([IndexStatus.OK, IndexStatus.RETRY, IndexStatus.HUP, IndexStatus.INACTIVE]));
    const first = indexes[0]!;
    assert.equal(first.status, IndexStatus.OK);
    assert.equal(first.flags, LiveFlag.NEW_STREAM);
    for (const r of indexes) if (r.status === IndexStatus.INACTIVE) assert.ok(r.timestampEnd > 0n && r.packetSize === 0n, 'a beacon carries only its end time');
    // each GET_PACKET got the length it asked for, starting with the CTF magic in the tracer's order
    const asked = commands.map((f) => f.command).filter((c) => c.cmd === 'GET_PACKET');
    const packets = replies.filter((r) => r.reply === 'GET_PACKET');
    assert.equal(packets.length, 4);
    packets.forEach((p, k) => {
      assert.equal(p.status, PacketStatus.OK);
      assert.ok(asked[k]!.cmd === 'GET_PACKET');
      assert.equal(p.data.length, asked[k]!.len);
      assert.equal(Buffer.from(p.data).readUInt32LE(0), 0xc1fc1fc1);
    });
  });
});
