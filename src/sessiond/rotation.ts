// Session rotation (lttng-rotate(1), lttng-enable-rotation(1)) and clear on
// the daemon side: trace chunks and their directories, the automatic
// schedules. The first chunk is written at the top of the session output
// (`kernel/…`); a rotation makes each domain close its files and go on in
// `<begin>-<index>/`, then moves the closed chunk to
// `archives/<begin>-<end>-<index>/`, LTTng's names (ISO 8601 basic times with
// the UTC offset). Each archive is a complete trace (metadata included).
import * as path from 'node:path';
import { CtlError } from '../ctl/protocol.js';
import { creationDatetime } from '../ctl/time.js';
import { archiveChunk, chunkExists, deleteChunk } from '../output/chunk.js';
import { treeBytes } from '../output/local.js';
import type { DomainRecorder } from './snapshot.js';

/** bytes of the trace data under `dir`: regular files but the metadata (0 if missing) */
export function dirBytes(dir: string): number {
  return treeBytes(dir, { withoutMetadata: true });
}

/** One session's trace chunks and rotation schedules. */
export class RotationState {
  /** index of the chunk being written */
  index = 0;
  /** when it began (the session's first start for chunk 0) */
  begin: Date | undefined;
  /** rotated since the last start/stop (LTTng allows one rotation of a stopped session) */
  rotatedWhileStopped = false;
  timerUs = 0;
  sizeBytes = 0;
  private timer: NodeJS.Timeout | undefined;
  private sizeTimer: NodeJS.Timeout | undefined;
  /** an automatic rotation is running */
  private busy = false;

  constructor(readonly outputPath: string) {}

  /** the directory the current chunk's domains write into */
  chunkDir(): string {
    return this.index === 0 ? this.outputPath : path.join(this.outputPath, `${creationDatetime(this.begin!)}-${this.index}`);
  }

  /**
   * Rotates: the domains close the current chunk and go on in the next one;
   * the closed chunk moves under archives/. Returns the archive's path.
   */
  async rotate(recorders: DomainRecorder[], active: boolean): Promise<string> {
    if (!this.begin) throw new CtlError('ROTATION_NOT_AVAILABLE', 'Rotation is not available before the session has been started');
    if (!active) {
      if (this.rotatedWhileStopped) throw new CtlError('ROTATION_MULTIPLE_AFTER_STOP');
      this.rotatedWhileStopped = true;
    }
    const end = new Date();
    const oldDir = this.chunkDir();
    const oldIndex = this.index;
    const oldBegin = this.begin;
    this.index++;
    this.begin = end;
    const newDir = this.chunkDir();
    try {
      for (const r of recorders) await r.rotate(path.join(newDir, r.subdir));
    } catch (e) {
      throw new CtlError('ROTATION_FAIL', `Rotation failure on consumer: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
    }
    const archive = path.join(this.outputPath, 'archives', `${creationDatetime(oldBegin)}-${creationDatetime(end)}-${oldIndex}`);
    // the first chunk is the top of the output: only its domain directories move
    archiveChunk(oldDir, archive, oldIndex === 0 ? recorders.map((r) => r.subdir) : undefined);
    return archive;
  }

  /** the files of the current chunk are closed for good (destroy): archive it if the session has rotated */
  archiveLast(): string | undefined {
    if (this.index === 0 || !this.begin) return undefined;
    const dir = this.chunkDir();
    if (!chunkExists(dir)) return undefined;
    if (this.rotatedWhileStopped) {
      // rotated after the last stop: this chunk never received an event
      deleteChunk(dir);
      return undefined;
    }
    const archive = path.join(this.outputPath, 'archives', `${creationDatetime(this.begin)}-${creationDatetime(new Date())}-${this.index}`);
    archiveChunk(dir, archive);
    return archive;
  }

  /**
   * Arms the automatic schedules; `rotate` is called when one fires (a
   * size check runs every quarter of a second on the chunk's files).
   */
  arm(rotate: () => Promise<unknown>, subdirs: string[]): void {
    this.disarm();
    const fire = (): void => {
      if (this.busy) return;
      this.busy = true;
      rotate()
        .catch(() => undefined)
        .finally(() => {
          this.busy = false;
        });
    };
    if (this.timerUs > 0) {
      this.timer = setInterval(fire, Math.max(1, this.timerUs / 1000));
      this.timer.unref();
    }
    if (this.sizeBytes > 0) {
      this.sizeTimer = setInterval(() => {
        if (this.busy) return;
        const dir = this.chunkDir();
        if (subdirs.reduce((n, d) => n + dirBytes(path.join(dir, d)), 0) >= this.sizeBytes) fire();
      }, 250);
      this.sizeTimer.unref();
    }
  }

  disarm(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.sizeTimer) clearInterval(this.sizeTimer);
    this.timer = undefined;
    this.sizeTimer = undefined;
  }
}

/** how `enable-rotation` states a period (lttng prints it in µs) */
export function periodText(us: number): string {
  return `${us} \u00b5s`;
}
