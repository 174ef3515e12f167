// Fuzzing loops of the wire decoders, run in a child process by fuzz.test.ts so that a hang
// is detected and killed. Each iteration takes a window of real frames (the captures and the
// samples), mutates it or replaces it with noise, feeds it in random chunks, and checks that
// the decoder only ever returns valid messages (they survive encode → decode unchanged) or
// throws a WireError. Every iteration has its own PRNG, so one reproduces alone:
//   node --import tsx test/wire/fuzz-runner.ts MODE SEED N [--only=I] [--show]
// MODE: relay-command | relay-reply | relay-data | relay-packets | live-command | live-reply
// Output: `P I` every 100 iterations, `F {json}` per failure, `D {json}` at the end.
import { inspect, isDeepStrictEqual } from 'node:util';
import {
  LiveCommandDecoder, LiveReplyDecoder, RelayCommandDecoder, RelayDataDecoder, RelayDataPacketDecoder, RelayReplyDecoder, WireError,
  decodeRelayDataHeader, encodeLiveCommand, encodeLiveFrame, encodeLiveReply, encodeRelayCommand, encodeRelayDataHeader, encodeRelayFrame, encodeRelayReply,
  type LiveCommand, type LiveCommandFrame, type LiveReply, type RelayCommand, type RelayControlFrame, type RelayDataPacket, type RelayDataPiece, type RelayReply,
} from '../../src/wire/index.js';
import { prng, randInt } from '../helpers.js';
import { LIVE_VIEWER, SESSIOND_RELAYD, conversations } from './captures.js';
import { COMMANDS_2_13, LIVE_COMMANDS, LIVE_REPLIES, REPLIES_2_13 } from './samples.js';

type Rnd = () => number;
type Iteration = (rnd: Rnd, log: string[]) => number;

/** a run of frames as sent, each with the command it answers (reply streams) */
interface Unit {
  bytes: Buffer;
  cmd?: RelayCommand | LiveCommand;
}
type Script = Unit[];

interface Failure {
  i: number;
  what: string;
  error: string;
  mutations: string[];
}

const [mode = '', seedArg = '1', nArg = '1000', ...rest] = process.argv.slice(2);
const only = rest.find((a) => a.startsWith('--only='));
const show = rest.includes('--show');

/* ------------------------------- corpora -------------------------------- */

function relayCommandScripts(): Script[] {
  const ctl = conversations(SESSIOND_RELAYD).find((c) => c.server.port === 5342)!;
  const frames = new RelayCommandDecoder().drain(ctl.toServer.bytes);
  const pcap = frames.map((f) => ({ bytes: ctl.toServer.bytes.subarray(f.offset, f.offset + f.size), cmd: f.command }));
  const samples = COMMANDS_2_13.map((c) => ({ bytes: encodeRelayCommand(c), cmd: c }));
  // older peers: VERSION first, then the forms of its minor
  const old = [4, 8, 10].map((minor) =>
    [{ cmd: 'VERSION', major: 2, minor } as RelayCommand, COMMANDS_2_13[2]!, COMMANDS_2_13[3]!, COMMANDS_2_13[11]!].map((c) => ({
      bytes: encodeRelayCommand(c.cmd === 'CREATE_SESSION' ? { cmd: 'CREATE_SESSION', sessionName: 's', hostname: 'h', liveTimer: 0, snapshot: false } : c, { minor }),
      cmd: c,
    })),
  );
  return [pcap, samples, ...old];
}

function relayReplyScripts(): Script[] {
  const ctl = conversations(SESSIOND_RELAYD).find((c) => c.server.port === 5342)!;
  const cmds = new RelayCommandDecoder().drain(ctl.toServer.bytes).map((f) => f.command).filter((c) => c.cmd !== 'SEND_METADATA');
  const dec = new RelayReplyDecoder();
  for (const c of cmds) dec.expect(c);
  const replies = dec.drain(ctl.toClient.bytes);
  const pcap = replies.map((r, k) => ({ bytes: encodeRelayReply(r, 13), cmd: cmds[k]! }));
  return [pcap, REPLIES_2_13.map(([c, r]) => ({ bytes: encodeRelayReply(r, 13), cmd: c }))];
}

