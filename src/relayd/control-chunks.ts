// Trace chunks and session rotation on the control port, as lttng-relayd 2.13 answers
// them: CREATE_TRACE_CHUNK makes the session's next chunk current, ROTATE_STREAMS
// moves each stream into it at a packet position, CLOSE_TRACE_CHUNK closes the
// previous one (archived under `archives/` once no stream writes to it), and
// TRACE_CHUNK_EXISTS tells the sessiond when that happened.
import { LttngErr, TraceChunkCommand, type RelayMsg, type RelayReply } from '../wire/index.js';
import { Chunk } from './chunks.js';
import { badChunkName, chunkName } from './names.js';
import type { RelaySession, RelayState } from './sessions.js';

function generic(retCode: number): RelayReply {
  return { reply: 'GENERIC', retCode };
}

export function createTraceChunk(state: RelayState, s: RelaySession, msg: RelayMsg<'CREATE_TRACE_CHUNK'>): RelayReply {
  if (msg.overrideName !== undefined) {
    const bad = badChunkName(msg.overrideName);
    if (bad) {
      state.log.counters.refusedNames++;
      state.log.warn(`${s.label}: refused trace chunk name ${JSON.stringify(msg.overrideName)}: ${bad}`);
      return generic(LttngErr.INVALID);
    }
  }
  if (s.pendingClosure) {
    state.log.error(`${s.label}: CREATE_TRACE_CHUNK ${msg.chunkId} while chunk ${s.pendingClosure.id} awaits its close`);
    return generic(LttngErr.INVALID_PROTOCOL);
  }
  s.ongoingRotation = true;
  // where the chunk will stay: the first one is the session directory, later ones are named
  const rel = msg.overrideName ?? (!s.current && !s.hasRotated ? '' : chunkName(msg.chunkId, msg.creationTimestamp));
  const chunk = state.chunks.publish(s.chunkKey(msg.chunkId), (onRelease) => new Chunk(s.chunkKey(msg.chunkId), msg.chunkId, msg.creationTimestamp, s.dir, rel, msg.overrideName, onRelease));
  try {
    state.fs.mkdir(chunk.dir);
  } catch (e) {
    state.log.writeError(`${s.label}: create trace chunk directory ${chunk.dir}`, e);
    return generic(LttngErr.UNK);
  }
  s.pendingClosure = s.current; // the session's reference moves with it
  s.current = chunk.get();
  if (!s.pendingClosure) s.ongoingRotation = false;
  state.log.info(`${s.label}: trace chunk ${msg.chunkId} created in ${chunk.dir}`);
  return generic(LttngErr.OK);
}

export function rotateStreams(state: RelayState, s: RelaySession, msg: RelayMsg<'ROTATE_STREAMS'>): RelayReply {
  let next: Chunk | undefined;
  if (msg.newChunkId !== undefined) {
    next = state.chunks.find(s.chunkKey(msg.newChunkId));
    if (!next) {
      state.log.error(`${s.label}: ROTATE_STREAMS to unknown trace chunk ${msg.newChunkId}`);
      return generic(LttngErr.INVALID_PROTOCOL);
    }
  }
  for (const p of msg.positions) {
    const st = state.streams.get(p.streamId);
    if (!st) {
      state.log.error(`${s.label}: ROTATE_STREAMS names unknown stream ${p.streamId}`);
      return generic(LttngErr.INVALID);
    }
    if (!st.setPendingRotation(next, p.rotateAtSeqNum)) {
      state.log.error(`${st.name}: ROTATE_STREAMS while a rotation is pending`);
      return generic(LttngErr.FILE_CREATION_ERROR);
    }
  }
  state.log.debug(`${s.label}: ${msg.positions.length} stream(s) rotate to ${msg.newChunkId === undefined ? 'no chunk' : `chunk ${msg.newChunkId}`}`);
  return generic(LttngErr.OK);
}

export function closeTraceChunk(state: RelayState, s: RelaySession, msg: RelayMsg<'CLOSE_TRACE_CHUNK'>): RelayReply {
  const fail = (retCode: number): RelayReply => ({ reply: 'CLOSE_TRACE_CHUNK', retCode });
  const chunk = state.chunks.find(s.chunkKey(msg.chunkId));
  if (!chunk) {
    state.log.error(`${s.label}: CLOSE_TRACE_CHUNK of unknown chunk ${msg.chunkId}`);
    return fail(LttngErr.NOMEM); // lttng-relayd's code for it
  }
  if (msg.closeCommand === TraceChunkCommand.DELETE) {
    // `lttng clear`: the relay said in GET_CONFIGURATION that it does not allow it
    state.log.warn(`${s.label}: refused to delete trace chunk ${msg.chunkId} (clear is not allowed)`);
    return fail(LttngErr.INVALID_PROTOCOL);
  }
  if (msg.closeCommand !== undefined && msg.closeCommand !== TraceChunkCommand.MOVE_TO_COMPLETED && msg.closeCommand !== TraceChunkCommand.NO_OPERATION) {
    return fail(LttngErr.INVALID);
  }
  if (s.pendingClosure && s.pendingClosure !== chunk) {
    state.log.error(`${s.label}: CLOSE_TRACE_CHUNK ${msg.chunkId} is not the chunk pending closure (${s.pendingClosure.id})`);
    return fail(LttngErr.INVALID_PROTOCOL);
  }
  if (s.current && s.current !== chunk) s.ongoingRotation = false;
  chunk.closeTime = msg.closeTimestamp;
  if (msg.closeCommand !== undefined) chunk.closeCommand = msg.closeCommand;
  const name = chunk.name!;
  // as lttng-relayd: before the first archive, the reply names the session directory
  const path = !s.hasRotated && !s.init.snapshot ? s.init.outputPath : s.init.snapshot ? `${s.init.outputPath}/${name}` : `${s.init.outputPath}/archives/${name}`;
  if (msg.closeCommand === TraceChunkCommand.MOVE_TO_COMPLETED) s.hasRotated = true;
  if (s.current === chunk) s.setCurrent(undefined);
  const pending = s.pendingClosure;
  s.pendingClosure = undefined;
  pending?.put();
  state.chunks.closedNow(chunk);
  state.log.info(`${s.label}: trace chunk ${msg.chunkId} closed (${chunk.users} stream(s) still in it)`);
  return { reply: 'CLOSE_TRACE_CHUNK', retCode: LttngErr.OK, path };
}

export function traceChunkExists(state: RelayState, s: RelaySession, msg: RelayMsg<'TRACE_CHUNK_EXISTS'>): RelayReply {
  return { reply: 'TRACE_CHUNK_EXISTS', retCode: LttngErr.OK, exists: state.chunks.find(s.chunkKey(msg.chunkId)) !== undefined };
}
