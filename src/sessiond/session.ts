// One recording session's state in the daemon: its tracing domains (kernel
// channels and rules here; user space in src/ust-consumer/), its snapshot
// outputs and its trace chunks, and how it starts, stops and ends.
import type { Client } from './client.js';
import * as path from 'node:path';
import { CtlError } from '../ctl/protocol.js';
import type { ChannelAttributes } from '../ctl/protocol.js';
import { oneLine } from './checks.js';
import type { KernelChannelStats, KernelContextType, KernelEventRule, KernelSession } from './kernel-domain.js';
import type { UstSession } from '../ust-consumer/session.js';
import { SnapshotState, kernelRecorder, ustRecorder } from './snapshot.js';
import type { DomainRecorder } from './snapshot.js';
import { RotationState } from './rotation.js';

export class KernelChannel {
  enabled = true;
  /** oldest first */
  rules: KernelEventRule[] = [];
  contexts: KernelContextType[] = [];
  lastStats: KernelChannelStats | undefined;
  constructor(
    readonly name: string,
    readonly attrs: ChannelAttributes,
  ) {}
}

export class KernelDomain {
  /** oldest first */
  channels: KernelChannel[] = [];
  /** a channel other than channel0 exists: enable-event needs `-c` */
  hasNonDefaultChannel = false;
  constructor(readonly ks: KernelSession) {}
  channel(name: string): KernelChannel | undefined {
    return this.channels.find((c) => c.name === name);
  }
  /** stops the kernel tracer; its last counts stay for `list` */
  async stop(): Promise<void> {
    const stats = await this.ks.stop();
    for (const st of stats) {
      const c = this.channel(st.name);
      if (c) c.lastStats = st;
    }
  }
}

type Log = (msg: string) => void;

export class Session {
  active = false;
  hasBeenStarted = false;
  kernel: KernelDomain | undefined;
  ust: UstSession | undefined;
  /** set while a stop is writing the last data */
  stopping: Promise<void> | undefined;
  stopError: Error | undefined;
  /** flight recorder (`create --snapshot`) */
  snapshotMode = false;
  readonly snap = new SnapshotState();
  private rotState: RotationState | undefined;
  constructor(
    readonly name: string,
    readonly outputPath: string,
    readonly createdAt: Date,
    /** who created it: the only one (with root) who sees it; its files are made with this identity */
    readonly owner: Client,
  ) {}
  get rot(): RotationState {
    this.rotState ??= new RotationState(this.outputPath, this.owner.fs);
    return this.rotState;
  }
  /** each tracing domain, for snapshots, rotation and clear */
  recorders(): DomainRecorder[] {
    const r: DomainRecorder[] = this.kernel ? [kernelRecorder(this.kernel.ks)] : [];
    if (this.ust && this.ust.channels.length > 0) r.push(ustRecorder(this.ust));
    return r;
  }
  channelCount(): number {
    return (this.kernel ? this.kernel.channels.length : 0) + (this.ust ? this.ust.channels.length : 0);
  }

  /** starts each domain, in the output directory */
  async start(): Promise<void> {
    try {
      this.owner.fs.mkdir(this.outputPath);
    } catch (e) {
      throw new CtlError('KERN_START_FAIL', `Cannot create the output directory ${this.outputPath}: ${oneLine(e)}`);
    }
    if (this.kernel) {
      try {
        await this.kernel.ks.start();
      } catch (e) {
        throw new CtlError('KERN_START_FAIL', oneLine(e));
      }
    }
    // (snapshot mode: the kernel metadata is private until a snapshot, which shares the clock then)
    if (this.ust && this.kernel && !this.snapshotMode) this.ust.useClockOf(path.join(this.outputPath, 'kernel', 'metadata'));
    this.ust?.start();
    this.active = true;
    this.hasBeenStarted = true;
    this.rot.begin ??= new Date();
    this.rot.rotatedWhileStopped = false;
  }

  /** Begins stopping; the returned promise ends once the data is on disk. */
  beginStop(log: Log): Promise<void> {
    this.active = false;
    this.rot.disarm();
    this.stopError = undefined;
    const k = this.kernel;
    const u = this.ust;
    const p = (async (): Promise<void> => {
      if (u) {
        try {
          await u.stop();
        } catch (e) {
          this.stopError = e instanceof Error ? e : new Error(String(e));
          log(`session ${this.name}: stopping user space failed: ${oneLine(e)}`);
        }
      }
      if (!k) return;
      try {
        await k.stop();
      } catch (e) {
        this.stopError = e instanceof Error ? e : new Error(String(e));
        log(`session ${this.name}: stop failed: ${oneLine(e)}`);
      }
    })().finally(() => {
      if (this.stopping === p) this.stopping = undefined;
      log(`session ${this.name} stopped`);
    });
    this.stopping = p;
    return p;
  }

  /** Once stopped: each domain lets its buffers go; returns the last trace chunk's archive when the session was rotated. */
  async teardown(log: Log): Promise<string | undefined> {
    if (this.ust) {
      try {
        await this.ust.destroy();
      } catch (e) {
        log(`session ${this.name}: destroying user space failed: ${oneLine(e)}`);
      }
    }
    this.rot.disarm();
    if (this.kernel) {
      try {
        await this.kernel.ks.destroy();
      } catch (e) {
        log(`session ${this.name}: destroy failed: ${oneLine(e)}`);
      }
    }
    let archive: string | undefined;
    try {
      archive = this.rot.archiveLast();
      if (archive) log(`session ${this.name}: last trace chunk archived at ${archive}`);
    } catch (e) {
      log(`session ${this.name}: cannot archive the last trace chunk: ${oneLine(e)}`);
    }
    log(`session ${this.name} destroyed`);
    return archive;
  }
}

/** what a snapshot session forces on its channels (as LTTng: overwrite mode, mmap output) */
export function snapshotForced(s: Session): Partial<ChannelAttributes> {
  return s.snapshotMode ? { overwrite: true, output: 'mmap' } : {};
}