function relayDataScripts(): Script[] {
  const data = conversations(SESSIOND_RELAYD).find((c) => c.server.port === 5343)!;
  const packets = new RelayDataPacketDecoder().drain(data.toServer.bytes);
  const pcap = packets.map((p) => ({ bytes: data.toServer.bytes.subarray(p.offset, p.offset + 32 + p.header.dataSize) }));
  const small = [0, 1, 7, 64].map((n, k) => ({ bytes: Buffer.concat([encodeRelayDataHeader({ circuitId: 0n, streamId: BigInt(k), netSeqNum: 1n, dataSize: n, paddingSize: 4096 - n }), Buffer.alloc(n, k)]) }));
  return [pcap, small];
}

function liveCommandScripts(): Script[] {
  const out: Script[] = [];
  for (const c of conversations(LIVE_VIEWER)) {
    const frames = new LiveCommandDecoder().drain(c.toServer.bytes);
    out.push(frames.map((f) => ({ bytes: c.toServer.bytes.subarray(f.offset, f.offset + f.size), cmd: f.command })));
  }
  out.push(LIVE_COMMANDS.map((c) => ({ bytes: encodeLiveCommand(c), cmd: c })));
  return out;
}

function liveReplyScripts(): { script: Script; minor: number }[] {
  const out: { script: Script; minor: number }[] = [];
  for (const c of conversations(LIVE_VIEWER)) {
    const cmds = new LiveCommandDecoder().drain(c.toServer.bytes).map((f) => f.command);
    const dec = new LiveReplyDecoder();
    for (const cmd of cmds) dec.expect(cmd);
    out.push({ script: dec.drain(c.toClient.bytes).map((r, k) => ({ bytes: encodeLiveReply(r, 4), cmd: cmds[k]! })), minor: 4 });
  }
  out.push({ script: LIVE_REPLIES.map((r, k) => ({ bytes: encodeLiveReply(r, 4), cmd: LIVE_COMMANDS[k]! })), minor: 4 });
  const list15: LiveReply = {
    reply: 'LIST_SESSIONS',
    sessions: [
      { id: 1n, liveTimer: 1000, clients: 0, streams: 3, hostname: 'host', sessionName: 'ctf2', traceFormat: 1 },
      { id: 2n, liveTimer: 0, clients: 1, streams: 0, hostname: '', sessionName: 'x', traceFormat: 0 },
    ],
  };
  out.push({ script: [{ bytes: encodeLiveReply(list15, 15), cmd: { cmd: 'LIST_SESSIONS' } }, ...LIVE_REPLIES.slice(3).map((r, k) => ({ bytes: encodeLiveReply(r, 15), cmd: LIVE_COMMANDS[k + 3]! }))], minor: 15 });
  return out;
}

/* ------------------------------ mutations ------------------------------- */

const U32_EDGES = [0, 1, 2, 3, 4, 8, 12, 16, 20, 0x7f, 0xff, 0x100, 4095, 4096, 4371, 65535, 0x7fff_ffff, 0x8000_0000, 0xffff_ffff];
const U64_EDGES = [0n, 1n, 8n, 20n, 24n, 4096n, 1n << 31n, 1n << 32n, 1n << 53n, 1n << 63n, (1n << 64n) - 1n];

function window(script: Script, rnd: Rnd, log: string[]): Unit[] {
  const start = randInt(rnd, script.length);
  const len = 1 + randInt(rnd, Math.min(6, script.length - start));
  log.push(`frames ${start}..${start + len - 1}`);
  return script.slice(start, start + len);
}

