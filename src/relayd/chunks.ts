// Trace chunks on the relay (CREATE_TRACE_CHUNK / CLOSE_TRACE_CHUNK / TRACE_CHUNK_EXISTS).
// A chunk is a directory of the session's output: the first one is the session
// directory itself, later ones `START-ID/` beside it. Each is published once per
// (sessiond, sessiond session, id), so the relay sessions of one recording session
// (one per consumer daemon: kernel, user space) share it, as lttng-relayd's registry.
// A closed chunk runs its close command once nothing uses it any more (every stream
// has moved on): MOVE_TO_COMPLETED moves it to `archives/START-END-ID/`.
//
// Unlike lttng-relayd, a chunk never moves while streams write to it (lttng-relayd
// renames live chunks through `.tmp_old_chunk`/`.tmp_new_chunk`): each chunk is made
// where it ends up, so open files and the paths live viewers read stay valid. The
// layouts that result are the same; `lttng clear` (CLOSE with DELETE, which moves the
// next chunk into the session directory) is refused, as `lttng-relayd --disallow-clear`.
import * as path from 'node:path';
import { archiveChunk } from '../output/index.js';
import type { OutputFs } from '../output/index.js';
import { TraceChunkCommand } from '../wire/index.js';
import { chunkName } from './names.js';

export class Chunk {
  /** seconds since the epoch */
  closeTime: bigint | undefined;
  closeCommand: number | undefined;
  /** users: relay sessions (current or pending closure), streams writing or about to */
  private refs = 0;
  /** entries this chunk made at the top of the session directory (when it is that directory) */
  readonly tops = new Set<string>();
  /** where it is now (moves once, when archived) */
  dir: string;
  /** its close command ran */
  released = false;

  constructor(
    readonly key: string,
    readonly id: bigint,
    readonly creation: bigint,
    readonly sessionDir: string,
    /** '' = the session directory; else the chunk's own directory in it */
    readonly rel: string,
    readonly overrideName: string | undefined,
    private readonly onRelease: (c: Chunk) => void,
  ) {
    this.dir = rel === '' ? sessionDir : path.join(sessionDir, rel);
  }

  /** LTTng's chunk name: the override, else `START[-END]-ID`; chunk 0 has none until closed */
  get name(): string | undefined {
    if (this.overrideName !== undefined) return this.overrideName;
    if (this.closeTime === undefined && this.id === 0n) return undefined;
    return chunkName(this.id, this.creation, this.closeTime);
  }

  get closed(): boolean {
    return this.closeTime !== undefined;
  }

  get users(): number {
    return this.refs;
  }

  get(): this {
    this.refs++;
    return this;
  }

  put(): void {
    if (this.refs <= 0) return;
    this.refs--;
    if (this.refs === 0) this.onRelease(this);
  }

  /** a stream of this chunk writes under `streamPath`: remember its top-level entry */
  noteStreamPath(streamPath: string): void {
    if (this.rel === '') this.tops.add(streamPath.split('/')[0]!);
  }
}

/** What the relay's chunk registry needs of the file system and the log. */
export interface ChunkHost {
  fs: OutputFs;
  log(level: 'error' | 'info' | 'debug', msg: string): void;
}

export class ChunkRegistry {
  private readonly chunks = new Map<string, Chunk>();

  constructor(private readonly host: ChunkHost) {}

  static key(sessiondUuid: string, sessiondSessionId: bigint, id: bigint): string {
    return `${sessiondUuid}/${sessiondSessionId}/${id}`;
  }

  find(key: string): Chunk | undefined {
    return this.chunks.get(key);
  }

  /** the published chunk of that key, made (with no user) when new */
  publish(key: string, make: (onRelease: (c: Chunk) => void) => Chunk): Chunk {
    const had = this.chunks.get(key);
    if (had) return had;
    const c = make((ch) => this.release(ch));
    this.chunks.set(key, c);
    return c;
  }

  /** chunks still published */
  get size(): number {
    return this.chunks.size;
  }

  private release(c: Chunk): void {
    if (!c.closed || c.released) return; // still open: a later close runs its command
    c.released = true;
    if (this.chunks.get(c.key) === c) this.chunks.delete(c.key);
    if (c.closeCommand !== TraceChunkCommand.MOVE_TO_COMPLETED) return;
    const name = c.name!;
    const archive = path.join(c.sessionDir, 'archives', name);
    try {
      // the first chunk is the session directory: only its own entries move
      archiveChunk(c.dir, archive, c.rel === '' ? [...c.tops] : undefined, this.host.fs);
      c.dir = archive;
      this.host.log('info', `chunk ${c.id} archived to ${archive}`);
    } catch (e) {
      this.host.log('error', `cannot archive chunk ${c.id} to ${archive}: ${(e as Error).message}`);
    }
  }

  /** a closed chunk whose users are gone already (close after the last stream moved) */
  closedNow(c: Chunk): void {
    if (c.users === 0) this.release(c);
  }
}
