// CREATE_SESSION and ADD_STREAM on the control port: the names a peer sends are
// checked before anything is made of them (a refused one is answered with LTTng's
// error code and logged, the connection stays), then the session's directory and
// the stream's first files are made under the output root.
import { LTTNG_PATH_MAX, LttngErr, type RelayMsg, type RelayReply } from '../wire/index.js';
import { Chunk, ChunkRegistry } from './chunks.js';
import { badComponent, relativePath, sessionOutputPath, within } from './names.js';
import type { RelaySession, RelayState } from './sessions.js';

const NO_HANDLE = 0xffff_ffff_ffff_ffffn;

function refuse(state: RelayState, what: string, why: string): void {
  state.log.counters.refusedNames++;
  state.log.warn(`refused ${what}: ${why}`);
}

/** CREATE_SESSION: the relay session (or undefined, refused) and the reply */
export function createSession(state: RelayState, msg: RelayMsg<'CREATE_SESSION'>, major: number, minor: number): { session?: RelaySession; reply: RelayReply } {
  const failed: RelayReply = { reply: 'CREATE_SESSION', sessionId: 0n, retCode: LttngErr.FATAL };
  const nameBad = badComponent(msg.sessionName);
  if (nameBad) return refuse(state, `session name ${JSON.stringify(msg.sessionName)}`, nameBad), { reply: failed };
  const hostBad = badComponent(msg.hostname);
  if (hostBad) return refuse(state, `hostname ${JSON.stringify(msg.hostname)}`, hostBad), { reply: failed };
  const base = relativePath(msg.basePath ?? '', true);
  if (typeof base !== 'string') return refuse(state, `base path ${JSON.stringify(msg.basePath)}`, base.error), { reply: failed };
  const modern = minor >= 11;
  const creationTime = msg.creationTime ?? BigInt(Math.floor(Date.now() / 1000));
  // 2.11+ peers name the session's directory through the relay; older ones send whole paths per stream
  const outputPath = modern
    ? sessionOutputPath({ sessionName: msg.sessionName, hostname: msg.hostname, basePath: base, creationTime, nameContainsCreationTime: msg.nameContainsCreationTime === true }, state.opts.groupBy)
    : '';
  const dir = within(state.opts.output, outputPath);
  if (dir === undefined || Buffer.byteLength(outputPath) >= LTTNG_PATH_MAX) return refuse(state, `session directory ${JSON.stringify(outputPath)}`, 'not under the output directory or too long'), { reply: failed };
  let current: Chunk | undefined;
  const uuid = msg.sessiondUuid ? Buffer.from(msg.sessiondUuid).toString('hex') : undefined;
  if (modern && msg.currentChunkId !== undefined) {
    current = state.chunks.find(ChunkRegistry.key(uuid ?? 'anonymous', msg.sessionId ?? 0n, msg.currentChunkId));
    if (!current) {
      state.log.error(`CREATE_SESSION names trace chunk ${msg.currentChunkId}, unknown to the relay`);
      return { reply: failed };
    }
  }
  try {
    state.fs.mkdir(dir);
  } catch (e) {
    state.log.writeError(`create session directory ${dir}`, e);
    return { reply: failed };
  }
  const s = state.newSession({
    name: msg.sessionName, hostname: msg.hostname, basePath: base, liveTimer: msg.liveTimer, snapshot: msg.snapshot,
    major, minor, sessiondUuid: uuid, sessiondSessionId: msg.sessionId, creationTime, outputPath,
  });
  // pre-2.11 peers know no chunks: one anonymous chunk, the output root, for the whole session
  if (!modern) current = new Chunk('', 0n, creationTime, state.opts.output, '', undefined, () => undefined);
  s.setCurrent(current);
  state.log.info(`${s.label} created (protocol 2.${minor}${msg.liveTimer ? `, live ${msg.liveTimer} µs` : ''}${msg.snapshot ? ', snapshot' : ''}) in ${dir}`);
  const reply: RelayReply = { reply: 'CREATE_SESSION', sessionId: s.id, retCode: LttngErr.OK };
  if (modern) reply.outputPath = outputPath;
  return { session: s, reply };
}

function u64ToNumber(v: bigint): number {
  return v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(v);
}

/** ADD_STREAM: a stream of the session's current chunk */
export function addStream(state: RelayState, s: RelaySession, msg: RelayMsg<'ADD_STREAM'>): RelayReply {
  const failed: RelayReply = { reply: 'ADD_STREAM', handle: NO_HANDLE, retCode: LttngErr.UNK };
  const chanBad = badComponent(msg.channelName);
  if (chanBad) return refuse(state, `channel name ${JSON.stringify(msg.channelName)}`, chanBad), failed;
  const tracePath = relativePath(msg.pathname, false);
  if (typeof tracePath !== 'string') return refuse(state, `stream path ${JSON.stringify(msg.pathname)}`, tracePath.error), failed;
  const chunk = s.current;
  if (!chunk) {
    state.log.error(`${s.label}: ADD_STREAM ${tracePath}/${msg.channelName} while the session has no current trace chunk`);
    return failed;
  }
  if (within(chunk.dir, `${tracePath}/${msg.channelName}`) === undefined) return refuse(state, `stream path ${JSON.stringify(msg.pathname)}`, 'not under the session directory'), failed;
  const st = state.addStream(s, state.trace(s, tracePath), msg.channelName, u64ToNumber(msg.tracefileSize), u64ToNumber(msg.tracefileCount));
  const failure = st.takeFailure();
  if (failure) {
    state.tryClose(st, true);
    return failed;
  }
  state.log.debug(`${s.label}: stream ${st.handle} ${tracePath}/${msg.channelName}`);
  return { reply: 'ADD_STREAM', handle: st.handle, retCode: LttngErr.OK };
}