/** overwrites the aligned field of this width around p with an edge value (or any byte) */
function poke(b: Buffer, p: number, width: 1 | 4 | 8, rnd: Rnd, log: string[]): void {
  const q = p - (p % width);
  if (q + width > b.length) return;
  const v = width === 1 ? BigInt(randInt(rnd, 256)) : width === 4 ? BigInt(U32_EDGES[randInt(rnd, U32_EDGES.length)]!) : U64_EDGES[randInt(rnd, U64_EDGES.length)]!;
  log.push(`u${width * 8} at ${q} = ${v}`);
  for (let k = width - 1, x = v; k >= 0; k--, x >>= 8n) b[q + k] = Number(x & 0xffn);
}

/** b with del bytes at p replaced by ins */
function splice(b: Buffer, p: number, del: number, ins: Buffer, log: string[], what: string): Buffer {
  log.push(`${what}: ${del} bytes at ${p} -> ${ins.toString('hex').slice(0, 64)}`);
  return Buffer.concat([b.subarray(0, p), ins, b.subarray(p + del)]);
}

function mutate(units: Unit[], rnd: Rnd, log: string[], sizeField: number): Buffer {
  let b: Buffer = Buffer.from(Buffer.concat(units.map((u) => u.bytes)));
  const starts: number[] = [];
  let at = 0;
  for (const u of units) {
    starts.push(at);
    at += u.bytes.length;
  }
  const n = 1 + randInt(rnd, 3);
  for (let k = 0; k < n && b.length > 0; k++) {
    const p = randInt(rnd, b.length);
    switch (randInt(rnd, 8)) {
      case 0:
        log.push(`flip bit ${p}.${p % 8}`);
        b[p] = b[p]! ^ (1 << randInt(rnd, 8));
        break;
      case 1:
        poke(b, p, ([1, 4, 8] as const)[randInt(rnd, 3)]!, rnd, log);
        break;
      case 2:
        b = splice(b, p, b.length - p, Buffer.alloc(0), log, 'truncate');
        break;
      case 3:
        b = splice(b, p, 1 + randInt(rnd, 16), Buffer.alloc(0), log, 'delete');
        break;
      case 4:
        b = splice(b, p, 0, Buffer.from(Array.from({ length: 1 + randInt(rnd, 16) }, () => randInt(rnd, 256))), log, 'insert');
        break;
      case 5: {
        const len = 1 + randInt(rnd, 64);
        b = splice(b, p + len, 0, b.subarray(p, p + len), log, 'duplicate');
        break;
      }
      default: {
        // a frame's size field: off by a little, or an edge value
        const s = starts[randInt(rnd, starts.length)]! + sizeField;
        if (sizeField < 0 || s + 8 > b.length) break;
        const old = b.readBigUInt64BE(s);
        const v = rnd() < 0.5 ? U64_EDGES[randInt(rnd, U64_EDGES.length)]! : old + BigInt(randInt(rnd, 33) - 16);
        if (v < 0n || v >= 1n << 64n) break;
        log.push(`size at ${s}: ${old} -> ${v}`);
        b.writeBigUInt64BE(v, s);
      }
    }
  }
  return b;
}

function noise(rnd: Rnd, log: string[]): Buffer {
  const b = Buffer.from(Array.from({ length: randInt(rnd, 300) }, () => randInt(rnd, 256)));
  log.push(`noise ${b.length} bytes`);
  return b;
}

function chunks(b: Buffer, rnd: Rnd): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < b.length; ) {
    const len = 1 + randInt(rnd, rnd() < 0.3 ? 8 : b.length);
    out.push(b.subarray(i, i + len));
    i += len;
  }
  return out;
}

/* --------------------------------- modes -------------------------------- */

class Invalid extends Error {}

function same(a: unknown, b: unknown, what: string): void {
  if (!isDeepStrictEqual(a, b)) throw new Invalid(`${what} did not survive encode → decode`);
}

/** one iteration's decoder, and the check of each message it hands out */
interface Run<T> {
  dec: { push(c: Uint8Array): void; next(): T | undefined; readonly minor?: number };
  /** minor: the decoder's minor before it decoded m; k: index of m */
  check(m: T, minor: number, k: number): void;
}

