// Snapshots (lttng-snapshot(1)) on the daemon side: a session's snapshot
// outputs, directory naming, and the record itself, which asks each tracing
// domain of the session to write its part of the trace. A domain plugs in by
// implementing DomainRecorder (kernel, user space).
import * as path from 'node:path';
import { CtlError } from '../ctl/protocol.js';
import type { SnapshotOutputInfo } from '../ctl/protocol.js';
import { datetimeSuffix } from '../ctl/time.js';
import { chunkExists, deleteChunk } from '../output/chunk.js';
import type { KernelSession } from './kernel-domain.js';
import type { UstSession } from '../ust-consumer/session.js';

/** What a tracing domain of a session offers to snapshots, rotation and clear. */
export interface DomainRecorder {
  /** the trace's subdirectory for this domain (`kernel`, `ust`) */
  readonly subdir: string;
  /** snapshot sessions: writes the newest buffer content as a complete trace in `dir`, at most `maxBytes` (0: no limit) */
  snapshot(dir: string, maxBytes: number): Promise<void>;
  /** closes the current chunk (everything read so far) and goes on writing in `dir` */
  rotate(dir: string): Promise<void>;
  /** empties the buffers and the current chunk's files */
  clear(): Promise<void>;
}

/** a session's snapshot state */
export class SnapshotState {
  outputs: SnapshotOutputInfo[] = [];
  private nextId = 1;
  /** snapshots recorded so far: the N of `NAME-YYYYmmdd-HHMMSS-N` */
  count = 0;

  /** `snapshot add-output`; LTTng 2.13 allows one output per session */
  add(dir: string, name: string | undefined, maxSize: number): SnapshotOutputInfo {
    if (this.outputs.length > 0) throw new CtlError('SNAPSHOT_OUTPUT_EXIST');
    const id = this.nextId++;
    const o: SnapshotOutputInfo = { id, name: name ?? `snapshot-${id}`, path: dir, maxSize };
    this.outputs.push(o);
    return o;
  }

  del(id: number | undefined, name: string | undefined): SnapshotOutputInfo {
    const i = this.outputs.findIndex((o) => (id !== undefined && o.id === id) || (name !== undefined && o.name === name));
    if (i < 0) throw new CtlError('INVALID', `Snapshot output ${id !== undefined ? `id ${id}` : name} not found`);
    return this.outputs.splice(i, 1)[0]!;
  }
}

/** the directory of one snapshot: `NAME-YYYYmmdd-HHMMSS-N` (lttng's naming, local time) */
export function snapshotDirName(name: string, when: Date, n: number): string {
  return `${name}-${datetimeSuffix(when)}-${n}`;
}

/** `snapshot record`/`add-output` URL: `file://DIR` or an absolute path */
export function snapshotUrlToDir(url: string): string {
  let p = url;
  if (url.startsWith('file://')) p = url.slice('file://'.length);
  else if (/^(net|net6|tcp|tcp6):\/\//.test(url)) throw new CtlError('INVALID', 'Network snapshot outputs (net://, tcp://) are not supported yet');
  if (!path.isAbsolute(p)) throw new CtlError('INVALID', `Invalid snapshot output ${JSON.stringify(url)}: an absolute path or file:// URL is needed`);
  return path.normalize(p);
}

export interface RecordRequest {
  recorders: DomainRecorder[];
  state: SnapshotState;
  /** ad-hoc output (`snapshot record DIR`), else the session's output */
  outputDir?: string;
  name?: string;
  maxSize?: number;
}

/** Records one snapshot; returns its directory. */
export async function recordSnapshot(req: RecordRequest): Promise<string> {
  const out = req.state.outputs[0];
  const base = req.outputDir ?? out?.path;
  if (base === undefined) throw new CtlError('NO_SESSION_OUTPUT');
  if (req.recorders.length === 0) throw new CtlError('NO_CHANNEL');
  const maxSize = req.maxSize ?? out?.maxSize ?? 0;
  if (!Number.isSafeInteger(maxSize) || maxSize < 0) throw new CtlError('SNAPSHOT_INVALID_SIZE');
  const name = req.name ?? (req.outputDir !== undefined ? 'snapshot' : out!.name);
  const dir = path.join(base, snapshotDirName(name, new Date(), req.state.count));
  // each domain shares the size limit equally (as LTTng shares it over streams)
  const share = maxSize > 0 ? Math.floor(maxSize / req.recorders.length) : 0;
  try {
    for (const r of req.recorders) await r.snapshot(path.join(dir, r.subdir), share);
  } catch (e) {
    deleteChunk(dir);
    const m = e instanceof Error ? e.message.split('\n')[0]! : String(e);
    if (/Invalid snapshot size/.test(m)) throw new CtlError('SNAPSHOT_INVALID_SIZE', m);
    throw new CtlError('SNAPSHOT_FAIL', `Snapshot record failed: ${m}`);
  }
  req.state.count++;
  if (!chunkExists(dir)) throw new CtlError('SNAPSHOT_NODATA');
  return dir;
}

/** the kernel domain of a session as a DomainRecorder */
export function kernelRecorder(ks: KernelSession): DomainRecorder {
  const need = <T>(f: T | undefined, what: string): T => {
    if (f === undefined) throw new Error(`the kernel tracer cannot ${what}`);
    return f;
  };
  return {
    subdir: 'kernel',
    snapshot: async (dir, maxBytes) => {
      await need(ks.snapshot, 'record snapshots').call(ks, dir, maxBytes);
    },
    rotate: (dir) => need(ks.rotate, 'rotate').call(ks, dir),
    clear: () => need(ks.clear, 'clear').call(ks),
  };
}

/** the user-space domain of a session as a DomainRecorder */
export function ustRecorder(us: UstSession): DomainRecorder {
  return {
    subdir: 'ust',
    snapshot: async (dir, maxBytes) => {
      us.snapshot(dir, maxBytes);
    },
    rotate: async (dir) => us.rotate(dir),
    clear: async () => us.clear(),
  };
}
