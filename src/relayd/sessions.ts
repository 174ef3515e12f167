// What the relay holds: relay sessions (one per CREATE_SESSION, that is per consumer
// daemon of a recording session), their CTF traces and streams, the published trace
// chunks, and the ids LTTng's protocols hand out. Shared by the three ports: the
// control port creates and changes them, the data port fills the streams, the live
// port reads them.
import * as path from 'node:path';
import { Chunk, ChunkRegistry } from './chunks.js';
import type { ConfinedFs } from './confine.js';
import type { Log } from './log.js';
import { BufferPool } from './pool.js';
import { type GroupBy } from './names.js';
import { CtfTrace, NONE, RelayStream } from './streams.js';

export interface SessionInit {
  name: string;
  hostname: string;
  basePath: string;
  liveTimer: number;
  snapshot: boolean;
  major: number;
  minor: number;
  /** 2.11+: hex of the sessiond's UUID, and the session's id there */
  sessiondUuid?: string | undefined;
  sessiondSessionId?: bigint | undefined;
  creationTime: bigint;
  /** relative to the output root ('' for pre-2.11 peers: their stream paths hold it all) */
  outputPath: string;
}

export class RelaySession {
  readonly id: bigint;
  readonly init: SessionInit;
  /** absolute */
  readonly dir: string;
  current: Chunk | undefined;
  pendingClosure: Chunk | undefined;
  hasRotated = false;
  ongoingRotation = false;
  readonly traces = new Map<string, CtfTrace>();
  /** its streams not closed yet */
  readonly streams: RelayStream[] = [];
  connectionClosed = false;
  /** a data connection that carried its packets ended */
  dataClosed = false;
  /** the live viewer connection attached to it (one at most) */
  viewer: object | undefined;
  /** streams a viewer has not been told of (NEW_STREAM flag) */
  newStreams = false;

  constructor(id: bigint, init: SessionInit, dir: string) {
    this.id = id;
    this.init = init;
    this.dir = dir;
  }

  get name(): string {
    return this.init.name;
  }

  get label(): string {
    return `session ${this.id} "${this.init.hostname}/${this.init.name}"`;
  }

  /** the relay-side key of its chunks: the sessiond's session when known */
  chunkKey(id: bigint): string {
    return ChunkRegistry.key(this.init.sessiondUuid ?? 'anonymous', this.init.sessiondSessionId ?? this.id, id);
  }

  /** streams not closed (LIST_SESSIONS' stream count): closed ones leave the list */
  get streamCount(): number {
    return this.streams.length;
  }

  /** the indexes of streams pairs data with: not for snapshots nor 2.1–2.3 peers */
  get withIndex(): boolean {
    return this.init.minor >= 4 && !this.init.snapshot;
  }

  /** sets the session's current chunk (one reference held) */
  setCurrent(c: Chunk | undefined): void {
    const old = this.current;
    this.current = c?.get();
    old?.put();
  }
}

export interface RelayOptions {
  /** absolute output root */
  output: string;
  groupBy: GroupBy;
}

export class RelayState {
  readonly sessions = new Map<bigint, RelaySession>();
  readonly streams = new Map<bigint, RelayStream>();
  readonly chunks: ChunkRegistry;
  /** packet buffers of the data port, reused once written */
  readonly pool = new BufferPool();
  private lastSession = 0n;
  private lastStream = 0n;
  private lastTrace = 0n;
  private lastViewer = 0n;

  constructor(
    readonly opts: RelayOptions,
    readonly fs: ConfinedFs,
    readonly noIndexFs: ConfinedFs,
    readonly log: Log,
  ) {
    this.chunks = new ChunkRegistry({ fs, log: (level, msg) => log.line(level, msg) });
  }

  newSession(init: SessionInit): RelaySession {
    const s = new RelaySession(++this.lastSession, init, path.join(this.opts.output, init.outputPath));
    this.sessions.set(s.id, s);
    return s;
  }

  newViewerId(): bigint {
    return ++this.lastViewer;
  }

  /** the session's trace at `tracePath`, made on first use */
  trace(s: RelaySession, tracePath: string): CtfTrace {
    let t = s.traces.get(tracePath);
    if (!t) {
      t = new CtfTrace(++this.lastTrace, tracePath, s.id);
      s.traces.set(tracePath, t);
    }
    return t;
  }

  addStream(s: RelaySession, trace: CtfTrace, channel: string, tracefileSize: number, tracefileCount: number): RelayStream {
    const st = new RelayStream(
      {
        handle: ++this.lastStream, trace, channel, tracefileSize, tracefileCount, withIndex: s.withIndex,
        fs: this.fs, noIndexFs: this.noIndexFs, log: this.log, label: s.label, pool: this.pool,
      },
      s.current,
    );
    trace.streams.push(st);
    if (st.isMetadata) trace.metadata = st;
    s.streams.push(st);
    this.streams.set(st.handle, st);
    return st;
  }

  /** closes a stream now if all its data is in, else once it is (CLOSE_STREAM, end of a connection) */
  tryClose(st: RelayStream, force = false): void {
    if (st.closed) return;
    st.closeRequested = true;
    if (!force && !st.drained) return;
    st.close();
    this.streams.delete(st.handle);
    // viewers hold their streams themselves: a closed one leaves its session's lists (per-PID apps come and go)
    const trace = st.trace;
    trace.streams.splice(trace.streams.indexOf(st), 1);
    const s = this.sessions.get(trace.sessionId);
    if (!s) return;
    s.streams.splice(s.streams.indexOf(st), 1);
    this.forget(s);
  }

  /**
   * The control connection of a session ended (or its data connection): no more
   * commands, so streams close once the data they announced is in. `force`: nor
   * more data either.
   */
  closeSession(s: RelaySession, force: boolean): void {
    s.connectionClosed = true;
    for (const st of [...s.streams]) {
      // without CLOSE_STREAM, only the data of indexes already received is still awaited (as lttng-relayd)
      let now = force;
      if (st.lastNetSeqNum === NONE) {
        const last = st.lastHeldIndex();
        if (last === undefined) now = true;
        else st.lastNetSeqNum = last;
      }
      this.tryClose(st, now);
    }
    s.setCurrent(undefined);
    const pending = s.pendingClosure;
    s.pendingClosure = undefined;
    pending?.put();
    this.forget(s);
  }

  /** drops a finished session nobody views any more */
  forget(s: RelaySession): void {
    if (s.connectionClosed && s.viewer === undefined && s.streams.length === 0) this.sessions.delete(s.id);
  }
}