interface Mode<T> {
  scripts: () => { script: Script; minor?: number }[];
  /** offset of the size field in a frame, for the size mutations (-1: none) */
  sizeField: number;
  start(rnd: Rnd, units: Unit[], minor: number): Run<T>;
}

/** the commands a window of replies answers, sometimes in the wrong order */
function expected<C>(units: Unit[], rnd: Rnd): C[] {
  const cmds = units.map((u) => u.cmd as C);
  return rnd() < 0.2 ? cmds.reverse() : cmds;
}

function iteration<T>(mode: Mode<T>): Iteration {
  const scripts = mode.scripts();
  return (rnd, log) => {
    const pick = scripts[randInt(rnd, scripts.length)]!;
    const units = window(pick.script, rnd, log);
    const r = rnd();
    const bytes = r < 0.1 ? Buffer.concat(units.map((u) => u.bytes)) : r < 0.25 ? noise(rnd, log) : mutate(units, rnd, log, mode.sizeField);
    const { dec, check } = mode.start(rnd, units, pick.minor ?? 13);
    let n = 0;
    for (const c of chunks(bytes, rnd)) {
      dec.push(c);
      for (;;) {
        const minor = dec.minor ?? 0;
        const m = dec.next();
        if (m === undefined) break;
        check(m, minor, n++);
      }
    }
    return n;
  };
}

const relayCommand: Mode<RelayControlFrame> = {
  scripts: () => relayCommandScripts().map((script) => ({ script })),
  sizeField: 8,
  start: (rnd) => ({
    dec: new RelayCommandDecoder(rnd() < 0.2 ? { maxPayload: 64 + randInt(rnd, 20000) } : {}),
    check(f, minor) {
      const again = encodeRelayFrame(f, minor);
      if (again.length !== f.size) throw new Invalid(`${f.command.cmd}: ${f.size} bytes decoded, ${again.length} re-encoded`);
      same(new RelayCommandDecoder({ serverMinor: minor }).drain(again)[0]?.command, f.command, f.command.cmd);
    },
  }),
};

/** a reply decoder, as both ports have one */
interface Replies<C, R> {
  expect(c: C): unknown;
  push(c: Uint8Array): void;
  next(): R | undefined;
  drain(b?: Uint8Array): R[];
  readonly minor: number;
}

/** each reply must decode again, alone, from its encoding, by a decoder awaiting the same command */
function replyRun<C, R extends { reply: string }>(dec: Replies<C, R>, cmds: C[], fresh: (minor: number) => Replies<C, R>, encode: (r: R, minor: number) => Buffer): Run<R> {
  for (const c of cmds) dec.expect(c);
  return {
    dec,
    check(r, minor, k) {
      const again = fresh(minor);
      again.expect(cmds[k]!);
      same(again.drain(encode(r, minor))[0], r, r.reply);
    },
  };
}

const relayReply: Mode<RelayReply> = {
  scripts: () => relayReplyScripts().map((script) => ({ script })),
  sizeField: -1,
  start: (rnd, units) => replyRun(new RelayReplyDecoder(), expected<RelayCommand>(units, rnd), (clientMinor) => new RelayReplyDecoder({ clientMinor }), encodeRelayReply),
};

const relayData: Mode<RelayDataPiece> = {
  scripts: () => relayDataScripts().map((script) => ({ script })),
  sizeField: -1,
  start(rnd) {
    let expect = 0;
    let header: unknown;
    return {
      dec: new RelayDataDecoder(rnd() < 0.3 ? { maxPacket: randInt(rnd, 40000) } : {}),
      check(p) {
        if (p.offset !== expect) throw new Invalid(`piece at ${p.offset}, expected ${expect}`);
        if (p.offset > 0 && p.header !== header) throw new Invalid('header changed within a packet');
        header = p.header;
        expect = p.end ? 0 : p.offset + p.bytes.length;
        if (p.end && p.offset + p.bytes.length !== p.header.dataSize) throw new Invalid('packet ended short');
        if (!p.end && p.bytes.length === 0) throw new Invalid('empty piece before the end');
        same(decodeRelayDataHeader(encodeRelayDataHeader(p.header)), p.header, 'data header');
      },
    };
  },
};

