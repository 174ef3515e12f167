// The registry of a session's user-space traces: one trace per UID
// (`ust/uid/<uid>/64-bit/`) or per process (`ust/pid/<procname>-<pid>-<datetime>/`),
// each with its event ids, stream classes, stream numbers and metadata, and
// the one clock of the session.
import { nodeFs } from '../output/fs.js';
import type { OutputFs } from '../output/fs.js';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { datetimeSuffix } from '../ctl/time.js';
import type { UstBuffers } from '../ctl/protocol.js';
import type { ClockClass } from '../ctf/model.js';
import { parseMetadata } from '../ctf/metadata.js';
import { LocalTraceOutput } from '../output/local.js';
import type { UstEventDecl } from '../ust/protocol.js';
import { ustClockClass } from '../ust/ctf-layout.js';
import type { UstApp, UstApps } from './apps.js';
import type { UstChannel } from './channel.js';
import { ustMetadataText } from './metadata.js';
import type { UstTraceMetadata } from './metadata.js';

/** mode of the user-space trace files (as LTTng's consumer creates them) */
export const UST_FILE_MODE = 0o640;

/** one trace directory and its registry */
export interface UstTrace {
  key: string;
  dir: string;
  /** where its files go (the current chunk) */
  output: LocalTraceOutput;
  uuid: string;
  uid: number;
  /** per-PID traces */
  app?: { pid: number; procname: string; registeredAt: Date };
  created: Date;
  /** channel → stream class id (in order of first use) */
  streamClass: Map<string, number>;
  /** channel → event signature → event class */
  events: Map<string, Map<string, { id: number; decl: UstEventDecl }>>;
  /** channel → next stream number */
  nextStream: Map<string, number>;
  metadataDirty: boolean;
}

/** what the registry reads of its session */
export interface RegistryHost {
  readonly sessionName: string;
  readonly buffers: UstBuffers;
  /** snapshot sessions: each snapshot writes the metadata it needs */
  readonly snapshotMode: boolean;
  channel(name: string): UstChannel | undefined;
}

function signature(d: UstEventDecl): string {
  return JSON.stringify([d.name, d.loglevel, d.fields]);
}

export class UstRegistry {
  readonly traces = new Map<string, UstTrace>();
  private clockClass: ClockClass | undefined;
  private kernelClockShared = false;

  constructor(
    private readonly host: RegistryHost,
    private readonly apps: UstApps,
    private readonly log: (msg: string) => void,
    /** where the current trace chunk's `ust/` is (moves on rotation) */
    public root: string,
    /** how trace files and folders are made (the session owner's identity) */
    readonly fs: OutputFs = nodeFs,
  ) {}

  /** one clock offset for every trace of the session, kept across metadata rewrites */
  clock(): ClockClass {
    this.clockClass ??= ustClockClass();
    return this.clockClass;
  }

  /**
   * Takes the clock (offset included) of the session's kernel trace, so that
   * kernel and user-space events order exactly: two separate measurements of
   * realtime − monotonic differ by the noise of a busy machine (up to a ms).
   */
  useClockOf(kernelMetadata: string): void {
    try {
      const tc = parseMetadata(this.fs.readFile(kernelMetadata).toString('utf8'));
      const c = tc.clocks.get('monotonic');
      if (c) this.clockClass = { ...c };
    } catch (e) {
      this.log(`session ${this.host.sessionName}: kernel clock not shared (${(e as Error).message.split('\n')[0]})`);
    }
  }

  /** snapshots: the kernel part, written first, gives the clock once it exists */
  shareKernelClock(kernelMetadata: string): void {
    if (this.kernelClockShared || !this.fs.exists(kernelMetadata)) return;
    this.useClockOf(kernelMetadata);
    this.kernelClockShared = true;
  }

  traceFor(app: UstApp): UstTrace {
    const perPid = this.host.buffers === 'pid';
    const key = perPid ? `pid:${app.reg.pid}` : `uid:${app.reg.uid}`;
    let t = this.traces.get(key);
    if (t) return t;
    // the per-PID directory is named after the process's first registered thread
    const first = [...this.apps.apps.values()].filter((a) => a.reg.pid === app.reg.pid).sort((a, b) => a.key - b.key)[0] ?? app;
    const dir = perPid
      ? path.join(this.root, 'pid', `${first.reg.procname}-${app.reg.pid}-${datetimeSuffix(first.registeredAt)}`)
      : path.join(this.root, 'uid', String(app.reg.uid), '64-bit');
    t = {
      key,
      dir,
      output: new LocalTraceOutput(dir, { fileMode: UST_FILE_MODE, fs: this.fs }),
      uuid: randomBytes(16).toString('hex'),
      uid: app.reg.uid,
      streamClass: new Map(),
      events: new Map(),
      nextStream: new Map(),
      metadataDirty: true,
      created: new Date(),
    };
    if (perPid) t.app = { pid: app.reg.pid, procname: first.reg.procname, registeredAt: first.registeredAt };
    this.traces.set(key, t);
    return t;
  }

  /** the stream class of `channel` in `t` (in order of first use) */
  streamClassOf(t: UstTrace, channel: string): number {
    let sc = t.streamClass.get(channel);
    if (sc === undefined) {
      sc = t.streamClass.size;
      t.streamClass.set(channel, sc);
      t.metadataDirty = true;
    }
    return sc;
  }

  /** a new stream number of `channel` in `t` */
  newStream(t: UstTrace, channel: string): number {
    const n = t.nextStream.get(channel) ?? 0;
    t.nextStream.set(channel, n + 1);
    return n;
  }

  eventId(t: UstTrace, channel: string, d: UstEventDecl): number {
    let m = t.events.get(channel);
    if (!m) t.events.set(channel, (m = new Map()));
    const sig = signature(d);
    let e = m.get(sig);
    if (!e) {
      e = { id: m.size, decl: d };
      m.set(sig, e);
      t.metadataDirty = true;
    }
    return e.id;
  }

  metadataOf(t: UstTrace, uuid: string): UstTraceMetadata {
    return {
      uuid,
      sessionName: this.host.sessionName,
      uid: t.uid,
      buffers: this.host.buffers,
      app: t.app,
      created: t.created,
      clock: this.clock(),
      streams: [...t.streamClass].map(([channel, id]) => {
        const c = this.host.channel(channel)!;
        return {
          id,
          channel,
          contexts: [...c.contexts],
          events: [...(t.events.get(channel)?.values() ?? [])].map((e) => ({ id: e.id, decl: e.decl })),
        };
      }),
    };
  }

  /** rewrites the metadata of `t` if it learnt something since */
  writeMetadata(t: UstTrace): void {
    if (!t.metadataDirty) return;
    if (this.host.snapshotMode) {
      t.metadataDirty = false;
      return;
    }
    try {
      t.output.writeMetadata(ustMetadataText(this.metadataOf(t, t.uuid)));
      t.metadataDirty = false;
    } catch (e) {
      this.log(`session ${this.host.sessionName}: cannot write ${t.dir}/metadata: ${(e as Error).message}`);
    }
  }

  /**
   * Session rotation: every trace goes on under `root` (the new chunk's
   * `ust/`); open streams move there, and the metadata is rewritten when
   * next needed.
   */
  moveTo(root: string): void {
    const old = this.root;
    this.root = root;
    for (const t of this.traces.values()) {
      t.dir = path.join(root, path.relative(old, t.dir));
      t.metadataDirty = true;
      t.output.rotate(t.dir);
    }
  }
}