const relayPackets: Mode<RelayDataPacket> = {
  ...relayData,
  start: (rnd) => ({
    dec: new RelayDataPacketDecoder(rnd() < 0.3 ? { maxPacket: randInt(rnd, 40000) } : {}),
    check(p) {
      if (p.payload.length !== p.header.dataSize) throw new Invalid('assembled payload size');
    },
  }),
};

const liveCommand: Mode<LiveCommandFrame> = {
  scripts: () => liveCommandScripts().map((script) => ({ script })),
  sizeField: 0,
  start: (rnd) => ({
    dec: new LiveCommandDecoder({ serverMinor: rnd() < 0.5 ? 4 : 15 }),
    check(f) {
      const again = encodeLiveFrame(f);
      if (again.length !== f.size) throw new Invalid(`${f.command.cmd}: ${f.size} bytes decoded, ${again.length} re-encoded`);
      same(new LiveCommandDecoder().drain(again)[0]?.command, f.command, f.command.cmd);
    },
  }),
};

const liveReply: Mode<LiveReply> = {
  scripts: liveReplyScripts,
  sizeField: -1,
  start: (rnd, units, minor) =>
    replyRun(
      new LiveReplyDecoder({ clientMinor: minor, ...(rnd() < 0.2 ? { maxReply: randInt(rnd, 30000) } : {}) }),
      expected<LiveCommand>(units, rnd),
      (clientMinor) => new LiveReplyDecoder({ clientMinor }),
      encodeLiveReply,
    ),
};

const iterations: Record<string, () => Iteration> = {
  'relay-command': () => iteration(relayCommand),
  'relay-reply': () => iteration(relayReply),
  'relay-data': () => iteration(relayData),
  'relay-packets': () => iteration(relayPackets),
  'live-command': () => iteration(liveCommand),
  'live-reply': () => iteration(liveReply),
};

/* --------------------------------- main --------------------------------- */

/** the error and where it came from, for the failure report */
const explain = (e: unknown): string => inspect(e, { depth: 2, breakLength: Infinity }).split('\n').slice(0, 6).join('\n');

const make = iterations[mode];
if (!make) {
  console.error(`usage: fuzz-runner.ts (${Object.keys(iterations).join('|')}) SEED N [--only=I] [--show]`);
  process.exit(2);
}
const iterate = make();
const seed = Number(seedArg);
const n = Number(nArg);
const done: Record<string, number> = { messages: 0, clean: 0, rejected: 0, iterations: 0 };
const first = only ? Number(only.slice(7)) : 0;
const last = only ? first + 1 : n;
for (let i = first; i < last; i++) {
  if (i % 100 === 0) process.stdout.write(`P ${i}\n`);
  const rnd = prng((Math.imul(seed, 1000003) + i * 7919) >>> 0);
  const log: string[] = [];
  const fail = (what: string, e: unknown): void => {
    const f: Failure = { i, what, error: explain(e), mutations: log };
    process.stdout.write(`F ${JSON.stringify(f)}\n`);
  };
  done['iterations']!++;
  try {
    done['messages']! += iterate(rnd, log);
    done['clean']!++;
  } catch (e) {
    if (e instanceof Invalid) fail('invalid message', e);
    else if (!(e instanceof WireError)) fail('not a WireError', e);
    else if (e.detail.startsWith('internal error') || /\bundefined\b|\bNaN\b|\[object /.test(e.message)) fail('WireError hiding a bug', e);
    else done['rejected']!++;
    if (show) console.error(explain(e));
  }
  if (show) console.error(log.join('\n'));
}
process.stdout.write(`D ${JSON.stringify(done)}\n`);
